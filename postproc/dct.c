/* dct.c — the FFTW adapter of postproc/: Gaussian smoothing with reflecting ends by a
 * cosine transform (MATH.md §6, "the particle cloud smoothed onto the grid … a DCT on
 * reflecting intervals"). Implements sf_dct_smooth of include/symflow/compare.h.
 *
 * On [0, L] with Neumann ends the heat semigroup is diagonal in cos(πk x/L) with eigenvalue
 * (πk/L)²; a Gaussian of standard deviation h is the semigroup at time h²/2. Values on a
 * uniform grid of n cells are exactly a cosine series at the cell centres (DCT-II, FFTW
 * REDFT10), so damping coefficient k by exp(−(πk/L)² h²/2) and transforming back (DCT-III,
 * REDFT01, which returns 2n times the input for an undamped round trip) is the reflected
 * (method-of-images) Gaussian, truncated at k < n. k = 0 is untouched: mass is conserved.
 * Not here: binning, bandwidth choice, cell averaging (compare.c). This is the only file of
 * symflow that includes <fftw3.h>.
 */
#include <fftw3.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "symflow/compare.h"

sf_status sf_dct_smooth(sf_ctx *ctx, size_t n, double length, double h, double *values)
{
    sf_status status = SF_OK;
    double *buf = NULL;
    fftw_plan fwd = NULL, back = NULL;
    SF_CHECK(ctx, n >= 1 && values, SF_E_ARG, "sf_dct_smooth: n = %zu or values NULL: expected "
             "n ≥ 1 values", n);
    SF_CHECK(ctx, isfinite(length) && length > 0.0, SF_E_ARG,
             "sf_dct_smooth: length = %g: expected a finite interval length > 0", length);
    SF_CHECK(ctx, isfinite(h) && h >= 0.0, SF_E_ARG,
             "sf_dct_smooth: h = %g: expected a finite width ≥ 0", h);
    SF_CHECK(ctx, n <= (size_t)INT_MAX, SF_E_ARG,
             "sf_dct_smooth: n = %zu: expected at most %d points (FFTW's int sizes)", n,
             INT_MAX);
    if (n == 1 || h == 0.0) goto cleanup;

    buf = fftw_malloc(n * sizeof *buf);
    SF_CHECK(ctx, buf, SF_E_NOMEM, "sf_dct_smooth: fftw_malloc of %zu bytes failed",
             n * sizeof *buf);
    /* FFTW_ESTIMATE plans without touching the array, so buf is filled afterwards. */
    fwd = fftw_plan_r2r_1d((int)n, buf, buf, FFTW_REDFT10, FFTW_ESTIMATE);
    back = fftw_plan_r2r_1d((int)n, buf, buf, FFTW_REDFT01, FFTW_ESTIMATE);
    SF_CHECK(ctx, fwd && back, SF_E_NOMEM, "sf_dct_smooth: FFTW could not plan a DCT of %zu "
             "points", n);
    for (size_t j = 0; j < n; j++) buf[j] = values[j];
    fftw_execute(fwd);
    const double scale = M_PI / length, half_h2 = 0.5 * h * h;
    for (size_t k = 1; k < n; k++) {
        const double q = scale * (double)k;
        buf[k] *= exp(-q * q * half_h2); /* underflows to 0 for the fine modes: harmless */
    }
    fftw_execute(back);
    const double norm = 1.0 / (2.0 * (double)n);
    for (size_t j = 0; j < n; j++) values[j] = buf[j] * norm;
cleanup:
    if (fwd) fftw_destroy_plan(fwd);
    if (back) fftw_destroy_plan(back);
    if (buf) fftw_free(buf);
    return status;
}
