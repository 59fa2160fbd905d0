/* run.c — integrate form L to each output time, compute the diagnostics of MATH.md §6 and
 * write the field file of §8 through the netCDF adapter (ncio.h).
 *
 * Between outputs the integration advances in progress slices (output.h).
 * Not here: the tables (reduction/), printing (app/).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "symflow/ncio.h"
#include "symflow/output.h"
#include "symflow/run.h"

enum {
    SF_N_SERIES = 9           /* time series written per output */
};

/* Scale under which the reaction integral is treated as zero in the relative balance. */
static const double SF_BALANCE_FLOOR = 1e-300; /* avoids 0/0 only; any real run is far above */

static const sf_nc_series series_layout[SF_N_SERIES] = {
    {"risk", "population risk R (M2), by (M14)", "1"},
    {"mass_plus", "mass of tau_plus", "1"},
    {"mass_minus", "mass of tau_minus", "1"},
    {"mass_balance_residual", "max over signs of |mass(t) - mass(0) - integrated reaction| (L1)", "1"},
    {"dissipation", "-dR/dt from the discrete (L2) identity", "1"},
    {"alignment", "int sin^2 theta d(tau_plus + tau_minus) / mass", "1"},
    {"w2_plus", "W2 distance of normalised tau_plus to the aligned set", "rad"},
    {"w2_minus", "W2 distance of normalised tau_minus to the orthogonal set", "rad"},
    {"tau_min", "minimum cell density of tau_plus and tau_minus", "1/rad"},
};

static void series_values(const sf_forml_diag *d, double *v)
{
    v[0] = d->risk;
    v[1] = d->mass_plus;
    v[2] = d->mass_minus;
    v[3] = d->balance;
    v[4] = d->dissipation;
    v[5] = d->alignment;
    v[6] = d->w2_plus;
    v[7] = d->w2_minus;
    v[8] = d->tau_min;
}

static sf_status open_field_file(sf_ctx *ctx, const sf_run_lifted_params *rp, sf_ncw **w)
{
    const sf_case *c = rp->c;
    char scheme[64];
    snprintf(scheme, sizeof scheme, "finite volumes, %s%s%s, centred potential gradients",
             sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction),
             c->scheme.reconstruction == SF_RECON_MUSCL ? " + " : "",
             c->scheme.reconstruction == SF_RECON_MUSCL
                 ? sf_name_of(&sf_limiter_names, (int)c->scheme.limiter) : "");
    const sf_nc_coord coord = {rp->coord.name, rp->coord.long_name, rp->coord.units,
                               rp->grid->n, rp->grid->centres, rp->grid->edges};
    const sf_nc_field fields[2] = {
        {"tau_plus", "lifted density of positive neurons tau_plus (M15)", "1/rad", 1, {0}},
        {"tau_minus", "lifted density of negative neurons tau_minus (M15)", "1/rad", 1, {0}},
    };
    sf_nc_attr attrs[SF_CASE_ATTRS + 6];
    size_t n_attrs = sf_output_case_attrs(c, "lifted", attrs);
    const sf_nc_attr extra[] = {
        {"group", SF_NC_ATTR_TEXT, rp->coord.group, 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, scheme, 0, 0},
        {"reconstruction", SF_NC_ATTR_TEXT, sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction), 0, 0},
        {"limiter", SF_NC_ATTR_TEXT, sf_name_of(&sf_limiter_names, (int)c->scheme.limiter), 0, 0},
        {"risk_const", SF_NC_ATTR_DOUBLE, NULL, rp->p->risk_const, 0},
        {"minimiser_mass", SF_NC_ATTR_DOUBLE, NULL, rp->minimiser_mass, 0},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) attrs[n_attrs++] = extra[i];
    if (!isfinite(rp->minimiser_mass)) n_attrs--; /* last entry: only when known */
    const sf_nc_layout layout = {
        .title = "symflow field: form L densities tau_plus, tau_minus on the reduced sphere",
        .coords = &coord, .n_coords = 1, .fields = fields, .n_fields = 2,
        .series = series_layout, .n_series = SF_N_SERIES, .attrs = attrs, .n_attrs = n_attrs};
    return sf_ncw_create(ctx, rp->out_path, &layout, w);
}

static sf_status write_output(sf_ctx *ctx, sf_ncw *w, double t, const double *y, size_t n,
                              const sf_forml_diag *d)
{
    if (!w) return SF_OK;
    double values[SF_N_SERIES];
    series_values(d, values);
    const double *fields[2] = {y, y + n};
    return sf_ncw_append(ctx, w, t, fields, values);
}

sf_status sf_run_lifted(sf_ctx *ctx, const sf_run_lifted_params *rp, sf_run_summary *sum)
{
    sf_status status = SF_OK;
    sf_forml *f = NULL;
    sf_ode *ode = NULL;
    sf_ncw *w = NULL;
    double *y = NULL, *y0 = NULL;
    sf_run_summary s = {0};
    const sf_case *c = rp->c;
    const sf_fv_scheme scheme = {c->scheme.reconstruction, c->scheme.limiter};

    SF_TRY(ctx, sf_forml_create(ctx, rp->grid, rp->p, &scheme, rp->geom, &f));
    const size_t n = rp->grid->n, size = sf_forml_size(f);
    SF_ALLOC(ctx, y, size);
    SF_ALLOC(ctx, y0, size);
    sf_forml_initial(f, y0);
    for (size_t i = 0; i < size; i++) y[i] = y0[i];
    if (rp->out_path) SF_TRY(ctx, open_field_file(ctx, rp, &w));

    const sf_ode_params op = sf_output_ode_params(c, 2 * n);
    const double t0 = 0.0, t_end = c->time.outputs[c->time.n_outputs - 1];
    SF_TRY(ctx, sf_ode_create(ctx, size, t0, y0, sf_forml_rhs, f, &op, &ode));

    const sf_output_clock clk = sf_output_clock_start(t0, t_end, rp->progress, rp->progress_user);
    double t = t0, prev_risk = NAN, prev_t = t0;
    s.max_risk_increase = -INFINITY;
    s.min_tau = INFINITY;
    for (size_t k = 0; k < c->time.n_outputs; k++) {
        const double tout = c->time.outputs[k];
        SF_TRY(ctx, sf_output_advance(ctx, ode, &clk, &t, tout, y, sf_forml_failure(f)));
        sf_forml_diag d;
        sf_forml_diagnose(f, y, y0, &d);
        SF_CHECK(ctx, isfinite(d.risk), SF_E_NUMERIC, "form L: risk is not finite at t = %g", tout);
        if (k == 0) s.first = d;
        s.max_balance_rel = fmax(s.max_balance_rel, d.balance / fmax(d.reaction, SF_BALANCE_FLOOR));
        if (k > 0) {
            s.max_risk_increase = fmax(s.max_risk_increase, d.risk - prev_risk);
            /* (L2) beside the finite-difference dR/dt of the last interval (trapezoid) */
            s.fd_dissipation = -(d.risk - prev_risk) / (tout - prev_t);
            s.mean_dissipation = 0.5 * (s.last.dissipation + d.dissipation);
        }
        s.last = d;
        prev_risk = d.risk;
        prev_t = tout;
        s.min_tau = fmin(s.min_tau, d.tau_min);
        SF_TRY(ctx, write_output(ctx, w, tout, y, n, &d));
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
    sf_forml_destroy(&f);
    free(y);
    free(y0);
    return status;
}
