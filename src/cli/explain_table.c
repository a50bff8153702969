/* explain_table.c - `shapc explain` on array inputs: images and tables (explain.h).
 *
 * Reads the selected rows of INPUT, the background (--background FILE, else the model's
 * embedded set) or the baseline that replaces it (--mask zero|mean|blur), names the players
 * (pixels, patches of --groups HxW, CSV columns and groups.json groups, SLIC superpixels of
 * --segments N), creates the explainer and lays out the results. Rows are explained in blocks
 * with shapc_kernel_explain_rows, or - when each row brings its own superpixels or blurred
 * baseline - with shapc_kernel_explain_batch; both give each row the bytes it gets alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <shapc/data.h>
#include <shapc/image.h>
#include <shapc/kernel.h>

#include "explain.h"
#include "inputs.h"
#include "loaders.h"
#include "progress.h"

typedef struct table {
    shapc_cli_run *x;
    shapc_array *input;      /* (n, d) float32: the selected rows */
    shapc_array *bg_file;    /* (n_bg, d) from --background, or NULL */
    shapc_array *bg_sum, *bg_sum_w; /* --background-sample/-kmeans: the rows and weights */
    size_t bg_selected;      /* background rows selected before they were summarised */
    const float *bg, *bg_w;  /* the background rows used (borrowed), for the fingerprint */
    size_t bg_n, n, d, k, M, h, w, c, rank;
    size_t *rows;            /* (n) the explained rows' numbers in the input file */
    size_t *bg_rows;         /* (bg_selected) the background rows' numbers in their file */
    float *bg_pick, *bg_pick_w; /* embedded background: the rows a list or step selects */
    float *mask_row;         /* (d) the --mask zero/mean baseline, or NULL */
    size_t *group_of;        /* (d) player of each feature */
    char **names;            /* (M) */
    int32_t *seg;            /* --segments: (n, h * w) superpixel of each pixel, per row */
    size_t *seg_n;           /* --segments: (n) superpixels of each row */
    shapc_kernel *kernel;
    /* one block's explanations, every output: */
    double *phi, *se, *fx, *base; /* (block, M, k), (block, M, k), (block, k), (block, k) */
    shapc_kernel_info *info;      /* (block) */
    size_t *row_groups;           /* --segments: (block, d) */
    float *blur;                  /* --mask blur: (block, d) each row's baseline */
} table;

static void table_free(void *kind)
{
    table *t = kind;
    shapc_kernel_free(t->kernel);
    shapc_array_free(t->input);
    shapc_array_free(t->bg_file);
    shapc_array_free(t->bg_sum);
    shapc_array_free(t->bg_sum_w);
    if (t->names)
        for (size_t g = 0; g < t->M; g++)
            free(t->names[g]);
    free(t->names);
    free(t->rows);
    free(t->bg_rows);
    free(t->bg_pick);
    free(t->bg_pick_w);
    free(t->group_of);
    free(t->mask_row);
    free(t->seg);
    free(t->seg_n);
    free(t->phi);
    free(t->se);
    free(t->fx);
    free(t->base);
    free(t->info);
    free(t->row_groups);
    free(t->blur);
    free(t);
}

static char *dup_str(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ============================================================================================
 * Rows and background
 * ========================================================================================== */

static shapc_status load_input(table *t, shapc_error *err)
{
    const shapc_cli_explain_args *a = &t->x->a;
    size_t n_file = 0;
    const size_t len = strlen(a->input_path);
    if (shapc_cli_csv_drop_any(&a->drop) &&
        (len < 4 || strcasecmp(a->input_path + len - 4, ".csv") != 0))
        return shapc_cli_explain_usage(t->x, err, "--target and --drop-columns apply to CSV "
                                       "files; %s is not one", a->input_path);
    shapc_status st = shapc_cli_load_rows(a->input_path, t->x->model, &a->rows, &a->drop,
                                          &t->rows, &n_file, &t->input, err);
    if (shapc_cli_rows_outside(st, err))
        return shapc_error_set(err, st, "%s: --rows out of range (the file has %zu rows: 0:%zu)",
                               a->input_path, n_file, n_file);
    if (st != SHAPC_OK)
        return st;
    t->n = shapc_array_dim(t->input, 0);
    return SHAPC_OK;
}

/* The embedded background's rows t->bg_rows (a list or a step) copied out of *bg (and *bg_w),
 * which then point to the copies. */
static shapc_status pick_rows(table *t, const float **bg, const float **bg_w, shapc_error *err)
{
    t->bg_pick = malloc(t->bg_n * t->d * sizeof *t->bg_pick);
    if (*bg_w)
        t->bg_pick_w = malloc(t->bg_n * sizeof *t->bg_pick_w);
    if (!t->bg_pick || (*bg_w && !t->bg_pick_w))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t i = 0; i < t->bg_n; i++) {
        memcpy(t->bg_pick + i * t->d, *bg + t->bg_rows[i] * t->d, t->d * sizeof **bg);
        if (*bg_w)
            t->bg_pick_w[i] = (*bg_w)[t->bg_rows[i]];
    }
    *bg = t->bg_pick;
    if (*bg_w)
        *bg_w = t->bg_pick_w;
    return SHAPC_OK;
}

/* The background rows (--background FILE or the embedded set, cut to --background-rows), or
 * the one baseline row of --mask zero|mean that replaces them. */
static shapc_status load_background(table *t, shapc_error *err)
{
    const shapc_cli_explain_args *a = &t->x->a;
    const float *x = shapc_array_cdata(t->input), *bg, *bg_w = NULL;
    const char *bg_name = a->bg_path ? a->bg_path : a->model_path;
    size_t bg_total = 0;
    shapc_status st;
    if (a->bg_path) {
        /* Only the --background-rows of the file are loaded. */
        st = shapc_cli_load_rows(a->bg_path, t->x->model, &a->bg_rows, &a->drop, &t->bg_rows,
                                 &bg_total, &t->bg_file, err);
        if (shapc_cli_rows_outside(st, err))
            return shapc_error_set(err, st, "%s: --background-rows out of range (the "
                                   "background has %zu rows: 0:%zu)", bg_name, bg_total,
                                   bg_total);
        if (st != SHAPC_OK)
            return st;
        bg = shapc_array_cdata(t->bg_file);
        t->bg_n = shapc_array_dim(t->bg_file, 0);
    } else {
        bg = shapc_model_background(t->x->model, &bg_total);
        bg_w = shapc_model_background_weights(t->x->model);
        if (!bg && (a->mask == SHAPC_CLI_MASK_ZERO || a->mask == SHAPC_CLI_MASK_BLUR)) {
            /* These baselines need no background; the rows only stand in until replaced. */
            bg = x;
            bg_total = t->n;
        } else if (!bg) {
            return shapc_error_set(err, SHAPC_EINVAL, "%s has no embedded background: pass "
                                   "--background FILE (training rows; --background-sample N "
                                   "or --background-kmeans K summarise a large one), or "
                                   "--mask zero for an all-zero baseline", a->model_path);
        }
        const int rc = shapc_cli_range_rows(&a->bg_rows, bg_total, &t->bg_rows, &t->bg_n);
        if (rc == -2)
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        if (rc != 0)
            return shapc_error_set(err, SHAPC_ERANGE, "%s: --background-rows out of range (the "
                                   "background has %zu rows: 0:%zu)", bg_name, bg_total,
                                   bg_total);
        if (shapc_cli_rows_contiguous(t->bg_rows, t->bg_n)) {
            bg += t->bg_rows[0] * t->d;
            if (bg_w)
                bg_w += t->bg_rows[0];
        } else if ((st = pick_rows(t, &bg, &bg_w, err)) != SHAPC_OK) {
            return st;
        }
    }
    if ((st = shapc_cli_check_finite(bg_name, bg, t->bg_n, t->d, t->bg_rows, 0, err)) !=
        SHAPC_OK)
        return st;
    t->bg_selected = t->bg_n;
    if ((a->bg_sample || a->bg_kmeans) && a->mask != SHAPC_CLI_MASK_BACKGROUND)
        return shapc_error_set(err, SHAPC_EINVAL, "--mask %s replaces the background: "
                               "--background-sample and --background-kmeans need --mask "
                               "background", shapc_cli_mask_name(a->mask));
    if ((a->bg_sample && a->bg_sample < t->bg_n) || (a->bg_kmeans && a->bg_kmeans < t->bg_n)) {
        /* shap.sample / shap.kmeans: fewer, weighted rows stand for the background. */
        size_t k_out = 0;
        st = a->bg_kmeans
                 ? shapc_background_kmeans(bg, t->bg_n, t->d, bg_w, a->bg_kmeans, a->seed,
                                           &t->bg_sum, &t->bg_sum_w, &k_out, err)
                 : shapc_background_sample(bg, t->bg_n, t->d, bg_w, a->bg_sample, a->seed,
                                           &t->bg_sum, &t->bg_sum_w, NULL, &k_out, err);
        if (st != SHAPC_OK) {
            shapc_error_prefix(err, bg_name);
            return st;
        }
        bg = shapc_array_cdata(t->bg_sum);
        bg_w = shapc_array_cdata(t->bg_sum_w);
        t->bg_n = k_out;
    }
    if (a->mask == SHAPC_CLI_MASK_BLUR && t->rank != 2 && t->rank != 3)
        return shapc_error_set(err, SHAPC_EINVAL, "--mask blur needs an image model (input "
                               "HxW or HxWxC)");
    if (a->mask == SHAPC_CLI_MASK_ZERO || a->mask == SHAPC_CLI_MASK_MEAN) {
        /* One baseline row replaces the background. */
        if (!(t->mask_row = calloc(t->d, sizeof *t->mask_row)))
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        if (a->mask == SHAPC_CLI_MASK_MEAN)
            shapc_background_mean(bg, t->bg_n, bg_w, t->d, t->mask_row);
        bg = t->mask_row;
        bg_w = NULL;
        t->bg_n = 1;
    }
    t->bg = bg;
    t->bg_w = bg_w;
    return SHAPC_OK;
}

/* ============================================================================================
 * Players
 * ========================================================================================== */

/* Images (input rank >= 2, shape (H, W[, C...])) name pixels or, with --groups hxw, patches
 * (shapc_image_patches); tables name CSV columns or groups.json groups (inputs.h); other
 * inputs x0, x1, ... */
static shapc_status build_players(table *t, shapc_error *err)
{
    shapc_cli_run *x = t->x;
    const shapc_cli_explain_args *a = &x->a;
    const size_t d = t->d, rank = shapc_model_input_rank(x->model);
    char name[96], want[96];
    shapc_cli_format_shape(want, sizeof want, shapc_model_input_shape(x->model), rank, "x");
    shapc_status st = shapc_cli_inputs_players(a->input_path, a->bg_path, a->groups_json,
                                               &a->drop, x->model, &t->M, &t->group_of,
                                               &t->names, err);
    if (st != SHAPC_OK || t->names)
        return st;
    if (!(t->group_of = malloc(d * sizeof *t->group_of)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    if (a->grouped) {
        if (t->h == 0)
            return shapc_cli_explain_usage(x, err, "--groups needs an image model with input "
                                           "shape HxW[xC]; %s has input %s", a->model_path,
                                           want);
        if (a->gh > t->h || a->gw > t->w)
            return shapc_cli_explain_usage(x, err, "--groups %zux%zu is larger than the model "
                                           "input %s of %s", a->gh, a->gw, want,
                                           a->model_path);
        if ((st = shapc_image_patches(t->h, t->w, t->c, a->gh, a->gw, t->group_of, &t->M,
                                      err)) != SHAPC_OK)
            return st;
        if (!(t->names = calloc(t->M, sizeof *t->names)))
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        for (size_t g = 0; g < t->M; g++) {
            size_t r[4];
            shapc_image_patch_rect(t->h, t->w, a->gh, a->gw, g, r);
            snprintf(name, sizeof name, "patch (%zu:%zu, %zu:%zu)", r[0], r[1], r[2], r[3]);
            if (!(t->names[g] = dup_str(name)))
                return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
        }
        return SHAPC_OK;
    }
    t->M = d;
    if (!(t->names = calloc(d, sizeof *t->names)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    for (size_t i = 0; i < d; i++) {
        const size_t pix = i / t->c, ch = i % t->c;
        t->group_of[i] = i;
        if (t->h && t->c == 1)
            snprintf(name, sizeof name, "pixel (%zu, %zu)", pix / t->w, pix % t->w);
        else if (t->h)
            snprintf(name, sizeof name, "pixel (%zu, %zu, %zu)", pix / t->w, pix % t->w, ch);
        else
            snprintf(name, sizeof name, "x%zu", i);
        if (!(t->names[i] = dup_str(name)))
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    return SHAPC_OK;
}

/* --segments N: SLIC superpixels of every explained row; M is the largest row's count, and
 * smaller rows leave their last columns zero. */
static shapc_status build_segments(table *t, shapc_error *err)
{
    shapc_cli_run *x = t->x;
    const shapc_cli_explain_args *a = &x->a;
    if (a->grouped)
        return shapc_cli_explain_usage(x, err, "--segments and --groups exclude each other");
    if (t->h == 0)
        return shapc_cli_explain_usage(x, err, "--segments needs an image model with input "
                                       "shape HxW[xC]; %s is not one", a->model_path);
    if (t->c > 4)
        return shapc_cli_explain_usage(x, err, "--segments: %zu channels per pixel (at most 4)",
                                       t->c);
    if (a->segments > t->h * t->w)
        return shapc_cli_explain_usage(x, err, "--segments %zu exceeds the %zux%zu pixels",
                                       a->segments, t->h, t->w);
    size_t cells;
    if (!shapc_cli_mul_ok(t->n, t->h * t->w, &cells))
        return shapc_error_set(err, SHAPC_ERANGE, "--segments: too many rows");
    t->seg = malloc(cells * sizeof *t->seg);
    t->seg_n = malloc(t->n * sizeof *t->seg_n);
    if (!t->seg || !t->seg_n)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for superpixels");
    const float *in = shapc_array_cdata(t->input);
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        shapc_status st = shapc_image_slic(in + i * t->d, t->h, t->w, t->c, a->segments, 10.0,
                                           t->seg + i * t->h * t->w, &t->seg_n[i], err);
        if (st != SHAPC_OK) {
            return shapc_cli_error_context(err, st, "%s: row %zu", a->input_path, t->rows[i]);
        }
        m = t->seg_n[i] > m ? t->seg_n[i] : m;
    }
    /* Players become "segment j"; each row's own grouping goes to the kernel with the row. */
    for (size_t g = 0; g < t->M; g++)
        free(t->names[g]);
    free(t->names);
    t->M = 0;
    if (!(t->names = calloc(m, sizeof *t->names)))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    t->M = m;
    for (size_t g = 0; g < m; g++) {
        char name[48];
        snprintf(name, sizeof name, "segment %zu", g);
        if (!(t->names[g] = dup_str(name)))
            return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    }
    return SHAPC_OK;
}

/* ============================================================================================
 * Explaining a block of rows
 * ========================================================================================== */

/* A one-row batch reports its error as "row 0: ..."; the caller names the row itself. */
static void strip_row_prefix(shapc_error *err)
{
    if (err && strncmp(err->message, "row 0: ", 7) == 0)
        memmove(err->message, err->message + 7, strlen(err->message + 7) + 1);
}

static shapc_status explain_block(table *t, size_t i0, size_t nb, shapc_error *err)
{
    const shapc_cli_explain_args *a = &t->x->a;
    const size_t d = t->d, k = t->k, M = t->M;
    const float *xs = (const float *)shapc_array_cdata(t->input) + i0 * d;
    const double t0 = shapc_cli_now();
    shapc_status st;
    const int own_players = t->seg != NULL, own_baseline = a->mask == SHAPC_CLI_MASK_BLUR;
    if (own_players || own_baseline) {
        shapc_kernel_batch b = shapc_kernel_batch_default();
        b.x = xs;
        b.n = nb;
        if (own_players) {
            const size_t px = t->h * t->w;
            for (size_t r = 0; r < nb; r++)
                for (size_t f = 0; f < d; f++)
                    t->row_groups[r * d + f] = (size_t)t->seg[(i0 + r) * px + f / t->c];
            b.group_of = t->row_groups;
            b.n_groups = t->seg_n + i0;
            b.n_players = M;
        }
        for (size_t r = 0; own_baseline && r < nb; r++)
            if ((st = shapc_image_blur(xs + r * d, t->h, t->w, t->c, 0.0, t->blur + r * d,
                                       err)) != SHAPC_OK)
                return st;
        if (own_baseline) {
            b.baseline = t->blur;
            b.baseline_rows = 1;
        }
        st = shapc_kernel_explain_batch(t->kernel, &b, t->phi, t->se, t->fx, t->base, t->info,
                                        err);
        if (nb == 1)
            strip_row_prefix(err);
    } else if (nb == 1) {
        st = shapc_kernel_explain(t->kernel, xs, t->phi, t->se, t->fx, t->info, err);
    } else {
        st = shapc_kernel_explain_rows(t->kernel, xs, nb, t->phi, t->se, t->fx, t->info, err);
    }
    if (st != SHAPC_OK)
        return st;
    const double each = (shapc_cli_now() - t0) / (double)nb;
    for (size_t r = 0; r < nb && st == SHAPC_OK; r++) {
        shapc_results_row row = {t->phi + r * M * k, t->se + r * M * k,
                                 own_players ? t->seg_n[i0 + r] : M,
                                 own_players || own_baseline ? t->base + r * k
                                                             : shapc_kernel_base_values(t->kernel),
                                 t->fx + r * k, t->info[r], each};
        st = shapc_results_set_row(t->x->res, i0 + r, &row, err);
    }
    return st;
}

/* Explains rows i0 .. i0 + nb - 1. A failing block is explained again row by row, so the
 * error names the first failing row as a single row's would. */
static shapc_status table_explain(void *kind, size_t i0, size_t nb, shapc_error *err)
{
    table *t = kind;
    shapc_status st = explain_block(t, i0, nb, err);
    if (st == SHAPC_OK || st == SHAPC_ECANCELED)
        return st;
    for (size_t i = i0; i < i0 + nb; i++) {
        if ((st = explain_block(t, i, 1, err)) == SHAPC_ECANCELED)
            return st;
        if (st != SHAPC_OK) {
            return shapc_cli_error_context(err, st, "%s: row %zu", t->x->a.input_path,
                                           t->rows[i]);
        }
    }
    return SHAPC_OK;
}

/* What the rows are explained against, after the model and the rows (run.c hashes those):
 * the background (or baseline) rows and weights, the player map, the base values. */
static uint64_t table_hash(void *kind, uint64_t h)
{
    const table *t = kind;
    h = shapc_cli_hash(h, t->bg, t->bg_n * t->d * sizeof *t->bg);
    if (t->bg_w)
        h = shapc_cli_hash(h, t->bg_w, t->bg_n * sizeof *t->bg_w);
    h = shapc_cli_hash(h, t->group_of, t->d * sizeof *t->group_of);
    return shapc_cli_hash(h, shapc_kernel_base_values(t->kernel), t->k * sizeof(double));
}

/* ============================================================================================
 * Setup
 * ========================================================================================== */

/* Scratch for blocks of up to x->block rows: rows go to the explainer in blocks, one row per
 * thread, four per thread so the threads stay busy to the end of a block; a block's full
 * results stay within 64 MiB. */
static shapc_status allocate_blocks(table *t, shapc_error *err)
{
    shapc_cli_run *x = t->x;
    size_t Mk;
    if (!shapc_cli_mul_ok(t->M, t->k, &Mk))
        return shapc_error_set(err, SHAPC_ERANGE, "too many players x outputs");
    size_t block = 1;
    if (x->ko.n_threads > 1 && x->sched.size == 1) {
        block = 4 * x->ko.n_threads;
        const size_t cap = ((size_t)64 << 20) / (2 * sizeof(double) * (Mk + 1));
        block = block < cap ? block : cap;
        block = block < 2 ? 1 : block;
    }
    x->block = block;
    t->phi = malloc(block * Mk * sizeof *t->phi);
    t->se = malloc(block * Mk * sizeof *t->se);
    t->fx = malloc(block * t->k * sizeof *t->fx);
    t->base = malloc(block * t->k * sizeof *t->base);
    t->info = calloc(block, sizeof *t->info);
    if (t->seg)
        t->row_groups = malloc(block * t->d * sizeof *t->row_groups);
    if (x->a.mask == SHAPC_CLI_MASK_BLUR)
        t->blur = malloc(block * t->d * sizeof *t->blur);
    if (!t->phi || !t->se || !t->fx || !t->base || !t->info || (t->seg && !t->row_groups) ||
        (x->a.mask == SHAPC_CLI_MASK_BLUR && !t->blur))
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory for %zu players x %zu "
                               "outputs", t->M, t->k);
    return SHAPC_OK;
}

/* The explainer over the background (or baseline), with the players as its groups. */
static shapc_status create_kernel(table *t, shapc_error *err)
{
    shapc_cli_run *x = t->x;
    const shapc_cli_explain_args *a = &x->a;
    x->ko.share_design = a->share_design;
    if (a->share_design)
        x->ko.tol = 0.0; /* rounds would make each row's design its own */
    /* A process model answers one batch at a time; anything else runs on every core. */
    if (a->model_cmd)
        x->ko.n_threads = 1;
    shapc_status st = shapc_kernel_create(x->model, t->bg, t->bg_n, t->bg_w, &x->ko, &t->kernel,
                                          err);
    if (st != SHAPC_OK)
        return shapc_cli_error_context(err, st, "%s: background",
                                       a->bg_path ? a->bg_path : a->model_path);
    if (a->grouped &&
        (st = shapc_kernel_set_groups(t->kernel, t->group_of, t->M, err)) != SHAPC_OK)
        return st;
    if (!t->seg && shapc_kernel_n_players(t->kernel) != t->M)
        return shapc_error_set(err, SHAPC_EINVAL, "internal error: the explainer has %zu "
                               "players, expected %zu", shapc_kernel_n_players(t->kernel), t->M);
    return SHAPC_OK;
}

/* The results: layout, names, settings, and what is known before explaining - the rows, the
 * player map, the model's predictions and the output each column explains. */
static shapc_status create_results(table *t, shapc_error *err)
{
    shapc_cli_run *x = t->x;
    const shapc_cli_explain_args *a = &x->a;
    shapc_status st = shapc_cli_explain_results(x, t->n, t->M, t->d, t->seg != NULL, 0, err);
    if (st == SHAPC_OK)
        st = shapc_results_set_players(x->res, (const char *const *)t->names, err);
    char groups[64];
    if (a->groups_json)
        snprintf(groups, sizeof groups, "%.60s", a->groups_json);
    else
        snprintf(groups, sizeof groups, "%zux%zu", a->gh, a->gw);
    /* A list or a step is recorded as given; a contiguous selection as its [begin, end). */
    const int bg_block = shapc_cli_rows_contiguous(t->bg_rows, t->bg_selected);
    const uint64_t bg_first = t->bg_rows[0];
    const shapc_setting settings[] = {
        {"mask", SHAPC_SETTING_STRING, shapc_cli_mask_name(a->mask), 0, 0, {0, 0}},
        {"tol", SHAPC_SETTING_NUMBER, NULL, 0, a->tol, {0, 0}},
        {"segments", a->segments ? SHAPC_SETTING_UINT : SHAPC_SETTING_NULL, NULL, a->segments,
         0, {0, 0}},
        {"groups", a->grouped ? SHAPC_SETTING_STRING : SHAPC_SETTING_NULL,
         a->groups_json ? a->groups_json : groups, 0, 0, {0, 0}},
        {"batches", SHAPC_SETTING_UINT, NULL, a->batches, 0, {0, 0}},
        {"background.source", SHAPC_SETTING_STRING, a->bg_path ? a->bg_path : "embedded", 0, 0,
         {0, 0}},
        {"background.rows", SHAPC_SETTING_UINT, NULL, t->bg_n, 0, {0, 0}},
        {"background.row_range", bg_block ? SHAPC_SETTING_RANGE : SHAPC_SETTING_STRING,
         a->bg_rows.spec, 0, 0, {bg_first, bg_first + t->bg_selected}},
        /* last: present only when given, so other runs' summary.json stays as it was */
        {a->bg_kmeans ? "background.kmeans" : "background.sample", SHAPC_SETTING_UINT, NULL,
         a->bg_kmeans ? a->bg_kmeans : a->bg_sample, 0, {0, 0}},
    };
    if (st != SHAPC_OK)
        return st;
    const shapc_results_data *D = shapc_results_get_data(x->res);
    const float *in = shapc_array_cdata(t->input);
    const size_t n = t->n, d = t->d, k = t->k;
    memcpy(D->inputs, in, n * d * sizeof *in);
    for (size_t i = 0; i < n; i++) {
        D->rows[i] = t->rows[i];
        D->row_players[i] = t->seg ? t->seg_n[i] : t->M;
    }
    const size_t n_settings = sizeof settings / sizeof settings[0];
    st = shapc_cli_explain_settings(x, settings,
                                    n_settings - !(a->bg_sample || a->bg_kmeans), err);
    for (size_t f = 0; f < d; f++)
        D->groups[f] = (int32_t)t->group_of[f];
    for (size_t i = 0; t->seg && i < n; i++)
        for (size_t f = 0; f < d; f++)
            D->groups[i * d + f] = t->seg[i * (d / t->c) + f / t->c];
    for (size_t i = 0; i < n && st == SHAPC_OK; i += SHAPC_CLI_PREDICT_CHUNK) {
        const size_t m = n - i < SHAPC_CLI_PREDICT_CHUNK ? n - i : SHAPC_CLI_PREDICT_CHUNK;
        if ((st = shapc_model_predict(x->model, in + i * d, m, D->pred + i * k, err)) !=
            SHAPC_OK)
            return shapc_cli_error_context(err, st, "%s: rows of %s", a->model_path,
                                           a->input_path);
    }
    shapc_cli_explain_classes(x);
    return st;
}

shapc_status shapc_cli_explain_setup_table(shapc_cli_run *x, shapc_error *err)
{
    const shapc_cli_explain_args *a = &x->a;
    if (a->given_text_mask)
        return shapc_cli_explain_usage(x, err, "--text-mask applies to text models only; %s "
                                       "is not one", a->model_path);
    table *t = shapc_cli_explain_attach(x, sizeof *t, table_explain, table_free, "row");
    if (!t)
        return shapc_error_set(err, SHAPC_ENOMEM, "out of memory");
    t->x = x;
    t->d = shapc_model_n_inputs(x->model);
    t->k = shapc_model_n_outputs(x->model);
    const size_t rank = shapc_model_input_rank(x->model);
    const size_t *shape = shapc_model_input_shape(x->model);
    t->rank = rank;
    t->c = 1;
    if (rank >= 2) {
        t->h = shape[0];
        t->w = shape[1];
        for (size_t i = 2; i < rank; i++)
            t->c *= shape[i];
    }
    shapc_status st = load_input(t, err);
    if (st != SHAPC_OK ||
        (st = shapc_cli_check_finite(a->input_path, shapc_array_cdata(t->input), t->n, t->d,
                                     t->rows, 0, err)) != SHAPC_OK ||
        (st = load_background(t, err)) != SHAPC_OK || (st = build_players(t, err)) != SHAPC_OK ||
        (a->segments && (st = build_segments(t, err)) != SHAPC_OK) ||
        (st = create_kernel(t, err)) != SHAPC_OK || (st = allocate_blocks(t, err)) != SHAPC_OK ||
        (st = create_results(t, err)) != SHAPC_OK)
        return st;
    x->hash_more = table_hash;
    char groups[48];
    if (a->grouped)
        snprintf(groups, sizeof groups, "%zux%zu", a->gh, a->gw);
    else if (a->segments)
        snprintf(groups, sizeof groups, "slic%zu", a->segments);
    else
        snprintf(groups, sizeof groups, "none");
    snprintf(x->groups_text, sizeof x->groups_text, "%s", groups);
    if (shapc_cli_rows_contiguous(t->bg_rows, t->bg_selected))
        snprintf(x->tail_text, sizeof x->tail_text, "--background-rows=%zu:%zu --background=%s",
                 t->bg_rows[0], t->bg_rows[0] + t->bg_n, a->bg_path ? "file" : "embedded");
    else
        snprintf(x->tail_text, sizeof x->tail_text, "--background-rows=%.60s --background=%s",
                 a->bg_rows.spec, a->bg_path ? "file" : "embedded");
    return SHAPC_OK;
}
