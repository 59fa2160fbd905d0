/* reduction_montecarlo.c — K̂ (M11) and Ĝ (M12) of reduction/kernel.c against Monte Carlo
 * in the full dimension d = 30, d_H = 5 (the paper's case), Gaussian and sphere inputs.
 *
 * K̂(θ, θ′): ω fixed, ω′ = (cos θ′ û′, sin θ′ ê′) with û′ uniform on S^{d_H−1}, ê′ uniform on
 * S^{k−1}; average κ̂(⟨ω, ω′⟩). Ĝ(θ): x ~ N(0, I_d) (or uniform on S^{d−1}), average
 * |x_H| σ(⟨ω, x⟩). n = 10⁶ samples, fixed seed; each estimate must lie within 4 standard
 * errors (the SE computed from the sample): a false alarm has probability 6·10⁻⁵ per check.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "symflow/reduction.h"

enum { N_SAMPLES = 1000000, D = 30, DH = 5 };
static const double N_SE = 4.0;        /* standard errors allowed (file comment) */
static const unsigned long SEED = 20231;

static sf_status make_case(sf_ctx *ctx, sf_case *c, sf_input input)
{
    sf_status s = sf_case_defaults(ctx, c);
    if (s != SF_OK) return s;
    c->problem.input = input;
    c->problem.d = D;
    c->problem.d_H = DH;
    snprintf(c->problem.target, sizeof c->problem.target, "norm");
    c->start.law = SF_START_BALANCED_SPHERE;
    return SF_OK;
}

static void check_mean(const char *what, double sum, double sum2, double value)
{
    double n = (double)N_SAMPLES, mean = sum / n;
    double se = sqrt(fmax(sum2 / n - mean * mean, 0.0) / (n - 1.0));
    SF_EXPECT_NEAR(mean, value, N_SE * se);
    printf("%s: MC %.6f ± %.1e, quadrature %.6f (%.1f SE)\n", what, mean, se, value,
           fabs(mean - value) / se);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_case cg = {0}, cs = {0};
    sf_kernel *kg = NULL, *ks = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    SF_EXPECT_OK(ctx, make_case(ctx, &cg, SF_INPUT_GAUSSIAN));
    SF_EXPECT_OK(ctx, make_case(ctx, &cs, SF_INPUT_SPHERE));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &cg, &kg));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &cs, &ks));
    if (!kg || !ks) SF_TEST_DONE();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, SEED);

    /* K̂: only s = ⟨û, û′⟩ = û′₁ and t = ⟨ê, ê′⟩ = ê′₁ matter (û = e₁, ê = e₁ of H^⊥) */
    const double pairs[][2] = {{0.0, 0.0}, {0.2, 0.2}, {0.4, 1.2}, {1.0, 1.0}, {M_PI_2, 0.7}};
    enum { NP = sizeof pairs / sizeof pairs[0] };
    double ks1[NP] = {0}, ks2[NP] = {0};
    for (long i = 0; i < N_SAMPLES; i++) {
        double u[DH], e[D - DH], nu = 0.0, ne = 0.0;
        for (int j = 0; j < DH; j++) {
            u[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
            nu += u[j] * u[j];
        }
        for (int j = 0; j < D - DH; j++) {
            e[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
            ne += e[j] * e[j];
        }
        double s = u[0] / sqrt(nu), t = e[0] / sqrt(ne);
        for (int p = 0; p < NP; p++) {
            double x = pairs[p][0], y = pairs[p][1];
            double v = sf_kappa_hat(cos(x) * cos(y) * s + sin(x) * sin(y) * t);
            ks1[p] += v;
            ks2[p] += v * v;
        }
    }
    for (int p = 0; p < NP; p++) {
        char what[64];
        snprintf(what, sizeof what, "K̂(%.3f, %.3f)", pairs[p][0], pairs[p][1]);
        check_mean(what, ks1[p], ks2[p], sf_kernel_K(kg, pairs[p][0], pairs[p][1]));
    }

    /* Ĝ: x ~ N(0, I_d) in full dimension, ω = (cos θ e₁, sin θ e_{d_H+1}); the sphere law
     * normalises the same draw */
    const double th[] = {0.0, 0.05, 0.5, 1.2, M_PI_2};
    enum { NT = sizeof th / sizeof th[0] };
    double g1[NT] = {0}, g2[NT] = {0}, s1[NT] = {0}, s2[NT] = {0};
    for (long i = 0; i < N_SAMPLES; i++) {
        double x[D], nh = 0.0, nx = 0.0;
        for (int j = 0; j < D; j++) {
            x[j] = gsl_ran_gaussian_ziggurat(rng, 1.0);
            nx += x[j] * x[j];
            if (j < DH) nh += x[j] * x[j];
        }
        double fz = sqrt(nh), r = sqrt(nx);
        for (int p = 0; p < NT; p++) {
            double v = fz * fmax(cos(th[p]) * x[0] + sin(th[p]) * x[DH], 0.0);
            double vs = v / (r * r); /* |x_H/r| σ(⟨ω, x/r⟩) */
            g1[p] += v;
            g2[p] += v * v;
            s1[p] += vs;
            s2[p] += vs * vs;
        }
    }
    for (int p = 0; p < NT; p++) {
        char what[64];
        snprintf(what, sizeof what, "Ĝ(%.3f) gaussian", th[p]);
        check_mean(what, g1[p], g2[p], sf_kernel_G(kg, th[p]));
        snprintf(what, sizeof what, "Ĝ(%.3f) sphere", th[p]);
        check_mean(what, s1[p], s2[p], sf_kernel_G(ks, th[p]));
    }

    gsl_rng_free(rng);
    sf_kernel_destroy(&kg);
    sf_kernel_destroy(&ks);
    sf_case_free(&cg);
    sf_case_free(&cs);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
