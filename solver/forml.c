/* forml.c — form L (M15) by finite volumes on a 1-D reduced sphere, with its diagnostics
 * (L1), (L2), (M14) and those of MATH.md §6.
 *
 * Discretisation (MATH §5). Cell masses T_i^ε = w_i τ_i^ε; signed mass M_i = T_i⁺ − T_i⁻;
 * potential at centres Ψ_i = Σ_j K_ij M_j − G_i (M13): one dense matrix–vector product, O(n²),
 * or with the factored kernel K = B Bᵀ of (L8) two thin ones, O(n r);
 * at the interior face f between cells f, f+1 the gradient g_f = (Ψ_{f+1} − Ψ_f)/h_f
 * (h_f = distance of the centres) and the velocity v_f^ε = −ε g_f; flux F_f^ε = v_f^ε τ̃_f^ε
 * with τ̃ the upwind (MUSCL-limited) face value; zero flux at both ends (§4.5);
 * reaction −2εΨ_i τ_i^ε cell-centred.
 * Why centred differences of Ψ rather than ∂K̂ at the faces: with them, since K is
 * symmetric, dR/dt = Σ_i Ψ_i dM_i/dt = −Σ_f h_f g_f² (τ̃_f⁺ + τ̃_f⁻) − 2 Σ_i Ψ_i² (T_i⁺ + T_i⁻)
 * exactly (summation by parts; K = B Bᵀ is symmetric too), the discrete (L2): R decreases for every limiter and grid,
 * and the reported dissipation is exactly −dR/dt of the semi-discrete system. Both
 * choices are second order on smooth grids.
 * Positivity without constraints (docs/ §5): a cell at τ_i = 0 whose neighbours are ≥ 0 has a
 * zero limited slope, so its upwind outflow is 0; inflows are ≥ 0; the reaction −2εΨ̂τ_i
 * vanishes with τ_i. Hence the semi-discrete flow keeps τ ≥ 0, and only CVODE's local error
 * (≲ atol) can make a cell slightly negative; min τ is reported, never corrected.
 * The form interface (form.h) is at the end: layout of the field file, observation (with
 * Ψ̂ and the predictor on the probe lines of (L7), one product with reduction/probe.c's table).
 * The preconditioner of method bdf (L12): banded I − γJ₀ of the first-order upwind transport
 * and the reaction with Ψ̂ frozen, Thomas algorithm (sf_forml_psetup / sf_forml_psolve).
 * Not here: the kernels (reduction/), time integration (drive.c, cvode.c).
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/forml.h"

struct sf_forml {
    const sf_grid1 *g;          /* borrowed grid */
    const sf_lifted_problem *p; /* borrowed tables */
    sf_fv_scheme scheme;        /* reconstruction and limiter */
    sf_coord_id coord;          /* θ or φ: the aligned set of the W₂ distances (coord.h) */
    size_t n;                   /* cells */
    double *mass;               /* n: signed cell masses M (workspace) */
    double *psi;                /* n: potential at centres (workspace) */
    double *coef;               /* rank: Bᵀ M of the factored kernel (L8) (workspace) */
    double *grad;               /* n−1: face gradients g_f (workspace) */
    double *vel;                /* n−1: face velocities (workspace) */
    double *face;               /* n−1: upwind face values (workspace) */
    double *sin2;               /* n: cell averages of sin² (alignment) */
    double *dist2_aligned;      /* n: cell averages of dist(x, aligned set)² */
    double *dist2_orth;         /* n: cell averages of dist(x, orthogonal set)² */
    double *jac;                /* 8n: the preconditioner's J₀ (L12), per sign s at jac + 4ns:
                                   sub-, main, super-diagonal, ∂(dQ^ε/dt)/∂τ_i (n each) */
    double *fac;                /* 6n: Thomas factors of I − γJ₀, per sign at fac + 3ns:
                                   sub-diagonal, 1/pivot, modified super-diagonal (n each) */
    double fac_gamma;           /* γ of the factors */
    char failure[256];          /* why the last rhs failed */
};

/* ∫_a^b (x − x0)² dx */
static double sq_integral(double a, double b, double x0)
{
    return (pow(b - x0, 3) - pow(a - x0, 3)) / 3.0;
}

/* Cell average of the squared distance to a set of points on [a, b]: the nearest point of
 * `pts` changes at their midpoints, which are split exactly. */
static double dist2_average(double a, double b, const double *pts, size_t npts)
{
    double total = 0.0, x = a;
    while (x < b) {
        size_t best = 0;
        for (size_t k = 1; k < npts; k++)
            if (fabs(x - pts[k]) < fabs(x - pts[best])) best = k;
        double end = b; /* next switch point after x */
        for (size_t k = 0; k < npts; k++) {
            double mid = 0.5 * (pts[k] + pts[best]);
            if (k != best && mid > x && mid < end) end = mid;
        }
        total += sq_integral(x, end, pts[best]);
        x = end;
    }
    return total / (b - a);
}

sf_status sf_forml_create(sf_ctx *ctx, const sf_grid1 *g, const sf_lifted_problem *p,
                          const sf_fv_scheme *scheme, sf_coord_id coord, sf_forml **out)
{
    sf_status status = SF_OK;
    sf_forml *f = NULL;
    SF_CHECK(ctx, g && p && scheme && out, SF_E_ARG, "sf_forml_create: NULL argument");
    SF_CHECK(ctx, g->n >= 2 && p->n == g->n, SF_E_ARG,
             "form L: grid has %zu cells but the tables %zu", g->n, p->n);
    SF_ALLOC(ctx, f, 1);
    f->g = g;
    f->p = p;
    f->scheme = *scheme;
    f->coord = coord;
    f->n = g->n;
    SF_ALLOC(ctx, f->mass, f->n);
    SF_ALLOC(ctx, f->psi, f->n);
    SF_ALLOC(ctx, f->coef, p->B ? p->rank : 1);
    SF_ALLOC(ctx, f->grad, f->n);
    SF_ALLOC(ctx, f->vel, f->n);
    SF_ALLOC(ctx, f->face, f->n);
    SF_ALLOC(ctx, f->sin2, f->n);
    SF_ALLOC(ctx, f->dist2_aligned, f->n);
    SF_ALLOC(ctx, f->dist2_orth, f->n);
    SF_ALLOC(ctx, f->jac, 8 * f->n);
    SF_ALLOC(ctx, f->fac, 6 * f->n);
    const double half_pi = 0.5 * M_PI;
    const double aligned_radial[] = {0.0}, orth_radial[] = {half_pi};
    const double aligned_circle[] = {0.0, M_PI}, orth_circle[] = {half_pi};
    const int radial = sf_coord_get(coord)->aligned_points == 1; /* θ: {0}; φ: {0, π} */
    for (size_t i = 0; i < f->n; i++) {
        double a = g->edges[i], b = g->edges[i + 1];
        /* ∫ sin² = (x − sin x cos x)/2 */
        f->sin2[i] = ((b - sin(b) * cos(b)) - (a - sin(a) * cos(a))) / (2.0 * (b - a));
        f->dist2_aligned[i] = dist2_average(a, b, radial ? aligned_radial : aligned_circle,
                                            radial ? 1 : 2);
        f->dist2_orth[i] = dist2_average(a, b, radial ? orth_radial : orth_circle, 1);
    }
    *out = f;
    return SF_OK;
cleanup:
    sf_forml_destroy(&f);
    return status;
}

void sf_forml_destroy(sf_forml **f)
{
    if (!f || !*f) return;
    sf_forml *x = *f;
    free(x->mass);
    free(x->psi);
    free(x->coef);
    free(x->grad);
    free(x->vel);
    free(x->face);
    free(x->sin2);
    free(x->dist2_aligned);
    free(x->dist2_orth);
    free(x->jac);
    free(x->fac);
    free(x);
    *f = NULL;
}

size_t sf_forml_size(const sf_forml *f) { return 2 * f->n + 2; }
const char *sf_forml_failure(const sf_forml *f) { return f->failure; }

void sf_forml_initial(const sf_forml *f, double *y)
{
    for (size_t i = 0; i < f->n; i++) {
        y[i] = f->p->tau0_plus[i] / f->g->widths[i];
        y[f->n + i] = f->p->tau0_minus[i] / f->g->widths[i];
    }
    y[2 * f->n] = 0.0;
    y[2 * f->n + 1] = 0.0;
}

/* (M13): Ψ = K M − G at the centres, and the face gradients. */
static void potential(sf_forml *f, const double *y)
{
    const size_t n = f->n;
    const double *w = f->g->widths, *c = f->g->centres;
    for (size_t i = 0; i < n; i++) {
        f->mass[i] = w[i] * (y[i] - y[n + i]);
        f->psi[i] = f->p->G[i];
    }
    if (f->p->B) {
        /* (L8): Ψ = B (Bᵀ M) − G, O(n r), in plain loops: the sums run in one fixed order
         * whatever the BLAS thread count (a threaded Bᵀ M splits its n-term sums, and the
         * rounding then depends on the threads: measured 2e-8 in R(100) of paper-norm) */
        const size_t r = f->p->rank;
        const double *B = f->p->B;
        for (size_t q = 0; q < r; q++) f->coef[q] = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double mi = f->mass[i], *row = B + i * r;
            for (size_t q = 0; q < r; q++) f->coef[q] += row[q] * mi;
        }
        for (size_t i = 0; i < n; i++) {
            const double *row = B + i * r;
            double v = 0.0;
            for (size_t q = 0; q < r; q++) v += row[q] * f->coef[q];
            f->psi[i] = v - f->psi[i];
        }
    } else {
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, f->p->K, (int)n, f->mass,
                    1, -1.0, f->psi, 1);
    }
    for (size_t k = 0; k + 1 < n; k++) f->grad[k] = (f->psi[k + 1] - f->psi[k]) / (c[k + 1] - c[k]);
}

void sf_forml_potential(sf_forml *f, const double *y, double *psi)
{
    potential(f, y);
    for (size_t i = 0; i < f->n; i++) psi[i] = f->psi[i];
}

int sf_forml_rhs(double t, const double *y, double *ydot, void *self)
{
    (void)t;
    sf_forml *f = self;
    const size_t n = f->n;
    const double *w = f->g->widths;
    potential(f, y);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(f->psi[i])) {
            snprintf(f->failure, sizeof f->failure,
                     "form L: potential is not finite in cell %zu (x = %g)", i, f->g->centres[i]);
            return -1;
        }
    }
    for (int s = 0; s < 2; s++) {
        const double eps = s == 0 ? 1.0 : -1.0;
        const double *tau = y + (size_t)s * n;
        double *dtau = ydot + (size_t)s * n;
        for (size_t k = 0; k + 1 < n; k++) f->vel[k] = -eps * f->grad[k];
        sf_fv_face_values(f->g, &f->scheme, tau, f->vel, f->face);
        double reaction = 0.0;
        for (size_t i = 0; i < n; i++) {
            double flux_out = i + 1 < n ? f->vel[i] * f->face[i] : 0.0; /* zero flux at ends (§4.5) */
            double flux_in = i > 0 ? f->vel[i - 1] * f->face[i - 1] : 0.0;
            double react = -2.0 * eps * f->psi[i] * tau[i];
            dtau[i] = -(flux_out - flux_in) / w[i] + react;
            reaction += react * w[i];
        }
        ydot[2 * n + (size_t)s] = reaction; /* (L1): dQ^ε/dt */
    }
    return 0;
}

/* (L12) J₀ at y: first-order upwind fluxes F_f = max(v_f, 0) τ_f + min(v_f, 0) τ_{f+1} with
 * the velocities v_f = −ε g_f frozen, zero flux at both ends, reaction −2εΨ̂_i τ_i with Ψ̂
 * frozen; dQ^ε/dt = Σ_i −2εΨ̂_i w_i τ_i. Returns 1 if Ψ̂ is not finite. */
static int precond_jacobian(sf_forml *f, const double *y)
{
    const size_t n = f->n;
    const double *w = f->g->widths;
    potential(f, y);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(f->psi[i])) return 1;
    for (int s = 0; s < 2; s++) {
        const double eps = s == 0 ? 1.0 : -1.0;
        double *lo = f->jac + 4 * n * (size_t)s, *di = lo + n, *up = di + n, *q = up + n;
        for (size_t i = 0; i < n; i++) {
            const double vl = i > 0 ? -eps * f->grad[i - 1] : 0.0;  /* face i−1/2 */
            const double vr = i + 1 < n ? -eps * f->grad[i] : 0.0; /* face i+1/2 */
            lo[i] = fmax(vl, 0.0) / w[i];
            up[i] = -fmin(vr, 0.0) / w[i];
            di[i] = (fmin(vl, 0.0) - fmax(vr, 0.0)) / w[i] - 2.0 * eps * f->psi[i];
            q[i] = -2.0 * eps * f->psi[i] * w[i];
        }
    }
    return 0;
}

/* Thomas factors of I − γJ₀ (no pivoting: the transport part of I − γJ₀ is an M-matrix,
 * column-dominant in the cell masses, and stays so with the reaction where 1 + 2γεΨ̂_i > 0;
 * beyond, in growing cells at large γ, the pivots may change sign, which LU without pivoting
 * allows). Returns 1 on a pivot that vanishes to rounding or is not finite. */
static int precond_factor(sf_forml *f, double gamma)
{
    const size_t n = f->n;
    for (int s = 0; s < 2; s++) {
        const double *lo = f->jac + 4 * n * (size_t)s, *di = lo + n, *up = di + n;
        double *a = f->fac + 3 * n * (size_t)s, *inv = a + n, *cp = inv + n;
        double prev = 0.0; /* c′_{i−1} */
        for (size_t i = 0; i < n; i++) {
            a[i] = -gamma * lo[i];
            const double pivot = 1.0 - gamma * di[i] - a[i] * prev;
            const double scale = 1.0 + gamma * (fabs(di[i]) + lo[i] + up[i]);
            if (!(fabs(pivot) > DBL_EPSILON * scale) || !isfinite(pivot)) return 1;
            inv[i] = 1.0 / pivot;
            cp[i] = -gamma * up[i] * inv[i];
            prev = cp[i];
        }
    }
    f->fac_gamma = gamma;
    return 0;
}

int sf_forml_psetup(double t, const double *y, int jok, int *jcur, double gamma, void *self)
{
    (void)t;
    sf_forml *f = self;
    *jcur = 0;
    if (!jok) {
        if (precond_jacobian(f, y)) return 1;
        *jcur = 1;
    }
    return precond_factor(f, gamma);
}

int sf_forml_psolve(double t, const double *y, const double *r, double *z, double gamma,
                    void *self)
{
    (void)t;
    (void)y;
    (void)gamma; /* the factors keep the setup's γ (CVODE scales for the γ ratio) */
    sf_forml *f = self;
    const size_t n = f->n;
    const double g = f->fac_gamma;
    for (int s = 0; s < 2; s++) {
        const double *a = f->fac + 3 * n * (size_t)s, *inv = a + n, *cp = inv + n;
        const double *q = f->jac + 4 * n * (size_t)s + 3 * n;
        const double *rs = r + n * (size_t)s;
        double *zs = z + n * (size_t)s;
        double prev = 0.0;
        for (size_t i = 0; i < n; i++) zs[i] = prev = (rs[i] - a[i] * prev) * inv[i];
        for (size_t i = n - 1; i-- > 0;) zs[i] -= cp[i] * zs[i + 1];
        double dq = 0.0; /* row Q^ε of P: z_Q − γ Σ q_i z_i = r_Q */
        for (size_t i = 0; i < n; i++) dq += q[i] * zs[i];
        z[2 * n + (size_t)s] = r[2 * n + (size_t)s] + g * dq;
    }
    return 0;
}

void sf_forml_diagnose(sf_forml *f, const double *y, const double *y0, sf_forml_diag *d)
{
    const size_t n = f->n;
    const double *w = f->g->widths, *c = f->g->centres;
    potential(f, y);
    double risk = 0.0, diss_react = 0.0, diss_transport = 0.0;
    double mass[2] = {0.0, 0.0}, mass0[2] = {0.0, 0.0};
    double align = 0.0, d2a = 0.0, d2o = 0.0, tmin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double tp = y[i], tm = y[n + i];
        risk += 0.5 * (f->psi[i] - f->p->G[i]) * f->mass[i];
        mass[0] += w[i] * tp;
        mass[1] += w[i] * tm;
        mass0[0] += w[i] * y0[i];
        mass0[1] += w[i] * y0[n + i];
        diss_react += 2.0 * f->psi[i] * f->psi[i] * w[i] * (tp + tm);
        align += f->sin2[i] * w[i] * (tp + tm);
        d2a += f->dist2_aligned[i] * w[i] * tp;
        d2o += f->dist2_orth[i] * w[i] * tm;
        tmin = fmin(tmin, fmin(tp, tm));
    }
    for (int s = 0; s < 2; s++) {
        const double eps = s == 0 ? 1.0 : -1.0;
        for (size_t k = 0; k + 1 < n; k++) f->vel[k] = -eps * f->grad[k];
        sf_fv_face_values(f->g, &f->scheme, y + (size_t)s * n, f->vel, f->face);
        for (size_t k = 0; k + 1 < n; k++)
            diss_transport += (c[k + 1] - c[k]) * f->grad[k] * f->grad[k] * f->face[k];
    }
    double q[2] = {y[2 * n], y[2 * n + 1]};
    d->risk = risk + f->p->risk_const;
    d->mass_plus = mass[0];
    d->mass_minus = mass[1];
    d->balance = fmax(fabs(mass[0] - mass0[0] - q[0]), fabs(mass[1] - mass0[1] - q[1]));
    d->reaction = fmax(fabs(q[0]), fabs(q[1]));
    d->dissipation = diss_transport + diss_react;
    double total = mass[0] + mass[1];
    d->alignment = total > 0.0 ? align / total : NAN;
    d->w2_plus = mass[0] > 0.0 ? sqrt(d2a / mass[0]) : NAN;
    d->w2_minus = mass[1] > 0.0 ? sqrt(d2o / mass[1]) : NAN;
    d->tau_min = tmin;
}

/* ---- the form interface ---------------------------------------------------------------- */

enum { SF_L_N_SERIES = 9, SF_L_N_ATTRS = 7 };

static const sf_nc_series sf_l_series[SF_L_N_SERIES] = {
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
static const sf_series_role sf_l_roles[SF_L_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MAXIMUM, SF_SERIES_PLAIN,
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MINIMUM,
};
/* (L1) holds to rounding (docs/architecture.md), scaled by the larger of the two masses. */
static const unsigned sf_l_exact[SF_L_N_SERIES] = {0, 0, 0, (1u << 1) | (1u << 2)};
static const sf_nc_field sf_l_fields[4] = {
    {"tau_plus", "lifted density of positive neurons tau_plus (M15)", "1/rad", 1, {0}},
    {"tau_minus", "lifted density of negative neurons tau_minus (M15)", "1/rad", 1, {0}},
    {"psi_hat", "potential Psi_hat on the reduced sphere at the cell centres (M13)", "1", 1, {0}},
    {"probe_f", "predictor f(x) on the probe lines x_H = probe_u, |x_perp| = probe_rho (L7)", "1",
     2, {1, 2}},
};

typedef struct {
    sf_forml *f;                      /* the discretisation (owned) */
    double *y0;                       /* initial state, for (L1) (owned) */
    sf_nc_coord coord[3];             /* the coordinate of the file; probe_u, probe_rho */
    size_t n_coords;                  /* 1, or 3 with the probe lines */
    sf_probe_table probe;             /* the probe lines of (L7) (owned; n_u = 0: none) */
    double *psi_hat;                  /* n: Ψ̂ at the output (owned) */
    double *probe_f;                  /* n_u·n_rho: f on the probe lines (owned) */
    double *signed_mass;              /* n: w_i (τ⁺_i − τ⁻_i) (owned) */
    char scheme[96];                  /* scheme attribute text */
    sf_nc_attr attrs[SF_L_N_ATTRS];   /* form attributes */
    size_t n_attrs;
} forml_form;

static size_t l_size(const void *self) { return sf_forml_size(((const forml_form *)self)->f); }
static void l_initial(const void *self, double *y) { sf_forml_initial(((const forml_form *)self)->f, y); }
static int l_rhs(double t, const double *y, double *ydot, void *self)
{
    return sf_forml_rhs(t, y, ydot, ((forml_form *)self)->f);
}
static int l_psetup(double t, const double *y, int jok, int *jcur, double gamma, void *self)
{
    return sf_forml_psetup(t, y, jok, jcur, gamma, ((forml_form *)self)->f);
}
static int l_psolve(double t, const double *y, const double *r, double *z, double gamma,
                    void *self)
{
    return sf_forml_psolve(t, y, r, z, gamma, ((forml_form *)self)->f);
}
static const char *l_failure(const void *self) { return sf_forml_failure(((const forml_form *)self)->f); }

static void l_file(const void *self, sf_form_file *ff)
{
    const forml_form *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_FIELD, .roles = sf_l_roles, .exact = sf_l_exact};
    ff->field = (sf_nc_layout){
        .title = "symflow field: form L densities tau_plus, tau_minus on the reduced sphere",
        .coords = x->coord, .n_coords = x->n_coords, .fields = sf_l_fields,
        .n_fields = x->n_coords > 1 ? 4 : 3,
        .series = sf_l_series, .n_series = SF_L_N_SERIES, .attrs = x->attrs, .n_attrs = x->n_attrs};
}

static sf_status l_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    (void)ctx;
    (void)t;
    forml_form *x = self;
    sf_forml_diag d;
    sf_forml_diagnose(x->f, y, x->y0, &d);
    const double v[SF_L_N_SERIES] = {d.risk, d.mass_plus, d.mass_minus, d.balance, d.dissipation,
                                     d.alignment, d.w2_plus, d.w2_minus, d.tau_min};
    memcpy(o->series, v, sizeof v);
    o->fields[0] = y;
    o->fields[1] = y + x->f->n;
    /* Ψ̂ (M13) and the predictor on the probe lines (L7): f = P · M, M the signed cell masses */
    const size_t n = x->f->n;
    sf_forml_potential(x->f, y, x->psi_hat);
    o->fields[2] = x->psi_hat;
    if (x->probe.n_u > 0) {
        for (size_t i = 0; i < n; i++)
            x->signed_mass[i] = x->f->g->widths[i] * (y[i] - y[n + i]);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)(x->probe.n_u * x->probe.n_rho), (int)n,
                    1.0, x->probe.P, (int)n, x->signed_mass, 1, 0.0, x->probe_f, 1);
        o->fields[3] = x->probe_f;
    }
    return SF_OK;
}

/* Resume: τ± from the fields; Q^ε = mass^ε(t) − mass^ε(0), the integrated reaction of (L1)
 * (its residual, at rounding level, is not stored and restarts at 0). */
static sf_status l_restore(sf_ctx *ctx, void *self, const double *const *fields,
                           const double *last, const double *first, double *y)
{
    (void)ctx;
    (void)last;
    (void)first;
    const forml_form *x = self;
    const size_t n = x->f->n;
    const double *w = x->f->g->widths;
    double q[2] = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        y[i] = fields[0][i];
        y[n + i] = fields[1][i];
        q[0] += w[i] * (y[i] - x->y0[i]);
        q[1] += w[i] * (y[n + i] - x->y0[n + i]);
    }
    y[2 * n] = q[0];
    y[2 * n + 1] = q[1];
    return SF_OK;
}

static void l_destroy(void *self)
{
    forml_form *x = self;
    if (!x) return;
    sf_forml_destroy(&x->f);
    free(x->y0);
    sf_probe_table_free(&x->probe);
    free(x->psi_hat);
    free(x->probe_f);
    free(x->signed_mass);
    free(x);
}

static const sf_form_ops sf_forml_ops = {
    .name = "lifted", .size = l_size, .initial = l_initial, .rhs = l_rhs, .advance = NULL,
    .stats = NULL, .file = l_file, .observe = l_observe, .failure = l_failure, .destroy = l_destroy,
    .restore = l_restore, .psetup = l_psetup, .psolve = l_psolve,
};

sf_status sf_forml_form(sf_ctx *ctx, const sf_forml_form_params *fp, sf_form *out)
{
    sf_status status = SF_OK;
    forml_form *x = NULL;
    SF_CHECK(ctx, fp && fp->grid && fp->p && out, SF_E_ARG, "sf_forml_form: NULL argument");
    SF_ALLOC(ctx, x, 1);
    SF_TRY(ctx, sf_forml_create(ctx, fp->grid, fp->p, &fp->scheme, fp->coord.id, &x->f));
    SF_ALLOC(ctx, x->y0, sf_forml_size(x->f));
    sf_forml_initial(x->f, x->y0);
    const sf_coord *c = sf_coord_get(fp->coord.id);
    x->coord[0] = (sf_nc_coord){c->name, c->long_name, c->units, fp->grid->n, fp->grid->centres,
                                fp->grid->edges};
    x->n_coords = 1;
    SF_ALLOC(ctx, x->psi_hat, fp->grid->n);
    if (fp->probe && fp->probe->n_u > 0) { /* move the table in (L7): points, no cells */
        x->probe = *fp->probe;
        *fp->probe = (sf_probe_table){.n_u = 0};
        SF_ALLOC(ctx, x->probe_f, x->probe.n_u * x->probe.n_rho);
        SF_ALLOC(ctx, x->signed_mass, fp->grid->n);
        x->coord[1] = (sf_nc_coord){"probe_u", "probe line: x_H = probe_u e_1 (d_H = 1) or "
                                    "|x_H| = probe_u (radial targets)", "1", x->probe.n_u,
                                    x->probe.u, NULL};
        x->coord[2] = (sf_nc_coord){"probe_rho", "probe line: |x_perp| = probe_rho", "1",
                                    x->probe.n_rho, x->probe.rho, NULL};
        x->n_coords = 3;
    }
    char recon[48];
    sf_fv_scheme_text(&fp->scheme, recon, sizeof recon);
    snprintf(x->scheme, sizeof x->scheme, "finite volumes, %s, centred potential gradients", recon);
    const sf_nc_attr attrs[SF_L_N_ATTRS] = {
        {"group", SF_NC_ATTR_TEXT, fp->coord.group, 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, x->scheme, 0, 0},
        {"reconstruction", SF_NC_ATTR_TEXT, sf_name_of(&sf_recon_names, (int)fp->scheme.reconstruction), 0, 0},
        {"limiter", SF_NC_ATTR_TEXT, sf_name_of(&sf_limiter_names, (int)fp->scheme.limiter), 0, 0},
        {"kernel", SF_NC_ATTR_TEXT, fp->p->kernel_note, 0, 0},
        {"risk_const", SF_NC_ATTR_DOUBLE, NULL, fp->p->risk_const, 0},
        {"minimiser_mass", SF_NC_ATTR_DOUBLE, NULL, fp->minimiser_mass, 0},
    };
    memcpy(x->attrs, attrs, sizeof attrs);
    x->n_attrs = isfinite(fp->minimiser_mass) ? SF_L_N_ATTRS : SF_L_N_ATTRS - 1; /* α only when known */
    *out = (sf_form){&sf_forml_ops, x};
    return SF_OK;
cleanup:
    l_destroy(x);
    return status;
}

sf_forml *sf_forml_of(const sf_form *f)
{
    return f && f->ops == &sf_forml_ops ? ((forml_form *)f->self)->f : NULL;
}
