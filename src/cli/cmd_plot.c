/* cmd_plot.c - `shapc plot KIND DIR [...]`: redraws one plot from a saved results directory
 * without recomputing anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shapc/plot.h>
#include <shapc/results.h>

#include "args.h"
#include "commands.h"
#include "render.h"

enum {
    OPT_HELP = 1,
    OPT_OUT,
    OPT_CLASS,
    OPT_ROW,
    OPT_ROWS,
    OPT_MAX_DISPLAY,
    OPT_DPI,
    OPT_FONT,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_TITLE
};

static const shapc_cli_option options[] = {
    {OPT_HELP, "help", 'h', 0}, {OPT_OUT, "output", 'o', 1},
    {OPT_CLASS, "class", 0, 1}, {OPT_ROW, "row", 0, 1},
    {OPT_ROWS, "rows", 0, 1},   {OPT_MAX_DISPLAY, "max-display", 0, 1},
    {OPT_DPI, "dpi", 0, 1},     {OPT_FONT, "font", 0, 1},
    {OPT_WIDTH, "width", 0, 1}, {OPT_HEIGHT, "height", 0, 1},
    {OPT_TITLE, "title", 0, 1}, {0, NULL, 0, 0},
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
           "  --class K             model output to show: index or name, predicted (each\n"
           "                        row's argmax), or all (bar: stacked by output, as shap's\n"
           "                        multi-output summary; image: a panel each)  (default:\n"
           "                        beeswarm and bar the column with the largest mean |SHAP|,\n"
           "                        waterfall the predicted class, image every explained class)\n"
           "  --row R               input-file row for waterfall, image and text (default:\n"
           "                        first); beeswarm and bar show every row\n"
           "  --rows SEL            image: these rows in one figure, a row each (A:B, 0,5,9)\n"
           "  --max-display N       feature rows before \"Sum of N other features\" (10)\n"
           "  --dpi D               PNG resolution (100)\n"
           "  --font FAMILY         font family (DejaVu Sans)\n"
           "  --width PT, --height PT  size in points (default: fit the content)\n"
           "  --title TEXT          title above the plot\n"
           "  -h, --help            show this help\n");
}

/* Column whose class is `spec` (index or output name) on row i; -1 if none. */
static long find_column(const shapc_results *r, size_t i, const char *spec)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const shapc_results_meta *m = shapc_results_get_meta(r);
    size_t cls = (size_t)-1;
    if (shapc_cli_parse_size(spec, &cls) != 0) {
        for (size_t c = 0; c < l->n_outputs; c++)
            if (strcmp(m->outputs[c], spec) == 0)
                cls = c;
    }
    for (size_t c = 0; c < l->n_columns; c++)
        if ((size_t)shapc_results_view(r)->classes[i * l->n_columns + c] == cls)
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

/* The explained row that is input row `row` (NULL: the first); -1 if none. */
static long find_row(const shapc_results *r, const size_t *row)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    for (size_t i = 0; i < l->n_rows; i++)
        if (!row || shapc_results_view(r)->rows[i] == *row)
            return (long)i;
    return -1;
}

/* The explained rows a --rows selection names, as indices into r: a new array (free() it),
 * or NULL after printing why. */
#define MAX_FIGURE_ROWS 200
static size_t *figure_rows(const shapc_results *r, const shapc_cli_range *sel, const char *dir,
                           size_t *n)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const shapc_results_data *D = shapc_results_view(r);
    const size_t last = D->rows[l->n_rows - 1];
    size_t *rows = NULL;
    /* Against the explained rows' numbers: "A:" runs to the last explained row. */
    const int rc = shapc_cli_range_rows(sel, last + 1, &rows, n);
    if (rc == -2) {
        shapc_cli_fail("plot: out of memory");
        return NULL;
    }
    if (rc != 0) {
        shapc_cli_fail("plot: row %zu was not explained in %s (--rows %s; the last explained "
                       "row is %zu)", last + 1, dir, sel->spec, last);
        return NULL;
    }
    if (*n > MAX_FIGURE_ROWS) {
        shapc_cli_fail("plot: --rows %s selects %zu rows; one figure draws at most %d",
                       sel->spec, *n, MAX_FIGURE_ROWS);
        free(rows);
        return NULL;
    }
    for (size_t j = 0; j < *n; j++) {
        const long i = find_row(r, &rows[j]);
        if (i < 0) {
            shapc_cli_fail("plot: row %zu was not explained in %s", rows[j], dir);
            free(rows);
            return NULL;
        }
        rows[j] = (size_t)i;
    }
    return rows;
}

static int draw_one(const shapc_results *r, const char *kind, const char *dir, size_t i,
                    const size_t *fig, size_t nfig, const char *cls, const char *out,
                    const shapc_plot_options *o);

/* Draws one plot of kind from r; returns the exit status after printing any error. */
static int draw(const shapc_results *r, const char *kind, const char *dir, const size_t *row,
                const shapc_cli_range *sel, const char *cls, const char *out,
                const shapc_plot_options *o)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const int text = strcmp(kind, "text") == 0;
    if (text != (l->documents != 0))
        return text ? shapc_cli_fail("plot: %s/text_values.json: no token data (text plots "
                                     "need the results of a text model)",
                                     dir)
                    : shapc_cli_fail("plot: %s holds a text model's results: its plots are "
                                     "`shapc plot text`",
                                     dir);
    long i = find_row(r, row);
    if (i < 0)
        return shapc_cli_fail("plot: row %zu was not explained in %s", *row, dir);
    size_t nfig = 1, *fig = NULL; /* --rows: the figure's rows */
    if (sel) {
        if (!(fig = figure_rows(r, sel, dir, &nfig)))
            return SHAPC_CLI_EXIT_FAIL;
        i = (long)fig[0];
    }
    const int rc = draw_one(r, kind, dir, (size_t)i, fig, nfig, cls, out, o);
    free(fig);
    return rc;
}

/* draw for explained row i, or for the nfig rows fig (image --rows). */
static int draw_one(const shapc_results *r, const char *kind, const char *dir, size_t i,
                    const size_t *fig, size_t nfig, const char *cls, const char *out,
                    const shapc_plot_options *o)
{
    const shapc_results_layout *l = shapc_results_get_layout(r);
    const int text = strcmp(kind, "text") == 0;
    char path[4096];
    shapc_error err = {0};
    if (text && shapc_results_view(r)->row_players[i] == 0)
        return shapc_cli_fail("plot: %s: document %zu has no tokens", dir,
                              shapc_results_view(r)->rows[i]);
    const int summary = !strcmp(kind, "beeswarm") || !strcmp(kind, "bar");
    const int all = cls && !strcmp(cls, "all"), predicted = cls && !strcmp(cls, "predicted");
    if (all && (text || !strcmp(kind, "waterfall") || !strcmp(kind, "beeswarm")))
        return shapc_cli_usage_error("plot",
                                     "--class all: a %s shows one output (bar draws "
                                     "them all, stacked; image one panel per output)",
                                     kind);
    if (predicted && summary) {
        /* each row's own predicted output: it must have been explained for every row */
        for (size_t j = 0; j < l->n_rows; j++) {
            const size_t c = shapc_cli_render_instance_column(r, j);
            const float *p = shapc_results_view(r)->pred + j * l->n_outputs;
            size_t arg = 0;
            for (size_t q = 1; q < l->n_outputs; q++)
                arg = p[q] > p[arg] ? q : arg;
            if ((size_t)shapc_results_view(r)->classes[j * l->n_columns + c] != arg)
                return shapc_cli_fail("plot: --class predicted: row %zu's predicted output "
                                      "was not explained in %s (explain with --class all or "
                                      "predicted)",
                                      shapc_results_view(r)->rows[j], dir);
        }
    }
    long col = -1;
    if (predicted && !summary)
        col = (long)shapc_cli_render_instance_column(r, (size_t)i);
    else if (cls && !all && !predicted && (col = find_column(r, (size_t)i, cls)) < 0)
        return shapc_cli_fail("plot: output '%s' was not explained in %s (see classes.npy)", cls,
                              dir);
    if (!out) {
        if (text || !strcmp(kind, "waterfall") || !strcmp(kind, "image"))
            snprintf(path, sizeof path, "%s/%s_%zu.png", dir, kind, shapc_results_view(r)->rows[i]);
        else
            snprintf(path, sizeof path, "%s/%s.png", dir, kind);
        out = path;
    }
    const size_t main_col = shapc_cli_render_main_column(r);
    shapc_status st;
    if (text)
        st = shapc_cli_render_text(
            r, (size_t)i, col >= 0 ? (size_t)col : shapc_cli_render_instance_column(r, (size_t)i),
            out, o, &err);
    else if (!strcmp(kind, "beeswarm"))
        st = shapc_cli_render_beeswarm(r,
                                       predicted  ? SHAPC_CLI_RENDER_PREDICTED
                                       : col >= 0 ? (size_t)col
                                                  : main_col,
                                       out, o, &err);
    else if (!strcmp(kind, "bar") && all)
        st = shapc_cli_render_bar_stacked(r, out, o, &err);
    else if (!strcmp(kind, "bar"))
        st = shapc_cli_render_bar(r,
                                  predicted  ? SHAPC_CLI_RENDER_PREDICTED
                                  : col >= 0 ? (size_t)col
                                             : main_col,
                                  out, o, &err);
    else if (!strcmp(kind, "waterfall"))
        st = shapc_cli_render_waterfall(
            r, (size_t)i, col >= 0 ? (size_t)col : shapc_cli_render_instance_column(r, (size_t)i),
            out, o, &err);
    else {
        /* --rows: the selected explained rows, one figure row each */
        const size_t one = (size_t)col;
        st = shapc_cli_render_image(r, fig ? fig : &i, fig ? nfig : 1, col >= 0 ? &one : NULL,
                                    col >= 0 ? 1 : 0, out, o, &err);
    }
    if (st != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    printf("%s\n", out);
    return SHAPC_CLI_EXIT_OK;
}

int shapc_cli_plot(int argc, char **argv)
{
    shapc_cli_parser p;
    shapc_plot_options o = shapc_plot_options_default();
    const char *kind = NULL, *dir = NULL, *out = NULL, *cls = NULL, *value;
    size_t row_given = 0, v;
    shapc_cli_range rows_given = {0, 0, 0, 0, 0, NULL};
    int id, has_row = 0, rc;

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
        case OPT_ROWS:
            if ((rc = shapc_cli_parse_range(value, &rows_given)) != 0)
                return shapc_cli_usage_error("plot", "--rows: '%s': %s", value,
                                             shapc_cli_range_why(rc));
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
        return shapc_cli_usage_error("plot",
                                     "unknown KIND '%s' (beeswarm, bar, waterfall, "
                                     "image, text)",
                                     kind);
    if (has_row && (!strcmp(kind, "beeswarm") || !strcmp(kind, "bar")))
        return shapc_cli_usage_error("plot",
                                     "--row: a %s shows every explained row; for row %zu "
                                     "use 'shapc plot waterfall DIR --row %zu'",
                                     kind, row_given, row_given);
    if (rows_given.given) {
        if (strcmp(kind, "image") != 0)
            return shapc_cli_usage_error("plot",
                                         "--rows applies to image (several rows in one "
                                         "figure), not to %s",
                                         kind);
        if (has_row)
            return shapc_cli_usage_error("plot", "--row and --rows exclude each other");
    }
    shapc_results *r = NULL;
    shapc_error err = {0};
    if (shapc_results_read_dir(dir, &r, &err) != SHAPC_OK)
        return shapc_cli_fail("%s", err.message);
    rc = draw(r, kind, dir, has_row ? &row_given : NULL, rows_given.given ? &rows_given : NULL,
              cls, out, &o);
    shapc_results_free(r);
    return rc;
}
