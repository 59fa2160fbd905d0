/* run_transport.c — integrate form T to each output time, compute its diagnostics (MATH §6),
 * watch the outer box (§4.5) and write the field file of §8 through ncio.h.
 *
 * Same discipline as run.c (form L): progress slices (output.h), a file under a temporary
 * name renamed only on success. The outer-box monitor runs at every output.
 * Not here: the tables (reduction/), printing (app/).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "symflow/formt.h"
#include "symflow/ncio.h"
#include "symflow/output.h"

enum {
    SF_T_N_SERIES = 6,          /* time series written per output */
    SF_T_N_FIELDS = 4           /* density and its three marginals */
};

/* Mass fraction a box may leave out (sf_run_transport_summary.extent): a tenth of the
 * outer-layer fraction that stops a run (§4.5), so a box sized from it does not trip it. */
static const double SF_T_TAIL = 1e-7;

/* Smallest X with at most tail × total of the marginal mass (cell densities m on grid g)
 * outside [−X, X] (symmetric) or outside [0, X] (one-sided, r): scanning cells from the
 * outside in, X lies in the first cell that tips the outer mass over, where the density is
 * taken uniform (linear interpolation of the outer mass across that cell). */
static double extent_of(const sf_grid1 *g, const double *m, int symmetric, double tail)
{
    double total = 0.0;
    for (size_t i = 0; i < g->n; i++) total += m[i] * g->widths[i];
    double outer = 0.0;
    size_t lo = 0, hi = g->n; /* cells [lo, hi) not yet counted as outside */
    while (lo < hi) {
        size_t i; /* the remaining cell farthest from 0 */
        if (!symmetric || fabs(g->edges[hi]) >= fabs(g->edges[lo]))
            i = --hi;
        else
            i = lo++;
        const double cell = m[i] * g->widths[i];
        if (outer + cell > tail * total) {
            double far = fmax(fabs(g->edges[i]), fabs(g->edges[i + 1]));
            return far - (tail * total - outer) / cell * g->widths[i];
        }
        outer += cell;
    }
    return 0.0;
}

static const sf_nc_series series_layout[SF_T_N_SERIES] = {
    {"risk", "population risk R (M2) of the discrete potential, by (M14)", "1"},
    {"mass", "total mass of the density (I1)", "1"},
    {"balance", "integral of (a^2 - u^2 - r^2) times the density (I3)", "1"},
    {"dissipation", "-dR/dt from the discrete (I2) identity", "1"},
    {"w", "predictor coefficient along e_1: half the integral of a u times the density (M8)", "1"},
    {"density_min", "minimum cell density", "1"},
};

static sf_status open_field_file(sf_ctx *ctx, const sf_run_transport_params *rp, sf_ncw **w)
{
    const sf_case *c = rp->c;
    char scheme[96];
    snprintf(scheme, sizeof scheme,
             "finite volumes on (a, u, r), %s%s%s, centred potential differences",
             sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction),
             c->scheme.reconstruction == SF_RECON_MUSCL ? " + " : "",
             c->scheme.reconstruction == SF_RECON_MUSCL
                 ? sf_name_of(&sf_limiter_names, (int)c->scheme.limiter) : "");
    const sf_nc_coord coords[3] = {
        {"a", "output weight a of a neuron", "1", rp->ga->n, rp->ga->centres, rp->ga->edges},
        {"u", "component u = b_1 of the input weight along H", "1", rp->gu->n, rp->gu->centres,
         rp->gu->edges},
        {"r", "norm r = |b_perp| of the input weight orthogonal to H", "1", rp->gr->n,
         rp->gr->centres, rp->gr->edges},
    };
    const sf_nc_field fields[SF_T_N_FIELDS] = {
        {"density", "density n of neurons in (a, u, r) (M16)", "1", 3, {0, 1, 2}},
        {"density_a", "marginal density of n in a", "1", 1, {0}},
        {"density_u", "marginal density of n in u", "1", 1, {1}},
        {"density_r", "marginal density of n in r", "1", 1, {2}},
    };
    sf_nc_attr attrs[SF_CASE_ATTRS + 9];
    size_t n_attrs = sf_output_case_attrs(c, "transport", attrs);
    const sf_nc_attr extra[] = {
        {"sigma_a", SF_NC_ATTR_DOUBLE, NULL, c->start.sigma_a, 0},
        {"sigma_b", SF_NC_ATTR_DOUBLE, NULL, c->start.sigma_b, 0},
        {"group", SF_NC_ATTR_TEXT, "O(k)", 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, scheme, 0, 0},
        {"reconstruction", SF_NC_ATTR_TEXT, sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction), 0, 0},
        {"limiter", SF_NC_ATTR_TEXT, sf_name_of(&sf_limiter_names, (int)c->scheme.limiter), 0, 0},
        {"n_phi", SF_NC_ATTR_INT, NULL, 0, (long)rp->p->n_phi},
        {"edge_mass", SF_NC_ATTR_DOUBLE, NULL, rp->edge_mass > 0.0 ? rp->edge_mass : sf_formt_edge_mass_default(), 0},
        {"risk_const", SF_NC_ATTR_DOUBLE, NULL, rp->p->risk_const, 0},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) attrs[n_attrs++] = extra[i];
    const sf_nc_layout layout = {
        .title = "symflow field: form T density n(a, u, r) of a d_H = 1 problem",
        .coords = coords, .n_coords = 3, .fields = fields, .n_fields = SF_T_N_FIELDS,
        .series = series_layout, .n_series = SF_T_N_SERIES, .attrs = attrs,
        .n_attrs = n_attrs};
    return sf_ncw_create(ctx, rp->out_path, &layout, w);
}

sf_status sf_run_transport(sf_ctx *ctx, const sf_run_transport_params *rp,
                           sf_run_transport_summary *sum)
{
    sf_status status = SF_OK;
    sf_formt *f = NULL;
    sf_ode *ode = NULL;
    sf_ncw *w = NULL;
    double *y = NULL, *ma = NULL, *mu = NULL, *mr = NULL;
    sf_run_transport_summary s = {0};

    SF_CHECK(ctx, rp && rp->c && rp->ga && rp->gu && rp->gr && rp->p, SF_E_ARG,
             "sf_run_transport: NULL argument");
    const sf_case *c = rp->c;
    const sf_fv_scheme scheme = {c->scheme.reconstruction, c->scheme.limiter};
    const double edge = rp->edge_mass > 0.0 ? rp->edge_mass : sf_formt_edge_mass_default();
    SF_CHECK(ctx, c->time.n_outputs >= 1, SF_E_ARG, "sf_run_transport: no output times");

    SF_TRY(ctx, sf_formt_create(ctx, rp->ga, rp->gu, rp->gr, rp->p, &scheme, &f));
    const size_t size = sf_formt_size(f);
    SF_ALLOC(ctx, y, size);
    SF_ALLOC(ctx, ma, rp->ga->n);
    SF_ALLOC(ctx, mu, rp->gu->n);
    SF_ALLOC(ctx, mr, rp->gr->n);
    sf_formt_initial(f, y);
    if (rp->out_path) SF_TRY(ctx, open_field_file(ctx, rp, &w));

    const sf_ode_params op = sf_output_ode_params(c, size);
    const double t0 = 0.0, t_end = c->time.outputs[c->time.n_outputs - 1];
    SF_TRY(ctx, sf_ode_create(ctx, size, t0, y, sf_formt_rhs, f, &op, &ode));

    const sf_output_clock clk = sf_output_clock_start(t0, t_end, rp->progress, rp->progress_user);
    double t = t0, prev_risk = NAN;
    s.max_risk_increase = -INFINITY;
    s.min_density = INFINITY;
    for (size_t k = 0; k < c->time.n_outputs; k++) {
        const double tout = c->time.outputs[k];
        SF_TRY(ctx, sf_output_advance(ctx, ode, &clk, &t, tout, y, sf_formt_failure(f)));
        sf_formt_diag d;
        sf_formt_diagnose(f, y, &d);
        SF_CHECK(ctx, isfinite(d.risk), SF_E_NUMERIC, "form T: risk is not finite at t = %g", tout);
        SF_TRY(ctx, sf_formt_check_edges(ctx, f, y, tout, edge));
        if (k == 0) s.first = d;
        s.last = d;
        s.max_mass_drift = fmax(s.max_mass_drift, fabs(d.mass - s.first.mass) / s.first.mass);
        s.max_balance_drift = fmax(s.max_balance_drift, fabs(d.balance - s.first.balance));
        if (k > 0) s.max_risk_increase = fmax(s.max_risk_increase, d.risk - prev_risk);
        prev_risk = d.risk;
        s.min_density = fmin(s.min_density, d.density_min);
        sf_formt_marginals(f, y, ma, mu, mr);
        s.extent[0] = fmax(s.extent[0], extent_of(rp->ga, ma, 1, SF_T_TAIL));
        s.extent[1] = fmax(s.extent[1], extent_of(rp->gu, mu, 1, SF_T_TAIL));
        s.extent[2] = fmax(s.extent[2], extent_of(rp->gr, mr, 0, SF_T_TAIL));
        if (w) {
            const double *fields[SF_T_N_FIELDS] = {y, ma, mu, mr};
            const double values[SF_T_N_SERIES] = {d.risk, d.mass, d.balance, d.dissipation, d.w,
                                                  d.density_min};
            SF_TRY(ctx, sf_ncw_append(ctx, w, tout, fields, values));
        }
        s.n_outputs++;
    }
    s.wall_s = sf_output_wall_now() - clk.start;
    sf_ode_get_stats(ode, &s.stats);
    SF_TRY(ctx, sf_output_stats(ctx, w, &s.stats, s.wall_s));
    SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    if (sum) *sum = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0); /* failure: remove the temporary file */
    sf_ode_destroy(&ode);
    sf_formt_destroy(&f);
    free(y);
    free(ma);
    free(mu);
    free(mr);
    return status;
}
