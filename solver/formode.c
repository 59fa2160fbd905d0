/* formode.c — the odd-target ODE (M9), restricted to H: w ∈ H, M_HH, s, with δ = w − w*,
 * δ̃ = v δ:  ẇ = −¼ v (s I + M) δ,  Ṁ = −(δ̃ wᵀ + w δ̃ᵀ),  ṡ = −2⟨w, δ̃⟩;  R = ½ v|δ|² + R* (M10).
 * s − tr M is conserved (§3) and reported. Also the isotropic closed form of §3, for tests.
 * The form interface (form.h) is at the end.
 * Not here: where w*, R* and the start moments come from (reduction/odd.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/formode.h"
#include "symflow/ncio.h"
#include "symflow/coord.h"

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
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0); /* tolerances set below */
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

/* ---- the form interface ---------------------------------------------------------------- */

enum { SF_O_N_SERIES = 4, SF_O_N_ATTRS = 3 };

static const sf_nc_series sf_o_series[SF_O_N_SERIES] = {
    {"risk", "population risk R (M2), by (M10)", "1"},
    {"s", "s = int a^2 dmu (M8)", "1"},
    {"trace_M", "trace of M restricted to H (M8)", "1"},
    {"conserved", "s - tr M_HH, conserved by (M9)", "1"},
};
static const sf_series_role sf_o_roles[SF_O_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_CONSERVED,
};
static const sf_nc_field sf_o_fields[2] = {
    {"w", "linear predictor coefficient w = 1/2 int a b dmu in the basis of H (M8)", "1", 1, {0}},
    {"w_star", "target coefficient w* (M8)", "1", 1, {0}},
};

typedef struct {
    const sf_odd_problem *p;          /* borrowed */
    double *idx, *edges;              /* component coordinate 1 … d_H and its bounds (owned) */
    sf_nc_coord coord;
    sf_nc_attr attrs[SF_O_N_ATTRS];
} formode_form;

static size_t o_size(const void *self)
{
    const size_t n = ((const formode_form *)self)->p->d_H;
    return n + n * n + 1;
}
static void o_initial(const void *self, double *y) { sf_formode_initial(((const formode_form *)self)->p, y); }
static int o_rhs(double t, const double *y, double *ydot, void *self)
{
    return sf_formode_rhs(t, y, ydot, (void *)((formode_form *)self)->p);
}

static void o_file(const void *self, sf_form_file *ff)
{
    const formode_form *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_FIELD, .roles = sf_o_roles};
    ff->field = (sf_nc_layout){
        .title = "symflow field: odd-target ODE (M9) for w, M, s", .coords = &x->coord,
        .n_coords = 1, .fields = sf_o_fields, .n_fields = 2, .series = sf_o_series,
        .n_series = SF_O_N_SERIES, .attrs = x->attrs, .n_attrs = SF_O_N_ATTRS};
}

static sf_status o_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    (void)ctx;
    (void)t;
    const formode_form *x = self;
    const size_t n = x->p->d_H;
    double tr = 0.0;
    for (size_t i = 0; i < n; i++) tr += y[n + i * n + i];
    const double v[SF_O_N_SERIES] = {sf_formode_risk(x->p, y), y[n + n * n], tr, conserved(x->p, y)};
    memcpy(o->series, v, sizeof v);
    o->fields[0] = y;
    o->fields[1] = x->p->wstar;
    return SF_OK;
}

static void o_destroy(void *self)
{
    formode_form *x = self;
    if (!x) return;
    free(x->idx);
    free(x->edges);
    free(x);
}

/* Resume: w from the field, s from its series; M_HH is not stored, only its trace, which is
 * M itself for d_H = 1. For d_H > 1 the file cannot rebuild the state: refused. */
static sf_status o_restore(sf_ctx *ctx, void *self, const double *const *fields,
                           const double *last, const double *first, double *y)
{
    sf_status status = SF_OK;
    (void)first;
    const formode_form *x = self;
    const size_t n = x->p->d_H;
    SF_CHECK(ctx, n == 1, SF_E_UNSUPPORTED,
             "form ode: cannot resume with d_H = %zu: the file stores only the trace of M_HH, "
             "which rebuilds M for d_H = 1 only", n);
    y[0] = fields[0][0];
    y[1] = last[2]; /* trace_M */
    y[2] = last[1]; /* s */
cleanup:
    return status;
}

static const sf_form_ops sf_formode_ops = {
    .name = "ode", .size = o_size, .initial = o_initial, .rhs = o_rhs, .advance = NULL,
    .stats = NULL, .file = o_file, .observe = o_observe, .failure = NULL, .destroy = o_destroy,
    .restore = o_restore,
};

sf_status sf_formode_form(sf_ctx *ctx, const sf_odd_problem *p, sf_form *out)
{
    sf_status status = SF_OK;
    formode_form *x = NULL;
    SF_CHECK(ctx, p && p->d_H >= 1 && out, SF_E_ARG, "sf_formode_form: bad argument");
    SF_ALLOC(ctx, x, 1);
    x->p = p;
    const size_t n = p->d_H;
    SF_ALLOC(ctx, x->idx, n);
    SF_ALLOC(ctx, x->edges, n + 1);
    for (size_t i = 0; i <= n; i++) x->edges[i] = (double)i + 0.5;
    for (size_t i = 0; i < n; i++) x->idx[i] = (double)i + 1.0;
    const sf_coord *c = sf_coord_get(SF_COORD_COMPONENT);
    x->coord = (sf_nc_coord){c->name, c->long_name, c->units, n, x->idx, x->edges};
    const sf_nc_attr attrs[SF_O_N_ATTRS] = {
        {"risk_star", SF_NC_ATTR_DOUBLE, NULL, p->risk_star, 0},
        {"group", SF_NC_ATTR_TEXT, "(a, b) -> (-a, -b) (odd target, MATH §3)", 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, "closed ODE (M9) for (w, M_HH, s), CVODE", 0, 0},
    };
    memcpy(x->attrs, attrs, sizeof attrs);
    *out = (sf_form){&sf_formode_ops, x};
    return SF_OK;
cleanup:
    o_destroy(x);
    return status;
}
