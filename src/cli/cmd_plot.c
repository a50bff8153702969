/* cmd_plot.c - `shapc plot KIND DIR [...]`: redraws one plot from a saved results directory
 * without recomputing anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/plot.h>

#include "args.h"
#include "commands.h"
#include "render.h"
#include "results.h"

enum {
    OPT_HELP = 1,
    OPT_OUT,
    OPT_CLASS,
    OPT_ROW,
    OPT_MAX_DISPLAY,
    OPT_DPI,
    OPT_FONT,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_TITLE
};

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0},
    {OPT_OUT, "output", 'o', 1},
    {OPT_CLASS, "class", 0, 1},
    {OPT_ROW, "row", 0, 1},
    {OPT_MAX_DISPLAY, "max-display", 0, 1},
    {OPT_DPI, "dpi", 0, 1},
    {OPT_FONT, "font", 0, 1},
    {OPT_WIDTH, "width", 0, 1},
    {OPT_HEIGHT, "height", 0, 1},
    {OPT_TITLE, "title", 0, 1},
    {0, NULL, 0, 0},
};

static void usage(void)
{
    printf("usage: shapc plot KIND DIR [-o FILE] [options]\n"
           "\n"
           "Redraws a plot from a results directory written by `shapc explain`.\n"
           "KIND is one of:\n"
           "  beeswarm   one row per feature, one dot per explained row\n"
           "  bar        mean |SHAP value| per feature\n"
           "  waterfall  one row's explanation, from E[f(X)] to f(x)\n"
           "  image      one row's image with a SHAP overlay per explained class\n"
           "  text       token-level explanation of one document (text models: text_values.json)\n"
           "\n"
           "The format follows FILE's extension: .png, .svg or .pdf (default DIR/KIND.png,\n"
           "DIR/KIND_ROW.png for waterfall and image).\n"
           "\n"
           "options:\n"
           "  -o, --output FILE     output file\n"
           "  --class K             model output to show: index or name (default: beeswarm\n"
           "                        and bar the column with the largest mean |SHAP|, waterfall\n"
           "                        the predicted class, image every explained class)\n"
           "  --row R               input-file row for waterfall/image (default: first)\n"
           "  --max-display N       feature rows before \"Sum of N other features\" (10)\n"
           "  --dpi D               PNG resolution (100)\n"
           "  --font FAMILY         font family (DejaVu Sans)\n"
           "  --width PT, --height PT  size in points (default: fit the content)\n"
           "  --title TEXT          title above the plot\n"
           "  -h, --help            show this help\n");
}

/* Column whose class is `spec` (index or output name) on row i; -1 if none. */
static long find_column(const shapc_cli_results *r, size_t i, const char *spec)
{
    size_t c, cls = (size_t)-1;
    if (shapc_cli_parse_size(spec, &cls) != 0) {
        for (c = 0; c < r->k_all; c++)
            if (strcmp(r->outputs[c], spec) == 0)
                cls = c;
    }
    for (c = 0; c < r->k; c++)
        if ((size_t)r->classes[i * r->k + c] == cls)
            return (long)c;
    return -1;
}

static int parse_points(const char *s, double *out)
{
    size_t v;
    if (shapc_cli_parse_size(s, &v) != 0 || v < 10 || v > 20000)
        return -1;
    *out = (double)v;
    return 0;
}

/* `plot text`: one document of a text model's results (text_values.json, written by
 * `shapc explain` on a text model): tokens with their values for one explained column. */
static int plot_text(const char *dir, const size_t *row, const char *cls, const char *out,
                     const shapc_plot_options *o)
{
    char path[4096], why[256], outbuf[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/text_values.json", dir);
    char *text = shapc_cli_read_text(path, &len);
    if (!text)
        return shapc_cli_fail("plot: %s: no token data (text plots need the results of a "
                              "text model)", path);
    shapc_cli_jv *docs = shapc_cli_json_parse(text, len, why, sizeof why);
    free(text);
    if (!docs || docs->type != SHAPC_CLI_JARR || docs->n == 0) {
        shapc_cli_jv_free(docs);
        return shapc_cli_fail("plot: %s: %s", path, docs ? "no documents" : why);
    }
    const shapc_cli_jv *doc = NULL;
    for (size_t i = 0; i < docs->n && !doc; i++) {
        const shapc_cli_jv *d = shapc_cli_jv_at(docs, i);
        if (!row || (size_t)shapc_cli_jv_num(shapc_cli_jv_get(d, "row"), -1) == *row)
            doc = d;
    }
    int rc = 1;
    const shapc_cli_jv *tokens = shapc_cli_jv_get(doc, "tokens");
    const shapc_cli_jv *space = shapc_cli_jv_get(doc, "space_before");
    const shapc_cli_jv *classes = shapc_cli_jv_get(doc, "classes");
    const shapc_cli_jv *phis = shapc_cli_jv_get(doc, "phi");
    if (!doc) {
        shapc_cli_fail("plot: row %zu was not explained in %s", row ? *row : 0, path);
        goto done;
    }
    if (!tokens || tokens->type != SHAPC_CLI_JARR || tokens->n == 0 || !phis ||
        phis->n != tokens->n || !classes || classes->n == 0) {
        shapc_cli_fail("plot: %s: document has no tokens or values", path);
        goto done;
    }
    size_t col = 0;
    if (cls) {
        char *end;
        long want = strtol(cls, &end, 10);
        for (col = 0; col < classes->n; col++)
            if (*end == '\0' && (long)shapc_cli_jv_num(shapc_cli_jv_at(classes, col), -1) == want)
                break;
        if (col == classes->n) {
            shapc_cli_fail("plot: output '%s' was not explained in %s", cls, path);
            goto done;
        }
    }
    const size_t t = tokens->n;
    char **toks = calloc(t, sizeof *toks);
    double *phi = calloc(t, sizeof *phi);
    int bad = !toks || !phi;
    for (size_t i = 0; !bad && i < t; i++) {
        const char *w = shapc_cli_jv_str(shapc_cli_jv_at(tokens, i));
        int sp = shapc_cli_jv_num(shapc_cli_jv_at(space, i), 0) != 0;
        if (!w || !(toks[i] = malloc(strlen(w) + 2))) {
            bad = 1;
            break;
        }
        snprintf(toks[i], strlen(w) + 2, "%s%s", sp ? " " : "", w);
        phi[i] = shapc_cli_jv_num(shapc_cli_jv_at(shapc_cli_jv_at(phis, i), col), 0);
    }
    if (bad) {
        shapc_cli_fail("plot: %s: malformed tokens", path);
    } else {
        if (!out) {
            snprintf(outbuf, sizeof outbuf, "%s/text_%zu.png", dir,
                     (size_t)shapc_cli_jv_num(shapc_cli_jv_get(doc, "row"), 0));
            out = outbuf;
        }
        shapc_error err = {0};
        double base = shapc_cli_jv_num(shapc_cli_jv_at(shapc_cli_jv_get(doc, "base"), col), 0);
        double fx = shapc_cli_jv_num(shapc_cli_jv_at(shapc_cli_jv_get(doc, "fx"), col), 0);
        if (shapc_plot_text(out, o, (const char *const *)toks, phi, t, base, fx, &err) !=
            SHAPC_OK)
            shapc_cli_fail("plot: %s: %s", out, err.message);
        else
            rc = 0;
    }
    for (size_t i = 0; toks && i < t; i++)
        free(toks[i]);
    free(toks);
    free(phi);
done:
    shapc_cli_jv_free(docs);
    return rc;
}

int shapc_cli_plot(int argc, char **argv)
{
    shapc_cli_parser p;
    shapc_plot_options o = shapc_plot_options_default();
    const char *kind = NULL, *dir = NULL, *out = NULL, *cls = NULL, *value;
    size_t row_given = 0, row = 0, i, v;
    int id, has_row = 0, rc;
    shapc_cli_results r;
    char path[4096];

    shapc_cli_parser_init(&p, "plot", argc, argv);
    while ((id = shapc_cli_next(&p, options, &value)) != SHAPC_CLI_END) {
        switch (id) {
        case SHAPC_CLI_BAD:
            return SHAPC_CLI_EXIT_USAGE;
        case OPT_HELP:
            usage();
            return SHAPC_CLI_EXIT_OK;
        case OPT_OUT:
            out = value;
            break;
        case OPT_CLASS:
            cls = value;
            break;
        case OPT_ROW:
            if (shapc_cli_parse_size(value, &row_given) != 0)
                return shapc_cli_usage_error("plot", "--row: '%s' is not a row number", value);
            has_row = 1;
            break;
        case OPT_MAX_DISPLAY:
            if (shapc_cli_parse_size(value, &v) != 0 || v < 1)
                return shapc_cli_usage_error("plot", "--max-display: need an integer >= 1");
            o.max_display = v;
            break;
        case OPT_DPI:
            if (shapc_cli_parse_size(value, &v) != 0 || v < 10 || v > 2400)
                return shapc_cli_usage_error("plot", "--dpi: need an integer in 10..2400");
            o.dpi = (double)v;
            break;
        case OPT_FONT:
            o.font_family = value;
            break;
        case OPT_WIDTH:
            if (parse_points(value, &o.width) != 0)
                return shapc_cli_usage_error("plot", "--width: need points in 10..20000");
            break;
        case OPT_HEIGHT:
            if (parse_points(value, &o.height) != 0)
                return shapc_cli_usage_error("plot", "--height: need points in 10..20000");
            break;
        case OPT_TITLE:
            o.title = value;
            break;
        case SHAPC_CLI_POSITIONAL:
            if (!kind)
                kind = value;
            else if (!dir)
                dir = value;
            else
                return shapc_cli_usage_error("plot", "unexpected argument '%s'", value);
            break;
        default:
            break;
        }
    }
    if (!kind || !dir)
        return shapc_cli_usage_error("plot", "need KIND and DIR");
    if (strcmp(kind, "beeswarm") && strcmp(kind, "bar") && strcmp(kind, "waterfall") &&
        strcmp(kind, "image") && strcmp(kind, "text"))
        return shapc_cli_usage_error("plot", "unknown KIND '%s' (beeswarm, bar, waterfall, "
                                             "image, text)", kind);
    if (strcmp(kind, "text") == 0)
        return plot_text(dir, has_row ? &row_given : NULL, cls, out, &o);

    if (shapc_cli_results_load(dir, &r))
        return SHAPC_CLI_EXIT_FAIL;
    if (has_row) {
        for (i = 0; i < r.n && r.rows[i] != row_given; i++)
            ;
        if (i == r.n) {
            shapc_cli_results_free(&r);
            return shapc_cli_fail("plot: row %zu was not explained in %s", row_given, dir);
        }
        row = i;
    }
    if (!out) {
        if (!strcmp(kind, "waterfall") || !strcmp(kind, "image"))
            snprintf(path, sizeof path, "%s/%s_%zu.png", dir, kind, r.rows[row]);
        else
            snprintf(path, sizeof path, "%s/%s.png", dir, kind);
        out = path;
    }
    {
        long col = -1;
        if (cls) {
            col = find_column(&r, row, cls);
            if (col < 0) {
                shapc_cli_results_free(&r);
                return shapc_cli_fail("plot: output '%s' was not explained in %s (see "
                                      "classes.npy)", cls, dir);
            }
        }
        if (!strcmp(kind, "beeswarm"))
            rc = shapc_cli_render_beeswarm(
                &r, col >= 0 ? (size_t)col : shapc_cli_results_main_column(&r), out, &o);
        else if (!strcmp(kind, "bar"))
            rc = shapc_cli_render_bar(
                &r, col >= 0 ? (size_t)col : shapc_cli_results_main_column(&r), out, &o);
        else if (!strcmp(kind, "waterfall"))
            rc = shapc_cli_render_waterfall(
                &r, row, col >= 0 ? (size_t)col : shapc_cli_results_instance_column(&r, row),
                out, &o);
        else {
            size_t one = (size_t)col;
            rc = shapc_cli_render_image(&r, row, col >= 0 ? &one : NULL, col >= 0 ? 1 : 0, out,
                                        &o);
        }
    }
    shapc_cli_results_free(&r);
    if (rc == 0)
        printf("%s\n", out);
    return rc ? SHAPC_CLI_EXIT_FAIL : SHAPC_CLI_EXIT_OK;
}
