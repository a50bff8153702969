/* bench_onnx.c - rows per second of an ONNX model through shapc's executor.
 *
 *   shapc_bench_onnx MODEL.onnx INPUT [--rows N] [--batch B] [--threads T] [--repeat R]
 *
 * INPUT is an IDX or NPY file whose rows are the model's input rows (images as shapc reads
 * them, token ids as floats). N rows (default 2048, cycling through the file) are predicted
 * in calls of B rows (default 256); with T > 1 threads each takes an equal share of the
 * calls, all predicting with one shared model, as the explainer's workers do. Prints the best
 * of R (default 5) repeats as "rows/s". bench/bench_onnx.sh runs it against torch on the
 * same machine and thread count (docs/performance.md, "ONNX models"). */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shapc/shapc.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct job {
    const shapc_model *model;
    const float *x;
    float *out;
    size_t d, k, first, count, batch;
    shapc_status st;
    shapc_error err;
} job;

static void *run(void *arg)
{
    job *j = arg;
    for (size_t r = j->first; r < j->first + j->count && j->st == SHAPC_OK; r += j->batch) {
        size_t m = j->first + j->count - r < j->batch ? j->first + j->count - r : j->batch;
        j->st = shapc_model_predict(j->model, j->x + r * j->d, m, j->out + r * j->k, &j->err);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    size_t rows = 2048, batch = 256, threads = 1, repeat = 5;
    shapc_error err = {0};
    shapc_model *model = NULL;
    shapc_array *in = NULL, *f32 = NULL;
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.onnx INPUT [--rows N] [--batch B] [--threads T] "
                "[--repeat R]\n", argv[0]);
        return 2;
    }
    for (int i = 3; i + 1 < argc; i += 2) {
        size_t v = (size_t)strtoull(argv[i + 1], NULL, 10);
        if (strcmp(argv[i], "--rows") == 0)
            rows = v;
        else if (strcmp(argv[i], "--batch") == 0)
            batch = v;
        else if (strcmp(argv[i], "--threads") == 0)
            threads = v;
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = v;
    }
    if (!rows || !batch || !threads || threads > 64 || !repeat) {
        fprintf(stderr, "bench_onnx: bad option values\n");
        return 2;
    }
    const char *ext = strrchr(argv[2], '.');
    shapc_status st = ext && strcmp(ext, ".npy") == 0 ? shapc_npy_read(argv[2], &in, &err)
                                                      : shapc_idx_read(argv[2], 0, &in, &err);
    if (st != SHAPC_OK || shapc_model_load(argv[1], &model, &err) != SHAPC_OK ||
        shapc_array_convert(in, SHAPC_F32, &f32, &err) != SHAPC_OK) {
        fprintf(stderr, "bench_onnx: %s\n", err.message);
        return 1;
    }
    const size_t d = shapc_model_n_inputs(model), k = shapc_model_n_outputs(model);
    const size_t have = shapc_array_size(f32) / d;
    if (have == 0 || shapc_array_size(f32) % d != 0) {
        fprintf(stderr, "bench_onnx: %s does not hold rows of %zu values\n", argv[2], d);
        return 1;
    }
    float *x = malloc(rows * d * sizeof *x), *out = malloc(rows * k * sizeof *out);
    if (!x || !out)
        return 1;
    for (size_t r = 0; r < rows; r++)
        memcpy(x + r * d, (const float *)shapc_array_cdata(f32) + (r % have) * d,
               d * sizeof *x);
    double best = 0;
    job jobs[64];
    pthread_t tid[64];
    for (size_t rep = 0; rep <= repeat; rep++) { /* repeat 0 warms up */
        size_t calls = (rows + batch - 1) / batch, at = 0;
        double t0 = now_s();
        for (size_t t = 0; t < threads; t++) {
            size_t share = calls / threads + (t < calls % threads);
            job j = {model, x, out, d, k, at, share * batch, batch, SHAPC_OK, {0}};
            if (j.first + j.count > rows)
                j.count = j.first < rows ? rows - j.first : 0;
            jobs[t] = j;
            at += share * batch;
            if (t > 0 && pthread_create(&tid[t], NULL, run, &jobs[t]) != 0)
                return 1;
        }
        run(&jobs[0]);
        for (size_t t = 1; t < threads; t++)
            pthread_join(tid[t], NULL);
        double rate = (double)rows / (now_s() - t0);
        for (size_t t = 0; t < threads; t++)
            if (jobs[t].st != SHAPC_OK) {
                fprintf(stderr, "bench_onnx: %s\n", jobs[t].err.message);
                return 1;
            }
        if (rep > 0 && rate > best)
            best = rate;
    }
    printf("%s: %zu rows in batches of %zu on %zu thread(s): %.0f rows/s (best of %zu)\n",
           argv[1], rows, batch, threads, best, repeat);
    free(x);
    free(out);
    shapc_array_free(in);
    shapc_array_free(f32);
    shapc_model_free(model);
    return 0;
}
