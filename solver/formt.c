/* formt.c — form T (M16) by finite volumes on a tensor (a, u, r) box for d_H = 1 targets,
 * with its diagnostics (I1), (I2), (I3), (M8), (M14) and the outer-box monitor of §4.5.
 *
 * Discretisation (MATH §4.4, §5). Cell c has centre (a_c, u_c, r_c), ρ_c = (u_c² + r_c²)^{½},
 * φ_c = atan2(r_c, u_c) ∈ (0, π), volume vol_c, and carries the signed direction mass
 * a_c ρ_c n_c vol_c (M16: m(dω) = ∫ a ρ n). Deposit: that mass goes to the two φ-centres
 * j, j+1 around φ_c with weights (1 − λ, λ) (all of it to the end centre beyond the first or
 * last), index and weight precomputed at create; M_j = Σ deposits. Potential (M13):
 * Ψ̂ = K M − G (one gemv, O(n_φ²)); back to the cell with the SAME weights (the adjoint of
 * the deposit): V_c = a_c ρ_c Ψ̂(φ_c). V_c = ∂R_h/∂(n_c vol_c) exactly for
 * R_h = ½ Mᵀ K M − Gᵀ M + ½E f*², since K is symmetric.
 * Velocity at the face between c and c + e_x: v = −(V_{c+e_x} − V_c)/(x_{c+1} − x_c), which
 * approximates v_a = −Ψ, (v_u, v_r) = −a ∇Ψ of (M16) since ∇V = (Ψ, a∇Ψ); upwind MUSCL face
 * value n_f along x (fv.h, strided), flux F = v n_f; zero flux on all outer faces and at
 * r = 0 (reflection, §4.5). Summation by parts gives
 *   dR_h/dt = Σ_c V_c d(n_c vol_c)/dt = −Σ_faces h A n_f v²   (A the face area, h the centre
 * distance), the discrete (I2), for every limiter and grid; mass is conserved to rounding.
 * Positivity as for form L (forml.c): a zero cell has zero limited outflow, so the flow keeps
 * n ≥ 0 without CVODE constraints, and mass is conserved to rounding.
 * The form interface (form.h) is at the end.
 * Not here: the tables, n₀ and the grids' rule (reduction/), time stepping (drive.c).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/formt.h"

static const double SF_FORMT_EDGE_MASS =
    1e-6; /* outer-layer mass fraction that stops a run (§4.5): the start's tail there is ~10⁻⁹
             (reduction/transport.c box rule), so 10⁻⁶ means mass has reached the box */

struct sf_formt {
    const sf_grid1 *g[3];           /* borrowed grids a, u, r */
    const sf_transport_problem *p;  /* borrowed tables */
    sf_fv_scheme scheme;            /* reconstruction and limiter */
    size_t n[3];                    /* cells per coordinate a, u, r */
    size_t stride[3];               /* index strides: nu·nr, nr, 1 */
    size_t size;                    /* na·nu·nr */
    double *lever;                  /* size: a_c ρ_c */
    double *vol;                    /* size: cell volumes */
    size_t *j0, *j1;                /* size: the two φ-cells of each cell's deposit */
    double *lam;                    /* size: weight of j1 (1 − lam on j0) */
    double *mass;                   /* n_phi: deposited M (workspace) */
    double *psi;                    /* n_phi: Ψ̂ at φ-centres (workspace) */
    double *V;                      /* size: cell potentials V_c (workspace) */
    double *vel;                    /* size: face velocities of one direction (workspace) */
    double *face;                   /* size: upwind face values of one direction (workspace) */
    char failure[256];              /* why the last rhs failed */
};

double sf_formt_edge_mass_default(void) { return SF_FORMT_EDGE_MASS; }

sf_status sf_formt_create(sf_ctx *ctx, const sf_grid1 *ga, const sf_grid1 *gu, const sf_grid1 *gr,
                          const sf_transport_problem *p, const sf_fv_scheme *scheme,
                          sf_formt **out)
{
    sf_status status = SF_OK;
    sf_formt *f = NULL;
    SF_CHECK(ctx, ga && gu && gr && p && scheme && out, SF_E_ARG, "sf_formt_create: NULL argument");
    SF_CHECK(ctx, ga->n >= 2 && gu->n >= 2 && gr->n >= 2, SF_E_ARG,
             "form T: grids of %zu, %zu, %zu cells: expected at least 2 each", ga->n, gu->n, gr->n);
    SF_CHECK(ctx, p->na == ga->n && p->nu == gu->n && p->nr == gr->n && p->n_phi >= 2, SF_E_ARG,
             "form T: grids of %zu×%zu×%zu cells but tables for %zu×%zu×%zu (n_phi = %zu)", ga->n,
             gu->n, gr->n, p->na, p->nu, p->nr, p->n_phi);
    SF_ALLOC(ctx, f, 1);
    f->g[0] = ga;
    f->g[1] = gu;
    f->g[2] = gr;
    f->p = p;
    f->scheme = *scheme;
    for (int x = 0; x < 3; x++) f->n[x] = f->g[x]->n;
    f->stride[2] = 1;
    f->stride[1] = f->n[2];
    f->stride[0] = f->n[1] * f->n[2];
    f->size = f->n[0] * f->stride[0];
    SF_ALLOC(ctx, f->lever, f->size);
    SF_ALLOC(ctx, f->vol, f->size);
    SF_ALLOC(ctx, f->j0, f->size);
    SF_ALLOC(ctx, f->j1, f->size);
    SF_ALLOC(ctx, f->lam, f->size);
    SF_ALLOC(ctx, f->mass, p->n_phi);
    SF_ALLOC(ctx, f->psi, p->n_phi);
    SF_ALLOC(ctx, f->V, f->size);
    SF_ALLOC(ctx, f->vel, f->size);
    SF_ALLOC(ctx, f->face, f->size);
    const double hphi = M_PI / (double)p->n_phi;
    for (size_t ia = 0; ia < f->n[0]; ia++)
        for (size_t iu = 0; iu < f->n[1]; iu++)
            for (size_t ir = 0; ir < f->n[2]; ir++) {
                size_t c = ia * f->stride[0] + iu * f->stride[1] + ir;
                double a = ga->centres[ia], u = gu->centres[iu], r = gr->centres[ir];
                f->lever[c] = a * hypot(u, r);
                f->vol[c] = ga->widths[ia] * gu->widths[iu] * gr->widths[ir];
                double x = atan2(r, u) / hphi - 0.5; /* position among the φ-centres */
                if (x <= 0.0) {
                    f->j0[c] = f->j1[c] = 0;
                    f->lam[c] = 0.0;
                } else if (x >= (double)(p->n_phi - 1)) {
                    f->j0[c] = f->j1[c] = p->n_phi - 1;
                    f->lam[c] = 0.0;
                } else {
                    size_t j = (size_t)x;
                    f->j0[c] = j;
                    f->j1[c] = j + 1;
                    f->lam[c] = x - (double)j;
                }
            }
    *out = f;
    return SF_OK;
cleanup:
    sf_formt_destroy(&f);
    return status;
}

void sf_formt_destroy(sf_formt **f)
{
    if (!f || !*f) return;
    sf_formt *x = *f;
    free(x->lever);
    free(x->vol);
    free(x->j0);
    free(x->j1);
    free(x->lam);
    free(x->mass);
    free(x->psi);
    free(x->V);
    free(x->vel);
    free(x->face);
    free(x);
    *f = NULL;
}

size_t sf_formt_size(const sf_formt *f) { return f->size; }
const char *sf_formt_failure(const sf_formt *f) { return f->failure; }

void sf_formt_initial(const sf_formt *f, double *y)
{
    for (size_t c = 0; c < f->size; c++) y[c] = f->p->n0[c];
}

/* Deposit (M16), Ψ̂ = K M − G (M13) on the φ-grid, and V_c = a_c ρ_c Ψ̂(φ_c). */
static void potential(sf_formt *f, const double *y)
{
    const size_t np = f->p->n_phi;
    for (size_t j = 0; j < np; j++) {
        f->mass[j] = 0.0;
        f->psi[j] = f->p->G[j];
    }
    for (size_t c = 0; c < f->size; c++) {
        double m = f->lever[c] * y[c] * f->vol[c];
        f->mass[f->j0[c]] += (1.0 - f->lam[c]) * m;
        f->mass[f->j1[c]] += f->lam[c] * m;
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)np, (int)np, 1.0, f->p->K, (int)np, f->mass, 1,
                -1.0, f->psi, 1);
    for (size_t c = 0; c < f->size; c++)
        f->V[c] = f->lever[c] * ((1.0 - f->lam[c]) * f->psi[f->j0[c]] + f->lam[c] * f->psi[f->j1[c]]);
}

void sf_formt_potential(sf_formt *f, const double *y, double *psi)
{
    potential(f, y);
    for (size_t j = 0; j < f->p->n_phi; j++) psi[j] = f->psi[j];
}

/* Face velocities and upwind face values along direction x for state y (after potential):
 * vel[c], face[c] belong to the face between c and c + e_x (unused for the last layer).
 * Lines of direction x: base = o·(n_x·s) + i, o < size/(n_x·s), i < s (s the stride). */
static void faces(sf_formt *f, const double *y, int x)
{
    const sf_grid1 *g = f->g[x];
    const size_t s = f->stride[x], nx = f->n[x], outer = f->size / (nx * s);
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < s; i++) {
            const size_t base = o * nx * s + i;
            for (size_t k = 0; k + 1 < nx; k++) {
                size_t c = base + k * s;
                f->vel[c] = -(f->V[c + s] - f->V[c]) / (g->centres[k + 1] - g->centres[k]);
            }
            sf_fv_face_values_strided(g, &f->scheme, y + base, s, f->vel + base, f->face + base);
        }
}

int sf_formt_rhs(double t, const double *y, double *ydot, void *self)
{
    (void)t;
    sf_formt *f = self;
    potential(f, y);
    for (size_t j = 0; j < f->p->n_phi; j++) {
        if (!isfinite(f->psi[j])) {
            snprintf(f->failure, sizeof f->failure,
                     "form T: potential is not finite at phi-cell %zu (phi = %g)", j,
                     M_PI * ((double)j + 0.5) / (double)f->p->n_phi);
            return -1;
        }
    }
    for (size_t c = 0; c < f->size; c++) ydot[c] = 0.0;
    for (int x = 0; x < 3; x++) {
        const sf_grid1 *g = f->g[x];
        const size_t s = f->stride[x], nx = f->n[x], outer = f->size / (nx * s);
        faces(f, y, x);
        for (size_t o = 0; o < outer; o++)
            for (size_t i = 0; i < s; i++) {
                const size_t base = o * nx * s + i;
                for (size_t k = 0; k + 1 < nx; k++) { /* interior faces; outer ones carry 0 */
                    size_t c = base + k * s;
                    double flux = f->vel[c] * f->face[c];
                    ydot[c] -= flux / g->widths[k];
                    ydot[c + s] += flux / g->widths[k + 1];
                }
            }
    }
    return 0;
}

void sf_formt_diagnose(sf_formt *f, const double *y, sf_formt_diag *d)
{
    potential(f, y);
    double risk = 0.0, mass = 0.0, bal = 0.0, w = 0.0, m11 = 0.0, s2 = 0.0, nmin = INFINITY;
    for (size_t j = 0; j < f->p->n_phi; j++) risk += 0.5 * (f->psi[j] - f->p->G[j]) * f->mass[j];
    for (size_t ia = 0; ia < f->n[0]; ia++)
        for (size_t iu = 0; iu < f->n[1]; iu++)
            for (size_t ir = 0; ir < f->n[2]; ir++) {
                size_t c = ia * f->stride[0] + iu * f->stride[1] + ir;
                double a = f->g[0]->centres[ia], u = f->g[1]->centres[iu], r = f->g[2]->centres[ir];
                double m = y[c] * f->vol[c];
                mass += m;
                bal += (a * a - u * u - r * r) * m;
                w += 0.5 * a * u * m;
                m11 += u * u * m;
                s2 += a * a * m;
                nmin = fmin(nmin, y[c]);
            }
    double diss = 0.0;
    for (int x = 0; x < 3; x++) {
        const sf_grid1 *g = f->g[x];
        const size_t s = f->stride[x], nx = f->n[x], outer = f->size / (nx * s);
        faces(f, y, x);
        for (size_t o = 0; o < outer; o++)
            for (size_t i = 0; i < s; i++)
                for (size_t k = 0; k + 1 < nx; k++) {
                    size_t c = o * nx * s + i + k * s;
                    double area = f->vol[c] / g->widths[k];
                    double v = f->vel[c];
                    diss += (g->centres[k + 1] - g->centres[k]) * area * f->face[c] * v * v;
                }
    }
    d->risk = risk + f->p->risk_const;
    d->mass = mass;
    d->balance = bal;
    d->dissipation = diss;
    d->w = w;
    d->m11 = m11;
    d->s = s2;
    d->density_min = nmin;
}

void sf_formt_marginals(const sf_formt *f, const double *y, double *ma, double *mu, double *mr)
{
    const sf_grid1 *ga = f->g[0], *gu = f->g[1], *gr = f->g[2];
    for (size_t i = 0; i < f->n[0]; i++) ma[i] = 0.0;
    for (size_t i = 0; i < f->n[1]; i++) mu[i] = 0.0;
    for (size_t i = 0; i < f->n[2]; i++) mr[i] = 0.0;
    for (size_t ia = 0; ia < f->n[0]; ia++)
        for (size_t iu = 0; iu < f->n[1]; iu++)
            for (size_t ir = 0; ir < f->n[2]; ir++) {
                double m = y[ia * f->stride[0] + iu * f->stride[1] + ir] *
                           ga->widths[ia] * gu->widths[iu] * gr->widths[ir];
                ma[ia] += m;
                mu[iu] += m;
                mr[ir] += m;
            }
    for (size_t i = 0; i < f->n[0]; i++) ma[i] /= ga->widths[i];
    for (size_t i = 0; i < f->n[1]; i++) mu[i] /= gu->widths[i];
    for (size_t i = 0; i < f->n[2]; i++) mr[i] /= gr->widths[i];
}

/* Mass in the layer i_x = layer of direction x. */
static double layer_mass(const sf_formt *f, const double *y, int x, size_t layer)
{
    const size_t s = f->stride[x], nx = f->n[x], outer = f->size / (nx * s);
    double m = 0.0;
    for (size_t o = 0; o < outer; o++)
        for (size_t i = 0; i < s; i++) {
            size_t c = o * nx * s + i + layer * s;
            m += y[c] * f->vol[c];
        }
    return m;
}

/* §4.5 */
sf_status sf_formt_check_edges(sf_ctx *ctx, const sf_formt *f, const double *y, double t,
                               double tol)
{
    sf_status status = SF_OK;
    static const char *const names[3] = {"a", "u", "r"};
    double total = 0.0, worst = -1.0, where = 0.0;
    int wx = 0;
    for (size_t c = 0; c < f->size; c++) total += y[c] * f->vol[c];
    for (int x = 0; x < 3; x++) {
        for (int side = 0; side < 2; side++) {
            if (x == 2 && side == 0) continue; /* r = 0 reflects (§4.5): not an outer face */
            size_t layer = side ? f->n[x] - 1 : 0;
            double frac = layer_mass(f, y, x, layer) / total;
            if (frac > worst) {
                worst = frac;
                wx = x;
                where = side ? f->g[x]->edges[f->n[x]] : f->g[x]->edges[0];
            }
        }
    }
    SF_CHECK(ctx, worst <= tol, SF_E_DOMAIN,
             "domain too small: %.3g %% of the mass within one cell of %s = %+g at t = %g "
             "(threshold %.3g %%; box a in ±%g, u in ±%g, r ≤ %g: enlarge it with grid.margin "
             "or end earlier with time.end)",
             100.0 * worst, names[wx], where, t, 100.0 * tol, f->g[0]->edges[f->n[0]],
             f->g[1]->edges[f->n[1]], f->g[2]->edges[f->n[2]]);
cleanup:
    return status;
}

/* ---- the form interface ---------------------------------------------------------------- */

enum { SF_T_N_SERIES = 6, SF_T_N_FIELDS = 4, SF_T_N_ATTRS = 7 };

/* Mass fraction a box may leave out (sf_formt_form_extent): a tenth of the outer-layer
 * fraction that stops a run (§4.5), so a box sized from it does not trip it. */
static const double SF_T_TAIL = 1e-7;

static const sf_nc_series sf_t_series[SF_T_N_SERIES] = {
    {"risk", "population risk R (M2), by (M14) on the discrete potential", "1"},
    {"mass", "total mass of the density (I1)", "1"},
    {"balance", "integral of (a^2 - u^2 - r^2) times the density (I3)", "1"},
    {"dissipation", "-dR/dt from the discrete (I2) identity", "1"},
    {"w", "predictor coefficient along e_1: half the integral of a u times the density (M8)", "1"},
    {"density_min", "minimum cell density", "1"},
};
static const sf_series_role sf_t_roles[SF_T_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_CONSERVED, SF_SERIES_CONSERVED,
    SF_SERIES_PLAIN, SF_SERIES_PLAIN,     SF_SERIES_MINIMUM,
};
/* Mass (I1) holds to rounding (docs/architecture.md), scaled by itself. */
static const unsigned sf_t_exact[SF_T_N_SERIES] = {0, 1u << 1};
static const sf_nc_field sf_t_fields[SF_T_N_FIELDS + 1] = {
    {"density", "density n of neurons in (a, u, r) (M16)", "1", 3, {0, 1, 2}},
    {"density_a", "marginal density of n in a", "1", 1, {0}},
    {"density_u", "marginal density of n in u", "1", 1, {1}},
    {"density_r", "marginal density of n in r", "1", 1, {2}},
    {"probe_f", "predictor f(x) on the probe lines x_H = probe_u e_1, |x_perp| = probe_rho (L7)",
     "1", 2, {3, 4}},
};

typedef struct {
    sf_formt *f;                    /* the discretisation (owned) */
    double edge;                    /* monitor threshold */
    double *marg[3];                /* marginals in a, u, r (owned) */
    double extent[3];               /* max extents over observed outputs */
    sf_nc_coord coords[5];          /* the file's coordinates; probe_u, probe_rho */
    size_t n_coords;                /* 3, or 5 with the probe lines */
    sf_probe_table probe;           /* the probe lines of (L7) on (u, r) (owned; n_u = 0: none) */
    double *moment;                 /* n_u·n_r: a-moment Σ_a a n w_a w_u w_r per (u, r) cell */
    double *probe_f;                /* n_u·n_rho of the probe: f on the probe lines (owned) */
    char scheme[128];               /* scheme attribute text */
    sf_nc_attr attrs[SF_T_N_ATTRS]; /* form attributes */
} formt_form;

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

static size_t t_size(const void *self) { return sf_formt_size(((const formt_form *)self)->f); }
static void t_initial(const void *self, double *y) { sf_formt_initial(((const formt_form *)self)->f, y); }
static int t_rhs(double t, const double *y, double *ydot, void *self)
{
    return sf_formt_rhs(t, y, ydot, ((formt_form *)self)->f);
}
static const char *t_failure(const void *self) { return sf_formt_failure(((const formt_form *)self)->f); }

static void t_file(const void *self, sf_form_file *ff)
{
    const formt_form *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_FIELD, .roles = sf_t_roles, .exact = sf_t_exact};
    ff->field = (sf_nc_layout){
        .title = "symflow field: form T density n(a, u, r) of a d_H = 1 problem",
        .coords = x->coords, .n_coords = x->n_coords, .fields = sf_t_fields,
        .n_fields = x->n_coords > 3 ? SF_T_N_FIELDS + 1 : SF_T_N_FIELDS,
        .series = sf_t_series, .n_series = SF_T_N_SERIES, .attrs = x->attrs,
        .n_attrs = SF_T_N_ATTRS};
}

static sf_status t_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    sf_status status = SF_OK;
    formt_form *x = self;
    sf_formt_diag d;
    sf_formt_diagnose(x->f, y, &d);
    SF_TRY(ctx, sf_formt_check_edges(ctx, x->f, y, t, x->edge));
    sf_formt_marginals(x->f, y, x->marg[0], x->marg[1], x->marg[2]);
    for (int k = 0; k < 3; k++)
        x->extent[k] = fmax(x->extent[k], extent_of(x->f->g[k], x->marg[k], k < 2, SF_T_TAIL));
    const double v[SF_T_N_SERIES] = {d.risk, d.mass, d.balance, d.dissipation, d.w, d.density_min};
    memcpy(o->series, v, sizeof v);
    o->fields[0] = y;
    for (int k = 0; k < 3; k++) o->fields[1 + k] = x->marg[k];
    if (x->probe.n_u > 0) { /* (L7): f = P · A, A the a-moment per (u, r) cell */
        const sf_grid1 *ga = x->f->g[0], *gu = x->f->g[1], *gr = x->f->g[2];
        const size_t nur = gu->n * gr->n;
        memset(x->moment, 0, nur * sizeof *x->moment);
        for (size_t ia = 0; ia < ga->n; ia++) {
            const double aw = ga->centres[ia] * ga->widths[ia]; /* ∫_cell a da, exact */
            for (size_t iu = 0; iu < gu->n; iu++)
                for (size_t ir = 0; ir < gr->n; ir++)
                    x->moment[iu * gr->n + ir] += aw * y[(ia * gu->n + iu) * gr->n + ir];
        }
        for (size_t iu = 0; iu < gu->n; iu++)
            for (size_t ir = 0; ir < gr->n; ir++)
                x->moment[iu * gr->n + ir] *= gu->widths[iu] * gr->widths[ir];
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)(x->probe.n_u * x->probe.n_rho), (int)nur,
                    1.0, x->probe.P, (int)nur, x->moment, 1, 0.0, x->probe_f, 1);
        o->fields[4] = x->probe_f;
    }
cleanup:
    return status;
}

static void t_destroy(void *self)
{
    formt_form *x = self;
    if (!x) return;
    sf_formt_destroy(&x->f);
    for (int k = 0; k < 3; k++) free(x->marg[k]);
    sf_probe_table_free(&x->probe);
    free(x->moment);
    free(x->probe_f);
    free(x);
}

/* Resume: the state is the stored density n(a, u, r) itself. */
static sf_status t_restore(sf_ctx *ctx, void *self, const double *const *fields,
                           const double *last, const double *first, double *y)
{
    (void)ctx;
    (void)last;
    (void)first;
    const formt_form *x = self;
    memcpy(y, fields[0], sf_formt_size(x->f) * sizeof *y);
    return SF_OK;
}

static const sf_form_ops sf_formt_ops = {
    .name = "transport", .size = t_size, .initial = t_initial, .rhs = t_rhs, .advance = NULL,
    .stats = NULL, .file = t_file, .observe = t_observe, .failure = t_failure, .destroy = t_destroy,
    .restore = t_restore,
};

void sf_formt_form_extent(const sf_form *f, double extent[3])
{
    const formt_form *x = f && f->ops == &sf_formt_ops ? f->self : NULL;
    for (int k = 0; k < 3; k++) extent[k] = x ? x->extent[k] : NAN;
}

sf_status sf_formt_form(sf_ctx *ctx, const sf_formt_form_params *fp, sf_form *out)
{
    sf_status status = SF_OK;
    formt_form *x = NULL;
    SF_CHECK(ctx, fp && fp->ga && fp->gu && fp->gr && fp->p && out, SF_E_ARG,
             "sf_formt_form: NULL argument");
    SF_ALLOC(ctx, x, 1);
    SF_TRY(ctx, sf_formt_create(ctx, fp->ga, fp->gu, fp->gr, fp->p, &fp->scheme, &x->f));
    x->edge = fp->edge_mass > 0.0 ? fp->edge_mass : SF_FORMT_EDGE_MASS;
    const sf_grid1 *g[3] = {fp->ga, fp->gu, fp->gr};
    const sf_coord_id ids[3] = {SF_COORD_A, SF_COORD_U, SF_COORD_R};
    for (int k = 0; k < 3; k++) {
        SF_ALLOC(ctx, x->marg[k], g[k]->n);
        const sf_coord *c = sf_coord_get(ids[k]);
        x->coords[k] = (sf_nc_coord){c->name, c->long_name, c->units, g[k]->n, g[k]->centres,
                                     g[k]->edges};
    }
    x->n_coords = 3;
    if (fp->probe && fp->probe->n_u > 0) { /* move the table in (L7): points, no cells */
        SF_CHECK(ctx, fp->probe->n == fp->gu->n * fp->gr->n, SF_E_ARG,
                 "sf_formt_form: probe table of %zu (u, r) cells, the grids have %zu",
                 fp->probe->n, fp->gu->n * fp->gr->n);
        x->probe = *fp->probe;
        *fp->probe = (sf_probe_table){.n_u = 0};
        SF_ALLOC(ctx, x->moment, x->probe.n);
        SF_ALLOC(ctx, x->probe_f, x->probe.n_u * x->probe.n_rho);
        x->coords[3] = (sf_nc_coord){"probe_u", "probe line: x_H = probe_u e_1", "1",
                                     x->probe.n_u, x->probe.u, NULL};
        x->coords[4] = (sf_nc_coord){"probe_rho", "probe line: |x_perp| = probe_rho", "1",
                                     x->probe.n_rho, x->probe.rho, NULL};
        x->n_coords = 5;
    }
    char recon[48];
    sf_fv_scheme_text(&fp->scheme, recon, sizeof recon);
    snprintf(x->scheme, sizeof x->scheme,
             "finite volumes on (a, u, r), %s, centred potential differences", recon);
    const sf_nc_attr attrs[SF_T_N_ATTRS] = {
        {"group", SF_NC_ATTR_TEXT, "O(k)", 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, x->scheme, 0, 0},
        {"reconstruction", SF_NC_ATTR_TEXT, sf_name_of(&sf_recon_names, (int)fp->scheme.reconstruction), 0, 0},
        {"limiter", SF_NC_ATTR_TEXT, sf_name_of(&sf_limiter_names, (int)fp->scheme.limiter), 0, 0},
        {"n_phi", SF_NC_ATTR_INT, NULL, 0, (long)fp->p->n_phi},
        {"edge_mass", SF_NC_ATTR_DOUBLE, NULL, x->edge, 0},
        {"risk_const", SF_NC_ATTR_DOUBLE, NULL, fp->p->risk_const, 0},
    };
    memcpy(x->attrs, attrs, sizeof attrs);
    *out = (sf_form){&sf_formt_ops, x};
    return SF_OK;
cleanup:
    t_destroy(x);
    return status;
}

sf_formt *sf_formt_of(const sf_form *f)
{
    return f && f->ops == &sf_formt_ops ? ((formt_form *)f->self)->f : NULL;
}

const sf_transport_problem *sf_formt_tables(const sf_formt *f) { return f->p; }
