/* results.c - see results.h. Arrays are read with shapc_npy_read and converted to the element
 * type the renderer takes; every shape is checked against the others before use. */
#include "results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/data.h>
#include <shapc/status.h>

#include "args.h"

static int load_npy(const char *dir, const char *name, shapc_dtype dt, int optional,
                    shapc_array **out)
{
    char path[4096];
    shapc_error e = {0};
    shapc_array *a = NULL;
    shapc_status st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    st = shapc_npy_read(path, &a, &e);
    if (st == SHAPC_EIO && optional)
        return 0;
    if (st != SHAPC_OK) {
        shapc_cli_fail("%s", e.message);
        return 1;
    }
    if (shapc_array_dtype(a) != dt) {
        st = shapc_array_convert(a, dt, out, &e);
        shapc_array_free(a);
        if (st != SHAPC_OK) {
            shapc_cli_fail("%s: %s", path, e.message);
            return 1;
        }
        return 0;
    }
    *out = a;
    return 0;
}

/* Moves an array's data into a plain malloc'd buffer (the array is freed). */
static void *take(shapc_array *a)
{
    size_t bytes = shapc_array_size(a) * shapc_dtype_size(shapc_array_dtype(a));
    void *p = malloc(bytes ? bytes : 1);
    if (p)
        memcpy(p, shapc_array_cdata(a), bytes);
    shapc_array_free(a);
    return p;
}

char *shapc_cli_read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        if (buf) {
            buf[n] = 0;
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

/* s, or "Feature i" (is_player) / "i" when the summary lacks the name. */
static char *dup_or(const char *s, int is_player, size_t i)
{
    char buf[64];
    char *d;
    size_t n;
    if (!s) {
        if (is_player)
            snprintf(buf, sizeof buf, "Feature %zu", i);
        else
            snprintf(buf, sizeof buf, "%zu", i);
        s = buf;
    }
    n = strlen(s) + 1;
    d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void shapc_cli_results_free(shapc_cli_results *r)
{
    size_t i;
    free(r->phi);
    free(r->base);
    free(r->pred);
    free(r->classes);
    free(r->inputs);
    free(r->groups);
    free(r->player_values);
    if (r->players)
        for (i = 0; i < r->m; i++)
            free(r->players[i]);
    if (r->outputs)
        for (i = 0; i < r->k_all; i++)
            free(r->outputs[i]);
    free(r->players);
    free(r->outputs);
    free(r->rows);
    shapc_cli_jv_free(r->summary);
    memset(r, 0, sizeof *r);
}

const int *shapc_cli_results_groups(const shapc_cli_results *r, size_t i)
{
    if (!r->groups)
        return NULL;
    return r->groups_per_row ? r->groups + i * r->d : r->groups;
}

int shapc_cli_results_load(const char *dir, shapc_cli_results *r)
{
    shapc_array *phi = NULL, *base = NULL, *pred = NULL, *cls = NULL, *inp = NULL, *grp = NULL;
    char path[4096], why[256];
    char *text;
    size_t len = 0, i, j;
    const shapc_cli_jv *model, *v;

    memset(r, 0, sizeof *r);
    if (load_npy(dir, "shap_values.npy", SHAPC_F64, 0, &phi) ||
        load_npy(dir, "base_values.npy", SHAPC_F64, 0, &base) ||
        load_npy(dir, "predictions.npy", SHAPC_F32, 0, &pred) ||
        load_npy(dir, "classes.npy", SHAPC_I32, 0, &cls) ||
        load_npy(dir, "inputs.npy", SHAPC_F32, 1, &inp) ||
        load_npy(dir, "groups.npy", SHAPC_I32, 1, &grp))
        goto fail;
    if (shapc_array_rank(phi) != 3 || shapc_array_rank(base) != 2 ||
        shapc_array_rank(pred) != 2 || shapc_array_rank(cls) != 2) {
        shapc_cli_fail("%s: shap_values/base_values/predictions/classes have the wrong rank",
                       dir);
        goto fail;
    }
    r->n = shapc_array_dim(phi, 0);
    r->m = shapc_array_dim(phi, 1);
    r->k = shapc_array_dim(phi, 2);
    r->k_all = shapc_array_dim(pred, 1);
    if (r->n == 0 || r->m == 0 || r->k == 0 || shapc_array_dim(base, 0) != r->n ||
        shapc_array_dim(base, 1) != r->k || shapc_array_dim(pred, 0) != r->n ||
        shapc_array_dim(cls, 0) != r->n || shapc_array_dim(cls, 1) != r->k || r->k_all == 0) {
        shapc_cli_fail("%s: result arrays disagree on (n, M, K)", dir);
        goto fail;
    }
    if (inp && (shapc_array_rank(inp) != 2 || shapc_array_dim(inp, 0) != r->n)) {
        shapc_cli_fail("%s/inputs.npy: expected (%zu, d)", dir, r->n);
        goto fail;
    }
    r->d = inp ? shapc_array_dim(inp, 1) : 0;
    /* (d): one grouping for all rows; (n, d): per-row groups (superpixels). */
    if (grp && shapc_array_rank(grp) == 2 && inp && shapc_array_dim(grp, 0) == r->n &&
        shapc_array_dim(grp, 1) == r->d)
        r->groups_per_row = 1;
    else if (grp && (!inp || shapc_array_size(grp) != r->d)) {
        shapc_cli_fail("%s/groups.npy: expected %zu entries or (%zu, %zu)", dir, r->d, r->n,
                       r->d);
        goto fail;
    }
    r->phi = take(phi);
    r->base = take(base);
    r->pred = take(pred);
    r->classes = take(cls);
    r->inputs = inp ? take(inp) : NULL;
    r->groups = grp ? take(grp) : NULL;
    phi = base = pred = cls = inp = grp = NULL;
    if (!r->phi || !r->base || !r->pred || !r->classes) {
        shapc_cli_fail("%s: out of memory", dir);
        goto fail;
    }
    for (i = 0; i < r->n * r->k; i++)
        if (r->classes[i] < 0 || (size_t)r->classes[i] >= r->k_all) {
            shapc_cli_fail("%s/classes.npy: class %d out of range", dir, r->classes[i]);
            goto fail;
        }
    if (r->groups)
        for (j = 0; j < r->d * (r->groups_per_row ? r->n : 1); j++)
            if (r->groups[j] < 0 || (size_t)r->groups[j] >= r->m) {
                shapc_cli_fail("%s/groups.npy: player %d out of range", dir, r->groups[j]);
                goto fail;
            }

    snprintf(path, sizeof path, "%s/summary.json", dir);
    text = shapc_cli_read_text(path, &len);
    if (text) {
        r->summary = shapc_cli_json_parse(text, len, why, sizeof why);
        free(text);
        if (!r->summary) {
            shapc_cli_fail("%s: %s", path, why);
            goto fail;
        }
    }
    model = shapc_cli_jv_get(r->summary, "model");
    r->players = calloc(r->m, sizeof *r->players);
    r->outputs = calloc(r->k_all, sizeof *r->outputs);
    r->rows = calloc(r->n, sizeof *r->rows);
    if (!r->players || !r->outputs || !r->rows)
        goto oom;
    v = shapc_cli_jv_get(r->summary, "players");
    for (j = 0; j < r->m; j++)
        if (!(r->players[j] = dup_or(shapc_cli_jv_str(shapc_cli_jv_at(v, j)), 1, j)))
            goto oom;
    v = shapc_cli_jv_get(model, "output_names");
    for (j = 0; j < r->k_all; j++)
        if (!(r->outputs[j] = dup_or(shapc_cli_jv_str(shapc_cli_jv_at(v, j)), 0, j)))
            goto oom;
    v = shapc_cli_jv_get(r->summary, "instances");
    for (i = 0; i < r->n; i++)
        r->rows[i] = (size_t)shapc_cli_jv_num(
            shapc_cli_jv_get(shapc_cli_jv_at(v, i), "row"), (double)i);
    v = shapc_cli_jv_get(model, "input_shape");
    if (v && v->type == SHAPC_CLI_JARR && v->n >= 1 && v->n <= 4) {
        size_t prod = 1;
        for (j = 0; j < v->n; j++) {
            double e = shapc_cli_jv_num(&v->items[j], 0);
            r->input_shape[j] = e >= 1 && e < 1e9 ? (size_t)e : 0;
            prod *= r->input_shape[j];
        }
        r->input_rank = prod == r->d && prod > 0 ? v->n : 0;
    }

    /* Values that colour the beeswarm: a player's feature, or the mean of its group. */
    if (r->inputs) {
        size_t *cnt = calloc(r->m, sizeof *cnt);
        r->player_values = calloc(r->n * r->m, sizeof *r->player_values);
        if (!cnt || !r->player_values) {
            free(cnt);
            goto oom;
        }
        for (i = 0; i < r->n; i++) {
            const int *gr = shapc_cli_results_groups(r, i);
            memset(cnt, 0, r->m * sizeof *cnt);
            for (j = 0; j < r->d; j++)
                cnt[gr ? (size_t)gr[j] : j < r->m ? j : 0]++;
            for (j = 0; j < r->d; j++) {
                size_t g = gr ? (size_t)gr[j] : j;
                if (g < r->m)
                    r->player_values[i * r->m + g] += r->inputs[i * r->d + j] / (float)cnt[g];
            }
            for (j = 0; j < r->m; j++)
                if (cnt[j] == 0)
                    r->player_values[i * r->m + j] = NAN;
        }
        free(cnt);
    }
    return 0;
oom:
    shapc_cli_fail("%s: out of memory", dir);
fail:
    shapc_array_free(phi);
    shapc_array_free(base);
    shapc_array_free(pred);
    shapc_array_free(cls);
    shapc_array_free(inp);
    shapc_array_free(grp);
    shapc_cli_results_free(r);
    return 1;
}

void shapc_cli_results_phi(const shapc_cli_results *r, size_t i, size_t c, double *out)
{
    size_t j;
    for (j = 0; j < r->m; j++)
        out[j] = r->phi[(i * r->m + j) * r->k + c];
}

size_t shapc_cli_results_main_column(const shapc_cli_results *r)
{
    size_t c, best = 0, i, j;
    double best_v = -1;
    for (c = 0; c < r->k; c++) {
        double s = 0;
        for (i = 0; i < r->n; i++)
            for (j = 0; j < r->m; j++)
                s += fabs(r->phi[(i * r->m + j) * r->k + c]);
        if (s > best_v) {
            best_v = s;
            best = c;
        }
    }
    return best;
}

size_t shapc_cli_results_instance_column(const shapc_cli_results *r, size_t i)
{
    size_t j, arg = 0, c;
    for (j = 1; j < r->k_all; j++)
        if (r->pred[i * r->k_all + j] > r->pred[i * r->k_all + arg])
            arg = j;
    for (c = 0; c < r->k; c++)
        if ((size_t)r->classes[i * r->k + c] == arg)
            return c;
    return 0;
}

int shapc_cli_results_is_image(const shapc_cli_results *r, size_t *h, size_t *w, size_t *c)
{
    if (!r->inputs || r->input_rank < 2 || r->input_rank > 3)
        return 0;
    *h = r->input_shape[0];
    *w = r->input_shape[1];
    *c = r->input_rank == 3 ? r->input_shape[2] : 1;
    return (*c == 1 || *c == 3) && *h >= 2 && *w >= 2;
}

int shapc_cli_results_probabilities(const shapc_cli_results *r)
{
    size_t i, j;
    if (r->k_all < 2)
        return 0;
    for (i = 0; i < r->n; i++) {
        double s = 0;
        for (j = 0; j < r->k_all; j++) {
            float p = r->pred[i * r->k_all + j];
            if (!(p >= 0 && p <= 1))
                return 0;
            s += (double)p;
        }
        if (fabs(s - 1) > 1e-3)
            return 0;
    }
    return 1;
}
