/* groups.c - named players of a table from a groups.json (include/shapc/data.h,
 * docs/inputs.md): {"groups": {NAME: [COLUMNS], ...}} or {"groups": [{"name": NAME,
 * "columns": [...]}, ...]}, columns given by name or 0-based index. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "shapc/data.h"
#include "util/alloc.h"
#include "util/json.h"

#define GROUPS_MAX_BYTES ((size_t)1 << 26)

/* Column index of a member: a feature name or a 0-based integer index. */
static shapc_status member_index(const char *path, const char *group, const shapc__jv *m,
                                 const char *const *feat, size_t d, size_t *out,
                                 shapc_error *err)
{
    if (m->type == SHAPC__JNUM) {
        if (!(m->num >= 0.0) || m->num != floor(m->num) || m->num >= (double)d)
            return shapc_error_set(err, SHAPC_EINVAL, "%s: group '%s': column index %g is not "
                                   "in 0..%zu", path, group, m->num, d - 1);
        *out = (size_t)m->num;
        return SHAPC_OK;
    }
    const char *s = shapc__jv_str(m);
    if (!s)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: group '%s': members must be column "
                               "names or indices", path, group);
    for (size_t j = 0; j < d; j++) {
        if (strcmp(feat[j], s) == 0) {
            *out = j;
            return SHAPC_OK;
        }
    }
    return shapc_error_set(err, SHAPC_EINVAL, "%s: group '%s': no column named '%s'", path,
                           group, s);
}

/* grp[j] = group of column j (or SIZE_MAX), and the groups' names. */
static shapc_status parse_groups(const char *path, const shapc__jv *root,
                                 const char *const *feat, size_t d, size_t *grp,
                                 char ***gnames, size_t *n_groups, shapc_error *err)
{
    const shapc__jv *g = shapc__jv_get(root, "groups");
    if (!g && root->type == SHAPC__JARR)
        g = root;
    if (!g || (g->type != SHAPC__JOBJ && g->type != SHAPC__JARR))
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: expected {\"groups\": {NAME: "
                               "[COLUMNS], ...}} or {\"groups\": [{\"name\": NAME, \"columns\": "
                               "[...]}, ...]}", path);
    char **names = shapc__calloc(g->n ? g->n : 1, sizeof *names);
    if (!names)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t j = 0; j < d; j++)
        grp[j] = SIZE_MAX;
    shapc_status st = SHAPC_OK;
    size_t ng = 0;
    for (size_t i = 0; i < g->n && st == SHAPC_OK; i++) {
        const char *name;
        const shapc__jv *members;
        if (g->type == SHAPC__JOBJ) {
            name = g->keys[i];
            members = &g->items[i];
        } else {
            name = shapc__jv_str(shapc__jv_get(&g->items[i], "name"));
            members = shapc__jv_get(&g->items[i], "columns");
            if (!members)
                members = shapc__jv_get(&g->items[i], "features");
            if (!name || !members) {
                st = shapc_error_set(err, SHAPC_EFORMAT, "%s: group %zu needs \"name\" and "
                                     "\"columns\"", path, i);
                break;
            }
        }
        if (*name == '\0' || members->type != SHAPC__JARR || members->n == 0) {
            st = shapc_error_set(err, SHAPC_EFORMAT, "%s: group '%s' needs a name and a "
                                 "non-empty list of columns", path, name);
            break;
        }
        for (size_t t = 0; t < i && st == SHAPC_OK; t++)
            if (strcmp(names[t], name) == 0)
                st = shapc_error_set(err, SHAPC_EFORMAT, "%s: group '%s' is defined twice",
                                     path, name);
        names[i] = shapc__strdup(name);
        ng = i + 1;
        if (st == SHAPC_OK && !names[i])
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        for (size_t t = 0; t < members->n && st == SHAPC_OK; t++) {
            size_t col = 0; /* set by member_index on success */
            st = member_index(path, name, &members->items[t], feat, d, &col, err);
            if (st != SHAPC_OK)
                break;
            if (grp[col] != SIZE_MAX)
                st = shapc_error_set(err, SHAPC_EINVAL, "%s: column '%s' is in group '%s' and "
                                     "in group '%s'", path, feat[col], names[grp[col]], name);
            else
                grp[col] = i;
        }
    }
    if (st != SHAPC_OK) {
        shapc_csv_names_free(names, ng);
        return st;
    }
    *gnames = names;
    *n_groups = ng;
    return SHAPC_OK;
}

shapc_status shapc_groups_read(const char *path, const char *const *features, size_t d,
                               size_t *group_of, char ***names, size_t *n_players,
                               shapc_error *err)
{
    char *text = NULL, why[160];
    size_t len = 0;
    *names = NULL;
    *n_players = 0;
    if (!path || !features || d == 0 || !group_of)
        return shapc_error_set(err, SHAPC_EINVAL, "shapc_groups_read: NULL argument");
    shapc_status st = shapc_file_read(path, GROUPS_MAX_BYTES, &text, &len, err);
    if (st == SHAPC_ERANGE)
        return shapc_error_set(err, st, "%s: too large for a groups file", path);
    if (st != SHAPC_OK)
        return st;
    shapc__jv *root = shapc__json_parse(text, len, why, sizeof why);
    shapc__free(text);
    if (!root)
        return shapc_error_set(err, SHAPC_EFORMAT, "%s: not valid JSON: %s", path, why);
    char **gnames = NULL, **pnames = shapc__calloc(d, sizeof *pnames);
    size_t ng = 0, np = 0, *grp = shapc__malloc(d * sizeof *grp), *gplayer = NULL;
    if (!pnames || !grp)
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    if (st == SHAPC_OK)
        st = parse_groups(path, root, features, d, grp, &gnames, &ng, err);
    if (st == SHAPC_OK && !(gplayer = shapc__malloc((ng ? ng : 1) * sizeof *gplayer)))
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t i = 0; st == SHAPC_OK && i < ng; i++)
        gplayer[i] = SIZE_MAX;
    /* A group takes the player slot of its first column, so players follow column order. */
    for (size_t j = 0; j < d && st == SHAPC_OK; j++) {
        const char *nm;
        if (grp[j] == SIZE_MAX) {
            group_of[j] = np;
            nm = features[j];
        } else if (gplayer[grp[j]] == SIZE_MAX) {
            gplayer[grp[j]] = np;
            group_of[j] = np;
            nm = gnames[grp[j]];
        } else {
            group_of[j] = gplayer[grp[j]];
            continue;
        }
        if (!(pnames[np++] = shapc__strdup(nm)))
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    shapc__jv_free(root);
    shapc_csv_names_free(gnames, ng);
    shapc__free(grp);
    shapc__free(gplayer);
    if (st != SHAPC_OK) {
        shapc_csv_names_free(pnames, np);
        return st;
    }
    *names = pnames;
    *n_players = np;
    return SHAPC_OK;
}
