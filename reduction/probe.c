/* probe.c — the table of the predictor along probe lines of forms L and T (docs/math.md
 * (L7), MATH §6). Form L: f(û_x + ρ ê) = Σ_i P_i M_i with M_i the signed cell masses of
 * τ⁺ − τ⁻ and P_i = E σ(⟨ω_i, x⟩) at the cell centre ω_i, the expectation over the
 * directions of H^⊥ (t ~ γ_k, closed form S_k of (L7)) and, for radial targets, over û
 * (s ~ γ_{d_H}, Gauss–Gegenbauer). Form T (d_H = 1): f(u_x e₁ + ρ ê) = Σ_{u,r} P A, A the
 * a-moment of the density per (u, r) cell, P = S_k(u_x u, ρ r) at the (u, r) centres.
 * Not here: applying the table (solver/forml.c), the file layout (the form).
 */
#include "symflow/probe.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

/* ρ spacing of the probe lines: ρ_l = l·SF_PROBE_DRHO, l < SF_PROBE_N_RHO (0 … 3). */
static const double SF_PROBE_DRHO = 0.25;

static double relu(double z) { return z > 0.0 ? z : 0.0; }

/* P(t > t0) for t ~ γ_k, k ≥ 2: (1 + t)/2 ~ Beta(h, h), h = (k − 1)/2, so
 * P(t > t0) = I_{(1−t0)/2}(h, h). GSL's continued fraction underflows past h ≈ 10⁷
 * (measured: fine at h = 5·10⁵, fails at 5·10⁷); there the Gaussian limit √k t → N(0, 1)
 * is used, whose error is O(1/k) < 10⁻⁷. */
static double tail_gamma(double k, double t0)
{
    const double h = 0.5 * (k - 1.0);
    gsl_sf_result r;
    sf_gsl_quiet();
    if (gsl_sf_beta_inc_e(h, h, 0.5 * (1.0 - t0), &r) == GSL_SUCCESS) return r.val;
    return gsl_cdf_ugaussian_Q(t0 * sqrt(k));
}

double sf_probe_sigma_gamma(double k, double alpha, double beta)
{
    if (!(beta > 0.0)) return relu(alpha);
    if (k < 1.5) return 0.5 * (relu(alpha + beta) + relu(alpha - beta)); /* γ₁ = ½(δ₋₁ + δ₊₁) */
    double t0 = -alpha / beta;
    if (t0 <= -1.0) return alpha; /* α + βt ≥ 0 on the whole support: E = α (E t = 0) */
    if (t0 >= 1.0) return 0.0;
    const double h = 0.5 * (k - 1.0);
    /* β E[t; t > t0] = β (1 − t0²)^h / (2h B(½, h)), log B(½, h) = log Γ(½) − log Γ(h+½)/Γ(h) */
    const double lbeta = lgamma(0.5) - sf_lgamma_ratio(h, 0.5);
    const double upper = exp(h * log1p(-t0 * t0) - log(2.0 * h) - lbeta);
    return alpha * tail_gamma(k, t0) + beta * upper;
}

void sf_probe_table_free(sf_probe_table *t)
{
    if (!t) return;
    free(t->u);
    free(t->rho);
    free(t->P);
    *t = (sf_probe_table){.n_u = 0};
}

sf_status sf_probe_lifted(sf_ctx *ctx, long d, long d_H, const sf_grid1 *g, sf_coord_id coord,
                          sf_probe_table *t)
{
    sf_status status = SF_OK;
    sf_rule s = {0};
    SF_CHECK(ctx, g && t, SF_E_ARG, "sf_probe_lifted: NULL argument");
    *t = (sf_probe_table){.n_u = 0};
    SF_CHECK(ctx, coord == SF_COORD_THETA || coord == SF_COORD_PHI, SF_E_ARG,
             "probe lines (L7): coordinate %s: expected theta or phi", sf_coord_get(coord)->name);
    SF_CHECK(ctx, d_H >= 1 && d_H < d, SF_E_ARG,
             "probe lines (L7): d = %ld, d_H = %ld: expected 1 ≤ d_H < d", d, d_H);
    const double k = (double)(d - d_H);
    const int radial = coord == SF_COORD_THETA;
    t->n = g->n;
    t->n_u = radial ? 1 : 2;
    t->n_rho = SF_PROBE_N_RHO;
    SF_ALLOC(ctx, t->u, t->n_u);
    SF_ALLOC(ctx, t->rho, t->n_rho);
    SF_ALLOC(ctx, t->P, t->n_u * t->n_rho * t->n);
    if (radial) {
        t->u[0] = 1.0;
        SF_TRY(ctx, sf_rule_gamma(ctx, (double)d_H, SF_PROBE_S_NODES, &s));
    } else {
        t->u[0] = -1.0;
        t->u[1] = 1.0;
    }
    for (size_t l = 0; l < t->n_rho; l++) t->rho[l] = SF_PROBE_DRHO * (double)l;
    for (size_t j = 0; j < t->n_u; j++) {
        for (size_t l = 0; l < t->n_rho; l++) {
            double *row = t->P + (j * t->n_rho + l) * t->n;
            for (size_t i = 0; i < t->n; i++) {
                const double ang = g->centres[i], ca = cos(ang), beta = t->rho[l] * sin(ang);
                if (!radial) {
                    row[i] = sf_probe_sigma_gamma(k, t->u[j] * ca, beta);
                    continue;
                }
                double acc = 0.0;
                for (size_t q = 0; q < s.n; q++)
                    acc += s.w[q] * sf_probe_sigma_gamma(k, s.x[q] * ca, beta);
                row[i] = acc;
            }
        }
    }
cleanup:
    sf_rule_free(&s);
    if (status != SF_OK) sf_probe_table_free(t);
    return status;
}

sf_status sf_probe_transport(sf_ctx *ctx, long d, long d_H, const sf_grid1 *gu,
                             const sf_grid1 *gr, sf_probe_table *t)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, gu && gr && t, SF_E_ARG, "sf_probe_transport: NULL argument");
    *t = (sf_probe_table){.n_u = 0};
    SF_CHECK(ctx, d_H == 1 && d > 1, SF_E_ARG,
             "probe lines (L7) of form T: d = %ld, d_H = %ld: expected d_H = 1 < d", d, d_H);
    const double k = (double)(d - d_H);
    t->n = gu->n * gr->n;
    t->n_u = 2;
    t->n_rho = SF_PROBE_N_RHO;
    SF_ALLOC(ctx, t->u, t->n_u);
    SF_ALLOC(ctx, t->rho, t->n_rho);
    SF_ALLOC(ctx, t->P, t->n_u * t->n_rho * t->n);
    t->u[0] = -1.0;
    t->u[1] = 1.0;
    for (size_t l = 0; l < t->n_rho; l++) t->rho[l] = SF_PROBE_DRHO * (double)l;
    for (size_t j = 0; j < t->n_u; j++)
        for (size_t l = 0; l < t->n_rho; l++) {
            double *row = t->P + (j * t->n_rho + l) * t->n;
            for (size_t iu = 0; iu < gu->n; iu++)
                for (size_t ir = 0; ir < gr->n; ir++)
                    row[iu * gr->n + ir] = sf_probe_sigma_gamma(
                        k, t->u[j] * gu->centres[iu], t->rho[l] * gr->centres[ir]);
        }
cleanup:
    if (status != SF_OK) sf_probe_table_free(t);
    return status;
}
