/* patches.c - rectangular pixel patches as players (include/shapc/image.h): the formula the
 * CLI's --groups HxW documents (docs/cli.md, "Players"), in one place. */
#include "shapc/image.h"

#include "util/alloc.h"

shapc_status shapc_image_patches(size_t h, size_t w, size_t c, size_t ph, size_t pw,
                                 size_t *group_of, size_t *n_patches, shapc_error *err)
{
    size_t pixels, cells;
    if (h == 0 || w == 0 || c == 0 || ph == 0 || pw == 0 || !group_of)
        return shapc_error_set(err, SHAPC_EINVAL, "image patches: zero size or NULL output");
    if (ph > h || pw > w)
        return shapc_error_set(err, SHAPC_EINVAL, "patch %zux%zu is larger than the %zux%zu "
                               "image", ph, pw, h, w);
    if (!shapc__mul_size(h, w, &pixels) || !shapc__mul_size(pixels, c, &cells))
        return shapc_error_set(err, SHAPC_ERANGE, "image of %zux%zux%zu is too large", h, w,
                               c);
    const size_t cols = (w + pw - 1) / pw;
    for (size_t r = 0; r < h; r++)
        for (size_t col = 0; col < w; col++)
            for (size_t ch = 0; ch < c; ch++)
                group_of[(r * w + col) * c + ch] = (r / ph) * cols + col / pw;
    if (n_patches)
        *n_patches = ((h + ph - 1) / ph) * cols;
    return SHAPC_OK;
}

int shapc_image_patch_rect(size_t h, size_t w, size_t ph, size_t pw, size_t g, size_t rect[4])
{
    if (h == 0 || w == 0 || ph == 0 || pw == 0)
        return -1;
    const size_t cols = (w + pw - 1) / pw, rows = (h + ph - 1) / ph;
    if (g >= rows * cols)
        return -1;
    const size_t r0 = (g / cols) * ph, c0 = (g % cols) * pw;
    rect[0] = r0;
    rect[1] = r0 + ph < h ? r0 + ph : h;
    rect[2] = c0;
    rect[3] = c0 + pw < w ? c0 + pw : w;
    return 0;
}
