/* plan.h — planning: case → what a form is built from (docs/ §5): the grid parameters of
 * each coordinate, the scheme, the form-T box and its policy (start-law rule, pilot run,
 * growth on an edge stop), the integrator settings and the output times. Implemented in
 * reduction/plan.c; a library function with unit tests, used by the registry (registry.h).
 *
 * The planner never runs a solver itself: the form-T pilot and the real solves reach it
 * through a callback the registry supplies (reduction/ and solver/ never meet).
 * Not here: the tables on the grids (reduction.h), the grids themselves (grid.h), forms.
 */
#ifndef SYMFLOW_PLAN_H
#define SYMFLOW_PLAN_H

#include <stddef.h>

#include "symflow/case.h"
#include "symflow/grid.h"
#include "symflow/numerics.h"
#include "symflow/reduced.h"
#include "symflow/reduction.h"
#include "symflow/status.h"

/* Integrator settings of a case: solver.method, rtol, atol, max_steps (per output interval). */
sf_ode_params sf_plan_ode(const sf_case *c);

/* (L10) A-priori spatial error of form L on grid g with scheme s: the relative error in R,
 * C·h² (MUSCL) or C·h (upwind), h the widest cell, C measured on paper-norm (plan.c). */
double sf_plan_space_error(const sf_grid1 *g, sf_fv_scheme s);

/* (L10) Form L's integrator settings on its grid: sf_plan_ode, except that when solver.rtol
 * is not set (by the file, an override, or a caller changing the default) rtol =
 * clamp(space error / 10, 1e-10, 1e-6) and (unless solver.atol is set) atol = 1e-2 × rtol.
 * *estimate (may be NULL) receives sf_plan_space_error(g, s). */
sf_ode_params sf_plan_lifted_ode(const sf_case *c, const sf_grid1 *g, sf_fv_scheme s,
                                 double *estimate);

/* Scheme of a case: scheme.reconstruction and scheme.limiter. */
sf_fv_scheme sf_plan_scheme(const sf_case *c);

/* ---- form L ---- */
typedef struct {
    sf_coord_info coord;    /* θ (radial targets) or φ (d_H = 1) and the group */
    sf_grid1_params grid;   /* grid.cells on the coordinate's interval, grid.spacing */
    sf_fv_scheme scheme;    /* scheme.* */
    double minimiser_mass;  /* α of (L4) when known, else NaN */
} sf_lifted_plan;

/* Errors: stretched spacing (SF_E_UNSUPPORTED, naming grid.spacing), and those of the
 * target and coordinate (sf_reduce_coord). */
sf_status sf_plan_lifted(sf_ctx *ctx, const sf_case *c, sf_lifted_plan *plan);

/* ---- form characteristics (docs/math.md (L9)) ---- */
typedef struct {
    sf_coord_info coord; /* θ (radial targets) or φ (d_H = 1) and the group */
    size_t nodes;        /* Gauss nodes per sign: characteristics.nodes */
    size_t table;        /* nodes per axis of the K̂ table (0: pointwise K̂) */
} sf_char_plan;

/* Errors: those of the target and coordinate (sf_reduce_coord). */
sf_status sf_plan_characteristics(sf_ctx *ctx, const sf_case *c, sf_char_plan *plan);

/* ---- form T ---- */
typedef struct {
    sf_transport_box box;   /* a ∈ ±a_max, u ∈ ±u_max, r ∈ [0, r_max] */
    sf_grid1_params grid[3];/* a, u, r grids on the box (grid rule below) */
    sf_fv_scheme scheme;    /* scheme.* */
    sf_ode_params ode;      /* integrator settings */
    double edge_mass;       /* monitor threshold: 0 = the form's default; 1 = never stops */
    int pilot;              /* 1: this is a pilot solve (no file, no progress) */
} sf_transport_plan;

/* The grids of a form-T case on a box, by grid.spacing: uniform (grid.cells per
 * coordinate) or stretched about the start's bulk (sinh grids, focus SF_T_FOCUS σ; r with
 * max(SF_T_R_CELLS_MIN, grid.cells / SF_T_R_CELLS_DIV) cells); refined is refused. */
sf_status sf_plan_transport_grids(sf_ctx *ctx, const sf_case *c, const sf_transport_box *box,
                                  sf_grid1_params grid[3]);

/* A solve of a form-T plan, supplied by the caller: build the grids, tables and form of
 * the plan, drive it, and for a pilot report the extents of the mass (sf_formt_form_extent).
 * Returns SF_E_DOMAIN when the mass reached the box edge. */
typedef sf_status (*sf_transport_solve_fn)(sf_ctx *ctx, void *user, const sf_transport_plan *plan,
                                           double extent[3]);

typedef struct {
    sf_transport_box box;  /* the box of the final solve */
    int piloted;           /* 1: the box was sized by a pilot run */
    int attempts;          /* real solves made (> 1: the box grew after an edge stop) */
    char note[512];        /* why the box grew (the last edge message), or "" */
} sf_transport_report;

/* The box policy (docs/ §4.5): the start-law rule; for boxes the rule only guesses
 * (targets with an even part) and no user grid.margin, a coarse pilot (SF_PILOT_CELLS
 * uniform cells on SF_PILOT_MARGIN × the box, monitor off) measures how far the mass goes,
 * the box becomes max(rule, SF_PILOT_SAFETY × reach); the real solve is repeated on a box
 * SF_BOX_GROWTH × larger after an edge stop, at most SF_BOX_ATTEMPTS times. With
 * grid.margin set by the user the first edge stop is final (SF_E_DOMAIN). */
sf_status sf_plan_transport_run(sf_ctx *ctx, const sf_case *c, sf_transport_solve_fn solve,
                                void *user, sf_transport_report *report);

/* ---- form L on the hemisphere, d_H = 2 (MATH §4.8) ---- */
enum { SF_HEMI_PHI_PER_THETA = 4 /* n_φ = 4 n_θ: uniform cells as wide in φ (2π/n_φ) as
                                    in θ (π/(2 n_θ)) at the equator, and a multiple of 4 */ };
typedef struct {
    sf_grid1_params theta;  /* grid.cells on [0, π/2], grid.spacing (uniform or refined) */
    sf_grid1_params phi;    /* SF_HEMI_PHI_PER_THETA × grid.cells uniform cells on [0, 2π] */
    sf_fv_scheme scheme;    /* scheme.* */
    const char *group;      /* the symmetry group quotiented out (attribute) */
} sf_hemi_plan;

/* Errors: stretched spacing (SF_E_UNSUPPORTED, naming grid.spacing). */
sf_status sf_plan_hemi(sf_ctx *ctx, const sf_case *c, sf_hemi_plan *plan);
/* ---- form H (MATH §4.7) ---- */
typedef struct {
    sf_coord_info coord;    /* θ (radial targets) or φ (d_H = 1) and the group */
    sf_grid1_params grid[3];/* ω (grid.cells on the coordinate), η of N⁰ (stretched about 0,
                               symmetric), η of N^± (uniform on [η₀, η_max⁺]) */
    sf_fv_scheme scheme;    /* scheme.* */
    sf_ode_params ode;      /* integrator settings */
    double edge_mass;       /* monitor threshold: 0 = the form's default */
} sf_hyperbolic_plan;

/* Form H's ω-cells: grid.cells if set, else its own default (64; the 200 of grid.cells is
 * sized for form L). */
size_t sf_plan_hyperbolic_cells(const sf_case *c);

/* The plan of a form-H case whose η-boxes are `grow` growth steps (SF_H_GROWTH each) beyond
 * the start's reach (sf_reduce_hyperbolic_reach), times grid.margin; η₀ = eta0 (≤ 0: the
 * default SF_H_ETA0). Errors: a balanced start, d_H = 2 (not implemented: the (η, φ, θ)
 * lift), stretched ω spacing — each naming its key. */
sf_status sf_plan_hyperbolic(sf_ctx *ctx, const sf_case *c, int grow, double eta0,
                             sf_hyperbolic_plan *plan);

/* A solve of a form-H plan, supplied by the caller (build, drive); SF_E_DOMAIN when the
 * mass reached the η-box edge. */
typedef sf_status (*sf_hyperbolic_solve_fn)(sf_ctx *ctx, void *user, const sf_hyperbolic_plan *plan);

/* The box policy of form H: solve on the start-rule box; after an edge stop solve again on a
 * box one growth step larger, at most SF_H_ATTEMPTS times, unless the user set grid.margin
 * (then the first edge stop is final). note: why the box grew, or "" (cap bytes). */
sf_status sf_plan_hyperbolic_run(sf_ctx *ctx, const sf_case *c, sf_hyperbolic_solve_fn solve,
                                 void *user, char *note, size_t cap);

#endif
