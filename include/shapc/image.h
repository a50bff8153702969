/* image.h - players and baselines for images (channels-last float32 (h, w, c) rows, as image
 * models take them): the maps that turn an image's features into KernelSHAP players - pixel
 * patches and SLIC superpixels - and the blurred copy an image's absent players may take.
 * The explainer takes the results as they are (shapc_kernel_set_groups, and per row
 * shapc_kernel_explain_batch in kernel.h); docs/inputs.md describes the choices.
 *
 * Thread-safety: pure functions of their arguments; no shared state. */
#ifndef SHAPC_IMAGE_H
#define SHAPC_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/export.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- pixel patches ---- */

/* Square-ish players for an image of h x w pixels with c channels: pixel (r, col) of every
 * channel belongs to patch (r / ph) * ceil(w / pw) + col / pw, so patches are numbered in
 * raster order and edge patches are smaller when ph or pw does not divide the image.
 * group_of (h * w * c) receives the patch of each feature (row-major, channels last) and
 * *n_patches (may be NULL) ceil(h / ph) * ceil(w / pw). Errors: SHAPC_EINVAL (a zero size, a
 * patch larger than the image), SHAPC_ERANGE (sizes overflow). */
SHAPC_API shapc_status shapc_image_patches(size_t h, size_t w, size_t c, size_t ph, size_t pw,
                                           size_t *group_of, size_t *n_patches,
                                           shapc_error *err);

/* The half-open pixel ranges rows [r[0], r[1]) and columns [r[2], r[3]) of patch g of
 * shapc_image_patches(h, w, ., ph, pw). Returns 0, or -1 when g is not a patch. */
SHAPC_API int shapc_image_patch_rect(size_t h, size_t w, size_t ph, size_t pw, size_t g,
                                     size_t rect[4]);

/* ---- superpixels ---- */

/* SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel
 * Methods", TPAMI 2012) of an image (h, w, c) row-major channels-last float32 in any units:
 * about n_segments compact, connected regions following intensity/colour edges, for use as
 * KernelSHAP player groups on natural images. compactness trades colour similarity (small)
 * against square-ish shapes (large); 10 is the usual value (channels are rescaled to 0..100).
 * labels (h * w) receives region ids 0..*n_labels-1; every region is 4-connected and
 * non-empty. Deterministic. Errors: SHAPC_EINVAL (zero sizes, n_segments 0 or > h * w),
 * SHAPC_ENONFINITE, SHAPC_ENOMEM. Cost: about 10 * h * w * 4 distance evaluations. */
SHAPC_API shapc_status shapc_image_slic(const float *image, size_t h, size_t w, size_t c,
                                        size_t n_segments, double compactness, int32_t *labels,
                                        size_t *n_labels, shapc_error *err);

/* ---- baselines ---- */

/* A Gaussian-blurred copy of an image (h, w, c) into out (h * w * c, not aliasing image):
 * each channel separately, rows then columns, out-of-image taps taking the nearest edge
 * pixel, accumulated in double. sigma <= 0 picks max(h, w) / 8, at least 1 pixel; the kernel
 * reaches 3 sigma. As the baseline of an image's absent players it keeps the image's coarse
 * shape and removes its detail. Errors: SHAPC_EINVAL (a zero size), SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_image_blur(const float *image, size_t h, size_t w, size_t c,
                                        double sigma, float *out, shapc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_IMAGE_H */
