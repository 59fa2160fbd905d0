/* reduction_hemi.c — the hemisphere tables of reduction/hemi.c (MATH §4.8) against
 * independent computations:
 *  - Ĝ (M12) of xor, staircase, he2diff (closed form through Hermite coefficients) against
 *    the definition E_z[f_H(z) S(cos θ ⟨û, z⟩, sin θ)] by tensor Gauss–Hermite (GSL
 *    gsl_integration_fixed_hermite) and by nested adaptive quadrature (GSL qagi), and against
 *    Monte Carlo of E[f*(x) σ(⟨ω, x⟩)] in the full dimension d = 20 (4 standard errors);
 *  - ∂_θĜ, ∂_φĜ against centred differences;
 *  - K̂ (M11) against adaptive quadrature of the γ_k average and Monte Carlo over ê′ ∈ S^{k−1};
 *  - input sphere: Ĝ and ½ E f² against Monte Carlo with x uniform on S¹⁹, K̂ = the Gaussian
 *    one / d;
 *  - ½ E f² against Monte Carlo; radial targets (problem.radial: false) give the θ-form Ĝ;
 *  - the tables: K exactly symmetric and circulant-even, τ₀ masses ½ each, routing and
 *    refusals;
 *  - expressions f(x1, x2): a polynomial formula gives its table row's Ĝ and ½E f² to
 *    rounding; tanh(2 x1)·x2 (not a polynomial: its Hermite series is truncated at degree 24)
 *    against tensor Gauss–Hermite of (M12) at θ ≥ 0.3; refusals (unknown variable, sphere
 *    input, a declared symmetry that does not hold).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>

#include "cases.h"
#include "check.h"
#include "symflow/grid.h"
#include "symflow/reduction.h"

enum { GH_NODES = 96, MC_SAMPLES = 400000, KMC_SAMPLES = 200000 };
/* tensor Gauss–Hermite of (M12) at sin θ ≥ 0.29: the integrand is analytic with scale
 * sin θ / cos θ ≥ 0.3, so 96 nodes per axis converge geometrically, below 1e-12 */
static const double GH_TOL = 1e-11;
/* nested qagi with epsabs 1e-12 per level: the outer error bound plus the inner ones */
static const double ADAPT_TOL = 1e-9;
/* Monte Carlo: 4 standard errors (a false alarm has probability 6e-5 per check) */
static const double MC_SIGMAS = 4.0;
/* centred difference with step 1e-5: truncation h² G‴/6 ≤ 1e-10, rounding ε/h ≈ 1e-11 */
static const double FD_H = 1e-5, FD_TOL = 1e-9;

static double target_f(const char *t, double x1, double x2)
{
    if (!strcmp(t, "tanh")) return tanh(2.0 * x1) * x2;
    if (!strcmp(t, "xor")) return x1 * x2;
    if (!strcmp(t, "staircase")) return x1 + x1 * x2;
    return x1 * x1 - x2 * x2; /* he2diff */
}

/* S(m, r) = E σ(m + r ξ) (M12) */
static double S(double m, double r)
{
    if (r == 0.0) return fmax(m, 0.0);
    const double u = m / r;
    return m * gsl_sf_erf_Q(-u) + r * exp(-0.5 * u * u) / sqrt(2.0 * M_PI);
}

static double g_gauss_hermite(const char *t, double th, double ph)
{
    gsl_integration_fixed_workspace *w =
        gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, GH_NODES, 0.0, 1.0, 0.0, 0.0);
    const double *x = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    double s = 0.0;
    for (size_t a = 0; a < GH_NODES; a++)
        for (size_t b = 0; b < GH_NODES; b++) {
            const double z1 = M_SQRT2 * x[a], z2 = M_SQRT2 * x[b];
            s += wt[a] * wt[b] * target_f(t, z1, z2) *
                 S(cos(th) * (z1 * cos(ph) + z2 * sin(ph)), sin(th));
        }
    gsl_integration_fixed_free(w);
    return s / M_PI;
}

typedef struct {
    const char *t;
    double th, ph, z1;
    gsl_integration_workspace *inner;
} adapt_ctx;

static double inner_fn(double z2, void *p)
{
    const adapt_ctx *a = p;
    return target_f(a->t, a->z1, z2) * S(cos(a->th) * (a->z1 * cos(a->ph) + z2 * sin(a->ph)), sin(a->th)) *
           exp(-0.5 * z2 * z2) / sqrt(2.0 * M_PI);
}

static double outer_fn(double z1, void *p)
{
    adapt_ctx *a = p;
    a->z1 = z1;
    gsl_function F = {inner_fn, a};
    double r, err;
    gsl_integration_qagi(&F, 1e-13, 1e-12, 1000, a->inner, &r, &err);
    return r * exp(-0.5 * z1 * z1) / sqrt(2.0 * M_PI);
}

static double g_adaptive(const char *t, double th, double ph)
{
    adapt_ctx a = {t, th, ph, 0.0, gsl_integration_workspace_alloc(1000)};
    gsl_integration_workspace *outer = gsl_integration_workspace_alloc(1000);
    gsl_function F = {outer_fn, &a};
    double r, err;
    gsl_integration_qagi(&F, 1e-12, 1e-11, 1000, outer, &r, &err);
    gsl_integration_workspace_free(outer);
    gsl_integration_workspace_free(a.inner);
    return r;
}

/* K̂ by adaptive quadrature of the γ_k density ∝ (1 − t²)^{(k−3)/2} */
typedef struct {
    double a, b, k;
} kq_ctx;
static double kq_fn(double t, void *p)
{
    const kq_ctx *q = p;
    return sf_kappa_hat(q->a + q->b * t) * pow(1.0 - t * t, 0.5 * (q->k - 3.0));
}
static double kq_w(double t, void *p)
{
    const kq_ctx *q = p;
    return pow(1.0 - t * t, 0.5 * (q->k - 3.0));
}
static double k_adaptive(double th1, double th2, double dph, double k)
{
    kq_ctx q = {cos(th1) * cos(th2) * cos(dph), sin(th1) * sin(th2), k};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {kq_fn, &q}, W = {kq_w, &q};
    double num, den, err;
    gsl_integration_qag(&F, -1.0, 1.0, 1e-15, 1e-13, 1000, GSL_INTEG_GAUSS61, w, &num, &err);
    gsl_integration_qag(&W, -1.0, 1.0, 1e-15, 1e-13, 1000, GSL_INTEG_GAUSS61, w, &den, &err);
    gsl_integration_workspace_free(w);
    return num / den;
}

static void check_G(sf_ctx *ctx, gsl_rng *rng, const char *t)
{
    sf_case c = {0};
    sf_hemi *h = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, t));
    SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &h));
    if (!h) goto done;
    const double pts[3][2] = {{0.3, 0.4}, {0.8, 2.1}, {1.3, 4.0}};
    double worst_gh = 0.0, worst_ad = 0.0, worst_fd = 0.0;
    for (int k = 0; k < 3; k++) {
        const double th = pts[k][0], ph = pts[k][1], g = sf_hemi_G(h, th, ph);
        const double gh = g_gauss_hermite(t, th, ph), ad = g_adaptive(t, th, ph);
        worst_gh = fmax(worst_gh, fabs(g - gh));
        worst_ad = fmax(worst_ad, fabs(g - ad));
        SF_EXPECT_NEAR(g, gh, GH_TOL);
        SF_EXPECT_NEAR(g, ad, ADAPT_TOL);
        double dth, dph;
        sf_hemi_dG(h, th, ph, &dth, &dph);
        const double fth = (sf_hemi_G(h, th + FD_H, ph) - sf_hemi_G(h, th - FD_H, ph)) / (2 * FD_H);
        const double fph = (sf_hemi_G(h, th, ph + FD_H) - sf_hemi_G(h, th, ph - FD_H)) / (2 * FD_H);
        worst_fd = fmax(worst_fd, fmax(fabs(dth - fth), fabs(dph - fph)));
        SF_EXPECT_NEAR(dth, fth, FD_TOL);
        SF_EXPECT_NEAR(dph, fph, FD_TOL);
        /* Monte Carlo in d = 20: ω = (cos θ cos φ, cos θ sin φ, sin θ, 0, …) */
        double sum = 0.0, sum2 = 0.0, rsum = 0.0, rsum2 = 0.0;
        for (long n = 0; n < MC_SAMPLES; n++) {
            double x[20];
            for (int j = 0; j < 20; j++) x[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
            const double f = target_f(t, x[0], x[1]);
            const double y = cos(th) * (cos(ph) * x[0] + sin(ph) * x[1]) + sin(th) * x[2];
            const double v = f * fmax(y, 0.0);
            sum += v;
            sum2 += v * v;
            rsum += 0.5 * f * f;
            rsum2 += 0.25 * f * f * f * f;
        }
        const double mean = sum / MC_SAMPLES, se = sqrt((sum2 / MC_SAMPLES - mean * mean) / MC_SAMPLES);
        const double rmean = rsum / MC_SAMPLES;
        const double rse = sqrt((rsum2 / MC_SAMPLES - rmean * rmean) / MC_SAMPLES);
        printf("%s G(%.1f, %.1f) = %.15f: GH %.1e, adaptive %.1e, MC %.6f ± %.1e (%.2f se)\n", t,
               th, ph, g, fabs(g - gh), fabs(g - ad), mean, se, fabs(g - mean) / se);
        SF_EXPECT_LE(fabs(g - mean), MC_SIGMAS * se);
        if (k == 0) SF_EXPECT_LE(fabs(sf_hemi_risk_const(h) - rmean), MC_SIGMAS * rse);
    }
    printf("%s: worst |G - GH| %.1e, |G - adaptive| %.1e, |dG - FD| %.1e\n", t, worst_gh, worst_ad,
           worst_fd);
done:
    sf_hemi_destroy(&h);
    sf_case_free(&c);
}

static void check_K(sf_ctx *ctx, gsl_rng *rng)
{
    sf_case c = {0};
    sf_hemi *h = NULL;
    const double k = 18.0;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, "xor"));
    SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &h));
    if (!h) goto done;
    const double pts[4][3] = {{0.2, 0.5, 0.3}, {1.0, 1.2, 2.5}, {1.5, 1.5, 0.0}, {0.05, 0.05, 0.0}};
    double worst = 0.0;
    for (int j = 0; j < 4; j++) {
        const double v = sf_hemi_K(h, pts[j][0], pts[j][1], pts[j][2]);
        const double a = k_adaptive(pts[j][0], pts[j][1], pts[j][2], k);
        worst = fmax(worst, fabs(v - a));
        /* 20-node γ_k rule: the integrand κ̂(a + bt) is analytic on [−1, 1] unless a + b = 1
         * (the diagonal at Δφ = 0), where its (1 − c)^{3/2} branch meets the weight's
         * (1 − t)^{7.5}: measured ≤ 1e-14 */
        SF_EXPECT_NEAR(v, a, 1e-12);
        /* Monte Carlo over ê′ uniform on S^{k−1}, ê = e₁ of H^⊥: t = ê′₁ */
        double s = 0.0, s2 = 0.0;
        for (long n = 0; n < KMC_SAMPLES; n++) {
            double e[18], nn = 0.0;
            for (int i = 0; i < 18; i++) {
                e[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
                nn += e[i] * e[i];
            }
            const double tt = e[0] / sqrt(nn);
            const double kv = sf_kappa_hat(cos(pts[j][0]) * cos(pts[j][1]) * cos(pts[j][2]) +
                                           sin(pts[j][0]) * sin(pts[j][1]) * tt);
            s += kv;
            s2 += kv * kv;
        }
        const double mean = s / KMC_SAMPLES, se = sqrt((s2 / KMC_SAMPLES - mean * mean) / KMC_SAMPLES);
        SF_EXPECT_LE(fabs(v - mean), MC_SIGMAS * se + 1e-15);
    }
    printf("K: worst |K - adaptive| %.1e\n", worst);
done:
    sf_hemi_destroy(&h);
    sf_case_free(&c);
}

static void check_tables(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_hemi_problem p = {0};
    sf_hemi *h = NULL, *hr = NULL;
    sf_kernel *kr = NULL;
    const sf_grid1_params gp = {.cells = 6, .lo = 0.0, .hi = M_PI / 2, .spacing = SF_SPACING_UNIFORM,
                                .ratio = 1.0, .centre = 0.0, .focus = M_PI / 2};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, "staircase"));
    SF_EXPECT_OK(ctx, sf_grid1_create(ctx, &gp, &g));
    SF_EXPECT_OK(ctx, sf_reduce_hemi(ctx, &c, &g, 12, NULL, &p));
    if (p.K) {
        int sym = 1;
        double m[2] = {0.0, 0.0};
        for (size_t l = 0; l < 12; l++)
            for (size_t i = 0; i < 6; i++)
                for (size_t j = 0; j < 6; j++) {
                    const double v = p.K[(l * 6 + i) * 6 + j];
                    sym &= v == p.K[(l * 6 + j) * 6 + i];
                    sym &= v == p.K[(((12 - l) % 12) * 6 + i) * 6 + j];
                }
        for (size_t k = 0; k < 72; k++) {
            m[0] += p.tau0_plus[k];
            m[1] += p.tau0_minus[k];
        }
        SF_EXPECT(sym); /* exactly symmetric blocks, K(l) = K(n − l) bit for bit */
        SF_EXPECT_NEAR(m[0], 0.5, 1e-15); /* (L3): telescoping cdf differences, rounding */
        SF_EXPECT_NEAR(m[1], 0.5, 1e-15);
        SF_EXPECT_NEAR(p.risk_const, 1.0, 0.0); /* ½ (E x₁² + E x₁²x₂²) = 1, exact */
    }
    sf_hemi_problem_free(&p);
    /* n_φ not a multiple of 4: refused */
    SF_EXPECT(sf_reduce_hemi(ctx, &c, &g, 10, NULL, &p) == SF_E_ARG);
    sf_ctx_clear(ctx);
    /* routing: xor → hemisphere; norm → θ unless problem.radial: false */
    int yes = -1;
    SF_EXPECT_OK(ctx, sf_reduce_uses_hemi(ctx, &c, &yes));
    SF_EXPECT(yes == 1);
    snprintf(c.problem.target, sizeof c.problem.target, "norm");
    SF_EXPECT_OK(ctx, sf_reduce_uses_hemi(ctx, &c, &yes));
    SF_EXPECT(yes == 0);
    c.problem.radial = 0;
    SF_EXPECT_OK(ctx, sf_reduce_uses_hemi(ctx, &c, &yes));
    SF_EXPECT(yes == 1);
    /* radial on the hemisphere: Ĝ(θ, φ) = the θ-form's Ĝ(θ) for every φ */
    SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &hr));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &kr));
    if (hr && kr) {
        SF_EXPECT(sf_hemi_G(hr, 0.7, 1.0) == sf_kernel_G(kr, 0.7));
        SF_EXPECT(sf_hemi_G(hr, 0.7, 5.0) == sf_kernel_G(kr, 0.7));
        SF_EXPECT(sf_hemi_risk_const(hr) == sf_kernel_risk_const(kr));
    }
    /* a plane target with d_H ≠ 2 is refused naming problem.d_H; and the 1-D kernels refuse it */
    c.problem.d_H = 3;
    snprintf(c.problem.target, sizeof c.problem.target, "xor");
    SF_EXPECT(sf_hemi_create(ctx, &c, &h) == SF_E_UNSUPPORTED);
    SF_EXPECT(strstr(sf_ctx_message(ctx), "problem.d_H") != NULL);
    sf_ctx_clear(ctx);
    c.problem.d_H = 2;
    sf_kernel *kx = NULL;
    SF_EXPECT(sf_kernel_create(ctx, &c, &kx) == SF_E_UNSUPPORTED);
    SF_EXPECT(strstr(sf_ctx_message(ctx), "hemisphere") != NULL);
    sf_ctx_clear(ctx);
    sf_kernel_destroy(&kr);
    sf_hemi_destroy(&hr);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

/* A formula's Ĝ against its table row (polynomials) or against (M12) by Gauss–Hermite. */
static void check_expressions(sf_ctx *ctx)
{
    const char *rows[3] = {"xor", "staircase", "he2diff"};
    const char *texts[3] = {"x1*x2", "x1 + x1*x2", "x1^2 - x2^2"};
    for (int r = 0; r < 3; r++) {
        sf_case c = {0}, ce = {0};
        sf_hemi *h = NULL, *he = NULL;
        SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, rows[r]));
        SF_EXPECT_OK(ctx, make_case(ctx, &ce, 20, 2, "expression"));
        snprintf(ce.problem.expression, sizeof ce.problem.expression, "%s", texts[r]);
        int yes = 0;
        SF_EXPECT_OK(ctx, sf_reduce_uses_hemi(ctx, &ce, &yes));
        SF_EXPECT(yes == 1);
        SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &h));
        SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &ce, &he));
        if (h && he) {
            double worst = 0.0;
            for (int i = 0; i <= 8; i++)
                for (int j = 0; j < 16; j++) {
                    const double th = i * M_PI / 16, ph = j * M_PI / 8;
                    worst = fmax(worst, fabs(sf_hemi_G(h, th, ph) - sf_hemi_G(he, th, ph)));
                }
            printf("expression '%s' vs %s: max |dG| %.1e, risk %.17g vs %.17g\n", texts[r], rows[r],
                   worst, sf_hemi_risk_const(he), sf_hemi_risk_const(h));
            /* Gauss–Hermite moments of a degree-≤ 4 integrand are exact; rounding of the
             * 64² sums (≲ 10⁻¹⁵ of the coefficient sizes) */
            SF_EXPECT_LE(worst, 1e-13);
            SF_EXPECT_NEAR(sf_hemi_risk_const(he), sf_hemi_risk_const(h), 1e-13);
        }
        sf_hemi_destroy(&h);
        sf_hemi_destroy(&he);
        sf_case_free(&c);
        sf_case_free(&ce);
    }
    /* a formula that is not a polynomial: truncated series vs (M12) at θ ≥ 0.3 */
    sf_case c = {0};
    sf_hemi *h = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, "expression"));
    snprintf(c.problem.expression, sizeof c.problem.expression, "tanh(2*x1)*x2");
    SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &h));
    if (h) {
        double worst = 0.0;
        const double pts[4][2] = {{0.3, 0.4}, {0.5, 1.0}, {0.8, 2.1}, {1.3, 4.0}};
        for (int k = 0; k < 4; k++)
            worst = fmax(worst, fabs(sf_hemi_G(h, pts[k][0], pts[k][1]) -
                                     g_gauss_hermite("tanh", pts[k][0], pts[k][1])));
        const double near0 = fabs(sf_hemi_G(h, 0.05, 0.4) - g_adaptive("tanh", 0.05, 0.4));
        printf("expression 'tanh(2*x1)*x2': max |G - GH(M12)| at theta >= 0.3: %.1e; "
               "|G - adaptive| at theta = 0.05: %.1e\n", worst, near0);
        /* the Hermite series of tanh(2x) (analytic in |Im x| < π/4) loses ~exp(−2τ√(2n)) at
         * degree n = 64, weighted by cos^n θ: measured 4e-9 at θ ≥ 0.3 and 4e-7 at θ = 0.05
         * (where S(m, sin θ) is nearly the kink σ(m)); 10× margins */
        SF_EXPECT_LE(worst, 4e-8);
        SF_EXPECT_LE(near0, 4e-6);
    }
    sf_hemi_destroy(&h);
    /* refusals */
    snprintf(c.problem.expression, sizeof c.problem.expression, "x1*y");
    SF_EXPECT(sf_hemi_create(ctx, &c, &h) == SF_E_PARSE);
    SF_EXPECT(strstr(sf_ctx_message(ctx), "'y'") != NULL);
    sf_ctx_clear(ctx);
    snprintf(c.problem.expression, sizeof c.problem.expression, "x1*x2");
    c.problem.symmetry = SF_SYMMETRY_ODD;
    SF_EXPECT(sf_hemi_create(ctx, &c, &h) == SF_E_RANGE);
    SF_EXPECT(strstr(sf_ctx_message(ctx), "problem.symmetry") != NULL);
    sf_ctx_clear(ctx);
    c.problem.symmetry = SF_SYMMETRY_EVEN;
    SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &h));
    sf_hemi_destroy(&h);
    c.problem.input = SF_INPUT_SPHERE;
    SF_EXPECT(sf_hemi_create(ctx, &c, &h) == SF_E_UNSUPPORTED);
    sf_ctx_clear(ctx);
    sf_case_free(&c);
}

/* Input sphere (MATH §1): Ĝ and ½ E f² of the table rows against Monte Carlo with x uniform
 * on S¹⁹ (staircase mixes degrees 1 and 2: each part scaled by its own moment of |x|). */
static void check_sphere(sf_ctx *ctx, gsl_rng *rng)
{
    const char *rows[2] = {"staircase", "he2diff"};
    for (int r = 0; r < 2; r++) {
        sf_case c = {0};
        sf_hemi *h = NULL;
        SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, rows[r]));
        c.problem.input = SF_INPUT_SPHERE;
        SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &h));
        if (!h) continue;
        const double th = 0.5, ph = 0.7, g = sf_hemi_G(h, th, ph);
        double sum = 0.0, sum2 = 0.0, rs = 0.0, rs2 = 0.0;
        for (long n = 0; n < MC_SAMPLES; n++) {
            double x[20], n2 = 0.0;
            for (int j = 0; j < 20; j++) {
                x[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
                n2 += x[j] * x[j];
            }
            for (int j = 0; j < 20; j++) x[j] /= sqrt(n2);
            const double f = target_f(rows[r], x[0], x[1]);
            const double y = cos(th) * (cos(ph) * x[0] + sin(ph) * x[1]) + sin(th) * x[2];
            const double v = f * fmax(y, 0.0);
            sum += v;
            sum2 += v * v;
            rs += 0.5 * f * f;
            rs2 += 0.25 * f * f * f * f;
        }
        const double mean = sum / MC_SAMPLES, se = sqrt((sum2 / MC_SAMPLES - mean * mean) / MC_SAMPLES);
        const double rm = rs / MC_SAMPLES, rse = sqrt((rs2 / MC_SAMPLES - rm * rm) / MC_SAMPLES);
        printf("%s, sphere input: G(0.5, 0.7) = %.6e, MC %.6e ± %.1e (%.2f se); risk const %.6e, "
               "MC %.6e ± %.1e\n", rows[r], g, mean, se, fabs(g - mean) / se,
               sf_hemi_risk_const(h), rm, rse);
        SF_EXPECT_LE(fabs(g - mean), MC_SIGMAS * se);
        SF_EXPECT_LE(fabs(sf_hemi_risk_const(h) - rm), MC_SIGMAS * rse);
        /* K̂ is the Gaussian one divided by d (MATH §1) */
        c.problem.input = SF_INPUT_GAUSSIAN;
        sf_hemi *hg = NULL;
        SF_EXPECT_OK(ctx, sf_hemi_create(ctx, &c, &hg));
        if (hg) SF_EXPECT_NEAR(sf_hemi_K(h, 0.3, 0.9, 1.1), sf_hemi_K(hg, 0.3, 0.9, 1.1) / 20.0, 1e-17);
        sf_hemi_destroy(&hg);
        sf_hemi_destroy(&h);
        sf_case_free(&c);
    }
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261201UL);
    check_G(ctx, rng, "xor");
    check_G(ctx, rng, "staircase");
    check_G(ctx, rng, "he2diff");
    check_K(ctx, rng);
    check_tables(ctx);
    check_expressions(ctx);
    check_sphere(ctx, rng);
    gsl_rng_free(rng);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
