/* formchar.h — form characteristics: form L (MATH §4.3, (M15)) solved along its
 * characteristics from a Gauss rule of the start (docs/math.md (L9)). 2n nodes, n per sign
 * ε = ±1, each with position ω (θ or φ) and mass c:
 *   ω̇ᵢ = −εᵢ ∂_ωΨ̂(ωᵢ),  ċᵢ = −2εᵢ Ψ̂(ωᵢ) cᵢ,  Ψ̂(ω) = Σⱼ εⱼ cⱼ K̂(ω, ωⱼ) − Ĝ(ω)  (M13),
 * integrated by CVODE through the driver. State y (length 4n + 2): positions (n of τ⁺, then
 * n of τ⁻), masses (same order), and Q^ε(t) = ∫₀ᵗ Σ_{ε-nodes} ċᵢ, so that (L1) is checked to
 * rounding as in form L (the masses enter linearly, which a linear multistep method keeps).
 * Not here: the start rule and the kernels (reduction/charstart.c), the loop (drive.h).
 */
#ifndef SYMFLOW_FORMCHAR_H
#define SYMFLOW_FORMCHAR_H

#include "symflow/characteristics.h"
#include "symflow/coord.h"
#include "symflow/form.h"
#include "symflow/grid.h"
#include "symflow/status.h"

/* Form characteristics as an sf_form whose file is a form-L field file: the series of form L
 * (forml.h) from the node measure; on (time, cell) of `grid` the densities tau_plus, tau_minus
 * reconstructed from the flow map (docs/math.md (L9)) and psi_hat at the centres; on
 * (time, node) the nodes' positions (node_theta or node_phi), masses node_mass and
 * node_psi_hat. p, grid: borrowed, must outlive the form. group: attribute text (static). */
sf_status sf_formchar_form(sf_ctx *ctx, const sf_char_problem *p, const char *group,
                           const sf_grid1 *grid, sf_form *out);

/* The potential Ψ̂ and ∂_ωΨ̂ at the 2n nodes of state y (tests): psi, dpsi of 2n values. */
void sf_formchar_potential(const sf_form *f, const double *y, double *psi, double *dpsi);

#endif
