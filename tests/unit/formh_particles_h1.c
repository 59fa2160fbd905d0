/* formh_particles_h1.c — (H1) neuron by neuron against the full-width particle model (MATH
 * §4.7, issue 11 item 4). The full-width velocities (ȧᵢ, ḃᵢ) = (−ψ(bᵢ), −aᵢ∇ψ(bᵢ)) of m
 * neurons (M7, solver/particles_full.c: the exact population gradient with the kernel
 * table's Ĝ) are read off one Euler step (exact: y(h) = y(0) + h v(y(0)), h = 2⁻⁶ so the
 * quotient loses only the rounding of y). The potential is frozen at the start: each neuron
 * is mapped to (δ, η, φ) (N⁰: tanh η = a/|b|; N^±: tanh η = |b|/|a|; φ = atan2(|b_⊥|, b₁))
 * and its rates by the chain rule are compared with (H1) evaluated with the same potential,
 * Ψ̂ = ψ(b)/|b| and ∂_φΨ̂ = e_φ · ∇ψ(b) (e_φ the unit tangent of increasing φ):
 *   δ̇ = 0;  N⁰: η̇ = −Ψ̂, φ̇ = −tanh η ∂_φΨ̂;  N^s: η̇ = −sΨ̂, φ̇ = −s coth η ∂_φΨ̂.
 * What it tests: the sign s and the tanh/coth factors of (H1) that solver/formh.c uses, and
 * that the full-width gradient satisfies Euler's relation b·∇ψ = ψ (1-homogeneity), without
 * which δ would not be conserved and (H1) would not hold. The particles' own potential is not
 * O(k)-invariant, so φ̇ is compared as the e_φ-component of the direction's motion.
 * σ_b = 0.3 in d = 10 puts a quarter of the neurons in N^± (|a| > |b|).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "psim.h"
#include "symflow/particles.h"
#include "symflow/reduction.h"

enum { M = 64, D = 10 };
static const double H = 1.0 / 64.0; /* Euler step: a power of two, the quotient is exact
                                       up to the rounding of y(h) − y(0) */
/* Rounding: each rate is a few operations on y(h) − y(0), whose relative rounding is
 * 2⁻⁵³ |y| / (h |v|) ≈ 1e-16 · 64 · |y|/|v|; with |y|/|v| up to ~10² here, 1e-11 of the
 * rate's scale leaves a margin of ~10³. */
static const double TOL = 1e-11;

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    sf_case c = {0};
    const char *sets[] = {"problem.input=gaussian", "problem.d=10", "problem.d_H=1",
                          "problem.target=relu", "start.law=gaussian", "start.sigma_a=1",
                          "start.sigma_b=0.3"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, sets, sizeof sets / sizeof sets[0], &c));
    sf_kernel_table tab = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, &c, 257, 0, &tab));
    sf_psim_params p = {0};
    p.m = M;
    p.seed = 11;
    p.method = SF_PMETHOD_EULER;
    p.step = H;
    p.batch = 1;
    p.ode.method = SF_METHOD_ADAMS;
    p.ode.rtol = 1e-8;
    p.ode.atol = 1e-12;
    p.ode.max_steps = 1000;
    sf_psim *ps = NULL;
    SF_EXPECT_OK(ctx, sf_test_psim_create(ctx, &c, &tab, &p, &ps));
    if (!ps) goto done;
    double y0[M * (1 + D)], v[M * (1 + D)];
    memcpy(y0, sf_psim_a(ps), sizeof y0);
    SF_EXPECT_OK(ctx, sf_psim_advance(ctx, ps, H));
    const double *y1 = sf_psim_a(ps);
    for (size_t l = 0; l < M * (1 + D); l++) v[l] = (y1[l] - y0[l]) / H;

    int fam_count[3] = {0, 0, 0};
    double worst[3] = {0.0, 0.0, 0.0}; /* δ̇, η̇, φ̇: relative errors */
    for (int i = 0; i < M; i++) {
        const double a = y0[i], ad = v[i];
        const double *b = y0 + M + i * D, *bd = v + M + i * D;
        double rho2 = 0.0, r2 = 0.0, bdot_b = 0.0, bdot_perp = 0.0, bd2 = 0.0;
        for (int k = 0; k < D; k++) {
            rho2 += b[k] * b[k];
            bdot_b += b[k] * bd[k];
            bd2 += bd[k] * bd[k];
        }
        for (int k = 1; k < D; k++) {
            r2 += b[k] * b[k];
            bdot_perp += b[k] * bd[k];
        }
        const double rho = sqrt(rho2), r = sqrt(r2), rhod = bdot_b / rho, rd = bdot_perp / r;
        /* δ̇ = 2aȧ − 2b·ḃ, against the scale of its two terms */
        const double ddot = 2.0 * a * ad - 2.0 * bdot_b;
        worst[0] = fmax(worst[0], fabs(ddot) / (2.0 * fabs(a * ad) + 2.0 * rho * sqrt(bd2)));
        /* the same potential: Ψ̂ = ψ/|b| = −ȧ/|b|, ∂_φΨ̂ = e_φ·∇ψ = −e_φ·ḃ/a */
        const double phi = atan2(r, b[0]);
        const double ephi_bd = -sin(phi) * bd[0] + cos(phi) * rd; /* e_φ·ḃ */
        const double Psi = -ad / rho, dPsi = -ephi_bd / a;
        /* chain rule: φ̇ = (b₁ ṙ − r ḃ₁)/|b|² */
        const double phid = (b[0] * rd - r * bd[0]) / rho2;
        double eta, etad, eta_pred, phid_pred;
        int fam;
        if (fabs(a) < rho) { /* N⁰: η = atanh(a/ρ) */
            fam = 0;
            eta = atanh(a / rho);
            etad = (ad * rho - a * rhod) / (rho2 - a * a);
            eta_pred = -Psi;
            phid_pred = -tanh(eta) * dPsi;
        } else { /* N^s: η = atanh(ρ/|a|), s = sgn a */
            const double s = a > 0.0 ? 1.0 : -1.0, aa = fabs(a);
            fam = a > 0.0 ? 1 : 2;
            eta = atanh(rho / aa);
            etad = (rhod * aa - rho * s * ad) / (a * a - rho2);
            eta_pred = -s * Psi;
            phid_pred = -s * dPsi / tanh(eta);
        }
        fam_count[fam]++;
        const double escale = fabs(ad) / rho + fabs(a) * sqrt(bd2) / fabs(rho2 - a * a) * rho;
        worst[1] = fmax(worst[1], fabs(etad - eta_pred) / escale);
        worst[2] = fmax(worst[2], fabs(phid - phid_pred) / (sqrt(bd2) / rho));
    }
    printf("m = %d neurons: %d in N0, %d in N+, %d in N-; max relative |d(delta)/dt| %.2e, "
           "|eta' - (H1)| %.2e, |phi' - (H1)| %.2e (tolerance %.0e)\n", M, fam_count[0],
           fam_count[1], fam_count[2], worst[0], worst[1], worst[2], TOL);
    SF_EXPECT(fam_count[0] > 0 && fam_count[1] > 0 && fam_count[2] > 0);
    for (int k = 0; k < 3; k++) SF_EXPECT_LE(worst[k], TOL);
    sf_psim_destroy(&ps);
done:
    sf_kernel_table_free(&tab);
    sf_case_free(&c);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
