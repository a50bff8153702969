/* render.c - draws a results directory's default plots through the public plot API.
 *
 * The results hold phi as (n, M, K); each plot takes one column (an explained output) as
 * plain arrays, so this file only slices, names and titles. Image explanations are turned
 * back into pixels: a pixel's value is the sum of the phi of the distinct players among its
 * channels (one player per pixel, per channel, or per patch all come out right). */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/status.h>

#include "args.h"

#if defined(__SANITIZE_ADDRESS__)
/* fontconfig (under pango) keeps its font caches until exit by design; LeakSanitizer would
 * report them as leaks in every sanitizer run that draws text. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libfontconfig.so\n"; }
#endif

static int report(shapc_status st, const shapc_error *e)
{
    if (st == SHAPC_OK)
        return 0;
    shapc_cli_fail("%s", e->message[0] ? e->message : shapc_strerror(st));
    return 1;
}

static void column_title(const shapc_cli_results *r, size_t col, char *buf, size_t cap)
{
    int same = 1;
    size_t i;
    for (i = 1; i < r->n; i++)
        if (r->classes[i * r->k + col] != r->classes[col])
            same = 0;
    if (r->k_all < 2)
        buf[0] = 0;
    else if (same)
        snprintf(buf, cap, "SHAP values for output \xe2\x80\x9c%s\xe2\x80\x9d",
                 r->outputs[r->classes[col]]);
    else
        snprintf(buf, cap, "SHAP values for each row's predicted output");
}

int shapc_cli_render_beeswarm(const shapc_cli_results *r, size_t col, const char *path,
                              const shapc_plot_options *o)
{
    double *phi = malloc(r->n * r->m * sizeof *phi);
    shapc_plot_options opt = *o;
    shapc_error e = {0};
    char title[512];
    size_t i;
    shapc_status st;
    if (!phi)
        return shapc_cli_fail("%s: out of memory", path);
    for (i = 0; i < r->n; i++)
        shapc_cli_results_phi(r, i, col, phi + i * r->m);
    column_title(r, col, title, sizeof title);
    if (!opt.title)
        opt.title = title;
    st = shapc_plot_beeswarm(path, &opt, phi, r->player_values, r->n, r->m,
                             (const char *const *)r->players, &e);
    free(phi);
    return report(st, &e);
}

int shapc_cli_render_bar(const shapc_cli_results *r, size_t col, const char *path,
                         const shapc_plot_options *o)
{
    double *imp = calloc(r->m, sizeof *imp);
    shapc_plot_options opt = *o;
    shapc_error e = {0};
    char title[512];
    size_t i, j;
    shapc_status st;
    if (!imp)
        return shapc_cli_fail("%s: out of memory", path);
    for (i = 0; i < r->n; i++)
        for (j = 0; j < r->m; j++)
            imp[j] += fabs(r->phi[(i * r->m + j) * r->k + col]) / (double)r->n;
    column_title(r, col, title, sizeof title);
    if (!opt.title)
        opt.title = title;
    st = shapc_plot_bar(path, &opt, imp, r->m, (const char *const *)r->players, &e);
    free(imp);
    return report(st, &e);
}

int shapc_cli_render_waterfall(const shapc_cli_results *r, size_t row, size_t col,
                               const char *path, const shapc_plot_options *o)
{
    double *phi = malloc(r->m * sizeof *phi), fx;
    shapc_plot_options opt = *o;
    shapc_error e = {0};
    char title[512];
    size_t j;
    shapc_status st;
    if (!phi)
        return shapc_cli_fail("%s: out of memory", path);
    shapc_cli_results_phi(r, row, col, phi);
    fx = r->base[row * r->k + col];
    for (j = 0; j < r->m; j++)
        fx += phi[j];
    if (r->k_all > 1)
        snprintf(title, sizeof title, "Row %zu, output \xe2\x80\x9c%s\xe2\x80\x9d", r->rows[row],
                 r->outputs[r->classes[row * r->k + col]]);
    else
        snprintf(title, sizeof title, "Row %zu", r->rows[row]);
    if (!opt.title)
        opt.title = title;
    st = shapc_plot_waterfall(path, &opt, phi, r->player_values ? r->player_values + row * r->m
                                                                 : NULL,
                              r->m, (const char *const *)r->players, r->base[row * r->k + col],
                              fx, &e);
    free(phi);
    return report(st, &e);
}

int shapc_cli_render_image(const shapc_cli_results *r, size_t row, const size_t *cols,
                           size_t ncols, const char *path, const shapc_plot_options *o)
{
    size_t h, w, c, p, q, k, ch, npx;
    double *pix = NULL, *probs = NULL;
    const char **labels = NULL;
    shapc_plot_image_data d;
    shapc_plot_options opt = *o;
    shapc_error e = {0};
    char title[256];
    shapc_status st;
    int probabilities = shapc_cli_results_probabilities(r);

    if (!shapc_cli_results_is_image(r, &h, &w, &c))
        return shapc_cli_fail("%s: the model input is not an image (H, W[, C])", path);
    p = cols ? ncols : r->k;
    npx = h * w;
    pix = calloc(p * npx, sizeof *pix);
    probs = calloc(p, sizeof *probs);
    labels = calloc(p, sizeof *labels);
    if (!pix || !probs || !labels) {
        free(pix);
        free(probs);
        free(labels);
        return shapc_cli_fail("%s: out of memory", path);
    }
    for (k = 0; k < p; k++) {
        size_t col = cols ? cols[k] : k;
        int cls = r->classes[row * r->k + col];
        labels[k] = r->outputs[cls];
        probs[k] = r->pred[row * r->k_all + (size_t)cls];
        for (q = 0; q < npx; q++) {
            int seen[3] = {-1, -1, -1};
            for (ch = 0; ch < c; ch++) {
                size_t f = q * c + ch;
                const int *gr = shapc_cli_results_groups(r, row);
                int g = gr ? gr[f] : (int)f;
                if (g == seen[0] || g == seen[1] || (size_t)g >= r->m)
                    continue;
                seen[ch] = g;
                pix[k * npx + q] += r->phi[(row * r->m + (size_t)g) * r->k + col];
            }
        }
    }
    memset(&d, 0, sizeof d);
    d.images = r->inputs + row * r->d;
    d.n = 1;
    d.hgt = h;
    d.wid = w;
    d.c = c;
    d.phi = pix;
    d.p = p;
    d.labels = labels;
    /* Titles show probabilities when the outputs are probabilities, else nothing: a raw
     * score in parentheses would read as one. */
    d.probs = probabilities ? probs : NULL;
    snprintf(title, sizeof title, "Row %zu", r->rows[row]);
    if (!opt.title)
        opt.title = title;
    st = shapc_plot_image(path, &opt, &d, &e);
    free(pix);
    free(probs);
    free(labels);
    return report(st, &e);
}

int shapc_cli_render_default_plots(const char *dir)
{
    shapc_cli_results r;
    shapc_plot_options o = shapc_plot_options_default();
    char path[4096];
    size_t col, i, h, w, c;
    int rc = 0;
    if (shapc_cli_results_load(dir, &r))
        return 1;
    col = shapc_cli_results_main_column(&r);
    snprintf(path, sizeof path, "%s/summary.png", dir);
    rc |= shapc_cli_render_beeswarm(&r, col, path, &o);
    snprintf(path, sizeof path, "%s/bar.png", dir);
    if (!rc)
        rc |= shapc_cli_render_bar(&r, col, path, &o);
    for (i = 0; i < r.n && !rc; i++) {
        snprintf(path, sizeof path, "%s/instance_%zu.png", dir, r.rows[i]);
        if (shapc_cli_results_is_image(&r, &h, &w, &c))
            rc |= shapc_cli_render_image(&r, i, NULL, 0, path, &o);
        else
            rc |= shapc_cli_render_waterfall(&r, i, shapc_cli_results_instance_column(&r, i),
                                             path, &o);
    }
    shapc_cli_results_free(&r);
    return rc ? 1 : 0;
}
