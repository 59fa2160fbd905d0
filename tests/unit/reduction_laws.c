/* reduction_laws.c — the γ_k Gauss rules (Golub–Welsch, MATH §4 "Laws on [−1, 1]") and the
 * Gauss–Legendre rules of reduction/laws.c: moments against closed forms, exactness to degree
 * 2n − 1, k from 1 to 10⁷.
 *
 * Moments of γ_k: E t^{2m} = Π_{j<m} (2j + 1)/(k + 2j) (a Beta moment: t² ~ Beta(½, (k−1)/2)),
 * odd moments 0. A sum of n positive terms each rounded a few times carries relative error
 * ≲ (n + deg)·ε ≈ 10⁻¹⁴; the eigen-solver's node and weight errors (backward stable, ~ε‖J‖)
 * add about as much, so 1e-12 relative is a safe bound, not a tuned one.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "symflow/reduction.h"

static const double REL = 1e-12; /* see the file comment */

static double moment(const sf_rule *r, int deg)
{
    double s = 0.0;
    for (size_t i = 0; i < r->n; i++) s += r->w[i] * pow(r->x[i], deg);
    return s;
}

static double gamma_moment(double k, int deg)
{
    if (deg % 2) return 0.0;
    double v = 1.0;
    for (int j = 0; j < deg / 2; j++) v *= (2.0 * j + 1.0) / (k + 2.0 * j);
    return v;
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;

    const double ks[] = {1, 2, 3, 25, 1e3, 1e6, 1e7};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double k = ks[i];
        sf_rule r = {0};
        SF_EXPECT_OK(ctx, sf_rule_gamma(ctx, k, 24, &r));
        double m2 = moment(&r, 2), m4 = moment(&r, 4), m0 = moment(&r, 0);
        SF_EXPECT_NEAR(m0, 1.0, REL);
        SF_EXPECT_NEAR(m2, 1.0 / k, REL / k);
        SF_EXPECT_NEAR(m4, 3.0 / (k * (k + 2.0)), REL * 3.0 / (k * (k + 2.0)));
        SF_EXPECT_NEAR(moment(&r, 3), 0.0, REL * sqrt(m2 * m4)); /* exact symmetry */
        printf("k = %-8g n = %2zu: E t² rel err %.1e, E t⁴ rel err %.1e\n", k, r.n,
               fabs(m2 * k - 1.0), fabs(m4 * k * (k + 2.0) / 3.0 - 1.0));
        sf_rule_free(&r);
    }

    /* exactness: n nodes integrate t^j, j ≤ 2n − 1, exactly */
    const double kx[] = {2, 5, 25, 1e4};
    const size_t ns[] = {1, 2, 5, 8, 12};
    double worst = 0.0;
    for (size_t a = 0; a < sizeof kx / sizeof kx[0]; a++) {
        for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
            sf_rule r = {0};
            SF_EXPECT_OK(ctx, sf_rule_gamma(ctx, kx[a], ns[b], &r));
            SF_EXPECT(r.n == ns[b]);
            for (int deg = 0; deg <= 2 * (int)ns[b] - 1; deg++) {
                double ex = gamma_moment(kx[a], deg), got = moment(&r, deg);
                double scale = gamma_moment(kx[a], deg + (deg % 2));
                SF_EXPECT_NEAR(got, ex, REL * scale);
                worst = fmax(worst, fabs(got - ex) / scale);
            }
            sf_rule_free(&r);
        }
    }
    printf("γ_k exactness to degree 2n − 1: worst relative error %.1e\n", worst);

    /* Gauss–Legendre on [a, b]: ∫ x^j dx exact for j ≤ 2n − 1 */
    for (size_t n = 1; n <= 16; n *= 2) {
        sf_rule r = {0};
        double a = -0.5, b = 2.0;
        SF_EXPECT_OK(ctx, sf_rule_legendre(ctx, n, a, b, &r));
        for (int deg = 0; deg <= 2 * (int)n - 1; deg++) {
            double ex = (pow(b, deg + 1) - pow(a, deg + 1)) / (deg + 1);
            SF_EXPECT_NEAR(moment(&r, deg), ex, REL * pow(b, deg + 1));
        }
        sf_rule_free(&r);
    }

    /* bad input is an error, not an abort */
    sf_rule r = {0};
    SF_EXPECT(sf_rule_gamma(ctx, 0.5, 8, &r) == SF_E_ARG);
    SF_EXPECT(r.x == NULL && r.n == 0);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_rule_gamma(ctx, 5.0, 0, &r) == SF_E_ARG);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_rule_legendre(ctx, 4, 1.0, 1.0, &r) == SF_E_ARG);
    sf_ctx_clear(ctx);
    /* allocation failure leaks nothing (checked under ASan) */
    sf_ctx_fail_alloc_at(ctx, 2);
    SF_EXPECT(sf_rule_gamma(ctx, 5.0, 8, &r) == SF_E_NOMEM);
    sf_ctx_fail_alloc_at(ctx, 0);

    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
