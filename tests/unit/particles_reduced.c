/* particles_reduced.c — the reduced particles of form L (M15) against independent
 * references, with kernel tables from reduction's sf_reduce_table:
 *  1. interpolation: the risk (M14) of a reduced cloud from the bicubic Hermite interpolant
 *     of the table vs the same sum with K̂, Ĝ evaluated pointwise (sf_kernel_K/G), and the
 *     trajectory at t = 1 vs a fine table, on table refinement: observed orders printed;
 *  2. odd target f* = x₁ (d = 10) with mirror pairs: (w₁, M₁₁, s) follows (M9);
 *  3. the paper's radial case f* = |x_H| (d = 30, d_H = 5): mean risk over seeds of
 *     reduced and full-width particles (paired draws, m = 256 and 512) differ by B(t)/m,
 *     the same B at both m within Monte-Carlo error, at t = 0, 1, 2;
 *     R non-increasing (L2); the (u, r) view is consistent with c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "psim.h"
#include "symflow/particles.h"
#include "symflow/reduction.h"

/* CVODE tolerances: well below the interpolation and Monte-Carlo errors tested here. */
static const double RTOL = 1e-9, ATOL = 1e-12;

static sf_case make_case(const char *target, long d, long d_H)
{
    return sf_test_psim_case(target, d, d_H);
}

static sf_psim_params params(sf_pmethod method, long m, unsigned long seed, int symmetric)
{
    sf_psim_params p = {0};
    p.m = m;
    p.seed = seed;
    p.symmetric = symmetric;
    p.method = method;
    p.step = 0.01;
    p.batch = 1;
    p.ode.method = SF_METHOD_ADAMS;
    p.ode.rtol = RTOL;
    p.ode.atol = ATOL;
    p.ode.max_steps = 100000;
    return p;
}

/* 1. Interpolation error against table resolution (radial |x_H|, d = 30, d_H = 5). */
static void check_interpolation(sf_ctx *ctx)
{
    enum { MI = 128, NREF = 257, NLEV = 3 };
    const size_t levels[NLEV] = {17, 33, 65};
    sf_case c = make_case("norm", 30, 5);
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    if (!k) return;
    sf_kernel_table ref = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, NREF, 1, &ref));
    sf_psim_params p = params(SF_PMETHOD_REDUCED, MI, 7, 0);
    sf_psim *pref = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &ref, &p, &pref));
    if (!pref) return;

    /* (M14) at t = 0 with pointwise K̂, Ĝ: the reference of the risk error */
    const double *eps, *x, *cc;
    sf_psim_reduced_state(pref, &eps, &x, &cc);
    double exact = 0.0;
    for (int j = 0; j < MI; j++) {
        double s = 0.0;
        for (int l = 0; l < MI; l++) s += eps[l] * cc[l] * sf_kernel_K(k, x[j], x[l]);
        exact += eps[j] * cc[j] * (0.5 * s / MI - sf_kernel_G(k, x[j]));
    }
    exact = exact / MI + sf_kernel_risk_const(k);
    double x0[MI];
    memcpy(x0, x, sizeof x0);
    printf("interp n = %d: |R_table − R_pointwise| = %.3g\n", NREF,
           fabs(sf_psim_risk(pref) - exact));
    SF_EXPECT_OK(ctx, sf_psim_advance(ctx, pref, 1.0));
    sf_psim_reduced_state(pref, &eps, &x, &cc);

    double rerr[NLEV], xerr[NLEV];
    for (int lv = 0; lv < NLEV; lv++) {
        sf_kernel_table tab = {0};
        SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, levels[lv], 1, &tab));
        sf_psim *ps = NULL;
        SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
        if (!ps) return;
        const double *e2, *x2, *c2;
        sf_psim_reduced_state(ps, &e2, &x2, &c2);
        for (int j = 0; j < MI; j++) SF_EXPECT(x2[j] == x0[j]); /* same start for every n */
        rerr[lv] = fabs(sf_psim_risk(ps) - exact);
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 1.0));
        sf_psim_reduced_state(ps, &e2, &x2, &c2);
        xerr[lv] = 0.0;
        for (int j = 0; j < MI; j++) {
            double e = fabs(x2[j] - x[j]) + fabs(c2[j] - cc[j]);
            if (e > xerr[lv]) xerr[lv] = e;
        }
        printf("interp n = %3zu: |R(0) − R_pointwise| = %.3g   max |x − x_ref| + |c − c_ref| "
               "at t = 1: %.3g\n", levels[lv], rerr[lv], xerr[lv]);
        sf_psim_destroy(&ps);
        sf_kernel_table_free(&tab);
    }
    for (int lv = 1; lv < NLEV; lv++) {
        double pr = log2(rerr[lv - 1] / rerr[lv]), px = log2(xerr[lv - 1] / xerr[lv]);
        printf("interp order n = %zu → %zu: risk %.2f, trajectory %.2f\n", levels[lv - 1],
               levels[lv], pr, px);
        /* bicubic Hermite: K̂ error O(h⁴) (risk), ∂K̂ error O(h³) (trajectory); half an
         * order of slack for the pre-asymptotic range and the (1 ∓ c)^{3/2} corner of κ̂ */
        SF_EXPECT_LE(3.5, pr);
        SF_EXPECT_LE(2.5, px);
    }
    sf_psim_destroy(&pref);
    sf_kernel_table_free(&ref);
    sf_kernel_destroy(&k);
}

/* 2. f* = x₁, d = 10, mirror pairs: with b = √c (cos φ e₁ + sin φ ê), the moments
 * w₁ = (1/2m) Σ ε c cos φ, M₁₁ = (1/m) Σ c cos² φ, s = (1/m) Σ c obey (M9) restricted to
 * e₁ (w ∈ H by the O(H^⊥) symmetry): ẇ₁ = −¼(s + M₁₁)δ, Ṁ₁₁ = ṡ = −2 w₁ δ, δ = w₁ − 1. */
static void red_moments(const sf_psim *ps, double z[3])
{
    const double *eps, *x, *c;
    sf_psim_reduced_state(ps, &eps, &x, &c);
    const long m = sf_psim_m(ps);
    z[0] = z[1] = z[2] = 0.0;
    for (long j = 0; j < m; j++) {
        z[0] += eps[j] * c[j] * cos(x[j]) / (2.0 * m);
        z[1] += c[j] * cos(x[j]) * cos(x[j]) / m;
        z[2] += c[j] / m;
    }
}

static void m9_1d(const double z[3], double dz[3])
{
    double delta = z[0] - 1.0;
    dz[0] = -0.25 * (z[2] + z[1]) * delta;
    dz[1] = -2.0 * z[0] * delta;
    dz[2] = -2.0 * z[0] * delta;
}

static void m9_1d_rk4(double z[3], double T)
{
    const double dt_max = 1e-3; /* RK4 global error ~ dt⁴·T ≈ 1e-12·T */
    long n = (long)ceil(T / dt_max);
    double h = T / (double)n, k1[3], k2[3], k3[3], k4[3], tmp[3];
    for (long it = 0; it < n; it++) {
        m9_1d(z, k1);
        for (int i = 0; i < 3; i++) tmp[i] = z[i] + 0.5 * h * k1[i];
        m9_1d(tmp, k2);
        for (int i = 0; i < 3; i++) tmp[i] = z[i] + 0.5 * h * k2[i];
        m9_1d(tmp, k3);
        for (int i = 0; i < 3; i++) tmp[i] = z[i] + h * k3[i];
        m9_1d(tmp, k4);
        for (int i = 0; i < 3; i++) z[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
}

static void check_odd(sf_ctx *ctx)
{
    sf_case c = make_case("linear", 10, 1);
    sf_kernel_table tab = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, 1, &tab));
    SF_EXPECT(tab.coord == SF_COORD_PHI);
    sf_psim_params p = params(SF_PMETHOD_REDUCED, 64, 99, 1);
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
    if (!ps) return;
    double z[3];
    red_moments(ps, z);
    /* (M10) at t = 0, R* = 0: only the odd part cos φ cos φ′/4 of K̂ survives the pairs */
    SF_EXPECT_NEAR(sf_psim_risk(ps), 0.5 * (z[0] - 1) * (z[0] - 1), 1e-10);
    double t_prev = 0.0;
    const double times[2] = {1.0, 5.0};
    for (int it = 0; it < 2; it++) {
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, times[it]));
        m9_1d_rk4(z, times[it] - t_prev);
        t_prev = times[it];
        double zp[3];
        red_moments(ps, zp);
        printf("reduced odd: t = %g  w1 = %.10f (M9 %.10f, rel %.2g)  s rel %.2g  R = %.3g\n",
               times[it], zp[0], z[0], fabs(zp[0] - z[0]) / fabs(z[0]),
               fabs(zp[2] - z[2]) / z[2], sf_psim_risk(ps));
        /* budget: CVODE rtol 1e-9 over ~10² steps, plus the interpolation of the odd part
         * of K̂ (cos φ cos φ′/4: slope error ≲ h³/24·¼ ≈ 2e-8 at h = π/256, 4th-order cross
         * slopes) — 1e-7 relative */
        SF_EXPECT_NEAR(zp[0], z[0], 1e-7 * fabs(z[0]));
        SF_EXPECT_NEAR(zp[1], z[1], 1e-7 * z[1]);
        SF_EXPECT_NEAR(zp[2], z[2], 1e-7 * z[2]);
        SF_EXPECT_NEAR(sf_psim_risk(ps), 0.5 * (z[0] - 1) * (z[0] - 1), 1e-7);
    }
    sf_psim_destroy(&ps);
    sf_kernel_table_free(&tab);
}

enum { NORM_SEEDS = 8, NORM_NT = 3 };

/* 3. Reduced vs full width on the paper's norm case at MN particles, seeds seed0 + s (the
 * same draw for both methods: paired); R non-increasing; views. Out: per output time the
 * mean over seeds of R_reduced − R_full and its paired standard error. */
static void check_norm(sf_ctx *ctx, int MN, unsigned long seed0, double gap[NORM_NT],
                       double gap_se[NORM_NT])
{
    enum { SEEDS = NORM_SEEDS, NT = NORM_NT };
    const double times[NT] = {0.0, 1.0, 2.0};
    sf_case c = make_case("norm", 30, 5);
    sf_kernel_table tab = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, 1, &tab));
    double R[2][SEEDS][NT];
    for (int meth = 0; meth < 2; meth++) {
        for (int s = 0; s < SEEDS; s++) {
            sf_psim_params p = params(meth ? SF_PMETHOD_CVODE : SF_PMETHOD_REDUCED, MN,
                                      seed0 + (unsigned long)s, 0);
            p.ode.rtol = 1e-6; /* Monte-Carlo error ~ 1e-2 dominates */
            p.ode.atol = 1e-9;
            sf_psim *ps = NULL;
            SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
            if (!ps) return;
            for (int it = 0; it < NT; it++) {
                double Rprev = sf_psim_risk(ps);
                SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, times[it]));
                R[meth][s][it] = sf_psim_risk(ps);
                /* (I2)/(L2): the exact flow does not raise R. CVODE keeps each step's local
                 * error ≤ rtol·|y| (+ atol, 1000× smaller here); summed linearly over the n
                 * steps since t = 0 the relative state error is ≤ n·rtol and R, quadratic in
                 * the state, moves by ≤ 2n·rtol·R; the two ends of the interval: 4n·rtol·R. */
                sf_psim_stats st;
                sf_psim_get_stats(ps, &st);
                const double slack = 4.0 * (double)st.steps * p.ode.rtol * Rprev;
                if (s == 0)
                    printf("norm %s m=%d seed 0, t = %g: R rise %.2e ≤ 4·%ld steps·rtol·R = %.2e\n",
                           meth ? "full" : "reduced", MN, times[it], R[meth][s][it] - Rprev,
                           st.steps, slack);
                SF_EXPECT_LE(R[meth][s][it], Rprev + slack);
            }
            /* views: |u|² + r² = c (reduced) or |b|² (full) */
            double *u = calloc((size_t)MN * 5, sizeof *u), *r = calloc(MN, sizeof *r);
            SF_EXPECT_OK(ctx, sf_psim_reduced(ctx, ps, u, r));
            double worst = 0.0;
            const double *cc = NULL, *b = sf_psim_b(ps);
            sf_psim_reduced_state(ps, NULL, NULL, &cc);
            for (int j = 0; j < MN; j++) {
                double q = r[j] * r[j], ref = 0.0;
                for (int l = 0; l < 5; l++) q += u[j * 5 + l] * u[j * 5 + l];
                if (cc) ref = cc[j];
                else
                    for (int l = 0; l < 30; l++) ref += b[j * 30 + l] * b[j * 30 + l];
                if (fabs(q - ref) > worst) worst = fabs(q - ref);
            }
            SF_EXPECT_LE(worst, 1e-13);
            free(u);
            free(r);
            sf_psim_destroy(&ps);
        }
    }
    for (int it = 0; it < NT; it++) {
        double mean[2] = {0, 0}, var[2] = {0, 0};
        for (int meth = 0; meth < 2; meth++) {
            for (int s = 0; s < SEEDS; s++) mean[meth] += R[meth][s][it] / SEEDS;
            for (int s = 0; s < SEEDS; s++)
                var[meth] += pow(R[meth][s][it] - mean[meth], 2) / (SEEDS - 1);
        }
        double se = sqrt((var[0] + var[1]) / SEEDS);
        printf("norm d=30 d_H=5 m=%d, %d seeds, t = %g: reduced %.5f ± %.5f, full %.5f ± %.5f "
               "(diff %.2g, %.2f se)\n", MN, SEEDS, times[it], mean[0], sqrt(var[0] / SEEDS),
               mean[1], sqrt(var[1] / SEEDS), mean[0] - mean[1],
               fabs(mean[0] - mean[1]) / se);
        /* paired difference per seed (same draw for both methods) */
        double dm = 0.0, dv = 0.0;
        for (int s = 0; s < SEEDS; s++) dm += (R[0][s][it] - R[1][s][it]) / SEEDS;
        for (int s = 0; s < SEEDS; s++) dv += pow(R[0][s][it] - R[1][s][it] - dm, 2) / (SEEDS - 1);
        gap[it] = dm;
        gap_se[it] = sqrt(dv / SEEDS);
        printf("  paired: diff %.3g ± %.2g, m·diff %.3g ± %.2g\n", dm, gap_se[it], MN * dm,
               MN * gap_se[it]);
        if (it == 0) {
            /* (L3): E R(0) = ½E f_H² + self term ½(1/m)·E[c κ̂(1) or c K̂(x,x)] ≤ 1/(4m) */
            for (int meth = 0; meth < 2; meth++)
                SF_EXPECT_NEAR(mean[meth], tab.risk_const,
                               4.0 * sqrt(var[meth] / SEEDS) + 1.0 / (4.0 * MN));
        }
    }
    sf_kernel_table_free(&tab);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_interpolation(ctx);
    check_odd(ctx);
    /* Reduced vs full: both m-particle systems tend to the same mean-field flow, but differ
     * at O(1/m) (self-interactions, finite-m correlations), so E[R_reduced − R_full] = B(t)/m
     * + o(1/m) with B unknown. B is estimated from an independent run at m = 256 (seeds
     * 200…) and the run at m = 512 must show gap·m equal to it within 4 standard errors of
     * the difference (Student t, 7 dof: two-sided p ≈ 0.005) — the 1/m law — and no more
     * than B̂/m + 4 se beyond 0 (the old assertion, its allowance now measured, not fitted). */
    double g1[NORM_NT], s1[NORM_NT], g2[NORM_NT], s2[NORM_NT];
    check_norm(ctx, 256, 200, g1, s1);
    check_norm(ctx, 512, 100, g2, s2);
    for (int it = 0; it < NORM_NT; it++) {
        double b1 = 256.0 * g1[it], b2 = 512.0 * g2[it];
        double se_b = sqrt(pow(256.0 * s1[it], 2) + pow(512.0 * s2[it], 2));
        printf("norm reduced − full, output %d: m·gap %.3f ± %.3f (m = 256), %.3f ± %.3f "
               "(m = 512)\n", it, b1, 256.0 * s1[it], b2, 512.0 * s2[it]);
        SF_EXPECT_NEAR(b2, b1, 4.0 * se_b);
        SF_EXPECT_LE(fabs(g2[it]), fabs(b1) / 512.0 + 4.0 * sqrt(s2[it] * s2[it] +
                                                                   pow(s1[it] / 2.0, 2)));
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
