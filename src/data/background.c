/* background.c - smaller backgrounds from a large one (data.h): a seeded random sample and
 * shap.kmeans's weighted centroids.
 *
 * KernelSHAP's cost grows linearly with the background (every coalition is evaluated against
 * every background row), so shap's documentation advises summarising it with shap.sample or
 * shap.kmeans. Both helpers here return rows plus weights that sum to the input's total
 * weight (n for an unweighted input), so the summary stands for the whole background.
 *
 * Sampling. Unweighted: k distinct rows, uniformly without replacement (a partial
 * Fisher-Yates shuffle of the indices), each weighted n / k. Weighted: k draws with
 * replacement, each row drawn with probability w_i / W; a row drawn c times appears once with
 * weight c W / k. That estimator of the weighted mean is exactly unbiased, which the
 * "probability proportional to weight, without replacement" schemes are not once k is a
 * sizeable fraction of n; the price is that fewer than k distinct rows may come back.
 *
 * k-means. Lloyd's algorithm in double precision with k-means++ seeding (Arthur &
 * Vassilvitskii, "k-means++: The Advantages of Careful Seeding", SODA 2007): the first centre
 * is drawn by weight, each further one with probability proportional to w_i D(x_i)^2. As
 * sklearn's KMeans (which shap.kmeans calls with n_init=10), several seedings are run and the
 * one with the smallest weighted inertia is kept; a cluster that empties is moved to the row
 * farthest from its centre. The weights are the clusters' total row weights (the cluster sizes
 * for an unweighted input, as shap's np.bincount of the labels).
 *
 * Snapping. shap.kmeans(round_values=True) moves every coordinate of every centroid to the
 * nearest value the column takes in the data, so that discrete features get valid values; for
 * a continuous column that only distorts the mean. We snap the columns judged discrete: every
 * value a whole number (counts, codes, one-hot, integer ages), or at most
 * SHAPC__DISCRETE_MAX_DISTINCT distinct values (categorical codes such as 0.5/1.0). */
#include "shapc/data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/rng.h"

#define SHAPC__DISCRETE_MAX_DISTINCT 10
#define KMEANS_RESTARTS 4   /* seedings tried (sklearn's default n_init is 10; 4 keeps the
                               CLI's cost low and is already stable on separated data) */
#define KMEANS_MAX_ITER 300 /* sklearn's max_iter */

/* ============================================================================================
 * Arguments
 * ========================================================================================== */

/* Checks the arguments and clears the outputs; *total = the input's total weight. */
static shapc_status check_input(const char *what, const float *rows, size_t n, size_t d,
                                const float *weights, size_t k, shapc_array **out,
                                shapc_array **out_weights, const size_t *k_out, double *total,
                                shapc_error *err)
{
    size_t nd, i;
    if (!out || !k_out)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: NULL output", what);
    *out = NULL;
    if (out_weights)
        *out_weights = NULL;
    if (!rows || n == 0 || d == 0)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: need rows (n >= 1, d >= 1)", what);
    if (k == 0 || k > n)
        return shapc_error_set(err, SHAPC_EINVAL, "%s: %zu rows asked of a background of %zu "
                               "(need 1..%zu)", what, k, n, n);
    if (!shapc__mul_size(n, d, &nd) || !shapc__mul_size(nd, sizeof(double), &i))
        return shapc_error_set(err, SHAPC_ERANGE, "%s: %zu x %zu values overflow", what, n, d);
    for (i = 0; i < nd; i++)
        if (!isfinite(rows[i]))
            return shapc_error_set(err, SHAPC_ENONFINITE, "%s: row %zu, feature %zu is not "
                                   "finite", what, i / d, i % d);
    *total = (double)n;
    if (weights) {
        *total = 0;
        for (i = 0; i < n; i++) {
            if (!isfinite(weights[i]) || weights[i] < 0)
                return shapc_error_set(err, SHAPC_EINVAL, "%s: weight %zu is %g (need finite, "
                                       ">= 0)", what, i, (double)weights[i]);
            *total += (double)weights[i];
        }
        if (!(*total > 0))
            return shapc_error_set(err, SHAPC_EINVAL, "%s: the weights are all zero", what);
    }
    return SHAPC_OK;
}

/* Allocates the (m, d) rows and (m) weights results. */
static shapc_status make_outputs(const char *what, size_t m, size_t d, shapc_array **rows,
                                 shapc_array **w, shapc_error *err)
{
    const size_t shape[2] = {m, d};
    shapc_status st = shapc_array_create(SHAPC_F32, 2, shape, rows, err);
    if (st == SHAPC_OK && w) {
        st = shapc_array_create(SHAPC_F32, 1, &m, w, err);
        if (st != SHAPC_OK) {
            shapc_array_free(*rows);
            *rows = NULL;
        }
    }
    if (st != SHAPC_OK)
        shapc_error_prefix(err, what);
    return st;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* ============================================================================================
 * shapc_background_sample
 * ========================================================================================== */

/* First index whose cumulative weight exceeds u (cum ascending, cum[n-1] = total). */
static size_t draw_cum(const double *cum, size_t n, double u)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

shapc_status shapc_background_sample(const float *rows, size_t n, size_t d,
                                     const float *weights, size_t k, uint64_t seed,
                                     shapc_array **out_rows, shapc_array **out_weights,
                                     size_t *index, size_t *k_out, shapc_error *err)
{
    const char *what = "background sample";
    size_t *pick = NULL, m = 0, i;
    double total, *cum = NULL;
    float *wv = NULL;
    shapc__rng rng;
    shapc_status st;

    st = check_input(what, rows, n, d, weights, k, out_rows, out_weights, k_out, &total, err);
    if (st != SHAPC_OK)
        return st;
    pick = shapc__calloc(weights ? k : n, sizeof *pick);
    wv = shapc__calloc(k, sizeof *wv);
    if (weights)
        cum = shapc__calloc(n, sizeof *cum);
    if (!pick || !wv || (weights && !cum)) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", what);
        goto cleanup;
    }
    shapc__rng_seed(&rng, seed, 0x6261636b67726f75ULL); /* "backgrou": a stream of its own */
    if (!weights) {
        for (i = 0; i < n; i++)
            pick[i] = i;
        for (i = 0; i < k; i++) {
            size_t j = i + shapc__rng_below(&rng, n - i), t = pick[i];
            pick[i] = pick[j];
            pick[j] = t;
        }
        qsort(pick, k, sizeof *pick, cmp_size);
        m = k;
        for (i = 0; i < m; i++)
            wv[i] = (float)(total / (double)k);
    } else {
        double acc = 0;
        for (i = 0; i < n; i++) {
            acc += (double)weights[i];
            cum[i] = acc;
        }
        for (i = 0; i < k; i++) {
            size_t j = draw_cum(cum, n, shapc__rng_uniform(&rng) * acc);
            /* cum[j] > u >= cum[j - 1] implies w_j > 0, unless u * acc rounded up to acc:
             * then the last row of positive weight. */
            while (weights[j] <= 0 && j > 0)
                j--;
            pick[i] = j;
        }
        qsort(pick, k, sizeof *pick, cmp_size);
        for (i = 0; i < k; i++) {
            if (m > 0 && pick[m - 1] == pick[i]) {
                wv[m - 1] += (float)(total / (double)k);
                continue;
            }
            pick[m] = pick[i];
            wv[m++] = (float)(total / (double)k);
        }
    }
    st = make_outputs(what, m, d, out_rows, out_weights, err);
    if (st != SHAPC_OK)
        goto cleanup;
    for (i = 0; i < m; i++) {
        memcpy((float *)shapc_array_data(*out_rows) + i * d, rows + pick[i] * d,
               d * sizeof *rows);
        if (index)
            index[i] = pick[i];
    }
    if (out_weights)
        memcpy(shapc_array_data(*out_weights), wv, m * sizeof *wv);
    *k_out = m;
cleanup:
    shapc__free(pick);
    shapc__free(wv);
    shapc__free(cum);
    return st;
}

/* ============================================================================================
 * shapc_background_kmeans
 * ========================================================================================== */

typedef struct km {
    const float *x;
    size_t n, d, k;
    const float *w; /* or NULL: 1 each */
    double *c;      /* (k, d) centres */
    double *dist;   /* (n) squared distance to the assigned centre */
    size_t *label;  /* (n) */
    double *sum;    /* (k, d) weighted sums */
    double *mass;   /* (k) */
} km;

static double row_w(const km *s, size_t i) { return s->w ? (double)s->w[i] : 1.0; }

static double dist2(const km *s, size_t i, const double *c)
{
    const float *xi = s->x + i * s->d;
    double t = 0;
    size_t j;
    for (j = 0; j < s->d; j++) {
        double u = (double)xi[j] - c[j];
        t += u * u;
    }
    return t;
}

static void set_centre(km *s, size_t c, size_t i)
{
    size_t j;
    for (j = 0; j < s->d; j++)
        s->c[c * s->d + j] = s->x[i * s->d + j];
}

/* k-means++: returns the centres placed (fewer than k when every remaining row coincides with
 * a centre: the data then have fewer than k distinct rows of positive weight). */
static size_t seed_pp(km *s, shapc__rng *rng, double total)
{
    size_t c, i, placed = 1, first = 0;
    double acc = 0, u = shapc__rng_uniform(rng) * total;
    for (i = 0; i < s->n; i++) {
        acc += row_w(s, i);
        if (acc > u && row_w(s, i) > 0) {
            first = i;
            break;
        }
        if (row_w(s, i) > 0)
            first = i;
    }
    set_centre(s, 0, first);
    for (i = 0; i < s->n; i++)
        s->dist[i] = dist2(s, i, s->c);
    for (c = 1; c < s->k; c++) {
        double pot = 0;
        size_t pick = SIZE_MAX;
        for (i = 0; i < s->n; i++)
            pot += row_w(s, i) * s->dist[i];
        if (!(pot > 0))
            break;
        u = shapc__rng_uniform(rng) * pot;
        acc = 0;
        for (i = 0; i < s->n; i++) {
            double p = row_w(s, i) * s->dist[i];
            if (p <= 0)
                continue;
            pick = i;
            acc += p;
            if (acc > u)
                break;
        }
        set_centre(s, c, pick);
        placed++;
        for (i = 0; i < s->n; i++) {
            double t = dist2(s, i, s->c + c * s->d);
            if (t < s->dist[i])
                s->dist[i] = t;
        }
    }
    return placed;
}

/* Assigns every row to its nearest of kk centres; returns how many labels changed. */
static size_t assign(km *s, size_t kk)
{
    size_t i, c, changed = 0;
    for (i = 0; i < s->n; i++) {
        double best = HUGE_VAL;
        size_t arg = 0;
        for (c = 0; c < kk; c++) {
            double t = dist2(s, i, s->c + c * s->d);
            if (t < best) {
                best = t;
                arg = c;
            }
        }
        if (s->label[i] != arg)
            changed++;
        s->label[i] = arg;
        s->dist[i] = best;
    }
    return changed;
}

/* Moves each centre to its rows' weighted mean; an empty centre goes to the row (of positive
 * weight) farthest from its own centre, which then leaves that cluster (sklearn's rule). */
static void update(km *s, size_t kk)
{
    size_t i, c, j;
    memset(s->sum, 0, kk * s->d * sizeof *s->sum);
    memset(s->mass, 0, kk * sizeof *s->mass);
    for (i = 0; i < s->n; i++) {
        double wi = row_w(s, i);
        const float *xi = s->x + i * s->d;
        double *sc = s->sum + s->label[i] * s->d;
        if (wi <= 0)
            continue;
        s->mass[s->label[i]] += wi;
        for (j = 0; j < s->d; j++)
            sc[j] += wi * (double)xi[j];
    }
    for (c = 0; c < kk; c++) {
        if (s->mass[c] > 0) {
            for (j = 0; j < s->d; j++)
                s->c[c * s->d + j] = s->sum[c * s->d + j] / s->mass[c];
            continue;
        }
        {
            size_t far = SIZE_MAX;
            double fd = -1;
            for (i = 0; i < s->n; i++)
                if (row_w(s, i) > 0 && s->dist[i] > fd) {
                    fd = s->dist[i];
                    far = i;
                }
            if (far != SIZE_MAX) {
                set_centre(s, c, far);
                s->dist[far] = 0;
            }
        }
    }
}

static double inertia(const km *s)
{
    double t = 0;
    size_t i;
    for (i = 0; i < s->n; i++)
        t += row_w(s, i) * s->dist[i];
    return t;
}

/* One seeding and Lloyd's iterations; returns the centres used (kk <= k). */
static size_t lloyd(km *s, shapc__rng *rng, double total)
{
    size_t kk = seed_pp(s, rng, total), it, i;
    for (i = 0; i < s->n; i++)
        s->label[i] = SIZE_MAX;
    for (it = 0; it < KMEANS_MAX_ITER; it++) {
        if (assign(s, kk) == 0)
            return kk;
        update(s, kk);
    }
    assign(s, kk); /* labels and distances for the last centres */
    return kk;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* Sorts column j's values into vals and dedups them; returns the distinct count, or 0 when
 * the column is not discrete (not all whole numbers and more than the distinct limit). */
static size_t discrete_values(const float *x, size_t n, size_t d, size_t j, float *vals)
{
    size_t i, m = 0;
    int whole = 1;
    for (i = 0; i < n; i++) {
        vals[i] = x[i * d + j];
        if (vals[i] != floorf(vals[i]))
            whole = 0;
    }
    qsort(vals, n, sizeof *vals, cmp_float);
    for (i = 0; i < n; i++)
        if (m == 0 || vals[i] != vals[m - 1])
            vals[m++] = vals[i];
    return whole || m <= SHAPC__DISCRETE_MAX_DISTINCT ? m : 0;
}

/* The value of vals (m sorted) nearest v; the lower one on a tie. */
static float nearest(const float *vals, size_t m, double v)
{
    size_t lo = 0, hi = m;
    while (lo < hi) { /* first vals[i] >= v */
        size_t mid = lo + (hi - lo) / 2;
        if ((double)vals[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == m)
        return vals[m - 1];
    if (lo == 0)
        return vals[0];
    return v - (double)vals[lo - 1] <= (double)vals[lo] - v ? vals[lo - 1] : vals[lo];
}

typedef struct keyed_c {
    double mass;
    size_t c;
} keyed_c;

static int cmp_mass_desc(const void *a, const void *b)
{
    const keyed_c *x = a, *y = b;
    if (x->mass != y->mass)
        return x->mass > y->mass ? -1 : 1;
    return x->c < y->c ? -1 : x->c > y->c;
}

shapc_status shapc_background_kmeans(const float *rows, size_t n, size_t d,
                                     const float *weights, size_t k, uint64_t seed,
                                     shapc_array **out_centroids, shapc_array **out_weights,
                                     size_t *k_out, shapc_error *err)
{
    const char *what = "background k-means";
    km s;
    double total, best = HUGE_VAL, *best_c = NULL;
    size_t best_k = 0, r, c, i, j, m = 0;
    keyed_c *order = NULL;
    float *vals = NULL;
    shapc__rng rng;
    shapc_status st;

    st = check_input(what, rows, n, d, weights, k, out_centroids, out_weights, k_out, &total, err);
    if (st != SHAPC_OK)
        return st;
    memset(&s, 0, sizeof s);
    s.x = rows;
    s.n = n;
    s.d = d;
    s.k = k;
    s.w = weights;
    s.c = shapc__calloc(k * d, sizeof *s.c);
    s.sum = shapc__calloc(k * d, sizeof *s.sum);
    s.mass = shapc__calloc(k, sizeof *s.mass);
    s.dist = shapc__calloc(n, sizeof *s.dist);
    s.label = shapc__calloc(n, sizeof *s.label);
    best_c = shapc__calloc(k * d, sizeof *best_c);
    order = shapc__calloc(k, sizeof *order);
    vals = shapc__calloc(n, sizeof *vals);
    if (!s.c || !s.sum || !s.mass || !s.dist || !s.label || !best_c || !order || !vals) {
        st = shapc_error_set(err, SHAPC_ENOMEM, "%s: out of memory", what);
        goto cleanup;
    }
    shapc__rng_seed(&rng, seed, 0x6b6d65616e73ULL); /* "kmeans": a stream of its own */
    for (r = 0; r < KMEANS_RESTARTS; r++) {
        size_t kk = lloyd(&s, &rng, total);
        double in = inertia(&s);
        if (in < best) {
            best = in;
            best_k = kk;
            memcpy(best_c, s.c, kk * d * sizeof *best_c);
        }
        if (!(in > 0))
            break; /* every row sits on a centre: no seeding can do better */
    }
    /* Final assignment against the kept centres gives the weights. */
    memcpy(s.c, best_c, best_k * d * sizeof *s.c);
    assign(&s, best_k);
    memset(s.mass, 0, best_k * sizeof *s.mass);
    for (i = 0; i < n; i++)
        s.mass[s.label[i]] += row_w(&s, i);
    for (c = 0; c < best_k; c++)
        if (s.mass[c] > 0) {
            order[m].mass = s.mass[c];
            order[m++].c = c;
        }
    qsort(order, m, sizeof *order, cmp_mass_desc);
    st = make_outputs(what, m, d, out_centroids, out_weights, err);
    if (st != SHAPC_OK)
        goto cleanup;
    {
        float *out = shapc_array_data(*out_centroids);
        for (i = 0; i < m; i++) {
            for (j = 0; j < d; j++)
                out[i * d + j] = (float)s.c[order[i].c * d + j];
            if (out_weights)
                ((float *)shapc_array_data(*out_weights))[i] = (float)order[i].mass;
        }
        for (j = 0; j < d; j++) {
            size_t nv = discrete_values(rows, n, d, j, vals);
            if (nv == 0)
                continue;
            for (i = 0; i < m; i++)
                out[i * d + j] = nearest(vals, nv, (double)s.c[order[i].c * d + j]);
        }
    }
    *k_out = m;
cleanup:
    shapc__free(s.c);
    shapc__free(s.sum);
    shapc__free(s.mass);
    shapc__free(s.dist);
    shapc__free(s.label);
    shapc__free(best_c);
    shapc__free(order);
    shapc__free(vals);
    return st;
}
