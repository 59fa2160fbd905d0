/* particles_cheb.c — the reduced particles of form L (M15) on the Chebyshev path (K̂ and Ĝ as
 * the series of (L8), sf_chebk_apply, solver.kernel: factored) against independent references:
 *  1. the risk (M14) at t = 0 against the same double sum with K̂, Ĝ evaluated pointwise
 *     (sf_kernel_K/G, the quadratures of kernel.c), within the series' own error bound;
 *  2. the table path is the h → 0 limit: with the same seed and m, the distance between the
 *     Chebyshev and the bicubic-table trajectories at t = 1 (and their risks at t = 0) falls
 *     with the table's interpolation order as the table is refined (n = 33, 65, 129) and the
 *     production table (n = 257) stays within its extrapolated interpolation error;
 *  3. the path is chosen as documented: dense kernel → the table (fallback), factored → the
 *     series and no K̂ table; the φ coordinate (d_H = 1 target) takes the series too;
 *  4. sf_chebk_apply on more points than one of its cache blocks (the particles' regime)
 *     against the series summed with T_k = cos(k arccos ξ), no recurrence, no blocks.
 * Norm target, d = 30, d_H = 5 (θ), and the odd target x₁, d = 10 (φ).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "psim.h"
#include "symflow/particles.h"
#include "symflow/reduction.h"

/* CVODE tolerances: the integration error they leave is measured (run at RTOL/10) and
 * allowed for in the comparisons below. */
static const double RTOL = 1e-11, ATOL = 1e-13;
static const double KERNEL_TOL = 1e-13; /* solver.kernel_tol, the case default */

static sf_case make_case(const char *target, long d, long d_H, sf_kernel_op op)
{
    sf_case c = sf_test_psim_case(target, d, d_H);
    c.solver.kernel = op;
    c.solver.kernel_tol = KERNEL_TOL;
    return c;
}

static sf_psim_params params(long m, unsigned long seed, int symmetric, double tol_scale)
{
    sf_psim_params p = {0};
    p.m = m;
    p.seed = seed;
    p.symmetric = symmetric;
    p.method = SF_PMETHOD_REDUCED;
    p.ode.method = SF_METHOD_ADAMS;
    p.ode.rtol = RTOL * tol_scale;
    p.ode.atol = ATOL * tol_scale;
    p.ode.max_steps = 100000;
    return p;
}

enum { M = 128 };

/* Risk at t = 0 and state (x, c) at t = 1 of the reduced particles on table tab, CVODE
 * tolerances × tol_scale. */
static void run(sf_ctx *ctx, const sf_case *c, const sf_kernel_table *tab, double tol_scale,
                double *R0, double x1[M], double c1[M])
{
    sf_psim_params p = params(M, 7, 0, tol_scale);
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, c, tab, &p, &ps));
    if (!ps) return;
    *R0 = sf_psim_risk(ps);
    SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 1.0));
    const double *e, *x, *cc;
    sf_psim_reduced_state(ps, &e, &x, &cc);
    memcpy(x1, x, M * sizeof *x1);
    memcpy(c1, cc, M * sizeof *c1);
    sf_psim_destroy(&ps);
}

static double dist(const double xa[M], const double ca[M], const double xb[M],
                   const double cb[M])
{
    double w = 0.0;
    for (int j = 0; j < M; j++) w = fmax(w, fabs(xa[j] - xb[j]) + fabs(ca[j] - cb[j]));
    return w;
}

/* 1 and 2 on the norm case (θ). */
static void check_norm(sf_ctx *ctx)
{
    enum { NLEV = 4 };
    const size_t levels[NLEV] = {33, 65, 129, 257};
    sf_case c = make_case("norm", 30, 5, SF_KERNEL_FACTORED);
    sf_kernel_table tc = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, SF_TABLE_K_CHEB, &tc));
    SF_EXPECT(tc.cheb.p > 0 && tc.K == NULL && tc.dK == NULL);
    if (!tc.cheb.p) return;
    printf("norm: Chebyshev p = %zu (rank %zu), pG = %zu, checks K %.2g, G %.2g\n", tc.cheb.p,
           tc.cheb.rank, tc.cheb.pG, tc.cheb.check, tc.cheb.check_G);

    /* 1. (M14) at t = 0, double sum with pointwise K̂, Ĝ */
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    if (!k) return;
    sf_psim_params p = params(M, 7, 0, 1.0);
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tc, &p, &ps));
    if (!ps) return;
    const double *eps, *x, *cc;
    sf_psim_reduced_state(ps, &eps, &x, &cc);
    double exact = 0.0, S = 0.0;
    for (int j = 0; j < M; j++) {
        double s = 0.0;
        for (int l = 0; l < M; l++) s += eps[l] * cc[l] * sf_kernel_K(k, x[j], x[l]);
        exact += eps[j] * cc[j] * (0.5 * s / M - sf_kernel_G(k, x[j]));
        S += cc[j] / M;
    }
    exact = exact / M + sf_kernel_risk_const(k);
    /* The series' error: |ΔK̂| ≤ check·max|K̂|, |ΔĜ| ≤ check_G·max|Ĝ| (a-posteriori, each
     * ≤ 100·kernel_tol by construction, kfactor.c); K̂ is a Gram kernel, so max|K̂| is on the
     * diagonal (Cauchy–Schwarz) and is taken over the 257 nodes, max|Ĝ| from the table's Ĝ.
     * (M14) is ½ΣΣ s s' K̂ − Σ s Ĝ with Σ|s| = S: error ≤ ½S² ΔK + S ΔG; a factor 10 for the
     * check being sampled at 64 points, not a supremum. */
    double Kmax = 0.0, Gmax = 0.0;
    for (size_t i = 0; i < tc.n; i++) {
        const double xi = tc.lo + (tc.hi - tc.lo) * (double)i / (double)(tc.n - 1);
        Kmax = fmax(Kmax, fabs(sf_kernel_K(k, xi, xi)));
        Gmax = fmax(Gmax, fabs(tc.G[i]));
    }
    const double bound = 10.0 * (0.5 * S * S * fmax(tc.cheb.check, KERNEL_TOL) * Kmax +
                                 S * fmax(tc.cheb.check_G, KERNEL_TOL) * Gmax);
    printf("norm: |R_cheb(0) − R_pointwise| = %.3g (bound %.3g), R = %.12g\n",
           fabs(sf_psim_risk(ps) - exact), bound, exact);
    SF_EXPECT_NEAR(sf_psim_risk(ps), exact, bound);
    sf_psim_destroy(&ps);
    sf_kernel_destroy(&k);

    /* 2. table trajectories (same seed, same m) converge to the Chebyshev one */
    double Rc, xc[M], ccb[M], Rf, xf[M], cf[M];
    run(ctx, &c, &tc, 1.0, &Rc, xc, ccb);
    /* the integration error at RTOL, measured against RTOL/10 (CVODE's error is roughly
     * proportional to its tolerance): each run of the comparison carries about this much */
    run(ctx, &c, &tc, 0.1, &Rf, xf, cf);
    const double e_ode = dist(xc, ccb, xf, cf);
    printf("norm: integration error at rtol %g: %.3g\n", RTOL, e_ode);
    double dR[NLEV], dx[NLEV];
    sf_case cd = make_case("norm", 30, 5, SF_KERNEL_DENSE);
    for (int lv = 0; lv < NLEV; lv++) {
        sf_kernel_table tt = {0};
        SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &cd, levels[lv], SF_TABLE_K_CHEB, &tt));
        SF_EXPECT(tt.cheb.p == 0 && tt.K != NULL); /* solver.kernel: dense → the table */
        double Rt, xt[M], ct[M];
        run(ctx, &cd, &tt, 1.0, &Rt, xt, ct);
        dR[lv] = fabs(Rt - Rc);
        dx[lv] = dist(xt, ct, xc, ccb);
        printf("norm: table n = %3zu vs Chebyshev: |ΔR(0)| = %.3g, max |Δx| + |Δc| at t = 1 "
               "= %.3g\n", levels[lv], dR[lv], dx[lv]);
        sf_kernel_table_free(&tt);
    }
    for (int lv = 1; lv < NLEV; lv++) {
        const double pr = log2(dR[lv - 1] / dR[lv]), px = log2(dx[lv - 1] / dx[lv]);
        printf("norm: observed order n = %zu → %zu: risk %.2f, trajectory %.2f\n",
               levels[lv - 1], levels[lv], pr, px);
        /* The difference is the table's error: bicubic Hermite, O(h⁴) in K̂ (risk), O(h³)
         * in ∂K̂ (trajectory); half an order of slack for the pre-asymptotic range, as in
         * unit/particles_reduced. Halving h must shrink it by 2^3.5 (risk) and 2^2.5
         * (trajectory) down to what neither run resolves: the series' own error (`bound`,
         * part 1) for the risk, two runs' integration errors (2 e_ode) for the trajectory.
         * The last level is the production table (257 nodes, app/registry.c): it agrees
         * with the series within its own extrapolated interpolation error. */
        SF_EXPECT_LE(dR[lv], dR[lv - 1] / pow(2.0, 3.5) + bound);
        SF_EXPECT_LE(dx[lv], dx[lv - 1] / pow(2.0, 2.5) + 2.0 * e_ode);
    }
    /* and the coarsest table is resolved: its differences are far above both floors */
    SF_EXPECT_LE(100.0 * bound, dR[0]);
    SF_EXPECT_LE(100.0 * e_ode, dx[0]);
    sf_kernel_table_free(&tc);
}

/* 3. the φ coordinate: the odd target x₁ (d = 10, d_H = 1) with mirror pairs, where only the
 * odd part cos φ cos φ′/4 of K̂ acts on the moments; Chebyshev vs the production table. */
static void check_phi(sf_ctx *ctx)
{
    sf_case c = make_case("linear", 10, 1, SF_KERNEL_FACTORED);
    sf_kernel_table tc = {0}, tt = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, SF_TABLE_K_CHEB, &tc));
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, SF_TABLE_K, &tt));
    SF_EXPECT(tc.coord == SF_COORD_PHI && tc.cheb.p > 0 && tt.cheb.p == 0 && tt.K != NULL);
    double R[2], w[2];
    for (int pass = 0; pass < 2; pass++) {
        sf_psim_params p = params(64, 99, 1, 1.0);
        sf_psim *ps = NULL;
        SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, pass ? &tt : &tc, &p, &ps));
        if (!ps) return;
        SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, 1.0));
        const double *eps, *x, *cc;
        sf_psim_reduced_state(ps, &eps, &x, &cc);
        w[pass] = 0.0;
        for (int j = 0; j < 64; j++) w[pass] += eps[j] * cc[j] * cos(x[j]) / 128.0;
        R[pass] = sf_psim_risk(ps);
        sf_psim_destroy(&ps);
    }
    printf("linear (φ): t = 1, w1 Chebyshev %.12f, table %.12f; R %.6g vs %.6g\n", w[0], w[1],
           R[0], R[1]);
    /* unit/particles_reduced holds the table to (M9) within 1e-7 relative (its ∂K̂ error at
     * h = π/256); the series is ≤ 1e-11 from the kernel: the two agree within that 1e-7 */
    SF_EXPECT_NEAR(w[0], w[1], 1e-7 * fabs(w[1]));
    SF_EXPECT_NEAR(R[0], R[1], 1e-7);
    sf_kernel_table_free(&tc);
    sf_kernel_table_free(&tt);
}

/* 4. the blocked application at m = 3000 (several blocks) against closed-form T_k. */
static void check_blocks(sf_ctx *ctx)
{
    enum { MB = 3000 };
    sf_case c = make_case("norm", 30, 5, SF_KERNEL_FACTORED);
    sf_chebk ck = {0};
    SF_EXPECT_OK(ctx, sf_reduce_chebk(ctx, &c, &ck));
    SF_EXPECT(ck.p > 0);
    if (!ck.p) return;
    const size_t p = ck.p, pG = ck.pG;
    double *x = malloc(MB * sizeof *x), *s = malloc(MB * sizeof *s);
    double *out = malloc(4 * MB * sizeof *out);
    double *work = malloc(sf_chebk_work(&ck, MB) * sizeof *work);
    double mu[256] = {0}, v[256] = {0};
    SF_EXPECT(sf_chebk_work(&ck, MB) < (size_t)MB * p); /* O(p²) work, not O(m p) */
    const double mid = 0.5 * (ck.lo + ck.hi), half = 0.5 * (ck.hi - ck.lo);
    for (int j = 0; j < MB; j++) { /* interior points (θ = arccos ξ away from 0, π) */
        x[j] = mid + half * 0.999 * cos(M_PI * (j + 0.5) / MB * 1.618);
        s[j] = ((j % 3) - 1.0 + 0.3) / MB;
    }
    sf_chebk_apply(&ck, MB, x, s, out, out + MB, out + 2 * MB, out + 3 * MB, work);
    for (int j = 0; j < MB; j++) {
        const double th = acos((x[j] - mid) / half);
        for (size_t k = 0; k < p; k++) mu[k] += s[j] * cos((double)k * th);
    }
    double vs = 0.0, dvs = 0.0, gs = 0.0, dgs = 0.0, e[4] = {0};
    for (size_t k = 0; k < p; k++) {
        for (size_t l = 0; l < p; l++) v[k] += ck.A[k * p + l] * mu[l];
        vs += fabs(v[k]);
        dvs += (double)(k * k) * fabs(v[k]) / half;
    }
    for (size_t k = 0; k < pG; k++) {
        gs += fabs(ck.g[k]);
        dgs += (double)(k * k) * fabs(ck.g[k]) / half;
    }
    for (int j = 0; j < MB; j++) {
        const double th = acos((x[j] - mid) / half), sn = sin(th);
        double f = 0.0, df = 0.0, g = 0.0, dg = 0.0;
        for (size_t k = 0; k < p; k++) {
            f += v[k] * cos((double)k * th);
            df += v[k] * (double)k * sin((double)k * th) / sn / half; /* T_k′ = k sin kθ/sin θ */
        }
        for (size_t k = 0; k < pG; k++) {
            g += ck.g[k] * cos((double)k * th);
            dg += ck.g[k] * (double)k * sin((double)k * th) / sn / half;
        }
        e[0] = fmax(e[0], fabs(out[j] - f) / vs);
        e[1] = fmax(e[1], fabs(out[MB + j] - df) / dvs);
        e[2] = fmax(e[2], fabs(out[2 * MB + j] - g) / gs);
        e[3] = fmax(e[3], fabs(out[3 * MB + j] - dg) / dgs);
    }
    printf("blocks: m = %d, relative differences Φ %.2g, ∂Φ %.2g, Ĝ %.2g, Ĝ′ %.2g\n", MB, e[0],
           e[1], e[2], e[3]);
    /* rounding: sums of ≤ p terms bounded by the scales above (Σ|v_k|, Σ k²|v_k|, T_k′
     * ≤ k²), the recurrence and cos(kθ) each off by ≤ k·ε per term: ≤ 2p·ε·scale ≈ 1.5e-14 at
     * p = 32; 1e-13 */
    for (int i = 0; i < 4; i++) SF_EXPECT_LE(e[i], 1e-13);
    free(x);
    free(s);
    free(out);
    free(work);
    free(ck.A);
    free(ck.g);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_norm(ctx);
    check_phi(ctx);
    check_blocks(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
