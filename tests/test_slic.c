/* test_slic.c - SLIC superpixels: regions follow edges, are connected, contiguous and
 * deterministic; bad arguments are errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "shapc/data.h"

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
        assert_int_equal(shapc_slic(img, H, W, c, 16, 10.0, lab, &n, NULL), SHAPC_OK);
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
        assert_int_equal(shapc_slic(img, H, W, c, 16, 10.0, again, &n2, NULL), SHAPC_OK);
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
    assert_int_equal(shapc_slic(img, H, W, 1, 1, 10.0, lab, &n, NULL), SHAPC_OK);
    check_connected(lab, n);
    shapc_error err = {0};
    assert_int_equal(shapc_slic(img, H, W, 1, 0, 10.0, lab, &n, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_slic(img, H, W, 1, H * W + 1, 10.0, lab, &n, &err), SHAPC_EINVAL);
    assert_int_equal(shapc_slic(img, 0, W, 1, 4, 10.0, lab, &n, &err), SHAPC_EINVAL);
    img[5] = NAN;
    assert_int_equal(shapc_slic(img, H, W, 1, 4, 10.0, lab, &n, &err), SHAPC_ENONFINITE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regions_follow_edges),
        cmocka_unit_test(test_one_segment_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
