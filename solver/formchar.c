/* formchar.c — form characteristics (formchar.h): the characteristics ODE (M15) of form L for
 * 2n weighted nodes started on a Gauss rule of τ₀ (docs/math.md (L9)), through the form
 * interface. K̂, ∂_ωK̂, Ĝ, ∂Ĝ come as Chebyshev series (chebk.h, (L8)): O(n p) per right-hand
 * side; or, when those did not converge, as callbacks (characteristics.h; reduction/charstart.c
 * interpolates tables whose measured error is below the CVODE tolerances, docs/math.md (L9)):
 * (2n)² pairs per right-hand side, K̂ once per pair (symmetric), ∂_ωK̂ for each ordered pair.
 * Not here: the start rule and kernels (reduction/charstart.c), time stepping (drive.c).
 * MATH tags: (M13), (M14), (M15), (L1), (L2), (L3), (L9).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_interp.h>

#include "symflow/formchar.h"

enum { SF_C_N_SERIES = 9, SF_C_N_ATTRS = 4, SF_C_N_FIELDS = 6 };

/* The series of form L (forml.c), from the node measure. */
static const sf_nc_series sf_c_series[SF_C_N_SERIES] = {
    {"risk", "population risk R (M2), by (M14) on the node measure", "1"},
    {"mass_plus", "mass of tau_plus (sum of the masses of the positive nodes)", "1"},
    {"mass_minus", "mass of tau_minus (sum of the masses of the negative nodes)", "1"},
    {"mass_balance_residual", "max over signs of |mass(t) - mass(0) - integrated reaction| (L1)", "1"},
    {"dissipation", "-dR/dt = sum of c (|dPsi|^2 + 2 Psi^2) over the nodes (L2)", "1"},
    {"alignment", "int sin^2 omega d(tau_plus + tau_minus) / mass", "1"},
    {"w2_plus", "W2 distance of normalised tau_plus to the aligned set (node measure)", "rad"},
    {"w2_minus", "W2 distance of normalised tau_minus to the orthogonal set (node measure)", "rad"},
    {"tau_min", "minimum cell density of the reconstructed tau_plus and tau_minus (L9)", "1/rad"},
};
static const sf_series_role sf_c_roles[SF_C_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MAXIMUM, SF_SERIES_PLAIN,
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MINIMUM,
};
/* (L1) holds to rounding (the masses are linear in the state), scaled by the masses. */
static const unsigned sf_c_exact[SF_C_N_SERIES] = {0, 0, 0, (1u << 1) | (1u << 2)};

typedef struct {
    const sf_char_problem *p; /* borrowed */
    size_t n;                 /* nodes per sign */
    double *eps;              /* 2n signs */
    double *phi, *dphi;       /* 2n: Σ ε c K̂, Σ ε c ∂K̂ at the nodes (workspace) */
    double *psi, *dpsi;       /* 2n: Ψ̂, ∂Ψ̂ at the nodes (workspace) */
    double *s, *G, *dG;       /* 2n: ε c, Ĝ, Ĝ' at the nodes (workspace, Chebyshev path) */
    double *work;             /* sf_chebk_work doubles (Chebyshev path) */
    double *y0;               /* initial state (owned) */
    double *idx;              /* 2n node indices 1 … 2n (the coordinate) */
    /* the densities on the grid, reconstructed from the flow map (L9) */
    const sf_grid1 *grid;     /* borrowed */
    size_t *ord;              /* n node indices by increasing start position (owned) */
    double *u0;               /* n: τ₀([lo, x0ᵢ]), the start's distribution function (owned) */
    double *P, *U, *X, *g;    /* n + 2: start position, its u, position now, c/c₀ (work) */
    double *uf;               /* N + 1: u of the preimage of each face (work) */
    double *tau;              /* 2N: τ⁺ then τ⁻ densities per unit of the coordinate (work) */
    double *psi_grid;         /* N: Ψ̂ at the cell centres (work) */
    double *gwork;            /* 4 max(p, pG) doubles (Chebyshev path, work) */
    char node_name[32];
    gsl_interp *iX, *ig;      /* monotone (Steffen) interpolants of X(u) and g(u) */
    gsl_interp_accel *acc;
    sf_nc_coord coord[2];     /* the grid's cells, the nodes */
    sf_nc_field fields[SF_C_N_FIELDS];
    sf_nc_attr attrs[SF_C_N_ATTRS];
    char failure[160];
} formchar;

static int check_finite(formchar *x, const double *w, const double *c)
{
    for (size_t i = 0; i < 2 * x->n; i++)
        if (!isfinite(x->psi[i]) || !isfinite(x->dpsi[i])) {
            snprintf(x->failure, sizeof x->failure,
                     "non-finite potential at node %zu (omega = %.17g, c = %.17g)", i, w[i], c[i]);
            return -1;
        }
    return 0;
}

/* Φ, ∂Φ, Ψ̂, ∂Ψ̂ at the nodes of y: by the Chebyshev series when the problem has them, else
 * by the pointwise callbacks, (2n)² pairs. Returns 0, or −1 on a non-finite value. */
static int potential(formchar *x, const double *y)
{
    const sf_char_problem *p = x->p;
    const size_t m = 2 * x->n;
    const double *w = y, *c = y + m;
    if (p->cheb.p) { /* (L8): the Chebyshev series, O(m p) */
        for (size_t i = 0; i < m; i++) x->s[i] = x->eps[i] * c[i];
        sf_chebk_apply(&p->cheb, m, w, x->s, x->phi, x->dphi, x->G, x->dG, x->work);
        for (size_t i = 0; i < m; i++) {
            x->psi[i] = x->phi[i] - x->G[i]; /* (M13) */
            x->dpsi[i] = x->dphi[i] - x->dG[i];
        }
        return check_finite(x, w, c);
    }
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
    }
    return check_finite(x, w, c);
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
        .coords = x->coord, .n_coords = 2, .fields = x->fields, .n_fields = SF_C_N_FIELDS,
        .series = sf_c_series, .n_series = SF_C_N_SERIES, .attrs = x->attrs,
        .n_attrs = SF_C_N_ATTRS};
}

/* The flow map of one sign at state y (docs/math.md (L9)): P ↦ X(P), the position at time t
 * of the node that started at P, is smooth and monotone (characteristics in 1-D do not cross);
 * it is interpolated through the nodes by Steffen's monotone cubic, with the interval's ends
 * fixed (the velocity vanishes there by symmetry). The mass growth g = c/c₀ is interpolated the
 * same way against u = τ₀([lo, P]), the start's distribution function. A face x is mapped back
 * to its start P(x) by safeguarded Newton on the cubic, u(x) = τ₀([lo, P(x)]) exactly (the
 * problem's cdf), and the
 * cell masses are ½ ∫ g du between the faces, rescaled so that they add up to the sign's node
 * mass (the node sum is the quadrature the series use). */
static int reconstruct(formchar *x, const double *y, int e, double *tau)
{
    const size_t n = x->n, m = 2 * n, N = x->grid->n;
    const double lo = x->grid->edges[0], hi = x->grid->edges[N];
    const double *w = y, *c = y + m;
    double node_mass = 0.0;
    x->P[0] = lo;
    x->U[0] = 0.0;
    x->X[0] = lo;
    for (size_t j = 0; j < n; j++) {
        const size_t i = (size_t)e * n + x->ord[j];
        x->P[j + 1] = x->p->x0[x->ord[j]];
        x->U[j + 1] = x->u0[x->ord[j]];
        const double xi = fmin(hi, fmax(lo, w[i]));
        x->X[j + 1] = fmax(x->X[j], xi); /* order is kept by the flow; rounding is clipped */
        x->g[j + 1] = c[i] / x->y0[m + i];
        node_mass += c[i];
    }
    x->P[n + 1] = hi;
    x->U[n + 1] = 1.0;
    x->X[n + 1] = hi;
    x->g[0] = x->g[1];
    x->g[n + 1] = x->g[n];
    for (size_t j = 1; j < n + 2; j++) /* the start's nodes are distinct and inside */
        if (!(x->U[j] > x->U[j - 1]) || !(x->P[j] > x->P[j - 1])) return -1;
    if (gsl_interp_init(x->iX, x->P, x->X, n + 2) || gsl_interp_init(x->ig, x->U, x->g, n + 2))
        return -1;
    gsl_interp_accel_reset(x->acc);
    size_t j = 0;
    for (size_t f = 0; f <= N; f++) {
        const double xf = x->grid->edges[f];
        if (f == 0 || xf <= lo) { x->uf[f] = 0.0; continue; }
        if (f == N || xf >= hi) { x->uf[f] = 1.0; continue; }
        while (j + 2 < n + 2 && x->X[j + 1] < xf) j++; /* X[j] ≤ xf ≤ X[j + 1] */
        /* X(P) = xf on [P_j, P_{j+1}], where X is a monotone cubic: Newton from the secant
         * guess, kept inside the shrinking bracket (a bisection step when it leaves it) */
        double a = x->P[j], b = x->P[j + 1];
        const double dx = x->X[j + 1] - x->X[j];
        double p = dx > 0.0 ? a + (b - a) * (xf - x->X[j]) / dx : 0.5 * (a + b);
        for (int it = 0; it < 60 && b - a > 1e-15 * fabs(b); it++) {
            double v, dv;
            gsl_interp_eval_deriv_e(x->iX, x->P, x->X, p, x->acc, &dv);
            v = gsl_interp_eval(x->iX, x->P, x->X, p, x->acc) - xf;
            if (v < 0.0) a = p; else b = p;
            if (v == 0.0) break;
            const double q = dv > 0.0 ? p - v / dv : NAN;
            const double step = fabs(q - p);
            p = q >= a && q <= b ? q : 0.5 * (a + b); /* a Newton step that lands on the
                                                          bracket's end is converged */
            if (step <= 1e-15 * fabs(p)) break;
        }
        const double u = x->p->cdf(x->p->user, p);
        if (!isfinite(u)) return -1;
        x->uf[f] = fmin(x->U[j + 1], fmax(x->U[j], u)); /* within its bracket despite rounding */
    }
    double total = 0.0;
    for (size_t i = 0; i < N; i++) {
        double q = 0.0;
        if (x->uf[i + 1] > x->uf[i] &&
            gsl_interp_eval_integ_e(x->ig, x->U, x->g, x->uf[i], x->uf[i + 1], x->acc, &q))
            return -1;
        tau[i] = fmax(q, 0.0);
        total += tau[i];
    }
    const double scale = total > 0.0 ? node_mass / total : 0.0;
    for (size_t i = 0; i < N; i++) tau[i] *= scale / x->grid->widths[i];
    return 0;
}

static sf_status c_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    (void)t;
    sf_status status = SF_OK;
    formchar *x = self;
    const size_t n = x->n, m = 2 * n, N = x->grid->n;
    const double *w = y, *c = y + m;
    const sf_coord *co = sf_coord_get(x->p->coord);
    const int radial = co->aligned_points == 1; /* θ: aligned {0}; φ: {0, π} */
    SF_CHECK(ctx, potential(x, y) == 0, SF_E_NUMERIC, "form characteristics: %s",
                  x->failure);
    double risk = 0.0, mass[2] = {0.0, 0.0}, diss = 0.0, align = 0.0, d2[2] = {0.0, 0.0};
    for (size_t i = 0; i < m; i++) {
        const double G = x->phi[i] - x->psi[i];
        risk += x->eps[i] * c[i] * (0.5 * x->phi[i] - G); /* (M14) */
        mass[i >= n] += c[i];
        diss += c[i] * (x->dpsi[i] * x->dpsi[i] + 2.0 * x->psi[i] * x->psi[i]); /* (L2) */
        const double s = sin(w[i]);
        align += c[i] * s * s;
        const double da = radial ? w[i] : fmin(w[i], M_PI - w[i]), dor = w[i] - M_PI_2;
        d2[i >= n] += c[i] * (i < n ? da * da : dor * dor);
    }
    double bal = 0.0;
    for (int e = 0; e < 2; e++) {
        double mass0 = 0.0;
        for (size_t i = 0; i < n; i++) mass0 += x->y0[m + (size_t)e * n + i];
        bal = fmax(bal, fabs(mass[e] - mass0 - y[2 * m + (size_t)e]));
    }
    double tmin = INFINITY;
    for (int e = 0; e < 2; e++) {
        SF_CHECK(ctx, reconstruct(x, y, e, x->tau + (size_t)e * N) == 0, SF_E_NUMERIC,
                 "form characteristics: the densities of sign %c could not be reconstructed on "
                 "the grid (t = %g)", e ? '-' : '+', t);
        for (size_t i = 0; i < N; i++) tmin = fmin(tmin, x->tau[(size_t)e * N + i]);
    }
    if (x->p->cheb.p) {
        for (size_t i = 0; i < m; i++) x->s[i] = x->eps[i] * c[i];
        sf_chebk_psi_at(&x->p->cheb, m, w, x->s, N, x->grid->centres, x->psi_grid, x->gwork);
    } else {
        for (size_t k = 0; k < N; k++) {
            const double xc = x->grid->centres[k];
            double f = -x->p->G(x->p->user, xc);
            for (size_t i = 0; i < m; i++) f += x->eps[i] * c[i] * x->p->K(x->p->user, xc, w[i]);
            x->psi_grid[k] = f;
        }
    }
    const double v[SF_C_N_SERIES] = {
        risk + x->p->risk_const, mass[0], mass[1], bal, diss, align / (mass[0] + mass[1]),
        mass[0] > 0.0 ? sqrt(d2[0] / mass[0]) : NAN, mass[1] > 0.0 ? sqrt(d2[1] / mass[1]) : NAN,
        tmin};
    memcpy(o->series, v, sizeof v);
    o->fields[0] = x->tau;
    o->fields[1] = x->tau + N;
    o->fields[2] = x->psi_grid;
    o->fields[3] = w;
    o->fields[4] = c;
    o->fields[5] = x->psi;
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
    free(x->s);
    free(x->G);
    free(x->dG);
    free(x->work);
    free(x->y0);
    free(x->idx);
    free(x->ord);
    free(x->u0);
    free(x->P);
    free(x->U);
    free(x->X);
    free(x->g);
    free(x->uf);
    free(x->tau);
    free(x->psi_grid);
    free(x->gwork);
    if (x->iX) gsl_interp_free(x->iX);
    if (x->ig) gsl_interp_free(x->ig);
    if (x->acc) gsl_interp_accel_free(x->acc);
    free(x);
}

static const sf_form_ops sf_formchar_ops = {
    .name = "characteristics", .size = c_size, .initial = c_initial, .rhs = c_rhs,
    .advance = NULL, .stats = NULL, .file = c_file, .observe = c_observe, .restore = NULL,
    .failure = c_failure, .destroy = c_destroy,
};

sf_status sf_formchar_form(sf_ctx *ctx, const sf_char_problem *p, const char *group,
                           const sf_grid1 *grid, sf_form *out)
{
    sf_status status = SF_OK;
    formchar *x = NULL;
    SF_CHECK(ctx, p && p->n >= 1 && p->K && p->dK && p->G && p->dG && p->cdf && grid &&
                      grid->n >= 1 && out, SF_E_ARG, "sf_formchar_form: bad argument");
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
    SF_ALLOC(ctx, x->s, m);
    SF_ALLOC(ctx, x->G, m);
    SF_ALLOC(ctx, x->dG, m);
    if (p->cheb.p) {
        SF_ALLOC(ctx, x->work, sf_chebk_work(&p->cheb, m));
        SF_ALLOC(ctx, x->gwork, 4 * (p->cheb.p > p->cheb.pG ? p->cheb.p : p->cheb.pG));
    }
    x->grid = grid;
    SF_ALLOC(ctx, x->ord, n);
    SF_ALLOC(ctx, x->P, n + 2);
    SF_ALLOC(ctx, x->U, n + 2);
    SF_ALLOC(ctx, x->X, n + 2);
    SF_ALLOC(ctx, x->g, n + 2);
    SF_ALLOC(ctx, x->uf, grid->n + 1);
    SF_ALLOC(ctx, x->tau, 2 * grid->n);
    SF_ALLOC(ctx, x->psi_grid, grid->n);
    SF_ALLOC(ctx, x->u0, n);
    for (size_t i = 0; i < n; i++) { /* by increasing start position: insertion (n ≤ 4096, once) */
        size_t j = i;
        for (; j > 0 && p->x0[x->ord[j - 1]] > p->x0[i]; j--) x->ord[j] = x->ord[j - 1];
        x->ord[j] = i;
        x->u0[i] = p->cdf(p->user, p->x0[i]);
        SF_CHECK(ctx, isfinite(x->u0[i]), SF_E_NUMERIC, "form characteristics: the start's "
                 "distribution function at node %zu (%.17g) is not finite", i, p->x0[i]);
    }
    x->iX = gsl_interp_alloc(gsl_interp_steffen, n + 2);
    x->ig = gsl_interp_alloc(gsl_interp_steffen, n + 2);
    x->acc = gsl_interp_accel_alloc();
    SF_CHECK(ctx, x->iX && x->ig && x->acc, SF_E_NOMEM, "form characteristics: interpolants of "
             "%zu nodes", n + 2);
    SF_ALLOC(ctx, x->y0, 2 * m + 2);
    for (size_t i = 0; i < m; i++) {
        x->eps[i] = i < n ? 1.0 : -1.0;
        x->idx[i] = (double)i + 1.0;
        x->y0[i] = p->x0[i % n];             /* the same nodes for both signs */
        x->y0[m + i] = 0.5 * p->w0[i % n];   /* τ₀^± = ½ τ₀ (L3) */
    }
    x->y0[2 * m] = x->y0[2 * m + 1] = 0.0;
    const sf_coord *co = sf_coord_get(p->coord);
    x->coord[0] = (sf_nc_coord){co->name, co->long_name, co->units, grid->n, grid->centres,
                                grid->edges};
    x->coord[1] = (sf_nc_coord){"node", "characteristic node (1..n: sign +1, n+1..2n: sign -1)",
                                "1", m, x->idx, NULL};
    snprintf(x->node_name, sizeof x->node_name, "node_%s", co->name);
    x->fields[0] = (sf_nc_field){"tau_plus", "lifted density of positive neurons tau_plus (M15), "
                                 "reconstructed from the nodes' flow map (L9)", "1/rad", 1, {0}};
    x->fields[1] = (sf_nc_field){"tau_minus", "lifted density of negative neurons tau_minus "
                                 "(M15), reconstructed from the nodes' flow map (L9)", "1/rad", 1,
                                 {0}};
    x->fields[2] = (sf_nc_field){"psi_hat", "potential Psi_hat on the reduced sphere at the cell "
                                 "centres (M13)", "1", 1, {0}};
    x->fields[3] = (sf_nc_field){x->node_name, "position of the node (the reduced coordinate)",
                                 co->units, 1, {1}};
    x->fields[4] = (sf_nc_field){"node_mass", "mass c of the node (M15)", "1", 1, {1}};
    x->fields[5] = (sf_nc_field){"node_psi_hat", "potential Psi_hat at the node (M13)", "1", 1,
                                 {1}};
    x->attrs[0] = (sf_nc_attr){"group", SF_NC_ATTR_TEXT, group ? group : "", 0, 0};
    x->attrs[1] = (sf_nc_attr){"scheme", SF_NC_ATTR_TEXT,
                               p->cheb.p ? "characteristics (M15) of form L, Chebyshev kernels (L8), CVODE"
                                         : "characteristics (M15) of form L, tabulated kernels, CVODE", 0, 0};
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
