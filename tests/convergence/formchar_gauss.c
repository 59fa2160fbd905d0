/* formchar_gauss.c — form characteristics on paper-norm (d = 30, d_H = 5, f* = |x_H|,
 * T = 100; docs/math.md (L9)):
 *   (b) spectral convergence in the node count: the error of R(T) for n = 8, 16, 32, 64 nodes
 *       per sign against n = 128 falls by a growing factor per doubling until the integration
 *       tolerance, and is below 1e-9 at n = 64;
 *   (a) R(T), |τ⁺|(T), |τ⁻|(T) at n = 64 agree with finite-volume form L to the FV error:
 *       |chars − FV₁₆₀₀| ≤ |FV₄₀₀ − FV₁₆₀₀| / 4 (second order: FV₁₆₀₀'s own error is ≈ 1/15
 *       of the difference, so a gap above a quarter of it is not FV error);
 *   (d) d = 10⁶ and 10⁹ succeed (the driver checks (L1) to rounding and R finite), R
 *       decreases, and |τ^±|(T) agree with FV₄₀₀ within its measured relative error.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "symflow/registry.h"

static double report(sf_ctx *ctx, const char *form, long d, long cells, long nodes, double rtol,
                     double out[3])
{
    sf_case c = {0};
    sf_solve_report r;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, 5, "norm"));
    snprintf(c.form, sizeof c.form, "%s", form);
    c.grid.cells = cells;
    c.characteristics.nodes = nodes;
    c.solver.rtol = rtol;
    c.solver.atol = rtol * 1e-2;
    const sf_status s = sf_registry_solve(ctx, &c, NULL, &r);
    SF_EXPECT(s == SF_OK);
    if (s != SF_OK) fprintf(stderr, "%s\n", sf_ctx_message(ctx));
    for (int k = 0; k < 3; k++) out[k] = s == SF_OK ? r.sum.last[k] : NAN;
    SF_EXPECT(s != SF_OK || r.sum.last[0] < r.sum.first[0]); /* R decreases (L2) */
    sf_case_free(&c);
    return out[0];
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    const long n[5] = {8, 16, 32, 64, 128};
    double v[5][3], err[4];
    /* rtol 1e-12: the integration error stays below the quadrature error down to n = 32 */
    for (int i = 0; i < 5; i++) report(ctx, "characteristics", 30, 200, n[i], 1e-12, v[i]);
    printf("n per sign   |R(T) - R_128(T)|   factor\n");
    for (int i = 0; i < 4; i++) {
        err[i] = fabs(v[i][0] - v[4][0]);
        printf("%4ld         %.3e           %s%.1f\n", n[i], err[i], i ? "" : "-",
               i ? err[i - 1] / err[i] : 0.0);
    }
    /* faster than any power: the factor per doubling grows (8→16→32), then the floor of the
       tolerance (rtol 1e-12 over ~600 steps: ≈ 5e-12) */
    SF_EXPECT_LE(err[0] / err[1], err[1] / err[2]);
    SF_EXPECT_LE(err[3], 1e-9);

    double f400[3], f1600[3];
    report(ctx, "lifted", 30, 400, 64, 1e-8, f400);
    report(ctx, "lifted", 30, 1600, 64, 1e-8, f1600);
    const char *names[3] = {"R(T)", "|tau+|(T)", "|tau-|(T)"};
    for (int k = 0; k < 3; k++) {
        const double fv = fabs(f400[k] - f1600[k]), gap = fabs(v[3][k] - f1600[k]);
        printf("%-10s chars(64) %.10g  FV1600 %.10g  |chars - FV1600| %.2e  |FV400 - FV1600| "
               "%.2e\n", names[k], v[3][k], f1600[k], gap, fv);
        SF_EXPECT_LE(gap, 0.25 * fv);
    }

    for (int e = 6; e <= 9; e += 3) {
        const long d = e == 6 ? 1000000L : 1000000000L;
        double ch[3], fv[3];
        report(ctx, "characteristics", d, 200, 16, 1e-8, ch);
        report(ctx, "lifted", d, 400, 16, 1e-8, fv);
        printf("d = 1e%d: chars(16) R %.6e |tau+| %.8f |tau-| %.8f; FV400 %.6e %.8f %.8f\n", e,
               ch[0], ch[1], ch[2], fv[0], fv[1], fv[2]);
        /* FV₄₀₀'s relative error at large d: ≈ 7e-4 (sup over t ≤ 100, reduction/plan.c,
           grid.spacing auto); twice that */
        for (int k = 1; k < 3; k++) SF_EXPECT_NEAR(ch[k], fv[k], 1.4e-3 * fv[k]);
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
