/* test_onnx_errors.c - the files the ONNX loader must refuse, each with one line naming the
 * file and never a crash: truncated, corrupted and deeply nested protobufs, graph errors
 * (missing initializers, dangling inputs, cycles, values defined twice), unsupported operators
 * and opsets, shapes that do not fit, absurd declared sizes (refused before allocating), the
 * fuzzer's findings, and out-of-memory at every allocation. Models are built in memory
 * (support/onnx_build.c); test_onnx.c checks the models that load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "model/first_stage.h"
#include "model/onnx_model.h"
#include "onnx_build.h"
#include "shapc/model.h"
#include "util/alloc.h"

static void test_truncated_and_corrupted(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len;
    ob_model *m = ob_tiny_mlp();
    ob_pack(m, &bytes, &len);
    ob_free(m);
    /* truncated anywhere: an error naming the file (or, rarely, a still-valid prefix) */
    ob_expect_bytes(bytes, len / 2, SHAPC_EFORMAT, "malformed or truncated");
    ob_expect_bytes(bytes, 0, SHAPC_EFORMAT, "");
    for (size_t cut = 1; cut < len; cut += 7) {
        shapc_model *model = NULL;
        shapc_error err = {0};
        if (shapc__onnx_model_load_mem(bytes, cut, "bad.onnx", &model, &err) != SHAPC_OK)
            assert_int_equal(strncmp(err.message, "bad.onnx: ", 10), 0);
        shapc_model_free(model);
    }
    /* every single-byte corruption: loads or fails cleanly, never crashes (ASan checks) */
    unsigned char *c = malloc(len);
    for (size_t i = 0; i < len; i += 3) {
        static const unsigned char vals[] = {0x00, 0xff, 0x7f, 0x80, 0x08};
        for (size_t v = 0; v < sizeof vals; v++) {
            shapc_model *model = NULL;
            shapc_error err = {0};
            memcpy(c, bytes, len);
            c[i] = vals[v];
            if (shapc__onnx_model_load_mem(c, len, "bad.onnx", &model, &err) == SHAPC_OK) {
                float x[6] = {0}, y[3];
                (void)shapc_model_predict(model, x, 1, y, &err);
            } else {
                assert_int_equal(strncmp(err.message, "bad.onnx: ", 10), 0);
            }
            shapc_model_free(model);
        }
    }
    free(c);
    free(bytes);
    /* not protobuf at all, and protobuf that is not a model */
    ob_expect_bytes((const unsigned char *)"\x08\x07\xff\xff\xff", 5, SHAPC_EFORMAT, "bad.onnx");
    ob_expect_bytes((const unsigned char *)"\x08\x07", 2, SHAPC_EFORMAT, "no graph");
}

/* A graph nested 30,000 attribute levels deep: protobuf-c would recurse once per level and
 * overflow the stack, had the schema kept its recursive fields (cmake/onnx_proto.cmake). */
static void test_deep_nesting(void **state)
{
    (void)state;
    const size_t levels = 30000;
    size_t cap = levels * 16 + 64, len = 0;
    unsigned char *buf = malloc(cap), *tmp = malloc(cap);
    /* built inside out: graph(node(attribute(g = graph(...)))) */
    for (size_t i = 0; i < levels; i++) {
        const unsigned char fields[3] = {6 << 3 | 2, 5 << 3 | 2, 1 << 3 | 2}; /* g, attr, node */
        for (int f = 0; f < 3; f++) {
            size_t n = 0, v = len;
            tmp[n++] = fields[f];
            do {
                tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
                v >>= 7;
            } while (v);
            memmove(buf + n, buf, len);
            memcpy(buf, tmp, n);
            len += n;
        }
    }
    memmove(buf + 2, buf, len);
    buf[0] = 0x08; /* ir_version 7, then graph = field 7 */
    buf[1] = 0x07;
    len += 2;
    /* wrap the outermost node list as ModelProto.graph */
    {
        size_t n = 0, v = len - 2;
        tmp[n++] = 7 << 3 | 2;
        do {
            tmp[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
            v >>= 7;
        } while (v);
        memmove(buf + 2 + n, buf + 2, len - 2);
        memcpy(buf + 2, tmp, n);
        len += n;
    }
    shapc_model *model = NULL;
    shapc_error err = {0};
    assert_int_not_equal(shapc__onnx_model_load_mem(buf, len, "deep.onnx", &model, &err),
                         SHAPC_OK);
    assert_int_equal(strncmp(err.message, "deep.onnx: ", 11), 0);
    assert_null(model);
    free(buf);
    free(tmp);
}

static void test_graph_errors(void **state)
{
    (void)state;
    float w[4] = {1, 2, 3, 4};
    ob_model *m;

    /* missing initializer */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "MatMul", "fc", "x,weight", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EFORMAT, "node 'fc' (MatMul, opset 13): input 'weight' is not produced");

    /* dangling input in the middle of the graph */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Relu", "r1", "x", "a");
    ob_node_new(m, "Add", "add", "a,nowhere", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EFORMAT, "input 'nowhere' is not produced by any node");

    /* an output nobody produces */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Relu", "r1", "x", "a");
    ob_output(m, "z");
    ob_expect_fail(m, SHAPC_EFORMAT, "graph output 'z' is not produced");

    /* a cycle */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Add", "a1", "x,t2", "t1");
    ob_node_new(m, "Relu", "a2", "t1", "t2");
    ob_output(m, "t2");
    ob_expect_fail(m, SHAPC_EFORMAT, "cycle through node");

    /* a value defined twice */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Relu", "r1", "x", "a");
    ob_node_new(m, "Relu", "r2", "x", "a");
    ob_output(m, "a");
    ob_expect_fail(m, SHAPC_EFORMAT, "value 'a' is defined twice");

    /* an unsupported operator names node, op type and opset */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "NonMaxSuppression", "nms", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "node 'nms' (NonMaxSuppression, opset 13): operator not "
                                       "supported");

    /* an opset outside 11..17 for an operator that changed */
    m = ob_new(9);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Softmax", "sm", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "node 'sm' (Softmax, opset 9)");
    m = ob_new(18);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Relu", "r", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "opset 18 is not supported");

    /* shapes that do not fit an operator */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 3});
    ob_init(m, "w", 2, (int64_t[]){2, 2}, w);
    ob_node_new(m, "Gemm", "fc", "x,w", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_ESHAPE, "node 'fc' (Gemm, opset 13): inner dimensions");

    /* an input element type shapc does not run */
    m = ob_new(13);
    ob_input(m, "x", 2 /* UINT8 */, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Relu", "r", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "graph input 'x' has element type UINT8");

    /* two runtime inputs */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_input(m, "y", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Add", "a", "x,y", "z");
    ob_output(m, "z");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "2 runtime inputs");

    /* a symbolic dimension other than the batch */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, -1});
    ob_node_new(m, "Relu", "r", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "dimension 1 is symbolic");

    /* initializer whose data does not match its dims */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_init_raw(m, "w", 2, (int64_t[]){2, 3}, w, sizeof w);
    ob_node_new(m, "MatMul", "fc", "x,w", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EFORMAT, "initializer 'w' declares 6 elements but holds 4");

    /* a graph input of the wrong shape for the model's operators */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 4, (int64_t[]){-1, 3, 8, 8});
    ob_init(m, "w", 4, (int64_t[]){1, 1, 1, 1}, w);
    ob_node_new(m, "Conv", "conv", "x,w", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_ESHAPE, "node 'conv' (Conv, opset 13): weights 'w'");
}

/* Absurd sizes are refused from the declared numbers, before anything that large exists. */
static void test_absurd_dims(void **state)
{
    (void)state;
    ob_model *m;
    float w[1] = {1};

    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, (int64_t)1 << 40});
    ob_node_new(m, "Relu", "r", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_ERANGE, "graph input 'x' dimension 1 is 1099511627776");

    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 3, (int64_t[]){-1, 1 << 20, 1 << 20});
    ob_node_new(m, "Relu", "r", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_ERANGE, "more than 2^28");

    /* an initializer claiming 10^12 elements with one value stored */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 1});
    ob_init_raw(m, "w", 2, (int64_t[]){1000000, 1000000}, w, sizeof w);
    ob_node_new(m, "Mul", "mul", "x,w", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_ERANGE, "initializer 'w' declares more than 2^28 elements");

    /* a reshape target of absurd size */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 4});
    ob_init_i64(m, "t", 1, (int64_t[]){3}, (int64_t[]){-1, 1 << 30, 1 << 30});
    ob_node_new(m, "Reshape", "rs", "x,t", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_ESHAPE, "node 'rs' (Reshape, opset 13)");
}

/* The fuzzer's findings (tests/fuzz/fuzz_onnx.c, docs/reliability.md), each rebuilt as the
 * smallest model that showed it. Under the sanitizer build each one failed before its fix. */
static void test_fuzz_findings(void **state)
{
    (void)state;
    float w[4] = {1, 2, 3, 4};
    ob_model *m;

    /* 1. an op type with a newline: the message must stay one line (expect_fail checks) */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_node_new(m, "Lea\nkyRelu", "r", "x", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "node 'r' (Lea?kyRelu, opset 13)");

    /* 2. a kernel failing while a node is folded at load: the message names the file */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_init(m, "t", 1, (int64_t[]){4}, w);
    ob_init_i64(m, "i", 1, (int64_t[]){1}, (int64_t[]){(int64_t)1 << 50});
    ob_node_new(m, "Gather", "g", "t,i", "c");
    ob_node_new(m, "Mul", "mul", "x,c", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EMODEL, "node 'g' (Gather): index 1125899906842624 is out of range");

    /* 3. an empty list attribute (memcpy from NULL before the fix: UBSan) */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 4, (int64_t[]){-1, 1, 4, 4});
    ob_attr_ints(ob_node_new(m, "MaxPool", "mp", "x", "y"), "kernel_shape", 0, NULL);
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "kernel_shape must be two positive sizes");

    /* 4. a one-input node after a dense layer was read as a two-input Add (heap read past
     * its inputs, ASan): a Sigmoid there is the stage's activation */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_init(m, "w", 2, (int64_t[]){2, 2}, w);
    ob_node_new(m, "Gemm", "fc", "x,w", "h");
    ob_node_new(m, "Sigmoid", "s", "h", "y");
    ob_output(m, "y");
    shapc_model *model = ob_load_ok(m);
    ob_free(m);
    const shapc__first_stage *fs = shapc__model_first_stage(model);
    assert_non_null(fs);
    assert_non_null(fs->activate); /* the Sigmoid */
    shapc_model_free(model);

    /* 5. a reshape target whose size overflows 64 bits (signed overflow before, UBSan) */
    m = ob_new(13);
    ob_input(m, "x", OB_FLOAT, 2, (int64_t[]){-1, 2});
    ob_init_i64(m, "t", 1, (int64_t[]){3},
                (int64_t[]){0, ((int64_t)1 << 32) + 1, 2936012800});
    ob_node_new(m, "Reshape", "rs", "x,t", "y");
    ob_output(m, "y");
    ob_expect_fail(m, SHAPC_EUNSUPPORTED, "node 'rs' (Reshape, opset 13): target size is not "
                                       "linear");
}

/* Every allocation of a load and a prediction may fail: each failure is reported and leaks
 * nothing (LeakSanitizer in the sanitizer build). */
static void test_out_of_memory(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, n_fail = 0;
    float x[2 * 6] = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6}, out[2 * 3];
    ob_model *m = ob_tiny_mlp();
    ob_pack(m, &bytes, &len);
    ob_free(m);
    for (size_t n = 1; n < 100000; n++) {
        shapc_model *model = NULL;
        shapc_error err = {0};
        shapc__alloc_fail_after(n);
        shapc_status st = shapc__onnx_model_load_mem(bytes, len, "oom.onnx", &model, &err);
        shapc__alloc_fail_after(0);
        if (st == SHAPC_OK) {
            for (size_t k = 1; k < 200; k++) {
                shapc__alloc_fail_after(k);
                st = shapc_model_predict(model, x, 2, out, &err);
                shapc__alloc_fail_after(0);
                if (st == SHAPC_OK)
                    break;
                if (st != SHAPC_ENOMEM)
                    fail_msg("predict with allocation %zu failing: %s", k, err.message);
            }
            assert_int_equal(st, SHAPC_OK);
            shapc_model_free(model);
            break;
        }
        n_fail++;
        assert_null(model);
        if (strncmp(err.message, "oom.onnx: ", 10) != 0)
            fail_msg("allocation %zu failing: '%s' does not name the file", n, err.message);
    }
    assert_true(n_fail > 20); /* the loader allocates: the loop did inject failures */
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_and_corrupted),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_graph_errors),
        cmocka_unit_test(test_absurd_dims),
        cmocka_unit_test(test_fuzz_findings),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
