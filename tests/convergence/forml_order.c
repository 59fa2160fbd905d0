/* forml_order.c — measured convergence order of form L on paper-norm (d = 30, d_H = 5,
 * f* = |x_H|, MATH.md §7): R(10), |τ⁺|(10), |τ⁻|(10) on uniform grids of N = 50 … 400
 * cells against N = 1600 (MUSCL, van Leer), for MUSCL and first-order upwind (MATH §5:
 * "Convergence order is measured"), and the L¹ errors of the densities τ⁺(10), τ⁻(10)
 * against the reference projected onto each grid by cell-mass summation (nested uniform
 * grids). Prints the table of errors and observed orders.
 * Pass: MUSCL order on R ≥ 1.8 between the two finest grids (the issue's bound for a
 * second-order scheme), upwind order on R in [0.8, 1.3] (first order ± the pre-asymptotic
 * spread seen on such problems); MUSCL L¹ order of τ⁺ and τ⁻ between the two finest grids
 * ≥ L1_MIN_ORDER (second order, less what the reference's own error can take off).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lifted.h"
#include "symflow/forml.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"

static const double T_END = 10.0;
/* CVODE tolerances: far below the finest grid's discretisation error (≈ 1e-6 at N = 400) */
static const double RTOL = 1e-11, ATOL = 1e-13;
/* L¹ order of MUSCL (van Leer) densities: 2 on smooth data; the limiter's clipping at the
 * smooth extrema of τ^ε is first order on O(h)-wide neighbourhoods, i.e. O(h²) in L¹. */
static const double L1_ORDER = 2.0;
/* The lowest L¹ order measurable between the two finest grids (N, 2N; ratio 2) for a true
 * error C h^L1_ORDER, when the reference (REF_FACTOR × the finest N cells) carries its own
 * error e_ref = e_2N · REF_FACTOR^{−p} of either sign: log₂((2^p − q^{−p})/(1 + q^{−p}))
 * with q = REF_FACTOR: 1.89 for p = 2, q = 4 (computed in main). */
enum { REF_FACTOR = 4 };

/* R, |τ⁺|, |τ⁻| at T_END into out; if mass is non-NULL, the cell masses of τ⁺ (cells values)
 * then τ⁻ (cells values) at T_END: density × width, for the L¹ error. */
static sf_status solve(sf_ctx *ctx, size_t cells, sf_recon recon, double out[3], double *mass)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_test_lifted s = {0};
    SF_TRY(ctx, sf_case_defaults(ctx, &c));
    c.problem.d = 30;
    c.problem.d_H = 5;
    snprintf(c.problem.target, sizeof c.problem.target, "norm");
    SF_TRY(ctx, sf_test_lifted_setup(ctx, &c, cells, recon, RTOL, ATOL, &s));
    SF_TRY(ctx, sf_ode_advance(ctx, s.ode, T_END, s.y));
    sf_forml_diag d;
    sf_forml_diagnose(s.f, s.y, s.y0, &d);
    out[0] = d.risk;
    out[1] = d.mass_plus;
    out[2] = d.mass_minus;
    for (size_t i = 0; mass && i < cells; i++) {
        mass[i] = s.y[i] * s.g.widths[i];
        mass[cells + i] = s.y[cells + i] * s.g.widths[i];
    }
cleanup:
    sf_test_lifted_free(&s);
    sf_case_free(&c);
    return status;
}

/* L¹ errors of τ⁺ and τ⁻ of the N-cell masses against the reference's: the reference (N_REF
 * cells, nested uniform grids, N_REF/N fine cells per coarse cell) is projected onto the
 * coarse cells by summing its cell masses, so ‖τ_N − τ_ref‖_{L¹} = Σ_i |M_i − Σ_{j ∈ i} M_j|. */
static void l1_errors(size_t n, const double *mass, size_t n_ref, const double *ref, double out[2])
{
    const size_t k = n_ref / n;
    for (int e = 0; e < 2; e++) {
        out[e] = 0.0;
        for (size_t i = 0; i < n; i++) {
            double proj = 0.0;
            for (size_t j = i * k; j < (i + 1) * k; j++) proj += ref[(size_t)e * n_ref + j];
            out[e] += fabs(mass[(size_t)e * n + i] - proj);
        }
    }
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    enum { NG = 4 };
    enum { N_REF = 1600, NQ = 5 };
    _Static_assert(N_REF == REF_FACTOR * 400, "the reference is REF_FACTOR × the finest grid");
    const size_t cells[NG] = {50, 100, 200, 400};
    double ref[3];
    double *ref_mass = calloc(2 * N_REF, sizeof *ref_mass), *mass = calloc(2 * N_REF, sizeof *mass);
    if (!ref_mass || !mass) return 1;
    SF_EXPECT_OK(ctx, solve(ctx, N_REF, SF_RECON_MUSCL, ref, ref_mass));
    printf("reference N = 1600 (muscl): R(10) = %.12g, |tau+|(10) = %.12g, |tau-|(10) = %.12g\n",
           ref[0], ref[1], ref[2]);
    const char *names[NQ] = {"R", "|tau+|", "|tau-|", "L1 tau+", "L1 tau-"};
    for (int r = 0; r < 2; r++) {
        sf_recon recon = r == 0 ? SF_RECON_MUSCL : SF_RECON_UPWIND;
        double err[NG][NQ];
        printf("%s:\n  %6s", r == 0 ? "muscl (van Leer)" : "upwind", "N");
        for (int q = 0; q < NQ; q++) printf("  %12s %6s", names[q], "order");
        printf("\n");
        for (int k = 0; k < NG; k++) {
            double v[3] = {NAN, NAN, NAN};
            SF_EXPECT_OK(ctx, solve(ctx, cells[k], recon, v, mass));
            printf("  %6zu", cells[k]);
            for (int q = 0; q < 3; q++) err[k][q] = fabs(v[q] - ref[q]);
            l1_errors(cells[k], mass, N_REF, ref_mass, &err[k][3]);
            for (int q = 0; q < NQ; q++) {
                if (k == 0)
                    printf("  %12.3e %6s", err[k][q], "");
                else
                    printf("  %12.3e %6.2f", err[k][q], log(err[k - 1][q] / err[k][q]) / log(2.0));
            }
            printf("\n");
        }
        double order = log(err[NG - 2][0] / err[NG - 1][0]) / log(2.0);
        if (r == 0) {
            SF_EXPECT_LE(1.8, order);
            const double qp = pow(REF_FACTOR, -L1_ORDER);
            const double l1_min = log2((pow(2.0, L1_ORDER) - qp) / (1.0 + qp));
            for (int q = 3; q < NQ; q++) {
                double o = log(err[NG - 2][q] / err[NG - 1][q]) / log(2.0);
                printf("  %s order %zu -> %zu: %.2f (bound %.2f)\n", names[q], cells[NG - 2],
                       cells[NG - 1], o, l1_min);
                SF_EXPECT_LE(l1_min, o);
            }
        } else {
            SF_EXPECT(order >= 0.8 && order <= 1.3);
        }
    }
    free(ref_mass);
    free(mass);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
