/* particles_vs_pde.c — the grid PDE against particles on paper-norm (d = 30, d_H = 5,
 * f* = |x_H|, balanced start, t ∈ [0, 10]; MATH.md §6, §7), through the files and the
 * compare library, as a user would run them:
 *   1. deterministic reduced particles (midpoint quantiles of the start law, m = 10⁵) agree
 *      with the PDE to within the PDE's own discretisation error (estimated as the gap
 *      between N = 400 and N = 800 cells);
 *   2. random reduced particles, m ∈ {256, 1024, 4096, 16384}, 8 seeds: two gaps that
 *      exclude the t = 0 draw (whose risk gap alone is the sup of |R_m − R| over t: the
 *      initial sampling error, not the dynamics):
 *        ΔR = sup_{t ≥ T1} |(R_m − R)(t) − (R_m − R)(0)|   (what the flow adds to the draw),
 *        W  = sup_{t ≥ T1} W₁(τ⁺_m(t), τ⁺(t));
 *      per seed, the least-squares slope of log gap against log m; the mean slope over the
 *      seeds lies within K_SE seed-to-seed standard errors of −½ (fluctuations m^{−½}; for
 *      ΔR plus the slope shift of an (L3)-sized m^{−1} bias, see L3_SELF);
 *   3. full-width particles in d = 30 (exact gradient, CVODE): ΔR falls from m = 256 to
 *      1024 (mean over seeds, by more than K_SE standard errors of the difference).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/compare.h"
#include "symflow/ncio.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"

enum { SEEDS = 8, FULL_SEEDS = 4, NM = 4 };
static const long MS[NM] = {256, 1024, 4096, 16384};
/* Monte-Carlo slope of a fluctuation against m: gap ∝ m^{−½} (central limit theorem). */
static const double SLOPE_MC = -0.5;
/* Width of the band in seed-to-seed standard errors of the mean slope: Student t with
 * SEEDS − 1 = 7 degrees of freedom, two-sided p ≈ 0.005. */
static const double K_SE = 4.0;
/* Size of the m^{−1} bias of R_m − R: the self-interaction term of (L3), ≤ 1/(4m) at t = 0
 * (tests/unit/particles_reduced.c), taken as the bias scale at t > 0 too. A bias B/m next
 * to a fluctuation A/√m steepens the slope fitted over m ≥ m₀ by at most ½·(B/m₀)/(A/√m₀)
 * (−d log(1 + (B/A)m^{−½})/d log m at m₀), so the ΔR band adds ½·(L3_SELF/m₀)/ΔR(m₀), with
 * ΔR(m₀) the mean measured at m₀ = MS[0] (≈ 0.007 on this case). W₁ is exact from the CDFs
 * and the grid's cell-uniform spreading moves it by O(h²) (N = 800): no allowance. */
static const double L3_SELF = 0.25;
/* First output time counted in the gaps: the first output after t = 0. */
static const double T1 = 0.5;

static char dir[] = "/tmp/sf_pvp_XXXXXX";

static sf_status make_case(sf_ctx *ctx, sf_case *c)
{
    sf_status status = SF_OK;
    static double outs[] = {0, 0.5, 1, 2, 3, 5, 7, 10};
    SF_TRY(ctx, sf_case_defaults(ctx, c));
    c->problem.d = 30;
    c->problem.d_H = 5;
    snprintf(c->problem.target, sizeof c->problem.target, "norm");
    c->time.end = 10.0;
    free(c->time.outputs);
    SF_ALLOC(ctx, c->time.outputs, sizeof outs / sizeof outs[0]);
    memcpy(c->time.outputs, outs, sizeof outs);
    c->time.n_outputs = sizeof outs / sizeof outs[0];
    c->solver.rtol = 1e-9;
    c->solver.atol = 1e-11;
cleanup:
    return status;
}

/* The PDE of case c on `cells` cells, written to path: `symflow solve` through the registry. */
static sf_status solve_pde(sf_ctx *ctx, sf_case *c, long cells, const char *path)
{
    c->grid.cells = cells;
    const sf_solve_opts o = {path, NULL, NULL, 0.0, NULL};
    return sf_registry_solve(ctx, c, &o, NULL);
}

/* Particles of case c written to path: `symflow particles` through the registry. */
static sf_status run_particles(sf_ctx *ctx, sf_case *c, sf_pmethod method, sf_sampling sampling,
                               long m, long seed, const char *path)
{
    c->particles.m = m;
    c->particles.seed = seed;
    c->particles.method = method;
    c->particles.sampling = sampling;
    const sf_solve_opts o = {path, NULL, NULL, 0.0, NULL};
    return sf_registry_particles(ctx, c, &o, NULL);
}

/* Least-squares slope of log y against log x. */
static double slope(const double *x, const double *y, int n)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double lx = log(x[i]), ly = log(y[i]);
        sx += lx, sy += ly, sxx += lx * lx, sxy += lx * ly;
    }
    return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* From the compare file `cmp`: ΔR = sup_{t ≥ T1} |gap(t) − gap(0)| of the risk gap and
 * W = sup_{t ≥ T1} W₁ of the τ⁺ marginals (header, item 2). */
static sf_status gaps_after_t1(sf_ctx *ctx, const char *cmp, double *dR, double *w1)
{
    sf_status status = SF_OK;
    sf_nc_array tt = {0}, gap = {0}, w = {0};
    SF_TRY(ctx, sf_nc_read(ctx, cmp, "time", &tt));
    SF_TRY(ctx, sf_nc_read(ctx, cmp, "risk_gap", &gap));
    SF_TRY(ctx, sf_nc_read(ctx, cmp, "w1_plus", &w));
    SF_CHECK(ctx, tt.shape[0] >= 2 && tt.data[0] == 0.0, SF_E_RANGE,
             "%s: expected outputs from t = 0", cmp);
    *dR = *w1 = 0.0;
    for (size_t k = 1; k < tt.shape[0]; k++) {
        if (tt.data[k] < T1) continue;
        *dR = fmax(*dR, fabs(gap.data[k] - gap.data[0]));
        *w1 = fmax(*w1, w.data[k]);
    }
cleanup:
    sf_nc_array_free(&tt);
    sf_nc_array_free(&gap);
    sf_nc_array_free(&w);
    return status;
}

/* Mean and standard error over n samples. */
static void mean_se(const double *x, int n, double *mean, double *se)
{
    double m = 0.0, v = 0.0;
    for (int i = 0; i < n; i++) m += x[i] / n;
    for (int i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m) / (n - 1);
    *mean = m;
    *se = sqrt(v / n);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    SF_EXPECT(mkdtemp(dir) != NULL);
    char f400[256], f800[256], pf[256], cf[256];
    snprintf(f400, sizeof f400, "%s/pde400.nc", dir);
    snprintf(f800, sizeof f800, "%s/pde800.nc", dir);
    snprintf(pf, sizeof pf, "%s/particles.nc", dir);
    snprintf(cf, sizeof cf, "%s/compare.nc", dir);
    sf_case c = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c));
    SF_EXPECT_OK(ctx, solve_pde(ctx, &c, 400, f400));
    SF_EXPECT_OK(ctx, solve_pde(ctx, &c, 800, f800));

    /* 1. PDE discretisation error: sup over outputs of |R_400 − R_800| (second order: the
     * N = 800 error is about a quarter of it) */
    sf_nc_array r400 = {0}, r800 = {0};
    SF_EXPECT_OK(ctx, sf_nc_read(ctx, f400, "risk", &r400));
    SF_EXPECT_OK(ctx, sf_nc_read(ctx, f800, "risk", &r800));
    double e_pde = 0.0;
    for (size_t k = 0; r400.data && r800.data && k < r400.shape[0]; k++)
        e_pde = fmax(e_pde, fabs(r400.data[k] - r800.data[k]));
    sf_nc_array_free(&r400);
    sf_nc_array_free(&r800);
    sf_compare_summary s;
    sf_compare_params cp = sf_compare_params_default();
    SF_EXPECT_OK(ctx, run_particles(ctx, &c, SF_PMETHOD_REDUCED, SF_SAMPLING_QUANTILE, 100000, 1, pf));
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, f800, pf, NULL, &cp, &s));
    printf("PDE N = 400 vs 800: sup |dR| = %.3e; quantile reduced particles m = 1e5 vs N = 800: "
           "sup |dR| = %.3e, |tau+| %.9f vs %.9f\n", e_pde, s.sup_risk_gap,
           s.final_mass_plus_particles, s.final_mass_plus_field);
    SF_EXPECT_LE(s.sup_risk_gap, e_pde);

    /* 2. random reduced particles: ΔR and W per seed, slopes over m per seed */
    double dR[SEEDS][NM], w1[SEEDS][NM], m_d[NM], dRm[NM], w1m[NM];
    for (int i = 0; i < NM; i++) {
        m_d[i] = (double)MS[i];
        dRm[i] = w1m[i] = 0.0;
        for (int sd = 0; sd < SEEDS; sd++) {
            dR[sd][i] = w1[sd][i] = NAN;
            SF_EXPECT_OK(ctx, run_particles(ctx, &c, SF_PMETHOD_REDUCED, SF_SAMPLING_RANDOM,
                                            MS[i], sd + 1, pf));
            SF_EXPECT_OK(ctx, sf_compare_files(ctx, f800, pf, cf, &cp, &s));
            SF_EXPECT_OK(ctx, gaps_after_t1(ctx, cf, &dR[sd][i], &w1[sd][i]));
            dRm[i] += dR[sd][i] / SEEDS;
            w1m[i] += w1[sd][i] / SEEDS;
        }
        printf("reduced particles m = %5ld: mean over seeds of sup_{t >= %g} |dR(t) - dR(0)| "
               "%.3e, of sup_{t >= %g} W1(tau+) %.3e rad\n", MS[i], T1, dRm[i], T1, w1m[i]);
    }
    double sl_dR[SEEDS], sl_w1[SEEDS], mdR, sdR, mw1, sw1;
    for (int sd = 0; sd < SEEDS; sd++) {
        sl_dR[sd] = slope(m_d, dR[sd], NM);
        sl_w1[sd] = slope(m_d, w1[sd], NM);
    }
    mean_se(sl_dR, SEEDS, &mdR, &sdR);
    mean_se(sl_w1, SEEDS, &mw1, &sw1);
    const double bias_dR = 0.5 * (L3_SELF / m_d[0]) / dRm[0];
    const double band_dR = K_SE * sdR + bias_dR, band_w1 = K_SE * sw1;
    printf("slopes over m (mean of %d per-seed fits ± se): risk-gap change %.3f ± %.3f, "
           "W1 %.3f ± %.3f; slope of the seed means %.3f, %.3f; bands %.1f ± (%.0f se + %.3f (bias)) "
           "= [%.3f, %.3f] and %.1f ± %.0f se = [%.3f, %.3f]\n", SEEDS, mdR, sdR, mw1, sw1,
           slope(m_d, dRm, NM), slope(m_d, w1m, NM), SLOPE_MC, K_SE, bias_dR, SLOPE_MC - band_dR,
           SLOPE_MC + band_dR, SLOPE_MC, K_SE, SLOPE_MC - band_w1, SLOPE_MC + band_w1);
    SF_EXPECT_NEAR(mdR, SLOPE_MC, band_dR);
    SF_EXPECT_NEAR(mw1, SLOPE_MC, band_w1);

    /* 3. full width, d = 30: ΔR per seed at m = 256 and 1024 */
    double full[2][FULL_SEEDS], fm[2], fse[2];
    c.solver.rtol = 1e-7; /* far below the Monte-Carlo gaps (≥ 1e-3) */
    for (int i = 0; i < 2; i++) {
        for (int sd = 0; sd < FULL_SEEDS; sd++) {
            double wdummy = NAN;
            full[i][sd] = NAN;
            SF_EXPECT_OK(ctx, run_particles(ctx, &c, SF_PMETHOD_CVODE, SF_SAMPLING_RANDOM,
                                            MS[i], sd + 1, pf));
            SF_EXPECT_OK(ctx, sf_compare_files(ctx, f800, pf, cf, &cp, &s));
            SF_EXPECT_OK(ctx, gaps_after_t1(ctx, cf, &full[i][sd], &wdummy));
        }
        mean_se(full[i], FULL_SEEDS, &fm[i], &fse[i]);
        printf("full particles d = 30, m = %5ld: mean sup_{t >= %g} |dR(t) - dR(0)| %.3e ± %.1e\n",
               MS[i], T1, fm[i], fse[i]);
    }
    /* the fall exceeds K_SE standard errors of the difference of two independent means */
    SF_EXPECT_LE(fm[1] + K_SE * sqrt(fse[0] * fse[0] + fse[1] * fse[1]), fm[0]);

    sf_case_free(&c);
    remove(f400);
    remove(f800);
    remove(pf);
    remove(cf);
    rmdir(dir);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
