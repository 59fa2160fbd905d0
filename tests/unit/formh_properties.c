/* formh_properties.c — form H (MATH §4.7) invariants and its start, each a check that can fail:
 *   the closed-form q-integrals n⁰(η), n^s(η) against GSL adaptive quadrature in q;
 *   ∫n⁰ − 2∫n^s = E[ρ² − a²] = dσ_b² − σ_a² (an exact moment of the start);
 *   R(0) = ½E f*² (m = 0 at the start: N⁰ even in η, N⁺ = N⁻);
 *   on relu-teacher after t = 1: the discrete (H4) equals −dR_h/dt evaluated twice
 *   independently — Σ V ẏ vol from the right-hand side, and the central difference of the
 *   quadratic R_h along ẏ (exact for a quadratic up to rounding); each family's weighted
 *   mass (with its reservoir) is conserved to rounding, at the rhs level and after CVODE;
 *   the δ > 0 weight is positive and printed;
 *   abs (θ-grid, radial): b = 0 outflow is parked (reservoir ≥ its start) and mass conserved;
 *   refusals: a balanced start, and d_H = 2 with a non-radial target.
 */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hyper.h"
#include "symflow/registry.h"

/* GSL's relative tolerance for the reference q-integrals, and the check built on it. */
static const double Q_RTOL = 1e-11;
static const double CLOSED_FORM_TOL = 1e-9; /* 100 × Q_RTOL: the quadrature's reported error
                                               bound is not sharp */
/* Rounding bound for sums over the state: ROUND_C ε × the sum of the magnitudes summed. */
static const double ROUND_C = 64.0;

typedef struct {
    double eta, d, sa, sb;
    int plus;
} qpar;

/* q³ p_a(q sinh η) p_ρ(q cosh η) (N⁰) or q³ p_a(q cosh η) p_ρ(q sinh η) (N^s), in logs. */
static double q_integrand(double q, void *user)
{
    const qpar *p = user;
    if (q <= 0.0) return 0.0;
    const double x = p->plus ? q * cosh(p->eta) : q * sinh(p->eta);
    const double r = p->plus ? q * sinh(p->eta) : q * cosh(p->eta);
    if (r <= 0.0) return 0.0;
    const double la = -0.5 * x * x / (p->sa * p->sa) - 0.5 * log(2.0 * M_PI) - log(p->sa);
    const double lr = (p->d - 1.0) * log(r) - 0.5 * r * r / (p->sb * p->sb) -
                      (0.5 * p->d - 1.0) * M_LN2 - lgamma(0.5 * p->d) - p->d * log(p->sb);
    return exp(3.0 * log(q) + la + lr);
}

static double q_reference(double eta, double d, double sa, double sb, int plus)
{
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    qpar p = {eta, d, sa, sb, plus};
    gsl_function F = {q_integrand, &p};
    double v = NAN, err;
    gsl_set_error_handler_off();
    gsl_integration_qagiu(&F, 0.0, 0.0, Q_RTOL, 1000, ws, &v, &err);
    gsl_integration_workspace_free(ws);
    return v;
}

static void check_closed_forms(void)
{
    const double etas[] = {-1.3, -0.2, 0.05, 0.4, 1.0, 2.5};
    const double starts[][3] = {{20, 1, 1}, {7, 0.7, 1.3}, {3, 1.5, 0.5}};
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < sizeof etas / sizeof etas[0]; i++) {
            const double d = starts[s][0], sa = starts[s][1], sb = starts[s][2], e = etas[i];
            const double n0 = sf_hyperbolic_n0(e, d, sa, sb);
            SF_EXPECT_NEAR(n0 / q_reference(e, d, sa, sb, 0), 1.0, CLOSED_FORM_TOL);
            if (e > 0.0) {
                const double np = sf_hyperbolic_np(e, d, sa, sb);
                SF_EXPECT_NEAR(np / q_reference(e, d, sa, sb, 1), 1.0, CLOSED_FORM_TOL);
            }
        }
}

/* The start's weights: the exact moment identity, and R(0). */
static void check_start(sf_ctx *ctx)
{
    sf_case c = {0};
    hyper_inst x = {0};
    double *y = NULL;
    SF_EXPECT_OK(ctx, hyper_case(ctx, &c, 20, "relu", 24));
    c.start.sigma_a = 0.8;
    c.start.sigma_b = 1.1;
    SF_EXPECT_OK(ctx, hyper_build(ctx, &c, 0.0, &x));
    if (!x.h) goto done;
    const double d = 20.0, sa = 0.8, sb = 1.1;
    /* quadrature: each piece to 1e-12 relative (hyperbolic.c) */
    SF_EXPECT_NEAR((x.p.weight0 - 2.0 * x.p.weightp) / (d * sb * sb - sa * sa), 1.0, 1e-10);
    printf("  start d = 20, sigma_a = 0.8, sigma_b = 1.1: E[-delta; delta < 0] = %.12g, "
           "E[delta; delta > 0] = %.6g (both signs), of which %.3g below eta_0\n",
           x.p.weight0, 2.0 * x.p.weightp, 2.0 * x.p.below);
    SF_EXPECT(x.p.weightp > 0.0);
    y = malloc(x.n * sizeof *y);
    x.form.ops->initial(x.form.self, y);
    sf_formh_diag d0;
    sf_formh_diagnose(x.h, y, &d0);
    /* m = 0 exactly up to rounding: R(0) = ½E relu² = 1/4 */
    SF_EXPECT_NEAR(d0.risk, 0.25, ROUND_C * DBL_EPSILON);
    SF_EXPECT_NEAR(d0.w, 0.0, ROUND_C * DBL_EPSILON * d0.mass[0]);
    /* the box holds all but SF_H_TAIL = 1e-7 of ∫|aρ|; the mass itself still closer */
    SF_EXPECT_NEAR(d0.mass[0] / x.p.weight0, 1.0, 1e-7);
done:
    free(y);
    hyper_free(&x);
    sf_case_free(&c);
}

/* d/dt of family f's weighted mass from a right-hand side (layout of formh.h: N⁰, N⁺, N⁻,
 * ω fastest, then the reservoirs of N⁺, N⁻), and the sum of magnitudes for its rounding. */
static void family_rate(const hyper_inst *x, const double *ydot, int f, double *sum, double *mag)
{
    const size_t nw = x->g[0].n, n0 = x->g[1].n, np = x->g[2].n;
    const sf_grid1 *ge = f == 0 ? &x->g[1] : &x->g[2];
    const size_t off = f == 0 ? 0 : n0 * nw + (size_t)(f - 1) * np * nw;
    *sum = *mag = 0.0;
    for (size_t i = 0; i < ge->n; i++)
        for (size_t j = 0; j < nw; j++) {
            const double v = ydot[off + i * nw + j] * ge->widths[i] * x->g[0].widths[j];
            *sum += v;
            *mag += fabs(v);
        }
    if (f > 0) {
        const double r = ydot[n0 * nw + 2 * np * nw + (size_t)(f - 1)];
        *sum += r;
        *mag += fabs(r);
    }
}

/* relu-teacher after t = 1: (H4) = −dR_h/dt two ways, conservation. */
static void check_dissipation(sf_ctx *ctx)
{
    sf_case c = {0};
    hyper_inst x = {0};
    double *y = NULL, *yd = NULL, *yp = NULL;
    const double times[] = {1.0};
    sf_formh_diag dg[2], dp, dm;
    SF_EXPECT_OK(ctx, hyper_case(ctx, &c, 20, "relu", 24));
    SF_EXPECT_OK(ctx, hyper_build(ctx, &c, 0.0, &x));
    if (!x.h) goto done;
    y = malloc(x.n * sizeof *y);
    yd = malloc(x.n * sizeof *yd);
    yp = malloc(x.n * sizeof *yp);
    SF_EXPECT_OK(ctx, hyper_solve(ctx, &x, 1e-8, 1e-11, times, 1, dg, y));
    SF_EXPECT(sf_formh_rhs(1.0, y, yd, x.h) == 0);
    sf_formh_diag d1;
    sf_formh_diagnose(x.h, y, &d1);
    const double rate = sf_formh_risk_rate(x.h, y, yd);
    /* R_h is quadratic in y: the central difference along ẏ is exact up to rounding */
    const double eps = 1e-3;
    for (size_t i = 0; i < x.n; i++) yp[i] = y[i] + eps * yd[i];
    sf_formh_diagnose(x.h, yp, &dp);
    for (size_t i = 0; i < x.n; i++) yp[i] = y[i] - eps * yd[i];
    sf_formh_diagnose(x.h, yp, &dm);
    const double fd = (dp.risk - dm.risk) / (2.0 * eps);
    printf("  relu-teacher t = 1: R = %.12g, (H4) D = %.12e, sum V dy/dt = %.12e, central "
           "difference %.12e\n", d1.risk, d1.dissipation, rate, fd);
    SF_EXPECT(d1.dissipation > 0.0);
    /* both are sums of O(state) terms of either sign: rounding relative to D */
    SF_EXPECT_NEAR(-rate, d1.dissipation, 1e-10 * d1.dissipation);
    /* the difference quotient loses R/eps × ε ≈ 1e-13 absolute to cancellation */
    SF_EXPECT_NEAR(-fd, d1.dissipation, 1e-9 * d1.dissipation);
    /* masses: the right-hand side's family sums vanish to rounding */
    for (int f = 0; f < 3; f++) {
        double sum, mag;
        family_rate(&x, yd, f, &sum, &mag);
        SF_EXPECT(mag > 0.0);
        SF_EXPECT_LE(fabs(sum), ROUND_C * DBL_EPSILON * mag);
    }
    /* conservation after CVODE (linear invariants of a multistep method): rounding */
    for (int f = 0; f < 3; f++)
        SF_EXPECT_NEAR(d1.mass[f], dg[0].mass[f], 1e3 * DBL_EPSILON * dg[0].mass[f]);
    printf("  mass drift N0 %.2e, N+ %.2e, N- %.2e (relative); reservoirs %.3e, %.3e; "
           "delta > 0 weight %.6g\n", fabs(d1.mass[0] / dg[0].mass[0] - 1.0),
           fabs(d1.mass[1] / dg[0].mass[1] - 1.0), fabs(d1.mass[2] / dg[0].mass[2] - 1.0),
           d1.reservoir[0], d1.reservoir[1], d1.mass[1] + d1.mass[2]);
    SF_EXPECT(d1.reservoir[0] >= dg[0].reservoir[0] && d1.reservoir[1] >= dg[0].reservoir[1]);
    SF_EXPECT(d1.risk < dg[0].risk);
done:
    free(y);
    free(yd);
    free(yp);
    hyper_free(&x);
    sf_case_free(&c);
}

/* abs: θ-grid (radial), outflow at η₀ is parked; mass conserved; R decreases. */
static void check_radial(sf_ctx *ctx)
{
    sf_case c = {0};
    hyper_inst x = {0};
    double *y = NULL;
    const double times[] = {0.5, 2.0};
    sf_formh_diag dg[3];
    SF_EXPECT_OK(ctx, hyper_case(ctx, &c, 20, "abs", 24));
    SF_EXPECT_OK(ctx, hyper_build(ctx, &c, 0.0, &x));
    if (!x.h) goto done;
    SF_EXPECT(x.p.antipodal == 0);
    y = malloc(x.n * sizeof *y);
    SF_EXPECT_OK(ctx, hyper_solve(ctx, &x, 1e-8, 1e-11, times, 2, dg, y));
    for (int k = 1; k < 3; k++) {
        SF_EXPECT(dg[k].risk < dg[k - 1].risk);
        for (int f = 0; f < 3; f++)
            SF_EXPECT_NEAR(dg[k].mass[f], dg[0].mass[f], 1e3 * DBL_EPSILON * dg[0].mass[f]);
    }
    printf("  abs (theta): R(0) = %.10g, R(2) = %.10g, reservoirs at t = 2: %.3e, %.3e\n",
           dg[0].risk, dg[2].risk, dg[2].reservoir[0], dg[2].reservoir[1]);
done:
    free(y);
    hyper_free(&x);
    sf_case_free(&c);
}

/* ½ sinh 2η n⁰(η) (d = 20, σ = 1): the weight of the start in m (H3). */
static double lever_n0(double eta, void *user)
{
    (void)user;
    return 0.5 * sinh(2.0 * eta) * sf_hyperbolic_n0(eta, 20.0, 1.0, 1.0);
}

/* The planner's η-box: the reach leaves the stated tail of ∫|aρ| outside (checked by an
 * independent GSL integral), the N⁰ grid is symmetric with twice the ω-cells, N^± starts at
 * the default η₀ = 0.25. */
static void check_plan(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_hyperbolic_plan plan;
    double r0 = NAN, rp = NAN, tail = NAN, total = NAN, err;
    const double TAIL = 1e-6;
    SF_EXPECT_OK(ctx, hyper_case(ctx, &c, 20, "relu", 24));
    SF_EXPECT_OK(ctx, sf_reduce_hyperbolic_reach(ctx, &c, TAIL, &r0, &rp));
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    gsl_function F = {lever_n0, NULL};
    /* up to η = 40, where the integrand is e^{−80} of its peak */
    gsl_integration_qag(&F, 0.0, 40.0, 0.0, 1e-10, 1000, GSL_INTEG_GAUSS21, ws, &total, &err);
    gsl_integration_qag(&F, r0, 40.0, 0.0, 1e-10, 1000, GSL_INTEG_GAUSS21, ws, &tail, &err);
    gsl_integration_workspace_free(ws);
    printf("  reach of 1e-6 of the weight: eta = %.4f (N0), %.4f (N+-); tail share %.4g\n", r0, rp,
           tail / total);
    /* the bisection stops within 1e-6 in η, where the tail's slope e^{−2η} changes it by 2e-6
     * relative; the quadratures add 1e-10 */
    SF_EXPECT_NEAR(tail / total / TAIL, 1.0, 1e-5);
    SF_EXPECT_OK(ctx, sf_plan_hyperbolic(ctx, &c, 0, 0.0, &plan));
    SF_EXPECT(plan.grid[1].lo == -plan.grid[1].hi && plan.grid[1].cells == 48);
    SF_EXPECT(plan.grid[2].lo == 0.25 && plan.grid[2].hi > plan.grid[2].lo);
    SF_EXPECT(plan.coord.id == SF_COORD_PHI && plan.grid[0].cells == 24);
    sf_case_free(&c);
}

static void check_refusals(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_hyperbolic_plan plan;
    SF_EXPECT_OK(ctx, hyper_case(ctx, &c, 20, "relu", 24));
    c.start.law = SF_START_BALANCED_SPHERE;
    sf_status s = sf_plan_hyperbolic(ctx, &c, 0, 0.0, &plan);
    SF_EXPECT(s == SF_E_UNSUPPORTED && strstr(sf_ctx_message(ctx), "form: lifted"));
    sf_ctx_clear(ctx);
    sf_case_free(&c);
    SF_EXPECT_OK(ctx, hyper_case(ctx, &c, 20, "linear", 24));
    c.problem.d_H = 2;
    s = sf_plan_hyperbolic(ctx, &c, 0, 0.0, &plan);
    printf("  d_H = 2, linear: %s\n", sf_ctx_message(ctx));
    SF_EXPECT(s != SF_OK);
    sf_ctx_clear(ctx);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_closed_forms();
    check_start(ctx);
    check_dissipation(ctx);
    check_radial(ctx);
    check_plan(ctx);
    check_refusals(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
