/* formh_odd_linear.c — form H against the closed ODE (M9) on the odd-linear case (f* = x₁,
 * d = 10, d_H = 1, gaussian start σ_a = σ_b = 1, MATH §3, §7, cases/odd-linear.yaml), under
 * refinement of the planner's grids (uniform φ-cells 32, 48, 64; N⁰ η-cells twice that),
 * and on the planner's default grid (grid.cells and grid.spacing not set: 64 φ-cells refined
 * toward φ = 0, ratio 2), from the start of (H5):
 *   e_exact = max over t ≤ 4 of |w(t) − w_M9(t)| / |w*|, (M9) from the exact moments
 *   (w, M₁₁, s)(0) = (0, 1, 1);
 *   e_own: the same from the grid's own start moments (isolates the transport error from
 *   the midpoint quadrature of the start's moments, ∫cos²φ dτ₀ = 1/d, which is O(h_φ²)).
 * Asserted: the observed order of e_exact over the three uniform grids ≥ P_MIN; on the
 * default grid e_exact ≤ 1e-3 (issue 11's budget) and e_own ≤ 1e-3 as well.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "hyper.h"

static const double RTOL = 1e-9, ATOL = 1e-12; /* CVODE: far under the errors (≥ 1e-5) */
enum { N_GRIDS = 4, N_T = 7, N_RK = 4000 /* RK4 steps of (M9) on [0, 4]: error ~ 1e-14 */ };
static const long CELLS[N_GRIDS] = {32, 48, 64, 0}; /* 0: the default grid */
static const double TIMES[N_T] = {0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0};
static const double P_MIN = 1.8; /* MUSCL on smooth data is second order; 1.8 leaves room for
                                    the pre-asymptotic van Leer clipping at the φ-extremum of
                                    τ₀ (a first-order scheme shows ≤ 1.1 and fails) */
static const double BUDGET = 1e-3; /* issue 11: relative error in w(t), t ≤ 4 */

/* (M9) for d_H = 1, E xxᵀ = I (as tests/convergence/formt_odd_linear.c). */
static void m9_rhs(const double *x, double wstar, double *dx)
{
    double del = x[0] - wstar;
    dx[0] = -0.25 * (x[2] + x[1]) * del;
    dx[1] = -2.0 * del * x[0];
    dx[2] = -2.0 * x[0] * del;
}

/* w at each of TIMES from (w0, m0, s0). */
static void m9_w(double w0, double m0, double s0, double wstar, double *w)
{
    double x[3] = {w0, m0, s0}, k[4][3], tmp[3], t = 0.0;
    const double h = TIMES[N_T - 1] / N_RK;
    size_t next = 0;
    for (int n = 0; n < N_RK && next < N_T; n++) {
        m9_rhs(x, wstar, k[0]);
        for (int i = 0; i < 3; i++) tmp[i] = x[i] + 0.5 * h * k[0][i];
        m9_rhs(tmp, wstar, k[1]);
        for (int i = 0; i < 3; i++) tmp[i] = x[i] + 0.5 * h * k[1][i];
        m9_rhs(tmp, wstar, k[2]);
        for (int i = 0; i < 3; i++) tmp[i] = x[i] + h * k[2][i];
        m9_rhs(tmp, wstar, k[3]);
        for (int i = 0; i < 3; i++) x[i] += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
        t = (n + 1) * h;
        if (fabs(t - TIMES[next]) < 0.5 * h) w[next++] = x[0];
    }
}

static sf_status solve(sf_ctx *ctx, long cells, double *e_exact, double *e_own, size_t *nphi)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    hyper_inst x = {0};
    double *y = NULL, wex[N_T], wown[N_T];
    sf_formh_diag dg[N_T + 1];
    const double wstar = 1.0; /* E[x f*(x)] for f* = x₁ */
    SF_TRY(ctx, hyper_case(ctx, &c, 10, "linear", cells));
    SF_TRY(ctx, hyper_build(ctx, &c, 0.0, &x));
    SF_ALLOC(ctx, y, x.n);
    SF_TRY(ctx, hyper_solve(ctx, &x, RTOL, ATOL, TIMES, N_T, dg, y));
    *nphi = x.g[0].n;
    if (cells <= 0) /* the default ω-grid is refined toward φ = 0: widths grow by 2^{63/64} */
        SF_EXPECT(x.g[0].widths[x.g[0].n - 1] > 1.5 * x.g[0].widths[0]);
    m9_w(0.0, 1.0, 1.0, wstar, wex);
    m9_w(dg[0].w, dg[0].m11, dg[0].s, wstar, wown);
    *e_exact = *e_own = 0.0;
    for (size_t k = 0; k < N_T; k++) {
        *e_exact = fmax(*e_exact, fabs(dg[k + 1].w - wex[k]) / wstar);
        *e_own = fmax(*e_own, fabs(dg[k + 1].w - wown[k]) / wstar);
    }
    printf("  %2zu phi x %3zu eta cells: start M11 = %.8f s = %.8f; w(4) = %.8f; max_t |w - "
           "w_M9| / w*: exact start %.3e, own start %.3e\n", x.g[0].n, x.g[1].n, dg[0].m11,
           dg[0].s, dg[N_T].w, *e_exact, *e_own);
cleanup:
    free(y);
    hyper_free(&x);
    sf_case_free(&c);
    return status;
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    double ex[N_GRIDS], own[N_GRIDS];
    size_t nphi[N_GRIDS] = {0};
    int ok = 1;
    for (int g = 0; g < N_GRIDS; g++) {
        sf_status s = solve(ctx, CELLS[g], &ex[g], &own[g], &nphi[g]);
        SF_EXPECT_OK(ctx, s);
        ok = ok && s == SF_OK;
    }
    if (ok) {
        for (int g = 1; g + 1 < N_GRIDS; g++)
            printf("  order %zu -> %zu: exact start %.2f, own start %.2f\n", nphi[g - 1], nphi[g],
                   log(ex[g - 1] / ex[g]) / log((double)nphi[g] / nphi[g - 1]),
                   log(own[g - 1] / own[g]) / log((double)nphi[g] / nphi[g - 1]));
        const int u = N_GRIDS - 2; /* the finest uniform grid */
        const double p = log(ex[0] / ex[u]) / log((double)nphi[u] / nphi[0]);
        printf("  order over %zu -> %zu: %.2f (asserted >= %.1f); default grid (%zu refined "
               "phi-cells): exact start %.3e, own start %.3e (asserted <= %.0e)\n", nphi[0],
               nphi[u], p, P_MIN, nphi[N_GRIDS - 1], ex[N_GRIDS - 1], own[N_GRIDS - 1], BUDGET);
        SF_EXPECT(p >= P_MIN);
        SF_EXPECT_LE(ex[N_GRIDS - 1], BUDGET);
        SF_EXPECT_LE(own[N_GRIDS - 1], BUDGET);
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
