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
#include "symflow/status.h"

/* Form characteristics as an sf_form: series risk (M14), mass_plus, mass_minus,
 * mass_balance_residual (L1), dissipation (L2), alignment (the names of form L); fields on
 * (time, node): the node's coordinate (named theta or phi), its mass c and Ψ̂ there.
 * p: borrowed, must outlive the form. group: attribute text (borrowed, static). */
sf_status sf_formchar_form(sf_ctx *ctx, const sf_char_problem *p, const char *group, sf_form *out);

/* The potential Ψ̂ and ∂_ωΨ̂ at the 2n nodes of state y (tests): psi, dpsi of 2n values. */
void sf_formchar_potential(const sf_form *f, const double *y, double *psi, double *dpsi);

#endif
