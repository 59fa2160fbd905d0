/* formt.h — form T: the transport PDE (M16) of the density n(t, a, u, r) for d_H = 1 targets,
 * by finite volumes on a tensor (a, u, r) box (MATH.md §4.4, §4.5, §5), and its form interface.
 *
 * State y (length na·nu·nr): cell averages n_c, index c = (i_a·nu + i_u)·nr + i_r (r fastest).
 * Potential: each cell deposits its signed mass a_c ρ_c n_c vol_c on the two φ-centres around
 * φ_c = atan2(r_c, u_c) with linear weights; Ψ̂ = K M − G on the φ-grid; back to the cell with
 * the same weights; V_c = a_c ρ_c Ψ̂(φ_c) = ∂R_h/∂(n_c vol_c) for the discrete risk
 * R_h = ½ Mᵀ K M − Gᵀ M + ½E f*². Face velocities are centred differences of V, so the
 * semi-discrete system is an exact discrete gradient flow: dR_h/dt = −Σ_faces h A n_f v²
 * for every limiter (see formt.c). Zero flux on every outer face and at r = 0 (§4.5).
 * Not here: kernels, the initial density and the box (reduction/), time integration
 * (drive.h), netCDF (ncio.h).
 */
#ifndef SYMFLOW_FORMT_H
#define SYMFLOW_FORMT_H

#include <stddef.h>

#include "symflow/fv.h"
#include "symflow/grid.h"
#include "symflow/probe.h"
#include "symflow/ode.h"
#include "symflow/reduced.h"
#include "symflow/form.h"
#include "symflow/status.h"

typedef struct sf_formt sf_formt; /* opaque */

/* ga, gu, gr: the a, u, r grids (r from 0); p: tables on them (p->na … must match). All
 * borrowed, must outlive the object. */
sf_status sf_formt_create(sf_ctx *ctx, const sf_grid1 *ga, const sf_grid1 *gu, const sf_grid1 *gr,
                          const sf_transport_problem *p, const sf_fv_scheme *scheme,
                          sf_formt **out);
void sf_formt_destroy(sf_formt **f);

size_t sf_formt_size(const sf_formt *f);             /* na·nu·nr */
void sf_formt_initial(const sf_formt *f, double *y); /* y = p->n0 */

/* The right-hand side of (M16), an sf_ode_rhs (self = the sf_formt). Returns −1 on a
 * non-finite potential (sf_formt_failure says where). */
int sf_formt_rhs(double t, const double *y, double *ydot, void *self);
const char *sf_formt_failure(const sf_formt *f);

typedef struct {
    double risk;        /* R_h = ½ Mᵀ K M − Gᵀ M + ½E f*² (M14, discrete) */
    double mass;        /* Σ n vol (I1) */
    double balance;     /* Σ (a² − ρ²) n vol (I3, midpoint rule) */
    double dissipation; /* Σ_faces h A n_f v² = −dR_h/dt exactly (I2, discrete) */
    double w;           /* ½ Σ a u n vol: the predictor's coefficient along e₁ (M8) */
    double m11;         /* Σ u² n vol: M₁₁ of (M8) */
    double s;           /* Σ a² n vol: s of (M8) */
    double density_min; /* min over cells of n */
} sf_formt_diag;

/* Diagnostics of state y (uses the object's workspace, hence non-const). */
void sf_formt_diagnose(sf_formt *f, const double *y, sf_formt_diag *d);

/* Marginal densities of y: ma (na values, per unit a), mu (nu), mr (nr). */
void sf_formt_marginals(const sf_formt *f, const double *y, double *ma, double *mu, double *mr);

/* Ψ̂ on the φ-centres (n_phi values) for state y. */
void sf_formt_potential(sf_formt *f, const double *y, double *psi);

/* Outer-box monitor (§4.5): the mass fraction in the outermost cell layer of each outer face
 * (a = ±a_max, u = ±u_max, r = r_max); if one exceeds tol, SF_E_NUMERIC
 * "domain too small: 0.3 % of the mass within one cell of a = +4 at t = 12.5". */
sf_status sf_formt_check_edges(sf_ctx *ctx, const sf_formt *f, const double *y, double t,
                               double tol);

/* The monitor's default threshold (fraction of the total mass), SF_FORMT_EDGE_MASS. */
double sf_formt_edge_mass_default(void);

/* ---- the form interface (form.h): form "transport" ---- */

typedef struct {
    const sf_grid1 *ga, *gu, *gr;    /* the grids (borrowed, must outlive the form) */
    const sf_transport_problem *p;   /* the tables on them (borrowed, must outlive the form) */
    sf_fv_scheme scheme;             /* reconstruction and limiter */
    double edge_mass;                /* outer-layer threshold of the monitor (§4.5); ≤ 0:
                                        sf_formt_edge_mass_default; ≥ 1: never stops */
    sf_probe_table *probe;           /* the probe lines of (L7) on (u, r), or NULL: moved into
                                        the form (which frees them), *probe is zeroed */
} sf_formt_form_params;

/* Form T as an sf_form: series risk, mass (I1), balance (I3), dissipation, w (M8),
 * density_min; fields density and its marginals density_a, density_u, density_r. Observing
 * a state runs the edge monitor (SF_E_DOMAIN) and records the extent of the mass. */
sf_status sf_formt_form(sf_ctx *ctx, const sf_formt_form_params *fp, sf_form *out);

/* Of a form made by sf_formt_form: the max over observed outputs of the half-width in a and
 * u (symmetric about 0) and of the reach in r that hold all but SF_T_TAIL (10⁻⁷) of the mass
 * — what a box needs (the planner's pilot run sizes the box from it). */
void sf_formt_form_extent(const sf_form *f, double extent[3]);

/* The discretisation inside a form made by sf_formt_form (borrowed), or NULL for another
 * form; and the tables it was made with (borrowed). For tests and diagnostics. */
sf_formt *sf_formt_of(const sf_form *f);
const sf_transport_problem *sf_formt_tables(const sf_formt *f);

#endif
