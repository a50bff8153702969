/* array.c - the owned n-dimensional array: creation, accessors, reshape and dtype conversion.
 *
 * Storage is one contiguous row-major block in native byte order. The element count, the
 * per-row count and the byte size are computed once, overflow-checked, when the shape is set,
 * so every later loop can trust them. */
#include "shapc/data.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "util/alloc.h"

struct shapc_array {
    shapc_dtype dtype;
    size_t rank;
    size_t shape[SHAPC_MAX_RANK];
    size_t size;     /* product of shape; 1 for rank 0 */
    size_t row_size; /* product of shape[1..]; size for rank 0 */
    size_t nbytes;   /* size * dtype size */
    void *data;
};

/* ======================================================================================== */
/* dtypes                                                                                   */
/* ======================================================================================== */

size_t shapc_dtype_size(shapc_dtype dtype)
{
    switch (dtype) {
    case SHAPC_U8:
    case SHAPC_I8:
        return 1;
    case SHAPC_I16:
        return 2;
    case SHAPC_I32:
    case SHAPC_F32:
        return 4;
    case SHAPC_F64:
        return 8;
    }
    return 0;
}

const char *shapc_dtype_name(shapc_dtype dtype)
{
    switch (dtype) {
    case SHAPC_U8:
        return "uint8";
    case SHAPC_I8:
        return "int8";
    case SHAPC_I16:
        return "int16";
    case SHAPC_I32:
        return "int32";
    case SHAPC_F32:
        return "float32";
    case SHAPC_F64:
        return "float64";
    }
    return "?";
}

/* ======================================================================================== */
/* shape bookkeeping                                                                        */
/* ======================================================================================== */

/* Validates a shape and computes its counts. A zero extent makes the array empty, but the
 * row size (the product of the trailing axes) must still be representable. */
static shapc_status shape_counts(shapc_dtype dtype, size_t rank, const size_t *shape, size_t *size,
                                 size_t *row_size, size_t *nbytes, shapc_error *err)
{
    size_t elsize = shapc_dtype_size(dtype);
    size_t rows = 1, i;

    if (elsize == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "array: invalid dtype %d", (int)dtype);
    if (rank > SHAPC_MAX_RANK)
        return shapc_error_set(err, SHAPC_EINVAL, "array: rank %zu exceeds the maximum %d", rank,
                               SHAPC_MAX_RANK);
    if (rank > 0 && !shape)
        return shapc_error_set(err, SHAPC_EINVAL, "array: NULL shape for rank %zu", rank);

    for (i = 1; i < rank; i++) {
        if (!shapc__mul_size(rows, shape[i], &rows))
            return shapc_error_set(err, SHAPC_ERANGE, "array: element count overflows size_t");
    }
    if (rank == 0) {
        *size = 1;
        *row_size = 1;
    } else {
        if (!shapc__mul_size(rows, shape[0], size))
            return shapc_error_set(err, SHAPC_ERANGE, "array: element count overflows size_t");
        *row_size = rows;
    }
    if (!shapc__mul_size(*size, elsize, nbytes))
        return shapc_error_set(err, SHAPC_ERANGE, "array: byte size overflows size_t");
    return SHAPC_OK;
}

shapc_status shapc_array_create(shapc_dtype dtype, size_t rank, const size_t *shape,
                                shapc_array **out, shapc_error *err)
{
    size_t size = 0, row_size = 0, nbytes = 0; /* set by shape_counts; zeroed for gcc -O2 */
    shapc_array *a;
    shapc_status st;

    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "array: NULL output pointer");
    *out = NULL;
    st = shape_counts(dtype, rank, shape, &size, &row_size, &nbytes, err);
    if (st != SHAPC_OK)
        return st;

    a = shapc__calloc(1, sizeof *a);
    if (!a)
        return shapc_error_set(err, SHAPC_ENOMEM, "array: out of memory");
    a->data = shapc__calloc(1, nbytes);
    if (!a->data) {
        shapc__free(a);
        return shapc_error_set(err, SHAPC_ENOMEM, "array: out of memory allocating %zu bytes",
                               nbytes);
    }
    a->dtype = dtype;
    a->rank = rank;
    if (rank > 0)
        memcpy(a->shape, shape, rank * sizeof shape[0]);
    a->size = size;
    a->row_size = row_size;
    a->nbytes = nbytes;
    *out = a;
    return SHAPC_OK;
}

void shapc_array_free(shapc_array *array)
{
    if (!array)
        return;
    shapc__free(array->data);
    shapc__free(array);
}

shapc_status shapc_array_reshape(shapc_array *array, size_t rank, const size_t *shape,
                                 shapc_error *err)
{
    size_t size = 0, row_size = 0, nbytes = 0; /* set by shape_counts; zeroed for gcc -O2 */
    shapc_status st;

    if (!array)
        return shapc_error_set(err, SHAPC_EINVAL, "array: NULL array");
    st = shape_counts(array->dtype, rank, shape, &size, &row_size, &nbytes, err);
    if (st != SHAPC_OK)
        return st;
    if (size != array->size)
        return shapc_error_set(err, SHAPC_ESHAPE,
                               "array: cannot reshape %zu elements into a shape of %zu",
                               array->size, size);
    array->rank = rank;
    memset(array->shape, 0, sizeof array->shape);
    if (rank > 0)
        memcpy(array->shape, shape, rank * sizeof shape[0]);
    array->row_size = row_size;
    return SHAPC_OK;
}

/* ======================================================================================== */
/* accessors                                                                                */
/* ======================================================================================== */

shapc_dtype shapc_array_dtype(const shapc_array *array)
{
    return array ? array->dtype : SHAPC_U8;
}

size_t shapc_array_rank(const shapc_array *array)
{
    return array ? array->rank : 0;
}

size_t shapc_array_dim(const shapc_array *array, size_t i)
{
    return array && i < array->rank ? array->shape[i] : 0;
}

const size_t *shapc_array_shape(const shapc_array *array)
{
    return array ? array->shape : NULL;
}

size_t shapc_array_size(const shapc_array *array)
{
    return array ? array->size : 0;
}

size_t shapc_array_row_size(const shapc_array *array)
{
    return array ? array->row_size : 0;
}

void *shapc_array_data(shapc_array *array)
{
    return array ? array->data : NULL;
}

const void *shapc_array_cdata(const shapc_array *array)
{
    return array ? array->data : NULL;
}

/* ======================================================================================== */
/* conversion                                                                               */
/* ======================================================================================== */

/* Every dtype's values are exactly representable in a double, so conversion goes through
 * one: the only rounding is the final store. */
static double load_elem(const void *data, shapc_dtype dtype, size_t i)
{
    switch (dtype) {
    case SHAPC_U8:
        return ((const uint8_t *)data)[i];
    case SHAPC_I8:
        return ((const int8_t *)data)[i];
    case SHAPC_I16:
        return ((const int16_t *)data)[i];
    case SHAPC_I32:
        return ((const int32_t *)data)[i];
    case SHAPC_F32:
        return (double)((const float *)data)[i];
    case SHAPC_F64:
        return ((const double *)data)[i];
    }
    return 0.0;
}

/* Float -> integer: NaN becomes 0, values truncate toward zero and saturate at the type's
 * limits (an out-of-range cast would be undefined behaviour in C). */
static double clamp_int(double v, double lo, double hi)
{
    if (isnan(v))
        return 0.0;
    if (v <= lo)
        return lo;
    if (v >= hi)
        return hi;
    return v;
}

static void store_elem(void *data, shapc_dtype dtype, size_t i, double v)
{
    switch (dtype) {
    case SHAPC_U8:
        ((uint8_t *)data)[i] = (uint8_t)clamp_int(v, 0.0, 255.0);
        break;
    case SHAPC_I8:
        ((int8_t *)data)[i] = (int8_t)clamp_int(v, -128.0, 127.0);
        break;
    case SHAPC_I16:
        ((int16_t *)data)[i] = (int16_t)clamp_int(v, -32768.0, 32767.0);
        break;
    case SHAPC_I32:
        ((int32_t *)data)[i] = (int32_t)clamp_int(v, -2147483648.0, 2147483647.0);
        break;
    case SHAPC_F32:
        /* finite doubles beyond float's range become +-inf, as IEEE rounding would */
        if (v > (double)FLT_MAX)
            ((float *)data)[i] = HUGE_VALF;
        else if (v < -(double)FLT_MAX)
            ((float *)data)[i] = -HUGE_VALF;
        else
            ((float *)data)[i] = (float)v;
        break;
    case SHAPC_F64:
        ((double *)data)[i] = v;
        break;
    }
}

shapc_status shapc_array_convert(const shapc_array *src, shapc_dtype dtype, shapc_array **out,
                                 shapc_error *err)
{
    shapc_array *dst;
    shapc_status st;
    size_t i;

    if (!out)
        return shapc_error_set(err, SHAPC_EINVAL, "array: NULL output pointer");
    *out = NULL;
    if (!src)
        return shapc_error_set(err, SHAPC_EINVAL, "array: NULL source array");
    st = shapc_array_create(dtype, src->rank, src->shape, &dst, err);
    if (st != SHAPC_OK)
        return st;
    if (dtype == src->dtype) {
        memcpy(dst->data, src->data, src->nbytes);
    } else {
        for (i = 0; i < src->size; i++)
            store_elem(dst->data, dtype, i, load_elem(src->data, src->dtype, i));
    }
    *out = dst;
    return SHAPC_OK;
}
