/* data.h - n-dimensional arrays and the file formats they travel in.
 *
 * A shapc_array is an owned, contiguous, row-major (C order) block with an element type and a
 * shape of rank 0..SHAPC_MAX_RANK, so a 28x28 image read from IDX stays known as 28x28.
 * Readers: IDX (every element type, any rank, big-endian, .gz read transparently through zlib)
 * and NPY (float32/float64/uint8/int32, C order, little-endian). Writers produce files that
 * numpy reads with np.load / that IDX readers accept, and write them atomically: the bytes go
 * to a temporary file in the same directory which is renamed over the target only when
 * complete, so an interrupted write never leaves a partial file.
 *
 * Every size read from a file is checked against the file's length and against size_t
 * overflow before any allocation; a malformed file is SHAPC_EFORMAT/ETRUNC/ERANGE with the
 * path and the reason in the error record. Thread-safety: distinct arrays may be used from
 * distinct threads; no function here touches global state. */
#ifndef SHAPC_DATA_H
#define SHAPC_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "shapc/export.h"
#include "shapc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHAPC_MAX_RANK 8

/* Element types: the IDX set (u8, i8, i16, i32, f32, f64). */
typedef enum shapc_dtype {
    SHAPC_U8 = 0,
    SHAPC_I8,
    SHAPC_I16,
    SHAPC_I32,
    SHAPC_F32,
    SHAPC_F64
} shapc_dtype;

typedef struct shapc_array shapc_array; /* opaque */

/* Bytes per element; 0 for an invalid dtype. */
SHAPC_API size_t shapc_dtype_size(shapc_dtype dtype);
/* "uint8", "int8", "int16", "int32", "float32", "float64"; "?" if invalid. */
SHAPC_API const char *shapc_dtype_name(shapc_dtype dtype);

/* Creates a zero-filled array. shape has `rank` entries (rank may be 0: one element).
 * Returns SHAPC_EINVAL (bad dtype/rank), SHAPC_ERANGE (element count or byte size overflows),
 * SHAPC_ENOMEM. *out is owned by the caller: release with shapc_array_free. */
SHAPC_API shapc_status shapc_array_create(shapc_dtype dtype, size_t rank, const size_t *shape,
                                          shapc_array **out, shapc_error *err);
/* Deep copy converted to `dtype` (float->int truncates toward zero, saturating). */
SHAPC_API shapc_status shapc_array_convert(const shapc_array *src, shapc_dtype dtype,
                                           shapc_array **out, shapc_error *err);
/* Releases the array; NULL is allowed. */
SHAPC_API void shapc_array_free(shapc_array *array);

SHAPC_API shapc_dtype shapc_array_dtype(const shapc_array *array);
SHAPC_API size_t shapc_array_rank(const shapc_array *array);
/* Extent of axis i (0 for i >= rank). */
SHAPC_API size_t shapc_array_dim(const shapc_array *array, size_t i);
/* Pointer to the rank entries of the shape (valid while the array lives). */
SHAPC_API const size_t *shapc_array_shape(const shapc_array *array);
/* Number of elements (product of the shape; 1 for rank 0). */
SHAPC_API size_t shapc_array_size(const shapc_array *array);
/* Elements per leading index: size / dim(0) (the "row length"); size for rank 0. */
SHAPC_API size_t shapc_array_row_size(const shapc_array *array);
/* Element storage, row-major, native byte order. Borrowed: valid while the array lives. */
SHAPC_API void *shapc_array_data(shapc_array *array);
SHAPC_API const void *shapc_array_cdata(const shapc_array *array);
/* Changes the shape without touching data; the element count must stay the same. */
SHAPC_API shapc_status shapc_array_reshape(shapc_array *array, size_t rank, const size_t *shape,
                                           shapc_error *err);

/* ---- IDX (LeCun's format: 0,0,type,rank magic, big-endian u32 dims, big-endian data) ---- */

/* Reads an IDX file; gzip-compressed files are detected by content and inflated with zlib.
 * Errors name the path: SHAPC_EIO (open/read), SHAPC_EFORMAT (bad magic/type/rank),
 * SHAPC_ETRUNC (fewer bytes than the header promises), SHAPC_ERANGE (sizes overflow or
 * exceed max_bytes), SHAPC_ENOMEM. max_bytes caps the decoded data size (0: no cap beyond
 * what the file itself proves, i.e. the file length for plain files; 4 GiB for .gz). */
SHAPC_API shapc_status shapc_idx_read(const char *path, size_t max_bytes, shapc_array **out,
                                      shapc_error *err);
/* Writes an IDX file atomically; gzip-compressed if path ends in ".gz". */
SHAPC_API shapc_status shapc_idx_write(const char *path, const shapc_array *array,
                                       shapc_error *err);

/* ---- NPY (numpy's format, version 1.0 header; C order) ---- */

/* Reads .npy holding '<f4', '<f8', '|u1', '<i4' (and '|i1', '<i2') in C order.
 * Fortran order, big-endian, object arrays: SHAPC_EUNSUPPORTED. */
SHAPC_API shapc_status shapc_npy_read(const char *path, shapc_array **out, shapc_error *err);
/* Writes .npy atomically (any dtype of the enum). np.load reads it directly. */
SHAPC_API shapc_status shapc_npy_write(const char *path, const shapc_array *array,
                                       shapc_error *err);

/* ---- plain files ---- */

/* Writes len bytes to path atomically (temporary file in the same directory, fsync, rename).
 * Used for JSON and other text results. */
SHAPC_API shapc_status shapc_file_write_atomic(const char *path, const void *data, size_t len,
                                               shapc_error *err);

/* ==== tables and images: CSV and PNG (src/data/csv.c, src/data/png.c) ==== */

/* Reads a numeric CSV table (RFC 4180: comma-separated, fields may be "quoted" with ""
 * escaping a quote and may then hold commas and newlines; CRLF or LF line ends; a UTF-8 BOM
 * is skipped). The first record is the header: one unique, non-empty feature name per column,
 * valid UTF-8 (a Latin-1 header is refused, not repaired: the names become player names in
 * JSON and plots). Every later record must have the header's field count and only finite
 * decimal numbers (surrounding spaces allowed); a NUL byte in any field is refused. Blank
 * lines at the end are ignored.
 * *out: float32 (n_rows, n_cols); *names: n_cols NUL-terminated strings; both owned by the
 * caller (shapc_array_free, shapc_csv_names_free). Errors name the file, the physical line and
 * the column: SHAPC_EIO (open/read), SHAPC_EFORMAT ("data.csv: line 7, column 'age': missing
 * value", "line 4: 3 fields, the header has 4", unterminated quote, empty file, no data rows,
 * duplicate names, NUL bytes, invalid UTF-8 in the header), SHAPC_ENONFINITE (NaN/inf text),
 * SHAPC_ERANGE (beyond float32: "line 2, column 'c': '1e999' is outside the float32 range"),
 * SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_csv_read(const char *path, shapc_array **out, char ***names,
                                      size_t *n_cols, shapc_error *err);
/* Releases the names from shapc_csv_read; NULL is allowed. */
SHAPC_API void shapc_csv_names_free(char **names, size_t n_cols);

/* Reads a PNG through libpng into float32 (H, W, C) holding the raw sample values (0..255
 * for 8-bit, 0..65535 for 16-bit files; 1/2/4-bit grey is expanded to 0..255). Palette images
 * become RGB; an alpha channel (or palette transparency) is dropped, so C is 1 (grey) or 3.
 * Errors name the path: SHAPC_EIO, SHAPC_EFORMAT (not a PNG, corrupt data), SHAPC_ETRUNC,
 * SHAPC_ERANGE (more than 2^24 pixels per side or too large), SHAPC_ENOMEM. *out is owned by
 * the caller. Reentrant (libpng's longjmp stays inside the call). */
SHAPC_API shapc_status shapc_png_read(const char *path, shapc_array **out, shapc_error *err);
/* Writes a (H, W, C) array, C in 1..4 (grey, grey+alpha, RGB, RGBA), any dtype, as a PNG of
 * bit_depth 8 or 16, atomically. Values are rounded and clamped to 0..2^bit_depth-1.
 * Errors: SHAPC_EINVAL (bad rank/channels/bit depth), SHAPC_EIO, SHAPC_ENOMEM. */
SHAPC_API shapc_status shapc_png_write(const char *path, const shapc_array *image,
                                       int bit_depth, shapc_error *err);

/* ---- smaller backgrounds (src/data/background.c) ----
 * KernelSHAP's cost grows with the background, so shap advises summarising it (shap.sample,
 * shap.kmeans). Both helpers take rows (n, d) row-major float32 (finite: SHAPC_ENONFINITE
 * otherwise) and optional row weights (n), finite and >= 0 with a positive total (NULL:
 * 1 each), and return float32 arrays owned by the caller: rows (k', d) and weights (k'),
 * the weights summing to the input's total weight (n when unweighted). out_weights may be
 * NULL. k must be 1..n (SHAPC_EINVAL otherwise). The same arguments and seed give the same
 * result. Cost: sample O(n + k log k); kmeans O(restarts x iterations x n x k x d) with 4
 * restarts and at most 300 iterations each. */

/* k rows at random. Unweighted: k distinct rows, uniformly without replacement, each weighted
 * n / k. Weighted: k draws with replacement, row i with probability w_i / sum w; a row drawn
 * c times comes back once with weight c x (sum w) / k, an exactly unbiased estimate of the
 * weighted background (so k' <= k). Rows come back in file order; index (k, caller-allocated)
 * or NULL receives their row numbers in the input. *k_out = k'. */
SHAPC_API shapc_status shapc_background_sample(const float *rows, size_t n, size_t d,
                                               const float *weights, size_t k, uint64_t seed,
                                               shapc_array **out_rows,
                                               shapc_array **out_weights, size_t *index,
                                               size_t *k_out, shapc_error *err);

/* k weighted centroids, as shap.kmeans: weighted k-means (Lloyd) with k-means++ seeding from
 * the seed, the best of 4 seedings by weighted inertia; each centroid's weight is its
 * cluster's total row weight (the cluster size when unweighted). Columns judged discrete -
 * every value a whole number, or at most 10 distinct values - are snapped per centroid to
 * the nearest value the column takes in the rows (the lower one on a tie), so a one-hot or
 * integer-coded feature never gets a value the model was not trained on; other columns keep
 * the cluster mean (shap.kmeans snaps every column). Centroids come back by weight,
 * heaviest first; k' < k only when the rows of positive weight have fewer than k distinct
 * values. *k_out = k'. */
SHAPC_API shapc_status shapc_background_kmeans(const float *rows, size_t n, size_t d,
                                               const float *weights, size_t k, uint64_t seed,
                                               shapc_array **out_centroids,
                                               shapc_array **out_weights, size_t *k_out,
                                               shapc_error *err);

/* ---- superpixels ---- */

/* SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel
 * Methods", TPAMI 2012) of an image (h, w, c) row-major channels-last float32 in any units:
 * about n_segments compact, connected regions following intensity/colour edges, for use as
 * KernelSHAP player groups on natural images. compactness trades colour similarity (small)
 * against square-ish shapes (large); 10 is the usual value (channels are rescaled to 0..100).
 * labels (h * w) receives region ids 0..*n_labels-1; every region is 4-connected and
 * non-empty. Deterministic. Errors: SHAPC_EINVAL (zero sizes, n_segments 0 or > h * w),
 * SHAPC_ENONFINITE, SHAPC_ENOMEM. Cost: about 10 * h * w * 4 distance evaluations. */
SHAPC_API shapc_status shapc_slic(const float *image, size_t h, size_t w, size_t c,
                                  size_t n_segments, double compactness, int32_t *labels,
                                  size_t *n_labels, shapc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SHAPC_DATA_H */
