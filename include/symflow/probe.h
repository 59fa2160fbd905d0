/* probe.h — the predictor f along probe lines x = û + ρ ê of forms L and T (MATH §6,
 * docs (L7)); for form L:
 * a table P with f(probe p) = Σ_i P[p·n + i] M_i for the signed cell masses
 * M_i = w_i (τ⁺_i − τ⁻_i), p = j·n_rho + l the probe (û_j, ρ_l). Built once per case by
 * reduction/probe.c; form L applies it at each output (one small matrix–vector product).
 * Not here: applying it (solver/forml.c), the file layout (the form), plotting (postproc/).
 */
#ifndef SYMFLOW_PROBE_H
#define SYMFLOW_PROBE_H

#include <stddef.h>

#include "symflow/coord.h"
#include "symflow/grid.h"
#include "symflow/status.h"

enum {
    SF_PROBE_N_RHO = 13,   /* ρ = |x_⊥| = 0, 0.25, …, 3 */
    SF_PROBE_S_NODES = 64  /* Gauss–Gegenbauer nodes of the γ_{d_H} average (radial) */
};

typedef struct {
    size_t n_u;   /* probe lines: 2 (d_H = 1 on φ: x_H = u e₁, u = −1, +1), 1 (radial: |x_H| = 1) */
    size_t n_rho; /* SF_PROBE_N_RHO */
    size_t n;     /* cells of the grid (form T: of the (u, r) plane) */
    double *u;    /* n_u: x_H = u e₁ (φ) or |x_H| = u (θ) (owned) */
    double *rho;  /* n_rho: ρ = |x_⊥| (owned) */
    double *P;    /* (n_u·n_rho) × n row-major (owned) */
} sf_probe_table;

/* E_{t~γ_k} σ(α + β t), β ≥ 0, in closed form (L7); k ≥ 1. */
double sf_probe_sigma_gamma(double k, double alpha, double beta);

/* The table of (L7) for form L on grid g of coordinate `coord` (SF_COORD_THETA: radial target,
 * û averaged over S^{d_H−1}; SF_COORD_PHI: d_H = 1, u = ±1) in dimension d with
 * 1 ≤ d_H < d. *t owns its arrays: sf_probe_table_free. Errors: SF_E_ARG (another
 * coordinate, bad dimensions), SF_E_NOMEM. Plain numbers, no case: solver/ includes this
 * header for the table type. */
sf_status sf_probe_lifted(sf_ctx *ctx, long d, long d_H, const sf_grid1 *g, sf_coord_id coord,
                          sf_probe_table *t);
/* The table of (L7) for form T (d_H = 1) on the (u, r) grids: column iu·n_r + ir holds
 * S_k(u_x u_iu, ρ r_ir) (cell centres), so f(u_x e₁ + ρ ê) = Σ P · A with A[iu, ir] =
 * Σ_a a_ia n w_a w_u w_r the a-moment of the (u, r) cell. u_x = −1, +1. */
sf_status sf_probe_transport(sf_ctx *ctx, long d, long d_H, const sf_grid1 *gu,
                             const sf_grid1 *gr, sf_probe_table *t);
void sf_probe_table_free(sf_probe_table *t); /* accepts NULL and a zeroed table */

#endif
