/* forml.h — form L: the lifted transport–reaction system (M15) for τ⁺, τ⁻ on a 1-D reduced
 * sphere, discretised by finite volumes (MATH.md §4.3, §5).
 *
 * State y (length 2n + 2): τ⁺ cell averages (n, per unit of the coordinate), τ⁻ (n), and the
 * time integrals of the reaction Q^ε(t) = ∫₀ᵗ −2ε ∫Ψ̂ dτ^ε (2), so that the mass balance
 * (L1) |τ^ε|(t) − |τ^ε|(0) − Q^ε(t) = 0 is checked to rounding.
 * Face velocities are the centred differences of the cell potential Ψ̂_i = (K M)_i − G_i,
 * which makes the semi-discrete system an exact discrete gradient flow: dR/dt equals minus
 * the discrete (L2) dissipation for any limiter (see forml.c).
 * Not here: kernels (reduction/), time integration (ode.h), files (run.h).
 */
#ifndef SYMFLOW_FORML_H
#define SYMFLOW_FORML_H

#include <stddef.h>

#include "symflow/coord.h"
#include "symflow/form.h"
#include "symflow/fv.h"
#include "symflow/grid.h"
#include "symflow/probe.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

typedef struct sf_forml sf_forml; /* opaque */

/* g, p: borrowed, must outlive the object. coord: θ or φ (coord.h); the W₂ diagnostics of
 * §6 measure the distance to the aligned set (θ = 0, or φ ∈ {0, π}) and to the orthogonal
 * set (θ or φ = π/2). */
sf_status sf_forml_create(sf_ctx *ctx, const sf_grid1 *g, const sf_lifted_problem *p,
                          const sf_fv_scheme *scheme, sf_coord_id coord, sf_forml **out);
void sf_forml_destroy(sf_forml **f);

size_t sf_forml_size(const sf_forml *f);               /* 2n + 2 */
void sf_forml_initial(const sf_forml *f, double *y);    /* densities from p's τ₀ masses; Q = 0 */

/* The right-hand side, an sf_ode_rhs (self = the sf_forml). Returns −1 on a non-finite
 * potential (sf_forml_failure says where). */
int sf_forml_rhs(double t, const double *y, double *ydot, void *self);

/* The preconditioner of method bdf (L12), ode.h's sf_ode_psetup / sf_ode_psolve with
 * self = the sf_forml: P = I − γ J₀, J₀ the Jacobian of the first-order upwind transport with
 * the face velocities and Ψ̂ frozen at y, plus the reaction −2εΨ̂ on the diagonal (the
 * kernel's dependence of Ψ̂ on the densities left out); per sign one tridiagonal system,
 * solved by the Thomas algorithm in O(n), and the two reaction integrals Q^ε exactly.
 * Setup returns +1 (recoverable: CVODE retries with a smaller γ) on a vanishing pivot. */
int sf_forml_psetup(double t, const double *y, int jok, int *jcur, double gamma, void *self);
int sf_forml_psolve(double t, const double *y, const double *r, double *z, double gamma,
                    void *self);
const char *sf_forml_failure(const sf_forml *f);

typedef struct {
    double risk;        /* R (M14) */
    double mass_plus;   /* |τ⁺| */
    double mass_minus;  /* |τ⁻| */
    double balance;     /* max_ε | |τ^ε|(t) − |τ^ε|(0) − Q^ε(t) |  (L1) */
    double reaction;    /* max_ε |Q^ε(t)|, the scale of the balance */
    double dissipation; /* discrete ∫(|∇Ψ̂|² + 2Ψ̂²) d(τ⁺+τ⁻) = −dR/dt (L2) */
    double alignment;   /* ∫ sin²θ d(τ⁺+τ⁻) / |τ⁺+τ⁻| (§6) */
    double w2_plus;     /* W₂(τ⁺/|τ⁺|, aligned set) (§6) */
    double w2_minus;    /* W₂(τ⁻/|τ⁻|, orthogonal set) (§6) */
    double tau_min;     /* min over cells of τ⁺, τ⁻ */
} sf_forml_diag;

/* Diagnostics of state y (uses the object's workspace, hence non-const). y0: the initial
 * state, for the mass balance. */
void sf_forml_diagnose(sf_forml *f, const double *y, const double *y0, sf_forml_diag *d);

/* Potential Ψ̂ at the cell centres for state y into psi (n values). */
void sf_forml_potential(sf_forml *f, const double *y, double *psi);

/* ---- the form interface (form.h): form "lifted" ---- */

typedef struct {
    const sf_grid1 *grid;        /* borrowed, must outlive the form */
    const sf_lifted_problem *p;  /* borrowed, must outlive the form */
    sf_fv_scheme scheme;         /* reconstruction and limiter */
    sf_coord_info coord;         /* θ or φ, and the symmetry group (attribute) */
    double minimiser_mass;       /* α of (L4) when known (attribute), else NaN */
    sf_probe_table *probe;       /* the probe lines of (L7), or NULL: its arrays are moved
                                    into the form (which frees them), *probe is zeroed */
} sf_forml_form_params;

/* Form L as an sf_form: series risk, mass_plus, mass_minus, mass_balance_residual (L1),
 * dissipation (L2), alignment, w2_plus, w2_minus, tau_min; fields tau_plus, tau_minus,
 * psi_hat (Ψ̂ of (M13) at the cell centres) and, with a probe table, probe_f(probe_u,
 * probe_rho), the predictor along the probe lines (L7). */
sf_status sf_forml_form(sf_ctx *ctx, const sf_forml_form_params *fp, sf_form *out);

/* The discretisation inside a form made by sf_forml_form (borrowed), or NULL for another
 * form: tests and diagnostics read it (sf_forml_diagnose, sf_forml_potential). */
sf_forml *sf_forml_of(const sf_form *f);

#endif
