/* args.c - strict option and value parsing for the shapc subcommands (see args.h). */
#include "args.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shapc/model.h>

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

shapc_status shapc_cli_error_context(shapc_error *err, shapc_status st, const char *fmt, ...)
{
    char prefix[SHAPC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (err)
        err->status = st;
    shapc_error_prefix(err, prefix);
    return st;
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
int shapc_cli_parse_size_span(const char *s, size_t len, size_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return shapc_cli_parse_size(buf, out);
}

int shapc_cli_parse_hxw(const char *s, size_t *h, size_t *w)
{
    const char *x = strchr(s, 'x');
    if (!x)
        return -1;
    size_t hh, ww;
    if (shapc_cli_parse_size_span(s, (size_t)(x - s), &hh) != 0 ||
        shapc_cli_parse_size(x + 1, &ww) != 0)
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

size_t shapc_cli_online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 64 ? 64 : (size_t)n);
}

shapc_status shapc_cli_class_resolve(const char *text, const shapc_model *model,
                                     const char *model_path, shapc_cli_class *out,
                                     shapc_error *err)
{
    size_t k = shapc_model_n_outputs(model), idx;
    memset(out, 0, sizeof *out);
    out->columns = 1;
    if (strcmp(text, "all") == 0) {
        out->mode = SHAPC_CLI_CLASS_ALL;
        out->columns = k;
        return SHAPC_OK;
    }
    if (strcmp(text, "predicted") == 0) {
        out->mode = SHAPC_CLI_CLASS_PREDICTED;
        return SHAPC_OK;
    }
    out->mode = SHAPC_CLI_CLASS_ONE;
    if (shapc_cli_parse_size(text, &idx) == 0) {
        if (idx >= k)
            return shapc_error_set(err, SHAPC_EINVAL, "--class %s: %s has outputs 0..%zu", text,
                                   model_path, k - 1);
        out->index = idx;
        return SHAPC_OK;
    }
    for (size_t i = 0; i < k; i++) {
        if (strcmp(shapc_model_output_name(model, i), text) == 0) {
            out->index = i;
            return SHAPC_OK;
        }
    }
    return shapc_error_set(err, SHAPC_EINVAL, "--class: '%s' is not all, predicted, an output "
                           "index 0..%zu or an output name of %s", text, k - 1, model_path);
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
