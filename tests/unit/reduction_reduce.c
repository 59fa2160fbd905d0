/* reduction_reduce.c — the form-L tables of reduction/reduce.c and the properties they must
 * have: K̂ symmetric and positive semi-definite, the exact minimiser (L4) consistent with Ĝ,
 * ½E f_H² (M14), the initial masses τ₀^± (L3) against adaptive quadrature of their density,
 * the d_H = 1 φ-form against closed forms (M5) and against the θ-form, the sphere input law
 * (MATH §1), and every error message of the module's contract.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_sf_gamma.h>

#include "cases.h"
#include "check.h"
#include "symflow/plan.h"
#include "symflow/reduction.h"

static const double TOL_REF = 1e-10;  /* the pointwise accuracy of K̂ and Ĝ: (L4)
                                          compares two independently computed ones */
static const double PSD_REL = 1e-12;  /* smallest eigenvalue ≥ −1e-12 × largest: K̂ is a Gram
                                          kernel; quadrature and rounding errors ≲ 1e-14 each */
static const double MASS_SUM = 1e-14; /* masses telescope F(hi) − F(lo) = 1 − 0: a few ulps */
static const double MASS_CELL = 1e-12; /* cdf by GSL's incomplete beta (~1e-15) vs QAG 1e-15 */
static const double EXACT = 1e-14;    /* closed forms and identities that hold term by term:
                                          a few dozen roundings of O(1) numbers */

static sf_status make_grid(sf_ctx *ctx, const sf_case *c, size_t n, sf_grid1 *g)
{
    sf_lifted_plan plan; /* the planner's grid on the case's coordinate, n uniform cells */
    sf_status s = sf_plan_lifted(ctx, c, &plan);
    if (s != SF_OK) return s;
    plan.grid.cells = n;
    plan.grid.spacing = SF_SPACING_UNIFORM;
    return sf_grid1_create(ctx, &plan.grid, g);
}

/* ---------- K̂ table: symmetric, PSD ---------- */
static void check_table(sf_ctx *ctx, long d, long dH, const char *target)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_lifted_problem p = {0};
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, dH, target));
    c.solver.kernel = SF_KERNEL_DENSE; /* the table itself (the factor: kernel_factor.c) */
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, 64, &g));
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &p));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    SF_EXPECT(p.K != NULL);
    if (!p.K || !k) return;
    size_t n = p.n;
    int sym = 1;
    gsl_matrix *M = gsl_matrix_alloc(n, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            sym &= p.K[i * n + j] == p.K[j * n + i];
            gsl_matrix_set(M, i, j, p.K[i * n + j]);
        }
    SF_EXPECT(sym);
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
    gsl_eigen_symm(M, ev, w);
    double lo = gsl_vector_min(ev), hi = gsl_vector_max(ev);
    SF_EXPECT_LE(-PSD_REL * hi, lo);
    printf("%s d = %ld d_H = %ld, N = 64: K̂ eigenvalues in [%.3e, %.3e]\n", target, d, dH, lo, hi);
    for (size_t i = 0; i < n; i += 7) {
        SF_EXPECT(p.G[i] == sf_kernel_G(k, g.centres[i]));
        SF_EXPECT(p.K[i * n + (n - 1 - i)] == sf_kernel_K(k, g.centres[i], g.centres[n - 1 - i]));
    }
    gsl_eigen_symm_free(w);
    gsl_vector_free(ev);
    gsl_matrix_free(M);
    sf_kernel_destroy(&k);
    sf_lifted_problem_free(&p);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

/* ---------- (L4): α K̂(θ, 0) = Ĝ(θ) for the target |x_H| ---------- */
static void check_minimiser(sf_ctx *ctx, long d, long dH, double alpha_exact)
{
    sf_case c = {0};
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, dH, "norm"));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    double alpha = sf_minimiser_mass(dH);
    SF_EXPECT_NEAR(alpha, alpha_exact, EXACT);
    double worst = 0.0, worst_d = 0.0;
    for (int i = 0; i <= 40; i++) {
        double th = M_PI_2 * i / 40.0;
        double r = alpha * sf_kernel_K(k, th, 0.0) - sf_kernel_G(k, th);
        double rd = alpha * sf_kernel_dK(k, th, 0.0) - sf_kernel_dG(k, th);
        SF_EXPECT_NEAR(r, 0.0, TOL_REF);
        SF_EXPECT_NEAR(rd, 0.0, TOL_REF);
        worst = fmax(worst, fabs(r));
        worst_d = fmax(worst_d, fabs(rd));
    }
    SF_EXPECT_NEAR(sf_kernel_risk_const(k), 0.5 * dH, EXACT * dH); /* ½ E|z|² = d_H/2 */
    printf("(L4) d = %ld d_H = %ld: α = %.15g, max |αK̂(θ,0) − Ĝ(θ)| = %.2e, derivative %.2e\n", d,
           dH, alpha, worst, worst_d);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
}

/* ---------- (L3): τ₀ cell masses ---------- */
typedef struct {
    double a, b; /* cos exponent, sin exponent */
    double lognorm;
} dens_p;

static double dens(double t, void *vp)
{
    dens_p *p = vp;
    double s = sin(t), co = cos(t);
    if (s <= 0.0 || co <= 0.0) return 0.0;
    return exp(p->a * log(co) + p->b * log(s) - p->lognorm);
}

static double phi_dens(double t, void *vp)
{
    dens_p *p = vp;
    double s = sin(t);
    return s <= 0.0 ? 0.0 : exp(p->b * log(s) - p->lognorm);
}

static void check_tau0(sf_ctx *ctx, long d, long dH, const char *target)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_lifted_problem p = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, d, dH, target));
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, 64, &g));
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &p));
    if (!p.tau0_plus) return;
    double sp = 0.0, sm = 0.0, worst = 0.0;
    int phi_form = g.edges[g.n] > 2.0;
    double k = (double)(d - dH);
    /* θ: 2 cos^{d_H−1} sin^{k−1} / B(d_H/2, k/2); φ (u = cos φ ~ γ_d): sin^{d−2}/B(½, (d−1)/2) */
    dens_p dp = {dH - 1.0, k - 1.0, gsl_sf_lnbeta(0.5 * dH, 0.5 * k) - M_LN2};
    if (phi_form) dp = (dens_p){0.0, d - 2.0, gsl_sf_lnbeta(0.5, 0.5 * (d - 1.0))};
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {phi_form ? phi_dens : dens, &dp};
    for (size_t i = 0; i < p.n; i++) {
        double res, err;
        gsl_integration_qag(&F, g.edges[i], g.edges[i + 1], 1e-16, 1e-14, 1000, GSL_INTEG_GAUSS61,
                            w, &res, &err);
        SF_EXPECT_NEAR(2.0 * p.tau0_plus[i], res, MASS_CELL);
        SF_EXPECT(p.tau0_plus[i] == p.tau0_minus[i] && p.tau0_plus[i] >= 0.0);
        worst = fmax(worst, fabs(2.0 * p.tau0_plus[i] - res));
        sp += p.tau0_plus[i];
        sm += p.tau0_minus[i];
    }
    SF_EXPECT_NEAR(sp, 0.5, MASS_SUM);
    SF_EXPECT_NEAR(sm, 0.5, MASS_SUM);
    printf("(L3) %s d = %ld d_H = %ld: |Σ τ⁺ − ½| = %.1e, max cell error %.1e\n", target, d, dH,
           fabs(sp - 0.5), worst);
    gsl_integration_workspace_free(w);
    sf_lifted_problem_free(&p);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

/* ---------- d_H = 1 φ-form: closed forms (M5) and the θ-form ---------- */
static void check_phi_form(sf_ctx *ctx)
{
    struct {
        const char *name;
        double risk; /* ½ E f² */
    } t[] = {{"linear", 0.5}, {"relu", 0.25}, {"cube", 7.5}, {"hermite3", 3.0}};
    for (size_t i = 0; i < 4; i++) {
        sf_case c = {0};
        sf_kernel *k = NULL;
        SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 1, t[i].name));
        SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
        if (!k) continue;
        sf_coord_info ci = sf_kernel_coord(k);
        SF_EXPECT(ci.id == SF_COORD_PHI && sf_coord_get(ci.id)->hi == M_PI);
        SF_EXPECT_NEAR(sf_kernel_risk_const(k), t[i].risk, EXACT * t[i].risk);
        for (int j = 0; j <= 12; j++) {
            double ph = M_PI * j / 12.0, G, dG;
            /* E[x₁σ(⟨ω,x⟩)] = ω₁/2; x³ = He₃ + 3x and E[He₃(z)σ(z)] = 0; E[σσ] = κ̂ (M3, M5) */
            switch (i) {
            case 0: G = 0.5 * cos(ph); dG = -0.5 * sin(ph); break;
            case 1: G = sf_kappa_hat(cos(ph)); dG = -sin(ph) * sf_kappa_hat_prime(cos(ph)); break;
            case 2: G = 1.5 * cos(ph); dG = -1.5 * sin(ph); break;
            default: G = 0.0; dG = 0.0; break;
            }
            SF_EXPECT_NEAR(sf_kernel_G(k, ph), G, EXACT);
            SF_EXPECT_NEAR(sf_kernel_dG(k, ph), dG, EXACT);
        }
        sf_kernel_destroy(&k);
        sf_case_free(&c);
    }
    /* θ-form of |x₁| = the φ-form K̂ averaged over the reflection φ′ ↦ π − φ′ */
    sf_case ca = {0}, cl = {0};
    sf_kernel *ka = NULL, *kl = NULL;
    SF_EXPECT_OK(ctx, make_case(ctx, &ca, 20, 1, "abs"));
    SF_EXPECT_OK(ctx, make_case(ctx, &cl, 20, 1, "linear"));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &ca, &ka));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &cl, &kl));
    if (ka && kl) {
        SF_EXPECT(sf_kernel_coord(ka).id == SF_COORD_THETA);
        for (int i = 0; i <= 6; i++)
            for (int j = 0; j <= 6; j++) {
                double x = M_PI_2 * i / 6.0, y = M_PI_2 * j / 6.0;
                double avg = 0.5 * (sf_kernel_K(kl, x, y) + sf_kernel_K(kl, x, M_PI - y));
                SF_EXPECT_NEAR(sf_kernel_K(ka, x, y), avg, EXACT);
                double davg = 0.5 * (sf_kernel_dK(kl, x, y) + sf_kernel_dK(kl, x, M_PI - y));
                SF_EXPECT_NEAR(sf_kernel_dK(ka, x, y), davg, EXACT);
            }
    }
    sf_kernel_destroy(&ka);
    sf_kernel_destroy(&kl);
    sf_case_free(&ca);
    sf_case_free(&cl);
}

/* ---------- sphere input law: Gaussian / moments of |x| (MATH §1) ---------- */
static void check_sphere(sf_ctx *ctx)
{
    sf_case cg = {0}, cs = {0};
    sf_kernel *kg = NULL, *ks = NULL;
    long d = 30, dH = 5;
    SF_EXPECT_OK(ctx, make_case(ctx, &cg, d, dH, "norm"));
    SF_EXPECT_OK(ctx, make_case(ctx, &cs, d, dH, "norm"));
    cs.problem.input = SF_INPUT_SPHERE;
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &cg, &kg));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &cs, &ks));
    if (kg && ks) {
        double e2 = exp(M_LN2 + lgamma(0.5 * (d + 2.0)) - lgamma(0.5 * d)); /* E|x|² = d */
        SF_EXPECT_NEAR(e2, (double)d, EXACT * d);
        SF_EXPECT_NEAR(sf_kernel_K(ks, 0.3, 0.9), sf_kernel_K(kg, 0.3, 0.9) / d, EXACT);
        SF_EXPECT_NEAR(sf_kernel_G(ks, 0.3), sf_kernel_G(kg, 0.3) / e2, EXACT); /* p + 1 = 2 */
        SF_EXPECT_NEAR(sf_kernel_risk_const(ks), 0.5 * dH / d, EXACT);          /* ½ d_H/d */
    }
    sf_kernel_destroy(&kg);
    sf_kernel_destroy(&ks);
    sf_case_free(&cg);
    sf_case_free(&cs);
}

/* ---------- errors ---------- */
static void check_errors(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_lifted_problem p = {0};
    sf_coord_info ci;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "foo"));
    SF_EXPECT(sf_reduce_coord(ctx, &c, &ci) == SF_E_PARSE);
    printf("message: %s\n", sf_ctx_message(ctx));
    SF_EXPECT(strstr(sf_ctx_message(ctx), "problem.target = 'foo': expected one of norm, norm2") !=
              NULL);
    sf_ctx_clear(ctx);

    snprintf(c.problem.target, sizeof c.problem.target, "cube");
    SF_EXPECT(sf_reduce_coord(ctx, &c, &ci) == SF_E_UNSUPPORTED); /* x₁³ needs d_H = 1 */
    printf("message: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);

    snprintf(c.problem.target, sizeof c.problem.target, "norm");
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, 16, &g));
    c.start.law = SF_START_GAUSSIAN;
    SF_EXPECT(sf_reduce_lifted(ctx, &c, &g, &p) == SF_E_UNSUPPORTED);
    printf("message: %s\n", sf_ctx_message(ctx));
    SF_EXPECT(strstr(sf_ctx_message(ctx), "start.law = 'gaussian': form lifted needs a balanced "
                                          "start (|a| = |b|); use form: transport") != NULL);
    SF_EXPECT(p.K == NULL);
    sf_ctx_clear(ctx);
    c.start.law = SF_START_BALANCED_SPHERE;

    g.edges[g.n] = 1.0; /* a grid on the wrong interval */
    SF_EXPECT(sf_reduce_lifted(ctx, &c, &g, &p) == SF_E_ARG);
    printf("message: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
    g.edges[g.n] = M_PI_2;

    /* allocation failures at every site leak nothing (checked under ASan) */
    for (long n = 1; n < 40; n++) {
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status s = sf_reduce_lifted(ctx, &c, &g, &p);
        SF_EXPECT(s == SF_OK || s == SF_E_NOMEM);
        if (s == SF_OK) sf_lifted_problem_free(&p);
        sf_ctx_clear(ctx);
    }
    sf_ctx_fail_alloc_at(ctx, 0);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

static void time_tabulation(sf_ctx *ctx, size_t n)
{
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_lifted_problem p = {0};
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "norm"));
    SF_EXPECT_OK(ctx, make_grid(ctx, &c, n, &g));
    struct timespec a, b;
    timespec_get(&a, TIME_UTC);
    SF_EXPECT_OK(ctx, sf_reduce_lifted(ctx, &c, &g, &p));
    timespec_get(&b, TIME_UTC);
    printf("tabulation N = %zu (d = 30, d_H = 5): %.3f s\n", n,
           (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec));
    sf_lifted_problem_free(&p);
    sf_grid1_free(&g);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    gsl_set_error_handler_off();
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    check_table(ctx, 30, 5, "norm");
    check_table(ctx, 10, 2, "norm");
    check_table(ctx, 20, 1, "linear");
    check_minimiser(ctx, 30, 5, 16.0 / 3.0);
    check_minimiser(ctx, 10, 2, M_PI);
    check_minimiser(ctx, 10000, 5, 16.0 / 3.0);
    check_tau0(ctx, 30, 5, "norm");
    check_tau0(ctx, 20, 1, "abs");
    check_tau0(ctx, 10000, 5, "norm");
    check_tau0(ctx, 20, 1, "linear");
    check_phi_form(ctx);
    check_sphere(ctx);
    check_errors(ctx);
    time_tabulation(ctx, 200);
    time_tabulation(ctx, 400);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
