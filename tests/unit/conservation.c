/* conservation.c — mass (I1) and the mass balance (L1) hold to rounding on every run, even
 * when the time integrator makes densities negative (docs/ §5: no CVODE inequality
 * constraints; their non-conservative correction moved the mass by ~ atol × box volume).
 * Loose tolerances (rtol 1e-2, atol 1e-3) provoke negative cells; the test asserts that
 * they did (min n < 0, min τ < 0) and that
 *   form T (uniform and stretched grids): |mass(t) − mass(0)| ≤ ROUND · mass(0),
 *   form L (uniform and refined grids):  residual of (L1) ≤ ROUND · max(|τ±|),
 * ROUND = ε · cells · √steps: rounding of a sum over the cells at each step, accumulated as
 * a random walk over CVODE's steps (every linear multistep method keeps the linear
 * invariants of the semi-discrete system exactly, so only rounding is left).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "symflow/registry.h"

static const double LOOSE_RTOL = 1e-2, LOOSE_ATOL = 1e-3; /* far above the densities' tails */

static void run(sf_ctx *ctx, const char *case_path, const char *const *sets, size_t n_sets,
                const char *conserved, const char *minimum, double cells)
{
    sf_case c = {0};
    sf_solve_report rep;
    SF_EXPECT_OK(ctx, sf_case_load(ctx, case_path, sets, n_sets, &c));
    c.solver.rtol = LOOSE_RTOL;
    c.solver.atol = LOOSE_ATOL;
    SF_EXPECT_OK(ctx, sf_registry_solve(ctx, &c, NULL, &rep));
    const int ic = sf_drive_series_index(&rep.sum, conserved);
    const int im = sf_drive_series_index(&rep.sum, minimum);
    SF_EXPECT(ic >= 0 && im >= 0);
    if (ic >= 0 && im >= 0) {
        const double round = DBL_EPSILON * cells * sqrt((double)rep.sum.stats.steps);
        const int balance = rep.sum.roles[ic] == SF_SERIES_MAXIMUM; /* (L1) residual */
        double scale = 1.0, defect = rep.sum.drift[ic];
        if (balance) {
            const int ip = sf_drive_series_index(&rep.sum, "mass_plus");
            scale = ip >= 0 ? fmax(rep.sum.highest[ip], rep.sum.highest[ip + 1]) : NAN;
            defect = rep.sum.highest[ic];
        } else {
            scale = fabs(rep.sum.first[ic]);
        }
        printf("%s: min %s %.2e, %s %s %.2e (bound %.2e over %ld steps)\n", rep.describe,
               minimum, rep.sum.lowest[im], balance ? "max" : "drift of", conserved,
               defect / scale, round, rep.sum.stats.steps);
        SF_EXPECT_LE(rep.sum.lowest[im], 0.0);     /* negatives were provoked */
        SF_EXPECT_LE(defect, round * scale);
    }
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    const char *t_uniform[] = {"grid.cells=16", "grid.spacing=uniform", "time.end=4", "time.outputs=5"};
    run(ctx, "cases/odd-linear.yaml", t_uniform, 4, "mass", "density_min", 16.0 * 16 * 16);
    const char *t_stretched[] = {"grid.cells=16", "grid.spacing=stretched", "grid.margin=1.5",
                                 "time.end=4", "time.outputs=5"};
    run(ctx, "cases/odd-linear.yaml", t_stretched, 5, "mass", "density_min", 16.0 * 16 * 16);
    const char *l_refined[] = {"form=lifted", "grid.cells=64", "grid.spacing=refined", "time.end=20", "time.outputs=5"};
    run(ctx, "cases/paper-norm.yaml", l_refined, 5, "mass_balance_residual", "tau_min", 2 * 64.0);
    const char *l_uniform[] = {"form=lifted", "grid.cells=64", "grid.spacing=uniform", "time.end=20", "time.outputs=5"};
    run(ctx, "cases/paper-norm.yaml", l_uniform, 5, "mass_balance_residual", "tau_min", 2 * 64.0);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
