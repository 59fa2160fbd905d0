/* particles_odd.c — full-width particles on odd targets (MATH §3): with mirror pairs the
 * particle system closes on (w, M, s) and must follow (M9) and (M10) exactly; balance
 * (I3) per particle and risk decrease (I2) under CVODE; Euler converges at order 1 to
 * CVODE; Euler/SGD time landing; argument errors; allocation failures leak nothing.
 * Tables are built by hand from closed forms: f* = x₁ gives g(b) = b₁/2 (M5), i.e.
 * Ĝ(φ) = cos φ / 2 on the φ coordinate; f* = x₁³ gives Ĝ = 3 cos φ / 2 (He₃ ⟂ σ).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "psim.h"
#include "symflow/particles.h"

enum { D = 10, M = 64, NODES = 4001 };

/* CVODE tolerances of the (M9) comparison (brief: rtol 1e-10). */
static const double RTOL = 1e-10, ATOL = 1e-12;
/* RK4 step for (M9): global error ~ (Δt)⁴·|w⁽⁵⁾|·T ≈ 10⁻¹²·T, far below the 1e-8 target. */
static const double RK4_DT = 1e-3;
/* w tolerance, relative: CVODE's global error with rtol 1e-10 over ≲ 10³ steps is
 * ≲ 10³·rtol = 1e-7 in the worst (linear accumulation) case and ~rtol·10 in practice; the
 * Ĝ Hermite interpolation on 4001 nodes contributes h⁴/384·|Ĝ⁗| ≈ 1e-14. The brief asks
 * 1e-8. */
static const double W_RTOL = 1e-8;

static double tab_G[NODES], tab_dG[NODES];

/* Ĝ(φ) = A cos φ on [0, π], ∂Ĝ = −A sin φ; κ scale 1 (Gaussian input). */
static sf_kernel_table odd_table(double A, double risk_const)
{
    sf_kernel_table t = {0};
    t.n = NODES;
    t.lo = 0.0;
    t.hi = M_PI;
    t.coord = SF_COORD_PHI;
    for (size_t i = 0; i < NODES; i++) {
        double phi = M_PI * (double)i / (NODES - 1);
        tab_G[i] = A * cos(phi);
        tab_dG[i] = -A * sin(phi);
    }
    t.G = tab_G;
    t.dG = tab_dG;
    t.kappa_scale = 1.0;
    t.risk_const = risk_const;
    return t;
}

static sf_case gaussian_case(void)
{
    sf_case c;
    memset(&c, 0, sizeof c);
    c.problem.input = SF_INPUT_GAUSSIAN;
    c.problem.d = D;
    c.problem.d_H = 1;
    c.start.law = SF_START_GAUSSIAN;
    c.start.sigma_a = 1.0;
    c.start.sigma_b = 1.0 / sqrt((double)D);
    return c;
}

static sf_psim_params params(sf_pmethod method, double step)
{
    sf_psim_params p = {0};
    p.m = M;
    p.seed = 12345;
    p.symmetric = 1;
    p.method = method;
    p.step = step;
    p.batch = 1;
    p.ode.method = SF_METHOD_ADAMS;
    p.ode.rtol = RTOL;
    p.ode.atol = ATOL;
    p.ode.max_steps = 100000;
    return p;
}

/* (M9) state: w (D), M (D×D), s; E[xxᵀ] = I. */
typedef struct {
    double w[D], Mm[D * D], s;
} m9_state;

static void m9_moments(const sf_psim *ps, m9_state *z)
{
    const double *a = sf_psim_a(ps), *b = sf_psim_b(ps);
    memset(z, 0, sizeof *z);
    for (int i = 0; i < M; i++) {
        for (int k = 0; k < D; k++) {
            z->w[k] += a[i] * b[i * D + k] / (2.0 * M);
            for (int l = 0; l < D; l++) z->Mm[k * D + l] += b[i * D + k] * b[i * D + l] / M;
        }
        z->s += a[i] * a[i] / M;
    }
}

static void m9_rhs(const m9_state *z, const double *wstar, m9_state *dz)
{
    double delta[D];
    for (int k = 0; k < D; k++) delta[k] = z->w[k] - wstar[k];
    double wd = 0.0;
    for (int k = 0; k < D; k++) {
        double md = 0.0;
        for (int l = 0; l < D; l++) md += z->Mm[k * D + l] * delta[l];
        dz->w[k] = -0.25 * (z->s * delta[k] + md);
        for (int l = 0; l < D; l++) dz->Mm[k * D + l] = -(delta[k] * z->w[l] + z->w[k] * delta[l]);
        wd += z->w[k] * delta[k];
    }
    dz->s = -2.0 * wd;
}

static void m9_axpy(m9_state *out, const m9_state *z, double h, const m9_state *dz)
{
    for (int k = 0; k < D; k++) out->w[k] = z->w[k] + h * dz->w[k];
    for (int k = 0; k < D * D; k++) out->Mm[k] = z->Mm[k] + h * dz->Mm[k];
    out->s = z->s + h * dz->s;
}

static void m9_rk4(m9_state *z, const double *wstar, double T)
{
    long n = lround(T / RK4_DT);
    double h = T / (double)n;
    m9_state k1, k2, k3, k4, tmp;
    for (long it = 0; it < n; it++) {
        m9_rhs(z, wstar, &k1);
        m9_axpy(&tmp, z, 0.5 * h, &k1);
        m9_rhs(&tmp, wstar, &k2);
        m9_axpy(&tmp, z, 0.5 * h, &k2);
        m9_rhs(&tmp, wstar, &k3);
        m9_axpy(&tmp, z, h, &k3);
        m9_rhs(&tmp, wstar, &k4);
        for (int k = 0; k < D; k++)
            z->w[k] += h / 6 * (k1.w[k] + 2 * k2.w[k] + 2 * k3.w[k] + k4.w[k]);
        for (int k = 0; k < D * D; k++)
            z->Mm[k] += h / 6 * (k1.Mm[k] + 2 * k2.Mm[k] + 2 * k3.Mm[k] + k4.Mm[k]);
        z->s += h / 6 * (k1.s + 2 * k2.s + 2 * k3.s + k4.s);
    }
}

static double dist(const double *x, const double *y, int n)
{
    double q = 0.0;
    for (int k = 0; k < n; k++) q += (x[k] - y[k]) * (x[k] - y[k]);
    return sqrt(q);
}

/* Odd target with w* = A e₁: particles vs (M9) at t = 1, 5; risk vs (M10). */
static void check_m9(sf_ctx *ctx, double A, double risk_const, double Rstar)
{
    sf_kernel_table tab = odd_table(0.5 * A, risk_const);
    sf_case c = gaussian_case();
    sf_psim_params p = params(SF_PMETHOD_CVODE, 0.0);
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
    if (!ps) return;
    double wstar[D] = {A};
    m9_state z;
    m9_moments(ps, &z);
    /* (M10) at t = 0 */
    double R0 = 0.5 * dist(z.w, wstar, D) * dist(z.w, wstar, D) + Rstar;
    SF_EXPECT_NEAR(sf_psim_risk(ps), R0, 1e-12 * R0); /* rounding of O(m²) sums */

    const double times[2] = {1.0, 5.0};
    double t_prev = 0.0;
    for (int it = 0; it < 2; it++) {
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, times[it]));
        m9_rk4(&z, wstar, times[it] - t_prev);
        t_prev = times[it];
        m9_state zp;
        m9_moments(ps, &zp);
        double nw = sqrt(z.w[0] * z.w[0] + 1e-300);
        double err = dist(zp.w, z.w, D);
        printf("f* = %g x1 (+He3): t = %g  |w| = %.6f  |w_part − w_M9|/|w| = %.3g  "
               "|s diff| = %.3g  R = %.10f\n", A, times[it], nw, err / nw, fabs(zp.s - z.s),
               sf_psim_risk(ps));
        SF_EXPECT_LE(err, W_RTOL * nw);
        SF_EXPECT_NEAR(zp.s, z.s, W_RTOL * z.s);
        double Rm = 0.5 * dist(z.w, wstar, D) * dist(z.w, wstar, D) + Rstar; /* (M10) */
        SF_EXPECT_NEAR(sf_psim_risk(ps), Rm, W_RTOL * Rm);
    }
    /* w → w*: R(5) − R* well below R(0) − R* (exponential rate vVt/4 of §3) */
    SF_EXPECT_LE(sf_psim_risk(ps) - Rstar, 0.5 * (R0 - Rstar));
    sf_psim_destroy(&ps);
}

/* (I3) per particle and (I2) under CVODE, on the cubic target (non-trivial R*). */
static void check_invariants(sf_ctx *ctx)
{
    sf_kernel_table tab = odd_table(1.5, 7.5);
    sf_case c = gaussian_case();
    sf_psim_params p = params(SF_PMETHOD_CVODE, 0.0);
    p.symmetric = 0; /* invariants hold for any start */
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
    if (!ps) return;
    double bal0[M], scale = 0.0;
    for (int i = 0; i < M; i++) {
        const double *b = sf_psim_b(ps) + i * D, a = sf_psim_a(ps)[i];
        double q = 0.0;
        for (int k = 0; k < D; k++) q += b[k] * b[k];
        bal0[i] = a * a - q;
    }
    double R_prev = sf_psim_risk(ps), worst_rise = -INFINITY;
    for (int it = 1; it <= 20; it++) {
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 0.25 * it));
        double R = sf_psim_risk(ps);
        sf_psim_stats st;
        sf_psim_get_stats(ps, &st);
        /* CVODE global error ≤ steps·rtol·|R| if every local error accumulated (I2 slack) */
        SF_EXPECT_LE(R - R_prev, (double)st.steps * RTOL * fabs(R));
        if (R - R_prev > worst_rise) worst_rise = R - R_prev;
        R_prev = R;
    }
    sf_psim_stats st;
    sf_psim_get_stats(ps, &st);
    double worst = 0.0;
    for (int i = 0; i < M; i++) {
        const double *b = sf_psim_b(ps) + i * D, a = sf_psim_a(ps)[i];
        double q = 0.0;
        for (int k = 0; k < D; k++) q += b[k] * b[k];
        double dv = fabs(a * a - q - bal0[i]);
        if (dv > worst) worst = dv;
        if (a * a + q > scale) scale = a * a + q;
    }
    printf("invariants: max_i |Δ(a²−|b|²)| = %.3g (scale %.3g, %ld CVODE steps), "
           "largest R rise between outputs %.3g, R(5) = %.8f\n", worst, scale, st.steps,
           worst_rise, R_prev);
    /* (I3): every local error ≤ rtol·|θ|², accumulated linearly over the steps */
    SF_EXPECT_LE(worst, (double)st.steps * RTOL * 2.0 * scale);
    sf_psim_destroy(&ps);
}

/* Euler vs CVODE at t = 1: error halves with η (order 1), ratio within [1.6, 2.5]. */
static void check_euler(sf_ctx *ctx)
{
    sf_kernel_table tab = odd_table(1.5, 7.5);
    sf_case c = gaussian_case();
    c.start.sigma_b = 1.0;
    sf_psim_params p = params(SF_PMETHOD_CVODE, 0.0);
    p.symmetric = 0;
    sf_psim *ref = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ref));
    if (!ref) return;
    SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ref, 1.0));
    double err[2];
    const double etas[2] = {0.02, 0.01};
    for (int e = 0; e < 2; e++) {
        sf_psim_params pe = params(SF_PMETHOD_EULER, etas[e]);
        pe.symmetric = 0;
        sf_psim *ps = NULL;
        SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &pe, &ps));
        if (!ps) break;
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 0.5));
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 1.0));
        SF_EXPECT(sf_psim_time(ps) == 1.0);
        err[e] = dist(sf_psim_a(ps), sf_psim_a(ref), M * (1 + D));
        printf("euler eta = %g: |θ − θ_cvode| = %.4g, R = %.8f (cvode %.8f)\n", etas[e], err[e],
               sf_psim_risk(ps), sf_psim_risk(ref));
        sf_psim_destroy(&ps);
    }
    double ratio = err[0] / err[1];
    printf("euler error ratio (η → η/2) = %.4f (order %.3f)\n", ratio, log2(ratio));
    SF_EXPECT_LE(1.6, ratio);
    SF_EXPECT_LE(ratio, 2.5);

    /* landing: a last shortened Euler step hits tout exactly */
    sf_psim_params pe = params(SF_PMETHOD_EULER, 0.01);
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &pe, &ps));
    if (ps) {
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 0.1234));
        SF_EXPECT(sf_psim_time(ps) == 0.1234);
        sf_psim_stats st;
        sf_psim_get_stats(ps, &st);
        SF_EXPECT(st.steps == 13); /* 12 steps of 0.01 and one of 0.0034 */
        SF_EXPECT(sf_psim_advance(ctx, ps, 0.1) == SF_E_ARG); /* backwards */
        sf_ctx_clear(ctx);
    }
    sf_psim_destroy(&ps);
    sf_psim_destroy(&ref);
}

static double target_x1(const double *x, size_t d_H, void *user)
{
    (void)d_H;
    (void)user;
    return x[0];
}

/* SGD: lands on the nearest multiple of η; the mean over seeds of its risk at t = 1 agrees
 * with Euler (the population-gradient scheme it is an unbiased estimate of, step by step). */
static void check_sgd(sf_ctx *ctx)
{
    sf_kernel_table tab = odd_table(0.5, 0.5);
    sf_case c = gaussian_case();
    c.start.sigma_b = 1.0;
    const double eta = 0.01;
    sf_psim_params pe = params(SF_PMETHOD_EULER, eta);
    pe.symmetric = 0;
    sf_psim *eu = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &pe, &eu));
    if (!eu) return;
    SF_EXPECT_OK(ctx, sf_psim_advance(ctx, eu, 1.0));
    enum { SEEDS = 8 };
    double r[SEEDS], mean = 0.0, var = 0.0;
    for (int s = 0; s < SEEDS; s++) {
        sf_psim_params p = params(SF_PMETHOD_SGD, eta);
        p.symmetric = 0;
        p.batch = 256;
        p.target = target_x1;
        sf_psim *ps = NULL;
        p.seed = 1000 + (unsigned long)s; /* per seed: SGD and Euler from the same start */
        pe.seed = p.seed;
        SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
        sf_psim *e2 = NULL;
        SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &pe, &e2));
        if (!ps || !e2) return;
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 0.1234));
        SF_EXPECT(fabs(sf_psim_time(ps) - 0.12) < 1e-15); /* nearest multiple of η */
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 1.0));
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, e2, 1.0));
        r[s] = sf_psim_risk(ps) - sf_psim_risk(e2);
        mean += r[s] / SEEDS;
        sf_psim_destroy(&ps);
        sf_psim_destroy(&e2);
    }
    for (int s = 0; s < SEEDS; s++) var += (r[s] - mean) * (r[s] - mean) / (SEEDS - 1);
    double se = sqrt(var / SEEDS);
    printf("sgd (B = 256, η = %g) − euler risk at t = 1: mean %.3g, sd %.3g, se %.3g (R_euler %.5f)\n",
           eta, mean, sqrt(var), se, sf_psim_risk(eu));
    /* 4 standard errors (Student t, 7 dof: two-sided p ≈ 0.005) */
    SF_EXPECT_LE(fabs(mean), 4.0 * se);
    /* and the noise is small: per-step gradient noise ~ 1/√B, over t/η = 100 steps of η: the
     * risk fluctuation is ≲ √(t η / B)·|∇R| ≈ √(1·0.01/256)·O(1) ≈ 6e-3·O(1); the bound
     * allows that (1e-2) plus 5 % of R. Not a fit: measured sd 2.6e-3. A check of the 1/B
     * law itself (var ratio between B = 64 and 256, F-band, 16 seeds) measured 1.8 against
     * 4 — the SGD−Euler noise at these sizes is not purely minibatch noise — so the law is
     * not asserted; see the issue-10 note. */
    SF_EXPECT_LE(sqrt(var), 0.05 * sf_psim_risk(eu) + 1e-2);
    sf_psim_destroy(&eu);
}

static void check_errors(sf_ctx *ctx)
{
    sf_kernel_table tab = odd_table(0.5, 0.5);
    sf_case c = gaussian_case();
    sf_psim *ps = NULL;
    sf_psim_params p = params(SF_PMETHOD_CVODE, 0.0);
    p.m = 63;
    SF_EXPECT(sf_test_psim_create(ctx, &c, &tab, &p, &ps) == SF_E_ARG && ps == NULL);
    printf("odd m: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
    p = params(SF_PMETHOD_SGD, 0.01);
    SF_EXPECT(sf_test_psim_create(ctx, &c, &tab, &p, &ps) == SF_E_ARG && ps == NULL);
    printf("sgd without target: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
    p = params(SF_PMETHOD_REDUCED, 0.0);
    SF_EXPECT(sf_test_psim_create(ctx, &c, &tab, &p, &ps) == SF_E_ARG && ps == NULL);
    printf("reduced without K: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
    p = params(SF_PMETHOD_EULER, 0.0);
    SF_EXPECT(sf_test_psim_create(ctx, &c, &tab, &p, &ps) == SF_E_ARG && ps == NULL);
    sf_ctx_clear(ctx);
    c.problem.d_H = 2; /* φ table needs d_H = 1 */
    p = params(SF_PMETHOD_EULER, 0.01);
    SF_EXPECT(sf_test_psim_create(ctx, &c, &tab, &p, &ps) == SF_E_ARG && ps == NULL);
    sf_ctx_clear(ctx);

    /* allocation failure at every site: a clean SF_E_NOMEM and nothing leaked (ASan) */
    c = gaussian_case();
    const sf_pmethod methods[2] = {SF_PMETHOD_CVODE, SF_PMETHOD_SGD};
    for (int mi = 0; mi < 2; mi++) {
        p = params(methods[mi], 0.01);
        p.target = target_x1;
        int nomem = 0;
        for (long n = 1; n < 40; n++) {
            sf_ctx_fail_alloc_at(ctx, n);
            sf_status st = sf_test_psim_create(ctx, &c, &tab, &p, &ps);
            sf_ctx_fail_alloc_at(ctx, 0);
            sf_ctx_clear(ctx);
            if (st == SF_OK) {
                sf_psim_destroy(&ps);
                break;
            }
            SF_EXPECT(st == SF_E_NOMEM && ps == NULL);
            nomem++;
        }
        SF_EXPECT(nomem >= 8);
    }
    sf_psim_destroy(NULL);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_m9(ctx, 1.0, 0.5, 0.0);       /* f* = x₁: E f*² = 1, R* = 0 */
    check_m9(ctx, 3.0, 7.5, 3.0);       /* f* = x₁³: E f*² = 15, w* = 3e₁, R* = ½(15 − 9) */
    check_invariants(ctx);
    check_euler(ctx);
    check_sgd(ctx);
    check_errors(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
