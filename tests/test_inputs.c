/* test_inputs.c - the CSV and PNG readers against good and malformed files, PNG round trips
 * through libpng, and the library's patch map (shapc_image_patches, which --groups uses)
 * exact on a linear model over pixels. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <png.h>

#include <shapc/data.h>
#include <shapc/image.h>
#include <shapc/kernel.h>
#include <shapc/model.h>

/* ============================================================================================
 * CSV
 * ========================================================================================== */

static shapc_status csv_from_text(const char *name, const char *text, shapc_array **arr,
                                  char ***names, size_t *cols, shapc_error *err)
{
    char path[512];
    tu_tmp_path(path, sizeof path, name);
    tu_write_file(path, text, strlen(text));
    *arr = NULL;
    *names = NULL;
    return shapc_csv_read(path, arr, names, cols, err);
}

static void test_csv_quoted_names_and_values(void **state)
{
    (void)state;
    shapc_array *a;
    char **names;
    size_t cols;
    shapc_error err = {0};
    const char *text = "\xEF\xBB\xBF" "age,\"income, k\",\"say \"\"hi\"\"\",\"multi\nline\"\r\n"
                       "1,2.5,-3e2,\"4\"\r\n"
                       " 5 , 6,7,8\n\n\n";
    assert_int_equal(csv_from_text("q.csv", text, &a, &names, &cols, &err), SHAPC_OK);
    assert_int_equal(cols, 4);
    assert_string_equal(names[0], "age");
    assert_string_equal(names[1], "income, k");
    assert_string_equal(names[2], "say \"hi\"");
    assert_string_equal(names[3], "multi\nline");
    assert_int_equal(shapc_array_dim(a, 0), 2);
    assert_int_equal(shapc_array_dim(a, 1), 4);
    const float *v = shapc_array_cdata(a);
    assert_near(v[1], 2.5, 0);
    assert_near(v[2], -300.0, 0);
    assert_near(v[3], 4.0, 0);
    assert_near(v[4], 5.0, 0);
    assert_near(v[7], 8.0, 0);
    shapc_array_free(a);
    shapc_csv_names_free(names, cols);
}

/* Each malformed table fails with the given status and a message holding `want`. */
static void expect_csv_error(const char *text, shapc_status status, const char *want)
{
    shapc_array *a;
    char **names;
    size_t cols = 0;
    shapc_error err = {0};
    assert_int_equal(csv_from_text("bad.csv", text, &a, &names, &cols, &err), status);
    assert_null(a);
    assert_null(names);
    if (!strstr(err.message, want))
        fail_msg("message '%s' lacks '%s'", err.message, want);
}

static void test_csv_malformed(void **state)
{
    (void)state;
    expect_csv_error("", SHAPC_EFORMAT, "bad.csv: empty file");
    expect_csv_error("\n\n", SHAPC_EFORMAT, "empty file");
    expect_csv_error("a,b\n", SHAPC_EFORMAT, "no data rows");
    expect_csv_error("a,b,age\n1,2,3\n4,5,6\n1,2,3\n1,2,3\n1,2,3\n7,8,\n", SHAPC_EFORMAT,
                     "bad.csv: line 7, column 'age': missing value");
    expect_csv_error("a,b\n1,NA\n", SHAPC_EFORMAT, "line 2, column 'b': missing value ('NA')");
    expect_csv_error("a,b\n1,\"\"\n", SHAPC_EFORMAT, "column 'b': missing value");
    expect_csv_error("a,b,c,d\n1,2,3\n", SHAPC_EFORMAT, "line 2: 3 fields, the header has 4");
    expect_csv_error("a,b\n1,2,3\n", SHAPC_EFORMAT, "line 2: 3 fields, the header has 2");
    expect_csv_error("a,b\n1,2\n\n3,4\n", SHAPC_EFORMAT, "line 3: empty line");
    expect_csv_error("a,b\n1,nan\n", SHAPC_ENONFINITE, "'nan' is not a finite number");
    expect_csv_error("a,b\n1,-inf\n", SHAPC_ENONFINITE, "not a finite number");
    expect_csv_error("a,b\n1,1e60\n", SHAPC_ERANGE, "float32 range");
    expect_csv_error("a,b\n1,red\n", SHAPC_EFORMAT, "'red' is not a number");
    expect_csv_error("a,b\n1,\"2\n", SHAPC_EFORMAT, "line 2: unterminated quoted field");
    expect_csv_error("a,b\n1,\"2\"x\n", SHAPC_EFORMAT, "after the closing quote");
    expect_csv_error("a,b\n1,2\"\n", SHAPC_EFORMAT, "quote inside an unquoted field");
    expect_csv_error("a,a\n1,2\n", SHAPC_EFORMAT, "duplicate column name 'a'");
    expect_csv_error("a,,c\n1,2,3\n", SHAPC_EFORMAT, "column 2 has an empty name");

    shapc_array *a = NULL;
    char **names = NULL;
    size_t cols;
    shapc_error err = {0};
    char path[512];
    assert_int_equal(shapc_csv_read(tu_tmp_path(path, sizeof path, "missing.csv"), &a, &names,
                                    &cols, &err), SHAPC_EIO);
}

/* ============================================================================================
 * PNG
 * ========================================================================================== */

static void roundtrip(size_t h, size_t w, size_t c, int depth)
{
    size_t shape[3] = {h, w, c};
    shapc_array *img = NULL, *back = NULL;
    shapc_error err = {0};
    char path[512];
    assert_int_equal(shapc_array_create(SHAPC_F32, 3, shape, &img, &err), SHAPC_OK);
    float *v = shapc_array_data(img);
    unsigned top = depth == 16 ? 65535u : 255u;
    for (size_t i = 0; i < h * w * c; i++)
        v[i] = (float)((i * 7919u + 13u) % (top + 1u));
    tu_tmp_path(path, sizeof path, "rt.png");
    if (shapc_png_write(path, img, depth, &err) != SHAPC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(shapc_png_read(path, &back, &err), SHAPC_OK);
    assert_int_equal(shapc_array_rank(back), 3);
    size_t want_c = (c == 2 || c == 4) ? c - 1 : c; /* alpha is dropped */
    assert_int_equal(shapc_array_dim(back, 0), h);
    assert_int_equal(shapc_array_dim(back, 1), w);
    assert_int_equal(shapc_array_dim(back, 2), want_c);
    const float *b = shapc_array_cdata(back);
    for (size_t p = 0; p < h * w; p++)
        for (size_t k = 0; k < want_c; k++)
            assert_near(b[p * want_c + k], v[p * c + k], 0);
    shapc_array_free(img);
    shapc_array_free(back);
}

static void test_png_roundtrip(void **state)
{
    (void)state;
    roundtrip(5, 7, 1, 8);
    roundtrip(5, 7, 1, 16);
    roundtrip(3, 4, 3, 8);
    roundtrip(3, 4, 3, 16);
    roundtrip(2, 3, 2, 8);  /* grey + alpha */
    roundtrip(2, 3, 4, 16); /* RGBA */
}

/* A palette PNG written by libpng directly expands to its RGB entries. */
static void test_png_palette(void **state)
{
    (void)state;
    char path[512];
    tu_tmp_path(path, sizeof path, "pal.png");
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    png_init_io(png, fp);
    png_set_IHDR(png, info, 2, 1, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color pal[2] = {{10, 20, 30}, {200, 100, 50}};
    png_set_PLTE(png, info, pal, 2);
    png_write_info(png, info);
    png_byte row[2] = {1, 0};
    png_write_row(png, row);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(fp);

    shapc_array *img = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_png_read(path, &img, &err), SHAPC_OK);
    assert_int_equal(shapc_array_dim(img, 2), 3);
    const float *v = shapc_array_cdata(img);
    const float want[6] = {200, 100, 50, 10, 20, 30};
    for (int i = 0; i < 6; i++)
        assert_near(v[i], want[i], 0);
    shapc_array_free(img);
}

static void test_png_malformed(void **state)
{
    (void)state;
    char path[512], good[512];
    shapc_array *img = NULL;
    shapc_error err = {0};

    tu_tmp_path(path, sizeof path, "notpng.png");
    tu_write_file(path, "hello, world: not an image", 26);
    assert_int_equal(shapc_png_read(path, &img, &err), SHAPC_EFORMAT);
    assert_non_null(strstr(err.message, "not a PNG"));
    assert_null(img);

    tu_write_file(path, "", 0);
    assert_int_equal(shapc_png_read(path, &img, &err), SHAPC_EFORMAT);

    /* A valid file cut at several points is always an error, never a crash or an image. */
    size_t shape[3] = {16, 16, 3};
    shapc_array *src = NULL;
    assert_int_equal(shapc_array_create(SHAPC_F32, 3, shape, &src, &err), SHAPC_OK);
    float *v = shapc_array_data(src);
    for (size_t i = 0; i < 16 * 16 * 3; i++)
        v[i] = (float)(i * 37 % 256);
    tu_tmp_path(good, sizeof good, "good.png");
    assert_int_equal(shapc_png_write(good, src, 8, &err), SHAPC_OK);
    shapc_array_free(src);
    size_t len;
    unsigned char *bytes = tu_read_file(good, &len);
    const size_t cuts[] = {4, 8, 20, 33, 40, len / 2, len - 13, len - 1};
    for (size_t t = 0; t < sizeof cuts / sizeof cuts[0]; t++) {
        tu_write_file(path, bytes, cuts[t]);
        err.message[0] = '\0';
        shapc_status st = shapc_png_read(path, &img, &err);
        if (st == SHAPC_OK)
            fail_msg("PNG cut at %zu of %zu bytes was accepted", cuts[t], len);
        assert_null(img);
        assert_non_null(strstr(err.message, path));
    }
    /* A flipped byte in the image data fails its CRC. */
    memcpy(path, good, sizeof path);
    bytes[len / 2] ^= 0x55;
    tu_tmp_path(path, sizeof path, "flipped.png");
    tu_write_file(path, bytes, len);
    assert_int_not_equal(shapc_png_read(path, &img, &err), SHAPC_OK);
    free(bytes);

    tu_tmp_path(path, sizeof path, "absent.png");
    assert_int_equal(shapc_png_read(path, &img, &err), SHAPC_EIO);

    /* The writer refuses shapes a PNG cannot hold. */
    size_t bad[3] = {2, 2, 5};
    assert_int_equal(shapc_array_create(SHAPC_F32, 3, bad, &src, &err), SHAPC_OK);
    assert_int_equal(shapc_png_write(path, src, 8, &err), SHAPC_EINVAL);
    shapc_array_free(src);
}

/* ============================================================================================
 * Patch grouping on a linear model over pixels
 * ========================================================================================== */

/* For f(x) = w.x + b the interventional Shapley value of a player S is sum_{i in S}
 * w_i (x_i - mean_i) over the background, so a 2x2 patch's phi is the sum of its pixels'. */
static void test_patch_grouping_linear_exact(void **state)
{
    (void)state;
    enum { H = 4, W = 6, C = 2, D = H * W * C, NBG = 3 };
    float w[D], b[1] = {0.5f}, bg[NBG * D], x[D];
    for (int i = 0; i < D; i++) {
        w[i] = (float)((i * 5) % 11 - 5) / 4.0f;
        x[i] = (float)((i * 3) % 13);
        for (int r = 0; r < NBG; r++)
            bg[r * D + i] = (float)((i + 7 * r) % 9);
    }
    shapc_layer_spec layer = {SHAPC_LAYER_DENSE, D, 1, w, b, SHAPC_ACT_IDENTITY};
    shapc_model_spec spec = shapc_model_spec_default();
    spec.input_rank = 3;
    spec.input_shape[0] = H;
    spec.input_shape[1] = W;
    spec.input_shape[2] = C;
    spec.n_layers = 1;
    spec.layers = &layer;
    shapc_model *model = NULL;
    shapc_error err = {0};
    assert_int_equal(shapc_model_from_spec(&spec, &model, &err), SHAPC_OK);

    /* 2x2 patches from the library's map, the one `--groups 2x2` uses: (H/2) x (W/2) = 6
     * players, so every coalition is enumerated. */
    size_t group_of[D], n_patches = 0;
    assert_int_equal(shapc_image_patches(H, W, C, 2, 2, group_of, &n_patches, &err), SHAPC_OK);
    assert_int_equal(n_patches, 6);
    shapc_kernel *kernel = NULL;
    assert_int_equal(shapc_kernel_create(model, bg, NBG, NULL, NULL, &kernel, &err), SHAPC_OK);
    assert_int_equal(shapc_kernel_set_groups(kernel, group_of, 6, &err), SHAPC_OK);
    double phi[6], want[6] = {0};
    shapc_kernel_info info;
    assert_int_equal(shapc_kernel_explain(kernel, x, phi, NULL, NULL, &info, &err), SHAPC_OK);
    for (int i = 0; i < D; i++) {
        double mean = 0.0;
        for (int r = 0; r < NBG; r++)
            mean += (double)bg[r * D + i] / NBG;
        want[group_of[i]] += (double)w[i] * ((double)x[i] - mean);
    }
    for (int g = 0; g < 6; g++)
        assert_near(phi[g], want[g], 1e-3);
    assert_true(info.exact);
    shapc_kernel_free(kernel);
    shapc_model_free(model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoted_names_and_values),
        cmocka_unit_test(test_csv_malformed),
        cmocka_unit_test(test_png_roundtrip),
        cmocka_unit_test(test_png_palette),
        cmocka_unit_test(test_png_malformed),
        cmocka_unit_test(test_patch_grouping_linear_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
