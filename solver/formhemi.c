/* formhemi.c — form L (M15) by finite volumes on the d_H = 2 hemisphere (θ, φ), with the
 * diagnostics (L1), (L2), (M14) (MATH §4.8, §5).
 *
 * Unknowns: densities τ^ε_{ip} per dθ dφ on cells θ-cell i × φ-cell p (φ uniform, periodic,
 * width h_φ = 2π/n_φ); cell masses T = w_i h_φ τ; M = T⁺ − T⁻.
 * Potential (M13): Ψ_{ip} = Σ_{jq} K̂(θ_i, θ_j, φ_p − φ_q) M_{jq} − G_{ip}. K̂ depends on p − q
 * only: per row i, FFT in φ (fftw.c), then for each φ-mode m one real symmetric θ-block
 * K̃_m = Σ_l K_l cos(2πlm/n_φ) times the complex mode vector, then the inverse FFT:
 * O(n_θ n_φ log n_φ + n_φ n_θ²) per evaluation against O(n_θ² n_φ²) for the dense
 * circulant, which is kept as SF_HEMI_APPLY_DENSE and cross-checked in the tests.
 * Velocities (§4.8: θ̇ = −ε ∂_θΨ̂, φ̇ = −ε ∂_φΨ̂ / cos²θ for densities per dθ dφ) from centred
 * differences of the cell potential, exactly as forml.c:
 *   θ-face (i+½, p): g = (Ψ_{i+1,p} − Ψ_{ip}) / (θ_{i+1} − θ_i), v = −ε g, face length h_φ;
 *   φ-face (i, p+½): g = (Ψ_{i,p+1} − Ψ_{ip}) / h_φ, v = −ε g / cos²θ_i, face length w_i;
 * upwind fluxes with MUSCL face values (fv.c; periodic in φ). Summation by parts gives
 *   dR_h/dt = −Σ_θfaces h_φ h_θ g² (τ̃⁺ + τ̃⁻) − Σ_φfaces w_i h_φ g²/cos²θ_i (τ̃⁺ + τ̃⁻)
 *             − 2 Σ Ψ² (T⁺ + T⁻),
 * the discrete (L2), for any positive metric factor: the scheme is an exact discrete gradient
 * flow, and (L1) holds to rounding because the fluxes are conservative.
 * The pole θ = π/2 (§4.8). In (θ, φ) coordinates the face θ = π/2 has zero length in the
 * metric and a density per dθ dφ vanishes there like cos θ, so its flux is zero, exactly; mass
 * that crosses the pole travels through the last θ-row along φ, where the metric factor
 * 1/cos²θ_i (at the cell centre, cos θ_i ≥ sin(w/2) > 0) makes φ̇ large but finite. θ = 0 is
 * reflecting (§4.5). The measured convergence with this treatment is in
 * tests/convergence/formhemi_order.c.
 * Not here: the tables (reduction/hemi.c), FFTW itself (fftw.c), time stepping (drive.c).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/coord.h"
#include "symflow/fft.h"
#include "symflow/formhemi.h"

struct sf_formhemi {
    const sf_grid1 *g;          /* θ-grid (borrowed) */
    const sf_hemi_problem *p;   /* tables (borrowed) */
    sf_fv_scheme scheme;
    sf_hemi_apply apply;
    size_t nt, np, n;           /* θ-cells, φ-cells, cells */
    double hp;                  /* φ-width 2π/n_φ */
    sf_fft *fft;                /* n_θ rows of length n_φ (owned) */
    size_t modes;               /* n_φ/2 + 1 */
    double *Km;                 /* modes × n_θ²: the real symmetric θ-blocks K̃_m (owned) */
    double *spec, *spec2;       /* n_θ × modes complex (interleaved) (workspace) */
    double *xin, *xout;         /* n_θ × 2: one mode's vector (workspace) */
    double *mass, *psi;         /* N: signed cell masses, potential (workspace) */
    double *gt, *gp;            /* (n_θ−1)·n_φ θ-face and N φ-face gradients (workspace) */
    double *vt, *vp;            /* face velocities (workspace) */
    double *ft, *fp;            /* face values (workspace) */
    double *inv_cos2;           /* n_θ: 1/cos²θ_i (metric factor of φ̇) */
    double *sin2;               /* n_θ: cell averages of sin²θ (alignment) */
    char failure[256];
};

void sf_formhemi_destroy(sf_formhemi **f)
{
    if (!f || !*f) return;
    sf_formhemi *x = *f;
    sf_fft_destroy(&x->fft);
    free(x->Km);
    free(x->spec);
    free(x->spec2);
    free(x->xin);
    free(x->xout);
    free(x->mass);
    free(x->psi);
    free(x->gt);
    free(x->gp);
    free(x->vt);
    free(x->vp);
    free(x->ft);
    free(x->fp);
    free(x->inv_cos2);
    free(x->sin2);
    free(x);
    *f = NULL;
}

sf_status sf_formhemi_create(sf_ctx *ctx, const sf_grid1 *g, const sf_hemi_problem *p,
                             const sf_fv_scheme *scheme, sf_hemi_apply apply, sf_formhemi **out)
{
    sf_status status = SF_OK;
    sf_formhemi *f = NULL;
    double *rows = NULL, *rspec = NULL;
    sf_fft *kfft = NULL;
    SF_CHECK(ctx, g && p && scheme && out, SF_E_ARG, "sf_formhemi_create: NULL argument");
    SF_CHECK(ctx, g->n >= 2 && p->n_theta == g->n && p->n_phi >= 4, SF_E_ARG,
             "form L (hemisphere): grid has %zu theta-cells, the tables %zu x %zu", g->n,
             p->n_theta, p->n_phi);
    SF_ALLOC(ctx, f, 1);
    f->g = g;
    f->p = p;
    f->scheme = *scheme;
    f->apply = apply;
    f->nt = g->n;
    f->np = p->n_phi;
    f->n = f->nt * f->np;
    f->hp = 2.0 * M_PI / (double)f->np;
    const size_t nt = f->nt, np = f->np, n = f->n;
    SF_TRY(ctx, sf_fft_create(ctx, np, nt, &f->fft));
    f->modes = sf_fft_modes(f->fft);
    SF_ALLOC(ctx, f->Km, f->modes * nt * nt);
    SF_ALLOC(ctx, f->spec, 2 * f->modes * nt);
    SF_ALLOC(ctx, f->spec2, 2 * f->modes * nt);
    SF_ALLOC(ctx, f->xin, 2 * nt);
    SF_ALLOC(ctx, f->xout, 2 * nt);
    SF_ALLOC(ctx, f->mass, n);
    SF_ALLOC(ctx, f->psi, n);
    SF_ALLOC(ctx, f->gt, n);
    SF_ALLOC(ctx, f->gp, n);
    SF_ALLOC(ctx, f->vt, n);
    SF_ALLOC(ctx, f->vp, n);
    SF_ALLOC(ctx, f->ft, n);
    SF_ALLOC(ctx, f->fp, n);
    SF_ALLOC(ctx, f->inv_cos2, nt);
    SF_ALLOC(ctx, f->sin2, nt);
    for (size_t i = 0; i < nt; i++) {
        const double c = cos(g->centres[i]), a = g->edges[i], b = g->edges[i + 1];
        f->inv_cos2[i] = 1.0 / (c * c);
        f->sin2[i] = ((b - sin(b) * cos(b)) - (a - sin(a) * cos(a))) / (2.0 * (b - a));
    }
    /* K̃_m[i][j] = Re FFT_l K_l[i][j]: the blocks' rows (i, j) as length-n_φ lines in l */
    SF_ALLOC(ctx, rows, nt * nt * np);
    SF_ALLOC(ctx, rspec, 2 * f->modes * nt * nt);
    for (size_t l = 0; l < np; l++)
        for (size_t ij = 0; ij < nt * nt; ij++) rows[ij * np + l] = p->K[l * nt * nt + ij];
    SF_TRY(ctx, sf_fft_create(ctx, np, nt * nt, &kfft));
    sf_fft_forward(kfft, rows, rspec);
    for (size_t m = 0; m < f->modes; m++)
        for (size_t ij = 0; ij < nt * nt; ij++)
            f->Km[m * nt * nt + ij] = rspec[2 * (ij * f->modes + m)];
    *out = f;
    f = NULL;
cleanup:
    free(rows);
    free(rspec);
    sf_fft_destroy(&kfft);
    sf_formhemi_destroy(&f);
    return status;
}

size_t sf_formhemi_size(const sf_formhemi *f) { return 2 * f->n + 2; }
const char *sf_formhemi_failure(const sf_formhemi *f) { return f->failure; }

void sf_formhemi_initial(const sf_formhemi *f, double *y)
{
    for (size_t i = 0; i < f->nt; i++) {
        const double area = f->g->widths[i] * f->hp;
        for (size_t q = 0; q < f->np; q++) {
            y[i * f->np + q] = f->p->tau0_plus[i * f->np + q] / area;
            y[f->n + i * f->np + q] = f->p->tau0_minus[i * f->np + q] / area;
        }
    }
    y[2 * f->n] = 0.0;
    y[2 * f->n + 1] = 0.0;
}

/* psi = K mass (without − G) by FFT in φ and one θ-block per mode. */
static void apply_fft(sf_formhemi *f)
{
    const size_t nt = f->nt, np = f->np, md = f->modes;
    sf_fft_forward(f->fft, f->mass, f->spec);
    for (size_t m = 0; m < md; m++) {
        for (size_t j = 0; j < nt; j++) {
            f->xin[2 * j] = f->spec[2 * (j * md + m)];
            f->xin[2 * j + 1] = f->spec[2 * (j * md + m) + 1];
        }
        /* (n_θ × n_θ) · (n_θ × 2): real and imaginary parts at once */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nt, 2, (int)nt, 1.0,
                    f->Km + m * nt * nt, (int)nt, f->xin, 2, 0.0, f->xout, 2);
        for (size_t i = 0; i < nt; i++) {
            f->spec2[2 * (i * md + m)] = f->xout[2 * i];
            f->spec2[2 * (i * md + m) + 1] = f->xout[2 * i + 1];
        }
    }
    sf_fft_backward(f->fft, f->spec2, f->psi);
    const double inv = 1.0 / (double)np;
    for (size_t c = 0; c < f->n; c++) f->psi[c] *= inv;
}

/* psi = K mass by the dense circulant: Ψ_{ip} = Σ_{jq} K_{(p−q) mod n_φ}[i][j] M_{jq}. */
static void apply_dense(sf_formhemi *f)
{
    const size_t nt = f->nt, np = f->np;
    for (size_t i = 0; i < nt; i++)
        for (size_t q = 0; q < np; q++) {
            double s = 0.0;
            for (size_t pp = 0; pp < np; pp++) {
                const size_t l = (q + np - pp) % np;
                const double *row = f->p->K + (l * nt + i) * nt;
                for (size_t j = 0; j < nt; j++) s += row[j] * f->mass[j * np + pp];
            }
            f->psi[i * np + q] = s;
        }
}

/* (M13) and the face gradients. */
static void potential(sf_formhemi *f, const double *y)
{
    const size_t nt = f->nt, np = f->np, n = f->n;
    const double *c = f->g->centres;
    for (size_t i = 0; i < nt; i++) {
        const double area = f->g->widths[i] * f->hp;
        for (size_t q = 0; q < np; q++) {
            const size_t k = i * np + q;
            f->mass[k] = area * (y[k] - y[n + k]);
        }
    }
    if (f->apply == SF_HEMI_APPLY_FFT)
        apply_fft(f);
    else
        apply_dense(f);
    for (size_t k = 0; k < n; k++) f->psi[k] -= f->p->G[k];
    for (size_t i = 0; i + 1 < nt; i++) {
        const double h = c[i + 1] - c[i];
        for (size_t q = 0; q < np; q++)
            f->gt[i * np + q] = (f->psi[(i + 1) * np + q] - f->psi[i * np + q]) / h;
    }
    for (size_t i = 0; i < nt; i++)
        for (size_t q = 0; q < np; q++) {
            const size_t r = q + 1 == np ? 0 : q + 1;
            f->gp[i * np + q] = (f->psi[i * np + r] - f->psi[i * np + q]) / f->hp;
        }
}

void sf_formhemi_potential(sf_formhemi *f, const double *y, double *psi)
{
    potential(f, y);
    memcpy(psi, f->psi, f->n * sizeof(double));
}

/* Face velocities and upwind face values of sign eps for density tau. */
static void faces(sf_formhemi *f, double eps, const double *tau)
{
    const size_t nt = f->nt, np = f->np;
    for (size_t k = 0; k + np < f->n; k++) f->vt[k] = -eps * f->gt[k];
    for (size_t i = 0; i < nt; i++)
        for (size_t q = 0; q < np; q++) f->vp[i * np + q] = -eps * f->gp[i * np + q] * f->inv_cos2[i];
    for (size_t q = 0; q < np; q++)
        sf_fv_face_values_strided(f->g, &f->scheme, tau + q, np, f->vt + q, f->ft + q);
    for (size_t i = 0; i < nt; i++)
        sf_fv_face_values_periodic(f->hp, &f->scheme, tau + i * np, np, f->vp + i * np,
                                   f->fp + i * np);
}

int sf_formhemi_rhs(double t, const double *y, double *ydot, void *self)
{
    (void)t;
    sf_formhemi *f = self;
    const size_t nt = f->nt, np = f->np, n = f->n;
    const double *w = f->g->widths;
    potential(f, y);
    for (size_t k = 0; k < n; k++)
        if (!isfinite(f->psi[k])) {
            snprintf(f->failure, sizeof f->failure,
                     "form L (hemisphere): potential is not finite in cell (theta %zu, phi %zu)",
                     k / np, k % np);
            return -1;
        }
    for (int s = 0; s < 2; s++) {
        const double eps = s == 0 ? 1.0 : -1.0;
        const double *tau = y + (size_t)s * n;
        double *dtau = ydot + (size_t)s * n;
        faces(f, eps, tau);
        double reaction = 0.0;
        for (size_t i = 0; i < nt; i++) {
            const double area = w[i] * f->hp;
            for (size_t q = 0; q < np; q++) {
                const size_t k = i * np + q, qm = q == 0 ? np - 1 : q - 1;
                /* fluxes × face lengths; zero at θ = 0 and at the pole (file comment) */
                const double up = i + 1 < nt ? f->vt[k] * f->ft[k] * f->hp : 0.0;
                const double down = i > 0 ? f->vt[k - np] * f->ft[k - np] * f->hp : 0.0;
                const double right = f->vp[k] * f->fp[k] * w[i];
                const double left = f->vp[i * np + qm] * f->fp[i * np + qm] * w[i];
                const double react = -2.0 * eps * f->psi[k] * tau[k];
                dtau[k] = -(up - down + right - left) / area + react;
                reaction += react * area;
            }
        }
        ydot[2 * n + (size_t)s] = reaction; /* (L1): dQ^ε/dt */
    }
    return 0;
}

void sf_formhemi_diagnose(sf_formhemi *f, const double *y, const double *y0, sf_formhemi_diag *d)
{
    const size_t nt = f->nt, np = f->np, n = f->n;
    const double *w = f->g->widths, *c = f->g->centres;
    potential(f, y);
    double risk = 0.0, react = 0.0, transport = 0.0, align = 0.0, tmin = INFINITY;
    double mass[2] = {0.0, 0.0}, mass0[2] = {0.0, 0.0};
    for (size_t i = 0; i < nt; i++) {
        const double area = w[i] * f->hp;
        for (size_t q = 0; q < np; q++) {
            const size_t k = i * np + q;
            const double tp = y[k], tm = y[n + k];
            risk += 0.5 * (f->psi[k] - f->p->G[k]) * f->mass[k];
            mass[0] += area * tp;
            mass[1] += area * tm;
            mass0[0] += area * y0[k];
            mass0[1] += area * y0[n + k];
            react += 2.0 * f->psi[k] * f->psi[k] * area * (tp + tm);
            align += f->sin2[i] * area * (tp + tm);
            tmin = fmin(tmin, fmin(tp, tm));
        }
    }
    for (int s = 0; s < 2; s++) {
        faces(f, s == 0 ? 1.0 : -1.0, y + (size_t)s * n);
        for (size_t i = 0; i < nt; i++)
            for (size_t q = 0; q < np; q++) {
                const size_t k = i * np + q;
                if (i + 1 < nt) transport += f->hp * (c[i + 1] - c[i]) * f->gt[k] * f->gt[k] * f->ft[k];
                transport += w[i] * f->hp * f->gp[k] * f->gp[k] * f->inv_cos2[i] * f->fp[k];
            }
    }
    d->risk = risk + f->p->risk_const;
    d->mass_plus = mass[0];
    d->mass_minus = mass[1];
    d->balance = fmax(fabs(mass[0] - mass0[0] - y[2 * n]), fabs(mass[1] - mass0[1] - y[2 * n + 1]));
    d->dissipation = transport + react;
    d->alignment = mass[0] + mass[1] > 0.0 ? align / (mass[0] + mass[1]) : NAN;
    d->tau_min = tmin;
}

/* ---- the form interface ---------------------------------------------------------------- */

enum { SF_HE_N_SERIES = 7, SF_HE_N_ATTRS = 6 };

static const sf_nc_series sf_he_series[SF_HE_N_SERIES] = {
    {"risk", "population risk R (M2), by (M14)", "1"},
    {"mass_plus", "mass of tau_plus", "1"},
    {"mass_minus", "mass of tau_minus", "1"},
    {"mass_balance_residual", "max over signs of |mass(t) - mass(0) - integrated reaction| (L1)", "1"},
    {"dissipation", "-dR/dt from the discrete (L2) identity", "1"},
    {"alignment", "int sin^2 theta d(tau_plus + tau_minus) / mass", "1"},
    {"tau_min", "minimum cell density of tau_plus and tau_minus", "1/rad^2"},
};
static const sf_series_role sf_he_roles[SF_HE_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MAXIMUM,
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_MINIMUM,
};
/* (L1) holds to rounding, scaled by the larger of the two masses (as forml.c). */
static const unsigned sf_he_exact[SF_HE_N_SERIES] = {0, 0, 0, (1u << 1) | (1u << 2)};
static const sf_nc_field sf_he_fields[2] = {
    {"tau_plus", "lifted density of positive neurons tau_plus per dtheta dphi (M15)", "1/rad^2", 2, {0, 1}},
    {"tau_minus", "lifted density of negative neurons tau_minus per dtheta dphi (M15)", "1/rad^2", 2, {0, 1}},
};

typedef struct {
    sf_formhemi *f;                   /* owned */
    double *y0;                       /* initial state (owned) */
    sf_nc_coord coords[2];            /* theta, phi */
    char scheme[160];
    sf_nc_attr attrs[SF_HE_N_ATTRS];
} formhemi_form;

static size_t he_size(const void *self) { return sf_formhemi_size(((const formhemi_form *)self)->f); }
static void he_initial(const void *self, double *y) { sf_formhemi_initial(((const formhemi_form *)self)->f, y); }
static int he_rhs(double t, const double *y, double *ydot, void *self)
{
    return sf_formhemi_rhs(t, y, ydot, ((formhemi_form *)self)->f);
}
static const char *he_failure(const void *self) { return sf_formhemi_failure(((const formhemi_form *)self)->f); }

static void he_file(const void *self, sf_form_file *ff)
{
    const formhemi_form *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_FIELD, .roles = sf_he_roles, .exact = sf_he_exact};
    ff->field = (sf_nc_layout){
        .title = "symflow field: form L densities tau_plus, tau_minus on the d_H = 2 hemisphere",
        .coords = x->coords, .n_coords = 2, .fields = sf_he_fields, .n_fields = 2,
        .series = sf_he_series, .n_series = SF_HE_N_SERIES, .attrs = x->attrs,
        .n_attrs = SF_HE_N_ATTRS};
}

static sf_status he_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    (void)ctx;
    (void)t;
    formhemi_form *x = self;
    sf_formhemi_diag d;
    sf_formhemi_diagnose(x->f, y, x->y0, &d);
    const double v[SF_HE_N_SERIES] = {d.risk, d.mass_plus, d.mass_minus, d.balance,
                                      d.dissipation, d.alignment, d.tau_min};
    memcpy(o->series, v, sizeof v);
    o->fields[0] = y;
    o->fields[1] = y + x->f->n;
    return SF_OK;
}

static sf_status he_restore(sf_ctx *ctx, void *self, const double *const *fields,
                            const double *last, const double *first, double *y)
{
    (void)ctx;
    (void)last;
    (void)first;
    const formhemi_form *x = self;
    const size_t n = x->f->n, np = x->f->np;
    double q[2] = {0.0, 0.0};
    for (size_t k = 0; k < n; k++) {
        const double area = x->f->g->widths[k / np] * x->f->hp;
        y[k] = fields[0][k];
        y[n + k] = fields[1][k];
        q[0] += area * (y[k] - x->y0[k]);
        q[1] += area * (y[n + k] - x->y0[n + k]);
    }
    y[2 * n] = q[0];
    y[2 * n + 1] = q[1];
    return SF_OK;
}

static void he_destroy(void *self)
{
    formhemi_form *x = self;
    if (!x) return;
    sf_formhemi_destroy(&x->f);
    free(x->y0);
    free(x);
}

static const sf_form_ops sf_formhemi_ops = {
    .name = "lifted", .size = he_size, .initial = he_initial, .rhs = he_rhs, .advance = NULL,
    .stats = NULL, .file = he_file, .observe = he_observe, .restore = he_restore,
    .failure = he_failure, .destroy = he_destroy,
};

sf_status sf_formhemi_form(sf_ctx *ctx, const sf_formhemi_form_params *fp, sf_form *out)
{
    sf_status status = SF_OK;
    formhemi_form *x = NULL;
    SF_CHECK(ctx, fp && fp->theta && fp->phi && fp->p && out, SF_E_ARG,
             "sf_formhemi_form: NULL argument");
    SF_CHECK(ctx, fp->phi->n == fp->p->n_phi, SF_E_ARG,
             "sf_formhemi_form: %zu phi-cells in the grid, %zu in the tables", fp->phi->n,
             fp->p->n_phi);
    SF_ALLOC(ctx, x, 1);
    SF_TRY(ctx, sf_formhemi_create(ctx, fp->theta, fp->p, &fp->scheme, SF_HEMI_APPLY_FFT, &x->f));
    SF_ALLOC(ctx, x->y0, sf_formhemi_size(x->f));
    sf_formhemi_initial(x->f, x->y0);
    const sf_coord *ct = sf_coord_get(SF_COORD_THETA), *cp = sf_coord_get(SF_COORD_AZIMUTH);
    x->coords[0] = (sf_nc_coord){ct->name, ct->long_name, ct->units, fp->theta->n,
                                 fp->theta->centres, fp->theta->edges};
    x->coords[1] = (sf_nc_coord){cp->name, cp->long_name, cp->units, fp->phi->n,
                                 fp->phi->centres, fp->phi->edges};
    char recon[48];
    sf_fv_scheme_text(&fp->scheme, recon, sizeof recon);
    snprintf(x->scheme, sizeof x->scheme,
             "finite volumes on (theta, phi), %s, centred potential gradients, kernel by FFT in "
             "phi, zero flux at the pole", recon);
    const sf_nc_attr attrs[SF_HE_N_ATTRS] = {
        {"group", SF_NC_ATTR_TEXT, fp->group, 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, x->scheme, 0, 0},
        {"reconstruction", SF_NC_ATTR_TEXT, sf_name_of(&sf_recon_names, (int)fp->scheme.reconstruction), 0, 0},
        {"limiter", SF_NC_ATTR_TEXT, sf_name_of(&sf_limiter_names, (int)fp->scheme.limiter), 0, 0},
        {"risk_const", SF_NC_ATTR_DOUBLE, NULL, fp->p->risk_const, 0},
        {"reduced_sphere", SF_NC_ATTR_TEXT, "hemisphere (theta, phi), d_H = 2 (MATH 4.8)", 0, 0},
    };
    memcpy(x->attrs, attrs, sizeof attrs);
    *out = (sf_form){&sf_formhemi_ops, x};
    return SF_OK;
cleanup:
    he_destroy(x);
    return status;
}

sf_formhemi *sf_formhemi_of(const sf_form *f)
{
    return f && f->ops == &sf_formhemi_ops ? ((formhemi_form *)f->self)->f : NULL;
}
