/* compare.h — the grid solver against particles (MATH.md §6 "Against particles"): the
 * library behind `symflow compare FIELD PARTICLES [-o CMP.nc]` (postproc/compare.c, with
 * the FFTW adapter postproc/dct.c).
 *
 * FIELD is a field file (symflow_kind = "field"; MATH §8); its attribute `form` picks the
 * comparer from a table in compare.c (one row per form; an unknown form is SF_E_UNSUPPORTED
 * naming the attribute and listing the known ones). PARTICLES is a "particles-1" file (full
 * b, or reduced u and r) with the same d and d_H. Every comparer works at the output times
 * the two files share and reports the risk gap R_m(t) − R(t) (the particle file's risk
 * against the field's).
 *   form = "lifted" (form L) on one reduced coordinate, `theta` ∈ [0, π/2] (radial f_H) or
 *     `phi` ∈ [0, π] (d_H = 1), densities tau_plus, tau_minus per radian on possibly
 *     non-uniform cells. Each neuron is a sign ε = sign(a), a lifted mass c = |a||b| and a
 *     coordinate θ = atan2(|b_⊥|, |b_H|) or φ = atan2(|b_⊥|, b_H,1) (MATH §4.3); reported:
 *     the masses |τ^±| (particles: (1/m) Σ_{ε=±} cᵢ), the exact W₁ distance between the
 *     normalised marginals per sign, and the particle measure smoothed onto the field's cells.
 *   form = "lifted" on the d_H = 2 hemisphere (tau_plus(time, theta, phi), MATH §4.8): each
 *     neuron has θ as above and φ = atan2(b_H,2, b_H,1) ∈ [0, 2π); reported per sign: W₁ of
 *     the normalised θ-marginals, the circular W₁ (M19) of the φ-marginals, the masses.
 *     Output file (form = "lifted-hemisphere", coordinates theta and phi): fields
 *     theta_plus_field, theta_plus_particles, theta_minus_*, phi_plus_*, phi_minus_* (marginal
 *     densities per rad; particles binned); series risk_field, risk_particles, risk_gap,
 *     mass_plus_field, mass_plus_particles, mass_minus_*, w1_theta_plus, w1_theta_minus,
 *     w1_phi_plus, w1_phi_minus.
 *   form = "transport" (form T, d_H = 1): each neuron is (a, u = b·e₁, r = |b_⊥|) with weight
 *     1/m (the stored u, r when reduced); reported: the exact W₁ of the a, u and r marginals
 *     (density_a/u/r of the field, piecewise uniform on its cells, normalised) against the
 *     particles, the particles binned on the field's cells, the field's mass and w against
 *     w_m = (1/2m) Σ aᵢuᵢ.
 *   form = "ode": w_m = (1/2m) Σ aᵢ P_H bᵢ (basis of H) against w(time, component); reported:
 *     |w_m − w|, |w − w*| and |w_m − w*| (Euclidean).
 *   form = "hyperbolic" (form H, MATH §4.7): each neuron is δ = a² − |b|² with weight |δ|, in
 *     N⁰ (δ < 0) at η = atanh(a/|b|) or in N^± (δ > 0) at η = atanh(|b|/|a|), and ω = θ or φ as
 *     form L; reported: W₁ of the normalised ω- and η-marginals of N⁰ and of N⁺ + N⁻ (exact,
 *     from CDFs), the weighted masses, the risk gap. Output on (time, eta, eta_pos, ω):
 *     density_{omega0,eta0,omega_pos,eta_pos}_{field,particles}, series risk_*, w1_omega0,
 *     w1_eta0, w1_omega_pos, w1_eta_pos, mass0_*, mass_pos_*.
 * Not here: the command line (app/), plots (postproc/symflow_post), the m^{−½} slope study
 * over several particle files (that is a loop over sf_compare_files).
 */
#ifndef SYMFLOW_COMPARE_H
#define SYMFLOW_COMPARE_H

#include <stddef.h>

#include "symflow/status.h"

typedef struct {
    double bandwidth; /* Gaussian smoothing width h in the coordinate's unit (rad), used as
                         given for both signs (≥ 3 fine bins, else SF_E_RANGE); ≤ 0:
                         Silverman's rule per sign and time, 1.06 σ̂ n_eff^{−1/5} on the
                         c-weighted sample, floored at 3 fine bins. Fine grid: max(256,
                         4 × field cells) uniform bins of the coordinate's interval */
} sf_compare_params;

/* bandwidth = 0 (Silverman). */
sf_compare_params sf_compare_params_default(void);

typedef struct {
    const char *form;                  /* the field file's form ("lifted", "transport", "ode";
                                          static storage) */
    size_t n_times;                    /* common output times compared, ≥ 1 */
    double sup_risk_gap;               /* max over common times of |R_m(t) − R(t)| */
    double sup_rel_risk_gap;           /* max of |R_m(t) − R(t)| / |R(t)| (R(t) = 0: +inf) */
    double max_w1_plus, max_w1_minus;  /* max W₁ of the normalised marginals, rad (NaN-free
                                          max; NaN only if every time had an empty sign) */
    double final_mass_plus_field;      /* |τ⁺| of the field at the last common time */
    double final_mass_plus_particles;  /* (1/m) Σ_{a>0} |a||b| at the last common time */
    double final_mass_minus_field;     /* |τ⁻| of the field at the last common time */
    double final_mass_minus_particles; /* (1/m) Σ_{a<0} |a||b| at the last common time */
    double final_risk_field;           /* R(t) of the field file at the last common time */
    double final_risk_particles;       /* the particle file's risk at the last common time */
    /* form L only: the entries from max_w1_plus to final_mass_minus_particles (else NaN / 0).
     * form T only: */
    double max_w1_a, max_w1_u, max_w1_r; /* max W₁ of the normalised a, u, r marginals */
    /* forms T and ode: max over common times of |w_particles − w_field| (Euclidean in H) */
    double max_w_gap;
    /* form L on the d_H = 2 hemisphere (field tau_plus(time, theta, phi)): max W₁ of the
     * normalised θ-marginals and circular W₁ of the φ-marginals, per sign (else NaN); the
     * masses and risks above are filled too. */
    double max_w1_theta_plus, max_w1_theta_minus, max_w1_phi_plus, max_w1_phi_minus;
    /* form H only (else NaN): max W₁ of the normalised ω- and η-marginals of N⁰, then of
     * N⁺ + N⁻ (|δ|-weighted; NaN while a family has no particle), and the weighted mass of
     * N⁰, field and particles ((1/m) Σ_{δ<0} |δ|), at the last common time */
    double max_w1_h[4];
    double final_mass0_field, final_mass0_particles;
} sf_compare_summary;

/* Compare `field` with `particles` at their common output times (|t_f − t_p| ≤
 * 1e-9·max(1, |t|)) and, if out is non-NULL, write the file `out` (symflow_kind =
 * "compare"; written under a temporary name, renamed on success). Borrowed: every argument;
 * params NULL means sf_compare_params_default(); summary may be NULL.
 * Errors, each naming the file: SF_E_IO an output that is one of the inputs (same device and
 * inode, whatever the spelling), a directory or a special file (sf_atomic_check_output);
 * SF_E_IO / SF_E_NETCDF a missing or unreadable file, a field
 * file that is not one (no symflow_kind = "field", a particle file given first), missing or
 * malformed variables; SF_E_UNSUPPORTED a form without a comparer, or (form L) a coordinate
 * other than theta/phi;
 * SF_E_ARG d or d_H differ between the files; SF_E_RANGE no common output time, cell edges
 * not covering the coordinate's interval, a bandwidth under 3 fine bins; SF_E_NUMERIC
 * non-finite field values; SF_E_NOMEM.
 * Output file of form L, on (time, coord) with coord and its edges copied from the field:
 *   fields  tau_plus_field, tau_minus_field (copies, 1/rad), tau_plus_particles,
 *           tau_minus_particles (the smoothed particle measure, cell averages, 1/rad);
 *   series  risk_field, risk_particles, risk_gap (particles − field), mass_plus_field,
 *           mass_plus_particles, mass_minus_field, mass_minus_particles, mass_plus_gap,
 *           mass_minus_gap (particles − field, as postproc/symflow_post plots them),
 *           w1_plus, w1_minus (rad; NaN when a sign has no mass), smoothing_width_plus,
 *           smoothing_width_minus (rad);
 *   attributes symflow_kind, field_file, particles_file, d, d_H, m, fine_bins,
 *           bandwidth_rule, bandwidth (the fixed width, 0 under Silverman). */
/* Output file of form T, on (time, a, u, r) with the coordinates and their edges copied:
 *   fields  density_a_field, density_u_field, density_r_field (copies), density_a_particles,
 *           density_u_particles, density_r_particles (weights 1/m binned on the cells; atoms
 *           outside the box left out);
 *   series  risk_field, risk_particles, risk_gap, w1_a, w1_u, w1_r, mass_field, w_field,
 *           w_particles;
 *   attributes symflow_kind = "compare", form = "transport", field_file, particles_file, d,
 *           d_H, m.
 * Output file of form ode, on (time, component):
 *   fields  w_field, w_particles, w_star;
 *   series  risk_field, risk_particles, risk_gap, w_gap = |w_particles − w_field|,
 *           w_error_field = |w_field − w_star|, w_error_particles = |w_particles − w_star|;
 *   attributes as form T with form = "ode".
 * Errors of forms T and ode besides those above: SF_E_NETCDF a missing or malformed variable
 * (density_a/u/r, a/u/r and their _bnds, mass, w, risk; w, w_star, component_bnds), form T
 * with d_H ≠ 1. */
sf_status sf_compare_files(sf_ctx *ctx, const char *field, const char *particles,
                           const char *out, const sf_compare_params *params,
                           sf_compare_summary *summary);

/* W₁ = ∫ |F − G| dx between the normalised measure with cell masses cell_mass[ncells] spread
 * uniformly on the cells [edges[i], edges[i+1]] (F piecewise linear) and the normalised
 * atoms w[m] at x[m] (G a right-continuous step function), integrated exactly over the merged
 * breakpoints (sign changes of F − G inside a piece included). Cost O(ncells + m), no
 * allocation. Preconditions: edges strictly increasing (ncells + 1 values), x ascending.
 * Returns NaN if ncells = 0, m = 0, either total mass is not > 0, or x is not sorted.
 * Negative cell masses (rounding in a solver) are taken as given. Borrowed: all arrays. */
/* Circular W₁ on the circle [edges[0], edges[ncells]) (period L = edges[ncells] − edges[0]),
 * same arguments as sf_w1_cells_vs_atoms (atoms in [edges[0], edges[ncells]], ascending):
 * W₁ = min_c ∫ |F − G − c| dx (MATH §6, (M19)), F − G exact on the merged breakpoints and the
 * minimum over c, a convex function of c, by golden-section search to rounding. Allocates
 * O(ncells + m); NaN as sf_w1_cells_vs_atoms, or when out of memory. */
double sf_w1_circle_cells_vs_atoms(size_t ncells, const double *edges, const double *cell_mass,
                                   size_t m, const double *x, const double *w);

double sf_w1_cells_vs_atoms(size_t ncells, const double *edges, const double *cell_mass,
                            size_t m, const double *x, const double *w);

/* Gaussian smoothing of width h (standard deviation, same unit as length) with reflecting
 * ends on [0, length]: the heat semigroup at time h²/2 with Neumann boundaries, applied to
 * the n values of a uniform grid in place (values are bin masses or densities; either is
 * smoothed alike). DCT-II, coefficient k times exp(−(πk/length)² h²/2), DCT-III, divided by
 * 2n: the sum of the values is conserved to rounding and a point mass at a bin centre gives
 * the method-of-images kernel at the bin centres, up to the truncation
 * exp(−(π n h/length)²/2). n = 1 or h = 0 leaves values unchanged.
 * Errors: SF_E_ARG (n = 0, values NULL, length ≤ 0 or h < 0 or non-finite), SF_E_NOMEM.
 * Allocates and plans (FFTW_ESTIMATE) per call. Borrowed: values (modified). */
sf_status sf_dct_smooth(sf_ctx *ctx, size_t n, double length, double h, double *values);

#endif
