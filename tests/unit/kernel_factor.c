/* kernel_factor.c — the factored kernel operator of form L (L5, reduction/kfactor.c):
 *   B Bᵀ against the dense table of point values at N ∈ {100, 400, 1600} cell centres, on the
 *   θ-form (paper-norm, d = 30, and d = 10⁶) and the φ-form (relu, d_H = 1), to the bound the
 *   reduction enforces, and Ĝ from its Chebyshev interpolant against the direct quadrature;
 *   the factor is what a default case gets (solver.kernel: factored);
 *   (L2) holds exactly (to rounding) for the factored operator: dR_h/dt = Σ Ψ_i dM_i/dt equals
 *   minus the discrete dissipation; the fallbacks to the dense table (a kernel that is not
 *   smooth enough, a grid smaller than twice the rank) say so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "lifted.h"
#include "symflow/forml.h"
#include "symflow/plan.h"
#include "symflow/reduction.h"

/* The a-posteriori bound reduce.c enforces (SF_KF_CHECK_FACTOR × solver.kernel_tol, relative
 * to max |K̂|): the interpolant's tail is ≤ tol and the direct quadrature differs between its
 * graded rules by ~1e-15, so 100 × tol bounds the difference at any point. */
static const double FACTOR_BOUND = 100.0;
/* (L2) by summation by parts: both sides are sums of ~n products of O(1) numbers (rounding),
 * relative to the dissipation. */
static const double L2_REL = 1e-11;

static sf_status make_grid(sf_ctx *ctx, const sf_case *c, size_t n, sf_grid1 *g)
{
    sf_lifted_plan plan; /* the planner's grid on the case's coordinate, n uniform cells */
    sf_status s = sf_plan_lifted(ctx, c, &plan);
    if (s != SF_OK) return s;
    plan.grid.cells = n;
    plan.grid.spacing = SF_SPACING_UNIFORM;
    return sf_grid1_create(ctx, &plan.grid, g);
}

/* max_ij |(B Bᵀ)_ij − K_ij| / max |K| on n cells, factored vs dense tables of the same case. */
static void compare(sf_ctx *ctx, long d, long dH, const char *target, size_t n)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_lifted_problem pf = {0}, pd = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, dH, target));
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, n, &g));
    SF_EXPECT(c.solver.kernel == SF_KERNEL_FACTORED); /* the default */
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &pf));
    c.solver.kernel = SF_KERNEL_DENSE;
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &pd));
    SF_EXPECT(pf.B != NULL && pf.K == NULL && pf.rank > 0 && 2 * pf.rank < n);
    SF_EXPECT(pd.K != NULL && pd.B == NULL && !strcmp(pd.kernel_note, "dense"));
    if (pf.B && pd.K) {
        const size_t r = pf.rank;
        double err = 0.0, kmax = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double v = 0.0;
                for (size_t q = 0; q < r; q++) v += pf.B[i * r + q] * pf.B[j * r + q];
                err = fmax(err, fabs(v - pd.K[i * n + j]));
                kmax = fmax(kmax, fabs(pd.K[i * n + j]));
            }
        SF_EXPECT_LE(err, FACTOR_BOUND * c.solver.kernel_tol * kmax);
        /* Ĝ: interpolated with the factor (same bound), direct with the dense table */
        double gerr = 0.0, gmax = 0.0;
        for (size_t i = 0; i < n; i++) {
            gerr = fmax(gerr, fabs(pf.G[i] - pd.G[i]));
            gmax = fmax(gmax, fabs(pd.G[i]));
        }
        SF_EXPECT_LE(gerr, FACTOR_BOUND * c.solver.kernel_tol * gmax);
        SF_EXPECT(strstr(pf.kernel_note, "G interpolated") != NULL);
        printf("  Ĝ: max |G_interp − G_direct|/max|G| = %.2e\n", gerr / gmax);
        printf("%s d = %ld d_H = %ld, N = %zu: rank %zu, max |BBᵀ − K|/max|K| = %.2e (bound %.0e); %s\n",
               target, d, dH, n, r, err / kmax, FACTOR_BOUND * c.solver.kernel_tol, pf.kernel_note);
    }
    sf_lifted_problem_free(&pf);
    sf_lifted_problem_free(&pd);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

/* (L2) exactly: at a state of the run (t = 2, 64 cells), dR_h/dt = Σ_i Ψ_i w_i (τ̇⁺_i − τ̇⁻_i)
 * equals −dissipation of sf_forml_diagnose, for the factored operator. */
static void check_l2(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_test_lifted s = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "norm"));
    SF_EXPECT_OK(ctx, sf_test_lifted_setup(ctx, &c, 64, SF_RECON_MUSCL, 1e-8, 1e-10, &s));
    if (!s.ode) goto done;
    SF_EXPECT(strstr(sf_instance_describe(s.in), "kernel factored (L8)") != NULL);
    SF_EXPECT_OK(ctx, sf_ode_advance(ctx, s.ode, 2.0, s.y));
    const size_t n = s.g.n, size = sf_forml_size(s.f);
    double *ydot = malloc(size * sizeof *ydot), *psi = malloc(n * sizeof *psi);
    SF_EXPECT(ydot && psi);
    if (ydot && psi) {
        SF_EXPECT(sf_forml_rhs(2.0, s.y, ydot, s.f) == 0);
        sf_forml_potential(s.f, s.y, psi);
        double dR = 0.0;
        for (size_t i = 0; i < n; i++) dR += psi[i] * s.g.widths[i] * (ydot[i] - ydot[n + i]);
        sf_forml_diag dg;
        sf_forml_diagnose(s.f, s.y, s.y0, &dg);
        SF_EXPECT_NEAR(dR, -dg.dissipation, L2_REL * dg.dissipation);
        printf("(L2), factored kernel, t = 2, 64 cells: dR_h/dt = %.15e, -dissipation = %.15e\n", dR,
               -dg.dissipation);
    }
    free(ydot);
    free(psi);
done:
    sf_test_lifted_free(&s);
    sf_case_free(&c);
}

/* The fallbacks: d = 2 (k = 1: K̂ has |φ − φ′|³ branches, Chebyshev converges algebraically)
 * and a grid of fewer than twice the rank get the dense table, and say why. */
static void check_fallbacks(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_lifted_problem p = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 2, 1, "relu"));
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, 32, &g));
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &p));
    SF_EXPECT(p.K != NULL && p.B == NULL && strstr(p.kernel_note, "dense: the factor missed"));
    printf("d = 2: %s\n", p.kernel_note);
    sf_lifted_problem_free(&p);
    sf_grid1_free(&g);
    sf_case_free(&c);

    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "norm"));
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, 16, &g));
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &p));
    SF_EXPECT(p.K != NULL && p.B == NULL && strstr(p.kernel_note, "fewer than twice"));
    printf("16 cells: %s\n", p.kernel_note);
    sf_lifted_problem_free(&p);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    const size_t sizes[] = {100, 400, 1600};
    for (int i = 0; i < 3; i++) {
        compare(ctx, 30, 5, "norm", sizes[i]);
        compare(ctx, 20, 1, "relu", sizes[i]);
    }
    compare(ctx, 1000000, 5, "norm", 400);
    check_l2(ctx);
    check_fallbacks(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
