/* compare.c — the grid solver against particles (MATH.md §6 "Against particles", §4.3 for
 * what a neuron is in form L, §8 for both file layouts). Implements sf_compare_files and
 * sf_w1_cells_vs_atoms of include/symflow/compare.h; the smoothing transform is dct.c's.
 *
 * A neuron (aᵢ, bᵢ) of a particle file is, in form L (M15), a sign ε = sign(aᵢ), a lifted
 * mass cᵢ = |aᵢ||bᵢ| and a direction on the reduced sphere: θ = atan2(|b_⊥|, |b_H|) (radial,
 * coordinate `theta`) or φ = atan2(|b_⊥|, b_H,1) (d_H = 1, coordinate `phi`); the particle
 * measure is τ^ε_m = (1/m) Σ_{εᵢ=ε} cᵢ δ_{xᵢ}. At each output time common to both files we
 * report
 *   - the risk gap R_m(t) − R(t) (the particle file's own risk against (M14) of the field),
 *   - the masses |τ^±| of both,
 *   - W₁ of the normalised marginals per sign, exact from the CDFs (sf_w1_cells_vs_atoms),
 *   - τ^±_m smoothed onto the field's cells: binned on a uniform fine grid, Gaussian-smoothed
 *     with reflecting ends (sf_dct_smooth), then integrated over each (possibly non-uniform)
 *     field cell, so every stage conserves the mass.
 * Forms T and ode have their own comparers (compare_transport: W₁ of the a, u, r marginals
 * against the atoms (aᵢ, b·e₁, |b_⊥|), histograms, w; compare_ode: w_m against w and w*);
 * form H has compare_hyperbolic: a neuron is (δ, η, ω) with weight |δ| (neuron_hyperbolic),
 * W₁ of the ω- and η-marginals of N⁰ and of N⁺ + N⁻, masses;
 * sf_compare_files picks the comparer from sf_cmp_comparers by the field's `form`; a form-L
 * field on the d_H = 2 hemisphere (tau_plus(time, theta, phi)) goes to compare_hemi: W₁ of
 * the θ-marginals and the circular W₁ (M19) of the φ-marginals per sign, masses, risk gap.
 * Not here: reading or writing netCDF directly (ncio.h), the FFTW calls (dct.c), the
 * command line (app/), plots (postproc/symflow_post).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/atomic.h"
#include "symflow/compare.h"
#include "symflow/coord.h"
#include "symflow/ncio.h"
#include "symflow/version.h"

/* Output times match if |t_f − t_p| ≤ SF_CMP_TIME_RTOL·max(1, |t|): both files store their
 * times as doubles, but a particle run reaches t as k·η (accumulated or multiplied) while the
 * field run reads it from the case: they agree to a few ulps, far inside 1e-9. */
static const double SF_CMP_TIME_RTOL = 1e-9;
/* Cell bounds are contiguous and span the coordinate's interval up to this relative error:
 * the solver builds them in double from the interval ends, a few ulps of π at worst. */
static const double SF_CMP_EDGE_RTOL = 1e-12;
/* Silverman (1986), Density Estimation, eq. (3.28): the AMISE-optimal width of a Gaussian
 * kernel for Gaussian data, h = 1.06 σ̂ n^{−1/5}. */
static const double SF_CMP_SILVERMAN_FACTOR = 1.06;
static const double SF_CMP_SILVERMAN_EXPONENT = -0.2;
/* Narrowest Gaussian the fine grid carries, in fine bins: the DCT filter is the reflected
 * Gaussian truncated at k < n, and the largest dropped factor exp(−(π n h/L)²/2) =
 * exp(−(π h/Δ)²/2) is e^{−44} ≈ 5e-20 at h = 3Δ (below round-off) but 7e-3 at h = Δ, where
 * the truncated series rings and the smoothed density turns negative next to a lone atom. */
static const double SF_CMP_MIN_WIDTH_BINS = 3.0;

enum {
    SF_CMP_FINE_MIN = 256,    /* fewest bins of the uniform smoothing grid */
    SF_CMP_FINE_PER_CELL = 4, /* fine bins per field cell, so a field cell spans several */
    SF_CMP_N_FIELDS = 4,      /* fields written per output time */
    SF_CMP_N_SERIES = 13,     /* series written per output time */
    SF_CMP_WHY_LEN = 512      /* bytes kept of a reader's message when re-worded */
};

/* The reduced coordinates a form-L field file may carry: θ (radial: from |b_H|) or φ (from
 * the signed b_H,1, d_H = 1), rows of the coordinate table (coord.h). */
static const sf_coord_id sf_cmp_coords[] = {SF_COORD_THETA, SF_COORD_PHI};

/* A form-L field file, loaded whole. */
typedef struct {
    const sf_coord *coord;     /* which coordinate (a row of the coordinate table) */
    int radial;                /* 1: θ, 0: φ */
    size_t d, d_H;             /* global attributes d, d_H */
    size_t n_times;            /* length of time */
    size_t n;                  /* cells */
    double *times;             /* n_times (owned) */
    double *centres;           /* n cell centres (owned) */
    double *edges;             /* n + 1 faces (owned) */
    double *tau_plus;          /* n_times × n densities, 1/rad (owned) */
    double *tau_minus;         /* n_times × n densities, 1/rad (owned) */
    double *risk;              /* n_times (owned) */
    double *mass_plus;         /* n_times (owned) */
    double *mass_minus;        /* n_times (owned) */
} sf_cmp_field;

/* One neuron of one sign at one time. */
typedef struct {
    double x; /* reduced coordinate θ or φ, rad */
    double w; /* lifted mass cᵢ = |aᵢ||bᵢ| (before the 1/m) */
} sf_cmp_atom;

sf_compare_params sf_compare_params_default(void)
{
    sf_compare_params p = {0.0};
    return p;
}

/* ---- W₁ between a piecewise-uniform measure and atoms ------------------------------------- */

/* ∫₀^Δ |f₀ + (f₁ − f₀) s/Δ| ds, exact also when the linear function changes sign. */
static double abs_linear_integral(double f0, double f1, double delta)
{
    const double a0 = fabs(f0), a1 = fabs(f1);
    if (f0 * f1 >= 0.0) return 0.5 * (a0 + a1) * delta;
    return delta * (f0 * f0 + f1 * f1) / (2.0 * (a0 + a1)); /* two triangles */
}

double sf_w1_cells_vs_atoms(size_t ncells, const double *edges, const double *cell_mass,
                            size_t m, const double *x, const double *w)
{
    if (ncells == 0 || m == 0 || !edges || !cell_mass || !x || !w) return NAN;
    double mf = 0.0, mp = 0.0;
    for (size_t k = 0; k < ncells; k++) mf += cell_mass[k];
    for (size_t j = 0; j < m; j++) {
        mp += w[j];
        if (j > 0 && !(x[j] >= x[j - 1])) return NAN;
    }
    if (!(mf > 0.0) || !(mp > 0.0)) return NAN;

    /* Walk the merged breakpoints q (edges and atoms, ascending; an edge before an atom at the
     * same place). Between two of them G is constant (the atoms passed so far) and F linear. */
    size_t i = 0, j = 0;        /* next edge, next atom */
    double f_edge = 0.0;        /* F at edges[i − 1] (normalised) */
    double g = 0.0;             /* G after the atoms passed */
    double p = 0.0, fp = 0.0;   /* previous breakpoint and F there */
    double total = 0.0;
    int started = 0;
    while (i <= ncells || j < m) {
        const int atom = j < m && (i > ncells || x[j] < edges[i]);
        const double q = atom ? x[j] : edges[i];
        double fq;
        if (i == 0)
            fq = 0.0;
        else if (i > ncells)
            fq = 1.0;
        else {
            const size_t c = i - 1;
            fq = f_edge + cell_mass[c] / mf * (q - edges[c]) / (edges[c + 1] - edges[c]);
        }
        if (started) total += abs_linear_integral(fp - g, fq - g, q - p);
        if (atom) {
            g += w[j] / mp;
            j++;
        } else {
            if (i > 0) f_edge += cell_mass[i - 1] / mf;
            i++;
        }
        p = q;
        fp = fq;
        started = 1;
    }
    return total;
}


/* ∫ |D − c| over the pieces (dl, dr: D at the ends of each piece of length len). */
static double circle_cost(size_t n, const double *dl, const double *dr, const double *len,
                          double c)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++) s += abs_linear_integral(dl[k] - c, dr[k] - c, len[k]);
    return s;
}

double sf_w1_circle_cells_vs_atoms(size_t ncells, const double *edges, const double *cell_mass,
                                   size_t m, const double *x, const double *w)
{
    if (ncells == 0 || m == 0 || !edges || !cell_mass || !x || !w) return NAN;
    double mf = 0.0, mp = 0.0;
    for (size_t k = 0; k < ncells; k++) mf += cell_mass[k];
    for (size_t j = 0; j < m; j++) {
        mp += w[j];
        if (j > 0 && !(x[j] >= x[j - 1])) return NAN;
    }
    if (!(mf > 0.0) || !(mp > 0.0)) return NAN;
    const size_t cap = ncells + m + 1;
    double *dl = malloc(cap * sizeof *dl), *dr = malloc(cap * sizeof *dr);
    double *len = malloc(cap * sizeof *len);
    double result = NAN;
    if (!dl || !dr || !len) goto done;
    /* the pieces between merged breakpoints (edges and atoms): F linear, G constant */
    size_t n = 0, c = 0, j = 0;
    double fe = 0.0, g = 0.0, q = edges[0];
    while (j < m && x[j] <= q) g += w[j++] / mp;
    while (c < ncells) {
        const double e1 = edges[c + 1], next = (j < m && x[j] < e1) ? x[j] : e1;
        const double width = e1 - edges[c], rate = cell_mass[c] / mf / width;
        if (next > q) {
            dl[n] = fe + rate * (q - edges[c]) - g;
            dr[n] = fe + rate * (next - edges[c]) - g;
            len[n] = next - q;
            n++;
        }
        q = next;
        if (next == e1) { /* the cell is done (an atom at its end is taken after it) */
            fe += cell_mass[c] / mf;
            c++;
        }
        while (j < m && x[j] <= q) g += w[j++] / mp;
    }
    /* golden section on the convex J(c) = ∫|D − c|, c between min D and max D */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        lo = fmin(lo, fmin(dl[k], dr[k]));
        hi = fmax(hi, fmax(dl[k], dr[k]));
    }
    const double gr = 0.6180339887498949;
    double c1 = hi - gr * (hi - lo), c2 = lo + gr * (hi - lo);
    double j1 = circle_cost(n, dl, dr, len, c1), j2 = circle_cost(n, dl, dr, len, c2);
    for (int it = 0; it < 200 && hi - lo > 1e-15 * (1.0 + fabs(lo)); it++) {
        if (j1 <= j2) {
            hi = c2;
            c2 = c1;
            j2 = j1;
            c1 = hi - gr * (hi - lo);
            j1 = circle_cost(n, dl, dr, len, c1);
        } else {
            lo = c1;
            c1 = c2;
            j1 = j2;
            c2 = lo + gr * (hi - lo);
            j2 = circle_cost(n, dl, dr, len, c2);
        }
    }
    result = fmin(j1, j2);
done:
    free(dl);
    free(dr);
    free(len);
    return result;
}
/* ---- reading the field file ---------------------------------------------------------------- */

static void field_free(sf_cmp_field *f)
{
    free(f->times);
    free(f->centres);
    free(f->edges);
    free(f->tau_plus);
    free(f->tau_minus);
    free(f->risk);
    free(f->mass_plus);
    free(f->mass_minus);
    memset(f, 0, sizeof *f);
}

/* Read `var` with dimensions `dims` and take its data; the sizes are checked by the caller. */
static sf_status take_var(sf_ctx *ctx, const char *path, const char *var, const char *dims,
                          sf_nc_array *arr, double **data)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, var, dims, arr));
    *data = arr->data;
    arr->data = NULL;
cleanup:
    sf_nc_array_free(arr);
    return status;
}

/* First non-finite value of x[n] as SF_E_NUMERIC naming the file and variable. */
static sf_status check_finite(sf_ctx *ctx, const char *path, const char *var, const double *x,
                              size_t n)
{
    sf_status status = SF_OK;
    for (size_t i = 0; i < n; i++)
        SF_CHECK(ctx, isfinite(x[i]), SF_E_NUMERIC, "%s: variable %s: value %g at flat index "
                 "%zu: expected finite values", path, var, x[i], i);
cleanup:
    return status;
}

/* A global attribute that must be a positive integer (d, d_H). */
static sf_status read_size_attr(sf_ctx *ctx, const char *path, const char *name, size_t *out)
{
    sf_status status = SF_OK;
    double v = 0.0;
    SF_TRY(ctx, sf_nc_read_attr_double(ctx, path, name, &v));
    SF_CHECK(ctx, v >= 1.0 && v == floor(v) && v < 9007199254740992.0, SF_E_NETCDF,
             "%s: attribute %s = %g: expected a positive integer", path, name, v);
    *out = (size_t)v;
cleanup:
    return status;
}

/* symflow_kind = "field", with messages that say what the file is not; the attribute form
 * into *form (owned by the caller; free()). */
static sf_status read_field_form(sf_ctx *ctx, const char *path, char **form)
{
    sf_status status = SF_OK;
    char *kind = NULL;
    *form = NULL;
    sf_status s = sf_nc_read_attr_text(ctx, path, "symflow_kind", &kind);
    if (s == SF_E_NETCDF) { /* re-worded: say what was expected, keep the reader's reason */
        char why[SF_CMP_WHY_LEN];
        snprintf(why, sizeof why, "%s", sf_ctx_message(ctx));
        sf_ctx_clear(ctx);
        SF_CHECK(ctx, 0, SF_E_NETCDF,
                 "%s: not a symflow field file (expected the attribute symflow_kind = "
                 "\"field\"; FIELD comes first, PARTICLES second): %s", path, why);
    }
    SF_TRY(ctx, s);
    SF_CHECK(ctx, strcmp(kind, "field") == 0, SF_E_NETCDF,
             "%s: symflow_kind = \"%s\": expected \"field\" (a file written by symflow solve)",
             path, kind);
    SF_TRY(ctx, sf_nc_read_attr_text(ctx, path, "form", form));
cleanup:
    free(kind);
    if (status != SF_OK) {
        free(*form);
        *form = NULL;
    }
    return status;
}

/* Cell edges from coord_bnds(coord, nv): contiguous, increasing, spanning the coordinate's
 * interval up to SF_CMP_EDGE_RTOL. */
static sf_status field_edges(sf_ctx *ctx, const char *path, const char *bnds_name,
                             sf_cmp_field *f, const double *b)
{
    sf_status status = SF_OK;
    const sf_coord *co = f->coord;
    const double tol = SF_CMP_EDGE_RTOL * co->hi;
    SF_ALLOC(ctx, f->edges, f->n + 1);
    for (size_t i = 0; i < f->n; i++) {
        f->edges[i] = b[2 * i];
        SF_CHECK(ctx, b[2 * i + 1] > b[2 * i], SF_E_NETCDF,
                 "%s: variable %s: cell %zu = [%.17g, %.17g]: expected increasing bounds", path,
                 bnds_name, i, b[2 * i], b[2 * i + 1]);
        if (i + 1 < f->n)
            SF_CHECK(ctx, fabs(b[2 * i + 1] - b[2 * i + 2]) <= tol, SF_E_NETCDF,
                     "%s: variable %s: cell %zu ends at %.17g, cell %zu starts at %.17g: "
                     "expected contiguous cells", path, bnds_name, i, b[2 * i + 1], i + 1,
                     b[2 * i + 2]);
    }
    f->edges[f->n] = b[2 * f->n - 1];
    SF_CHECK(ctx, fabs(f->edges[0] - co->lo) <= tol && fabs(f->edges[f->n] - co->hi) <= tol,
             SF_E_RANGE, "%s: variable %s: cells span [%.17g, %.17g]: expected the whole "
             "interval [%.17g, %.17g] of %s (rad)", path, bnds_name, f->edges[0],
             f->edges[f->n], co->lo, co->hi, co->name);
cleanup:
    return status;
}

static sf_status field_read(sf_ctx *ctx, const char *path, sf_cmp_field *f)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    double *bnds = NULL;
    char dims[2 * SF_NC_NAME_LEN + 8], bnds_name[SF_NC_NAME_LEN + 8];
    memset(f, 0, sizeof *f);
    SF_TRY(ctx, read_size_attr(ctx, path, "d", &f->d));
    SF_TRY(ctx, read_size_attr(ctx, path, "d_H", &f->d_H));

    /* The density's second dimension names the coordinate. */
    SF_TRY(ctx, sf_nc_read(ctx, path, "tau_plus", &arr));
    SF_CHECK(ctx, arr.ndims == 2 && strcmp(arr.dimnames[0], "time") == 0, SF_E_NETCDF,
             "%s: variable tau_plus: %zu dimensions (first %s): expected (time, theta) or "
             "(time, phi)", path, arr.ndims, arr.ndims ? arr.dimnames[0] : "none");
    for (size_t c = 0; c < sizeof sf_cmp_coords / sizeof sf_cmp_coords[0]; c++)
        if (strcmp(arr.dimnames[1], sf_coord_get(sf_cmp_coords[c])->name) == 0) {
            f->coord = sf_coord_get(sf_cmp_coords[c]);
            f->radial = sf_cmp_coords[c] == SF_COORD_THETA;
        }
    SF_CHECK(ctx, f->coord, SF_E_UNSUPPORTED, "%s: variable tau_plus: coordinate %s: expected "
             "theta or phi (one reduced coordinate)", path, arr.dimnames[1]);
    SF_CHECK(ctx, f->radial || f->d_H == 1, SF_E_NETCDF,
             "%s: coordinate phi with d_H = %zu: expected d_H = 1", path, f->d_H);
    f->n_times = arr.shape[0];
    f->n = arr.shape[1];
    SF_CHECK(ctx, f->n_times >= 1 && f->n >= 1, SF_E_NETCDF,
             "%s: variable tau_plus: shape (%zu, %zu): expected at least one time and one cell",
             path, f->n_times, f->n);
    f->tau_plus = arr.data;
    arr.data = NULL;
    sf_nc_array_free(&arr);

    const char *cn = f->coord->name;
    snprintf(dims, sizeof dims, "time, %s", cn);
    snprintf(bnds_name, sizeof bnds_name, "%s_bnds", cn);
    SF_TRY(ctx, take_var(ctx, path, "tau_minus", dims, &arr, &f->tau_minus));
    SF_TRY(ctx, take_var(ctx, path, "time", "time", &arr, &f->times));
    SF_TRY(ctx, take_var(ctx, path, "risk", "time", &arr, &f->risk));
    SF_TRY(ctx, take_var(ctx, path, "mass_plus", "time", &arr, &f->mass_plus));
    SF_TRY(ctx, take_var(ctx, path, "mass_minus", "time", &arr, &f->mass_minus));
    SF_TRY(ctx, take_var(ctx, path, cn, cn, &arr, &f->centres));
    snprintf(dims, sizeof dims, "%s, nv", cn);
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, bnds_name, dims, &arr));
    SF_CHECK(ctx, arr.shape[1] == 2, SF_E_NETCDF, "%s: variable %s: nv = %zu: expected 2", path,
             bnds_name, arr.shape[1]);
    bnds = arr.data;
    arr.data = NULL;
    sf_nc_array_free(&arr);

    SF_TRY(ctx, check_finite(ctx, path, "tau_plus", f->tau_plus, f->n_times * f->n));
    SF_TRY(ctx, check_finite(ctx, path, "tau_minus", f->tau_minus, f->n_times * f->n));
    SF_TRY(ctx, check_finite(ctx, path, "time", f->times, f->n_times));
    SF_TRY(ctx, check_finite(ctx, path, "risk", f->risk, f->n_times));
    SF_TRY(ctx, check_finite(ctx, path, "mass_plus", f->mass_plus, f->n_times));
    SF_TRY(ctx, check_finite(ctx, path, "mass_minus", f->mass_minus, f->n_times));
    SF_TRY(ctx, check_finite(ctx, path, bnds_name, bnds, 2 * f->n));
    for (size_t k = 1; k < f->n_times; k++)
        SF_CHECK(ctx, f->times[k] > f->times[k - 1], SF_E_NETCDF,
                 "%s: variable time: time[%zu] = %g after time[%zu] = %g: expected increasing",
                 path, k, f->times[k], k - 1, f->times[k - 1]);
    SF_TRY(ctx, field_edges(ctx, path, bnds_name, f, bnds));
cleanup:
    sf_nc_array_free(&arr);
    free(bnds);
    if (status != SF_OK) field_free(f);
    return status;
}

/* ---- particles ------------------------------------------------------------------------------ */

/* Components of b_i (time index t) in H into bh[d_H], and |b_⊥|² returned. Full storage
 * projects b on the basis and forms b_⊥ = b − Σ_k (b·e_k) e_k explicitly (no cancellation in
 * |b|² − |b_H|², which would cost half the digits of θ near 0); reduced storage reads u, r.
 * work: d doubles. */
static double neuron_project(const sf_particles *p, size_t t, size_t i, double *work, double *bh)
{
    const size_t m = p->m, d = p->d, dH = p->d_H;
    if (p->storage != SF_NCP_FULL) {
        for (size_t k = 0; k < dH; k++) bh[k] = p->u[(t * m + i) * dH + k];
        return p->r[t * m + i] * p->r[t * m + i];
    }
    const double *b = p->b + (t * m + i) * d;
    for (size_t j = 0; j < d; j++) work[j] = b[j];
    for (size_t k = 0; k < dH; k++) {
        const double *e = p->basis + k * d;
        double s = 0.0;
        for (size_t j = 0; j < d; j++) s += e[j] * b[j];
        bh[k] = s;
        for (size_t j = 0; j < d; j++) work[j] -= s * e[j];
    }
    double r2 = 0.0;
    for (size_t j = 0; j < d; j++) r2 += work[j] * work[j];
    return r2;
}

/* Reduced coordinate and lifted mass of neuron i at time index t (MATH §4.3):
 * c = |a||b|, θ = atan2(|b_⊥|, |b_H|) or φ = atan2(|b_⊥|, b_H,1) (neuron_project).
 * work: d + d_H doubles. */
static void neuron_geometry(const sf_particles *p, size_t t, size_t i, int radial,
                            double *work, double *x, double *c)
{
    double *bh = work + p->d;
    const double bperp2 = neuron_project(p, t, i, work, bh);
    double bh2 = 0.0;
    for (size_t k = 0; k < p->d_H; k++) bh2 += bh[k] * bh[k];
    const double bperp = sqrt(bperp2);
    *x = radial ? atan2(bperp, sqrt(bh2)) : atan2(bperp, bh[0]);
    *c = fabs(p->a[t * p->m + i]) * sqrt(bh2 + bperp2);
}

static int atom_cmp(const void *pa, const void *pb)
{
    const double a = ((const sf_cmp_atom *)pa)->x, b = ((const sf_cmp_atom *)pb)->x;
    return (a > b) - (a < b);
}

/* Silverman's width 1.06 σ̂ n_eff^{−1/5} of the c-weighted sample, with σ̂ the weighted
 * standard deviation and n_eff = (Σc)²/Σc² (Kish's effective size; = the count for equal
 * weights); floored at `floor_h` (SF_CMP_MIN_WIDTH_BINS fine bins). */
static double silverman_width(const sf_cmp_atom *at, size_t n, double floor_h)
{
    double sw = 0.0, sw2 = 0.0, mean = 0.0, var = 0.0;
    for (size_t j = 0; j < n; j++) {
        sw += at[j].w;
        sw2 += at[j].w * at[j].w;
        mean += at[j].w * at[j].x;
    }
    if (!(sw > 0.0)) return floor_h;
    mean /= sw;
    for (size_t j = 0; j < n; j++) var += at[j].w * (at[j].x - mean) * (at[j].x - mean);
    const double sigma = sqrt(var / sw), n_eff = sw * sw / sw2;
    return fmax(SF_CMP_SILVERMAN_FACTOR * sigma * pow(n_eff, SF_CMP_SILVERMAN_EXPONENT), floor_h);
}

/* Work space of one comparison, allocated once before the time loop. */
typedef struct {
    sf_cmp_atom *atoms; /* m atoms of one sign, sorted by x */
    double *x, *w;      /* m: the sorted atoms split for sf_w1_cells_vs_atoms */
    double *cell_mass;  /* n field cell masses */
    double *fine;       /* n_fine smoothing bins */
    double *bvec;       /* d + d_H: b_⊥ and b_H of one neuron */
} sf_cmp_work;

/* The smoothed particle measure (weights c/m) as densities on the field cells, out[n].
 * Binned on n_fine uniform bins of [edges[0], edges[n]] (closed at the right end), smoothed,
 * then the piecewise-constant fine density integrated over each cell exactly. */
static sf_status smooth_onto_cells(sf_ctx *ctx, const sf_cmp_field *f, sf_cmp_work *wk,
                                   size_t n_fine, const sf_cmp_atom *at, size_t n_at,
                                   double inv_m, double h, double *out)
{
    sf_status status = SF_OK;
    const double lo = f->edges[0], len = f->edges[f->n] - lo, dx = len / (double)n_fine;
    for (size_t k = 0; k < n_fine; k++) wk->fine[k] = 0.0;
    for (size_t j = 0; j < n_at; j++) {
        double s = floor((at[j].x - lo) / dx);
        size_t k = s <= 0.0 ? 0 : s >= (double)(n_fine - 1) ? n_fine - 1 : (size_t)s;
        wk->fine[k] += at[j].w * inv_m;
    }
    SF_TRY(ctx, sf_dct_smooth(ctx, n_fine, len, h, wk->fine));
    /* Cumulative fine mass M(x), linear inside a bin; cell mass = M(right) − M(left). */
    size_t k = 0;
    double cum = 0.0; /* M at the left end of bin k */
    double m_left = 0.0;
    for (size_t c = 0; c < f->n; c++) {
        const double right = f->edges[c + 1];
        double m_right;
        if (c + 1 == f->n) {
            while (k < n_fine) cum += wk->fine[k++];
            m_right = cum;
        } else {
            const double s = (right - lo) / dx;
            while (k < n_fine && (double)(k + 1) <= s) cum += wk->fine[k++];
            m_right = k < n_fine ? cum + (s - (double)k) * wk->fine[k] : cum;
        }
        out[c] = (m_right - m_left) / (right - f->edges[c]);
        m_left = m_right;
    }
cleanup:
    return status;
}

/* Neurons of sign eps (+1: a ≥ 0, −1: a < 0) at time index t into wk->atoms, sorted. */
static size_t collect_sign(const sf_particles *p, size_t t, int eps, int radial,
                           sf_cmp_work *wk, double *mass_sum)
{
    size_t n = 0;
    *mass_sum = 0.0;
    for (size_t i = 0; i < p->m; i++) {
        const double a = p->a[t * p->m + i];
        if ((eps > 0) != (a >= 0.0)) continue;
        neuron_geometry(p, t, i, radial, wk->bvec, &wk->atoms[n].x, &wk->atoms[n].w);
        *mass_sum += wk->atoms[n].w;
        n++;
    }
    qsort(wk->atoms, n, sizeof *wk->atoms, atom_cmp);
    for (size_t j = 0; j < n; j++) {
        wk->x[j] = wk->atoms[j].x;
        wk->w[j] = wk->atoms[j].w;
    }
    return n;
}

/* ---- the comparison ------------------------------------------------------------------------- */

static const sf_nc_series sf_cmp_series[SF_CMP_N_SERIES] = {
    {"risk_field", "population risk R (M2) of the grid solution, by (M14)", "1"},
    {"risk_particles", "risk of the particle run, as stored in its file", "1"},
    {"risk_gap", "risk_particles - risk_field", "1"},
    {"mass_plus_field", "mass of tau_plus, grid", "1"},
    {"mass_plus_particles", "(1/m) sum over a > 0 of |a||b|", "1"},
    {"mass_minus_field", "mass of tau_minus, grid", "1"},
    {"mass_minus_particles", "(1/m) sum over a < 0 of |a||b|", "1"},
    {"mass_plus_gap", "mass_plus_particles - mass_plus_field", "1"},
    {"mass_minus_gap", "mass_minus_particles - mass_minus_field", "1"},
    {"w1_plus", "W1 distance between the normalised tau_plus marginals (exact, from CDFs)", "rad"},
    {"w1_minus", "W1 distance between the normalised tau_minus marginals (exact, from CDFs)",
     "rad"},
    {"smoothing_width_plus", "Gaussian width h used to smooth the positive particles", "rad"},
    {"smoothing_width_minus", "Gaussian width h used to smooth the negative particles", "rad"},
};

static const sf_nc_field sf_cmp_fields[SF_CMP_N_FIELDS] = {
    {"tau_plus_field", "lifted density tau_plus of the grid solution (M15)", "1/rad", 1, {0}},
    {"tau_minus_field", "lifted density tau_minus of the grid solution (M15)", "1/rad", 1, {0}},
    {"tau_plus_particles", "positive particles (weights |a||b|/m), binned, smoothed with "
     "reflection, averaged over the cells", "1/rad", 1, {0}},
    {"tau_minus_particles", "negative particles (weights |a||b|/m), binned, smoothed with "
     "reflection, averaged over the cells", "1/rad", 1, {0}},
};

static sf_status open_output(sf_ctx *ctx, const char *out, const char *field,
                             const char *particles, const sf_cmp_field *f,
                             const sf_particles *p, double bandwidth, size_t n_fine,
                             sf_ncw **w)
{
    const sf_nc_coord coord = {f->coord->name, f->coord->long_name, f->coord->units, f->n, f->centres,
                               f->edges};
    const sf_nc_attr attrs[] = {
        {"symflow_kind", SF_NC_ATTR_TEXT, "compare", 0, 0},
        {"symflow_version", SF_NC_ATTR_TEXT, SF_VERSION, 0, 0},
        {"field_file", SF_NC_ATTR_TEXT, field, 0, 0},
        {"particles_file", SF_NC_ATTR_TEXT, particles, 0, 0},
        {"d", SF_NC_ATTR_INT, NULL, 0, (long)f->d},
        {"d_H", SF_NC_ATTR_INT, NULL, 0, (long)f->d_H},
        {"m", SF_NC_ATTR_INT, NULL, 0, (long)p->m},
        {"fine_bins", SF_NC_ATTR_INT, NULL, 0, (long)n_fine},
        {"bandwidth_rule", SF_NC_ATTR_TEXT,
         bandwidth > 0.0 ? "fixed" : "silverman 1.06 sigma n_eff^(-1/5), floored at 3 fine bins",
         0, 0},
        {"bandwidth", SF_NC_ATTR_DOUBLE, NULL, bandwidth > 0.0 ? bandwidth : 0.0, 0},
    };
    const sf_nc_layout layout = {
        .title = "symflow compare: form-L grid solution against particles (MATH.md section 6)",
        .coords = &coord, .n_coords = 1, .fields = sf_cmp_fields, .n_fields = SF_CMP_N_FIELDS,
        .series = sf_cmp_series, .n_series = SF_CMP_N_SERIES, .attrs = attrs,
        .n_attrs = sizeof attrs / sizeof attrs[0]};
    return sf_ncw_create(ctx, out, &layout, w);
}

/* Index into p->times matching t, or p->n_times if none; *from advances monotonically. */
static size_t match_time(const sf_particles *p, double t, size_t *from)
{
    const double tol = SF_CMP_TIME_RTOL * fmax(1.0, fabs(t));
    while (*from < p->n_times && p->times[*from] < t - tol) (*from)++;
    if (*from < p->n_times && fabs(p->times[*from] - t) <= tol) return *from;
    return p->n_times;
}

/* One comparison as the dispatcher hands it to a comparer: the arguments of
 * sf_compare_files, checked (names non-empty, output not an input, bandwidth finite). */
typedef struct {
    const char *field, *particles, *out; /* borrowed; out may be NULL */
    sf_compare_params prm;
    sf_compare_summary *s;               /* filled by the comparer (starts zeroed, NaN maxima) */
} sf_cmp_job;

/* The particle file of a comparison, with d and d_H equal to the field's (SF_E_ARG). */
static sf_status read_particles_for(sf_ctx *ctx, const sf_cmp_job *job, size_t d, size_t d_H,
                                    sf_particles *p)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, sf_ncp_read(ctx, job->particles, p));
    SF_CHECK(ctx, p->d == d, SF_E_ARG, "%s: d = %zu but field %s has d = %zu", job->particles,
             p->d, job->field, d);
    SF_CHECK(ctx, p->d_H == d_H, SF_E_ARG, "%s: d_H = %zu but field %s has d_H = %zu",
             job->particles, p->d_H, job->field, d_H);
cleanup:
    return status;
}

/* At least one output time of the field (times[n]) also in the particle file (SF_E_RANGE). */
static sf_status check_common_times(sf_ctx *ctx, const sf_cmp_job *job, const double *times,
                                    size_t n, const sf_particles *p)
{
    sf_status status = SF_OK;
    size_t n_common = 0, from = 0;
    for (size_t k = 0; k < n; k++)
        if (match_time(p, times[k], &from) < p->n_times) n_common++;
    SF_CHECK(ctx, n_common > 0, SF_E_RANGE,
             "%s and %s: no common output time (field: %zu times in [%g, %g]; particles: %zu "
             "times in [%g, %g]; a match needs |t_f - t_p| ≤ %g·max(1, |t|))", job->field,
             job->particles, n, times[0], times[n - 1], p->n_times, p->times[0],
             p->times[p->n_times - 1], SF_CMP_TIME_RTOL);
cleanup:
    return status;
}

/* The risk entries of the summary after one more common time. */
static void summary_risk(sf_compare_summary *s, double rf, double rp)
{
    const double gap = rp - rf;
    s->n_times++;
    s->sup_risk_gap = fmax(s->sup_risk_gap, fabs(gap));
    s->sup_rel_risk_gap = fmax(s->sup_rel_risk_gap,
                               gap == 0.0 ? 0.0 : rf == 0.0 ? INFINITY : fabs(gap / rf));
    s->final_risk_field = rf;
    s->final_risk_particles = rp;
}

/* Form L ("lifted"): θ or φ marginals per sign, masses, smoothed densities. */
static sf_status compare_lifted(sf_ctx *ctx, const sf_cmp_job *job)
{
    sf_status status = SF_OK;
    sf_cmp_field f = {0};
    sf_particles p = {0};
    sf_cmp_work wk = {0};
    sf_ncw *w = NULL;
    double *smooth_plus = NULL, *smooth_minus = NULL;
    const char *field = job->field, *particles = job->particles, *out = job->out;
    const sf_compare_params prm = job->prm;
    sf_compare_summary s = *job->s;

    SF_TRY(ctx, field_read(ctx, field, &f));
    SF_TRY(ctx, read_particles_for(ctx, job, f.d, f.d_H, &p));
    SF_TRY(ctx, check_common_times(ctx, job, f.times, f.n_times, &p));
    size_t from = 0;

    const size_t n_fine = f.n * SF_CMP_FINE_PER_CELL > SF_CMP_FINE_MIN
                              ? f.n * SF_CMP_FINE_PER_CELL : SF_CMP_FINE_MIN;
    const double dx_fine = (f.edges[f.n] - f.edges[0]) / (double)n_fine;
    const double min_h = SF_CMP_MIN_WIDTH_BINS * dx_fine;
    SF_CHECK(ctx, prm.bandwidth <= 0.0 || prm.bandwidth >= min_h, SF_E_RANGE,
             "compare: bandwidth = %g rad: expected ≥ %g rad (%g bins of the %zu-bin smoothing "
             "grid of %s; narrower widths ring), or ≤ 0 for Silverman's rule", prm.bandwidth,
             min_h, SF_CMP_MIN_WIDTH_BINS, n_fine, field);
    const double inv_m = 1.0 / (double)p.m;
    SF_ALLOC(ctx, wk.atoms, p.m);
    SF_ALLOC(ctx, wk.x, p.m);
    SF_ALLOC(ctx, wk.w, p.m);
    SF_ALLOC(ctx, wk.cell_mass, f.n);
    SF_ALLOC(ctx, wk.fine, n_fine);
    SF_ALLOC(ctx, wk.bvec, p.d + p.d_H); /* neuron_geometry: b_⊥ and b_H */
    SF_ALLOC(ctx, smooth_plus, f.n);
    SF_ALLOC(ctx, smooth_minus, f.n);
    if (out)
        SF_TRY(ctx, open_output(ctx, out, field, particles, &f, &p, prm.bandwidth, n_fine, &w));

    from = 0;
    for (size_t k = 0; k < f.n_times; k++) {
        const size_t tp = match_time(&p, f.times[k], &from);
        if (tp == p.n_times) continue;
        const double *tau[2] = {f.tau_plus + k * f.n, f.tau_minus + k * f.n};
        double *smooth[2] = {smooth_plus, smooth_minus};
        double mass_p[2], w1[2], h[2];
        for (int sg = 0; sg < 2; sg++) {
            double csum;
            const size_t n_at = collect_sign(&p, tp, sg == 0 ? 1 : -1, f.radial, &wk, &csum);
            mass_p[sg] = csum * inv_m;
            for (size_t c = 0; c < f.n; c++)
                wk.cell_mass[c] = tau[sg][c] * (f.edges[c + 1] - f.edges[c]);
            w1[sg] = sf_w1_cells_vs_atoms(f.n, f.edges, wk.cell_mass, n_at, wk.x, wk.w);
            h[sg] = prm.bandwidth > 0.0 ? prm.bandwidth : silverman_width(wk.atoms, n_at, min_h);
            SF_TRY(ctx, smooth_onto_cells(ctx, &f, &wk, n_fine, wk.atoms, n_at, inv_m, h[sg],
                                          smooth[sg]));
        }
        const double rf = f.risk[k], rp = p.risk[tp], gap = rp - rf;
        const double series[SF_CMP_N_SERIES] = {
            rf, rp, gap, f.mass_plus[k], mass_p[0], f.mass_minus[k], mass_p[1],
            mass_p[0] - f.mass_plus[k], mass_p[1] - f.mass_minus[k], w1[0], w1[1], h[0], h[1]};
        if (w) {
            const double *fields[SF_CMP_N_FIELDS] = {tau[0], tau[1], smooth_plus, smooth_minus};
            SF_TRY(ctx, sf_ncw_append(ctx, w, f.times[k], fields, series));
        }
        summary_risk(&s, rf, rp);
        s.max_w1_plus = fmax(s.max_w1_plus, w1[0]); /* fmax ignores a NaN argument */
        s.max_w1_minus = fmax(s.max_w1_minus, w1[1]);
        s.final_mass_plus_field = f.mass_plus[k];
        s.final_mass_plus_particles = mass_p[0];
        s.final_mass_minus_field = f.mass_minus[k];
        s.final_mass_minus_particles = mass_p[1];
    }
    if (w) SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    *job->s = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0);
    field_free(&f);
    sf_particles_free(&p);
    free(wk.atoms);
    free(wk.x);
    free(wk.w);
    free(wk.cell_mass);
    free(wk.fine);
    free(wk.bvec);
    free(smooth_plus);
    free(smooth_minus);
    return status;
}

/* ---- form T ("transport"): marginals in a, u, r ------------------------------------------- */

/* One axis of a form-T or ode field file: centres var(name) and faces from name_bnds(name,
 * nv), contiguous and increasing. */
typedef struct {
    const sf_coord *coord;
    size_t n;
    double *centres, *edges; /* n, n + 1 (owned) */
} sf_cmp_axis;

/* The compare file of a form-T, ode, hemisphere or form-H comparer: one coordinate per axis
 * (at most 3), the attributes every compare file carries (kind, version, form, the two input
 * files, d, d_H, m) and the comparer's fields and series. */
static sf_status create_compare_file(sf_ctx *ctx, const sf_cmp_job *job, const char *form,
                                     const char *title, const sf_cmp_axis *ax, size_t n_ax,
                                     const sf_nc_field *fields, size_t n_fields,
                                     const sf_nc_series *series, size_t n_series, size_t d,
                                     size_t d_H, size_t m, sf_ncw **w)
{
    sf_nc_coord coords[3];
    for (size_t k = 0; k < n_ax && k < 3; k++)
        coords[k] = (sf_nc_coord){ax[k].coord->name, ax[k].coord->long_name, ax[k].coord->units,
                                  ax[k].n, ax[k].centres, ax[k].edges};
    const sf_nc_attr attrs[] = {
        {"symflow_kind", SF_NC_ATTR_TEXT, "compare", 0, 0},
        {"symflow_version", SF_NC_ATTR_TEXT, SF_VERSION, 0, 0},
        {"form", SF_NC_ATTR_TEXT, form, 0, 0},
        {"field_file", SF_NC_ATTR_TEXT, job->field, 0, 0},
        {"particles_file", SF_NC_ATTR_TEXT, job->particles, 0, 0},
        {"d", SF_NC_ATTR_INT, NULL, 0, (long)d},
        {"d_H", SF_NC_ATTR_INT, NULL, 0, (long)d_H},
        {"m", SF_NC_ATTR_INT, NULL, 0, (long)m},
    };
    const sf_nc_layout layout = {
        .title = title, .coords = coords, .n_coords = n_ax < 3 ? n_ax : 3, .fields = fields,
        .n_fields = n_fields, .series = series, .n_series = n_series, .attrs = attrs,
        .n_attrs = sizeof attrs / sizeof attrs[0]};
    return sf_ncw_create(ctx, job->out, &layout, w);
}

static void axis_free(sf_cmp_axis *x)
{
    free(x->centres);
    free(x->edges);
    memset(x, 0, sizeof *x);
}

static sf_status axis_read(sf_ctx *ctx, const char *path, sf_coord_id id, sf_cmp_axis *x)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    char bn[SF_NC_NAME_LEN + 8], dims[SF_NC_NAME_LEN + 8];
    memset(x, 0, sizeof *x);
    x->coord = sf_coord_get(id);
    const char *cn = x->coord->name;
    SF_TRY(ctx, take_var(ctx, path, cn, cn, &arr, &x->centres));
    snprintf(bn, sizeof bn, "%s_bnds", cn);
    snprintf(dims, sizeof dims, "%s, nv", cn);
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, bn, dims, &arr));
    x->n = arr.shape[0];
    SF_CHECK(ctx, x->n >= 1 && arr.shape[1] == 2, SF_E_NETCDF,
             "%s: variable %s: shape (%zu, %zu): expected (n >= 1, 2)", path, bn, arr.shape[0],
             arr.shape[1]);
    SF_TRY(ctx, check_finite(ctx, path, bn, arr.data, 2 * x->n));
    SF_TRY(ctx, check_finite(ctx, path, cn, x->centres, x->n));
    SF_ALLOC(ctx, x->edges, x->n + 1);
    const double *b = arr.data;
    for (size_t i = 0; i < x->n; i++) {
        x->edges[i] = b[2 * i];
        SF_CHECK(ctx, b[2 * i + 1] > b[2 * i], SF_E_NETCDF,
                 "%s: variable %s: cell %zu = [%.17g, %.17g]: expected increasing bounds", path,
                 bn, i, b[2 * i], b[2 * i + 1]);
        if (i + 1 < x->n)
            SF_CHECK(ctx, fabs(b[2 * i + 1] - b[2 * i + 2]) <=
                              SF_CMP_EDGE_RTOL * fmax(1.0, fabs(b[2 * i + 1])),
                     SF_E_NETCDF, "%s: variable %s: cell %zu ends at %.17g, cell %zu starts at "
                     "%.17g: expected contiguous cells", path, bn, i, b[2 * i + 1], i + 1,
                     b[2 * i + 2]);
    }
    x->edges[x->n] = b[2 * x->n - 1];
cleanup:
    sf_nc_array_free(&arr);
    if (status != SF_OK) axis_free(x);
    return status;
}

/* var(time, axis) with n_times rows, finite, into *data (owned). */
static sf_status take_on_axis(sf_ctx *ctx, const char *path, const char *var,
                              const sf_cmp_axis *x, size_t n_times, double **data)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    char dims[SF_NC_NAME_LEN + 8];
    snprintf(dims, sizeof dims, "time, %s", x->coord->name);
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, var, dims, &arr));
    SF_CHECK(ctx, arr.shape[0] == n_times && arr.shape[1] == x->n, SF_E_NETCDF,
             "%s: variable %s: shape (%zu, %zu): expected (%zu, %zu)", path, var, arr.shape[0],
             arr.shape[1], n_times, x->n);
    SF_TRY(ctx, check_finite(ctx, path, var, arr.data, n_times * x->n));
    *data = arr.data;
    arr.data = NULL;
cleanup:
    sf_nc_array_free(&arr);
    return status;
}

/* var(time) with n_times values, finite, into *data (owned). */
static sf_status take_series(sf_ctx *ctx, const char *path, const char *var, size_t n_times,
                             double **data)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, var, "time", &arr));
    SF_CHECK(ctx, arr.shape[0] == n_times, SF_E_NETCDF,
             "%s: variable %s: %zu values: expected %zu (one per time)", path, var, arr.shape[0],
             n_times);
    SF_TRY(ctx, check_finite(ctx, path, var, arr.data, n_times));
    *data = arr.data;
    arr.data = NULL;
cleanup:
    sf_nc_array_free(&arr);
    return status;
}

/* The time axis of a field file: finite, at least one value, strictly increasing. */
static sf_status take_times(sf_ctx *ctx, const char *path, double **times, size_t *n)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, "time", "time", &arr));
    *n = arr.shape[0];
    SF_CHECK(ctx, *n >= 1, SF_E_NETCDF, "%s: variable time: empty: expected at least one time",
             path);
    SF_TRY(ctx, check_finite(ctx, path, "time", arr.data, *n));
    for (size_t k = 1; k < *n; k++)
        SF_CHECK(ctx, arr.data[k] > arr.data[k - 1], SF_E_NETCDF,
                 "%s: variable time: time[%zu] = %g after time[%zu] = %g: expected increasing",
                 path, k, arr.data[k], k - 1, arr.data[k - 1]);
    *times = arr.data;
    arr.data = NULL;
cleanup:
    sf_nc_array_free(&arr);
    return status;
}

/* Components of b_i (time index t) in H, b_H[d_H], and |b_⊥| (neuron_project). work: d
 * doubles. */
static double neuron_split(const sf_particles *p, size_t t, size_t i, double *work, double *bh)
{
    return sqrt(neuron_project(p, t, i, work, bh));
}

static int double_cmp(const void *pa, const void *pb)
{
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Particles x[m] (sorted) with weight 1/m binned on the cells of x: densities out[n]
 * (atoms outside the box are left out). */
static void histogram(const sf_cmp_axis *ax, const double *x, size_t m, double *out)
{
    for (size_t c = 0; c < ax->n; c++) out[c] = 0.0;
    size_t c = 0;
    for (size_t j = 0; j < m; j++) {
        if (x[j] < ax->edges[0] || x[j] > ax->edges[ax->n]) continue;
        while (c + 1 < ax->n && x[j] >= ax->edges[c + 1]) c++;
        out[c] += 1.0 / (double)m;
    }
    for (size_t k = 0; k < ax->n; k++) out[k] /= ax->edges[k + 1] - ax->edges[k];
}

enum { SF_CMP_T_N_SERIES = 9, SF_CMP_T_N_FIELDS = 6 };

static const sf_nc_series sf_cmp_t_series[SF_CMP_T_N_SERIES] = {
    {"risk_field", "population risk R (M2) of the grid solution", "1"},
    {"risk_particles", "risk of the particle run, as stored in its file", "1"},
    {"risk_gap", "risk_particles - risk_field", "1"},
    {"w1_a", "W1 distance between the normalised a-marginals (exact, from CDFs)", "1"},
    {"w1_u", "W1 distance between the normalised u-marginals (exact, from CDFs)", "1"},
    {"w1_r", "W1 distance between the normalised r-marginals (exact, from CDFs)", "1"},
    {"mass_field", "mass of the density, grid (the particles have mass 1)", "1"},
    {"w_field", "predictor coefficient w along e_1 of the grid solution (M8)", "1"},
    {"w_particles", "(1/2m) sum of a_i u_i", "1"},
};

static const sf_nc_field sf_cmp_t_fields[SF_CMP_T_N_FIELDS] = {
    {"density_a_field", "marginal density in a, grid (copy)", "1", 1, {0}},
    {"density_u_field", "marginal density in u, grid (copy)", "1", 1, {1}},
    {"density_r_field", "marginal density in r, grid (copy)", "1", 1, {2}},
    {"density_a_particles", "particles (weights 1/m) binned on the a cells", "1", 1, {0}},
    {"density_u_particles", "particles (weights 1/m) binned on the u cells", "1", 1, {1}},
    {"density_r_particles", "particles (weights 1/m) binned on the r cells", "1", 1, {2}},
};

static sf_status compare_transport(sf_ctx *ctx, const sf_cmp_job *job)
{
    static const sf_coord_id ids[3] = {SF_COORD_A, SF_COORD_U, SF_COORD_R};
    static const char *const marg[3] = {"density_a", "density_u", "density_r"};
    sf_status status = SF_OK;
    const char *path = job->field;
    sf_cmp_axis ax[3] = {{0}};
    double *dens[3] = {NULL}, *hist[3] = {NULL}, *vals[3] = {NULL}, *cm[3] = {NULL};
    double *times = NULL, *risk = NULL, *mass = NULL, *wf = NULL, *work = NULL, *ones = NULL;
    sf_particles p = {0};
    sf_ncw *w = NULL;
    sf_compare_summary s = *job->s;
    size_t d = 0, d_H = 0, nt = 0;

    SF_TRY(ctx, read_size_attr(ctx, path, "d", &d));
    SF_TRY(ctx, read_size_attr(ctx, path, "d_H", &d_H));
    SF_CHECK(ctx, d_H == 1, SF_E_NETCDF, "%s: form = \"transport\" with d_H = %zu: expected "
             "d_H = 1", path, d_H);
    SF_TRY(ctx, take_times(ctx, path, &times, &nt));
    for (int k = 0; k < 3; k++) {
        SF_TRY(ctx, axis_read(ctx, path, ids[k], &ax[k]));
        SF_TRY(ctx, take_on_axis(ctx, path, marg[k], &ax[k], nt, &dens[k]));
    }
    SF_TRY(ctx, take_series(ctx, path, "risk", nt, &risk));
    SF_TRY(ctx, take_series(ctx, path, "mass", nt, &mass));
    SF_TRY(ctx, take_series(ctx, path, "w", nt, &wf));
    SF_TRY(ctx, read_particles_for(ctx, job, d, d_H, &p));
    SF_TRY(ctx, check_common_times(ctx, job, times, nt, &p));
    for (int k = 0; k < 3; k++) {
        SF_ALLOC(ctx, vals[k], p.m);
        SF_ALLOC(ctx, hist[k], ax[k].n);
        SF_ALLOC(ctx, cm[k], ax[k].n);
    }
    SF_ALLOC(ctx, work, p.d);
    SF_ALLOC(ctx, ones, p.m);
    for (size_t i = 0; i < p.m; i++) ones[i] = 1.0;
    if (job->out) {
        SF_TRY(ctx, create_compare_file(
            ctx, job, "transport",
            "symflow compare: form-T grid solution against particles (MATH.md section 6)",
            ax, 3, sf_cmp_t_fields, SF_CMP_T_N_FIELDS, sf_cmp_t_series, SF_CMP_T_N_SERIES,
            d, d_H, p.m, &w));
    }
    size_t from = 0;
    for (size_t k = 0; k < nt; k++) {
        const size_t tp = match_time(&p, times[k], &from);
        if (tp == p.n_times) continue;
        double wp = 0.0, bh = 0.0;
        for (size_t i = 0; i < p.m; i++) {
            const double r = neuron_split(&p, tp, i, work, &bh);
            vals[0][i] = p.a[tp * p.m + i];
            vals[1][i] = bh;
            vals[2][i] = r;
            wp += vals[0][i] * bh;
        }
        wp *= 0.5 / (double)p.m;
        double w1[3];
        for (int x = 0; x < 3; x++) {
            qsort(vals[x], p.m, sizeof *vals[x], double_cmp);
            const double *dn = dens[x] + k * ax[x].n;
            for (size_t c = 0; c < ax[x].n; c++)
                cm[x][c] = dn[c] * (ax[x].edges[c + 1] - ax[x].edges[c]);
            w1[x] = sf_w1_cells_vs_atoms(ax[x].n, ax[x].edges, cm[x], p.m, vals[x], ones);
            histogram(&ax[x], vals[x], p.m, hist[x]);
        }
        const double rf = risk[k], rp = p.risk[tp];
        const double series[SF_CMP_T_N_SERIES] = {rf, rp, rp - rf, w1[0], w1[1], w1[2],
                                                  mass[k], wf[k], wp};
        if (w) {
            const double *fields[SF_CMP_T_N_FIELDS] = {
                dens[0] + k * ax[0].n, dens[1] + k * ax[1].n, dens[2] + k * ax[2].n,
                hist[0], hist[1], hist[2]};
            SF_TRY(ctx, sf_ncw_append(ctx, w, times[k], fields, series));
        }
        summary_risk(&s, rf, rp);
        s.max_w1_a = fmax(s.max_w1_a, w1[0]);
        s.max_w1_u = fmax(s.max_w1_u, w1[1]);
        s.max_w1_r = fmax(s.max_w1_r, w1[2]);
        s.max_w_gap = fmax(s.max_w_gap, fabs(wp - wf[k]));
    }
    if (w) SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    *job->s = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0);
    for (int k = 0; k < 3; k++) {
        axis_free(&ax[k]);
        free(dens[k]);
        free(hist[k]);
        free(vals[k]);
        free(cm[k]);
    }
    free(times);
    free(risk);
    free(mass);
    free(wf);
    free(work);
    free(ones);
    sf_particles_free(&p);
    return status;
}

/* ---- form ode: the coefficient w in H ----------------------------------------------------- */

enum { SF_CMP_O_N_SERIES = 6, SF_CMP_O_N_FIELDS = 3 };

static const sf_nc_series sf_cmp_o_series[SF_CMP_O_N_SERIES] = {
    {"risk_field", "population risk R (M2) of the ODE solution", "1"},
    {"risk_particles", "risk of the particle run, as stored in its file", "1"},
    {"risk_gap", "risk_particles - risk_field", "1"},
    {"w_gap", "|w_particles - w_field| (Euclidean, in the basis of H)", "1"},
    {"w_error_field", "|w_field - w_star|", "1"},
    {"w_error_particles", "|w_particles - w_star|", "1"},
};

static const sf_nc_field sf_cmp_o_fields[SF_CMP_O_N_FIELDS] = {
    {"w_field", "w = 1/2 int a b dmu in the basis of H, ODE solution (copy)", "1", 1, {0}},
    {"w_particles", "(1/2m) sum of a_i b_i projected on H", "1", 1, {0}},
    {"w_star", "target coefficient w* (copy)", "1", 1, {0}},
};

static sf_status compare_ode(sf_ctx *ctx, const sf_cmp_job *job)
{
    sf_status status = SF_OK;
    const char *path = job->field;
    sf_cmp_axis ax = {0};
    double *times = NULL, *risk = NULL, *wf = NULL, *ws = NULL, *wp = NULL, *bh = NULL;
    double *work = NULL;
    sf_particles p = {0};
    sf_ncw *w = NULL;
    sf_compare_summary s = *job->s;
    size_t d = 0, d_H = 0, nt = 0;

    SF_TRY(ctx, read_size_attr(ctx, path, "d", &d));
    SF_TRY(ctx, read_size_attr(ctx, path, "d_H", &d_H));
    SF_TRY(ctx, take_times(ctx, path, &times, &nt));
    SF_TRY(ctx, axis_read(ctx, path, SF_COORD_COMPONENT, &ax));
    SF_CHECK(ctx, ax.n == d_H, SF_E_NETCDF, "%s: dimension component = %zu: expected d_H = %zu",
             path, ax.n, d_H);
    SF_TRY(ctx, take_on_axis(ctx, path, "w", &ax, nt, &wf));
    SF_TRY(ctx, take_on_axis(ctx, path, "w_star", &ax, nt, &ws));
    SF_TRY(ctx, take_series(ctx, path, "risk", nt, &risk));
    SF_TRY(ctx, read_particles_for(ctx, job, d, d_H, &p));
    SF_TRY(ctx, check_common_times(ctx, job, times, nt, &p));
    SF_ALLOC(ctx, wp, d_H);
    SF_ALLOC(ctx, bh, d_H);
    SF_ALLOC(ctx, work, p.d);
    if (job->out) {
        SF_TRY(ctx, create_compare_file(
            ctx, job, "ode",
            "symflow compare: ODE solution (form ode) against particles (MATH.md section 6)",
            &ax, 1, sf_cmp_o_fields, SF_CMP_O_N_FIELDS, sf_cmp_o_series, SF_CMP_O_N_SERIES,
            d, d_H, p.m, &w));
    }
    size_t from = 0;
    for (size_t k = 0; k < nt; k++) {
        const size_t tp = match_time(&p, times[k], &from);
        if (tp == p.n_times) continue;
        for (size_t c = 0; c < d_H; c++) wp[c] = 0.0;
        for (size_t i = 0; i < p.m; i++) {
            (void)neuron_split(&p, tp, i, work, bh);
            const double a = p.a[tp * p.m + i];
            for (size_t c = 0; c < d_H; c++) wp[c] += a * bh[c];
        }
        double gap = 0.0, ef = 0.0, ep = 0.0;
        const double *wfk = wf + k * d_H, *wsk = ws + k * d_H;
        for (size_t c = 0; c < d_H; c++) {
            wp[c] *= 0.5 / (double)p.m;
            gap += (wp[c] - wfk[c]) * (wp[c] - wfk[c]);
            ef += (wfk[c] - wsk[c]) * (wfk[c] - wsk[c]);
            ep += (wp[c] - wsk[c]) * (wp[c] - wsk[c]);
        }
        gap = sqrt(gap);
        const double rf = risk[k], rp = p.risk[tp];
        const double series[SF_CMP_O_N_SERIES] = {rf, rp, rp - rf, gap, sqrt(ef), sqrt(ep)};
        if (w) {
            const double *fields[SF_CMP_O_N_FIELDS] = {wfk, wp, wsk};
            SF_TRY(ctx, sf_ncw_append(ctx, w, times[k], fields, series));
        }
        summary_risk(&s, rf, rp);
        s.max_w_gap = fmax(s.max_w_gap, gap);
    }
    if (w) SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    *job->s = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0);
    axis_free(&ax);
    free(times);
    free(risk);
    free(wf);
    free(ws);
    free(wp);
    free(bh);
    free(work);
    sf_particles_free(&p);
    return status;
}

/* ---- form L on the d_H = 2 hemisphere: θ- and φ-marginals ------------------------------ */

enum { SF_CMP_H_N_SERIES = 11, SF_CMP_H_N_FIELDS = 8 };

static const sf_nc_series sf_cmp_h_series[SF_CMP_H_N_SERIES] = {
    {"risk_field", "population risk R (M2) of the grid solution, by (M14)", "1"},
    {"risk_particles", "risk of the particle run, as stored in its file", "1"},
    {"risk_gap", "risk_particles - risk_field", "1"},
    {"mass_plus_field", "mass of tau_plus, grid", "1"},
    {"mass_plus_particles", "(1/m) sum over a > 0 of |a||b|", "1"},
    {"mass_minus_field", "mass of tau_minus, grid", "1"},
    {"mass_minus_particles", "(1/m) sum over a < 0 of |a||b|", "1"},
    {"w1_theta_plus", "W1 between the normalised theta-marginals of tau_plus (exact, CDFs)", "rad"},
    {"w1_theta_minus", "W1 between the normalised theta-marginals of tau_minus", "rad"},
    {"w1_phi_plus", "circular W1 between the normalised phi-marginals of tau_plus "
     "(min over c of the integral of |F - G - c|)", "rad"},
    {"w1_phi_minus", "circular W1 between the normalised phi-marginals of tau_minus", "rad"},
};

static const sf_nc_field sf_cmp_h_fields[SF_CMP_H_N_FIELDS] = {
    {"theta_plus_field", "theta-marginal of tau_plus, grid (cell averages)", "1/rad", 1, {0}},
    {"theta_plus_particles", "theta-marginal of the positive particles (weights |a||b|/m), "
     "binned", "1/rad", 1, {0}},
    {"theta_minus_field", "theta-marginal of tau_minus, grid", "1/rad", 1, {0}},
    {"theta_minus_particles", "theta-marginal of the negative particles, binned", "1/rad", 1, {0}},
    {"phi_plus_field", "phi-marginal of tau_plus, grid (cell averages)", "1/rad", 1, {1}},
    {"phi_plus_particles", "phi-marginal of the positive particles, binned", "1/rad", 1, {1}},
    {"phi_minus_field", "phi-marginal of tau_minus, grid", "1/rad", 1, {1}},
    {"phi_minus_particles", "phi-marginal of the negative particles, binned", "1/rad", 1, {1}},
};

/* 1 if the field's tau_plus spans (time, theta, phi) (form L on the hemisphere). */
static int field_is_hemi(sf_ctx *ctx, const char *path)
{
    sf_nc_array arr = {0};
    const sf_status st = sf_nc_read(ctx, path, "tau_plus", &arr);
    const int yes = st == SF_OK && arr.ndims == 3;
    sf_nc_array_free(&arr);
    if (st != SF_OK) sf_ctx_clear(ctx); /* compare_lifted reports it */
    return yes;
}

/* Atoms at[n] (sorted by x) binned with their weights on the cells of ax: densities out[] per
 * unit of the coordinate, weights / m (atoms outside the box are left out). */
static void histogram_weighted(const sf_cmp_axis *ax, const sf_cmp_atom *at, size_t n, size_t m,
                               double *out)
{
    for (size_t c = 0; c < ax->n; c++) out[c] = 0.0;
    size_t c = 0;
    for (size_t j = 0; j < n; j++) {
        if (!(at[j].x >= ax->edges[0] && at[j].x <= ax->edges[ax->n])) continue;
        while (c + 1 < ax->n && at[j].x >= ax->edges[c + 1]) c++;
        out[c] += at[j].w / (double)m;
    }
    for (size_t k = 0; k < ax->n; k++) out[k] /= ax->edges[k + 1] - ax->edges[k];
}

/* W₁ of cell masses on ax against the sorted atoms at[n] (circular when periodic). */
static double w1_axis(const sf_cmp_axis *ax, const double *cell_mass, const sf_cmp_atom *at,
                      size_t n, double *x, double *w, int periodic)
{
    for (size_t j = 0; j < n; j++) {
        x[j] = at[j].x;
        w[j] = at[j].w;
    }
    return periodic ? sf_w1_circle_cells_vs_atoms(ax->n, ax->edges, cell_mass, n, x, w)
                    : sf_w1_cells_vs_atoms(ax->n, ax->edges, cell_mass, n, x, w);
}

/* Form L on the hemisphere: a neuron is ε = sign a, c = |a||b|, θ = atan2(|b_⊥|, |b_H|),
 * φ = atan2(b_H,2, b_H,1) in [0, 2π) (MATH §4.8); per sign the θ-marginal (W₁ exact) and the
 * φ-marginal (circular W₁, (M19)), masses and the risk gap. */
static sf_status compare_hemi(sf_ctx *ctx, const sf_cmp_job *job)
{
    sf_status status = SF_OK;
    const char *path = job->field;
    sf_cmp_axis ax_t = {0}, ax_p = {0};
    sf_nc_array arr = {0};
    double *times = NULL, *risk = NULL, *mplus = NULL, *mminus = NULL, *tau[2] = {NULL, NULL};
    double *work = NULL, *x = NULL, *wt = NULL, *marg = NULL;
    sf_cmp_atom *at_t = NULL, *at_p = NULL;
    sf_particles p = {0};
    sf_ncw *w = NULL;
    sf_compare_summary s = *job->s;
    size_t d = 0, d_H = 0, nt = 0;

    SF_TRY(ctx, read_size_attr(ctx, path, "d", &d));
    SF_TRY(ctx, read_size_attr(ctx, path, "d_H", &d_H));
    SF_CHECK(ctx, d_H == 2, SF_E_NETCDF, "%s: tau_plus on (theta, phi) with d_H = %zu: "
             "expected d_H = 2", path, d_H);
    SF_TRY(ctx, take_times(ctx, path, &times, &nt));
    SF_TRY(ctx, axis_read(ctx, path, SF_COORD_THETA, &ax_t));
    SF_TRY(ctx, axis_read(ctx, path, SF_COORD_AZIMUTH, &ax_p));
    const size_t nth = ax_t.n, nph = ax_p.n;
    const char *names[2] = {"tau_plus", "tau_minus"};
    for (int sg = 0; sg < 2; sg++) {
        SF_TRY(ctx, sf_nc_read_expect(ctx, path, names[sg], "time, theta, phi", &arr));
        SF_CHECK(ctx, arr.shape[0] == nt && arr.shape[1] == nth && arr.shape[2] == nph,
                 SF_E_NETCDF, "%s: variable %s: shape (%zu, %zu, %zu): expected (%zu, %zu, %zu)",
                 path, names[sg], arr.shape[0], arr.shape[1], arr.shape[2], nt, nth, nph);
        SF_TRY(ctx, check_finite(ctx, path, names[sg], arr.data, nt * nth * nph));
        tau[sg] = arr.data;
        arr.data = NULL;
        sf_nc_array_free(&arr);
    }
    SF_TRY(ctx, take_series(ctx, path, "risk", nt, &risk));
    SF_TRY(ctx, take_series(ctx, path, "mass_plus", nt, &mplus));
    SF_TRY(ctx, take_series(ctx, path, "mass_minus", nt, &mminus));
    SF_TRY(ctx, read_particles_for(ctx, job, d, d_H, &p));
    SF_TRY(ctx, check_common_times(ctx, job, times, nt, &p));
    SF_ALLOC(ctx, work, p.d + 2);
    SF_ALLOC(ctx, x, p.m);
    SF_ALLOC(ctx, wt, p.m);
    SF_ALLOC(ctx, at_t, p.m);
    SF_ALLOC(ctx, at_p, p.m);
    SF_ALLOC(ctx, marg, 6 * (nth + nph)); /* 2 signs × (θ, φ masses) + 2 × 4 density rows */
    if (job->out) {
        const sf_cmp_axis hemi_ax[2] = {ax_t, ax_p};
        SF_TRY(ctx, create_compare_file(
            ctx, job, "lifted-hemisphere",
            "symflow compare: form-L hemisphere solution against particles "
            "(MATH.md section 6)",
            hemi_ax, 2, sf_cmp_h_fields, SF_CMP_H_N_FIELDS, sf_cmp_h_series, SF_CMP_H_N_SERIES,
            d, d_H, p.m, &w));
    }
    const double inv_m = 1.0 / (double)p.m;
    size_t from = 0;
    for (size_t k = 0; k < nt; k++) {
        const size_t tp = match_time(&p, times[k], &from);
        if (tp == p.n_times) continue;
        double mass_p[2], w1t[2], w1p[2];
        /* marg: per sign, field θ-masses, field φ-masses, then 4 density rows for output */
        const double *dens[8] = {NULL};
        for (int sg = 0; sg < 2; sg++) {
            double *mt = marg + (size_t)sg * (nth + nph), *mp = mt + nth;
            for (size_t i = 0; i < nth; i++) mt[i] = 0.0;
            for (size_t q = 0; q < nph; q++) mp[q] = 0.0;
            const double *tk = tau[sg] + k * nth * nph;
            for (size_t i = 0; i < nth; i++)
                for (size_t q = 0; q < nph; q++) {
                    const double cm = tk[i * nph + q] * (ax_t.edges[i + 1] - ax_t.edges[i]) *
                                      (ax_p.edges[q + 1] - ax_p.edges[q]);
                    mt[i] += cm;
                    mp[q] += cm;
                }
            size_t n = 0;
            double csum = 0.0;
            for (size_t i = 0; i < p.m; i++) {
                const double a = p.a[tp * p.m + i];
                if ((sg == 0) != (a >= 0.0)) continue;
                double bh[2];
                const double r2 = neuron_project(&p, tp, i, work, bh);
                const double hn = hypot(bh[0], bh[1]), c = fabs(a) * sqrt(hn * hn + r2);
                double ph = atan2(bh[1], bh[0]);
                if (ph < 0.0) ph += 2.0 * M_PI;
                if (ph >= 2.0 * M_PI) ph = 0.0;
                at_t[n] = (sf_cmp_atom){atan2(sqrt(r2), hn), c};
                at_p[n] = (sf_cmp_atom){ph, c};
                csum += c;
                n++;
            }
            qsort(at_t, n, sizeof *at_t, atom_cmp);
            qsort(at_p, n, sizeof *at_p, atom_cmp);
            mass_p[sg] = csum * inv_m;
            w1t[sg] = w1_axis(&ax_t, mt, at_t, n, x, wt, 0);
            w1p[sg] = w1_axis(&ax_p, mp, at_p, n, x, wt, 1);
            if (w) { /* densities per rad: field marginals and binned particles */
                double *ft = marg + 2 * (nth + nph) + (size_t)sg * 2 * (nth + nph);
                double *pt = ft + nth, *fp = pt + nth, *pp = fp + nph;
                for (size_t i = 0; i < nth; i++) ft[i] = mt[i] / (ax_t.edges[i + 1] - ax_t.edges[i]);
                for (size_t q = 0; q < nph; q++) fp[q] = mp[q] / (ax_p.edges[q + 1] - ax_p.edges[q]);
                histogram_weighted(&ax_t, at_t, n, p.m, pt);
                histogram_weighted(&ax_p, at_p, n, p.m, pp);
                dens[4 * sg + 0] = ft;
                dens[4 * sg + 1] = pt;
                dens[4 * sg + 2] = fp;
                dens[4 * sg + 3] = pp;
            }
        }
        const double rf = risk[k], rp = p.risk[tp];
        const double series[SF_CMP_H_N_SERIES] = {rf, rp, rp - rf, mplus[k], mass_p[0],
                                                   mminus[k], mass_p[1], w1t[0], w1t[1],
                                                   w1p[0], w1p[1]};
        if (w) {
            const double *fields[SF_CMP_H_N_FIELDS] = {dens[0], dens[1], dens[4], dens[5],
                                                       dens[2], dens[3], dens[6], dens[7]};
            SF_TRY(ctx, sf_ncw_append(ctx, w, times[k], fields, series));
        }
        summary_risk(&s, rf, rp);
        s.max_w1_theta_plus = fmax(s.max_w1_theta_plus, w1t[0]);
        s.max_w1_theta_minus = fmax(s.max_w1_theta_minus, w1t[1]);
        s.max_w1_phi_plus = fmax(s.max_w1_phi_plus, w1p[0]);
        s.max_w1_phi_minus = fmax(s.max_w1_phi_minus, w1p[1]);
        s.final_mass_plus_field = mplus[k];
        s.final_mass_plus_particles = mass_p[0];
        s.final_mass_minus_field = mminus[k];
        s.final_mass_minus_particles = mass_p[1];
    }
    if (w) SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    *job->s = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0);
    sf_nc_array_free(&arr);
    axis_free(&ax_t);
    axis_free(&ax_p);
    free(times);
    free(risk);
    free(mplus);
    free(mminus);
    free(tau[0]);
    free(tau[1]);
    free(work);
    free(x);
    free(wt);
    free(at_t);
    free(at_p);
    free(marg);
    sf_particles_free(&p);
    return status;
}

/* ---- form H ("hyperbolic"): (δ, η, ω) marginals ------------------------------------------- */

/* A neuron (a, b) in form H (MATH §4.7): δ = a² − |b|², ρ = |b|; δ < 0 (family N⁰):
 * η = atanh(a/ρ); δ > 0 (N^±, sgn a = ±): η = atanh(ρ/|a|) ≥ 0; ω = θ or φ (neuron_geometry);
 * weight |δ| (the densities of the field file are |δ|-weighted). Returns 0 for N⁰, 1 for N^±
 * (δ = 0 counts as N⁰ with η = ±∞ and weight 0). */
static int neuron_hyperbolic(const sf_particles *p, size_t t, size_t i, int radial,
                             double *work, double *eta, double *omega, double *weight)
{
    double *bh = work + p->d;
    const double bperp2 = neuron_project(p, t, i, work, bh);
    double bh2 = 0.0;
    for (size_t k = 0; k < p->d_H; k++) bh2 += bh[k] * bh[k];
    const double rho = sqrt(bh2 + bperp2), a = p->a[t * p->m + i];
    *omega = radial ? atan2(sqrt(bperp2), sqrt(bh2)) : atan2(sqrt(bperp2), bh[0]);
    /* |δ| = | |a| − ρ | (|a| + ρ): no cancellation in a² − ρ² */
    *weight = fabs(fabs(a) - rho) * (fabs(a) + rho);
    if (fabs(a) < rho) {
        *eta = atanh(a / rho);
        return 0;
    }
    *eta = fabs(a) > rho ? atanh(rho / fabs(a)) : (a >= 0.0 ? INFINITY : -INFINITY);
    return fabs(a) > rho;
}

/* W₁ of the normalised marginal (density dens on the cells of ax) against atoms at[n] (sorted,
 * weighted); NaN when either side has no mass. xs, ws, cm: scratch of n, n, ax->n. */
static double w1_marginal(const sf_cmp_axis *ax, const double *dens, const sf_cmp_atom *at,
                          size_t n, double *xs, double *ws, double *cm)
{
    for (size_t c = 0; c < ax->n; c++) cm[c] = dens[c] * (ax->edges[c + 1] - ax->edges[c]);
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
        if (isfinite(at[j].x) && at[j].w > 0.0) {
            xs[k] = at[j].x;
            ws[k++] = at[j].w;
        }
    return sf_w1_cells_vs_atoms(ax->n, ax->edges, cm, k, xs, ws);
}

/* Marginals of F(time k, rows × cols, cols fastest) on the row and column axes, densities. */
static void marginals2(const double *F, const sf_cmp_axis *rows, const sf_cmp_axis *cols,
                       double *mrow, double *mcol, int add)
{
    if (!add) {
        for (size_t i = 0; i < rows->n; i++) mrow[i] = 0.0;
        for (size_t j = 0; j < cols->n; j++) mcol[j] = 0.0;
    }
    for (size_t i = 0; i < rows->n; i++) {
        const double hi = rows->edges[i + 1] - rows->edges[i];
        for (size_t j = 0; j < cols->n; j++) {
            const double hj = cols->edges[j + 1] - cols->edges[j];
            mrow[i] += F[i * cols->n + j] * hj;
            mcol[j] += F[i * cols->n + j] * hi;
        }
    }
}

enum { SF_CMP_HY_N_SERIES = 11, SF_CMP_HY_N_FIELDS = 8 };

static const sf_nc_series sf_cmp_hy_series[SF_CMP_HY_N_SERIES] = {
    {"risk_field", "population risk R (M2) of the grid solution", "1"},
    {"risk_particles", "risk of the particle run, as stored in its file", "1"},
    {"risk_gap", "risk_particles - risk_field", "1"},
    {"w1_omega0", "W1 distance between the normalised omega-marginals of N0 (exact, from CDFs)", "1"},
    {"w1_eta0", "W1 distance between the normalised eta-marginals of N0 (exact, from CDFs)", "1"},
    {"w1_omega_pos", "W1 distance between the normalised omega-marginals of Nplus + Nminus", "1"},
    {"w1_eta_pos", "W1 distance between the normalised eta-marginals of Nplus + Nminus", "1"},
    {"mass0_field", "weighted mass of N0, grid (series mass0 of the field)", "1"},
    {"mass0_particles", "(1/m) sum of |delta_i| over a_i^2 < |b_i|^2", "1"},
    {"mass_pos_field", "weighted mass of Nplus + Nminus with reservoirs, grid", "1"},
    {"mass_pos_particles", "(1/m) sum of delta_i over a_i^2 > |b_i|^2", "1"},
};

/* coordinates: 0 eta, 1 eta_pos, 2 omega */
static const sf_nc_field sf_cmp_hy_fields[SF_CMP_HY_N_FIELDS] = {
    {"density_omega0_field", "omega-marginal of N0, grid", "1", 1, {2}},
    {"density_omega0_particles", "particles (weights |delta|/m, a^2 < |b|^2) binned on the omega cells", "1", 1, {2}},
    {"density_eta0_field", "eta-marginal of N0, grid", "1", 1, {0}},
    {"density_eta0_particles", "particles (weights |delta|/m, a^2 < |b|^2) binned on the eta cells", "1", 1, {0}},
    {"density_omega_pos_field", "omega-marginal of Nplus + Nminus, grid", "1", 1, {2}},
    {"density_omega_pos_particles", "particles (weights delta/m, a^2 > |b|^2) binned on the omega cells", "1", 1, {2}},
    {"density_eta_pos_field", "eta-marginal of Nplus + Nminus, grid", "1", 1, {1}},
    {"density_eta_pos_particles", "particles (weights delta/m, a^2 > |b|^2) binned on the eta_pos cells", "1", 1, {1}},
};

/* Which direction coordinate a form-H field file carries: φ if it has phi_bnds, else θ. */
static sf_status hyperbolic_axes(sf_ctx *ctx, const char *path, sf_cmp_axis ax[3], int *radial)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, axis_read(ctx, path, SF_COORD_ETA, &ax[0]));
    SF_TRY(ctx, axis_read(ctx, path, SF_COORD_ETA_POS, &ax[1]));
    sf_status s = axis_read(ctx, path, SF_COORD_PHI, &ax[2]);
    *radial = s != SF_OK;
    if (s != SF_OK) {
        sf_ctx_clear(ctx);
        SF_TRY(ctx, axis_read(ctx, path, SF_COORD_THETA, &ax[2]));
    }
cleanup:
    return status;
}

/* var(time, rows, cols) with n_times × rows × cols finite values, into *data (owned). */
static sf_status take_on_plane(sf_ctx *ctx, const char *path, const char *var,
                               const sf_cmp_axis *r, const sf_cmp_axis *c, size_t n_times,
                               double **data)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    char dims[3 * SF_NC_NAME_LEN];
    snprintf(dims, sizeof dims, "time, %s, %s", r->coord->name, c->coord->name);
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, var, dims, &arr));
    SF_CHECK(ctx, arr.shape[0] == n_times && arr.shape[1] == r->n && arr.shape[2] == c->n,
             SF_E_NETCDF, "%s: variable %s: shape (%zu, %zu, %zu): expected (%zu, %zu, %zu)",
             path, var, arr.shape[0], arr.shape[1], arr.shape[2], n_times, r->n, c->n);
    SF_TRY(ctx, check_finite(ctx, path, var, arr.data, n_times * r->n * c->n));
    *data = arr.data;
    arr.data = NULL;
cleanup:
    sf_nc_array_free(&arr);
    return status;
}

static sf_status compare_hyperbolic(sf_ctx *ctx, const sf_cmp_job *job)
{
    sf_status status = SF_OK;
    const char *path = job->field;
    sf_cmp_axis ax[3] = {{0}};
    double *N0 = NULL, *Np = NULL, *Nm = NULL, *times = NULL, *risk = NULL, *m0 = NULL;
    double *mp = NULL, *mm = NULL, *work = NULL, *xs = NULL, *ws = NULL, *cm = NULL;
    double *fld[SF_CMP_HY_N_FIELDS] = {NULL};
    sf_cmp_atom *at[2][2] = {{NULL}}; /* [family N⁰, N^±][η, ω] */
    sf_particles p = {0};
    sf_ncw *w = NULL;
    sf_compare_summary s = *job->s;
    size_t d = 0, d_H = 0, nt = 0;
    int radial = 0;

    SF_TRY(ctx, read_size_attr(ctx, path, "d", &d));
    SF_TRY(ctx, read_size_attr(ctx, path, "d_H", &d_H));
    SF_TRY(ctx, take_times(ctx, path, &times, &nt));
    SF_TRY(ctx, hyperbolic_axes(ctx, path, ax, &radial));
    SF_CHECK(ctx, radial || d_H == 1, SF_E_NETCDF, "%s: form = \"hyperbolic\" on phi with d_H = "
             "%zu: expected d_H = 1", path, d_H);
    SF_TRY(ctx, take_on_plane(ctx, path, "N0", &ax[0], &ax[2], nt, &N0));
    SF_TRY(ctx, take_on_plane(ctx, path, "Nplus", &ax[1], &ax[2], nt, &Np));
    SF_TRY(ctx, take_on_plane(ctx, path, "Nminus", &ax[1], &ax[2], nt, &Nm));
    SF_TRY(ctx, take_series(ctx, path, "risk", nt, &risk));
    SF_TRY(ctx, take_series(ctx, path, "mass0", nt, &m0));
    SF_TRY(ctx, take_series(ctx, path, "mass_plus", nt, &mp));
    SF_TRY(ctx, take_series(ctx, path, "mass_minus", nt, &mm));
    SF_TRY(ctx, read_particles_for(ctx, job, d, d_H, &p));
    SF_TRY(ctx, check_common_times(ctx, job, times, nt, &p));
    static const int fax[SF_CMP_HY_N_FIELDS] = {2, 2, 0, 0, 2, 2, 1, 1};
    size_t most = p.m;
    for (int k = 0; k < 3; k++) most = ax[k].n > most ? ax[k].n : most;
    for (int f = 0; f < SF_CMP_HY_N_FIELDS; f++) SF_ALLOC(ctx, fld[f], ax[fax[f]].n);
    for (int f = 0; f < 2; f++)
        for (int x = 0; x < 2; x++) SF_ALLOC(ctx, at[f][x], p.m);
    SF_ALLOC(ctx, work, p.d + p.d_H);
    SF_ALLOC(ctx, xs, p.m);
    SF_ALLOC(ctx, ws, p.m);
    SF_ALLOC(ctx, cm, most);
    if (job->out) {
        SF_TRY(ctx, create_compare_file(
            ctx, job, "hyperbolic",
            "symflow compare: form-H grid solution against particles "
            "(MATH.md sections 4.7, 6)",
            ax, 3, sf_cmp_hy_fields, SF_CMP_HY_N_FIELDS, sf_cmp_hy_series, SF_CMP_HY_N_SERIES,
            d, d_H, p.m, &w));
    }
    size_t from = 0;
    for (size_t k = 0; k < nt; k++) {
        const size_t tp = match_time(&p, times[k], &from);
        if (tp == p.n_times) continue;
        size_t cnt[2] = {0, 0};
        double pm[2] = {0.0, 0.0};
        for (size_t i = 0; i < p.m; i++) {
            double eta, om, wt;
            const int f = neuron_hyperbolic(&p, tp, i, radial, work, &eta, &om, &wt);
            at[f][0][cnt[f]] = (sf_cmp_atom){eta, wt};
            at[f][1][cnt[f]++] = (sf_cmp_atom){om, wt};
            pm[f] += wt;
        }
        /* field marginals: N⁰ on (η, ω); N⁺ + N⁻ on (η_pos, ω) */
        marginals2(N0 + k * ax[0].n * ax[2].n, &ax[0], &ax[2], fld[2], fld[0], 0);
        marginals2(Np + k * ax[1].n * ax[2].n, &ax[1], &ax[2], fld[6], fld[4], 0);
        marginals2(Nm + k * ax[1].n * ax[2].n, &ax[1], &ax[2], fld[6], fld[4], 1);
        double w1[4];
        for (int f = 0; f < 2; f++) {
            for (int x = 0; x < 2; x++) qsort(at[f][x], cnt[f], sizeof *at[f][x], atom_cmp);
            const sf_cmp_axis *ea = &ax[f ? 1 : 0], *oa = &ax[2];
            histogram_weighted(oa, at[f][1], cnt[f], p.m, fld[f ? 5 : 1]);
            histogram_weighted(ea, at[f][0], cnt[f], p.m, fld[f ? 7 : 3]);
            w1[2 * f] = w1_marginal(oa, fld[f ? 4 : 0], at[f][1], cnt[f], xs, ws, cm);
            w1[2 * f + 1] = w1_marginal(ea, fld[f ? 6 : 2], at[f][0], cnt[f], xs, ws, cm);
        }
        const double rf = risk[k], rp = p.risk[tp];
        const double series[SF_CMP_HY_N_SERIES] = {
            rf, rp, rp - rf, w1[0], w1[1], w1[2], w1[3], m0[k], pm[0] / (double)p.m,
            mp[k] + mm[k], pm[1] / (double)p.m};
        if (w) {
            const double *fields[SF_CMP_HY_N_FIELDS] = {fld[0], fld[1], fld[2], fld[3],
                                                       fld[4], fld[5], fld[6], fld[7]};
            SF_TRY(ctx, sf_ncw_append(ctx, w, times[k], fields, series));
        }
        summary_risk(&s, rf, rp);
        for (int x = 0; x < 4; x++)
            if (!isnan(w1[x])) s.max_w1_h[x] = isnan(s.max_w1_h[x]) ? w1[x] : fmax(s.max_w1_h[x], w1[x]);
        s.final_mass0_field = m0[k];
        s.final_mass0_particles = pm[0] / (double)p.m;
    }
    if (w) SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
    *job->s = s;
cleanup:
    if (w) sf_ncw_close(ctx, &w, 0);
    for (int k = 0; k < 3; k++) axis_free(&ax[k]);
    for (int f = 0; f < SF_CMP_HY_N_FIELDS; f++) free(fld[f]);
    for (int f = 0; f < 2; f++)
        for (int x = 0; x < 2; x++) free(at[f][x]);
    free(N0);
    free(Np);
    free(Nm);
    free(times);
    free(risk);
    free(m0);
    free(mp);
    free(mm);
    free(work);
    free(xs);
    free(ws);
    free(cm);
    sf_particles_free(&p);
    return status;
}

/* ---- dispatch on the field file's form ------------------------------------------------------ */

/* One comparer per form of field file (attribute `form`); a new form adds a row. */
typedef struct {
    const char *form;                                 /* value of the attribute form */
    sf_status (*run)(sf_ctx *, const sf_cmp_job *);   /* its comparer */
} sf_cmp_comparer;

static const sf_cmp_comparer sf_cmp_comparers[] = {
    {"lifted", compare_lifted},
    {"characteristics", compare_lifted}, /* a form-L file: densities on form L's grid (L9) */
    {"transport", compare_transport},
    {"ode", compare_ode},
    {"hyperbolic", compare_hyperbolic},
};

sf_status sf_compare_files(sf_ctx *ctx, const char *field, const char *particles,
                           const char *out, const sf_compare_params *params,
                           sf_compare_summary *summary)
{
    sf_status status = SF_OK;
    char *form = NULL;
    sf_compare_summary s = {0};
    s.max_w1_plus = s.max_w1_minus = s.max_w1_a = s.max_w1_u = s.max_w1_r = NAN;
    s.max_w_gap = NAN;
    s.max_w1_theta_plus = s.max_w1_theta_minus = s.max_w1_phi_plus = s.max_w1_phi_minus = NAN;
    for (int x = 0; x < 4; x++) s.max_w1_h[x] = NAN;
    s.final_mass0_field = s.final_mass0_particles = NAN;
    sf_cmp_job job = {field, particles, out, params ? *params : sf_compare_params_default(), &s};

    SF_CHECK(ctx, field && *field && particles && *particles, SF_E_ARG,
             "compare: the field and particle file names must be non-empty");
    const char *const inputs[2] = {field, particles};
    if (out) SF_TRY(ctx, sf_atomic_check_output(ctx, out, inputs, 2)); /* device and inode */
    SF_CHECK(ctx, isfinite(job.prm.bandwidth), SF_E_ARG,
             "compare: bandwidth = %g: expected a finite width (rad), ≤ 0 for Silverman's rule",
             job.prm.bandwidth);
    SF_TRY(ctx, read_field_form(ctx, field, &form));
    const sf_cmp_comparer *cmp = NULL;
    for (size_t i = 0; i < sizeof sf_cmp_comparers / sizeof sf_cmp_comparers[0]; i++)
        if (strcmp(form, sf_cmp_comparers[i].form) == 0) cmp = &sf_cmp_comparers[i];
    if (!cmp) {
        char known[SF_CMP_WHY_LEN] = "";
        for (size_t i = 0; i < sizeof sf_cmp_comparers / sizeof sf_cmp_comparers[0]; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s\"%s\"",
                     i ? ", " : "", sf_cmp_comparers[i].form);
        SF_CHECK(ctx, 0, SF_E_UNSUPPORTED, "%s: attribute form = \"%s\": compare knows the "
                 "forms %s", field, form, known);
    }
    s.form = cmp->form;
    if (cmp->run == compare_lifted && field_is_hemi(ctx, field)) /* the hemisphere's L */
        SF_TRY(ctx, compare_hemi(ctx, &job));
    else
        SF_TRY(ctx, cmp->run(ctx, &job));
    if (summary) *summary = s;
cleanup:
    free(form);
    return status;
}
