/* test_image.c - the image helpers of include/shapc/image.h: pixel patches follow the formula
 * docs/cli.md documents (edge patches included), SLIC superpixels follow edges, are connected,
 * contiguous and deterministic, the blur baseline is a normalised Gaussian with replicated
 * edges; bad arguments are errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "shapc/image.h"

enum { H = 32, W = 32 };

/* Four flat quadrants of distinct colours plus mild texture. */
static void quadrants(float *img, size_t c)
{
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++)
            for (size_t ch = 0; ch < c; ch++) {
                const int q = (y >= H / 2) * 2 + (x >= W / 2);
                img[(y * W + x) * c + ch] =
                    (float)(q * 60 + (int)ch * 7 + (int)((x * 7 + y * 3) % 5));
            }
}

/* Every label is one 4-connected region, labels are exactly 0..n-1. */
static void check_connected(const int32_t *lab, size_t n_labels)
{
    int *seen = calloc(n_labels, sizeof *seen);
    unsigned char *vis = calloc(H * W, 1);
    size_t *stack = malloc(H * W * sizeof *stack);
    for (size_t p = 0; p < H * W; p++) {
        assert_true(lab[p] >= 0 && (size_t)lab[p] < n_labels);
        if (vis[p])
            continue;
        assert_int_equal(seen[lab[p]], 0); /* a second piece of the same label: disconnected */
        seen[lab[p]] = 1;
        size_t top = 0;
        stack[top++] = p;
        vis[p] = 1;
        while (top) {
            size_t q = stack[--top], y = q / W, x = q % W;
            size_t nb[4] = {x ? q - 1 : q, x + 1 < W ? q + 1 : q, y ? q - W : q,
                            y + 1 < H ? q + W : q};
            for (int k = 0; k < 4; k++)
                if (!vis[nb[k]] && lab[nb[k]] == lab[p]) {
                    vis[nb[k]] = 1;
                    stack[top++] = nb[k];
                }
        }
    }
    for (size_t l = 0; l < n_labels; l++)
        assert_int_equal(seen[l], 1);
    free(seen);
    free(vis);
    free(stack);
}

static void test_regions_follow_edges(void **state)
{
    (void)state;
    for (size_t c = 1; c <= 3; c += 2) {
        float img[H * W * 3];
        int32_t lab[H * W], again[H * W];
        size_t n = 0, n2 = 0;
        quadrants(img, c);
        assert_int_equal(shapc_image_slic(img, H, W, c, 16, 10.0, lab, &n, NULL), SHAPC_OK);
        assert_true(n >= 8 && n <= 32);
        check_connected(lab, n);
        /* No region straddles a quadrant edge: colour dominates at this compactness. */
        int *quad = malloc(n * sizeof *quad);
        for (size_t l = 0; l < n; l++)
            quad[l] = -1;
        for (size_t p = 0; p < H * W; p++) {
            const int q = ((p / W) >= H / 2) * 2 + ((p % W) >= W / 2);
            if (quad[lab[p]] < 0)
                quad[lab[p]] = q;
            assert_int_equal(quad[lab[p]], q);
        }
        free(quad);
        assert_int_equal(shapc_image_slic(img, H, W, c, 16, 10.0, again, &n2, NULL), SHAPC_OK);
        assert_int_equal(n, n2);
        assert_memory_equal(lab, again, sizeof lab);
    }
}

static void test_one_segment_and_errors(void **state)
{
    (void)state;
    float img[H * W];
    int32_t lab[H * W];
    size_t n = 0;
    quadrants(img, 1);
    assert_int_equal(shapc_image_slic(img, H, W, 1, 1, 10.0, lab, &n, NULL), SHAPC_OK);
    check_connected(lab, n);
    shapc_error err = {0};
    assert_int_equal(shapc_image_slic(img, H, W, 1, 0, 10.0, lab, &n, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_image_slic(img, H, W, 1, H * W + 1, 10.0, lab, &n, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_image_slic(img, 0, W, 1, 4, 10.0, lab, &n, &err), SHAPC_EINVAL);
    img[5] = NAN;
    assert_int_equal(shapc_image_slic(img, H, W, 1, 4, 10.0, lab, &n, &err), SHAPC_ENONFINITE);
}

/* ---- pixel patches ---- */

/* The map against the formula of docs/cli.md, written out independently: pixel (r, c) of
 * every channel -> patch (r / ph) * ceil(W / pw) + c / pw; edge patches are smaller. */
static void test_patches_formula(void **state)
{
    (void)state;
    enum { PH = 5, PW = 7, PC = 3 };
    size_t group_of[PH * PW * PC], n = 0;
    shapc_error err = {0};
    assert_int_equal(shapc_image_patches(PH, PW, PC, 2, 3, group_of, &n, &err), SHAPC_OK);
    assert_int_equal(n, 3 * 3); /* ceil(5/2) x ceil(7/3) */
    size_t count[9] = {0};
    for (size_t r = 0; r < PH; r++)
        for (size_t c = 0; c < PW; c++)
            for (size_t ch = 0; ch < PC; ch++) {
                const size_t want = (r / 2) * 3 + c / 3;
                assert_int_equal(group_of[(r * PW + c) * PC + ch], want);
                count[want]++;
            }
    /* full 2x3 patches hold 18 features; the last column of patches is 1 pixel wide, the
     * last row 1 pixel high */
    assert_int_equal(count[0], 18);
    assert_int_equal(count[2], 2 * 1 * PC);
    assert_int_equal(count[6], 1 * 3 * PC);
    assert_int_equal(count[8], 1 * 1 * PC);
    size_t rect[4];
    assert_int_equal(shapc_image_patch_rect(PH, PW, 2, 3, 8, rect), 0);
    assert_int_equal(rect[0], 4);
    assert_int_equal(rect[1], 5);
    assert_int_equal(rect[2], 6);
    assert_int_equal(rect[3], 7);
    assert_int_equal(shapc_image_patch_rect(PH, PW, 2, 3, 1, rect), 0);
    assert_int_equal(rect[0], 0);
    assert_int_equal(rect[1], 2);
    assert_int_equal(rect[2], 3);
    assert_int_equal(rect[3], 6);
    assert_int_equal(shapc_image_patch_rect(PH, PW, 2, 3, 9, rect), -1);
    /* every pixel lies in the rectangle of its own patch */
    for (size_t r = 0; r < PH; r++)
        for (size_t c = 0; c < PW; c++) {
            assert_int_equal(shapc_image_patch_rect(PH, PW, 2, 3, group_of[(r * PW + c) * PC],
                                                    rect), 0);
            assert_true(r >= rect[0] && r < rect[1] && c >= rect[2] && c < rect[3]);
        }
    assert_int_equal(shapc_image_patches(PH, PW, PC, 6, 1, group_of, &n, &err), SHAPC_EINVAL);
    assert_non_null(strstr(err.message, "larger than"));
    assert_int_equal(shapc_image_patches(PH, PW, PC, 0, 1, group_of, &n, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_image_patches(PH, PW, PC, PH, PW, group_of, &n, &err), SHAPC_OK);
    assert_int_equal(n, 1);
}

/* ---- blur ---- */

static void test_blur(void **state)
{
    (void)state;
    enum { BH = 6, BW = 9, BC = 2 };
    float img[BH * BW * BC], out[BH * BW * BC];
    shapc_error err = {0};
    /* a constant image stays constant (the kernel sums to 1, edges are replicated) */
    for (size_t i = 0; i < BH * BW * BC; i++)
        img[i] = i % 2 ? 3.0f : -1.5f;
    assert_int_equal(shapc_image_blur(img, BH, BW, BC, 0.0, out, &err), SHAPC_OK);
    for (size_t i = 0; i < BH * BW * BC; i++)
        assert_near(out[i], img[i], 1e-5);
    /* an impulse spreads symmetrically, stays in its channel, keeps its peak at the centre */
    memset(img, 0, sizeof img);
    img[(3 * BW + 4) * BC + 1] = 100.0f;
    assert_int_equal(shapc_image_blur(img, BH, BW, BC, 1.0, out, &err), SHAPC_OK);
    for (size_t i = 0; i < BH * BW; i++)
        assert_near(out[i * BC], 0.0, 0);
    const float peak = out[(3 * BW + 4) * BC + 1];
    assert_true(peak < 100.0f && peak > 10.0f);
    assert_near(out[(3 * BW + 3) * BC + 1], out[(3 * BW + 5) * BC + 1], 1e-6);
    assert_near(out[(2 * BW + 4) * BC + 1], out[(4 * BW + 4) * BC + 1], 1e-6);
    assert_true(out[(3 * BW + 3) * BC + 1] < peak);
    /* sigma 1 in one dimension: the neighbour weighs exp(-1/2) of the centre */
    assert_near(out[(3 * BW + 5) * BC + 1] / peak, exp(-0.5), 1e-5);
    assert_int_equal(shapc_image_blur(img, 0, BW, BC, 1.0, out, &err), SHAPC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patches_formula),
        cmocka_unit_test(test_blur),
        cmocka_unit_test(test_regions_follow_edges),
        cmocka_unit_test(test_one_segment_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
