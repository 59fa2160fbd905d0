/* particles.c — the particle simulators' life cycle: sampling of the start law through the
 * laws' callbacks (§4.6; exact mirror pairs), time stepping
 * (CVODE through ode.h, explicit Euler, online SGD), the risk and the state views.
 * The velocities are in particles_full.c (M3)–(M7) and particles_reduced.c (M15).
 * Not here: tabulating K̂ and Ĝ (reduction/ fills the sf_kernel_table), files, printing.
 * MATH tags: (M1), (M2), (M7) "Particles", (I3), (L3), §4.6.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "particles_internal.h"

/* A last Euler step shorter than this fraction of η is skipped and the time set to tout:
 * it would move the state by less than 10⁻⁹ η |v|, far below any step-size error O(η). */
static const double SF_PSIM_TIME_EPS = 1e-9;

/* Fewest table nodes: the fourth-order cross-slope stencil of the reduced kernel needs five. */
enum { SF_PSIM_MIN_NODES = 5 };

static double draw_normal(void *rng) { return sf_prng_normal(rng); }
static double draw_uniform(void *rng) { return sf_prng_uniform(rng); }

static int sf_psim_rhs(double t, const double *y, double *ydot, void *user)
{
    (void)t;
    sf_psim *ps = user;
    const double r = ps->method == SF_PMETHOD_REDUCED ? sf_psim_reduced_velocity(ps, y, ydot)
                                                      : sf_psim_full_velocity(ps, y, ydot);
    return isfinite(r) ? 0 : 1; /* a blown-up trial state: let CVODE retry a smaller step */
}

/* Velocity and risk at the current state; the risk is kept. */
static void sf_psim_refresh(sf_psim *ps)
{
    if (ps->method == SF_PMETHOD_REDUCED) {
        const size_t m = (size_t)ps->m;
        ps->risk = sf_psim_reduced_velocity(ps, ps->y, ps->ydot);
        for (size_t j = 0; j < m; j++) ps->a_red[j] = ps->eps[j] * sqrt(fmax(0.0, ps->y[m + j]));
    } else {
        ps->risk = sf_psim_full_velocity(ps, ps->y, ps->ydot);
    }
}

/* The start law in full width (the laws' neuron callback, §4.6); with mirrors (−a, −b) at
 * i + m/2 when symmetric. */
static void sf_psim_sample_full(sf_psim *ps, int symmetric)
{
    const size_t m = (size_t)ps->m, d = ps->d;
    const size_t half = symmetric ? m / 2 : m;
    double *a = ps->y, *B = ps->y + m;
    for (size_t i = 0; i < half; i++) {
        double *b = B + i * d;
        ps->laws.neuron(ps->laws.params, &ps->draw, &a[i], b, d);
        if (symmetric) {
            a[i + half] = -a[i];
            for (size_t k = 0; k < d; k++) B[(i + half) * d + k] = -b[k];
        }
    }
}

/* (L3): ε = ±1, x the reduced coordinate of a uniform direction of S^{d−1} (radial:
 * θ = atan2(|g_⊥|, |g_H|); d_H = 1: φ = atan2(|g_⊥|, g₁), g Gaussian, |g_⊥|² ~ χ²_k),
 * c = 1; mirrors (−ε, −ω) at j + m/2 when symmetric (−ω: same θ, φ ↦ π − φ). */
static void sf_psim_sample_reduced(sf_psim *ps, int symmetric)
{
    const size_t m = (size_t)ps->m, half = symmetric ? m / 2 : m;
    const double k = (double)(ps->d - ps->d_H);
    double *x = ps->y, *c = ps->y + m;
    for (size_t j = 0; j < half; j++) {
        ps->eps[j] = sf_prng_uniform(&ps->rng) < 0.5 ? 1.0 : -1.0;
        const double hpart = (ps->tab->coord == SF_COORD_THETA) ? sqrt(sf_prng_chi2(&ps->rng, (double)ps->d_H))
                                             : sf_prng_normal(&ps->rng);
        const double ppart = sqrt(sf_prng_chi2(&ps->rng, k));
        x[j] = atan2(ppart, hpart);
        c[j] = 1.0;
        if (symmetric) {
            ps->eps[j + half] = -ps->eps[j];
            x[j + half] = (ps->tab->coord == SF_COORD_THETA) ? x[j] : SF_PSIM_PI - x[j];
            c[j + half] = 1.0;
        }
    }
}

/* Cubic Hermite value of the table's start-law CDF at x (values cdf0, slopes pdf0). */
static double start_cdf(const sf_kernel_table *tab, double x)
{
    const double h = (tab->hi - tab->lo) / (double)(tab->n - 1);
    double s = (x - tab->lo) / h;
    size_t i = s <= 0.0 ? 0 : (size_t)s;
    if (i >= tab->n - 1) i = tab->n - 2;
    double u = s - (double)i, u2 = u * u, u3 = u2 * u;
    return (2 * u3 - 3 * u2 + 1) * tab->cdf0[i] + (u3 - 2 * u2 + u) * h * tab->pdf0[i] +
           (-2 * u3 + 3 * u2) * tab->cdf0[i + 1] + (u3 - u2) * h * tab->pdf0[i + 1];
}

/* Bisection steps of the inverse CDF: 60 halvings of [lo, hi] reach rounding. */
enum { SF_QUANTILE_BISECTIONS = 60 };

/* (L3) without Monte Carlo: half the neurons positive at the midpoint quantiles
 * F⁻¹((j + ½)/half) of the start law, the other half negative at the mirrored directions
 * (same θ; φ ↦ π − φ), c = 1. The empirical measure converges like a midpoint rule. */
static void sf_psim_sample_quantile(sf_psim *ps)
{
    const size_t m = (size_t)ps->m, half = m / 2;
    const sf_kernel_table *tab = ps->tab;
    double *x = ps->y, *c = ps->y + m;
    for (size_t j = 0; j < half; j++) {
        double target = ((double)j + 0.5) / (double)half, lo = tab->lo, hi = tab->hi;
        for (int it = 0; it < SF_QUANTILE_BISECTIONS; it++) {
            double mid = 0.5 * (lo + hi);
            if (start_cdf(tab, mid) < target) lo = mid; else hi = mid;
        }
        x[j] = 0.5 * (lo + hi);
        ps->eps[j] = 1.0;
        c[j] = 1.0;
        ps->eps[j + half] = -1.0;
        x[j + half] = (tab->coord == SF_COORD_THETA) ? x[j] : SF_PSIM_PI - x[j];
        c[j + half] = 1.0;
    }
}

sf_status sf_psim_create(sf_ctx *ctx, const sf_kernel_table *tab, const sf_psim_params *p,
                         sf_psim **out)
{
    sf_status status = SF_OK;
    sf_psim *ps = NULL;
    SF_CHECK(ctx, tab && p && out, SF_E_ARG, "sf_psim_create: NULL argument");
    *out = NULL;
    const long d = p->d, d_H = p->d_H;
    SF_CHECK(ctx, p->laws.neuron && p->laws.input, SF_E_ARG,
             "sf_psim_create: the start and input laws (sf_psim_params.laws) are not set");
    SF_CHECK(ctx, d >= 2 && d_H >= 1 && d_H < d && d <= INT_MAX, SF_E_ARG,
             "particles: problem.d = %ld, problem.d_H = %ld: expected 1 ≤ d_H < d", d, d_H);
    SF_CHECK(ctx, p->m >= 1 && p->m <= INT_MAX, SF_E_ARG,
             "particles.m = %ld: expected an integer in [1, %d]", p->m, INT_MAX);
    SF_CHECK(ctx, !p->symmetric || p->m % 2 == 0, SF_E_ARG,
             "particles.m = %ld with particles.symmetric = true: expected an even number", p->m);
    SF_CHECK(ctx, p->method >= SF_PMETHOD_CVODE && p->method <= SF_PMETHOD_REDUCED, SF_E_ARG,
             "particles.method = %d: expected cvode, euler, sgd or reduced", (int)p->method);
    SF_CHECK(ctx, (p->method != SF_PMETHOD_EULER && p->method != SF_PMETHOD_SGD) ||
                      (p->step > 0.0 && isfinite(p->step)),
             SF_E_ARG, "particles.step = %g: expected η > 0", p->step);
    SF_CHECK(ctx, p->method != SF_PMETHOD_SGD || (p->batch >= 1 && p->batch <= INT_MAX),
             SF_E_ARG, "particles.batch = %ld: expected an integer ≥ 1", p->batch);
    SF_CHECK(ctx, p->method != SF_PMETHOD_SGD || p->target != NULL, SF_E_ARG,
             "particles.method = sgd: needs the pointwise target f* (sf_psim_params.target), "
             "got NULL");
    SF_CHECK(ctx, !tab->G2 || (d_H == 2 && p->method != SF_PMETHOD_REDUCED), SF_E_ARG,
             "particles: a kernel table of (θ, φ) (d_H = 2 target of (x_1, x_2)) needs "
             "problem.d_H = 2 (got %ld) and a full-width method (cvode, euler, sgd)", d_H);
    SF_CHECK(ctx, tab->n >= SF_PSIM_MIN_NODES && ((tab->G && tab->dG) || tab->G2) &&
                      tab->hi > tab->lo,
             SF_E_ARG, "particles: kernel table with %zu nodes on [%g, %g]: expected ≥ %d "
             "nodes, Ĝ and ∂Ĝ, lo < hi", tab->n, tab->lo, tab->hi, (int)SF_PSIM_MIN_NODES);
    SF_CHECK(ctx, (tab->coord == SF_COORD_THETA) || d_H == 1 || tab->G2, SF_E_ARG,
             "particles: a φ kernel table (radial = 0) needs problem.d_H = 1, got %ld", d_H);
    if (p->method == SF_PMETHOD_REDUCED) {
        SF_CHECK(ctx, (tab->K && tab->dK) || tab->cheb.p, SF_E_ARG,
                 "particles.method = reduced: the kernel table has no K̂, neither as a table "
                 "nor as a Chebyshev series (tabulate with_K)");
        SF_CHECK(ctx, p->laws.balanced, SF_E_UNSUPPORTED,
                 "particles.method = reduced with an unbalanced start (start.law): expected "
                 "balanced-sphere (form L); use cvode, euler or sgd for this start");
    }
    SF_CHECK(ctx, p->sampling != SF_SAMPLING_QUANTILE ||
                      (p->method == SF_PMETHOD_REDUCED && p->m % 2 == 0 && tab->cdf0 && tab->pdf0),
             SF_E_ARG, "particles.sampling = quantile: expected particles.method = reduced, an "
             "even particles.m (got %ld) and a table with the start law's CDF", p->m);

    SF_ALLOC(ctx, ps, 1);
    ps->tab = tab;
    ps->method = p->method;
    ps->m = p->m;
    ps->d = (size_t)d;
    ps->d_H = (size_t)d_H;
    ps->laws = p->laws;
    ps->step = p->step;
    ps->batch = p->batch;
    ps->target = p->target;
    ps->target_user = p->target_user;
    sf_prng_seed(&ps->rng, (uint64_t)p->seed);
    ps->draw = (sf_draw){draw_normal, draw_uniform, &ps->rng};

    const size_t m = (size_t)p->m;
    if (p->method == SF_PMETHOD_REDUCED) {
        ps->n = tab->n;
        ps->h = (tab->hi - tab->lo) / (double)(tab->n - 1);
        ps->ny = 2 * m;
        SF_ALLOC(ctx, ps->y, ps->ny);
        SF_ALLOC(ctx, ps->ydot, ps->ny);
        SF_ALLOC(ctx, ps->eps, m);
        SF_ALLOC(ctx, ps->a_red, m);
        if (tab->cheb.p) { /* (L8): the Chebyshev series, O(m p) per velocity */
            SF_CHECK(ctx, m <= SIZE_MAX / (2 * (tab->cheb.p + tab->cheb.pG) + 8), SF_E_RANGE,
                     "particles.m = %ld: state too large", p->m);
            SF_ALLOC(ctx, ps->cs, 5 * m);
            SF_ALLOC(ctx, ps->cwork, sf_chebk_work(&tab->cheb, m));
        } else {
            SF_ALLOC(ctx, ps->Mk, 4 * ps->n * ps->n);
            SF_ALLOC(ctx, ps->rho, 2 * ps->n);
            SF_ALLOC(ctx, ps->Fk, 2 * ps->n);
            sf_psim_reduced_setup(ps);
        }
        if (p->sampling == SF_SAMPLING_QUANTILE)
            sf_psim_sample_quantile(ps);
        else
            sf_psim_sample_reduced(ps, p->symmetric);
    } else {
        const size_t dd = (size_t)d;
        SF_CHECK(ctx, m <= SIZE_MAX / (dd + 1), SF_E_RANGE,
                 "particles.m = %ld, problem.d = %ld: state too large", p->m, d);
        ps->ny = m * (1 + dd);
        SF_ALLOC(ctx, ps->y, ps->ny);
        SF_ALLOC(ctx, ps->ydot, ps->ny);
        SF_ALLOC(ctx, ps->P, m * m);
        SF_ALLOC(ctx, ps->nrm, m);
        SF_ALLOC(ctx, ps->F, m);
        SF_ALLOC(ctx, ps->S, m);
        SF_ALLOC(ctx, ps->Ba, m * dd);
        SF_ALLOC(ctx, ps->gradg, dd);
        if (p->method == SF_PMETHOD_SGD) {
            const size_t nb = (size_t)p->batch;
            SF_ALLOC(ctx, ps->X, nb * dd);
            SF_ALLOC(ctx, ps->Z, nb * m);
            SF_ALLOC(ctx, ps->res, nb);
        }
        sf_psim_sample_full(ps, p->symmetric);
    }
    if (p->method == SF_PMETHOD_CVODE || p->method == SF_PMETHOD_REDUCED)
        SF_TRY(ctx, sf_ode_create(ctx, ps->ny, 0.0, ps->y, sf_psim_rhs, ps, &p->ode, &ps->ode));
    sf_psim_refresh(ps);
    SF_CHECK(ctx, isfinite(ps->risk), SF_E_NUMERIC, "particles: risk at t = 0 is %g",
             ps->risk);
    *out = ps;
    ps = NULL;
cleanup:
    sf_psim_destroy(&ps);
    return status;
}

sf_status sf_psim_advance(sf_ctx *ctx, sf_psim *ps, double tout)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, ps != NULL, SF_E_ARG, "sf_psim_advance: NULL simulator");
    SF_CHECK(ctx, isfinite(tout) && tout >= ps->t, SF_E_ARG,
             "particles: output time %g: expected ≥ the current time %g", tout, ps->t);
    const size_t ny = ps->ny;
    double *y = ps->y, *v = ps->ydot;
    switch (ps->method) {
    case SF_PMETHOD_CVODE:
    case SF_PMETHOD_REDUCED:
        if (tout > ps->t) {
            SF_TRY(ctx, sf_ode_advance(ctx, ps->ode, tout, y));
            ps->t = tout;
        }
        break;
    case SF_PMETHOD_EULER: {
        const double t0 = ps->t, eta = ps->step;
        const long n = (long)floor((tout - t0) / eta);
        for (long k = 0; k < n; k++) {
            sf_psim_full_velocity(ps, y, v);
            for (size_t l = 0; l < ny; l++) y[l] += eta * v[l];
            ps->steps++;
        }
        const double rem = tout - (t0 + (double)n * eta);
        if (rem > SF_PSIM_TIME_EPS * eta) {
            sf_psim_full_velocity(ps, y, v);
            for (size_t l = 0; l < ny; l++) y[l] += rem * v[l];
            ps->steps++;
        }
        ps->t = tout;
        break;
    }
    case SF_PMETHOD_SGD: {
        const double eta = ps->step;
        const long target_steps = lround(tout / eta);
        for (long k = ps->sgd_steps; k < target_steps; k++) {
            sf_psim_sgd_velocity(ps, v);
            for (size_t l = 0; l < ny; l++) y[l] += eta * v[l];
            ps->steps++;
            ps->sgd_steps++;
        }
        ps->t = (double)ps->sgd_steps * eta;
        break;
    }
    }
    sf_psim_refresh(ps);
    SF_CHECK(ctx, isfinite(ps->risk), SF_E_NUMERIC,
             "particles: risk is %g at t = %g (method %s, step %g): the state blew up",
             ps->risk, ps->t, sf_name_of(&sf_pmethod_names, (int)ps->method), ps->step);
cleanup:
    return status;
}

double sf_psim_time(const sf_psim *ps) { return ps->t; }
double sf_psim_risk(const sf_psim *ps) { return ps->risk; }
long sf_psim_m(const sf_psim *ps) { return ps->m; }

const double *sf_psim_a(const sf_psim *ps)
{
    return ps->method == SF_PMETHOD_REDUCED ? ps->a_red : ps->y;
}

const double *sf_psim_b(const sf_psim *ps)
{
    return ps->method == SF_PMETHOD_REDUCED ? NULL : ps->y + ps->m;
}

void sf_psim_reduced_state(const sf_psim *ps, const double **eps, const double **x,
                           const double **c)
{
    const int red = ps->method == SF_PMETHOD_REDUCED;
    if (eps) *eps = red ? ps->eps : NULL;
    if (x) *x = red ? ps->y : NULL;
    if (c) *c = red ? ps->y + ps->m : NULL;
}

sf_status sf_psim_reduced(sf_ctx *ctx, const sf_psim *ps, double *u, double *r)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, ps && u && r, SF_E_ARG, "sf_psim_reduced: NULL argument");
    const size_t m = (size_t)ps->m, d = ps->d, d_H = ps->d_H;
    if (ps->method == SF_PMETHOD_REDUCED) {
        const double *x = ps->y, *c = ps->y + m;
        for (size_t j = 0; j < m; j++) {
            const double rc = sqrt(fmax(0.0, c[j]));
            u[j * d_H] = rc * cos(x[j]);
            for (size_t k = 1; k < d_H; k++) u[j * d_H + k] = 0.0;
            r[j] = rc * sin(x[j]);
        }
    } else {
        const double *B = ps->y + m;
        for (size_t i = 0; i < m; i++) {
            double q = 0.0;
            for (size_t k = 0; k < d_H; k++) u[i * d_H + k] = B[i * d + k];
            for (size_t k = d_H; k < d; k++) q += B[i * d + k] * B[i * d + k];
            r[i] = sqrt(q);
        }
    }
cleanup:
    return status;
}

void sf_psim_get_stats(const sf_psim *ps, sf_psim_stats *st)
{
    sf_psim_stats z = {0};
    *st = z;
    const size_t m = (size_t)ps->m, d = ps->d;
    st->rhs_evals = ps->rhs_evals;
    st->t = ps->t;
    if (ps->ode) {
        sf_ode_get_stats(ps->ode, &st->ode);
        st->steps = st->ode.steps;
    } else {
        st->steps = ps->steps;
    }
    double mp = 0.0, mm = 0.0, bal = 0.0;
    if (ps->method == SF_PMETHOD_REDUCED) {
        for (size_t j = 0; j < m; j++) {
            if (ps->eps[j] > 0.0) mp += ps->y[m + j];
            else mm += ps->y[m + j];
        }
    } else {
        for (size_t i = 0; i < m; i++) {
            const double *b = ps->y + m + i * d, a = ps->y[i];
            double q = 0.0;
            for (size_t k = 0; k < d; k++) q += b[k] * b[k];
            const double mass = fabs(a) * sqrt(q); /* c = |a||b| (MATH §4.3) */
            if (a > 0.0) mp += mass;
            else mm += mass;
            bal += a * a - q;
        }
    }
    st->mass_plus = mp / (double)m;
    st->mass_minus = mm / (double)m;
    st->balance = bal / (double)m;
}

void sf_psim_destroy(sf_psim **pps)
{
    if (!pps || !*pps) return;
    sf_psim *ps = *pps;
    sf_ode_destroy(&ps->ode);
    free(ps->y);
    free(ps->ydot);
    free(ps->P);
    free(ps->nrm);
    free(ps->F);
    free(ps->S);
    free(ps->Ba);
    free(ps->gradg);
    free(ps->X);
    free(ps->Z);
    free(ps->res);
    free(ps->eps);
    free(ps->a_red);
    free(ps->Mk);
    free(ps->rho);
    free(ps->Fk);
    free(ps->cs);
    free(ps->cwork);
    free(ps);
    *pps = NULL;
}
