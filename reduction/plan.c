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
                              .atol = c->solver.atol, .max_steps = c->solver.max_steps,
                              .precond = c->solver.precond};
    return op;
}

/* (L10) rtol of form L from the spatial error: measured on paper-norm (t ≤ 10, sup over the
 * outputs of |R − R_ref|/R_ref, R_ref at N = 1600, all at rtol 1e-10, grid.spacing auto) the
 * error is C·h^p with h the widest cell: MUSCL e/h² = 0.595, 0.615, 0.582 at N = 100, 200,
 * 400 (h = 0.0237, 0.0119, 0.00595); upwind e/h = 0.477, 0.486 at N = 200, 400. */
static const double SF_SPACE_C_MUSCL = 0.62;  /* the largest measured e/h², rounded up */
static const double SF_SPACE_C_UPWIND = 0.49; /* the largest measured e/h, rounded up */
static const double SF_AUTO_RTOL_SHARE = 0.1; /* time error ≈ rtol: a tenth of the space error */
static const double SF_AUTO_RTOL_MIN = 1e-10; /* CVODE's step sequence gets long below this */
static const double SF_AUTO_RTOL_MAX = 1e-6;  /* the cap: the time error stays small on coarse
                                                 grids too (paper-norm R(100) at N = 400: 1e-6
                                                 moves it by < 1e-6 relative, measured) */
static const double SF_AUTO_ATOL_PER_RTOL = 1e-2; /* atol = this × rtol (density units), the
                                                     default's ratio (core/case.c) */

double sf_plan_space_error(const sf_grid1 *g, sf_fv_scheme s)
{
    double h = 0.0;
    for (size_t i = 0; i < g->n; i++) h = fmax(h, g->widths[i]);
    return s.reconstruction == SF_RECON_MUSCL ? SF_SPACE_C_MUSCL * h * h : SF_SPACE_C_UPWIND * h;
}

sf_ode_params sf_plan_lifted_ode(const sf_case *c, const sf_grid1 *g, sf_fv_scheme s,
                                 double *estimate)
{
    sf_ode_params op = sf_plan_ode(c);
    const double e = sf_plan_space_error(g, s);
    if (estimate) *estimate = e;
    /* set = by the file, an override, or a caller that changed the default (library use) */
    const int rtol_set =
        sf_case_is_set(c, "solver.rtol") || c->solver.rtol != SF_CASE_DEFAULT_RTOL;
    const int atol_set =
        sf_case_is_set(c, "solver.atol") || c->solver.atol != SF_CASE_DEFAULT_ATOL;
    if (!rtol_set) {
        op.rtol = fmax(SF_AUTO_RTOL_MIN, fmin(SF_AUTO_RTOL_MAX, SF_AUTO_RTOL_SHARE * e));
        if (!atol_set) op.atol = SF_AUTO_ATOL_PER_RTOL * op.rtol;
    }
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

/* Nodes per axis of form characteristics' K̂ table (docs/math.md (L9)): the particle tables'
 * 257 (registry.c); measured error of the interpolant against kernel.c on paper-norm in
 * tests/unit/formchar.c. Pointwise K̂ costs ≈ 20 µs a pair, too slow for CVODE's evaluations. */
enum { SF_CHAR_TABLE = 257 };

/* Form characteristics: the node count is the case's characteristics.nodes (default 64 per
 * sign: the error in R(T) of paper-norm is at the CVODE tolerance there, docs/math.md (L9)). */
sf_status sf_plan_characteristics(sf_ctx *ctx, const sf_case *c, sf_char_plan *plan)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c && plan, SF_E_ARG, "sf_plan_characteristics: NULL argument");
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &plan->coord));
    plan->nodes = (size_t)c->characteristics.nodes;
    plan->table = SF_CHAR_TABLE;
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

sf_status sf_plan_hemi(sf_ctx *ctx, const sf_case *c, sf_hemi_plan *plan)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c && plan, SF_E_ARG, "sf_plan_hemi: NULL argument");
    SF_CHECK(ctx, c->grid.spacing != SF_SPACING_STRETCHED, SF_E_UNSUPPORTED,
             "%s: grid.spacing = stretched: form lifted on the hemisphere takes uniform or "
             "refined (toward theta = 0) spacing", sf_case_where(c, "grid.spacing"));
    const sf_coord *th = sf_coord_get(SF_COORD_THETA), *ph = sf_coord_get(SF_COORD_AZIMUTH);
    const size_t n = (size_t)c->grid.cells;
    /* grid.spacing: auto (the default) is uniform here: the start's layer at π/2 is the pole of
     * the (θ, φ) chart, where the auto cluster of form L would only shrink the time step */
    const sf_spacing sp = c->grid.spacing == SF_SPACING_AUTO ? SF_SPACING_UNIFORM : c->grid.spacing;
    plan->theta = (sf_grid1_params){.cells = n, .lo = th->lo, .hi = th->hi,
                                    .spacing = sp, .ratio = c->grid.ratio,
                                    .centre = th->lo, .focus = th->hi - th->lo};
    plan->phi = (sf_grid1_params){.cells = SF_HEMI_PHI_PER_THETA * n, .lo = ph->lo, .hi = ph->hi,
                                  .spacing = SF_SPACING_UNIFORM, .ratio = 1.0, .centre = ph->lo,
                                  .focus = ph->hi - ph->lo};
    plan->scheme = sf_plan_scheme(c);
    plan->group = "O(k)";
cleanup:
    return status;
}

/* ---- form H (MATH §4.7) ---- */

/* The η-box and grid rule of form H. The start's weighted density decays like e^{−2|η|}
 * (reduction/hyperbolic.c), so the box is the start's reach plus an additive allowance for
 * the growth of |a|, |b| under the flow (a factor e^{SF_H_GROWTH} per step). Measured on
 * relu-teacher (d = 20, t ≤ 20, 64 φ × 128 η cells): the share of ∫|aρ| beyond |η| = 4.5 stays
 * ≤ 5·10⁻⁶ and beyond 5.7 ≤ 5·10⁻⁷ up to t = 20 (the flow barely widens N⁰ in η), while the
 * start rule at 10⁻⁷ gives 5.9. The grid rule: with η-cells = ω-cells the η-direction carries
 * most of the error (relu-teacher R(2): at 32 φ-cells, 32 → 64 η-cells moves R by 1.8e-3; at 64
 * η-cells, 32 → 64 φ-cells by 4e-4), so N⁰ gets SF_H_ETA_PER_OMEGA × grid.cells η-cells,
 * sinh-stretched about 0 with the focus below (R(2) at 128 φ × 128 η: focus 2 bulk widths
 * 2.6e-5 closer to the converged value than focus 4; focus 2 at 32 × 32 cells let the coarse
 * outer cells carry mass to the box edge, hence the factor 2 in η). */
static const double SF_H_TAIL = 1e-7;   /* share of ∫|aρ| of the start left beyond the box: a
                                           decade under the monitor's threshold (formh.c) */
static const double SF_H_GROWTH = 1.0;  /* η-allowance per growth step: a factor e ≈ 2.7 in |b| */
static const double SF_H_ETA0 = 0.25;   /* inner boundary of N^± (§4.7: R moves by < 3e-8 for
                                           η₀ in [0.05, 0.5] on relu-teacher) */
static const double SF_H_FOCUS = 2.0;   /* focus of the N⁰ sinh grid in bulk widths σ_a/(σ_b√d) */
enum {
    SF_H_ETA_PER_OMEGA = 2, /* N⁰ η-cells per ω-cell (above) */
    SF_H_ATTEMPTS = 3,      /* solves on growing η-boxes before reporting the edge stop */
    SF_H_POS_CELLS_DIV = 2, /* N^± η-cells = ω-cells / this (their weight is ~10⁻⁵ of N⁰'s) */
    SF_H_POS_CELLS_MIN = 16, /* fewest N^± η-cells */
    /* ω-cells when grid.cells is not set (its default, 200, is sized for 1-D form L): with the
       start of (H5), odd-linear (d = 10) has max_{t≤4} |w − w_M9| = 1.04e-3 at 48 φ-cells and
       4.7e-4 at 64 (issue 11's budget: 1e-3; tests/convergence/formh_odd_linear.c), and
       relu-teacher to t = 20 costs about 1.7 s on one core at 64 */
    SF_H_DEFAULT_CELLS = 64
};
/* ω-spacing when grid.spacing is not set: refined toward ω = 0 (b along H, where the learned
 * directions gather) with largest/smallest cell SF_H_DEFAULT_RATIO (grid.ratio if set).
 * Measured at 64 ω-cells (bench/run --form-h): relu-teacher to t = 20,
 * sup_t |R − R_192|/R_192 = 2.8e-3 uniform, 1.5e-3 (ratio 1.5), 9.2e-4 (2), 1.3e-3 (3), the
 * error sitting at late times where R is small and the mass is near φ = 0; odd-linear
 * (tests/convergence/formh_odd_linear.c) 4.7e-4 uniform, 4.9e-4 at ratio 2. */
static const double SF_H_DEFAULT_RATIO = 2.0;

size_t sf_plan_hyperbolic_cells(const sf_case *c)
{
    return sf_case_is_set(c, "grid.cells") ? (size_t)c->grid.cells : SF_H_DEFAULT_CELLS;
}

sf_status sf_plan_hyperbolic(sf_ctx *ctx, const sf_case *c, int grow, double eta0,
                             sf_hyperbolic_plan *plan)
{
    sf_status status = SF_OK;
    double r0, rp;
    SF_CHECK(ctx, c && plan, SF_E_ARG, "sf_plan_hyperbolic: NULL argument");
    *plan = (sf_hyperbolic_plan){0};
    SF_CHECK(ctx, c->start.law == SF_START_GAUSSIAN, SF_E_UNSUPPORTED,
             "%s: start.law = '%s' with form hyperbolic: a balanced start is the limit "
             "delta -> 0 at |eta| = infinity (MATH §4.7); use form: lifted, or start.law: gaussian",
             sf_case_where(c, "start.law"), sf_name_of(&sf_start_names, (int)c->start.law));
    SF_CHECK(ctx, c->grid.spacing != SF_SPACING_STRETCHED, SF_E_UNSUPPORTED,
             "%s: grid.spacing = stretched with form hyperbolic: expected uniform or refined "
             "(the spacing of the omega-grid; the eta-grids are stretched by the planner)",
             sf_case_where(c, "grid.spacing"));
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &plan->coord));
    SF_CHECK(ctx, plan->coord.id == SF_COORD_THETA || c->problem.d_H == 1, SF_E_UNSUPPORTED,
             "%s: problem.d_H = %ld with form hyperbolic and a target that is not radial: the "
             "3-D lift on (eta, phi, theta) of d_H = 2 is not implemented; use d_H = 1 or a "
             "radial target", sf_case_where(c, "problem.d_H"), c->problem.d_H);
    SF_TRY(ctx, sf_reduce_hyperbolic_reach(ctx, c, SF_H_TAIL, &r0, &rp));
    const double e0 = eta0 > 0.0 ? eta0 : SF_H_ETA0;
    const double grow_eta = SF_H_GROWTH * (double)(1 + grow);
    const double emax0 = (r0 + grow_eta) * c->grid.margin;
    /* N^± needs a non-empty interval above η₀ even when its weight underflows (d ≫ 1) */
    const double emaxp = fmax((rp + grow_eta) * c->grid.margin, 2.0 * e0);
    const double d = (double)c->problem.d;
    const sf_coord *x = sf_coord_get(plan->coord.id);
    const size_t n = sf_plan_hyperbolic_cells(c);
    /* grid.spacing not set, or auto (the default): form H's own ω-rule */
    const int own = !sf_case_is_set(c, "grid.spacing") || c->grid.spacing == SF_SPACING_AUTO;
    const double ratio = own && !sf_case_is_set(c, "grid.ratio") ? SF_H_DEFAULT_RATIO : c->grid.ratio;
    plan->grid[0] = (sf_grid1_params){.cells = n, .lo = x->lo, .hi = x->hi,
                                      .spacing = own ? SF_SPACING_REFINED : c->grid.spacing,
                                      .ratio = ratio,
                                      .centre = x->lo, .focus = x->hi - x->lo};
    plan->grid[1] = (sf_grid1_params){.cells = SF_H_ETA_PER_OMEGA * n, .lo = -emax0, .hi = emax0,
                                      .spacing = SF_SPACING_STRETCHED, .ratio = 1.0, .centre = 0.0,
                                      .focus = SF_H_FOCUS * c->start.sigma_a / (c->start.sigma_b * sqrt(d))};
    const size_t np = n / SF_H_POS_CELLS_DIV > SF_H_POS_CELLS_MIN ? n / SF_H_POS_CELLS_DIV : SF_H_POS_CELLS_MIN;
    plan->grid[2] = (sf_grid1_params){.cells = np, .lo = e0, .hi = emaxp,
                                      .spacing = SF_SPACING_UNIFORM, .ratio = 1.0, .centre = e0,
                                      .focus = 1.0};
    plan->scheme = sf_plan_scheme(c);
    plan->ode = sf_plan_ode(c);
cleanup:
    return status;
}

sf_status sf_plan_hyperbolic_run(sf_ctx *ctx, const sf_case *c, sf_hyperbolic_solve_fn solve,
                                 void *user, char *note, size_t cap)
{
    sf_status status = SF_OK;
    sf_hyperbolic_plan plan;
    if (note && cap) note[0] = '\0';
    SF_CHECK(ctx, c && solve, SF_E_ARG, "sf_plan_hyperbolic_run: NULL argument");
    const int fixed = sf_case_is_set(c, "grid.margin");
    for (int attempt = 0;; attempt++) {
        SF_TRY(ctx, sf_plan_hyperbolic(ctx, c, attempt, 0.0, &plan));
        status = solve(ctx, user, &plan);
        if (status != SF_E_DOMAIN || fixed || attempt + 1 == SF_H_ATTEMPTS) break;
        if (note && cap)
            snprintf(note, cap, "%s; solved again with eta-boxes %g larger", sf_ctx_message(ctx),
                     SF_H_GROWTH * (double)(attempt + 1));
        sf_ctx_clear(ctx);
    }
    SF_TRY(ctx, status);
cleanup:
    return status;
}
