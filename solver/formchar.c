/* formchar.c — form characteristics (formchar.h): the characteristics ODE (M15) of form L for
 * 2n weighted nodes started on a Gauss rule of τ₀ (docs/math.md (L9)), through the form
 * interface. K̂, ∂_ωK̂, Ĝ, ∂Ĝ come as callbacks (characteristics.h; reduction/charstart.c
 * interpolates tables whose measured error is below the CVODE tolerances, docs/math.md (L9)):
 * (2n)² pairs per right-hand side, K̂ once per pair (symmetric), ∂_ωK̂ for each ordered pair.
 * Not here: the start rule and kernels (reduction/charstart.c), time stepping (drive.c).
 * MATH tags: (M13), (M14), (M15), (L1), (L2), (L3), (L9).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/formchar.h"

enum { SF_C_N_SERIES = 6, SF_C_N_ATTRS = 4 };

static const sf_nc_series sf_c_series[SF_C_N_SERIES] = {
    {"risk", "population risk R (M2), by (M14) on the node measure", "1"},
    {"mass_plus", "mass of tau_plus (sum of the masses of the positive nodes)", "1"},
    {"mass_minus", "mass of tau_minus (sum of the masses of the negative nodes)", "1"},
    {"mass_balance_residual", "max over signs of |mass(t) - mass(0) - integrated reaction| (L1)", "1"},
    {"dissipation", "-dR/dt = sum of c (|dPsi|^2 + 2 Psi^2) over the nodes (L2)", "1"},
    {"alignment", "int sin^2 omega d(tau_plus + tau_minus) / mass", "1"},
};
static const sf_series_role sf_c_roles[SF_C_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MAXIMUM, SF_SERIES_PLAIN,
    SF_SERIES_PLAIN,
};
/* (L1) holds to rounding (the masses are linear in the state), scaled by the masses. */
static const unsigned sf_c_exact[SF_C_N_SERIES] = {0, 0, 0, (1u << 1) | (1u << 2)};

typedef struct {
    const sf_char_problem *p; /* borrowed */
    size_t n;                 /* nodes per sign */
    double *eps;              /* 2n signs */
    double *phi, *dphi;       /* 2n: Σ ε c K̂, Σ ε c ∂K̂ at the nodes (workspace) */
    double *psi, *dpsi;       /* 2n: Ψ̂, ∂Ψ̂ at the nodes (workspace) */
    double *y0;               /* initial state (owned) */
    double *idx;              /* 2n node indices 1 … 2n (the coordinate) */
    sf_nc_coord coord;
    sf_nc_field fields[3];
    sf_nc_attr attrs[SF_C_N_ATTRS];
    char failure[160];
} formchar;

/* Φ, ∂Φ, Ψ̂, ∂Ψ̂ at the nodes of y. Returns 0, or −1 on a non-finite value. */
static int potential(formchar *x, const double *y)
{
    const sf_char_problem *p = x->p;
    const size_t m = 2 * x->n;
    const double *w = y, *c = y + m;
    for (size_t i = 0; i < m; i++) x->phi[i] = x->dphi[i] = 0.0;
    for (size_t i = 0; i < m; i++) {
        const double si = x->eps[i] * c[i];
        x->phi[i] += si * p->K(p->user, w[i], w[i]);
        for (size_t j = i + 1; j < m; j++) {
            const double k = p->K(p->user, w[i], w[j]);
            x->phi[i] += x->eps[j] * c[j] * k;
            x->phi[j] += si * k;
        }
        double acc = 0.0;
        for (size_t j = 0; j < m; j++) acc += x->eps[j] * c[j] * p->dK(p->user, w[i], w[j]);
        x->dphi[i] = acc;
    }
    for (size_t i = 0; i < m; i++) {
        x->psi[i] = x->phi[i] - p->G(p->user, w[i]);    /* (M13) */
        x->dpsi[i] = x->dphi[i] - p->dG(p->user, w[i]);
        if (!isfinite(x->psi[i]) || !isfinite(x->dpsi[i])) {
            snprintf(x->failure, sizeof x->failure,
                     "non-finite potential at node %zu (omega = %.17g, c = %.17g)", i, w[i], c[i]);
            return -1;
        }
    }
    return 0;
}

static size_t c_size(const void *self) { return 4 * ((const formchar *)self)->n + 2; }

static void c_initial(const void *self, double *y)
{
    const formchar *x = self;
    memcpy(y, x->y0, c_size(self) * sizeof *y);
}

static int c_rhs(double t, const double *y, double *ydot, void *self)
{
    (void)t;
    formchar *x = self;
    const size_t n = x->n, m = 2 * n;
    if (potential(x, y)) return -1;
    double q[2] = {0.0, 0.0};
    for (size_t i = 0; i < m; i++) {
        ydot[i] = -x->eps[i] * x->dpsi[i];                       /* (M15) ω̇ = −ε ∂Ψ̂ */
        ydot[m + i] = -2.0 * x->eps[i] * x->psi[i] * y[m + i];   /* (M15) ċ = −2εΨ̂ c */
        q[i >= n] += ydot[m + i];
    }
    ydot[2 * m] = q[0];
    ydot[2 * m + 1] = q[1];
    return 0;
}

static void c_file(const void *self, sf_form_file *ff)
{
    const formchar *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_FIELD, .roles = sf_c_roles, .exact = sf_c_exact};
    ff->field = (sf_nc_layout){
        .title = "symflow field: form L by characteristics from a Gauss rule of the start (L9)",
        .coords = &x->coord, .n_coords = 1, .fields = x->fields, .n_fields = 3,
        .series = sf_c_series, .n_series = SF_C_N_SERIES, .attrs = x->attrs,
        .n_attrs = SF_C_N_ATTRS};
}

static sf_status c_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    (void)t;
    sf_status status = SF_OK;
    formchar *x = self;
    const size_t n = x->n, m = 2 * n;
    const double *w = y, *c = y + m;
    SF_CHECK(ctx, potential(x, y) == 0, SF_E_NUMERIC, "form characteristics: %s",
                  x->failure);
    double risk = 0.0, mass[2] = {0.0, 0.0}, diss = 0.0, align = 0.0;
    for (size_t i = 0; i < m; i++) {
        const double G = x->phi[i] - x->psi[i];
        risk += x->eps[i] * c[i] * (0.5 * x->phi[i] - G); /* (M14) */
        mass[i >= n] += c[i];
        diss += c[i] * (x->dpsi[i] * x->dpsi[i] + 2.0 * x->psi[i] * x->psi[i]); /* (L2) */
        const double s = sin(w[i]);
        align += c[i] * s * s;
    }
    double bal = 0.0;
    for (int e = 0; e < 2; e++) {
        double mass0 = 0.0;
        for (size_t i = 0; i < n; i++) mass0 += x->y0[m + (size_t)e * n + i];
        bal = fmax(bal, fabs(mass[e] - mass0 - y[2 * m + (size_t)e]));
    }
    const double v[SF_C_N_SERIES] = {risk + x->p->risk_const, mass[0], mass[1], bal, diss,
                                     align / (mass[0] + mass[1])};
    memcpy(o->series, v, sizeof v);
    o->fields[0] = w;
    o->fields[1] = c;
    o->fields[2] = x->psi;
    return SF_OK;
cleanup:
    return status;
}

static const char *c_failure(const void *self) { return ((const formchar *)self)->failure; }

static void c_destroy(void *self)
{
    formchar *x = self;
    if (!x) return;
    free(x->eps);
    free(x->phi);
    free(x->dphi);
    free(x->psi);
    free(x->dpsi);
    free(x->y0);
    free(x->idx);
    free(x);
}

static const sf_form_ops sf_formchar_ops = {
    .name = "characteristics", .size = c_size, .initial = c_initial, .rhs = c_rhs,
    .advance = NULL, .stats = NULL, .file = c_file, .observe = c_observe, .restore = NULL,
    .failure = c_failure, .destroy = c_destroy,
};

sf_status sf_formchar_form(sf_ctx *ctx, const sf_char_problem *p, const char *group, sf_form *out)
{
    sf_status status = SF_OK;
    formchar *x = NULL;
    SF_CHECK(ctx, p && p->n >= 1 && p->K && p->dK && p->G && p->dG && out, SF_E_ARG,
             "sf_formchar_form: bad argument");
    SF_ALLOC(ctx, x, 1);
    x->p = p;
    x->n = p->n;
    const size_t n = p->n, m = 2 * n;
    SF_ALLOC(ctx, x->eps, m);
    SF_ALLOC(ctx, x->phi, m);
    SF_ALLOC(ctx, x->dphi, m);
    SF_ALLOC(ctx, x->psi, m);
    SF_ALLOC(ctx, x->dpsi, m);
    SF_ALLOC(ctx, x->idx, m);
    SF_ALLOC(ctx, x->y0, 2 * m + 2);
    for (size_t i = 0; i < m; i++) {
        x->eps[i] = i < n ? 1.0 : -1.0;
        x->idx[i] = (double)i + 1.0;
        x->y0[i] = p->x0[i % n];             /* the same nodes for both signs */
        x->y0[m + i] = 0.5 * p->w0[i % n];   /* τ₀^± = ½ τ₀ (L3) */
    }
    x->y0[2 * m] = x->y0[2 * m + 1] = 0.0;
    const sf_coord *co = sf_coord_get(p->coord);
    x->coord = (sf_nc_coord){"node", "characteristic node (1..n: sign +1, n+1..2n: sign -1)", "1",
                             m, x->idx, NULL};
    x->fields[0] = (sf_nc_field){co->name, co->long_name, co->units, 1, {0}};
    x->fields[1] = (sf_nc_field){"mass", "mass c of the node (M15)", "1", 1, {0}};
    x->fields[2] = (sf_nc_field){"psi_hat", "potential Psi_hat at the node (M13)", "1", 1, {0}};
    x->attrs[0] = (sf_nc_attr){"group", SF_NC_ATTR_TEXT, group ? group : "", 0, 0};
    x->attrs[1] = (sf_nc_attr){"scheme", SF_NC_ATTR_TEXT,
                               "characteristics (M15) of form L, pointwise kernels, CVODE", 0, 0};
    x->attrs[2] = (sf_nc_attr){"start_rule", SF_NC_ATTR_TEXT, p->rule ? p->rule : "", 0, 0};
    x->attrs[3] = (sf_nc_attr){"nodes_per_sign", SF_NC_ATTR_INT, NULL, 0, (long)n};
    *out = (sf_form){&sf_formchar_ops, x};
    return SF_OK;
cleanup:
    c_destroy(x);
    return status;
}

void sf_formchar_potential(const sf_form *f, const double *y, double *psi, double *dpsi)
{
    formchar *x = f->self;
    const size_t m = 2 * x->n;
    potential(x, y);
    memcpy(psi, x->psi, m * sizeof *psi);
    memcpy(dpsi, x->dpsi, m * sizeof *dpsi);
}
