/* reduction_range.c — the reduction over the supported dimensions (reduction/laws.c,
 * sf_reduce_check_dims): d_H = 1 … 2·10¹⁵, k = d − d_H = 1 … 2·10¹⁵, norm target, balanced
 * start, Gaussian input.
 *
 * Closed forms, each independent of the production path:
 *   R(0) = ½ E|x_H|² = d_H/2 (m = 0 at a balanced start, (L3));
 *   Ĝ(0) = ½ E[|z| |z₁|] = d_H/α (α of (L4)), Ĝ(π/2) = E|z| E ξ₊ = √2 Γ((d_H+1)/2)/Γ(d_H/2)/√(2π),
 *   with log Γ(x + ½)/Γ(x) from lgamma below x = 50 and from its Bernoulli series above
 *   (not sf_lgamma_ratio, the production helper);
 *   K̂(π/2, π/2) = E_{t~γ_k} κ̂(t) = (1 + 1/(2k) + 1/(8k(k+2)) + 3/(16k(k+2)(k+4)) + …)/(2π)
 *   for k ≥ 10⁴ (the next term is < 10⁻¹⁶), and E t² = 1/k, E t⁴ = 3/(k(k+2)) for the rule.
 * Tolerance: 10⁻¹³ relative (measured ≤ 6·10⁻¹⁵; before the fixes R(0) was off by ×4.3 at
 * d_H = 10¹⁵ and Ĝ by 60 % at d_H = 10⁶). Outside the range: SF_E_RANGE naming the key —
 * d > 4·10¹⁵, d_H ≥ d, and for a balanced start d_H and k both large and comparable (the
 * start law τ₀'s incomplete beta, reduction/laws.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "symflow/reduction.h"

static const double TOL = 1e-13;

/* log Γ(x + ½)/Γ(x): lgamma below 50, else the series
 * ½ log x + Σ (−1)^{n+1} (B_{n+1}(½) − B_{n+1})/(n(n+1) xⁿ)
 * = ½ log x − 1/(8x) + 1/(192x³) − 1/(640x⁵) + 17/(14336x⁷) (next term < 10⁻¹⁸ at x = 50). */
static double lhalf(double x)
{
    if (x < 50.0) return lgamma(x + 0.5) - lgamma(x);
    const double i = 1.0 / x, i2 = i * i;
    return 0.5 * log(x) - i / 8.0 + i * i2 / 192.0 - i * i2 * i2 / 640.0 +
           17.0 * i * i2 * i2 * i2 / 14336.0;
}

static void check_point(sf_ctx *ctx, double dH, double k)
{
    sf_case c = {0};
    sf_kernel *kr = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, (long)(dH + k), (long)dH, "norm"));
    c.start.law = SF_START_GAUSSIAN; /* the kernels do not see the start; τ₀ is tested below */
    sf_status s = sf_kernel_create(ctx, &c, &kr);
    SF_EXPECT_OK(ctx, s);
    if (s == SF_OK) {
        const double R0 = sf_kernel_risk_const(kr);
        const double G0 = 0.5 * dH * exp(-lhalf(0.5 * dH)) / sqrt(M_PI);
        const double Gp = exp(lhalf(0.5 * dH)) / sqrt(M_PI);
        SF_EXPECT_NEAR(R0 / (0.5 * dH), 1.0, TOL);
        SF_EXPECT_NEAR(sf_kernel_G(kr, 0.0) / G0, 1.0, TOL);
        SF_EXPECT_NEAR(sf_kernel_G(kr, M_PI_2) / Gp, 1.0, TOL);
        if (k >= 1e4) {
            const double K = (1.0 + 0.5 / k + 1.0 / (8.0 * k * (k + 2.0)) +
                              3.0 / (16.0 * k * (k + 2.0) * (k + 4.0))) /
                             (2.0 * M_PI);
            SF_EXPECT_NEAR(sf_kernel_K(kr, M_PI_2, M_PI_2) / K, 1.0, TOL);
        }
    }
    sf_rule r = {0};
    SF_EXPECT_OK(ctx, sf_rule_gamma(ctx, k, 20, &r));
    double m2 = 0.0, m4 = 0.0;
    for (size_t q = 0; q < r.n; q++) {
        const double t2 = r.x[q] * r.x[q];
        m2 += r.w[q] * t2;
        m4 += r.w[q] * t2 * t2;
    }
    SF_EXPECT_NEAR(k * m2, 1.0, TOL);
    if (k > 1.0) SF_EXPECT_NEAR(m4 * k * (k + 2.0) / 3.0, 1.0, TOL);
    printf("d_H %-7.0e k %-7.0e R(0)/(d_H/2) − 1 = %+.1e\n", dH, k,
           kr ? sf_kernel_risk_const(kr) / (0.5 * dH) - 1.0 : NAN);
    sf_rule_free(&r);
    sf_kernel_destroy(&kr);
    sf_case_free(&c);
}

/* Outside the range: SF_E_RANGE, and the message names the key (a balanced start: τ₀). */
static void check_refused(sf_ctx *ctx, long d, long dH, const char *key)
{
    sf_case c = {0};
    sf_kernel *kr = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, dH, "norm"));
    SF_EXPECT(sf_kernel_create(ctx, &c, &kr) == SF_E_RANGE);
    SF_EXPECT(strstr(sf_ctx_message(ctx), key) != NULL);
    printf("refused d = %ld, d_H = %ld: %s\n", d, dH, sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
    SF_EXPECT(kr == NULL);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    const double dHs[] = {1, 2, 3, 10, 64, 65, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e9, 1e12, 1e15, 2e15};
    const double ks[] = {1, 2, 10, 1e3, 1e6, 1e12, 2e15};
    for (size_t i = 0; i < sizeof dHs / sizeof dHs[0]; i++)
        for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) check_point(ctx, dHs[i], ks[j]);
    check_refused(ctx, 5000000000000000L, 10, "problem.d");
    check_refused(ctx, 10, 10, "problem.d_H");
    check_refused(ctx, 10, 0, "problem.d_H");
    check_refused(ctx, 1, 0, "problem.d");
    /* τ₀ of a balanced start: both d_H and k large and comparable (reduction/laws.c) */
    check_refused(ctx, 2000000000L, 1000000000L, "problem.d_H");
    check_refused(ctx, 1001000000000000L, 1000000000000000L, "problem.d_H");
    /* … and accepted where GSL or the gamma limit holds: the cases among them */
    const long ok[][2] = {{1000001, 1000000}, {1000000000000001L, 1000000000000000L},
                          {1000000000100000L, 1000000000000000L}, {2000000000L, 1000}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sf_case c = {0};
        sf_kernel *kr = NULL;
        SF_EXPECT_OK(ctx, make_case(ctx, &c, ok[i][0], ok[i][1], "norm"));
        SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &kr));
        sf_ctx_clear(ctx);
        sf_kernel_destroy(&kr);
        sf_case_free(&c);
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
