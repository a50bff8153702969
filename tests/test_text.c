/* test_text.c - tokenizer, text models, their model.bin round trip and token-level SHAP.
 *
 * Known answers: with SUM pooling and an identity dense layer of one output the model is
 * additive in tokens, so under removal masking phi of a token is exactly its embedding value
 * (and under mask-token masking its value minus the mask token's). With MEAN pooling and a
 * softmax the model is not additive; there the kernel's exact result is compared with a
 * brute-force Shapley enumeration over all coalitions of a short document. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "shapc/kernel.h"
#include "shapc/text.h"

/* ---- tokenizer ---- */

static void expect_tokens(const char *text, const char *const *want, size_t n_want)
{
    shapc_token *tok = NULL;
    size_t n = 0;
    shapc_error err = {0};
    assert_int_equal(shapc_tokenize(text, strlen(text), &tok, &n, &err), SHAPC_OK);
    if (n != n_want) {
        for (size_t i = 0; i < n; i++)
            print_message("token %zu: '%s'\n", i, tok[i].text);
    }
    assert_int_equal(n, n_want);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(tok[i].text, want[i]);
    shapc_tokens_free(tok, n);
}

static void test_tokenize_words_and_punctuation(void **state)
{
    (void)state;
    static const char *const w1[] = {"hello", ",", "world", "!", "!"};
    expect_tokens("Hello, WORLD!!", w1, 5);
    static const char *const w2[] = {"don't", "stop", "-", "x2", "'", "quoted", "'"};
    expect_tokens("  Don't\tSTOP - x2 'quoted'  ", w2, 7);
    static const char *const w3[] = {"école", "ça", "naïve", "ÿ"};
    expect_tokens("ÉCOLE Ça NAÏVE \xC5\xB8", w3, 4); /* U+0178 -> U+00FF */
    expect_tokens("", NULL, 0);
    expect_tokens(" \r\n\t ", NULL, 0);
}

static void test_tokenize_cjk(void **state)
{
    (void)state;
    static const char *const w1[] = {"我", "爱", "猫", "。"};
    expect_tokens("我爱猫。", w1, 4);
    static const char *const w2[] = {"ひ", "ら", "カ", "ナ", "good", "!", "日", "本"};
    expect_tokens("ひらカナGood!日本", w2, 8);
}

static void test_tokenize_offsets_and_spaces(void **state)
{
    (void)state;
    const char *text = "Ab, cd";
    shapc_token *tok = NULL;
    size_t n = 0;
    assert_int_equal(shapc_tokenize(text, strlen(text), &tok, &n, NULL), SHAPC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(tok[0].offset, 0);
    assert_int_equal(tok[0].length, 2);
    assert_int_equal(tok[1].offset, 2);
    assert_int_equal(tok[1].space_before, 0);
    assert_int_equal(tok[2].offset, 4);
    assert_int_equal(tok[2].space_before, 1);
    shapc_tokens_free(tok, n);
}

static void expect_invalid(const char *text, size_t len, const char *msg_part)
{
    shapc_token *tok = (shapc_token *)1;
    size_t n = 7;
    shapc_error err = {0};
    assert_int_equal(shapc_tokenize(text, len, &tok, &n, &err), SHAPC_EFORMAT);
    assert_null(tok);
    assert_int_equal(n, 0);
    if (!strstr(err.message, msg_part))
        fail_msg("message '%s' lacks '%s'", err.message, msg_part);
}

/* The text plot's strings: original case and accents from the offsets, one leading space
 * where whitespace stood, none on the first token; a token outside the text is refused. */
static void test_tokens_display_original_case(void **state)
{
    static const char text[] = "  The Movie was WONDERFUL,don't \xc3\x89T\xc3\x89!";
    static const char *const want[] = {"The", " Movie", " was", " WONDERFUL", ",", "don't",
                                       " \xc3\x89T\xc3\x89", "!"};
    shapc_token *tok = NULL;
    char **shown = NULL;
    size_t n = 0, i;
    shapc_error err = {0};
    (void)state;
    assert_int_equal(shapc_tokenize(text, sizeof text - 1, &tok, &n, &err), SHAPC_OK);
    assert_int_equal(n, 8);
    assert_string_equal(tok[3].text, "wonderful"); /* the lookup text stays lower-cased */
    assert_int_equal(shapc_tokens_display(text, sizeof text - 1, tok, n, &shown, &err),
                     SHAPC_OK);
    for (i = 0; i < n; i++)
        assert_string_equal(shown[i], want[i]);
    shapc_tokens_display_free(shown, n);
    tok[2].length = sizeof text; /* past the end */
    assert_int_equal(shapc_tokens_display(text, sizeof text - 1, tok, n, &shown, &err),
                     SHAPC_EINVAL);
    assert_null(shown);
    assert_non_null(strstr(err.message, "token 2"));
    assert_int_equal(shapc_tokens_display(text, 0, NULL, 0, &shown, &err), SHAPC_OK);
    assert_null(shown);
    shapc_tokens_free(tok, n);
}

static void test_tokenize_invalid_utf8(void **state)
{
    (void)state;
    expect_invalid("ab\xff", 3, "invalid UTF-8 at byte 2");
    expect_invalid("a\xC0\xAF", 3, "overlong");
    expect_invalid("xy\xE6\x88", 4, "truncated");
    expect_invalid("\xED\xA0\x80", 3, "surrogate");
    expect_invalid("ok \x80", 4, "byte 3");
}

/* ---- text models ---- */

/* A 5-word vocabulary with scalar embeddings; dense 1 -> 1 identity (W = 1, b = 0.5). */
static const char *const VOCAB[] = {"<unk>", "<mask>", "good", "bad", "film"};
static const float EMB1[] = {0.0f, -0.25f, 2.0f, -3.0f, 0.5f};
static const float W1[] = {1.0f};
static const float B1[] = {0.5f};

static shapc_text_spec linear_spec(shapc_layer_spec *layer, shapc_text_pooling pooling)
{
    shapc_text_spec s = shapc_text_spec_default();
    layer->kind = SHAPC_LAYER_DENSE;
    layer->n_in = 1;
    layer->n_out = 1;
    layer->weights = W1;
    layer->bias = B1;
    layer->activation = SHAPC_ACT_IDENTITY;
    s.dense.input_rank = 1;
    s.dense.input_shape[0] = 1;
    s.dense.n_layers = 1;
    s.dense.layers = layer;
    s.vocab_size = 5;
    s.vocab = VOCAB;
    s.unk_id = 0;
    s.mask_id = 1;
    s.embed_dim = 1;
    s.embedding = EMB1;
    s.pooling = pooling;
    s.max_tokens = 8;
    return s;
}

/* Explains a document of ids with the kernel (exact for short documents). */
static void explain_doc(const shapc_model *m, const size_t *ids, size_t n, shapc_text_mask mask,
                        double *phi, double *base, double *fx)
{
    shapc_model *dm = NULL;
    shapc_kernel *kern = NULL;
    shapc_kernel_info info;
    shapc_error err = {0};
    float ones[16], zeros[16] = {0};
    size_t k = shapc_model_n_outputs(m);
    for (size_t i = 0; i < n; i++)
        ones[i] = 1.0f;
    assert_int_equal(shapc_text_document_model(m, ids, n, mask, &dm, &err), SHAPC_OK);
    assert_int_equal(shapc_model_n_inputs(dm), n);
    assert_int_equal(shapc_kernel_create(dm, zeros, 1, NULL, NULL, &kern, &err), SHAPC_OK);
    assert_int_equal(shapc_kernel_explain(kern, ones, phi, NULL, fx, &info, &err), SHAPC_OK);
    assert_true(info.exact);
    for (size_t c = 0; c < k; c++)
        base[c] = shapc_kernel_base_values(kern)[c];
    shapc_kernel_free(kern);
    shapc_model_free(dm);
}

static void test_sum_pooling_linear_known_answer(void **state)
{
    (void)state;
    shapc_layer_spec layer;
    shapc_text_spec s = linear_spec(&layer, SHAPC_TEXT_POOL_SUM);
    shapc_model *m = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_text_model_from_spec(&s, &m, &err), SHAPC_OK);
    const shapc_text_model *tm = shapc_model_text(m);
    assert_non_null(tm);
    /* "good film , bad good" : the comma is unknown */
    size_t ids[5] = {shapc_text_token_id(tm, "good"), shapc_text_token_id(tm, "film"),
                     shapc_text_token_id(tm, ","), shapc_text_token_id(tm, "bad"),
                     shapc_text_token_id(tm, "good")};
    assert_int_equal(ids[2], 0);
    assert_int_equal(ids[4], 2);
    double phi[5], base, fx;
    explain_doc(m, ids, 5, SHAPC_TEXT_MASK_REMOVE, phi, &base, &fx);
    for (size_t t = 0; t < 5; t++)
        assert_near(phi[t], EMB1[ids[t]], 1e-5);
    assert_near(base, 0.5, 1e-6);
    assert_near(fx, 0.5 + 2.0 + 0.5 + 0.0 - 3.0 + 2.0, 1e-5);
    /* Mask-token masking: each token's contribution is measured against <mask>. */
    explain_doc(m, ids, 5, SHAPC_TEXT_MASK_TOKEN, phi, &base, &fx);
    for (size_t t = 0; t < 5; t++)
        assert_near(phi[t], EMB1[ids[t]] - EMB1[1], 1e-5);
    assert_near(base, 0.5 + 5 * -0.25, 1e-5);
    shapc_model_free(m);
}

/* Brute force: phi_i = sum_S |S|!(n-|S|-1)!/n! (v(S+i) - v(S)) with v from the text model. */
static void brute_force(const shapc_text_model *tm, const size_t *ids, size_t n, size_t out_c,
                        double *phi)
{
    size_t k = shapc_text_n_outputs(tm);
    double fact[17];
    fact[0] = 1.0;
    for (size_t i = 1; i <= 16; i++)
        fact[i] = fact[i - 1] * (double)i;
    for (size_t i = 0; i < n; i++)
        phi[i] = 0.0;
    for (size_t S = 0; S < ((size_t)1 << n); S++) {
        size_t kept[16], c = 0, size = 0;
        float out[8];
        for (size_t t = 0; t < n; t++)
            if (S >> t & 1) {
                kept[c++] = ids[t];
                size++;
            }
        assert_int_equal(shapc_text_predict_ids(tm, kept, c, out, NULL), SHAPC_OK);
        for (size_t i = 0; i < n; i++) {
            double w = fact[S >> i & 1 ? size - 1 : size] *
                       fact[n - (S >> i & 1 ? size - 1 : size) - 1] / fact[n];
            phi[i] += (S >> i & 1 ? w : -w) * (double)out[out_c];
        }
        (void)k;
    }
}

static const char *const VOCAB2[] = {"<unk>", "a", "b", "c", "d"};
static const float EMB2[] = {0, 0, 1, 0, 0, 1, -1, 0.5f, 0.3f, -2};
static const float W2[] = {1.5f, -0.5f, -1.0f, 2.0f};
static const float B2[] = {0.1f, -0.1f};

static shapc_model *mean_softmax_model(shapc_layer_spec *layer, shapc_text_spec *s)
{
    shapc_model *m = NULL;
    *s = shapc_text_spec_default();
    layer->kind = SHAPC_LAYER_DENSE;
    layer->n_in = 2;
    layer->n_out = 2;
    layer->weights = W2;
    layer->bias = B2;
    layer->activation = SHAPC_ACT_SOFTMAX;
    s->dense.input_rank = 1;
    s->dense.input_shape[0] = 2;
    s->dense.n_layers = 1;
    s->dense.layers = layer;
    s->vocab_size = 5;
    s->vocab = VOCAB2;
    s->unk_id = 0;
    s->embed_dim = 2;
    s->embedding = EMB2;
    s->max_tokens = 6;
    assert_int_equal(shapc_text_model_from_spec(s, &m, NULL), SHAPC_OK);
    return m;
}

static void test_mean_pooling_matches_brute_force(void **state)
{
    (void)state;
    shapc_layer_spec layer;
    shapc_text_spec s;
    shapc_model *m = mean_softmax_model(&layer, &s);
    const shapc_text_model *tm = shapc_model_text(m);
    size_t ids[6] = {1, 2, 3, 4, 2, 0};
    double phi[12], base[2], fx[2], want[6];
    explain_doc(m, ids, 6, SHAPC_TEXT_MASK_REMOVE, phi, base, fx);
    for (size_t c = 0; c < 2; c++) {
        double sum = 0.0;
        brute_force(tm, ids, 6, c, want);
        for (size_t t = 0; t < 6; t++) {
            assert_near(phi[t * 2 + c], want[t], 1e-5);
            sum += phi[t * 2 + c];
        }
        assert_near(sum, fx[c] - base[c], 1e-5);
    }
    /* Not additive: the mean-pooled answer differs from any per-token constant; the two
     * occurrences of "b" get equal values (symmetry) */
    assert_near(phi[1 * 2], phi[4 * 2], 1e-6);
    /* Mask-token masking needs a mask token. */
    shapc_model *dm = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_text_document_model(m, ids, 6, SHAPC_TEXT_MASK_TOKEN, &dm, &err),
                     SHAPC_EINVAL);
    assert_null(dm);
    size_t bad_id = 5;
    assert_int_equal(shapc_text_document_model(m, &bad_id, 1, SHAPC_TEXT_MASK_REMOVE, &dm, &err),
                     SHAPC_EINVAL);
    shapc_model_free(m);
}

static void test_model_bin_round_trip(void **state)
{
    (void)state;
    char path[512];
    shapc_layer_spec layer;
    shapc_text_spec s;
    shapc_model *m = mean_softmax_model(&layer, &s), *back = NULL;
    shapc_error err = {0};
    tu_tmp_path(path, sizeof path, "text_model.bin");
    assert_int_equal(shapc_text_model_save(path, &s, &err), SHAPC_OK);
    if (shapc_model_load(path, &back, &err) != SHAPC_OK)
        fail_msg("load: %s", err.message);
    const shapc_text_model *tm = shapc_model_text(back);
    assert_non_null(tm);
    assert_int_equal(shapc_text_vocab_size(tm), 5);
    assert_int_equal(shapc_text_embed_dim(tm), 2);
    assert_int_equal(shapc_text_mask_id(tm), SHAPC_TEXT_NO_ID);
    assert_int_equal(shapc_model_n_inputs(back), 6);
    assert_int_equal(shapc_model_n_outputs(back), 2);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(shapc_text_vocab_word(tm, i), VOCAB2[i]);
    assert_int_equal(shapc_text_token_id(tm, "c"), 3);
    assert_int_equal(shapc_text_token_id(tm, "zebra"), 0);
    assert_non_null(strstr(shapc_model_describe(back), "text:"));
    /* Same predictions as the in-memory model, through both views. */
    size_t ids[3] = {1, 4, 4};
    float a[2], b[2], c[2];
    float row[6] = {1, -1, 4, 4, -1, -1};
    assert_int_equal(shapc_text_predict_ids(shapc_model_text(m), ids, 3, a, NULL), SHAPC_OK);
    assert_int_equal(shapc_text_predict_ids(tm, ids, 3, b, NULL), SHAPC_OK);
    assert_int_equal(shapc_model_predict(back, row, 1, c, NULL), SHAPC_OK);
    for (size_t i = 0; i < 2; i++) {
        assert_near(a[i], b[i], 1e-7);
        assert_near(a[i], c[i], 1e-6);
    }
    /* A non-integer id in the ids view is a model error, not a silent truncation. */
    row[0] = 1.5f;
    assert_int_equal(shapc_model_predict(back, row, 1, c, &err), SHAPC_EMODEL);
    shapc_model_free(back);

    /* Truncating the file is caught (checksum / bounds); a plain dense model is not text. */
    size_t len = 0;
    unsigned char *bytes = tu_read_file(path, &len);
    tu_write_file(path, bytes, len - 9);
    assert_int_not_equal(shapc_model_load(path, &back, &err), SHAPC_OK);
    assert_null(back);
    free(bytes);
    assert_int_equal(shapc_model_save(path, &s.dense, &err), SHAPC_OK);
    assert_int_equal(shapc_model_load(path, &back, &err), SHAPC_OK);
    assert_null(shapc_model_text(back));
    shapc_model_free(back);
    shapc_model_free(m);
}

static void test_spec_validation(void **state)
{
    (void)state;
    shapc_layer_spec layer;
    shapc_text_spec s = linear_spec(&layer, SHAPC_TEXT_POOL_MEAN);
    shapc_model *m = NULL;
    shapc_error err = {0};
    static const char *const dup[] = {"<unk>", "<mask>", "good", "bad", "good"};
    s.vocab = dup;
    assert_int_equal(shapc_text_model_from_spec(&s, &m, &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "repeats"));
    s.vocab = VOCAB;
    s.unk_id = 5;
    assert_int_equal(shapc_text_model_from_spec(&s, &m, &err), SHAPC_EINVAL);
    s.unk_id = 0;
    s.embed_dim = 2; /* the dense layer takes 1 input */
    static const float emb10[10] = {0};
    s.embedding = emb10;
    assert_int_equal(shapc_text_model_from_spec(&s, &m, &err), SHAPC_EFORMAT);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenize_words_and_punctuation),
        cmocka_unit_test(test_tokenize_cjk),
        cmocka_unit_test(test_tokenize_offsets_and_spaces),
        cmocka_unit_test(test_tokens_display_original_case),
        cmocka_unit_test(test_tokenize_invalid_utf8),
        cmocka_unit_test(test_sum_pooling_linear_known_answer),
        cmocka_unit_test(test_mean_pooling_matches_brute_force),
        cmocka_unit_test(test_model_bin_round_trip),
        cmocka_unit_test(test_spec_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
