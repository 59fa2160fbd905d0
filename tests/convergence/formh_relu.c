/* formh_relu.c — form H on relu-teacher (f* = σ(x₁), d = 20, gaussian start, MATH §7), t ≤ 2 (the bulk of the learning: R falls from 0.25 to 0.05):
 *   (c) its own convergence: R(t) on 32, 64, 128 φ-cells (N⁰ η-cells twice that); the observed
 *       order of max_t |R_n − R_2n| must be ≥ P_MIN; and agreement with form T's finest
 *       affordable grid (stretched 64² × 16, the case's default): max_t |R_H − R_T| ≤ e_T + e_H,
 *       e_T = form T's measured error, |R_T64 − R_T48| / ((64/48)^{P_T} − 1) with form T's
 *       pre-asymptotic order P_T = 1.5 (tests/convergence/formt_odd_linear.c), e_H = form H's,
 *       |R_H64 − R_H128| / (2^{P_MIN} − 1);
 *   (d) the inner boundary η₀ of the δ > 0 families (§4.7): moving it from 0.25 to 0.1 and 0.5
 *       changes R by less than the 64-cell grid error |R_H32 − R_H64| / (2^{P_MIN} − 1);
 *       the δ > 0 weight is printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "hyper.h"
#include "symflow/formt.h"
#include "symflow/registry.h"

static const double RTOL = 1e-8, ATOL = 1e-11; /* CVODE: far under the errors (≥ 1e-5) and the η₀ effect (≥ 1e-7) */
enum { N_T = 3, N_H = 3 };
static const double TIMES[N_T] = {0.5, 1.0, 2.0};
static const long CELLS_H[N_H] = {32, 64, 128};
static const double P_MIN = 1.8; /* asserted order of form H (second-order MUSCL, with room
                                    for van Leer's clipping at smooth extrema) */
static const double P_T = 1.5;   /* form T's measured pre-asymptotic order (formt_odd_linear.c) */

static sf_status solve_h(sf_ctx *ctx, long cells, double eta0, double *R, double *wpos)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    hyper_inst x = {0};
    double *y = NULL;
    sf_formh_diag dg[N_T + 1];
    SF_TRY(ctx, hyper_case(ctx, &c, 20, "relu", cells));
    SF_TRY(ctx, hyper_build(ctx, &c, eta0, &x));
    SF_ALLOC(ctx, y, x.n);
    SF_TRY(ctx, hyper_solve(ctx, &x, RTOL, ATOL, TIMES, N_T, dg, y));
    for (size_t k = 0; k < N_T; k++) R[k] = dg[k + 1].risk;
    if (wpos) *wpos = dg[N_T].mass[1] + dg[N_T].mass[2];
    printf("  form H %3ld phi x %3zu eta, eta_0 = %.2f: R = %.9f %.9f %.9f; delta > 0 weight "
           "%.6g, reservoirs %.2e %.2e\n", cells, x.g[1].n, x.g[2].edges[0], R[0], R[1], R[2],
           dg[N_T].mass[1] + dg[N_T].mass[2], dg[N_T].reservoir[0], dg[N_T].reservoir[1]);
cleanup:
    free(y);
    hyper_free(&x);
    sf_case_free(&c);
    return status;
}

static sf_status solve_t(sf_ctx *ctx, long cells, double *R)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_instance *in = NULL;
    sf_ode *ode = NULL;
    double *y = NULL;
    SF_TRY(ctx, hyper_case(ctx, &c, 20, "relu", cells));
    snprintf(c.form, sizeof c.form, "transport");
    c.grid.spacing = SF_SPACING_STRETCHED; /* cases/relu-teacher.yaml */
    SF_TRY(ctx, sf_registry_build(ctx, &c, &in));
    sf_formt *f = sf_formt_of(sf_instance_form(in));
    const size_t n = sf_formt_size(f);
    SF_ALLOC(ctx, y, n);
    sf_formt_initial(f, y);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, RTOL, ATOL);
    SF_TRY(ctx, sf_ode_create(ctx, n, 0.0, y, sf_formt_rhs, f, &op, &ode));
    for (size_t k = 0; k < N_T; k++) {
        sf_formt_diag d;
        SF_TRY(ctx, sf_ode_advance(ctx, ode, TIMES[k], y));
        sf_formt_diagnose(f, y, &d);
        R[k] = d.risk;
    }
    printf("  form T %3ld^2 x %zu (stretched): R = %.9f %.9f %.9f\n", cells,
           sf_instance_grid(in, 2)->n, R[0], R[1], R[2]);
cleanup:
    free(y);
    sf_ode_destroy(&ode);
    sf_instance_destroy(&in);
    sf_case_free(&c);
    return status;
}

static double maxdiff(const double *a, const double *b)
{
    double m = 0.0;
    for (size_t k = 0; k < N_T; k++) m = fmax(m, fabs(a[k] - b[k]));
    return m;
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    double RH[N_H][N_T], RT48[N_T], RT64[N_T], Re1[N_T], Re5[N_T], wpos = NAN;
    int ok = 1;
    for (int g = 0; g < N_H; g++) {
        sf_status s = solve_h(ctx, CELLS_H[g], 0.0, RH[g], g == 1 ? &wpos : NULL);
        SF_EXPECT_OK(ctx, s);
        ok = ok && s == SF_OK;
    }
    sf_status s1 = solve_h(ctx, 64, 0.1, Re1, NULL), s2 = solve_h(ctx, 64, 0.5, Re5, NULL);
    SF_EXPECT_OK(ctx, s1);
    SF_EXPECT_OK(ctx, s2);
    sf_status s3 = solve_t(ctx, 48, RT48), s4 = solve_t(ctx, 64, RT64);
    SF_EXPECT_OK(ctx, s3);
    SF_EXPECT_OK(ctx, s4);
    if (ok && s1 == SF_OK && s2 == SF_OK && s3 == SF_OK && s4 == SF_OK) {
        const double d1 = maxdiff(RH[0], RH[1]), d2 = maxdiff(RH[1], RH[2]);
        const double p = log2(d1 / d2);
        const double e_h64 = d1 / (pow(2.0, P_MIN) - 1.0), e_h128 = d2 / (pow(2.0, P_MIN) - 1.0);
        const double e_t = maxdiff(RT48, RT64) / (pow(64.0 / 48.0, P_T) - 1.0);
        const double gap = maxdiff(RH[2], RT64);
        printf("  form H: max_t |R32 - R64| = %.3e, |R64 - R128| = %.3e: order %.2f (asserted "
               ">= %.1f); error estimates 64: %.2e, 128: %.2e\n", d1, d2, p, P_MIN, e_h64, e_h128);
        printf("  form T: max_t |R48 - R64| = %.3e, error estimate of 64: %.3e; max_t |R_H128 - "
               "R_T64| = %.3e <= %.3e\n", maxdiff(RT48, RT64), e_t, gap, e_t + e_h128);
        SF_EXPECT(p >= P_MIN);
        SF_EXPECT_LE(gap, e_t + e_h128);
        const double m1 = maxdiff(Re1, RH[1]), m5 = maxdiff(Re5, RH[1]);
        printf("  eta_0 = 0.1, 0.5 vs 0.25 (64 cells): max_t |dR| = %.3e, %.3e <= grid error "
               "%.3e; delta > 0 weight %.6g\n", m1, m5, e_h64, wpos);
        SF_EXPECT_LE(m1, e_h64);
        SF_EXPECT_LE(m5, e_h64);
        SF_EXPECT(wpos > 0.0);
    }
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
