/* formhemi.h — form L (M15) on the hemisphere, d_H = 2 (MATH §4.8): τ⁺, τ⁻ on a θ-grid ×
 * a uniform periodic φ-grid, by finite volumes, the kernel applied mode by mode in φ.
 *
 * State y (length 2N + 2, N = n_theta·n_phi): τ⁺ cell averages per dθ dφ (index
 * i·n_phi + p, φ fastest), τ⁻, and the integrated reactions Q^ε of (L1) as in forml.h.
 * Not here: the tables (reduction/hemi.c), the FFT calls (fftw.c), time stepping (drive.c).
 */
#ifndef SYMFLOW_FORMHEMI_H
#define SYMFLOW_FORMHEMI_H

#include <stddef.h>

#include "symflow/form.h"
#include "symflow/fv.h"
#include "symflow/grid.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

typedef struct sf_formhemi sf_formhemi; /* opaque */

/* How Ψ̂ = K M − G is applied: FFT in φ and one dense θ-block per mode (O(n_φ log n_φ n_θ +
 * n_φ n_θ²)), or the dense circulant matrix (O(n_θ² n_φ²), the cross-check). */
typedef enum { SF_HEMI_APPLY_FFT, SF_HEMI_APPLY_DENSE } sf_hemi_apply;

/* g (θ on [0, π/2]) and p borrowed, must outlive the object. */
sf_status sf_formhemi_create(sf_ctx *ctx, const sf_grid1 *g, const sf_hemi_problem *p,
                             const sf_fv_scheme *scheme, sf_hemi_apply apply, sf_formhemi **out);
void sf_formhemi_destroy(sf_formhemi **f);
size_t sf_formhemi_size(const sf_formhemi *f);            /* 2N + 2 */
void sf_formhemi_initial(const sf_formhemi *f, double *y);
int sf_formhemi_rhs(double t, const double *y, double *ydot, void *self);
const char *sf_formhemi_failure(const sf_formhemi *f);
/* Ψ̂ at the cell centres for state y into psi (N values), by the object's apply. */
void sf_formhemi_potential(sf_formhemi *f, const double *y, double *psi);

typedef struct {
    double risk;        /* R (M14) */
    double mass_plus;   /* |τ⁺| */
    double mass_minus;  /* |τ⁻| */
    double balance;     /* max_ε | |τ^ε|(t) − |τ^ε|(0) − Q^ε(t) |  (L1) */
    double dissipation; /* discrete (L2) = −dR_h/dt of the semi-discrete system */
    double alignment;   /* ∫ sin²θ d(τ⁺+τ⁻) / |τ⁺+τ⁻| (§6) */
    double tau_min;     /* min over cells of τ⁺, τ⁻ */
} sf_formhemi_diag;

void sf_formhemi_diagnose(sf_formhemi *f, const double *y, const double *y0, sf_formhemi_diag *d);

/* ---- the form interface (form.h): form "lifted" on the hemisphere ---- */
typedef struct {
    const sf_grid1 *theta;      /* borrowed, must outlive the form */
    const sf_grid1 *phi;        /* the uniform φ-grid on [0, 2π] (file coordinate), borrowed */
    const sf_hemi_problem *p;   /* borrowed, must outlive the form */
    sf_fv_scheme scheme;
    const char *group;          /* the symmetry group quotiented out (attribute) */
} sf_formhemi_form_params;

/* Series risk, mass_plus, mass_minus, mass_balance_residual (L1), dissipation (L2),
 * alignment, tau_min; fields tau_plus(time, theta, phi), tau_minus. */
sf_status sf_formhemi_form(sf_ctx *ctx, const sf_formhemi_form_params *fp, sf_form *out);
/* The discretisation inside such a form (borrowed), or NULL for another form. */
sf_formhemi *sf_formhemi_of(const sf_form *f);

#endif
