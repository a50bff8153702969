/* inputs.c - CSV tables, PNG images and named players for the CLI (see inputs.h and
 * docs/inputs.md). */
#define _POSIX_C_SOURCE 200809L

#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "args.h"
#include "loaders.h"

/* ============================================================================================
 * Small helpers
 * ========================================================================================== */

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int shapc_cli_inputs_handles(const char *path)
{
    return ends_with_ci(path, ".csv") || ends_with_ci(path, ".png") || path[0] == '@' ||
           is_dir(path);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

static void free_strings(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Appends the malloc'd path p (NULL: allocation failed) to the growing list v; on failure p
 * is freed and 0 returned. */
static int push_path(char ***v, size_t *cnt, size_t *cap, char *p)
{
    if (p && *cnt == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        char **nv = ncap < SIZE_MAX / sizeof **v ? realloc(*v, ncap * sizeof **v) : NULL;
        if (!nv) {
            free(p);
            return 0;
        }
        *v = nv;
        *cap = ncap;
    }
    if (!p)
        return 0;
    (*v)[(*cnt)++] = p;
    return 1;
}

/* ============================================================================================
 * CSV
 * ========================================================================================== */

static shapc_status load_csv(const char *path, const shapc_model *model,
                             const shapc_cli_csv_drop *drop, shapc_array **out,
                             shapc_error *err)
{
    char **names = NULL;
    size_t cols = 0, d = shapc_model_n_inputs(model);
    shapc_status st = shapc_cli_csv_read(path, drop, out, &names, &cols, err);
    shapc_csv_names_free(names, cols);
    if (st != SHAPC_OK)
        return st;
    if (cols != d) {
        char want[96];
        shapc_cli_format_shape(want, sizeof want, shapc_model_input_shape(model),
                               shapc_model_input_rank(model), "x");
        shapc_array_free(*out);
        *out = NULL;
        return shapc_error_set(err, SHAPC_ESHAPE, "%s: %zu column%s do%s not match the model "
                               "input %s (%zu features)", path, cols, cols == 1 ? "" : "s",
                               cols == 1 ? "es" : "", want, d);
    }
    return SHAPC_OK;
}

/* ============================================================================================
 * PNG: one file, a directory, an @list
 * ========================================================================================== */

/* The model's input as an image (H, W, C); -1 if it is not HxW or HxWxC. */
static int model_image_shape(const shapc_model *model, size_t *h, size_t *w, size_t *c)
{
    size_t rank = shapc_model_input_rank(model);
    const size_t *s = shapc_model_input_shape(model);
    if (rank != 2 && rank != 3)
        return -1;
    *h = s[0];
    *w = s[1];
    *c = rank == 3 ? s[2] : 1;
    return 0;
}

/* Reads one PNG and checks it against the model's image shape; writes d floats to row. */
static shapc_status load_png_row(const char *path, const shapc_model *model, float *row,
                                 shapc_error *err)
{
    size_t h, w, c;
    char want[96];
    shapc_cli_format_shape(want, sizeof want, shapc_model_input_shape(model),
                           shapc_model_input_rank(model), "x");
    if (model_image_shape(model, &h, &w, &c) != 0)
        return shapc_error_set(err, SHAPC_ESHAPE, "%s: PNG input needs an image model (input "
                               "HxW or HxWxC); the model input is %s", path, want);
    shapc_array *img = NULL;
    shapc_status st = shapc_png_read(path, &img, err);
    if (st != SHAPC_OK)
        return st;
    size_t ih = shapc_array_dim(img, 0), iw = shapc_array_dim(img, 1);
    size_t ic = shapc_array_dim(img, 2);
    if (ih != h || iw != w || ic != c) {
        shapc_array_free(img);
        if (ic != c && c == 1 && ih == h && iw == w)
            return shapc_error_set(err, SHAPC_ESHAPE, "%s: %zux%zux%zu image does not match "
                                   "the model input %s (convert it to greyscale)", path, ih,
                                   iw, ic, want);
        return shapc_error_set(err, SHAPC_ESHAPE, "%s: %zux%zux%zu image does not match the "
                               "model input %s", path, ih, iw, ic, want);
    }
    memcpy(row, shapc_array_cdata(img), h * w * c * sizeof *row);
    shapc_array_free(img);
    return SHAPC_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Paths of the PNGs in a directory, sorted by name (malloc'd). */
static shapc_status list_dir(const char *dir, char ***paths, size_t *n, shapc_error *err)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open directory: %s", dir,
                               strerror(errno));
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    shapc_status st = SHAPC_OK;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with_ci(de->d_name, ".png"))
            continue;
        if (!push_path(&v, &cnt, &cap, shapc_cli_path_join(dir, de->d_name))) {
            st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", dir);
            break;
        }
    }
    closedir(dp);
    if (st == SHAPC_OK && cnt == 0)
        st = shapc_error_set(err, SHAPC_EINVAL, "%s: the directory holds no .png files", dir);
    if (st != SHAPC_OK) {
        free_strings(v, cnt);
        return st;
    }
    qsort(v, cnt, sizeof *v, cmp_str);
    *paths = v;
    *n = cnt;
    return SHAPC_OK;
}

/* Paths listed in an @FILE, relative ones resolved against FILE's directory. */
static shapc_status list_file(const char *list, char ***paths, size_t *n, shapc_error *err)
{
    FILE *fp = fopen(list, "r");
    if (!fp)
        return shapc_error_set(err, SHAPC_EIO, "%s: cannot open: %s", list, strerror(errno));
    const char *slash = strrchr(list, '/');
    size_t dir_len = slash ? (size_t)(slash - list) + 1 : 0;
    char **v = NULL;
    size_t cnt = 0, cap = 0, lineno = 0;
    char line[4096];
    shapc_status st = SHAPC_OK;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            st = shapc_error_set(err, SHAPC_EFORMAT, "%s: line %zu: path too long", list,
                                 lineno);
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0' || *s == '#')
            continue;
        size_t sl = strlen(s), pre = s[0] == '/' ? 0 : dir_len;
        char *path = malloc(pre + sl + 1);
        if (path) {
            memcpy(path, list, pre);
            memcpy(path + pre, s, sl + 1);
        }
        if (!push_path(&v, &cnt, &cap, path)) {
            st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", list);
            break;
        }
    }
    fclose(fp);
    if (st == SHAPC_OK && cnt == 0)
        st = shapc_error_set(err, SHAPC_EINVAL, "%s: the list names no files", list);
    if (st != SHAPC_OK) {
        free_strings(v, cnt);
        return st;
    }
    *paths = v;
    *n = cnt;
    return SHAPC_OK;
}

static shapc_status load_pngs(const char *const *paths, size_t n, const shapc_model *model,
                              shapc_array **out, shapc_error *err)
{
    size_t d = shapc_model_n_inputs(model);
    size_t shape[2] = {n, d};
    shapc_array *rows = NULL;
    shapc_status st = shapc_array_create(SHAPC_F32, 2, shape, &rows, err);
    if (st != SHAPC_OK)
        return st;
    float *dst = shapc_array_data(rows);
    for (size_t i = 0; i < n && st == SHAPC_OK; i++)
        st = load_png_row(paths[i], model, dst + i * d, err);
    if (st != SHAPC_OK) {
        shapc_array_free(rows);
        return st;
    }
    *out = rows;
    return SHAPC_OK;
}

shapc_status shapc_cli_inputs_load(const char *path, const shapc_model *model,
                                   const shapc_cli_csv_drop *drop, shapc_array **out,
                                   shapc_error *err)
{
    if (ends_with_ci(path, ".csv"))
        return load_csv(path, model, drop, out, err);
    char **paths = NULL;
    size_t n = 0;
    shapc_status st;
    if (path[0] == '@')
        st = list_file(path + 1, &paths, &n, err);
    else if (is_dir(path))
        st = list_dir(path, &paths, &n, err);
    else
        return load_pngs(&path, 1, model, out, err);
    if (st != SHAPC_OK)
        return st;
    st = load_pngs((const char *const *)paths, n, model, out, err);
    free_strings(paths, n);
    return st;
}

/* ============================================================================================
 * Players: CSV names and groups.json
 * ========================================================================================== */

/* Feature names: a CSV header (input first, else background), checked against each other. */
static shapc_status feature_names(const char *input_path, const char *bg_path,
                                  const shapc_cli_csv_drop *drop, size_t d, char ***names,
                                  shapc_error *err)
{
    char **hdr[2] = {NULL, NULL};
    size_t cols[2] = {0, 0};
    const char *src[2] = {input_path, bg_path};
    shapc_status st = SHAPC_OK;
    for (int i = 0; i < 2 && st == SHAPC_OK; i++) {
        if (!src[i] || !ends_with_ci(src[i], ".csv"))
            continue;
        shapc_array *tmp = NULL;
        st = shapc_cli_csv_read(src[i], drop, &tmp, &hdr[i], &cols[i], err);
        shapc_array_free(tmp);
        if (st == SHAPC_OK && cols[i] != d)
            st = shapc_error_set(err, SHAPC_ESHAPE, "%s: %zu columns, the model has %zu "
                                 "inputs", src[i], cols[i], d);
    }
    if (st == SHAPC_OK && hdr[0] && hdr[1]) {
        for (size_t j = 0; j < d; j++) {
            if (strcmp(hdr[0][j], hdr[1][j]) != 0) {
                st = shapc_error_set(err, SHAPC_EFORMAT, "%s: column %zu is '%s' but %s has "
                                     "'%s' there (the columns must match)", bg_path, j + 1,
                                     hdr[1][j], input_path, hdr[0][j]);
                break;
            }
        }
    }
    char **use = st == SHAPC_OK ? (hdr[0] ? hdr[0] : hdr[1]) : NULL;
    char **v = calloc(d ? d : 1, sizeof *v);
    if (st == SHAPC_OK && !v)
        st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t j = 0; j < d && st == SHAPC_OK; j++) {
        char buf[32];
        if (!use)
            snprintf(buf, sizeof buf, "x%zu", j);
        v[j] = dup_str(use ? use[j] : buf);
        if (!v[j])
            st = shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    shapc_csv_names_free(hdr[0], cols[0]);
    shapc_csv_names_free(hdr[1], cols[1]);
    if (st != SHAPC_OK) {
        free_strings(v, d);
        return st;
    }
    *names = v;
    return SHAPC_OK;
}

shapc_status shapc_cli_inputs_players(const char *input_path, const char *bg_path,
                                      const char *groups_json, const shapc_cli_csv_drop *drop,
                                      const shapc_model *model, size_t *n_players,
                                      size_t **group_of, char ***names, shapc_error *err)
{
    *names = NULL;
    int csv = ends_with_ci(input_path, ".csv") || (bg_path && ends_with_ci(bg_path, ".csv"));
    if (!csv && !groups_json)
        return SHAPC_OK;
    size_t d = shapc_model_n_inputs(model);
    char **feat = NULL;
    shapc_status st = feature_names(input_path, bg_path, drop, d, &feat, err);
    if (st != SHAPC_OK)
        return st;
    size_t *gof = malloc(d * sizeof *gof);
    if (!gof) {
        free_strings(feat, d);
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    if (!groups_json) {
        for (size_t j = 0; j < d; j++)
            gof[j] = j;
        *n_players = d;
        *group_of = gof;
        *names = feat;
        return SHAPC_OK;
    }
    /* The groups name columns by the header's names (or x0, x1, ... without one). */
    st = shapc_groups_read(groups_json, (const char *const *)feat, d, gof, names, n_players,
                           err);
    free_strings(feat, d);
    if (st != SHAPC_OK) {
        free(gof);
        return st;
    }
    *group_of = gof;
    return SHAPC_OK;
}
