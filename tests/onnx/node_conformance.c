/* node_conformance.c - runs ONNX's own node tests (Debian's libonnx-testdata) through shapc's
 * ONNX executor.
 *
 *   shapc-onnx-node-tests DATA_DIR EXPECTED_REFUSALS [--report FILE]
 *
 * DATA_DIR holds one directory per test (data/node/<name>/model.onnx plus
 * test_data_set_0/input_<i>.pb and output_<i>.pb, TensorProto files). Every test whose
 * operators are all ones shapc implements is loaded, compiled with the shapes it declares
 * (no batch symbol), run, and its outputs compared with the reference: |got - want| <=
 * 1e-4 |want| + 1e-6 per element, same element type and dims. Integer inputs (shape, axes,
 * indices) are bound as constants, since shapc folds those at load time; float inputs stay
 * runtime inputs. A test may instead be refused at load with SHAPC_EUNSUPPORTED (an element
 * type or mode shapc does not run); every refusal must be listed, with its reason, in
 * EXPECTED_REFUSALS (tests/onnx/node_refusals.txt), and every listed test must still be
 * refused - so the list can neither hide a regression nor go stale.
 *
 * Exit status 0 when every run test passes and the refusals match; 1 otherwise (including a
 * missing DATA_DIR: CI installs libonnx-testdata, so its absence is a failure, not a skip). */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/onnx_graph.h"
#include "model/onnx_plan.h"
#include "model/onnx_proto.h"
#include "util/alloc.h"

#define MAX_TESTS 2048
#define MAX_IO 16

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- per-operator tallies ---- */
typedef struct tally {
    int run, pass, refused;
} tally;

static tally tallies[SHAPC__OX_OP_COUNT_];

static int supported_op(const char *name)
{
    for (int i = 0; i < SHAPC__OX_OP_TO_NHWC; i++)
        if (strcmp(shapc__ox_op_name((shapc__ox_op)i), name) == 0)
            return i;
    return -1;
}

/* ---- one test ---- */
enum outcome { SKIPPED, PASSED, FAILED, REFUSED };

static enum outcome decode_pb(const char *path, shapc__ox_tdata *td, char *why, size_t cap,
                              int *refused)
{
    size_t len;
    unsigned char *buf = slurp(path, &len);
    Onnx__TensorProto *t;
    shapc_error err = {0};
    *refused = 0;
    if (!buf) {
        snprintf(why, cap, "cannot read %.900s", path);
        return FAILED;
    }
    t = shapc__ox_unpack_tensor(buf, len);
    free(buf);
    if (!t) {
        snprintf(why, cap, "%.900s: malformed TensorProto", path);
        return FAILED;
    }
    shapc_status st = shapc__ox_tensor_decode(t, path, "tensor", td, &err);
    shapc__ox_unpacked_free(t);
    if (st != SHAPC_OK) {
        snprintf(why, cap, "%s", err.message);
        *refused = st == SHAPC_EUNSUPPORTED;
        return *refused ? REFUSED : FAILED;
    }
    return PASSED;
}

static enum outcome run_test(const char *dir, const char *name, int *ops, size_t *n_ops,
                             char *why, size_t cap)
{
    char path[4096];
    size_t len;
    unsigned char *buf;
    Onnx__ModelProto *m;
    shapc__ox_graph *g = NULL;
    shapc_error err = {0};
    shapc__ox_tdata in[MAX_IO], out[MAX_IO];
    size_t n_in = 0, n_out = 0;
    enum outcome res = FAILED;
    int refused;
    shapc_status st;
    memset(in, 0, sizeof in);
    memset(out, 0, sizeof out);
    *n_ops = 0;
    snprintf(path, sizeof path, "%s/%s/model.onnx", dir, name);
    if (!(buf = slurp(path, &len))) {
        snprintf(why, cap, "cannot read %.900s", path);
        return FAILED;
    }
    if (!(m = shapc__ox_unpack_model(buf, len)) || !m->graph) {
        free(buf);
        shapc__ox_unpacked_free(m);
        snprintf(why, cap, "malformed model");
        return FAILED;
    }
    for (size_t i = 0; i < m->graph->n_node; i++) {
        int op = supported_op(m->graph->node[i]->op_type ? m->graph->node[i]->op_type : "");
        int seen = 0;
        if (op < 0) {
            shapc__ox_unpacked_free(m);
            free(buf);
            return SKIPPED;
        }
        for (size_t k = 0; k < *n_ops; k++)
            seen |= ops[k] == op;
        if (!seen)
            ops[(*n_ops)++] = op;
    }
    shapc__ox_unpacked_free(m);
    if ((st = shapc__ox_parse(buf, len, name, &g, &err)) != SHAPC_OK) {
        free(buf);
        snprintf(why, cap, "%s", err.message);
        return st == SHAPC_EUNSUPPORTED ? REFUSED : FAILED;
    }
    free(buf);
    /* inputs: input_<i>.pb in the order of the graph's inputs */
    size_t n_graph_in = g->n_inputs;
    int in_value[MAX_IO];
    for (size_t i = 0; i < n_graph_in && i < MAX_IO; i++)
        in_value[i] = g->inputs[i];
    for (n_in = 0; n_in < MAX_IO; n_in++) {
        FILE *f;
        snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_%zu.pb", dir, name, n_in);
        if (!(f = fopen(path, "rb")))
            break;
        fclose(f);
        if ((res = decode_pb(path, &in[n_in], why, cap, &refused)) != PASSED)
            goto done;
    }
    if (n_in != n_graph_in) {
        res = FAILED;
        snprintf(why, cap, "%zu input files for %zu graph inputs", n_in, n_graph_in);
        goto done;
    }
    shapc__ox_bind binds[MAX_IO];
    size_t n_bind = 0;
    for (size_t i = 0; i < n_in; i++) {
        shapc__ox_value *v = &g->values[in_value[i]];
        if (v->rank != in[i].rank) {
            res = FAILED;
            snprintf(why, cap, "input %zu has rank %zu, declared %zu", i, in[i].rank, v->rank);
            goto done;
        }
        if (in[i].dtype == SHAPC__OX_I64) {
            char nm[512];
            snprintf(nm, sizeof nm, "%s", v->name);
            if ((st = shapc__ox_bind_const(g, nm, SHAPC__OX_I64, in[i].rank, in[i].dims, NULL,
                                           in[i].i, &err)) != SHAPC_OK) {
                res = FAILED;
                snprintf(why, cap, "%s", err.message);
                goto done;
            }
        } else {
            for (size_t r = 0; r < v->rank; r++)
                v->dim[r].b = in[i].dims[r]; /* declared dims may be symbolic */
            binds[n_bind].value = in_value[i];
            binds[n_bind++].data = in[i].f;
        }
    }
    shapc__ox_compile_opts o = {0, 0};
    if ((st = shapc__ox_compile(g, &o, &err)) != SHAPC_OK) {
        snprintf(why, cap, "%s", err.message);
        res = st == SHAPC_EUNSUPPORTED ? REFUSED : FAILED;
        goto done;
    }
    /* outputs */
    shapc__ox_fetch fetch[MAX_IO];
    void *got[MAX_IO] = {0};
    for (n_out = 0; n_out < g->n_outputs && n_out < MAX_IO; n_out++) {
        snprintf(path, sizeof path, "%s/%s/test_data_set_0/output_%zu.pb", dir, name, n_out);
        if ((res = decode_pb(path, &out[n_out], why, cap, &refused)) != PASSED)
            goto done_got;
        const shapc__ox_value *v = &g->values[g->outputs[n_out]];
        size_t count = shapc__ox_count(v, 1);
        got[n_out] = calloc(count + 1, 8);
        fetch[n_out].value = g->outputs[n_out];
        fetch[n_out].data = got[n_out];
        if (v->dtype != out[n_out].dtype || v->rank != out[n_out].rank ||
            count != out[n_out].count) {
            res = FAILED;
            snprintf(why, cap, "output %zu: type or shape differs from the reference", n_out);
            goto done_got;
        }
        for (size_t r = 0; r < v->rank; r++)
            if (v->dim[r].b != out[n_out].dims[r]) {
                res = FAILED;
                snprintf(why, cap, "output %zu: dimension %zu is %lld, expected %lld", n_out, r,
                         (long long)v->dim[r].b, (long long)out[n_out].dims[r]);
                goto done_got;
            }
    }
    {
        shapc__ox_ws ws;
        memset(&ws, 0, sizeof ws);
        st = shapc__ox_execute(g, &ws, 1, 0, g->n_order, n_bind, binds, n_out, fetch, &err);
        shapc__ox_ws_free(&ws);
    }
    if (st != SHAPC_OK) {
        res = FAILED;
        snprintf(why, cap, "run failed: %s", err.message);
        goto done_got;
    }
    res = PASSED;
    for (size_t i = 0; i < n_out && res == PASSED; i++) {
        for (size_t k = 0; k < out[i].count; k++) {
            if (out[i].dtype == SHAPC__OX_I64) {
                int64_t a = ((int64_t *)got[i])[k], b = out[i].i[k];
                if (a != b) {
                    res = FAILED;
                    snprintf(why, cap, "output %zu element %zu: %lld, expected %lld", i, k,
                             (long long)a, (long long)b);
                    break;
                }
            } else {
                double a = ((float *)got[i])[k], b = out[i].f[k];
                int ok = (isnan(a) && isnan(b)) || (isinf(b) && a == b) ||
                         fabs(a - b) <= 1e-4 * fabs(b) + 1e-6;
                if (!ok) {
                    res = FAILED;
                    snprintf(why, cap, "output %zu element %zu: %.9g, expected %.9g", i, k, a,
                             b);
                    break;
                }
            }
        }
    }
done_got:
    for (size_t i = 0; i < MAX_IO; i++)
        free(got[i]);
done:
    for (size_t i = 0; i < MAX_IO; i++) {
        shapc__ox_tdata_free(&in[i]);
        shapc__ox_tdata_free(&out[i]);
    }
    shapc__ox_graph_free(g);
    return res;
}

/* ---- expected refusals ---- */
typedef struct expect {
    char name[256];
    int seen;
} expect;

static size_t load_expected(const char *path, expect *e, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t n = 0;
    if (!f) {
        fprintf(stderr, "%s: cannot open the list of expected refusals\n", path);
        exit(1);
    }
    while (fgets(line, sizeof line, f) && n < cap) {
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\0')
            continue;
        size_t k = strcspn(p, " \t\n");
        if (k >= sizeof e[n].name)
            k = sizeof e[n].name - 1;
        memcpy(e[n].name, p, k);
        e[n].name[k] = '\0';
        e[n].seen = 0;
        n++;
    }
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    static char *names[MAX_TESTS];
    static expect exp_list[MAX_TESTS];
    const char *dir, *report_path = NULL;
    size_t n = 0, n_exp, n_run = 0, n_pass = 0, n_refused = 0, n_fail = 0;
    FILE *report = NULL;
    DIR *d;
    struct dirent *de;
    int status = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATA_DIR EXPECTED_REFUSALS [--report FILE]\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    if (argc >= 5 && strcmp(argv[3], "--report") == 0)
        report_path = argv[4];
    if (!(d = opendir(dir))) {
        fprintf(stderr, "%s: cannot open the ONNX node tests (install libonnx-testdata: "
                "scripts/install-deps.sh)\n", dir);
        return 1;
    }
    while ((de = readdir(d)) && n < MAX_TESTS)
        if (strncmp(de->d_name, "test_", 5) == 0)
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    n_exp = load_expected(argv[2], exp_list, MAX_TESTS);
    if (report_path && !(report = fopen(report_path, "w"))) {
        fprintf(stderr, "%s: cannot write the report\n", report_path);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        int ops[64];
        size_t n_ops = 0;
        char why[1024] = "";
        enum outcome r = run_test(dir, names[i], ops, &n_ops, why, sizeof why);
        int listed = 0;
        if (r == SKIPPED)
            continue;
        for (size_t k = 0; k < n_exp; k++)
            if (strcmp(exp_list[k].name, names[i]) == 0) {
                listed = 1;
                exp_list[k].seen = 1;
            }
        for (size_t k = 0; k < n_ops; k++) {
            if (r == REFUSED)
                tallies[ops[k]].refused++;
            else
                tallies[ops[k]].run++;
            if (r == PASSED)
                tallies[ops[k]].pass++;
        }
        if (report)
            fprintf(report, "%s %s%s%s\n", names[i],
                    r == PASSED ? "pass" : r == REFUSED ? "refused" : "FAIL", why[0] ? ": " : "",
                    why);
        if (r == REFUSED) {
            n_refused++;
            if (!listed) {
                printf("UNEXPECTED REFUSAL %s: %s\n", names[i], why);
                status = 1;
            }
        } else {
            n_run++;
            if (r == PASSED) {
                n_pass++;
            } else {
                n_fail++;
                printf("FAIL %s: %s\n", names[i], why);
                status = 1;
            }
            if (listed) {
                printf("LISTED AS REFUSED BUT %s: %s\n", r == PASSED ? "PASSES" : "FAILS",
                       names[i]);
                status = 1;
            }
        }
    }
    for (size_t k = 0; k < n_exp; k++)
        if (!exp_list[k].seen) {
            printf("LISTED REFUSAL NOT FOUND: %s\n", exp_list[k].name);
            status = 1;
        }
    printf("%-20s %s\n", "operator", "node tests");
    for (int op = 0; op < SHAPC__OX_OP_TO_NHWC; op++) {
        const tally *t = &tallies[op];
        printf("%-20s %d of %d pass", shapc__ox_op_name((shapc__ox_op)op), t->pass, t->run);
        if (t->refused)
            printf(" (%d refused at load)", t->refused);
        printf("\n");
    }
    printf("total: %zu of %zu run tests pass, %zu refused, %zu failed\n", n_pass, n_run,
           n_refused, n_fail);
    if (report)
        fclose(report);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return status;
}
