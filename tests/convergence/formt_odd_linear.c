/* formt_odd_linear.c — form T against the closed ODE (M9) on the odd-linear case
 * (f* = x₁, d = 10, d_H = 1, gaussian start σ_a = σ_b = 1, MATH §3, §7), under refinement:
 *   w(t) of the grid solution vs (M9) started from the grid's own initial (w, M₁₁, s)
 *   (isolates the transport error) and vs (M9) from the exact moments (w, M₁₁, s) = (0, 1, 1);
 *   the drift of ∫(a² − ρ²) n (I3), conserved by the PDE: measured (its two-grid ratio is
 *   printed, not asserted: it is dominated by the linear φ-interpolation, O(h_φ²) in size
 *   but of a sign that depends on where the cell angles fall among the φ-centres) and
 *   bounded by the discretisation error of the initial moment s = ∫a² n on the same grid.
 * Grids of 16³, 24³, 32³ cells on the box of sf_reduce_transport_box; observed orders printed;
 * asserted: the error from the own start stays under the order-3/2 envelope of the coarsest grid.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "symflow/formt.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"

/* CVODE tolerances: far under the discretisation errors measured here (≥ 10⁻⁵). */
static const double RTOL = 1e-9, ATOL = 1e-12;
static const double T_END = 4.0; /* w reaches ~0.8 w*: the bulk of the learning */
enum { N_GRIDS = 3, N_RK = 4000 /* RK4 steps of (M9) on [0, T_END]: error ~ 10⁻¹⁴ */ };
static const size_t CELLS[N_GRIDS] = {16, 24, 32};
/* Error envelope of w(T_END) vs (M9) from the grid's own start: err(h) ≤ err(h₀)·(h/h₀)^P_T
 * with h₀ the coarsest grid (constant measured there, order stated here). MUSCL is second
 * order on smooth data, but on these grids form T is pre-asymptotic: van Leer clips the
 * smooth extrema of n and the linear deposit onto the φ-grid misplaces the mass of the cells
 * around ρ = 0, where φ = atan2(r, u) varies by O(1) across a cell. Measured observed orders
 * rise with refinement, 1.55 (16³ → 24³), 1.52 (24³ → 32³), 1.9 (32³ → 48³, errors 1.7e-3 →
 * 8.0e-4; too slow for the suite), so the order asserted from the coarsest grid is the
 * pre-asymptotic 3/2, not 2. A first-order error on these grids shows as ≤ 1.1 and fails. */
static const double P_T = 1.5;

/* (M9) for d_H = 1, E xxᵀ = I: ẇ = −¼(s + m)(w − w*), ṁ = −2(w − w*)w, ṡ = −2w(w − w*). */
static void m9_rhs(const double *x, double wstar, double *dx)
{
    double del = x[0] - wstar;
    dx[0] = -0.25 * (x[2] + x[1]) * del;
    dx[1] = -2.0 * del * x[0];
    dx[2] = -2.0 * x[0] * del;
}

static double m9_w(double w0, double m0, double s0, double wstar, double t)
{
    double x[3] = {w0, m0, s0}, k[4][3], tmp[3];
    const double h = t / N_RK;
    for (int n = 0; n < N_RK; n++) {
        m9_rhs(x, wstar, k[0]);
        for (int i = 0; i < 3; i++) tmp[i] = x[i] + 0.5 * h * k[0][i];
        m9_rhs(tmp, wstar, k[1]);
        for (int i = 0; i < 3; i++) tmp[i] = x[i] + 0.5 * h * k[1][i];
        m9_rhs(tmp, wstar, k[2]);
        for (int i = 0; i < 3; i++) tmp[i] = x[i] + h * k[2][i];
        m9_rhs(tmp, wstar, k[3]);
        for (int i = 0; i < 3; i++) x[i] += h / 6.0 * (k[0][i] + 2.0 * k[1][i] + 2.0 * k[2][i] + k[3][i]);
    }
    return x[0];
}

typedef struct {
    double err_own, err_exact, bal_drift, w, moment_err;
} result;

static sf_status solve(sf_ctx *ctx, size_t cells, result *res)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_instance *in = NULL;
    sf_ode *ode = NULL;
    double *y = NULL;
    SF_TRY(ctx, sf_case_defaults(ctx, &c));
    c.problem.d = 10;
    c.problem.d_H = 1;
    snprintf(c.problem.target, sizeof c.problem.target, "linear");
    c.start.law = SF_START_GAUSSIAN;
    snprintf(c.form, sizeof c.form, "transport");
    c.grid.cells = (long)cells;
    c.grid.spacing = SF_SPACING_UNIFORM; /* on the box of sf_reduce_transport_box */
    SF_TRY(ctx, sf_registry_build(ctx, &c, &in));
    sf_formt *f = sf_formt_of(sf_instance_form(in));
    const sf_transport_problem p = *sf_formt_tables(f);
    const size_t n = sf_formt_size(f);
    SF_ALLOC(ctx, y, n);
    sf_formt_initial(f, y);
    sf_formt_diag d0, d1;
    sf_formt_diagnose(f, y, &d0);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0); /* tolerances set below */
    op.rtol = RTOL;
    op.atol = ATOL;
    SF_TRY(ctx, sf_ode_create(ctx, n, 0.0, y, sf_formt_rhs, f, &op, &ode));
    SF_TRY(ctx, sf_ode_advance(ctx, ode, T_END, y));
    sf_formt_diagnose(f, y, &d1);
    const double wstar = 1.0; /* E[x f*(x)] for f* = x₁ */
    res->w = d1.w;
    res->err_own = fabs(d1.w - m9_w(d0.w, d0.m11, d0.s, wstar, T_END));
    res->err_exact = fabs(d1.w - m9_w(0.0, 1.0, 1.0, wstar, T_END));
    res->bal_drift = fabs(d1.balance - d0.balance);
    res->moment_err = fabs(d0.s - 1.0); /* midpoint-rule error of ∫a² n₀ = σ_a² = 1, O(h²) */
    printf("  %2zu^3 cells, n_phi %3zu: w(0) = %.2e M11(0) = %.10f s(0) = %.10f | w(%g) = %.10f "
           "err vs (M9) own start %.3e, exact start %.3e | balance drift %.3e\n",
           cells, p.n_phi, d0.w, d0.m11, d0.s, T_END, d1.w, res->err_own, res->err_exact,
           res->bal_drift);
cleanup:
    free(y);
    sf_ode_destroy(&ode);
    sf_instance_destroy(&in);
    sf_case_free(&c);
    return status;
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    result r[N_GRIDS];
    int ok = 1;
    for (int g = 0; g < N_GRIDS; g++) {
        sf_status s = solve(ctx, CELLS[g], &r[g]);
        SF_EXPECT_OK(ctx, s);
        if (s != SF_OK) ok = 0;
    }
    if (ok) {
        for (int g = 1; g < N_GRIDS; g++) {
            double ratio = log((double)CELLS[g] / (double)CELLS[g - 1]);
            double p_own = log(r[g - 1].err_own / r[g].err_own) / ratio;
            double p_exact = log(r[g - 1].err_exact / r[g].err_exact) / ratio;
            double p_bal = log(r[g - 1].bal_drift / r[g].bal_drift) / ratio;
            printf("  order %zu -> %zu: w vs (M9) own start %.2f, exact start %.2f; balance drift %.2f\n",
                   CELLS[g - 1], CELLS[g], p_own, p_exact, p_bal);
        }
        for (int g = 1; g < N_GRIDS; g++) {
            double envelope = r[0].err_own * pow((double)CELLS[0] / (double)CELLS[g], P_T);
            printf("  %2zu^3: err vs (M9) own start %.3e ≤ err(%zu^3)·(%zu/%zu)^%.1f = %.3e\n",
                   CELLS[g], r[g].err_own, CELLS[0], CELLS[0], CELLS[g], P_T, envelope);
            SF_EXPECT_LE(r[g].err_own, envelope);
        }
        for (int g = 0; g < N_GRIDS; g++) SF_EXPECT_LE(r[g].bal_drift, r[g].moment_err);
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
