/* particles_gradient.c — the particle velocities are the gradient of the particle risk:
 * the energy identity (I2) d/dt R = −(1/m) Σ |vᵢ|² (full width) and (L2)
 * d/dt R = −(1/m) Σ cⱼ (|∂ₓΨ̂|² + 2Ψ̂²) = −(1/m) Σ (cⱼ ẋⱼ² + ċⱼ²/(2cⱼ)) (reduced), checked at
 * t = 0 by Richardson-extrapolated differences of R along one short step. This tests ∇g
 * (Hermite Ĝ, e_θ), ∇κ (M4) and the reduced kernels — the bicubic Hermite table and the
 * Chebyshev series of (L8) (solver.kernel: factored) — against their own risk formulas,
 * on radial θ tables where no closed form of the flow exists; Gaussian and sphere inputs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "psim.h"
#include "symflow/particles.h"
#include "symflow/reduction.h"

/* Step of the difference quotients. Richardson on (η, η/2) leaves O(η²)|R'''| ≈ 1e-8|R'''|,
 * and rounding of R (≈ 1e-15·R) divided by η gives ≈ 1e-11·R: the relative tolerance 1e-6
 * below leaves a factor 100 for |R'''| up to 100 |R'|. */
static const double ETA = 1e-4;
static const double REL_TOL = 1e-6;

static sf_case make_case(sf_input input, sf_start_law law)
{
    sf_case c;
    memset(&c, 0, sizeof c);
    c.problem.input = input;
    c.problem.d = 30;
    c.problem.d_H = 5;
    snprintf(c.problem.target, sizeof c.problem.target, "norm");
    c.start.law = law;
    c.start.sigma_a = 1.0;
    c.start.sigma_b = 0.3;
    return c;
}

static sf_psim_params params(sf_pmethod method, double step)
{
    sf_psim_params p = {0};
    p.m = 96;
    p.seed = 4242;
    p.method = method;
    p.step = step;
    p.batch = 1;
    p.ode.method = SF_METHOD_ADAMS;
    p.ode.rtol = 1e-12; /* the reduced difference quotients need the flow to ~1e-12 */
    p.ode.atol = 1e-14;
    p.ode.max_steps = 100000;
    return p;
}

/* Full width, one Euler step of size h: (R(h) − R(0))/h and, from the same step, the exact
 * velocity v = (θ(h) − θ(0))/h. */
static double full_quotient(sf_ctx *ctx, const sf_case *c, const sf_kernel_table *tab, double h,
                            double *dissipation)
{
    sf_psim_params p = params(SF_PMETHOD_EULER, h);
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, c, tab, &p, &ps));
    if (!ps) return NAN;
    const size_t n = (size_t)p.m * (1 + (size_t)c->problem.d);
    double *y0 = malloc(n * sizeof *y0);
    memcpy(y0, sf_psim_a(ps), n * sizeof *y0);
    const double R0 = sf_psim_risk(ps);
    SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, h));
    const double *y1 = sf_psim_a(ps);
    double q = 0.0;
    for (size_t l = 0; l < n; l++) q += (y1[l] - y0[l]) * (y1[l] - y0[l]);
    *dissipation = q / (h * h) / (double)p.m;
    const double quot = (sf_psim_risk(ps) - R0) / h;
    free(y0);
    sf_psim_destroy(&ps);
    return quot;
}

static void check_full(sf_ctx *ctx, sf_input input, sf_start_law law, const char *label)
{
    sf_case c = make_case(input, law);
    sf_kernel_table tab = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, 0, &tab));
    double diss1, diss2;
    double q1 = full_quotient(ctx, &c, &tab, ETA, &diss1);
    double q2 = full_quotient(ctx, &c, &tab, 0.5 * ETA, &diss2);
    double dRdt = 2.0 * q2 - q1; /* Richardson: O(η²) */
    printf("full %s: dR/dt = %.12g, −(1/m)Σ|v|² = %.12g, rel %.2g\n", label, dRdt, -diss1,
           fabs(dRdt + diss1) / diss1);
    /* the same velocity at t = 0, recovered as (θ(h) − θ(0))/h: rounding of |θ| ≈ 1 over
     * h|v| ≳ 1e-4·0.05 loses ≤ 1e-16/5e-6 = 2e-11 relative; 1e-9 */
    SF_EXPECT_NEAR(diss1, diss2, 1e-9 * diss1);
    SF_EXPECT_NEAR(dRdt, -diss1, REL_TOL * diss1);
    sf_kernel_table_free(&tab);
}

/* Reduced: (L2) from short CVODE advances; velocities by Richardson on (x(h) − x(0))/h.
 * cheb = 0: K̂ from the bicubic Hermite table; cheb = 1: K̂ and Ĝ as the Chebyshev series of
 * (L8) (solver.kernel: factored, the case default), the operator of form characteristics. */
static void check_reduced(sf_ctx *ctx, sf_input input, int cheb, int MR, const char *label)
{
    sf_case c = make_case(input, SF_START_BALANCED_SPHERE);
    c.solver.kernel = cheb ? SF_KERNEL_FACTORED : SF_KERNEL_DENSE;
    c.solver.kernel_tol = 1e-13; /* the case default (core/case.c) */
    sf_kernel_table tab = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 129, cheb ? SF_TABLE_K_CHEB : SF_TABLE_K, &tab));
    /* the path asked for is the path taken: the series converge for this kernel (L8) */
    SF_EXPECT(cheb ? tab.cheb.p > 0 && !tab.K : tab.cheb.p == 0 && tab.K != NULL);
    double *x0 = malloc(6 * (size_t)MR * sizeof *x0), *c0 = x0 + MR, *xq[2], *cq[2], Rq[2];
    double R0 = 0.0;
    xq[0] = c0 + MR, xq[1] = xq[0] + MR, cq[0] = xq[1] + MR, cq[1] = cq[0] + MR;
    const double hs[2] = {ETA, 0.5 * ETA};
    for (int k = 0; k < 2; k++) {
        sf_psim_params p = params(SF_PMETHOD_REDUCED, 0.0);
        p.m = MR;
        sf_psim *ps = NULL;
        SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
        if (!ps) {
            free(x0);
            return;
        }
        const double *e, *x, *cc;
        sf_psim_reduced_state(ps, &e, &x, &cc);
        memcpy(x0, x, (size_t)MR * sizeof *x0);
        memcpy(c0, cc, (size_t)MR * sizeof *c0);
        R0 = sf_psim_risk(ps);
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, hs[k]));
        sf_psim_reduced_state(ps, &e, &x, &cc);
        for (int j = 0; j < MR; j++) {
            xq[k][j] = (x[j] - x0[j]) / hs[k];
            cq[k][j] = (cc[j] - c0[j]) / hs[k];
        }
        Rq[k] = (sf_psim_risk(ps) - R0) / hs[k];
        sf_psim_destroy(&ps);
    }
    double diss = 0.0;
    for (int j = 0; j < MR; j++) {
        double xd = 2.0 * xq[1][j] - xq[0][j], cd = 2.0 * cq[1][j] - cq[0][j];
        diss += (c0[j] * xd * xd + cd * cd / (2.0 * c0[j])) / MR;
    }
    double dRdt = 2.0 * Rq[1] - Rq[0];
    printf("reduced %s, m = %d: dR/dt = %.12g, −(1/m)Σ(c ẋ² + ċ²/2c) = %.12g, rel %.2g\n",
           label, MR, dRdt, -diss, fabs(dRdt + diss) / diss);
    SF_EXPECT_NEAR(dRdt, -diss, REL_TOL * diss);
    free(x0);
    sf_kernel_table_free(&tab);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_full(ctx, SF_INPUT_GAUSSIAN, SF_START_GAUSSIAN, "gaussian input, gaussian start");
    check_full(ctx, SF_INPUT_GAUSSIAN, SF_START_BALANCED_SPHERE, "gaussian input, balanced");
    check_full(ctx, SF_INPUT_SPHERE, SF_START_GAUSSIAN, "sphere input, gaussian start");
    check_reduced(ctx, SF_INPUT_GAUSSIAN, 0, 96, "gaussian input, table");
    check_reduced(ctx, SF_INPUT_SPHERE, 0, 96, "sphere input, table");
    check_reduced(ctx, SF_INPUT_GAUSSIAN, 1, 96, "gaussian input, Chebyshev");
    check_reduced(ctx, SF_INPUT_SPHERE, 1, 96, "sphere input, Chebyshev");
    /* more particles than one block of sf_chebk_apply (8192/p = 256 points at p = 32): the
     * two-pass path, ∂Φ from the derivative series */
    check_reduced(ctx, SF_INPUT_GAUSSIAN, 1, 600, "gaussian input, Chebyshev, blocks");
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
