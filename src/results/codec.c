/* codec.c - one explained row as bytes (include/shapc/results.h): what the explain journal
 * appends per finished row and what an MPI rank sends to rank 0. One layout for both, so a row
 * journaled by any process reads back the same. */
#include <string.h>

#include "results/results_impl.h"

/* [u64 i][f64 seconds][u64 n_players][u64 n_coalitions][u64 n_evals][u32 exact][u32 sampler] */
#define PREFIX (8 + 8 + 3 * 8 + 4 + 4)

size_t shapc_results_row_bytes(const shapc_results *r)
{
    const size_t MK = r->layout.n_players * r->layout.n_columns, K = r->layout.n_columns;
    return PREFIX + 4 * (2 * MK + K + r->layout.n_outputs + K) + 8 * K;
}

static unsigned char *put(unsigned char *p, const void *v, size_t len)
{
    memcpy(p, v, len);
    return p + len;
}

static const unsigned char *get(const unsigned char *p, void *v, size_t len)
{
    memcpy(v, p, len);
    return p + len;
}

static unsigned char *put_u64(unsigned char *p, size_t v)
{
    const uint64_t u = v;
    return put(p, &u, 8);
}

static const unsigned char *get_u64(const unsigned char *p, size_t *v)
{
    uint64_t u;
    p = get(p, &u, 8);
    *v = (size_t)u;
    return p;
}

void shapc_results_row_encode(const shapc_results *r, size_t i, unsigned char *p)
{
    const shapc_results_data *D = &r->data;
    const size_t MK = r->layout.n_players * r->layout.n_columns, K = r->layout.n_columns;
    const size_t k = r->layout.n_outputs;
    const shapc_kernel_info *in = &D->info[i];
    const uint32_t exact = in->exact ? 1u : 0u, sampler = (uint32_t)in->sampler;
    p = put_u64(p, i);
    p = put(p, &D->seconds[i], 8);
    p = put_u64(p, in->n_players);
    p = put_u64(p, in->n_coalitions);
    p = put_u64(p, in->n_evals);
    p = put(p, &exact, 4);
    p = put(p, &sampler, 4);
    p = put(p, D->phi + i * MK, MK * 4);
    p = put(p, D->se + i * MK, MK * 4);
    p = put(p, D->base + i * K, K * 4);
    p = put(p, D->fx + i * K, K * 8);
    p = put(p, D->pred + i * k, k * 4);
    put(p, D->classes + i * K, K * 4);
}

shapc_status shapc_results_row_decode(shapc_results *r, const unsigned char *p, size_t len,
                                      size_t *row, shapc_error *err)
{
    shapc_results_data *D = &r->data;
    const size_t MK = r->layout.n_players * r->layout.n_columns, K = r->layout.n_columns;
    const size_t k = r->layout.n_outputs;
    size_t i;
    uint32_t exact, sampler;
    if (len != shapc_results_row_bytes(r))
        return shapc_error_set(err, SHAPC_EFORMAT, "row record of %zu bytes, expected %zu", len,
                               shapc_results_row_bytes(r));
    memcpy(&sampler, p + PREFIX - 4, 4);
    get_u64(p, &i);
    if (i >= r->layout.n_rows || sampler > SHAPC_SAMPLER_EXACT ||
        sampler == SHAPC_SAMPLER_AUTO)
        return shapc_error_set(err, SHAPC_EFORMAT, "row record for row %zu of %zu (estimator "
                               "%u)", i, r->layout.n_rows, (unsigned)sampler);
    shapc_kernel_info *in = &D->info[i];
    p += 8;
    p = get(p, &D->seconds[i], 8);
    p = get_u64(p, &in->n_players);
    p = get_u64(p, &in->n_coalitions);
    p = get_u64(p, &in->n_evals);
    p = get(p, &exact, 4);
    p += 4;
    in->exact = exact != 0;
    in->sampler = (shapc_sampler)sampler;
    p = get(p, D->phi + i * MK, MK * 4);
    p = get(p, D->se + i * MK, MK * 4);
    p = get(p, D->base + i * K, K * 4);
    p = get(p, D->fx + i * K, K * 8);
    p = get(p, D->pred + i * k, k * 4);
    get(p, D->classes + i * K, K * 4);
    if (row)
        *row = i;
    return SHAPC_OK;
}
