/* plan.c — planning (plan.h): case → grid parameters, scheme, integrator settings, and the
 * form-T box policy (docs/ §4.5, §5). The planner decides; the registry's callback solves.
 * Not here: tables (reduce.c, transport.c), grids (solver/grid.c), the forms (solver/).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "symflow/plan.h"

/* Grid rule of sf_plan_transport_grids (stretched spacing). Measured on relu-teacher (d = 20,
 * σ_a = σ_b = 1, R(2), box of sf_reduce_transport_box): the error in R is flat in the focus
 * width between 1.5σ and 2σ and grows outside (w = σ: +40 %, w = 4σ: +90 % at 64² × 16 cells),
 * and is insensitive to the r grid once it has 16 cells (16 → 24 r-cells changes R(2) by
 * 5·10⁻⁶, the a, u refinement 64 → 96 by 4·10⁻⁴): the (a, u) cells carry the error. */
static const double SF_T_FOCUS = 2.0; /* focus width of the sinh grids, in start std devs */
enum {
    SF_T_R_CELLS_MIN = 16, /* fewest r-cells of a stretched grid (r converged at 16, above) */
    SF_T_R_CELLS_DIV = 6   /* r-cells = grid.cells / this, when more than the minimum */
};

/* grid.spacing: auto for form L (sf_plan_lifted). Measured on paper-norm (d_H = 5, N = 400,
 * sup over t ≤ 100 of the relative errors of R, |τ⁺|, |τ⁻| against N = 1600): at d = 10⁶
 * the cluster weight is what matters (weight 0.2: 1.6e-2, 0.35: 3e-3, 0.5: 1.8e-3, 0.75:
 * 7e-4; refined ratio 8 without cluster: 0.54), a core of 3/√k beats 1/√k by ~25 %; at
 * d = 30 (s = 7.9) a heavy cluster costs (R(100) error 6.0e-5 without, 1.2e-4 at weight ½),
 * hence the weight's dependence on s. */
static const double SF_AUTO_WEIGHT = 0.75; /* fraction of the cells on the start's layer, when
                                              it is narrow: this × s/(s + SF_AUTO_SCALE), with
                                              s = interval length × √k */
static const double SF_AUTO_SCALE = 20.0;  /* s at which the weight is half its maximum */
static const double SF_AUTO_SPREAD = 3.0;  /* cluster core w = this/√k: the χ_{d_H} bulk of the
                                              start (√d_H/√k) lies within it */
static const double SF_AUTO_K_MAX = 1e9;  /* the cluster stops narrowing here (core ~1e-4):
                                              CVODE's steps grow fast on narrower cores (to t = 10:
                                              d = 10⁹ 2313 steps, 10¹⁰ 14325, 10¹¹ 256631; to
                                              t = 100 at d = 10¹² with the core of k = 10¹⁰: 3e5
                                              steps); d = 10¹² then costs what d = 10⁹ does. With
                                              the core of k = 10⁸ instead, d = 10⁹ moved by 4.6e-3
                                              (sup over t ≤ 100 of R, |τ^±|) */
static const double SF_AUTO_RATIO = 8.0;   /* widest/narrowest background cell on θ: paper-norm's
                                              refined grid (cases/paper-norm.yaml) */

/* The box policy of sf_plan_transport_run (issue 4: "size the box from the start law and a
 * short pilot run"). */
enum {
    SF_BOX_ATTEMPTS = 3, /* solves of the real case on growing boxes before reporting */
    SF_PILOT_CELLS = 24, /* uniform cells per coordinate of the pilot: the reach, not the density */
    SF_PILOT_ROUNDS = 3  /* box doublings before giving up (then grid.margin is the way) */
};
static const double SF_PILOT_MARGIN = 2.0; /* first pilot box / start-law box */
static const double SF_PILOT_SAFETY = 1.5; /* real box / measured reach: the pilot is coarse, and
                                              the real grid's outer cells are wide (stretched) */
static const double SF_PILOT_TOUCH = 0.9;  /* reach ≥ this × pilot box: the pilot box was short */
static const double SF_PILOT_RTOL = 1e-5;  /* loosest pilot tolerance: the reach needs no more */
static const double SF_PILOT_NO_MONITOR = 1.0; /* edge-mass threshold that never stops a run */
static const double SF_BOX_GROWTH = 1.5;       /* box growth between attempts */

sf_ode_params sf_plan_ode(const sf_case *c)
{
    const sf_ode_params op = {.method = c->solver.method, .rtol = c->solver.rtol,
                              .atol = c->solver.atol, .max_steps = c->solver.max_steps};
    return op;
}

sf_fv_scheme sf_plan_scheme(const sf_case *c)
{
    const sf_fv_scheme s = {c->scheme.reconstruction, c->scheme.limiter};
    return s;
}

sf_status sf_plan_lifted(sf_ctx *ctx, const sf_case *c, sf_lifted_plan *plan)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c && plan, SF_E_ARG, "sf_plan_lifted: NULL argument");
    SF_CHECK(ctx, c->grid.spacing != SF_SPACING_STRETCHED, SF_E_UNSUPPORTED,
             "%s: grid.spacing = stretched: form lifted takes uniform or refined (toward "
             "theta = 0) spacing; stretched is form transport's", sf_case_where(c, "grid.spacing"));
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &plan->coord));
    const sf_coord *x = sf_coord_get(plan->coord.id);
    plan->grid = (sf_grid1_params){.cells = (size_t)c->grid.cells, .lo = x->lo, .hi = x->hi,
                                   .spacing = c->grid.spacing, .ratio = c->grid.ratio,
                                   .centre = x->lo, .focus = x->hi - x->lo, .weight = 0.0};
    if (c->grid.spacing == SF_SPACING_AUTO) {
        /* (docs/math.md §5 "Grids"): a cluster on the start's layer at the orthogonal point
         * π/2, where ω ~ τ₀ has √k·cos θ (θ) or √k·|cos φ| (φ) ≈ χ_{d_H}: near-uniform cells
         * in √k·cos within SF_AUTO_SPREAD/√k of π/2, geometric beyond (the stretched map),
         * plus, on θ, cells refined toward the aligned end θ = 0 (ratio grid.ratio when set,
         * else SF_AUTO_RATIO) */
        const double k = fmin((double)(c->problem.d - c->problem.d_H), SF_AUTO_K_MAX);
        plan->grid.centre = M_PI_2;
        plan->grid.focus = SF_AUTO_SPREAD / sqrt(k);
        const double s = (x->hi - x->lo) * sqrt(k); /* interval / layer scale */
        plan->grid.weight = SF_AUTO_WEIGHT * s / (s + SF_AUTO_SCALE);
        plan->grid.ratio = x->aligned_points == 1
                               ? (sf_case_is_set(c, "grid.ratio") ? c->grid.ratio : SF_AUTO_RATIO)
                               : 1.0; /* φ: aligned at both ends, a uniform background */
    }
    plan->scheme = sf_plan_scheme(c);
    plan->minimiser_mass = sf_reduce_minimiser_mass(c);
cleanup:
    return status;
}

sf_status sf_plan_transport_grids(sf_ctx *ctx, const sf_case *c, const sf_transport_box *box,
                                  sf_grid1_params grid[3])
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c->grid.spacing != SF_SPACING_REFINED, SF_E_UNSUPPORTED,
             "%s: grid.spacing = refined with form transport: expected uniform or stretched "
             "(refined grids are fine toward one end, form T needs them about the start's bulk)",
             sf_case_where(c, "grid.spacing"));
    const int st = c->grid.spacing == SF_SPACING_STRETCHED;
    const size_t n = (size_t)c->grid.cells;
    const double sa = c->start.sigma_a, sb = c->start.sigma_b;
    const double bulk = sb * sqrt((double)(c->problem.d - c->problem.d_H)); /* χ_k bulk (§4.6) */
    sf_grid1_params gp = {.ratio = 1.0};
    gp.spacing = st ? SF_SPACING_STRETCHED : SF_SPACING_UNIFORM;
    gp.cells = n;
    gp.lo = -box->a_max;
    gp.hi = box->a_max;
    gp.centre = 0.0;
    gp.focus = SF_T_FOCUS * sa;
    grid[0] = gp;
    gp.lo = -box->u_max;
    gp.hi = box->u_max;
    gp.focus = SF_T_FOCUS * sb;
    grid[1] = gp;
    gp.cells = st ? (n / SF_T_R_CELLS_DIV > SF_T_R_CELLS_MIN ? n / SF_T_R_CELLS_DIV : SF_T_R_CELLS_MIN) : n;
    gp.lo = 0.0;
    gp.hi = box->r_max;
    gp.centre = fmin(bulk, 0.5 * box->r_max);
    grid[2] = gp;
cleanup:
    return status;
}

/* The plan of a solve on `box` (pilot: coarse uniform grids, loose tolerance, no monitor). */
static sf_status transport_plan(sf_ctx *ctx, const sf_case *c, const sf_transport_box *box,
                                int pilot, sf_transport_plan *p)
{
    sf_status status = SF_OK;
    *p = (sf_transport_plan){0};
    p->box = *box;
    p->scheme = sf_plan_scheme(c);
    p->ode = sf_plan_ode(c);
    p->pilot = pilot;
    if (pilot) {
        sf_case coarse = *c; /* shallow: read-only, never freed */
        coarse.grid.cells = SF_PILOT_CELLS;
        coarse.grid.spacing = SF_SPACING_UNIFORM;
        SF_TRY(ctx, sf_plan_transport_grids(ctx, &coarse, box, p->grid));
        p->ode.rtol = fmax(c->solver.rtol, SF_PILOT_RTOL);
        p->edge_mass = SF_PILOT_NO_MONITOR;
    } else {
        SF_TRY(ctx, sf_plan_transport_grids(ctx, c, box, p->grid));
    }
cleanup:
    return status;
}

sf_status sf_plan_transport_run(sf_ctx *ctx, const sf_case *c, sf_transport_solve_fn solve,
                                void *user, sf_transport_report *report)
{
    sf_status status = SF_OK;
    sf_transport_report r = {0};
    sf_transport_plan plan;
    SF_CHECK(ctx, c && solve, SF_E_ARG, "sf_plan_transport_run: NULL argument");
    SF_TRY(ctx, sf_reduce_transport_box(ctx, c, &r.box));
    /* the box is ours to size: a heuristic rule and no grid.margin from the user */
    if (r.box.measured && !sf_case_is_set(c, "grid.margin")) {
        double scale = SF_PILOT_MARGIN;
        for (int round = 0;; round++) {
            const sf_transport_box pbox = {scale * r.box.a_max, scale * r.box.u_max,
                                           scale * r.box.r_max, 1};
            double ext[3];
            SF_TRY(ctx, transport_plan(ctx, c, &pbox, 1, &plan));
            SF_TRY(ctx, solve(ctx, user, &plan, ext));
            const int touches = ext[0] >= SF_PILOT_TOUCH * pbox.a_max ||
                                ext[1] >= SF_PILOT_TOUCH * pbox.u_max ||
                                ext[2] >= SF_PILOT_TOUCH * pbox.r_max;
            SF_CHECK(ctx, !touches || round + 1 < SF_PILOT_ROUNDS, SF_E_NUMERIC,
                     "form T pilot: the mass still reaches the edge of a box %g x the start-law "
                     "box by t = %g; set grid.margin (and check the case)", scale,
                     c->time.outputs[c->time.n_outputs - 1]);
            if (!touches) {
                r.box.a_max = fmax(r.box.a_max, SF_PILOT_SAFETY * ext[0]);
                r.box.u_max = fmax(r.box.u_max, SF_PILOT_SAFETY * ext[1]);
                r.box.r_max = fmax(r.box.r_max, SF_PILOT_SAFETY * ext[2]);
                break;
            }
            scale *= 2.0;
        }
        r.piloted = 1;
    }
    for (r.attempts = 1;; r.attempts++) {
        double ext[3];
        SF_TRY(ctx, transport_plan(ctx, c, &r.box, 0, &plan));
        status = solve(ctx, user, &plan, ext);
        /* a box the rule and the pilot sized may still be short where the stretched grid's
         * outer cells are wide: grow it, unless the user fixed it with grid.margin */
        if (status != SF_E_DOMAIN || !r.piloted || r.attempts == SF_BOX_ATTEMPTS) break;
        snprintf(r.note, sizeof r.note, "%s; solved again on a box %g x larger",
                 sf_ctx_message(ctx), SF_BOX_GROWTH);
        sf_ctx_clear(ctx);
        r.box.a_max *= SF_BOX_GROWTH;
        r.box.u_max *= SF_BOX_GROWTH;
        r.box.r_max *= SF_BOX_GROWTH;
    }
    SF_TRY(ctx, status);
cleanup:
    if (report) *report = r;
    return status;
}
