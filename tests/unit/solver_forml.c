/* solver_forml.c — properties of the form-L discretisation on the paper's case
 * (d = 30, d_H = 5, f* = |x_H|, MATH.md §7 paper-norm) on a coarse grid:
 *   R(0) = ½E f_H² = d_H/2 (M14, L3); mass balance (L1) to rounding; τ ≥ −atol;
 *   R non-increasing between outputs; (L2) equals the finite-difference dR/dt to O(h²);
 *   the exact minimiser (L4) is steady up to a discretisation error falling with refinement.
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

/* CVODE tolerances of these tests; every bound below that involves time integration is a
 * multiple of them. */
static const double RTOL = 1e-10, ATOL = 1e-12;
/* Rounding of a sum of ~n products of O(1) numbers, relative: the (L1) bound of the issue. */
static const double BALANCE_REL = 1e-12;

/* The paper's problem (MATH §7 paper-norm) on `cells` uniform cells, in s (c must outlive s). */
static sf_status make(sf_ctx *ctx, size_t cells, sf_case *c, sf_test_lifted *s)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, sf_case_defaults(ctx, c));
    c->problem.d = 30;
    c->problem.d_H = 5;
    snprintf(c->problem.target, sizeof c->problem.target, "norm");
    SF_TRY(ctx, sf_test_lifted_setup(ctx, c, cells, SF_RECON_MUSCL, RTOL, ATOL, s));
cleanup:
    return status;
}


/* Invariants along a run to t = 4 with outputs every h = 0.05. */
static void test_invariants(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_test_lifted s = {0};
    SF_EXPECT_OK(ctx, make(ctx, 64, &c, &s));
    enum { NT = 81 };
    const double h = 0.05;
    double risk[NT], diss[NT];
    for (int k = 0; k < NT && s.ode; k++) {
        if (k > 0) SF_EXPECT_OK(ctx, sf_ode_advance(ctx, s.ode, h * k, s.y));
        sf_forml_diag d;
        sf_forml_diagnose(s.f, s.y, s.y0, &d);
        risk[k] = d.risk;
        diss[k] = d.dissipation;
        if (k == 0) {
            /* (L3): R(0) = ½ E|x_H|² = d_H/2; exact up to the rounding of Σ K M with M = 0 */
            SF_EXPECT_NEAR(d.risk, 2.5, 1e-10);
            SF_EXPECT_NEAR(d.mass_plus, 0.5, 1e-14);
        } else {
            SF_EXPECT_LE(d.balance, BALANCE_REL * d.reaction);
            /* R decreases (L2, discrete identity); CVODE's local errors may add ~ rtol·R */
            SF_EXPECT_LE(risk[k] - risk[k - 1], 10.0 * RTOL * risk[0]);
        }
        SF_EXPECT_LE(-ATOL, d.tau_min);
    }
    if (s.ode) {
        /* (L2) vs centred differences of R: error C h² R‴; halving h must divide it by ~4.
         * Compare at t = 1 with h = 0.2 and 0.1 (outputs are every 0.05). */
        int k1 = 20;
        double e1 = fabs((risk[k1 + 4] - risk[k1 - 4]) / (8 * h) + diss[k1]);
        double e2 = fabs((risk[k1 + 2] - risk[k1 - 2]) / (4 * h) + diss[k1]);
        double order = log(e1 / e2) / log(2.0);
        printf("(L2) vs finite-difference dR/dt at t = 1: errors %.3e (h = 0.2), %.3e (h = 0.1), "
               "order %.2f\n", e1, e2, order);
        /* the centred difference is second order: observed within ±0.3 of 2 */
        SF_EXPECT_NEAR(order, 2.0, 0.3);
    }
    sf_test_lifted_free(&s);
    sf_case_free(&c);
}

/* (L4): τ⁺ = α in the first cell, τ⁻ = 0 is the global minimiser of the exact problem; on
 * the grid its potential is O(Δθ²) (the mass sits at Δθ/2, not 0). Over t ∈ [0, 1] the
 * density may move by that much: the change must fall at least like Δθ (order ≥ 1). */
static void test_minimiser_steady(sf_ctx *ctx)
{
    const size_t cells[3] = {32, 64, 128};
    double change[3] = {0};
    for (int r = 0; r < 3; r++) {
        sf_case c = {0};
        sf_test_lifted s = {0};
        sf_ode *ode = NULL;
        SF_EXPECT_OK(ctx, make(ctx, cells[r], &c, &s));
        if (!s.f) return;
        const size_t n = s.g.n, size = sf_forml_size(s.f);
        memset(s.y0, 0, size * sizeof *s.y0);
        s.y0[0] = sf_minimiser_mass(5) / s.g.widths[0];
        sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0); /* tolerances set below */
        op.rtol = RTOL;
        op.atol = ATOL;
        SF_EXPECT_OK(ctx, sf_ode_create(ctx, size, 0.0, s.y0, sf_forml_rhs, s.f, &op, &ode));
        if (ode) SF_EXPECT_OK(ctx, sf_ode_advance(ctx, ode, 1.0, s.y));
        for (size_t i = 0; i < n; i++)
            change[r] += s.g.widths[i] * (fabs(s.y[i] - s.y0[i]) + fabs(s.y[n + i]));
        sf_forml_diag d;
        sf_forml_diagnose(s.f, s.y, s.y0, &d);
        printf("minimiser (L4), %zu cells: L1 change over t in [0,1] %.3e, R(1) = %.3e\n", n,
               change[r], d.risk);
        sf_ode_destroy(&ode);
        sf_test_lifted_free(&s);
        sf_case_free(&c);
    }
    for (int r = 1; r < 3; r++) {
        double order = log(change[r - 1] / change[r]) / log(2.0);
        printf("  observed order of the steady-state defect: %.2f\n", order);
        SF_EXPECT_LE(1.0, order);
    }
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    test_invariants(ctx);
    test_minimiser_steady(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
