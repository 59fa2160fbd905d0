/* plan.c — the planners of reduction/plan.c (docs/architecture.md "Planning"):
 *   form L: the coordinate of the target (θ radial, φ for d_H = 1 unfolded), the grid on its
 *     interval with grid.cells and grid.spacing, α of (L4); stretched spacing refused;
 *   form T grids: the rule's cell counts (stretched: r gets max(16, cells/6)), the box
 *     edges, refined spacing refused;
 *   the form-T box policy, driven with a solve callback that plays a solver whose mass
 *     reaches a given extent: a pilot sizes the box when the rule guesses and grid.margin is
 *     unset; an edge stop (SF_E_DOMAIN) grows the box and solves again, at most 3 times; with
 *     grid.margin set by the user there is no pilot and the first edge stop is final;
 *   (L10) form L's rtol from the spatial error: the estimate's order in h (2 MUSCL, 1 upwind),
 *     the clamp to [1e-10, 1e-6] of a tenth of it, atol = rtol/100, and the user's keys win.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "symflow/symflow.h" /* the umbrella header compiles on its own */

static const double EXACT = 1e-15; /* pure arithmetic on the case's numbers */

static void test_lifted(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_lifted_plan p;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "norm"));
    c.grid.cells = 123;
    c.grid.spacing = SF_SPACING_REFINED;
    SF_EXPECT_OK(ctx, sf_plan_lifted(ctx, &c, &p));
    SF_EXPECT(p.coord.id == SF_COORD_THETA);
    SF_EXPECT(p.grid.cells == 123 && p.grid.spacing == SF_SPACING_REFINED);
    SF_EXPECT_NEAR(p.grid.lo, 0.0, EXACT);
    SF_EXPECT_NEAR(p.grid.hi, M_PI / 2, EXACT);
    SF_EXPECT_NEAR(p.minimiser_mass, 16.0 / 3.0, 1e-14); /* (L4), d_H = 5 */
    c.grid.spacing = SF_SPACING_STRETCHED;
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_plan_lifted(ctx, &c, &p) == SF_E_UNSUPPORTED);
    SF_EXPECT(strstr(sf_ctx_message(ctx), "grid.spacing") != NULL);
    sf_ctx_clear(ctx);
    sf_case_free(&c);
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 1, "abs"));
    c.problem.fold_even = 0;
    SF_EXPECT_OK(ctx, sf_plan_lifted(ctx, &c, &p));
    SF_EXPECT(p.coord.id == SF_COORD_PHI);
    SF_EXPECT_NEAR(p.grid.hi, M_PI, EXACT);
    SF_EXPECT(isnan(p.minimiser_mass));
    sf_case_free(&c);
}

static sf_status gaussian_case(sf_ctx *ctx, sf_case *c, const char *target)
{
    sf_status status = make_case(ctx, c, 20, 1, target);
    c->start.law = SF_START_GAUSSIAN;
    snprintf(c->form, sizeof c->form, "transport");
    return status;
}

static void test_transport_grids(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_grid1_params g[3];
    const sf_transport_box box = {5.0, 6.0, 7.0, 0};
    SF_EXPECT_OK(ctx, gaussian_case(ctx, &c, "relu"));
    c.grid.cells = 120;
    c.grid.spacing = SF_SPACING_STRETCHED;
    SF_EXPECT_OK(ctx, sf_plan_transport_grids(ctx, &c, &box, g));
    SF_EXPECT(g[0].cells == 120 && g[1].cells == 120 && g[2].cells == 20); /* 120/6 > 16 */
    SF_EXPECT_NEAR(g[0].lo, -5.0, EXACT);
    SF_EXPECT_NEAR(g[1].hi, 6.0, EXACT);
    SF_EXPECT_NEAR(g[2].lo, 0.0, EXACT);
    SF_EXPECT_NEAR(g[2].hi, 7.0, EXACT);
    c.grid.cells = 24;
    SF_EXPECT_OK(ctx, sf_plan_transport_grids(ctx, &c, &box, g));
    SF_EXPECT(g[2].cells == 16);
    c.grid.spacing = SF_SPACING_UNIFORM;
    SF_EXPECT_OK(ctx, sf_plan_transport_grids(ctx, &c, &box, g));
    SF_EXPECT(g[2].cells == 24 && g[0].spacing == SF_SPACING_UNIFORM);
    c.grid.spacing = SF_SPACING_REFINED;
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_plan_transport_grids(ctx, &c, &box, g) == SF_E_UNSUPPORTED);
    sf_ctx_clear(ctx);
    sf_case_free(&c);
}

/* A solver whose mass reaches `reach` × the rule's box in each of a, u, r and which stops at
 * the edge of any real box narrower (in a) than `needed`; it records what it was asked. */
typedef struct {
    double reach, needed;
    int pilots, solves;
    double last_box;
    sf_transport_box rule;
} fake_solver;

static sf_status fake_solve(sf_ctx *ctx, void *user, const sf_transport_plan *plan, double ext[3])
{
    fake_solver *s = user;
    ext[0] = s->reach * s->rule.a_max;
    ext[1] = s->reach * s->rule.u_max;
    ext[2] = s->reach * s->rule.r_max;
    if (plan->pilot) {
        s->pilots++;
        if (plan->edge_mass < 1.0 || plan->grid[0].cells != 24)
            return sf_error(ctx, SF_E_ARG, __FILE__, __LINE__, "pilot plan: monitor on or wrong cells");
        return SF_OK;
    }
    s->solves++;
    s->last_box = plan->box.a_max;
    if (plan->box.a_max < s->needed)
        return sf_error(ctx, SF_E_DOMAIN, __FILE__, __LINE__, "domain too small (test)");
    return SF_OK;
}

static void test_transport_policy(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_transport_box rule;
    sf_transport_report r;
    SF_EXPECT_OK(ctx, gaussian_case(ctx, &c, "relu")); /* even part: the rule only guesses */
    SF_EXPECT_OK(ctx, sf_reduce_transport_box(ctx, &c, &rule));
    SF_EXPECT(rule.measured == 1);

    /* the pilot (on 2 × the rule's box) sees a reach of 1.2 × the rule: the box becomes
     * 1.5 × the reach */
    fake_solver s = {1.2, 0.0, 0, 0, 0.0, rule};
    SF_EXPECT_OK(ctx, sf_plan_transport_run(ctx, &c, fake_solve, &s, &r));
    SF_EXPECT(r.piloted == 1 && s.pilots == 1 && s.solves == 1 && r.attempts == 1);
    SF_EXPECT_NEAR(r.box.a_max, 1.5 * 1.2 * rule.a_max, 1e-12 * rule.a_max);

    /* an edge stop on the real grid grows the box by 1.5 and solves again */
    fake_solver g = {0.5, 1.4 * rule.a_max, 0, 0, 0.0, rule};
    SF_EXPECT_OK(ctx, sf_plan_transport_run(ctx, &c, fake_solve, &g, &r));
    SF_EXPECT(g.solves == 2 && r.attempts == 2);
    SF_EXPECT_NEAR(g.last_box, 1.5 * rule.a_max, 1e-12 * rule.a_max);
    SF_EXPECT(strstr(r.note, "domain too small (test)") != NULL);

    /* never wide enough: three attempts, then the edge stop is reported */
    fake_solver n = {0.5, 100.0 * rule.a_max, 0, 0, 0.0, rule};
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_plan_transport_run(ctx, &c, fake_solve, &n, &r) == SF_E_DOMAIN);
    SF_EXPECT(n.solves == 3);
    sf_ctx_clear(ctx);

    /* grid.margin set by the user: no pilot, the first edge stop is final */
    sf_case_free(&c);
    const char *sets[] = {"grid.margin=1", "start.law=gaussian", "problem.d=20", "problem.d_H=1",
                          "problem.target=relu", "form=transport"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, sets, 6, &c));
    fake_solver m = {0.5, 1.4 * rule.a_max, 0, 0, 0.0, rule};
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_plan_transport_run(ctx, &c, fake_solve, &m, &r) == SF_E_DOMAIN);
    SF_EXPECT(m.pilots == 0 && m.solves == 1 && r.piloted == 0);
    sf_ctx_clear(ctx);
    sf_case_free(&c);

    /* an odd target: the (M9) box is exact, no pilot */
    SF_EXPECT_OK(ctx, gaussian_case(ctx, &c, "linear"));
    fake_solver o = {0.1, 0.0, 0, 0, 0.0, rule};
    SF_EXPECT_OK(ctx, sf_plan_transport_run(ctx, &c, fake_solve, &o, &r));
    SF_EXPECT(o.pilots == 0 && o.solves == 1);
    sf_case_free(&c);
}

/* uniform grid of n cells on [0, π/2], the estimate and the auto settings under `sets` */
static sf_ode_params lifted_ode(sf_ctx *ctx, size_t n, sf_recon rec, const char *const *sets,
                                size_t n_sets, double *est)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_ode_params op = {.rtol = NAN};
    const sf_grid1_params gp = {.cells = n, .lo = 0.0, .hi = M_PI_2,
                                .spacing = SF_SPACING_UNIFORM, .ratio = 1.0};
    const sf_fv_scheme s = {.reconstruction = rec, .limiter = SF_LIMITER_VANLEER};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, sets, n_sets, &c));
    SF_EXPECT_OK(ctx, sf_grid1_create(ctx, &gp, &g));
    if (g.n == n) op = sf_plan_lifted_ode(&c, &g, s, est);
    sf_grid1_free(&g);
    sf_case_free(&c);
    return op;
}

static void test_lifted_ode(sf_ctx *ctx)
{
    double e1 = NAN, e2 = NAN;
    /* order: halving h divides the estimate by 4 (MUSCL) or 2 (upwind), to rounding */
    lifted_ode(ctx, 200, SF_RECON_MUSCL, NULL, 0, &e1);
    lifted_ode(ctx, 400, SF_RECON_MUSCL, NULL, 0, &e2);
    SF_EXPECT_NEAR(e1 / e2, 4.0, 1e-12);
    lifted_ode(ctx, 200, SF_RECON_UPWIND, NULL, 0, &e1);
    lifted_ode(ctx, 400, SF_RECON_UPWIND, NULL, 0, &e2);
    SF_EXPECT_NEAR(e1 / e2, 2.0, 1e-12);
    SF_EXPECT(e2 > e1 / 4.0 && e1 < 1.0); /* first order: far above the MUSCL estimate */
    /* 200 uniform cells, MUSCL: the estimate (~4e-5) /10 is above the cap: rtol 1e-6 */
    sf_ode_params op = lifted_ode(ctx, 200, SF_RECON_MUSCL, NULL, 0, &e1);
    SF_EXPECT(e1 > 1e-5 && e1 < 1e-4);
    SF_EXPECT(op.rtol == 1e-6);
    SF_EXPECT_NEAR(op.atol, 1e-8, 1e-22);
    /* N = 20000: a tenth of the estimate, inside the clamp */
    op = lifted_ode(ctx, 20000, SF_RECON_MUSCL, NULL, 0, &e1);
    SF_EXPECT_NEAR(op.rtol, 0.1 * e1, 1e-15 * e1);
    SF_EXPECT(op.rtol > 1e-10 && op.rtol < 1e-6);
    SF_EXPECT_NEAR(op.atol, 1e-2 * op.rtol, 1e-15 * op.rtol);
    /* the user's keys win: rtol set keeps both; atol alone keeps atol */
    const char *const rt[] = {"solver.rtol=3e-7"}, *const at[] = {"solver.atol=5e-12"};
    op = lifted_ode(ctx, 200, SF_RECON_MUSCL, rt, 1, &e1);
    SF_EXPECT(op.rtol == 3e-7 && op.atol == 1e-10); /* 1e-10: the case default (core/case.c) */
    op = lifted_ode(ctx, 200, SF_RECON_MUSCL, at, 1, &e1);
    SF_EXPECT(op.rtol == 1e-6 && op.atol == 5e-12);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    test_lifted(ctx);
    test_lifted_ode(ctx);
    test_transport_grids(ctx);
    test_transport_policy(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
