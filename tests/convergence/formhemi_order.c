/* formhemi_order.c — measured convergence of form L on the d_H = 2 hemisphere (MATH §4.8,
 * solver/formhemi.c).
 * (a) f* = |x_H| at d_H = 2, d = 10, solved on the hemisphere (problem.radial: false) against
 *     the 1-D radial form L on the same θ-grid (N_θ = 24): the 2-D solution stays
 *     φ-independent to rounding (Ĝ and the start are, and the circulant operator maps
 *     φ-constants to φ-constants), so its φ-velocities vanish and it differs from the 1-D one
 *     only through K̂'s φ-average, a midpoint sum over n_φ cells against the θ-form's
 *     converged ϑ-quadrature (kernel.c). Errors of R(T), |τ⁺|(T) and of the θ-marginal (L¹)
 *     at n_φ = 4 … 32; order ≥ MIN_ORDER between the two finest (measured: spectral, ≈ 8–10;
 *     beyond n_φ = 32 the errors reach the integrator's tolerance).
 * (b) xor (f* = x₁x₂, d = 20): R(6) and |τ⁺|(6) on N_θ = 8, 16, 32 (n_φ = 4 N_θ; 16, 32,
 *     64 with SF_HEMI_SLOW=1, about 10 minutes): order ≥ MIN_ORDER from the three. The pole
 *     treatment (zero flux through θ = π/2, φ̇ with 1/cos²θ at the cell centres) is part of
 *     what is measured.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "hemi.h"
#include "lifted.h"

/* a second-order scheme (MUSCL) and the midpoint φ-sum (second order, or better for smooth
 * periodic integrands): the issue's bound 1.8 */
static const double MIN_ORDER = 1.8;
/* CVODE tolerances: below the finest grid's errors (≥ 1e-8 measured) */
static const double RTOL = 1e-11, ATOL = 1e-13;
/* φ-independence: the FFT's rounding only (≈ 1e-16 relative per evaluation) */
static const double PHI_RTOL = 1e-12;

enum { A_NT = 24, A_NPHI = 4 };
static const size_t a_nphi[A_NPHI] = {4, 8, 16, 32};
static const double A_T = 4.0;

static void part_a(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_test_lifted one = {0};
    double ref[3] = {0}, *mref = calloc(2 * A_NT, sizeof(double));
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 10, 2, "norm"));
    SF_EXPECT_OK(ctx, sf_test_lifted_setup(ctx, &c, A_NT, SF_RECON_MUSCL, RTOL, ATOL, &one));
    if (one.f) {
        SF_EXPECT_OK(ctx, sf_ode_advance(ctx, one.ode, A_T, one.y));
        sf_forml_diag d;
        sf_forml_diagnose(one.f, one.y, one.y0, &d);
        ref[0] = d.risk;
        ref[1] = d.mass_plus;
        ref[2] = d.mass_minus;
        for (size_t i = 0; i < 2 * A_NT; i++) mref[i] = one.y[i] * one.g.widths[i % A_NT];
    }
    sf_test_lifted_free(&one);
    c.problem.radial = 0;
    double err[A_NPHI][3];
    printf("(a) norm, d = 10, d_H = 2, %d theta-cells: 1-D R(%g) = %.12g\n", A_NT, A_T, ref[0]);
    printf("    n_phi   |dR|        |d mass+|   L1 marginal  phi-spread\n");
    for (int k = 0; k < A_NPHI; k++) {
        sf_test_hemi s = {0};
        const size_t np = a_nphi[k];
        SF_EXPECT_OK(ctx, sf_test_hemi_setup(ctx, &c, A_NT, np, SF_RECON_MUSCL, SF_HEMI_APPLY_FFT,
                                             RTOL, ATOL, &s));
        if (!s.f) break;
        SF_EXPECT_OK(ctx, sf_ode_advance(ctx, s.ode, A_T, s.y));
        sf_formhemi_diag d;
        sf_formhemi_diagnose(s.f, s.y, s.y0, &d);
        const size_t n = A_NT * np;
        double spread = 0.0, big = 0.0, l1 = 0.0;
        for (int e = 0; e < 2; e++)
            for (size_t i = 0; i < A_NT; i++) {
                double lo = INFINITY, hi = -INFINITY, marg = 0.0;
                for (size_t q = 0; q < np; q++) {
                    const double v = s.y[(size_t)e * n + i * np + q];
                    lo = fmin(lo, v);
                    hi = fmax(hi, v);
                    marg += v * s.g.widths[i] * 2.0 * M_PI / (double)np;
                }
                spread = fmax(spread, hi - lo);
                big = fmax(big, hi);
                l1 += fabs(marg - mref[(size_t)e * A_NT + i]);
            }
        err[k][0] = fabs(d.risk - ref[0]);
        err[k][1] = fabs(d.mass_plus - ref[1]);
        err[k][2] = l1;
        printf("    %5zu   %.3e   %.3e   %.3e    %.1e\n", np, err[k][0], err[k][1], err[k][2],
               spread / big);
        SF_EXPECT_LE(spread, PHI_RTOL * big);
        sf_test_hemi_free(&s);
    }
    for (int j = 0; j < 3; j++) {
        const double p = log2(err[A_NPHI - 2][j] / err[A_NPHI - 1][j]);
        printf("    order (%s) between n_phi = %zu and %zu: %.2f\n",
               j == 0 ? "R" : j == 1 ? "mass+" : "L1", a_nphi[A_NPHI - 2], a_nphi[A_NPHI - 1], p);
        SF_EXPECT(p >= MIN_ORDER);
    }
    free(mref);
    sf_case_free(&c);
}

/* (b): three grids N_θ, 2N_θ, 4N_θ (n_φ = 4 N_θ) and the order of R(B_T) from their
 * differences, p = log₂((R_N − R_2N)/(R_2N − R_4N)) (no reference solution needed). B_T = 6:
 * at t ≈ 3 the error of R changes sign (measured: R_8 − R_64 = +1.1e-4, R_16 − R_64 = −1.4e-6,
 * R_32 − R_64 = −6.5e-6 at t = 3), so a pointwise order there is meaningless; by t = 6 the
 * neurons have left the pole region and the error has one sign. Measured at t = 6: 2.12
 * (8, 16, 32) and 2.66 (16, 32, 64; the slow variant, SF_HEMI_SLOW=1). */
static const double B_T = 6.0;

static sf_status xor_at(sf_ctx *ctx, size_t nt, double out[2])
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_test_hemi s = {0};
    SF_TRY(ctx, make_case(ctx, &c, 20, 2, "xor"));
    SF_TRY(ctx, sf_test_hemi_setup(ctx, &c, nt, 4 * nt, SF_RECON_MUSCL, SF_HEMI_APPLY_FFT, RTOL,
                                   ATOL, &s));
    SF_TRY(ctx, sf_ode_advance(ctx, s.ode, B_T, s.y));
    sf_formhemi_diag d;
    sf_formhemi_diagnose(s.f, s.y, s.y0, &d);
    out[0] = d.risk;
    out[1] = d.mass_plus;
cleanup:
    sf_test_hemi_free(&s);
    sf_case_free(&c);
    return status;
}

static void part_b(sf_ctx *ctx, size_t n0)
{
    double v[3][2];
    printf("(b) xor, d = 20, t = %g\n", B_T);
    for (int k = 0; k < 3; k++) {
        const size_t nt = n0 << k;
        SF_EXPECT_OK(ctx, xor_at(ctx, nt, v[k]));
        printf("    N_theta %3zu x %3zu: R = %.12f  mass+ = %.12f\n", nt, 4 * nt, v[k][0], v[k][1]);
    }
    for (int j = 0; j < 2; j++) {
        const double p = log2((v[0][j] - v[1][j]) / (v[1][j] - v[2][j]));
        printf("    order (%s) from N_theta = %zu, %zu, %zu: %.2f\n", j ? "mass+" : "R", n0, 2 * n0,
               4 * n0, p);
        SF_EXPECT(p >= MIN_ORDER);
    }
}

int main(void)
{
    sf_ctx *ctx = NULL;
    sf_ctx_create(&ctx);
    const char *slow = getenv("SF_HEMI_SLOW");
    part_a(ctx);
    part_b(ctx, slow && *slow == '1' ? 16 : 8);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
