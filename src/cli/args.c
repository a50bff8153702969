/* args.c - strict option and value parsing for the shapc subcommands (see args.h). */
#include "args.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shapc/model.h>
#include <shapc/version.h>

void shapc_cli_parser_init(shapc_cli_parser *p, const char *command, int argc, char **argv)
{
    p->argc = argc;
    p->argv = argv;
    p->next = 1;
    p->options_done = 0;
    p->command = command;
}

static const shapc_cli_option *find_long(const shapc_cli_option *options, const char *name,
                                         size_t len)
{
    for (const shapc_cli_option *o = options; o->id != 0; o++) {
        if (o->long_name && strlen(o->long_name) == len && strncmp(o->long_name, name, len) == 0)
            return o;
    }
    return NULL;
}

static const shapc_cli_option *find_short(const shapc_cli_option *options, char c)
{
    for (const shapc_cli_option *o = options; o->id != 0; o++) {
        if (o->short_name == c)
            return o;
    }
    return NULL;
}

int shapc_cli_next(shapc_cli_parser *p, const shapc_cli_option *options, const char **value)
{
    *value = NULL;
    if (p->next >= p->argc)
        return SHAPC_CLI_END;
    const char *arg = p->argv[p->next++];
    /* "-" alone is a positional (conventionally stdin); it is not an option. */
    if (p->options_done || arg[0] != '-' || arg[1] == '\0') {
        *value = arg;
        return SHAPC_CLI_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        p->options_done = 1;
        return shapc_cli_next(p, options, value);
    }

    const shapc_cli_option *opt;
    const char *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        opt = find_long(options, name, len);
        if (opt && eq)
            inline_value = eq + 1;
    } else {
        opt = arg[2] == '\0' ? find_short(options, arg[1]) : NULL;
    }
    if (!opt) {
        shapc_cli_usage_error(p->command, "unknown option '%s'", arg);
        return SHAPC_CLI_BAD;
    }
    if (!opt->takes_value) {
        if (inline_value) {
            shapc_cli_usage_error(p->command, "option '--%s' takes no value", opt->long_name);
            return SHAPC_CLI_BAD;
        }
        return opt->id;
    }
    if (inline_value) {
        *value = inline_value;
        return opt->id;
    }
    if (p->next >= p->argc) {
        shapc_cli_usage_error(p->command, "option '--%s' needs a value", opt->long_name);
        return SHAPC_CLI_BAD;
    }
    *value = p->argv[p->next++];
    return opt->id;
}

int shapc_cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    fputs("shapc: ", stderr);
    if (command)
        fprintf(stderr, "%s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (command)
        fprintf(stderr, "; try 'shapc %s --help'\n", command);
    else
        fputs("; try 'shapc --help'\n", stderr);
    return SHAPC_CLI_EXIT_USAGE;
}

int shapc_cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("shapc: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return SHAPC_CLI_EXIT_FAIL;
}

/* ---- value parsers ---- */

int shapc_cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s == '\0')
        return -1;
    uint64_t v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        unsigned digit = (unsigned)(*c - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return -1;
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}

int shapc_cli_parse_size(const char *s, size_t *out)
{
    uint64_t v;
    if (shapc_cli_parse_u64(s, &v) != 0 || v > SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Parses the digits in [s, s+len) as a size; an empty span is an error. */
static int parse_size_span(const char *s, size_t len, size_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return shapc_cli_parse_size(buf, out);
}

int shapc_cli_parse_range(const char *s, shapc_cli_range *out)
{
    shapc_cli_range r = {0, 0, 0, 1};
    const char *colon = strchr(s, ':');
    if (!colon) {
        if (shapc_cli_parse_size(s, &r.begin) != 0 || r.begin == SIZE_MAX)
            return -1;
        r.end = r.begin + 1;
        r.has_end = 1;
    } else {
        size_t left = (size_t)(colon - s);
        const char *right = colon + 1;
        if (left == 0 && *right == '\0')
            return -1; /* ":" alone says nothing; omit the option instead */
        if (left > 0 && parse_size_span(s, left, &r.begin) != 0)
            return -1;
        if (*right != '\0') {
            if (shapc_cli_parse_size(right, &r.end) != 0)
                return -1;
            r.has_end = 1;
            if (r.end <= r.begin)
                return -1;
        }
    }
    *out = r;
    return 0;
}

int shapc_cli_range_resolve(const shapc_cli_range *r, size_t n, size_t *begin, size_t *end)
{
    if (!r->given) {
        *begin = 0;
        *end = n;
        return n > 0 ? 0 : -1;
    }
    size_t e = r->has_end ? r->end : n;
    if (r->begin >= n || e > n || r->begin >= e)
        return -1;
    *begin = r->begin;
    *end = e;
    return 0;
}

int shapc_cli_parse_hxw(const char *s, size_t *h, size_t *w)
{
    const char *x = strchr(s, 'x');
    if (!x)
        return -1;
    size_t hh, ww;
    if (parse_size_span(s, (size_t)(x - s), &hh) != 0 || shapc_cli_parse_size(x + 1, &ww) != 0)
        return -1;
    if (hh == 0 || ww == 0)
        return -1;
    *h = hh;
    *w = ww;
    return 0;
}

void shapc_cli_format_shape(char *buf, size_t cap, const size_t *shape, size_t rank,
                            const char *sep)
{
    size_t used = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < rank && used < cap; i++) {
        int n = snprintf(buf + used, cap - used, "%s%zu", i ? sep : "", shape[i]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

int shapc_cli_takes_value(const shapc_cli_option *options, const char *arg)
{
    if (arg[0] != '-' || strchr(arg, '='))
        return 0;
    for (const shapc_cli_option *o = options; o->id; o++) {
        if (!o->takes_value)
            continue;
        if (arg[1] == '-' ? strcmp(arg + 2, o->long_name) == 0
                          : (o->short_name && arg[1] == o->short_name && arg[2] == '\0'))
            return 1;
    }
    return 0;
}

int shapc_cli_parse_link(const char *v, shapc_link *out)
{
    if (strcmp(v, "identity") == 0)
        *out = SHAPC_LINK_IDENTITY;
    else if (strcmp(v, "logit") == 0)
        *out = SHAPC_LINK_LOGIT;
    else
        return -1;
    return 0;
}

static const char *const sampler_names[] = {
    [SHAPC_SAMPLER_KERNEL] = "kernel",           [SHAPC_SAMPLER_LEVERAGE] = "leverage",
    [SHAPC_SAMPLER_PERMUTATION] = "permutation", [SHAPC_SAMPLER_AUTO] = "auto",
    [SHAPC_SAMPLER_EXACT] = "exact",
};

int shapc_cli_parse_sampler(const char *v, shapc_sampler *out)
{
    for (size_t i = 0; i < sizeof sampler_names / sizeof sampler_names[0]; i++)
        if (strcmp(v, sampler_names[i]) == 0) {
            *out = (shapc_sampler)i;
            return 0;
        }
    return -1;
}

const char *shapc_cli_sampler_name(shapc_sampler s)
{
    return (size_t)s < sizeof sampler_names / sizeof sampler_names[0] ? sampler_names[s]
                                                                       : "unknown";
}

int shapc_cli_parse_tol(const char *v, double *out)
{
    char *end;
    double t = strtod(v, &end);
    if (end == v || *end != '\0' || !(t >= 0.0) || t > 1.0)
        return -1;
    *out = t;
    return 0;
}

/* ---- options shared by every path of `shapc explain` ---- */

shapc_cli_explain_settings shapc_cli_explain_settings_default(void)
{
    shapc_kernel_options ko = shapc_kernel_options_default();
    shapc_cli_explain_settings s;
    memset(&s, 0, sizeof s);
    s.out_dir = SHAPC_CLI_EXPLAIN_OUT_DIR;
    s.class_text = "all";
    s.nsamples = ko.nsamples;
    s.seed = ko.seed;
    s.link = ko.link;
    s.batches = ko.n_batches;
    s.sampler = ko.sampler;
    s.tol = 0.005; /* kernelshap's default rule; --tol 0 spends the whole budget */
    s.max_memory_mb = ko.max_memory >> 20;
    return s;
}

int shapc_cli_explain_option(shapc_cli_explain_settings *s, int id, const char *v)
{
    const char *cmd = "explain";
    switch (id) {
    case SHAPC_CLI_BAD:
        return SHAPC_CLI_EXIT_USAGE; /* already reported */
    case SHAPC_CLI_POSITIONAL:
        if (s->n_positional == 2)
            return shapc_cli_usage_error(cmd, "unexpected argument '%s'", v);
        s->positional[s->n_positional++] = v;
        break;
    case SHAPC_CLI_EXPLAIN_OPT_NSAMPLES:
        if (strcmp(v, "auto") == 0)
            s->nsamples = 0;
        else if (shapc_cli_parse_size(v, &s->nsamples) != 0 || s->nsamples == 0)
            return shapc_cli_usage_error(cmd,
                                         "--nsamples: '%s' is not a positive integer or "
                                         "'auto'",
                                         v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_MAX_EVALS:
        if (strcmp(v, "auto") == 0)
            s->max_evals = 0;
        else if (shapc_cli_parse_size(v, &s->max_evals) != 0 || s->max_evals == 0)
            return shapc_cli_usage_error(cmd,
                                         "--max-evals: '%s' is not a positive integer or "
                                         "'auto'",
                                         v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_SEED:
        if (shapc_cli_parse_u64(v, &s->seed) != 0)
            return shapc_cli_usage_error(cmd,
                                         "--seed: '%s' is not an integer in "
                                         "0..18446744073709551615",
                                         v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_CLASS:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "--class: empty value");
        s->class_text = v;
        break;
    case SHAPC_CLI_EXPLAIN_OPT_LINK:
        if (shapc_cli_parse_link(v, &s->link) != 0)
            return shapc_cli_usage_error(cmd, "--link: '%s' is not identity or logit", v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_ROWS:
        if (shapc_cli_parse_range(v, &s->rows) != 0)
            return shapc_cli_usage_error(cmd, "--rows: '%s' is not a row range A:B with A < B", v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_BATCHES:
        if (shapc_cli_parse_size(v, &s->batches) != 0 || s->batches < 2)
            return shapc_cli_usage_error(cmd, "--batches: '%s' is not an integer >= 2", v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_SAMPLER:
        if (shapc_cli_parse_sampler(v, &s->sampler) != 0)
            return shapc_cli_usage_error(cmd, "--sampler: '%s' is not auto, permutation, exact, "
                                         "leverage or kernel", v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_TOL:
        if (shapc_cli_parse_tol(v, &s->tol) != 0)
            return shapc_cli_usage_error(cmd, "--tol: '%s' is not a number in 0..1", v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_THREADS:
        if (shapc_cli_parse_size(v, &s->threads) != 0 || s->threads > 64)
            return shapc_cli_usage_error(cmd, "--threads: '%s' is not an integer in 0..64", v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_MAX_MEMORY:
        /* The upper bound keeps the byte count (MiB << 20) far from size_t overflow. */
        if (shapc_cli_parse_size(v, &s->max_memory_mb) != 0 || s->max_memory_mb == 0 ||
            s->max_memory_mb > ((size_t)1 << 20))
            return shapc_cli_usage_error(cmd,
                                         "--max-memory: '%s' is not a number of MiB in "
                                         "1..1048576",
                                         v);
        break;
    case SHAPC_CLI_EXPLAIN_OPT_NO_PLOTS:
        s->no_plots = 1;
        break;
    case SHAPC_CLI_EXPLAIN_OPT_QUIET:
        s->quiet = 1;
        break;
    case SHAPC_CLI_EXPLAIN_OPT_OUTPUT:
        if (*v == '\0')
            return shapc_cli_usage_error(cmd, "-o: empty directory name");
        s->out_dir = v;
        break;
    default:
        return shapc_cli_usage_error(cmd, "unexpected option");
    }
    return -1;
}

size_t shapc_cli_online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 64 ? 64 : (size_t)n);
}

shapc_kernel_options shapc_cli_explain_kernel_options(const shapc_cli_explain_settings *s)
{
    shapc_kernel_options ko = shapc_kernel_options_default();
    ko.nsamples = s->nsamples;
    ko.max_evals = s->max_evals;
    ko.seed = s->seed;
    ko.link = s->link;
    ko.n_batches = s->batches;
    ko.sampler = s->sampler;
    ko.tol = s->tol;
    ko.max_memory = s->max_memory_mb << 20;
    ko.n_threads = s->threads ? s->threads : shapc_cli_online_cores();
    return ko;
}

int shapc_cli_class_resolve(const char *text, const shapc_model *model, const char *model_path,
                            shapc_cli_class *out)
{
    size_t k = shapc_model_n_outputs(model), idx;
    memset(out, 0, sizeof *out);
    out->columns = 1;
    if (strcmp(text, "all") == 0) {
        out->mode = SHAPC_CLI_CLASS_ALL;
        out->columns = k;
        return -1;
    }
    if (strcmp(text, "predicted") == 0) {
        out->mode = SHAPC_CLI_CLASS_PREDICTED;
        return -1;
    }
    out->mode = SHAPC_CLI_CLASS_ONE;
    if (shapc_cli_parse_size(text, &idx) == 0) {
        if (idx >= k)
            return shapc_cli_usage_error("explain", "--class %s: %s has outputs 0..%zu", text,
                                         model_path, k - 1);
        out->index = idx;
        return -1;
    }
    for (size_t i = 0; i < k; i++) {
        if (strcmp(shapc_model_output_name(model, i), text) == 0) {
            out->index = i;
            return -1;
        }
    }
    return shapc_cli_usage_error("explain",
                                 "--class: '%s' is not all, predicted, an output "
                                 "index 0..%zu or an output name of %s",
                                 text, k - 1, model_path);
}

size_t shapc_cli_class_output(const shapc_cli_class *c, size_t j, const float *f, size_t k)
{
    size_t best = 0;
    if (c->mode == SHAPC_CLI_CLASS_ALL)
        return j;
    if (c->mode == SHAPC_CLI_CLASS_ONE)
        return c->index;
    for (size_t t = 1; t < k; t++) /* ties: the first of them */
        if (f[t] > f[best])
            best = t;
    return best;
}

void shapc_cli_json_explain_head(shapc_cli_json *j, const char *kind, int argc, char **argv,
                                 const char *model_path, const shapc_model *model)
{
    shapc_cli_json_begin_object(j);
    shapc_cli_json_key(j, "shapc_version");
    shapc_cli_json_string(j, shapc_version_string());
    shapc_cli_json_key(j, "command");
    shapc_cli_json_string(j, "explain");
    if (kind) {
        shapc_cli_json_key(j, "kind");
        shapc_cli_json_string(j, kind);
    }
    shapc_cli_json_key(j, "argv");
    shapc_cli_json_begin_array(j);
    shapc_cli_json_string(j, "shapc");
    for (int i = 0; i < argc; i++)
        shapc_cli_json_string(j, argv[i]);
    shapc_cli_json_end_array(j);
    shapc_cli_json_key(j, "model");
    shapc_cli_json_begin_object(j);
    shapc_cli_json_key(j, "path");
    shapc_cli_json_string(j, model_path);
    shapc_cli_json_key(j, "description");
    shapc_cli_json_string(j, shapc_model_describe(model));
}

void shapc_cli_json_output_names(shapc_cli_json *j, const shapc_model *model)
{
    shapc_cli_json_key(j, "output_names");
    shapc_cli_json_begin_array(j);
    for (size_t c = 0; c < shapc_model_n_outputs(model); c++)
        shapc_cli_json_string(j, shapc_model_output_name(model, c));
    shapc_cli_json_end_array(j);
}

void shapc_cli_json_explain_settings(shapc_cli_json *j, const shapc_cli_explain_settings *s,
                                     const shapc_cli_class *target)
{
    shapc_cli_json_key(j, "sampler");
    shapc_cli_json_string(j, shapc_cli_sampler_name(s->sampler));
    shapc_cli_json_key(j, "nsamples");
    shapc_cli_json_int(j, (long long)s->nsamples);
    shapc_cli_json_key(j, "max_evals");
    shapc_cli_json_int(j, (long long)s->max_evals);
    shapc_cli_json_key(j, "seed");
    shapc_cli_json_uint(j, (unsigned long long)s->seed);
    shapc_cli_json_key(j, "link");
    shapc_cli_json_string(j, s->link == SHAPC_LINK_LOGIT ? "logit" : "identity");
    shapc_cli_json_key(j, "class");
    if (target->mode == SHAPC_CLI_CLASS_ONE)
        shapc_cli_json_int(j, (long long)target->index);
    else
        shapc_cli_json_string(j, target->mode == SHAPC_CLI_CLASS_ALL ? "all" : "predicted");
}

double shapc_cli_rel_se(const float *phi, const float *se, size_t M, size_t K, size_t col)
{
    double p2 = 0.0, s2 = 0.0;
    for (size_t g = 0; g < M; g++) {
        const double p = (double)phi[g * K + col], e = (double)se[g * K + col];
        p2 += p * p;
        s2 += e * e;
    }
    if (s2 == 0.0)
        return 0.0;
    return p2 > 0.0 ? sqrt(s2 / p2) : (double)INFINITY;
}

void shapc_cli_json_estimate(shapc_cli_json *j, const shapc_kernel_info *info, const float *phi,
                             const float *se, size_t M, size_t K)
{
    shapc_cli_json_key(j, "estimator");
    shapc_cli_json_string(j, shapc_cli_sampler_name(info->sampler));
    shapc_cli_json_key(j, "exact");
    shapc_cli_json_bool(j, info->exact);
    shapc_cli_json_key(j, "n_players");
    shapc_cli_json_int(j, (long long)info->n_players);
    shapc_cli_json_key(j, "n_evals");
    shapc_cli_json_int(j, (long long)info->n_evals);
    shapc_cli_json_key(j, "n_samples");
    shapc_cli_json_int(j, (long long)info->n_coalitions);
    double worst = 0.0;
    shapc_cli_json_key(j, "rel_se");
    shapc_cli_json_begin_array(j);
    for (size_t c = 0; c < K; c++) {
        const double q = shapc_cli_rel_se(phi, se, M, K, c);
        worst = q > worst ? q : worst;
        if (isfinite(q))
            shapc_cli_json_number(j, q);
        else
            shapc_cli_json_null(j);
    }
    shapc_cli_json_end_array(j);
    shapc_cli_json_key(j, "rel_se_max");
    if (isfinite(worst))
        shapc_cli_json_number(j, worst);
    else
        shapc_cli_json_null(j);
}
