/* render.c - draws a results object's plots through the public plot API (render.h).
 *
 * The results hold phi as (n, M, K) float32; each plot takes one column (an explained output)
 * as plain arrays, so this file only slices, names and titles. Image explanations are turned
 * back into pixels: a pixel's value is the sum of the phi of the distinct players among its
 * channels (one player per pixel, per channel, or per patch all come out right). */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <shapc/kernel.h>
#include <shapc/status.h>

#define MAX_TEXT_PLOTS 200 /* text_<row>.png files; more documents are still in the JSON */

#if defined(__SANITIZE_ADDRESS__)
/* fontconfig (under pango) keeps its font caches until exit by design; LeakSanitizer would
 * report them as leaks in every sanitizer run that draws text. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}
#endif

/* ============================================================================================
 * Columns, names, values
 * ========================================================================================== */

#define LAYOUT(r) shapc_results_get_layout(r)
#define DATA(r) shapc_results_view(r)
#define META(r) shapc_results_get_meta(r)
#define PHI(r, i, g, c)                                                                            \
    (DATA(r)->phi[((i)*LAYOUT(r)->n_players + (g)) * LAYOUT(r)->n_columns + (c)])

size_t shapc_cli_render_main_column(const shapc_results *r)
{
    const shapc_results_layout *l = LAYOUT(r);
    size_t best = 0;
    double best_v = -1;
    for (size_t c = 0; c < l->n_columns; c++) {
        double s = 0;
        for (size_t i = 0; i < l->n_rows; i++)
            for (size_t j = 0; j < l->n_players; j++)
                s += fabs((double)PHI(r, i, j, c));
        if (s > best_v) {
            best_v = s;
            best = c;
        }
    }
    return best;
}

size_t shapc_cli_render_instance_column(const shapc_results *r, size_t i)
{
    const shapc_results_layout *l = LAYOUT(r);
    const float *pred = DATA(r)->pred + i * l->n_outputs;
    size_t arg = 0;
    for (size_t j = 1; j < l->n_outputs; j++)
        if (pred[j] > pred[arg])
            arg = j;
    for (size_t c = 0; c < l->n_columns; c++)
        if ((size_t)DATA(r)->classes[i * l->n_columns + c] == arg)
            return c;
    return 0;
}

int shapc_cli_render_is_image(const shapc_results *r, size_t *h, size_t *w, size_t *c)
{
    const shapc_results_meta *m = META(r);
    if (LAYOUT(r)->documents || m->input_rank < 2 || m->input_rank > 3)
        return 0;
    *h = m->input_shape[0];
    *w = m->input_shape[1];
    *c = m->input_rank == 3 ? m->input_shape[2] : 1;
    return (*c == 1 || *c == 3) && *h >= 2 && *w >= 2;
}

/* 1 if every row of predictions looks like probabilities (in [0,1], summing to ~1). */
static int probabilities(const shapc_results *r)
{
    const shapc_results_layout *l = LAYOUT(r);
    if (l->n_outputs < 2)
        return 0;
    for (size_t i = 0; i < l->n_rows; i++) {
        double s = 0;
        for (size_t j = 0; j < l->n_outputs; j++) {
            const float p = DATA(r)->pred[i * l->n_outputs + j];
            if (!(p >= 0 && p <= 1))
                return 0;
            s += (double)p;
        }
        if (fabs(s - 1) > 1e-3)
            return 0;
    }
    return 1;
}

/* Player of feature f of row i. */
static size_t player_of(const shapc_results *r, size_t i, size_t f)
{
    const shapc_results_layout *l = LAYOUT(r);
    return (size_t)DATA(r)->groups[(l->groups_per_row ? i * l->n_features : 0) + f];
}

/* The value that colours a player's dots: its feature, or the mean of its group's; NaN for a
 * player without features in the row. (n, M), or NULL without inputs. */
static float *player_values(const shapc_results *r)
{
    const shapc_results_layout *l = LAYOUT(r);
    const size_t n = l->n_rows, M = l->n_players, d = l->n_features;
    float *v = calloc(n * M, sizeof *v);
    size_t *cnt = calloc(M, sizeof *cnt);
    if (!v || !cnt) {
        free(v);
        free(cnt);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        memset(cnt, 0, M * sizeof *cnt);
        for (size_t f = 0; f < d; f++)
            cnt[player_of(r, i, f)]++;
        for (size_t f = 0; f < d; f++) {
            const size_t g = player_of(r, i, f);
            v[i * M + g] += DATA(r)->inputs[i * d + f] / (float)cnt[g];
        }
        for (size_t g = 0; g < M; g++)
            if (cnt[g] == 0)
                v[i * M + g] = NAN;
    }
    free(cnt);
    return v;
}

/* Row i's column for the selector col (SHAPC_CLI_RENDER_PREDICTED: the row's own). */
static size_t column_of(const shapc_results *r, size_t i, size_t col)
{
    return col == SHAPC_CLI_RENDER_PREDICTED ? shapc_cli_render_instance_column(r, i) : col;
}

static void column_title(const shapc_results *r, size_t col, char *buf, size_t cap)
{
    const shapc_results_layout *l = LAYOUT(r);
    const int32_t *cls = DATA(r)->classes;
    int same = 1;
    const size_t c0 = column_of(r, 0, col);
    for (size_t i = 1; i < l->n_rows; i++)
        if (cls[i * l->n_columns + column_of(r, i, col)] != cls[c0])
            same = 0;
    if (l->n_outputs < 2)
        buf[0] = 0;
    else if (same)
        snprintf(buf, cap, "SHAP values for output \xe2\x80\x9c%s\xe2\x80\x9d",
                 META(r)->outputs[cls[c0]]);
    else
        snprintf(buf, cap, "SHAP values for each row's predicted output");
}

shapc_plot_options shapc_cli_render_titled(const shapc_plot_options *o, const char *title)
{
    shapc_plot_options opt = o ? *o : shapc_plot_options_default();
    if (!opt.title)
        opt.title = title;
    return opt;
}

static shapc_status oom(shapc_error *err, const char *path)
{
    return shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", path);
}

/* ============================================================================================
 * Arrays: beeswarm, bar, waterfall, image
 * ========================================================================================== */

shapc_status shapc_cli_render_beeswarm(const shapc_results *r, size_t col, const char *path,
                                       const shapc_plot_options *o, shapc_error *err)
{
    const shapc_results_layout *l = LAYOUT(r);
    const size_t n = l->n_rows, M = l->n_players;
    char title[512];
    double *phi = malloc(n * M * sizeof *phi);
    float *values = player_values(r);
    if (!phi || !values) {
        free(phi);
        free(values);
        return oom(err, path);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t g = 0; g < M; g++)
            phi[i * M + g] = (double)PHI(r, i, g, column_of(r, i, col));
    column_title(r, col, title, sizeof title);
    const shapc_plot_options opt = shapc_cli_render_titled(o, title);
    shapc_status st = shapc_plot_beeswarm(path, &opt, phi, values, n, M, META(r)->players, err);
    free(phi);
    free(values);
    return st;
}

shapc_status shapc_cli_render_bar(const shapc_results *r, size_t col, const char *path,
                                  const shapc_plot_options *o, shapc_error *err)
{
    const shapc_results_layout *l = LAYOUT(r);
    char title[512];
    double *imp = calloc(l->n_players, sizeof *imp);
    if (!imp)
        return oom(err, path);
    for (size_t i = 0; i < l->n_rows; i++)
        for (size_t j = 0; j < l->n_players; j++)
            imp[j] += fabs((double)PHI(r, i, j, column_of(r, i, col))) / (double)l->n_rows;
    column_title(r, col, title, sizeof title);
    const shapc_plot_options opt = shapc_cli_render_titled(o, title);
    shapc_status st = shapc_plot_bar(path, &opt, imp, l->n_players, META(r)->players, err);
    free(imp);
    return st;
}

shapc_status shapc_cli_render_bar_stacked(const shapc_results *r, const char *path,
                                          const shapc_plot_options *o, shapc_error *err)
{
    const shapc_results_layout *l = LAYOUT(r);
    const size_t M = l->n_players, K = l->n_columns;
    double *imp = calloc(M * K, sizeof *imp);
    const char **classes = calloc(K, sizeof *classes);
    if (!imp || !classes) {
        free(imp);
        free(classes);
        return oom(err, path);
    }
    for (size_t i = 0; i < l->n_rows; i++)
        for (size_t j = 0; j < M; j++)
            for (size_t c = 0; c < K; c++)
                imp[j * K + c] += fabs((double)PHI(r, i, j, c)) / (double)l->n_rows;
    for (size_t c = 0; c < K; c++)
        classes[c] = shapc_cli_render_column_name(r, c);
    const shapc_plot_options opt =
        shapc_cli_render_titled(o, "mean |SHAP value| per feature, by output");
    shapc_status st = shapc_plot_bar_stacked(path, &opt, imp, M, K, META(r)->players, classes, err);
    free(imp);
    free(classes);
    return st;
}

shapc_status shapc_cli_render_waterfall(const shapc_results *r, size_t row, size_t col,
                                        const char *path, const shapc_plot_options *o,
                                        shapc_error *err)
{
    const shapc_results_layout *l = LAYOUT(r);
    const size_t M = l->n_players, K = l->n_columns;
    char title[512];
    double *phi = malloc(M * sizeof *phi);
    float *values = player_values(r);
    if (!phi || !values) {
        free(phi);
        free(values);
        return oom(err, path);
    }
    const double base = (double)DATA(r)->base[row * K + col];
    double fx = base;
    for (size_t j = 0; j < M; j++) {
        phi[j] = (double)PHI(r, row, j, col);
        fx += phi[j];
    }
    if (l->n_outputs > 1)
        snprintf(title, sizeof title, "Row %zu, output \xe2\x80\x9c%s\xe2\x80\x9d",
                 DATA(r)->rows[row], META(r)->outputs[DATA(r)->classes[row * K + col]]);
    else
        snprintf(title, sizeof title, "Row %zu", DATA(r)->rows[row]);
    shapc_plot_options opt = shapc_cli_render_titled(o, title);
    /* the run's link: a logit explanation's axis is in log-odds */
    const shapc_setting *link = shapc_results_find_setting(r, "link");
    if (opt.link == SHAPC_LINK_IDENTITY && link && link->type == SHAPC_SETTING_STRING &&
        link->text && !strcmp(link->text, "logit"))
        opt.link = SHAPC_LINK_LOGIT;
    shapc_status st =
        shapc_plot_waterfall(path, &opt, phi, values + row * M, M, META(r)->players, base, fx, err);
    free(phi);
    free(values);
    return st;
}

shapc_status shapc_cli_render_image(const shapc_results *r, const size_t *rows, size_t nrows,
                                    const size_t *cols, size_t ncols, const char *path,
                                    const shapc_plot_options *o, shapc_error *err)
{
    const shapc_results_layout *l = LAYOUT(r);
    const shapc_results_data *D = DATA(r);
    size_t h, w, c;
    char title[256];
    if (!shapc_cli_render_is_image(r, &h, &w, &c))
        return shapc_error_set(err, SHAPC_EINVAL,
                               "%s: the model input is not an image (H, W[, "
                               "C])",
                               path);
    const size_t p = cols ? ncols : l->n_columns, npx = h * w, K = l->n_columns, n = nrows;
    double *pix = calloc(n * p * npx, sizeof *pix), *probs = calloc(n * p, sizeof *probs);
    const char **labels = calloc(n * p, sizeof *labels);
    const char **row_labels = calloc(n, sizeof *row_labels);
    char *row_text = calloc(n, 32);
    int32_t *groups = malloc(n * npx * sizeof *groups);
    float *images = malloc(n * l->n_features * sizeof *images);
    shapc_status st = SHAPC_OK;
    if (!pix || !probs || !labels || !row_labels || !row_text || !groups || !images) {
        st = oom(err, path);
        goto done;
    }
    int grouped = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t ri = rows[i];
        memcpy(images + i * l->n_features, D->inputs + ri * l->n_features,
               l->n_features * sizeof *images);
        for (size_t k = 0; k < p; k++) {
            const size_t col = cols ? cols[k] : k;
            const int cls = D->classes[ri * K + col];
            labels[i * p + k] = META(r)->outputs[cls];
            probs[i * p + k] = (double)D->pred[ri * l->n_outputs + (size_t)cls];
            double *dst = pix + (i * p + k) * npx;
            for (size_t q = 0; q < npx; q++) {
                size_t seen[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
                for (size_t ch = 0; ch < c; ch++) {
                    const size_t g = player_of(r, ri, q * c + ch);
                    if (g == seen[0] || g == seen[1] || g >= l->n_players)
                        continue;
                    seen[ch] = g;
                    dst[q] += (double)PHI(r, ri, g, col);
                }
            }
        }
        /* Grouped players (patches, superpixels) get outlines; one player per pixel none. */
        int32_t *gr = groups + i * npx;
        for (size_t q = 0; q < npx; q++) {
            const size_t g = player_of(r, ri, q * c);
            gr[q] = g < l->n_players ? (int32_t)g : -1;
            grouped |= q > 0 && gr[q] >= 0 && gr[q] == gr[q - 1];
            grouped |= q >= w && gr[q] >= 0 && gr[q] == gr[q - w];
        }
        snprintf(row_text + i * 32, 32, "Row %zu", D->rows[ri]);
        row_labels[i] = row_text + i * 32;
    }
    shapc_plot_image_data d;
    memset(&d, 0, sizeof d);
    d.images = images;
    d.n = n;
    d.hgt = h;
    d.wid = w;
    d.c = c;
    d.phi = pix;
    d.p = p;
    d.labels = labels;
    d.groups = grouped ? groups : NULL;
    d.row_labels = n > 1 ? row_labels : NULL;
    /* Titles show probabilities when the outputs are probabilities, else nothing: a raw
     * score in parentheses would read as one. */
    d.probs = probabilities(r) ? probs : NULL;
    if (n == 1) {
        snprintf(title, sizeof title, "Row %zu", D->rows[rows[0]]);
    } else if (rows[n - 1] - rows[0] == n - 1 &&
               D->rows[rows[n - 1]] - D->rows[rows[0]] == n - 1) {
        snprintf(title, sizeof title, "Rows %zu to %zu", D->rows[rows[0]], D->rows[rows[n - 1]]);
    } else {
        /* a list or a step: the rows, as far as the title has room (each row is labelled) */
        size_t used = (size_t)snprintf(title, sizeof title, "Rows");
        for (size_t i = 0; i < n && used < sizeof title; i++) {
            if (used > sizeof title - 24 && i + 1 < n) {
                snprintf(title + used, sizeof title - used, ", ...");
                break;
            }
            used += (size_t)snprintf(title + used, sizeof title - used, "%s %zu", i ? "," : "",
                                     D->rows[rows[i]]);
        }
    }
    const shapc_plot_options opt = shapc_cli_render_titled(o, title);
    st = shapc_plot_image(path, &opt, &d, err);
done:
    free(images);
    free(groups);
    free(row_text);
    free(row_labels);
    free(pix);
    free(probs);
    free(labels);
    return st;
}

/* ============================================================================================
 * The default set
 * ========================================================================================== */

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static shapc_status render_set(const shapc_results *r, const char *dir, int missing_only,
                               size_t shown, shapc_error *err)
{
    const shapc_results_layout *l = LAYOUT(r);
    char path[4096];
    size_t h, w, c;
    shapc_status st = SHAPC_OK;
    if (l->documents) {
        for (size_t i = 0, drawn = 0;
             i < l->n_rows && i < shown && drawn < MAX_TEXT_PLOTS && st == SHAPC_OK; i++) {
            if (DATA(r)->row_players[i] == 0)
                continue;
            drawn++;
            snprintf(path, sizeof path, "%s/text_%zu.png", dir, DATA(r)->rows[i]);
            if (!missing_only || !file_exists(path))
                st = shapc_cli_render_text(r, i, shapc_cli_render_instance_column(r, i), path, NULL,
                                           err);
        }
        snprintf(path, sizeof path, "%s/vocab_importance.png", dir);
        if (st == SHAPC_OK && (!missing_only || !file_exists(path)))
            st = shapc_cli_render_vocabulary(r, path, err);
        return st;
    }
    const size_t col = shapc_cli_render_main_column(r);
    /* Several explained outputs: shap's multi-output summary (the stacked bar) is the
     * summary, and the beeswarm of the main output is kept beside it. */
    const int stacked = l->n_columns > 1;
    snprintf(path, sizeof path, "%s/summary.png", dir);
    if (!missing_only || !file_exists(path))
        st = stacked ? shapc_cli_render_bar_stacked(r, path, NULL, err)
                     : shapc_cli_render_beeswarm(r, col, path, NULL, err);
    snprintf(path, sizeof path, "%s/beeswarm.png", dir);
    if (st == SHAPC_OK && stacked && (!missing_only || !file_exists(path)))
        st = shapc_cli_render_beeswarm(r, col, path, NULL, err);
    snprintf(path, sizeof path, "%s/bar.png", dir);
    if (st == SHAPC_OK && (!missing_only || !file_exists(path)))
        st = shapc_cli_render_bar(r, col, path, NULL, err);
    for (size_t i = 0; i < l->n_rows && st == SHAPC_OK; i++) {
        snprintf(path, sizeof path, "%s/instance_%zu.png", dir, DATA(r)->rows[i]);
        if (missing_only && file_exists(path))
            continue;
        if (shapc_cli_render_is_image(r, &h, &w, &c))
            st = shapc_cli_render_image(r, &i, 1, NULL, 0, path, NULL, err);
        else
            st = shapc_cli_render_waterfall(r, i, shapc_cli_render_instance_column(r, i), path,
                                            NULL, err);
    }
    return st;
}

shapc_status shapc_cli_render_default_plots(const shapc_results *r, const char *dir,
                                            shapc_error *err)
{
    return render_set(r, dir, 0, SIZE_MAX, err);
}

shapc_status shapc_cli_render_missing_plots(const shapc_results *r, const char *dir, size_t shown,
                                            shapc_error *err)
{
    return render_set(r, dir, 1, shown, err);
}
