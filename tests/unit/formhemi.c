/* formhemi.c — form L on the d_H = 2 hemisphere (solver/formhemi.c, MATH §4.8) on xor
 * (f* = x₁x₂) and staircase (x₁ + x₁x₂), d = 20:
 *  - the kernel applied by FFT in φ equals the dense circulant product (1e-13 relative);
 *  - (L1) to rounding, R non-increasing, and the discrete (L2): the reported dissipation
 *    equals −Σ Ψ_c dM_c/dt of the right-hand side (summation by parts, to rounding);
 *  - the registry builds the hemisphere form for xor (form lifted), with a memory estimate
 *    that counts its n_φ n_θ² kernel table;
 *  - the symmetries of MATH §2 on the grid, to rounding. For T ∈ O(2) with f∘T = ε_T f the
 *    invariance of μ under (a, b) ↦ (ε_T a, T b) reads τ^s(T ω) = τ^{ε_T s}(ω). xor:
 *    rotation by π (ε = +1): τ^±(φ + π) = τ^±(φ); by π/2 ((x₁, x₂) ↦ (−x₂, x₁), ε = −1):
 *    τ⁺(φ + π/2) = τ⁻(φ); x₂ ↦ −x₂ (ε = −1): τ⁺(−φ) = τ⁻(φ); x₁ ↔ x₂ (ε = +1):
 *    τ^±(π/2 − φ) = τ^±(φ). staircase: only x₁ ↦ −x₁ (ε = −1): τ⁺(π − φ) = τ⁻(φ) (x₂ ↦ −x₂
 *    maps x₁ + x₁x₂ to x₁ − x₁x₂, no symmetry: checked to be broken). On cells φ_p = (p + ½)h: φ + π/2 ↔ p + n/4, −φ ↔ n − 1 − p,
 *    π/2 − φ ↔ n/4 − 1 − p, π − φ ↔ n/2 − 1 − p (mod n).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "hemi.h"
#include "symflow/registry.h"

enum { NT = 8, NP = 32, N = NT * NP };
static const double T_END = 6.0;
/* CVODE tolerances: the symmetry and (L1) checks do not depend on them (both hold for the
 * exact semi-discrete flow and for each step of a linear multistep method, to rounding) */
static const double RTOL = 1e-9, ATOL = 1e-12;
/* FFT vs dense: both sum N = 256 products; FFTW's error is O(ε log n_φ) relative to Σ|K||M|,
 * which here is the size of max|Ψ| (M ≥ 0 in each sign) */
static const double FFT_RTOL = 1e-13;
/* (L1) residual / mass: each CVODE step adds rounding of N cell terms, ≲ N ε ≈ 6e-14; over
 * the ≲ 10³ steps of the run, ≤ 1e-11 */
static const double L1_RTOL = 1e-11;
/* (L2) identity: two sums of ~4N terms of one sign each, ≲ 4N ε ≈ 2e-13 relative */
static const double L2_RTOL = 1e-12;
/* symmetries: the FFT's rounding (≈ 1e-16 relative) breaks them per step; the flow carries
 * such perturbations with its Lyapunov growth (≲ e^{t·max|Ψ̂|·2}, ≲ 10² up to T_END) */
static const double SYM_RTOL = 1e-12;

static size_t cell(size_t i, long p) { return i * NP + (size_t)(((p % NP) + NP) % NP); }

/* max over cells of |τ^{s}(i, map(p)) − τ^{s·eps}(i, p)| / max τ. */
static double sym_dev(const double *y, long shift, int reflect, int eps)
{
    double dev = 0.0, big = 0.0;
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < NT; i++)
            for (long p = 0; p < NP; p++) {
                const long q = reflect ? shift - 1 - p : p + shift;
                const int s2 = eps > 0 ? s : 1 - s;
                const double a = y[(size_t)s * N + cell(i, q)], b = y[(size_t)s2 * N + cell(i, p)];
                dev = fmax(dev, fabs(a - b));
                big = fmax(big, fabs(b));
            }
    return dev / big;
}

/* −Σ Ψ_c dM_c/dt from the right-hand side at y (dR_h/dt by the chain rule), and the
 * dissipation the form reports. */
static void l2_pair(sf_test_hemi *s, const double *y, double *minus_drdt, double *diss)
{
    double *ydot = malloc(s->size * sizeof *ydot), *psi = malloc(N * sizeof *psi);
    sf_formhemi_rhs(0.0, y, ydot, s->f);
    sf_formhemi_potential(s->f, y, psi);
    double v = 0.0;
    const double hp = 2.0 * M_PI / NP;
    for (size_t k = 0; k < N; k++) v -= psi[k] * s->g.widths[k / NP] * hp * (ydot[k] - ydot[N + k]);
    sf_formhemi_diag d;
    sf_formhemi_diagnose(s->f, y, s->y0, &d);
    *minus_drdt = v;
    *diss = d.dissipation;
    free(ydot);
    free(psi);
}

static void fft_vs_dense(sf_ctx *ctx, const char *target)
{
    sf_case c = {0};
    sf_test_hemi a = {0}, b = {0};
    double *pa = malloc(N * sizeof *pa), *pb = malloc(N * sizeof *pb);
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, target));
    SF_EXPECT_OK(ctx, sf_test_hemi_setup(ctx, &c, NT, NP, SF_RECON_MUSCL, SF_HEMI_APPLY_FFT, RTOL,
                                         ATOL, &a));
    SF_EXPECT_OK(ctx, sf_test_hemi_setup(ctx, &c, NT, NP, SF_RECON_MUSCL, SF_HEMI_APPLY_DENSE, RTOL,
                                         ATOL, &b));
    if (a.f && b.f) {
        /* a state with no symmetry: the start times a deterministic irregular factor */
        for (size_t k = 0; k < 2 * N; k++)
            a.y[k] = a.y0[k] * (1.0 + 0.9 * sin(1.7 * (double)k + 0.3 * (double)(k % 7)));
        sf_formhemi_potential(a.f, a.y, pa);
        sf_formhemi_potential(b.f, a.y, pb);
        double dev = 0.0, big = 0.0;
        for (size_t k = 0; k < N; k++) {
            dev = fmax(dev, fabs(pa[k] - pb[k]));
            big = fmax(big, fabs(pb[k]));
        }
        printf("%s: FFT vs dense potential: max |diff| / max |psi| = %.2e\n", target, dev / big);
        SF_EXPECT_LE(dev, FFT_RTOL * big);
    }
    sf_test_hemi_free(&a);
    sf_test_hemi_free(&b);
    sf_case_free(&c);
    free(pa);
    free(pb);
}

/* Integrate to T_END; (L1), R monotone, (L2) at each unit time; symmetries at the end. */
static void run(sf_ctx *ctx, const char *target)
{
    sf_case c = {0};
    sf_test_hemi s = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, target));
    SF_EXPECT_OK(ctx, sf_test_hemi_setup(ctx, &c, NT, NP, SF_RECON_MUSCL, SF_HEMI_APPLY_FFT, RTOL,
                                         ATOL, &s));
    if (!s.f) goto done;
    sf_formhemi_diag d0, d;
    sf_formhemi_diagnose(s.f, s.y0, s.y0, &d0);
    SF_EXPECT_NEAR(d0.mass_plus, 0.5, 1e-15);  /* (L3): ½ of τ₀, exact cdf differences */
    SF_EXPECT_NEAR(d0.mass_minus, 0.5, 1e-15);
    SF_EXPECT_NEAR(d0.risk, c.problem.d_H == 2 && !strcmp(target, "xor") ? 0.5 : 1.0, 1e-15);
    double r_prev = d0.risk, worst_l2 = 0.0, worst_l1 = 0.0;
    for (int k = 1; k <= (int)T_END; k++) {
        SF_EXPECT_OK(ctx, sf_ode_advance(ctx, s.ode, (double)k, s.y));
        sf_formhemi_diagnose(s.f, s.y, s.y0, &d);
        /* R_h decreases exactly for the semi-discrete flow; CVODE's local error is ≤ rtol·R
         * per step, far below the decrease over a unit time (≥ 1e-4 here) */
        SF_EXPECT_LE(d.risk, r_prev + 10.0 * RTOL * r_prev);
        r_prev = d.risk;
        worst_l1 = fmax(worst_l1, d.balance / fmax(d.mass_plus, d.mass_minus));
        double mdr, diss;
        l2_pair(&s, s.y, &mdr, &diss);
        worst_l2 = fmax(worst_l2, fabs(mdr - diss) / diss);
    }
    printf("%s: R(0) = %.10g, R(%g) = %.10g, masses %.10g %.10g, (L1) %.2e, (L2) %.2e\n", target,
           d0.risk, T_END, d.risk, d.mass_plus, d.mass_minus, worst_l1, worst_l2);
    SF_EXPECT_LE(worst_l1, L1_RTOL);
    SF_EXPECT_LE(worst_l2, L2_RTOL);
    SF_EXPECT(d.risk < 0.6 * d0.risk); /* the flow learns (measured R(6)/R(0): xor 0.56,
                                          staircase 0.13) */
    if (!strcmp(target, "xor")) {
        const double dv[4] = {sym_dev(s.y, NP / 2, 0, +1), sym_dev(s.y, NP / 4, 0, -1),
                              sym_dev(s.y, 0, 1, -1), sym_dev(s.y, NP / 4, 1, +1)};
        printf("xor symmetries: phi+pi %.2e, phi+pi/2 (+/- swap) %.2e, -phi (+/- swap) %.2e, "
               "pi/2-phi %.2e\n", dv[0], dv[1], dv[2], dv[3]);
        for (int j = 0; j < 4; j++) SF_EXPECT_LE(dv[j], SYM_RTOL);
        SF_EXPECT_NEAR(d.mass_plus, d.mass_minus, L1_RTOL * d.mass_plus);
    } else {
        const double dv[2] = {sym_dev(s.y, 0, 1, +1), sym_dev(s.y, NP / 2, 1, -1)};
        printf("staircase symmetries: -phi (none: must be broken) %.2e, pi-phi (+/- swap) %.2e\n",
               dv[0], dv[1]);
        SF_EXPECT(dv[0] > 1e-3); /* the check can fail: a non-symmetry is seen as one */
        SF_EXPECT_LE(dv[1], SYM_RTOL);
    }
done:
    sf_test_hemi_free(&s);
    sf_case_free(&c);
}

/* The registry's lifted row builds the hemisphere for xor; its memory estimate counts the
 * n_φ × n_θ² table and its modes (2 × 8 bytes each). */
static void registry_row(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_instance *in = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 2, "xor"));
    c.grid.cells = NT;
    SF_EXPECT_OK(ctx, sf_registry_build(ctx, &c, &in));
    if (in) {
        SF_EXPECT(sf_formhemi_of(sf_instance_form(in)) != NULL);
        SF_EXPECT(sf_instance_grid(in, 1) && sf_instance_grid(in, 1)->n == 4 * NT);
    }
    sf_memory_estimate e;
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 0, &e));
    SF_EXPECT(e.bytes >= 16.0 * 4 * NT * NT * NT && !strcmp(e.key, "grid.cells"));
    sf_instance_destroy(&in);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    registry_row(ctx);
    fft_vs_dense(ctx, "xor");
    fft_vs_dense(ctx, "staircase");
    run(ctx, "xor");
    run(ctx, "staircase");
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
