/* kfactor.c — the factored kernel operator of form L (L8): K̂ ≈ Σ_r u_r(x) u_r(y) from a
 * tensor Chebyshev interpolant of K̂ on the reduced coordinate, O(N r) to apply.
 *
 * Does: evaluate K̂ (M11) at p × p Chebyshev points of the first kind on [lo, hi] with the
 * direct quadrature of kernel.c, p growing over SF_KF_SIZES until the coefficients of the
 * last quarter of degrees fall below tol × the largest; eigen-decompose the symmetric p × p
 * coefficient matrix A = Q Λ Qᵀ (GSL), keep the eigenvalues above tol × λ_max (the others,
 * negatives included, are dropped: the factor is symmetric positive semi-definite by
 * construction, as K̂ itself is, MATH §4.1); check the factor a posteriori against the direct
 * quadrature at SF_KF_CHECKS quasi-random points; evaluate the factor at given points.
 * Also: the Chebyshev operator of chebk.h (sf_kfactor_chebk: A = U Uᵀ and Ĝ's series, or
 * nothing when either misses tol), the one builder of form characteristics (charstart.c) and
 * the reduced particles (table.c), and sf_reduce_chebk, its case-level entry.
 * Does not: decide what to do when it does not converge (reduce.c falls back to the dense
 * table), apply the operator (solver/forml.c), Ĝ (tabulated directly: O(N) evaluations).
 *
 * Why PSD is the right truncation: F = K̂(x_j, x_l) at the Chebyshev points is congruent to A
 * (F = Vᵀ A V, V the invertible Chebyshev–Vandermonde matrix), so A has F's inertia; K̂ is a
 * Gram kernel, F is PSD up to quadrature error, and A's negative eigenvalues are noise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "reduction_internal.h"

/* Chebyshev sizes tried in turn: K̂ of the reference cases converges at p = 32 (measured,
 * tests/unit/kernel_factor.c); the largest costs p²/2 = 33 k kernel evaluations, the dense
 * table of a 256-cell grid. */
static const size_t SF_KF_SIZES[] = {16, 24, 32, 48, 64, 96, 128, 192, 256};
_Static_assert(SF_KERNEL_FACTOR_PMAX == 256, "the largest size below is the public bound");
enum {
    SF_KF_N_SIZES = (int)(sizeof SF_KF_SIZES / sizeof SF_KF_SIZES[0]),
    SF_KF_CHECKS = 64 /* a-posteriori check points (quasi-random pairs in [lo, hi]²) */
};

/* T_0 … T_{p−1} at ξ ∈ [−1, 1] by the three-term recurrence. */
static void cheb_row(size_t p, double xi, double *T)
{
    T[0] = 1.0;
    if (p > 1) T[1] = xi;
    for (size_t k = 2; k < p; k++) T[k] = 2.0 * xi * T[k - 1] - T[k - 2];
}

void sf_kfactor_free(sf_kfactor *f)
{
    if (!f) return;
    free(f->coef);
    *f = (sf_kfactor){0};
}

void sf_kfactor_eval(const sf_kfactor *f, size_t n, const double *x, double *B, double *work)
{
    const double mid = 0.5 * (f->lo + f->hi), half = 0.5 * (f->hi - f->lo);
    const size_t p = f->p, r = f->rank;
    for (size_t i = 0; i < n; i++) {
        cheb_row(p, fmax(-1.0, fmin(1.0, (x[i] - mid) / half)), work);
        double *row = B + i * r;
        for (size_t q = 0; q < r; q++) row[q] = 0.0;
        for (size_t k = 0; k < p; k++) {
            const double t = work[k], *c = f->coef + k * r;
            for (size_t q = 0; q < r; q++) row[q] += t * c[q];
        }
    }
}

/* Coefficients A = C F Cᵀ of the interpolant on p first-kind points (C_kj = (2/p) T_k(ξ_j),
 * halved for k = 0); returns max |A| and the tail max |A_kl| over max(k, l) ≥ p − p/4. */
static void coefficients(size_t p, const double *F, const double *C, double *tmp, double *A,
                         double *amax, double *tail)
{
    for (size_t k = 0; k < p; k++) /* tmp = C F */
        for (size_t l = 0; l < p; l++) {
            double s = 0.0;
            for (size_t j = 0; j < p; j++) s += C[k * p + j] * F[j * p + l];
            tmp[k * p + l] = s;
        }
    *amax = 0.0;
    *tail = 0.0;
    const size_t cut = p - p / 4;
    for (size_t k = 0; k < p; k++)
        for (size_t l = 0; l <= k; l++) { /* A = tmp Cᵀ, symmetrised exactly */
            double s = 0.0;
            for (size_t j = 0; j < p; j++) s += tmp[k * p + j] * C[l * p + j];
            A[k * p + l] = s;
            A[l * p + k] = s;
            *amax = fmax(*amax, fabs(s));
            if (k >= cut) *tail = fmax(*tail, fabs(s));
        }
}

sf_status sf_kfactor_build(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                           sf_kfactor *out)
{
    sf_status status = SF_OK;
    sf_kfactor f = {.lo = lo, .hi = hi};
    double *pts = NULL, *F = NULL, *C = NULL, *tmp = NULL, *A = NULL, *Q = NULL, *lam = NULL;
    double *row = NULL;
    gsl_eigen_symmv_workspace *w = NULL;
    SF_CHECK(ctx, k && out && lo < hi && tol > 0.0, SF_E_ARG, "sf_kfactor_build: bad argument");
    const size_t pmax = SF_KF_SIZES[SF_KF_N_SIZES - 1];
    SF_ALLOC(ctx, pts, pmax);
    SF_ALLOC(ctx, F, pmax * pmax);
    SF_ALLOC(ctx, C, pmax * pmax);
    SF_ALLOC(ctx, tmp, pmax * pmax);
    SF_ALLOC(ctx, A, pmax * pmax);
    SF_ALLOC(ctx, Q, pmax * pmax);
    SF_ALLOC(ctx, lam, pmax);
    SF_ALLOC(ctx, row, pmax);
    const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
    size_t p = 0;
    double amax = 0.0, tail = INFINITY;
    for (int s = 0; s < SF_KF_N_SIZES; s++) {
        p = SF_KF_SIZES[s];
        for (size_t j = 0; j < p; j++) {
            const double xi = -cos(M_PI * ((double)j + 0.5) / (double)p); /* ascending */
            pts[j] = mid + half * xi;
            cheb_row(p, xi, row);
            for (size_t kk = 0; kk < p; kk++)
                C[kk * p + j] = (kk == 0 ? 1.0 : 2.0) / (double)p * row[kk];
        }
        sf_kernel_tabulate_K(k, p, pts, F, NULL);
        coefficients(p, F, C, tmp, A, &amax, &tail);
        if (tail <= tol * amax) break;
    }
    f.p = p;
    f.tail = amax > 0.0 ? tail / amax : 0.0;
    f.converged = tail <= tol * amax;

    /* A = Q Λ Qᵀ, eigenvalues in decreasing order */
    w = gsl_eigen_symmv_alloc(p);
    SF_CHECK(ctx, w != NULL, SF_E_NOMEM, "sf_kfactor_build: eigen workspace of size %zu", p);
    {
        gsl_matrix_view Av = gsl_matrix_view_array(A, p, p);
        gsl_matrix_view Qv = gsl_matrix_view_array(Q, p, p);
        gsl_vector_view lv = gsl_vector_view_array(lam, p);
        SF_CHECK(ctx, gsl_eigen_symmv(&Av.matrix, &lv.vector, &Qv.matrix, w) == 0, SF_E_NUMERIC,
                 "kernel factor: the eigen-decomposition of the %zu x %zu Chebyshev coefficients "
                 "failed", p, p);
        gsl_eigen_symmv_sort(&lv.vector, &Qv.matrix, GSL_EIGEN_SORT_VAL_DESC);
    }
    const double lmax = lam[0];
    size_t r = 0;
    while (r < p && lam[r] > tol * lmax) r++;
    f.rank = r;
    f.lambda_max = lmax;
    f.lambda_min = lam[p - 1];
    SF_CHECK(ctx, r > 0, SF_E_NUMERIC, "kernel factor: K̂ has no positive eigenvalue (λ_max = %g)",
             lmax);
    SF_ALLOC(ctx, f.coef, p * r);
    for (size_t kk = 0; kk < p; kk++)
        for (size_t q = 0; q < r; q++) f.coef[kk * r + q] = Q[kk * p + q] * sqrt(lam[q]);

    /* a posteriori: direct quadrature at quasi-random pairs (additive recurrence with the
     * plastic number, R₂ sequence), relative to the largest sampled |K̂| */
    {
        const double g = 1.32471795724474602596, a1 = 1.0 / g, a2 = 1.0 / (g * g);
        double err = 0.0, kmax = 0.0;
        for (size_t j = 0; j < p * p; j++) kmax = fmax(kmax, fabs(F[j]));
        double ux[1], uy[1];
        double *bx = tmp, *by = tmp + r; /* tmp is free now (≥ 2r doubles) */
        for (int j = 1; j <= SF_KF_CHECKS; j++) {
            ux[0] = lo + (hi - lo) * fmod(0.5 + a1 * j, 1.0);
            uy[0] = lo + (hi - lo) * fmod(0.5 + a2 * j, 1.0);
            sf_kfactor_eval(&f, 1, ux, bx, row);
            sf_kfactor_eval(&f, 1, uy, by, row);
            double v = 0.0;
            for (size_t q = 0; q < r; q++) v += bx[q] * by[q];
            err = fmax(err, fabs(v - sf_kernel_K(k, ux[0], uy[0])));
        }
        f.check = kmax > 0.0 ? err / kmax : err;
    }
    *out = f;
    f = (sf_kfactor){0};
cleanup:
    if (w) gsl_eigen_symmv_free(w);
    free(pts);
    free(F);
    free(C);
    free(tmp);
    free(A);
    free(Q);
    free(lam);
    free(row);
    sf_kfactor_free(&f);
    return status;
}

/* Ĝ on [lo, hi] by an adaptive 1-D Chebyshev interpolant (first-kind points, the sizes of
 * SF_KF_SIZES, the last quarter of the coefficients ≤ tol × the largest), checked a posteriori
 * against the direct quadrature at SF_KF_CHECKS quasi-random points (relative to max |Ĝ|).
 * coef: SF_KERNEL_FACTOR_PMAX doubles; *p its length. *ok = 0 when it does not converge or the
 * check exceeds check_max × tol: the caller evaluates Ĝ directly. */
sf_status sf_kfactor_G_coef(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                            double check_max, double *c, size_t *pc, int *ok, double *check)
{
    sf_status status = SF_OK;
    double *f = NULL, *T = NULL;
    const size_t pmax = SF_KF_SIZES[SF_KF_N_SIZES - 1];
    *ok = 0;
    *pc = 0;
    SF_ALLOC(ctx, f, pmax);
    SF_ALLOC(ctx, T, pmax);
    const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
    size_t p = 0;
    double cmax = 0.0, tail = INFINITY, fmaxv = 0.0;
    for (int s = 0; s < SF_KF_N_SIZES && !(tail <= tol * cmax); s++) {
        p = SF_KF_SIZES[s];
        fmaxv = 0.0;
        for (size_t j = 0; j < p; j++) {
            f[j] = sf_kernel_G(k, mid - half * cos(M_PI * ((double)j + 0.5) / (double)p));
            fmaxv = fmax(fmaxv, fabs(f[j]));
        }
        for (size_t kk = 0; kk < p; kk++) c[kk] = 0.0;
        for (size_t j = 0; j < p; j++) {
            cheb_row(p, -cos(M_PI * ((double)j + 0.5) / (double)p), T);
            for (size_t kk = 0; kk < p; kk++) c[kk] += (kk == 0 ? 1.0 : 2.0) / (double)p * T[kk] * f[j];
        }
        cmax = 0.0;
        tail = 0.0;
        for (size_t kk = 0; kk < p; kk++) {
            cmax = fmax(cmax, fabs(c[kk]));
            if (kk >= p - p / 4) tail = fmax(tail, fabs(c[kk]));
        }
    }
    if (!(tail <= tol * cmax)) goto cleanup;
    {
        const double g = 1.32471795724474602596;
        double err = 0.0;
        for (int j = 1; j <= SF_KF_CHECKS; j++) {
            const double xx = lo + (hi - lo) * fmod(0.5 + j / g, 1.0);
            cheb_row(p, (xx - mid) / half, T);
            double v = 0.0;
            for (size_t kk = 0; kk < p; kk++) v += c[kk] * T[kk];
            err = fmax(err, fabs(v - sf_kernel_G(k, xx)));
        }
        *check = fmaxv > 0.0 ? err / fmaxv : err;
        if (*check > check_max * tol) goto cleanup;
    }
    *pc = p;
    *ok = 1;
cleanup:
    free(f);
    free(T);
    return status;
}

sf_status sf_kfactor_G(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                       double check_max, size_t n, const double *x, double *G, int *ok,
                       double *check)
{
    sf_status status = SF_OK;
    double *c = NULL, *T = NULL;
    size_t p = 0;
    SF_ALLOC(ctx, c, SF_KERNEL_FACTOR_PMAX);
    SF_ALLOC(ctx, T, SF_KERNEL_FACTOR_PMAX);
    SF_TRY(ctx, sf_kfactor_G_coef(ctx, k, lo, hi, tol, check_max, c, &p, ok, check));
    const double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo);
    for (size_t i = 0; *ok && i < n; i++) {
        cheb_row(p, fmax(-1.0, fmin(1.0, (x[i] - mid) / half)), T);
        double v = 0.0;
        for (size_t kk = 0; kk < p; kk++) v += c[kk] * T[kk];
        G[i] = v;
    }
cleanup:
    free(c);
    free(T);
    return status;
}

void sf_kfactor_gram(size_t n, size_t r, const double *B, double *K)
{
    for (size_t k = 0; k < n; k++)
        for (size_t l = 0; l <= k; l++) {
            double s = 0.0;
            for (size_t q = 0; q < r; q++) s += B[k * r + q] * B[l * r + q];
            K[k * n + l] = K[l * n + k] = s;
        }
}

int sf_kfactor_good(const sf_kfactor *f, double tol)
{
    return f->converged && f->check <= SF_KF_CHECK_FACTOR * tol;
}

sf_status sf_kfactor_chebk(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                           sf_chebk *out)
{
    sf_status status = SF_OK;
    sf_kfactor kf = {0};
    double *g = NULL, *A = NULL;
    int ok = 0;
    size_t pG = 0;
    double checkG = NAN;
    *out = (sf_chebk){.p = 0};
    SF_TRY(ctx, sf_kfactor_build(ctx, k, lo, hi, tol, &kf));
    if (!sf_kfactor_good(&kf, tol)) goto cleanup;
    SF_ALLOC(ctx, g, SF_KERNEL_FACTOR_PMAX);
    SF_TRY(ctx, sf_kfactor_G_coef(ctx, k, lo, hi, tol, SF_KF_CHECK_FACTOR, g, &pG, &ok, &checkG));
    if (!ok) goto cleanup;
    SF_ALLOC(ctx, A, kf.p * kf.p);
    sf_kfactor_gram(kf.p, kf.rank, kf.coef, A); /* A = U Uᵀ */
    *out = (sf_chebk){.p = kf.p, .lo = lo, .hi = hi, .A = A, .pG = pG, .g = g, .rank = kf.rank,
                      .check = kf.check, .check_G = checkG};
    A = g = NULL;
cleanup:
    sf_kfactor_free(&kf);
    free(A);
    free(g);
    return status;
}

sf_status sf_reduce_chebk(sf_ctx *ctx, const sf_case *c, sf_chebk *out)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    SF_CHECK(ctx, c && out, SF_E_ARG, "sf_reduce_chebk: NULL argument");
    *out = (sf_chebk){.p = 0};
    if (c->solver.kernel != SF_KERNEL_FACTORED) goto cleanup; /* solver.kernel: dense */
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k));
    const sf_coord *co = sf_coord_get(sf_kernel_coord(k).id);
    SF_TRY(ctx, sf_kfactor_chebk(ctx, k, co->lo, co->hi, c->solver.kernel_tol, out));
cleanup:
    sf_kernel_destroy(&k);
    return status;
}
