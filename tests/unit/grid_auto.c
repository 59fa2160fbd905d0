/* grid_auto.c — grid.spacing: auto (solver/grid.c blended map, reduction/plan.c choice):
 *   the default of a case; the planner puts the cluster at π/2 with core 3/√k and a share
 *   ¾ s/(s + 20) of the cells (s = interval × √k), refined toward θ = 0 on θ (ratio 8, or grid.ratio when set), uniform on φ;
 *   the faces: exact ends, ascending, the cluster holds its share of the cells, and the map is
 *   smooth: the largest neighbour width ratio − 1 halves when n doubles (O(1/n), what keeps
 *   MUSCL second order); d up to 10¹² gives a valid grid (the cluster stops narrowing at
 *   k = 10⁹); form T plans auto as uniform.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "symflow/plan.h"

/* max_i |w_{i+1}/w_i − 1| */
static double max_jump(const sf_grid1 *g)
{
    double m = 0.0;
    for (size_t i = 0; i + 1 < g->n; i++) m = fmax(m, fabs(g->widths[i + 1] / g->widths[i] - 1.0));
    return m;
}

static void check_case(sf_ctx *ctx, long d, long dH, const char *target)
{
    sf_case c = {0};
    sf_lifted_plan plan;
    sf_grid1 g = {0}, g2 = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, dH, target));
    SF_EXPECT(c.grid.spacing == SF_SPACING_AUTO); /* the default */
    SF_EXPECT_OK(ctx, sf_plan_lifted(ctx, &c, &plan));
    const double k = fmin((double)(d - dH), 1e9), w = 3.0 / sqrt(k); /* k capped (plan.c) */
    SF_EXPECT(plan.grid.spacing == SF_SPACING_AUTO && plan.grid.centre == M_PI_2);
    SF_EXPECT_NEAR(plan.grid.focus, w, 1e-15 * w);
    const double sk = (plan.grid.hi - plan.grid.lo) * sqrt(k);
    SF_EXPECT_NEAR(plan.grid.weight, 0.75 * sk / (sk + 20.0), 1e-15);
    const int theta = plan.grid.hi == M_PI_2;
    SF_EXPECT(plan.grid.ratio == (theta ? 8.0 : 1.0));
    plan.grid.cells = 400;
    SF_EXPECT_OK(ctx, sf_grid1_create(ctx, &plan.grid, &g));
    plan.grid.cells = 800;
    SF_EXPECT_OK(ctx, sf_grid1_create(ctx, &plan.grid, &g2));
    if (g.n == 400 && g2.n == 800) {
        SF_EXPECT(g.edges[0] == plan.grid.lo && g.edges[g.n] == plan.grid.hi);
        int asc = 1;
        for (size_t i = 0; i < g.n; i++) asc &= g.edges[i] < g.edges[i + 1];
        SF_EXPECT(asc);
        /* cells within 3w of π/2: at least the cluster's share, λ × its asinh measure there
         * (the background adds more), less one cell for the partial one */
        const double lo = plan.grid.lo, hi = plan.grid.hi;
        const double norm = asinh((hi - M_PI_2) / w) + asinh((M_PI_2 - lo) / w);
        const double share = (asinh(fmin(3.0 * w, hi - M_PI_2) / w) +
                              asinh(fmin(3.0 * w, M_PI_2 - lo) / w)) / norm;
        size_t in = 0;
        for (size_t i = 0; i < g.n; i++) in += fabs(g.centres[i] - M_PI_2) < 3.0 * w;
        SF_EXPECT_LE(plan.grid.weight * share * 400.0 - 1.0, (double)in);
        /* smooth map: the neighbour jump is O(1/n); doubling n halves it (±15 %) */
        const double j1 = max_jump(&g), j2 = max_jump(&g2);
        SF_EXPECT(j1 / j2 > 1.7 && j1 / j2 < 2.3);
        printf("%s d = %ld d_H = %ld: w = %.3e, %zu of 400 cells within 3w of pi/2 (cluster "
               "share %.1f), cell at the upper end %.3e, max neighbour jump %.3e (n = 400), %.3e (800)\n",
               target, d, dH, w, in, plan.grid.weight * share * 400.0, g.widths[g.n - 1], j1, j2);
    }
    sf_grid1_free(&g);
    sf_grid1_free(&g2);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_case(ctx, 30, 5, "norm");
    check_case(ctx, 1000000, 5, "norm");
    check_case(ctx, 1000000000000L, 5, "norm");
    check_case(ctx, 20, 1, "relu");
    check_case(ctx, 1000000000L, 1, "relu");

    /* grid.ratio, when set, is the background's */
    sf_case c = {0};
    sf_lifted_plan plan;
    const char *over[] = {"grid.spacing=auto", "grid.ratio=3"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, "cases/paper-norm.yaml", over, 2, &c));
    SF_EXPECT_OK(ctx, sf_plan_lifted(ctx, &c, &plan));
    SF_EXPECT(plan.grid.ratio == 3.0);
    /* form T: auto is uniform */
    sf_grid1_params gp[3];
    const sf_transport_box box = {1.0, 1.0, 1.0, 0};
    SF_EXPECT_OK(ctx, sf_plan_transport_grids(ctx, &c, &box, gp));
    SF_EXPECT(gp[0].spacing == SF_SPACING_UNIFORM && gp[2].spacing == SF_SPACING_UNIFORM);
    sf_case_free(&c);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
