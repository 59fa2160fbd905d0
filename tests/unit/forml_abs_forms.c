/* forml_abs_forms.c — two reductions of the same problem must agree (issue 4): f* = |x₁|
 * (d = 20, d_H = 1, balanced start) solved by form L on the half circle φ ∈ [0, π]
 * (problem.fold_even = false: quotient by O(k) only) and on θ ∈ [0, π/2] (fold_even = true:
 * also by x₁ ↦ −x₁). With N_φ = 2 N_θ uniform cells the folded φ-density
 * τ(θ) = τ(φ = θ) + τ(φ = π − θ) lives on the θ-grid cell by cell, so R(t) and the
 * θ-marginals are compared directly; their differences are discretisation errors of the two
 * solvers and must fall at second order (MUSCL): observed order ≥ 1.5 on both (2 minus the
 * pre-asymptotic spread measured in forml_order).
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

static const double T_END = 3.0;
static const double RTOL = 1e-11, ATOL = 1e-13; /* far below the discretisation errors */
static const double SF_AGREE = 100 * 1e-11;        /* 100 × RTOL, see above */

/* Solve to T_END; masses (cell masses, both signs) into tp, tm (n cells), R into *risk. */
static sf_status solve(sf_ctx *ctx, int fold, size_t cells, double *tp, double *tm, double *risk)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_test_lifted s = {0};
    SF_TRY(ctx, sf_case_defaults(ctx, &c));
    c.problem.d = 20;
    c.problem.d_H = 1;
    c.problem.fold_even = fold;
    snprintf(c.problem.target, sizeof c.problem.target, "abs");
    SF_TRY(ctx, sf_test_lifted_setup(ctx, &c, cells, SF_RECON_MUSCL, RTOL, ATOL, &s));
    SF_CHECK(ctx, s.coord.id == (fold ? SF_COORD_THETA : SF_COORD_PHI), SF_E_ARG,
             "unexpected coordinate %s", sf_coord_get(s.coord.id)->name);
    SF_TRY(ctx, sf_ode_advance(ctx, s.ode, T_END, s.y));
    sf_forml_diag d;
    sf_forml_diagnose(s.f, s.y, s.y0, &d);
    *risk = d.risk;
    for (size_t i = 0; i < cells; i++) {
        tp[i] = s.y[i] * s.g.widths[i];
        tm[i] = s.y[cells + i] * s.g.widths[i];
    }
cleanup:
    sf_test_lifted_free(&s);
    sf_case_free(&c);
    return status;
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    enum { NG = 3 };
    const size_t nth[NG] = {50, 100, 200};
    double dr[NG], dl1[NG];
    for (int k = 0; k < NG; k++) {
        size_t n = nth[k];
        double *tp = calloc(n, sizeof *tp), *tm = calloc(n, sizeof *tm);
        double *pp = calloc(2 * n, sizeof *pp), *pm = calloc(2 * n, sizeof *pm);
        double r_theta = NAN, r_phi = NAN;
        SF_EXPECT_OK(ctx, solve(ctx, 1, n, tp, tm, &r_theta));
        SF_EXPECT_OK(ctx, solve(ctx, 0, 2 * n, pp, pm, &r_phi));
        dl1[k] = 0.0;
        for (size_t i = 0; i < n; i++) {
            /* φ-cell i and φ-cell 2n−1−i both fold onto θ-cell i */
            dl1[k] += fabs(pp[i] + pp[2 * n - 1 - i] - tp[i]) + fabs(pm[i] + pm[2 * n - 1 - i] - tm[i]);
        }
        dr[k] = fabs(r_theta - r_phi);
        printf("N_theta = %3zu, N_phi = %3zu: R(3) = %.12f (theta) vs %.12f (phi), |dR| = %.3e, "
               "L1 of folded marginals %.3e\n", n, 2 * n, r_theta, r_phi, dr[k], dl1[k]);
        free(tp), free(tm), free(pp), free(pm);
    }
    for (int k = 0; k < NG; k++) {
        SF_EXPECT_LE(dr[k], SF_AGREE);
        SF_EXPECT_LE(dl1[k], SF_AGREE);
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
