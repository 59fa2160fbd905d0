/* formode.c — the odd-target ODE (M9), restricted to H: w ∈ H, M_HH, s, with δ = w − w*,
 * δ̃ = v δ:  ẇ = −¼ v (s I + M) δ,  Ṁ = −(δ̃ wᵀ + w δ̃ᵀ),  ṡ = −2⟨w, δ̃⟩;  R = ½ v|δ|² + R* (M10).
 * s − tr M is conserved (§3) and reported. Also the isotropic closed form of §3, for tests.
 * Not here: where w*, R* and the start moments come from (reduction/odd.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "symflow/formode.h"
#include "symflow/ncio.h"
#include "symflow/output.h"

int sf_formode_rhs(double t, const double *y, double *ydot, void *problem)
{
    (void)t;
    const sf_odd_problem *p = problem;
    const size_t n = p->d_H;
    const double *w = y, *M = y + n, s = y[n + n * n];
    double *dw = ydot, *dM = ydot + n;
    double wd = 0.0; /* ⟨w, δ̃⟩ */
    for (size_t i = 0; i < n; i++) wd += w[i] * p->v * (w[i] - p->wstar[i]);
    for (size_t i = 0; i < n; i++) {
        double acc = s * (w[i] - p->wstar[i]);
        for (size_t j = 0; j < n; j++) acc += M[i * n + j] * (w[j] - p->wstar[j]);
        dw[i] = -0.25 * p->v * acc;
        for (size_t j = 0; j < n; j++)
            dM[i * n + j] = -p->v * ((w[i] - p->wstar[i]) * w[j] + w[i] * (w[j] - p->wstar[j]));
    }
    ydot[n + n * n] = -2.0 * wd;
    return 0;
}

void sf_formode_initial(const sf_odd_problem *p, double *y)
{
    const size_t n = p->d_H;
    for (size_t i = 0; i < n; i++) y[i] = p->w0[i];
    for (size_t i = 0; i < n * n; i++) y[n + i] = p->M0[i];
    y[n + n * n] = p->s0;
}

double sf_formode_risk(const sf_odd_problem *p, const double *w)
{
    double q = 0.0;
    for (size_t i = 0; i < p->d_H; i++) q += (w[i] - p->wstar[i]) * (w[i] - p->wstar[i]);
    return 0.5 * p->v * q + p->risk_star;
}

typedef struct {
    double v, wnorm, V; /* isotropic data of §3 */
} iso_data;

static int iso_rhs(double t, const double *y, double *ydot, void *user)
{
    (void)t;
    const iso_data *d = user;
    ydot[0] = d->v * d->wnorm - d->v * 0.25 * d->V * sinh(y[0]);
    return 0;
}

sf_status sf_formode_isotropic(sf_ctx *ctx, const sf_odd_problem *p, const double *times, size_t n,
                               double rtol, double *out)
{
    sf_status status = SF_OK;
    sf_ode *ode = NULL;
    double wn = 0.0;
    for (size_t i = 0; i < p->d_H; i++) wn += p->wstar[i] * p->wstar[i];
    iso_data d = {p->v, sqrt(wn), p->s0 + p->M0[0]};
    sf_ode_params op = sf_ode_params_default();
    op.rtol = rtol;
    op.atol = rtol * 1e-3; /* Λ = O(1): absolute tolerance far below the relative one */
    double lam = 0.0;
    SF_TRY(ctx, sf_ode_create(ctx, 1, 0.0, &lam, iso_rhs, &d, &op, &ode));
    for (size_t k = 0; k < n; k++) {
        if (times[k] > 0.0) SF_TRY(ctx, sf_ode_advance(ctx, ode, times[k], &lam));
        out[k] = 0.25 * d.V * sinh(lam);
    }
cleanup:
    sf_ode_destroy(&ode);
    return status;
}

static double conserved(const sf_odd_problem *p, const double *y)
{
    const size_t n = p->d_H;
    double tr = 0.0;
    for (size_t i = 0; i < n; i++) tr += y[n + i * n + i];
    return y[n + n * n] - tr;
}

sf_status sf_run_ode(sf_ctx *ctx, const sf_case *c, const sf_odd_problem *p, const char *out_path,
                     sf_formode_summary *sum)
{
    sf_status status = SF_OK;
    sf_ode *ode = NULL;
    sf_ncw *w = NULL;
    double *y = NULL, *idx = NULL, *edges = NULL;
    sf_formode_summary s = {0};
    const size_t n = p->d_H, size = n + n * n + 1;
    SF_ALLOC(ctx, y, size);
    SF_ALLOC(ctx, idx, n);
    SF_ALLOC(ctx, edges, n + 1);
    for (size_t i = 0; i <= n; i++) edges[i] = (double)i + 0.5;
    for (size_t i = 0; i < n; i++) idx[i] = (double)i + 1.0;
    sf_formode_initial(p, y);
    const double c0 = conserved(p, y);
    if (out_path) {
        const sf_nc_coord coord = {"component", "index of the basis vector of H", "1", n, idx, edges};
        const sf_nc_field fields[] = {
            {"w", "linear predictor coefficient w = 1/2 int a b dmu in the basis of H (M8)", "1", 1, {0}},
            {"w_star", "target coefficient w* (M8)", "1", 1, {0}},
        };
        const sf_nc_series series[] = {
            {"risk", "population risk R (M2), by (M10)", "1"},
            {"s", "s = int a^2 dmu (M8)", "1"},
            {"trace_M", "trace of M restricted to H (M8)", "1"},
            {"conserved", "s - tr M_HH, conserved by (M9)", "1"},
        };
        sf_nc_attr attrs[SF_CASE_ATTRS + 3];
        size_t n_attrs = sf_output_case_attrs(c, "ode", attrs);
        attrs[n_attrs++] = (sf_nc_attr){"risk_star", SF_NC_ATTR_DOUBLE, NULL, p->risk_star, 0};
        attrs[n_attrs++] = (sf_nc_attr){"group", SF_NC_ATTR_TEXT,
                                        "(a, b) -> (-a, -b) (odd target, MATH §3)", 0, 0};
        attrs[n_attrs++] = (sf_nc_attr){"scheme", SF_NC_ATTR_TEXT,
                                        "closed ODE (M9) for (w, M_HH, s), CVODE", 0, 0};
        const sf_nc_layout layout = {
            .title = "symflow field: odd-target ODE (M9) for w, M, s",
            .coords = &coord, .n_coords = 1, .fields = fields, .n_fields = 2, .series = series,
            .n_series = 4, .attrs = attrs, .n_attrs = n_attrs};
        SF_TRY(ctx, sf_ncw_create(ctx, out_path, &layout, &w));
    }
    const sf_ode_params op = sf_output_ode_params(c, 0);
    SF_TRY(ctx, sf_ode_create(ctx, size, 0.0, y, sf_formode_rhs, (void *)p, &op, &ode));
    const double start = sf_output_wall_now();
    for (size_t k = 0; k < c->time.n_outputs; k++) {
        double t = c->time.outputs[k];
        if (t > 0.0) SF_TRY(ctx, sf_ode_advance(ctx, ode, t, y));
        double risk = sf_formode_risk(p, y), tr = 0.0, wn = 0.0;
        for (size_t i = 0; i < n; i++) tr += y[n + i * n + i], wn += y[i] * y[i];
        if (k == 0) s.risk_first = risk;
        s.risk_last = risk;
        s.w_last = sqrt(wn);
        s.conserved_drift = fmax(s.conserved_drift, fabs(conserved(p, y) - c0));
        if (w) {
            const double *fields[2] = {y, p->wstar};
            const double values[4] = {risk, y[n + n * n], tr, conserved(p, y)};
            SF_TRY(ctx, sf_ncw_append(ctx, w, t, fields, values));
        }
    }
    sf_ode_get_stats(ode, &s.stats);
    SF_TRY(ctx, sf_output_stats(ctx, w, &s.stats, sf_output_wall_now() - start));
    if (w) SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    if (sum) *sum = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0);
    sf_ode_destroy(&ode);
    free(y);
    free(idx);
    free(edges);
    return status;
}
