/* formh.h — form H: the hyperbolic lift (MATH §4.7) of a start with a density, for d_H = 1
 * (ω = φ ∈ [0, π]) and radial targets (ω = θ ∈ [0, π/2]), by finite volumes on (η, ω), and
 * its form interface.
 *
 * State y: the cell averages of N⁰ (n_eta0 × n_omega), then N⁺ and N⁻ (n_etap × n_omega
 * each), ω fastest, then the two b = 0 reservoirs (weighted mass of N⁺, N⁻ that reached
 * η₀ and could not come out at the antipodal direction, §4.7). Potential: M_j = Σ_i ±w_i N_ij
 * h_ωj (H3, w_i = ∫_cell ½ sinh 2η), Ψ̂ = K M − G on the ω-grid; the cell potential
 * V_ij = ±(w_i/h_ηi) Ψ̂_j is ∂R_h/∂(N_ij h_ηi h_ωj) for the discrete risk R_h = ½MᵀKM − GᵀM +
 * ½E f*². Face velocities (H1): η̇ = −sΨ̂_j exactly, ω̇ = −s c(η_i) (Ψ̂_{j+1} − Ψ̂_j)/Δω with
 * c = tanh (N⁰) or coth (N^±); each is −(mobility ≥ 0) × the difference quotient of V, so
 * dR_h/dt = −(the discrete H4, a sum of squares) exactly (see formh.c).
 * Not here: kernels, the start and the grids' rule (reduction/), time stepping (drive.h).
 */
#ifndef SYMFLOW_FORMH_H
#define SYMFLOW_FORMH_H

#include <stddef.h>

#include "symflow/form.h"
#include "symflow/fv.h"
#include "symflow/grid.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

typedef struct sf_formh sf_formh; /* opaque */

typedef struct {
    double risk;        /* R_h (M14, discrete) */
    double dissipation; /* the discrete (H4): −dR_h/dt exactly */
    double mass[3];     /* weighted masses of N⁰, N⁺ (with its reservoir), N⁻ (with its) */
    double reservoir[2];/* weighted mass parked at b = 0 of N⁺, N⁻ (§4.7) */
    double alignment;   /* ∫ sin²ω |aρ| / ∫ |aρ| (§6; ω = θ or φ) */
    double w;           /* ½ ∫ a b₁ = ½ Σ M_j cos φ_j (M8; φ-grids only, else 0) */
    double density_min; /* min over cells of N⁰, N^± */
    double s;           /* ∫ a² dν = Σ N vol × cell average of sinh²η (N⁰) or cosh²η (N^±) (M8) */
    double m11;         /* ∫ b₁² dν = Σ N vol × cell average of cosh²η (N⁰) or sinh²η (N^±)
                           × cos² ω_j (M8; φ-grids only, else 0) */
} sf_formh_diag;

/* ---- the form interface (form.h): form "hyperbolic" ---- */

typedef struct {
    const sf_grid1 *go;              /* ω-grid (θ or φ) (borrowed, must outlive the form) */
    const sf_grid1 *ge0;             /* η-grid of N⁰, symmetric about 0 (borrowed) */
    const sf_grid1 *gep;             /* η-grid of N^±, from η₀ > 0 (borrowed) */
    const sf_hyperbolic_problem *p;  /* tables on them (borrowed, must outlive the form) */
    sf_coord_info coord;             /* θ or φ, and the group (attribute) */
    sf_fv_scheme scheme;             /* reconstruction and limiter */
    double edge_mass;                /* outer-layer threshold of the η monitor (share of
                                        ∫|aρ|); ≤ 0: the default; ≥ 1: never stops */
} sf_formh_form_params;

/* Form H as an sf_form: series risk, dissipation (H4), mass0, mass_plus, mass_minus,
 * weight_pos (conserved, exact), reservoir_plus, reservoir_minus, alignment, w, density_min; fields N0, Nplus, Nminus and
 * the direction marginal m(ω). Observing a state runs the η-edge monitor (SF_E_DOMAIN). */
sf_status sf_formh_form(sf_ctx *ctx, const sf_formh_form_params *fp, sf_form *out);

/* The discretisation inside a form made by sf_formh_form (borrowed), or NULL. */
sf_formh *sf_formh_of(const sf_form *f);

/* Diagnostics of state y (uses the object's workspace). */
void sf_formh_diagnose(sf_formh *h, const double *y, sf_formh_diag *d);

/* dR_h/dt = Σ_c V_c d(N_c vol_c)/dt evaluated from a right-hand side ydot of state y: an
 * evaluation of the risk's rate independent of the (H4) sum (tests). */
double sf_formh_risk_rate(sf_formh *h, const double *y, const double *ydot);

/* The right-hand side (an sf_ode_rhs, self = the sf_formh). */
int sf_formh_rhs(double t, const double *y, double *ydot, void *self);
size_t sf_formh_size(const sf_formh *h);

/* The monitor's default threshold. */
double sf_formh_edge_mass_default(void);

#endif
