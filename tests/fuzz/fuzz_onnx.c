/* fuzz_onnx.c - libFuzzer harness for the ONNX loader and executor (src/model/onnx_*.c).
 *
 * Bytes go through shapc__onnx_model_load_mem, the whole of shapc_model_load_onnx but the
 * file read: protobuf-c parsing, graph checks, shape inference, folding, layout and planning.
 * Each input is first replayed with one allocation failing (it must fail cleanly or succeed).
 * A model that loads must have consistent sizes and evaluate one row of zeros - a valid token
 * id row too - without crashing (non-finite outputs and model errors are clean failures); a
 * first stage must agree with plain evaluation, and a text view must predict the empty and
 * a one-token document. */
#include "fuzz_common.h"

#include <math.h>

#include "model/first_stage.h"
#include "model/onnx_model.h"
#include "shapc/model.h"
#include "shapc/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROW ((size_t)1 << 20) /* the harness's own buffers stay small */

static void check_stage(const shapc_model *m, const float *x, const float *y)
{
    const shapc__first_stage *fs = shapc__model_first_stage(m);
    const size_t d = shapc_model_n_inputs(m), k = shapc_model_n_outputs(m);
    float *xp, *pre, *out;
    shapc_error err = {0};
    if (!fs)
        return;
    FUZZ_CHECK(fs->d == d && fs->h >= 1 && fs->wt != NULL);
    if (fs->h > MAX_ROW)
        return;
    xp = calloc(d, sizeof *xp);
    pre = calloc(fs->h, sizeof *pre);
    out = calloc(k, sizeof *out);
    if (!xp || !pre || !out)
        abort();
    fuzz_touch(fs->wt, d * fs->h * sizeof *fs->wt);
    fs->preprocess(fs->ctx, x, 1, xp);
    fs->preact(fs->ctx, xp, 1, pre);
    fs->activate(fs->ctx, pre, 1);
    if (fs->finish(fs->ctx, pre, 1, out, NULL, &err) == SHAPC_OK && y)
        for (size_t i = 0; i < k; i++)
            if (isfinite(y[i]) && isfinite(out[i]))
                FUZZ_CHECK(fabs((double)out[i] - (double)y[i]) <=
                           1e-3 * (1.0 + fabs((double)y[i])));
    free(xp);
    free(pre);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    shapc_model *m = NULL;
    shapc_error err = {0};
    shapc_status st;
    size_t d, k, rank, prod = 1;
    float *x, *y;

    shapc__alloc_fail_after(fuzz_fail_nth(data, size));
    st = shapc__onnx_model_load_mem(data, size, "fuzz.onnx", &m, &err);
    shapc__alloc_fail_after(0);
    FUZZ_CHECK(st == SHAPC_OK || (m == NULL && strncmp(err.message, "fuzz.onnx: ", 11) == 0));
    shapc_model_free(m);
    m = NULL;
    memset(&err, 0, sizeof err);

    st = shapc__onnx_model_load_mem(data, size, "fuzz.onnx", &m, &err);
    if (st != SHAPC_OK) {
        FUZZ_CHECK(m == NULL && err.status == st);
        FUZZ_CHECK(strncmp(err.message, "fuzz.onnx: ", 11) == 0 && !strchr(err.message, '\n'));
        return 0;
    }
    d = shapc_model_n_inputs(m);
    k = shapc_model_n_outputs(m);
    rank = shapc_model_input_rank(m);
    FUZZ_CHECK(d >= 1 && k >= 1 && rank >= 1 && rank <= 4);
    for (size_t i = 0; i < rank; i++)
        prod *= shapc_model_input_shape(m)[i];
    FUZZ_CHECK(prod == d);
    for (size_t i = 0; i < k; i++)
        FUZZ_CHECK(shapc_model_output_name(m, i) != NULL);
    FUZZ_CHECK(shapc_model_describe(m) != NULL && shapc_model_background(m) == NULL);
    if (d <= MAX_ROW && k <= MAX_ROW) {
        x = calloc(d, sizeof *x); /* zeros: also token id 0 */
        y = calloc(k, sizeof *y);
        if (!x || !y)
            abort();
        st = shapc_model_predict(m, x, 1, y, &err);
        FUZZ_CHECK(st == SHAPC_OK || st == SHAPC_ENONFINITE || st == SHAPC_EMODEL ||
                   st == SHAPC_ERANGE);
        check_stage(m, x, st == SHAPC_OK ? y : NULL);
        free(x);
        free(y);
    }
    const shapc_text_model *tm = shapc_model_text(m);
    if (tm) {
        const size_t V = shapc_text_vocab_size(tm), one = 0;
        float *out = calloc(shapc_text_n_outputs(tm) + 1, sizeof *out);
        if (!out)
            abort();
        FUZZ_CHECK(V >= 1 && shapc_text_unk_id(tm) < V);
        for (size_t i = 0; i < V; i++)
            FUZZ_CHECK(shapc_text_vocab_word(tm, i) != NULL);
        (void)shapc_text_predict_ids(tm, NULL, 0, out, &err);
        (void)shapc_text_predict_ids(tm, &one, 1, out, &err);
        free(out);
    }
    shapc_model_free(m);
    return 0;
}
