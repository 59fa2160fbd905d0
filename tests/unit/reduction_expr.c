/* reduction_expr.c — targets given by expression (problem.target: expression): the tables of
 * a formula against the built-in target it spells, Ĝ and ∂Ĝ of smooth non-polynomial
 * formulas against GSL adaptive quadrature of the definition (M12), the declared symmetry
 * (verified, refused with file:line and the failing node), the parse errors, the sphere
 * input (homogeneous formulas only), form ode (w*, R*), form T's box, and the pointwise f.
 *
 * Tolerances. Same formula, two routes: the built-ins integrate closed-form polynomial 𝒢₁,
 * the expression integrates f on target.c's half-line rule (composite Gauss–Legendre,
 * exact to rounding for f(Rc) R² e^{−R²/2} entire); Ĝ is a weighted average of 𝒢₁ with
 * weights summing to < 1, so both agree to a few ulps of 𝒢₁ ≲ E R⁴ = 8: 1e-12 (the issue's
 * requirement) is ≥ 100× that. K̂ does not see the target: identical bits. GSL references
 * ask for epsabs 1e-13 per integral (≤ 2 integrals summed), so 1e-10 (the pointwise
 * requirement, as in reduction_kernels.c) bounds reference error + production error.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "check.h"
#include "symflow/reduction.h"

static const double TOL_SAME = 1e-12; /* expression vs built-in, same formula (file comment) */
static const double TOL_REF = 1e-10;  /* vs GSL adaptive quadrature of the definition */
static const double EPSABS = 1e-13;   /* requested absolute error of each GSL integral */
static const size_t LIMIT = 2000;     /* GSL workspace size (subintervals) */
enum { TABLE_NODES = 33, PATH_CAP = 64, MSG_CAP = 512 };

/* ---------- case files ---------- */

/* Write a d_H = 1 case (lines numbered in the comments) to a temp file and load it with
 * overrides; returns the status of sf_case_load, path receives the file name. */
static sf_status load_case(sf_ctx *ctx, const char *expr, const char *symmetry, const char *extra,
                           char *path, sf_case *c)
{
    char text[1024];
    snprintf(path, PATH_CAP, "/tmp/sf_expr_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return SF_E_IO;
    snprintf(text, sizeof text,
             "problem:\n"                  /* 1 */
             "  d: 20\n"                   /* 2 */
             "  d_H: 1\n"                  /* 3 */
             "  target: expression\n"      /* 4 */
             "  expression: \"%s\"\n"      /* 5 */
             "  symmetry: %s\n"            /* 6 */
             "  fold_even: false\n"        /* 7 */
             "%s",
             expr, symmetry, extra ? extra : "");
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    if (!ok) return SF_E_IO;
    return sf_case_load(ctx, path, NULL, 0, c);
}

static sf_status builtin_case(sf_ctx *ctx, const char *target, int fold_even, sf_case *c)
{
    sf_status s = sf_case_defaults(ctx, c);
    if (s != SF_OK) return s;
    c->problem.d = 20;
    c->problem.d_H = 1;
    c->problem.fold_even = fold_even;
    snprintf(c->problem.target, sizeof c->problem.target, "%s", target);
    return SF_OK;
}

static sf_status expr_case(sf_ctx *ctx, const char *expr, sf_symmetry sym, int fold_even,
                           sf_case *c)
{
    sf_status s = builtin_case(ctx, "expression", fold_even, c);
    if (s != SF_OK) return s;
    snprintf(c->problem.expression, sizeof c->problem.expression, "%s", expr);
    c->problem.symmetry = sym;
    return SF_OK;
}

static void expect_has(const char *msg, const char *needle, int line)
{
    int ok = strstr(msg, needle) != NULL;
    SF_EXPECT(ok);
    if (!ok) fprintf(stderr, "  (line %d) message \"%s\" lacks \"%s\"\n", line, msg, needle);
}

/* ---------- expression vs built-in ---------- */

/* Tables (Ĝ, ∂Ĝ, K̂, ∂K̂, risk constant) of the expression and the built-in; max |Δ| of Ĝ, ∂Ĝ
 * into *dg. */
static void compare_tables(sf_ctx *ctx, const sf_case *ce, const sf_case *cb, const char *label,
                           double *dg)
{
    sf_kernel_table te = {0}, tb = {0};
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, ce, TABLE_NODES, 1, &te));
    SF_EXPECT_OK(ctx, sf_reduce_table(ctx, cb, TABLE_NODES, 1, &tb));
    double maxG = 0.0, maxdG = 0.0, maxK = 0.0, scale = 0.0;
    if (te.G && tb.G) {
        SF_EXPECT(te.coord == tb.coord && te.lo == tb.lo && te.hi == tb.hi);
        for (size_t i = 0; i < TABLE_NODES; i++) {
            maxG = fmax(maxG, fabs(te.G[i] - tb.G[i]));
            maxdG = fmax(maxdG, fabs(te.dG[i] - tb.dG[i]));
            scale = fmax(scale, fabs(tb.G[i]));
            for (size_t j = 0; j < TABLE_NODES; j++) {
                size_t q = i * TABLE_NODES + j;
                maxK = fmax(maxK, fabs(te.K[q] - tb.K[q]) + fabs(te.dK[q] - tb.dK[q]));
            }
        }
        SF_EXPECT_NEAR(maxG, 0.0, TOL_SAME);
        SF_EXPECT_NEAR(maxdG, 0.0, TOL_SAME);
        SF_EXPECT(maxK == 0.0); /* K̂ never sees the target */
        SF_EXPECT_NEAR(te.risk_const, tb.risk_const, TOL_SAME);
        printf("%-44s max|ΔĜ| %.1e  max|Δ∂Ĝ| %.1e  (max|Ĝ| %.3g)  |Δ risk| %.1e  (%s)\n", label,
               maxG, maxdG, scale, fabs(te.risk_const - tb.risk_const),
               te.coord == SF_COORD_THETA ? "θ-form" : "φ-form");
    }
    if (dg) *dg = fmax(maxG, maxdG);
    sf_kernel_table_free(&te);
    sf_kernel_table_free(&tb);
}

static void test_builtins(sf_ctx *ctx)
{
    static const struct {
        const char *expr, *builtin;
        sf_symmetry sym;
        int fold; /* both in the θ-form (abs declared even, fold_even) */
    } pairs[] = {
        {"x^3", "cube", SF_SYMMETRY_ODD, 0},
        {"x^3 - 3*x", "hermite3", SF_SYMMETRY_ODD, 0},
        {"x", "linear", SF_SYMMETRY_NONE, 0},
        {"abs(x)", "abs", SF_SYMMETRY_NONE, 0},
        {"abs(x)", "abs", SF_SYMMETRY_EVEN, 1},
        {"x*step(x)", "relu", SF_SYMMETRY_NONE, 0},
    };
    char label[128];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        sf_case ce = {0}, cb = {0};
        SF_EXPECT_OK(ctx, expr_case(ctx, pairs[i].expr, pairs[i].sym, pairs[i].fold, &ce));
        SF_EXPECT_OK(ctx, builtin_case(ctx, pairs[i].builtin, pairs[i].fold, &cb));
        snprintf(label, sizeof label, "'%s' (%s) vs %s:", pairs[i].expr,
                 sf_name_of(&sf_symmetry_names, (int)pairs[i].sym), pairs[i].builtin);
        compare_tables(ctx, &ce, &cb, label, NULL);
        sf_case_free(&ce);
        sf_case_free(&cb);
    }
    /* the risk constant of x³: ½ E x⁶ = 15/2; hermite3: Ĝ ≡ 0 (He₃ ⟂ every σ(⟨ω, x⟩)) */
    sf_case c = {0};
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, expr_case(ctx, "x^3", SF_SYMMETRY_ODD, 0, &c));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    if (k) SF_EXPECT_NEAR(sf_kernel_risk_const(k), 7.5, TOL_SAME);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
    SF_EXPECT_OK(ctx, expr_case(ctx, "x^3 - 3*x", SF_SYMMETRY_ODD, 0, &c));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    double maxG = 0.0;
    for (int i = 0; k && i <= 16; i++) maxG = fmax(maxG, fabs(sf_kernel_G(k, M_PI * i / 16.0)));
    SF_EXPECT_NEAR(maxG, 0.0, TOL_SAME);
    printf("'x^3 - 3*x': max|Ĝ| on 17 nodes %.1e (exactly 0 in theory)\n", maxG);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
}

/* Sphere input: a homogeneous formula is scaled like the built-in; another is refused. */
static void test_sphere(sf_ctx *ctx)
{
    sf_case ce = {0}, cb = {0};
    SF_EXPECT_OK(ctx, expr_case(ctx, "x^3", SF_SYMMETRY_NONE, 0, &ce));
    SF_EXPECT_OK(ctx, builtin_case(ctx, "cube", 0, &cb));
    ce.problem.input = cb.problem.input = SF_INPUT_SPHERE;
    compare_tables(ctx, &ce, &cb, "'x^3' vs cube, input sphere:", NULL);
    sf_case_free(&ce);
    sf_case_free(&cb);
    SF_EXPECT_OK(ctx, expr_case(ctx, "abs(x)", SF_SYMMETRY_EVEN, 1, &ce));
    SF_EXPECT_OK(ctx, builtin_case(ctx, "abs", 1, &cb));
    ce.problem.input = cb.problem.input = SF_INPUT_SPHERE;
    compare_tables(ctx, &ce, &cb, "'abs(x)' vs abs, input sphere:", NULL);
    sf_case_free(&ce);
    sf_case_free(&cb);
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, expr_case(ctx, "x^3 - 3*x", SF_SYMMETRY_NONE, 0, &ce));
    ce.problem.input = SF_INPUT_SPHERE;
    sf_ctx_clear(ctx);
    sf_status st = sf_kernel_create(ctx, &ce, &k);
    SF_EXPECT(st == SF_E_UNSUPPORTED && k == NULL);
    expect_has(sf_ctx_message(ctx), "not homogeneous", __LINE__);
    sf_case_free(&ce);
}

/* ---------- against the definition (M12) ---------- */

typedef struct {
    const char *expr;
    sf_kernel *k; /* unused by the integrands */
    double ph;
    int deriv;
    double (*f)(double);
} gref;

static double Phi(double x) { return 0.5 * erfc(-x / M_SQRT2); }
static double phi_n(double x) { return exp(-0.5 * x * x) / sqrt(2.0 * M_PI); }
static double f_gauss(double x) { return exp(-0.5 * x * x); }
static double f_tanh(double x) { return tanh(2.0 * x); }
static double f_kink1(double x) { return fabs(x - 1.0); }

/* φ(z) f(z) S(z cos φ, sin φ) (deriv 0) or its φ-derivative, summed over ±z. */
static double g_integrand(double z, void *vp)
{
    const gref *g = vp;
    double sum = 0.0;
    for (int s = -1; s <= 1; s += 2) {
        double x = s * z, m = x * cos(g->ph), r = sin(g->ph), q = m / r;
        double S = g->deriv ? Phi(q) * (-x * sin(g->ph)) + phi_n(q) * cos(g->ph)
                            : m * Phi(q) + r * phi_n(q);
        sum += phi_n(x) * g->f(x) * S;
    }
    return sum;
}

static double G_ref(double (*f)(double), double ph, int deriv, const double *breaks, size_t nb)
{
    gref g = {NULL, NULL, ph, deriv, f};
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(LIMIT);
    gsl_function F = {g_integrand, &g};
    double res = 0.0, err = 0.0, sum = 0.0, a = 0.0;
    for (size_t i = 0; i < nb; i++) { /* kinks of f on (0, ∞) as break points */
        gsl_integration_qag(&F, a, breaks[i], EPSABS, 0.0, LIMIT, GSL_INTEG_GAUSS61, ws, &res,
                            &err);
        sum += res;
        a = breaks[i];
    }
    gsl_integration_qagiu(&F, a, EPSABS, 0.0, LIMIT, ws, &res, &err);
    gsl_integration_workspace_free(ws);
    return sum + res;
}

/* Max |Ĝ − ref|, |∂Ĝ − ref| over interior φ of an expression (φ-form, symmetry none). */
static double check_definition(sf_ctx *ctx, const char *expr, double (*f)(double),
                               const double *breaks, size_t nb, double tol)
{
    sf_case c = {0};
    sf_kernel *k = NULL;
    double worst = 0.0;
    SF_EXPECT_OK(ctx, expr_case(ctx, expr, SF_SYMMETRY_NONE, 0, &c));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    const double ph[] = {1e-3, 0.1, 0.5, 1.0, M_PI_2, 2.0, 2.7, M_PI - 1e-3};
    for (size_t i = 0; k && i < sizeof ph / sizeof ph[0]; i++) {
        double gv = sf_kernel_G(k, ph[i]), gr = G_ref(f, ph[i], 0, breaks, nb);
        double dv = sf_kernel_dG(k, ph[i]), dr = G_ref(f, ph[i], 1, breaks, nb);
        SF_EXPECT_NEAR(gv, gr, tol);
        SF_EXPECT_NEAR(dv, dr, tol);
        worst = fmax(worst, fmax(fabs(gv - gr), fabs(dv - dr)));
    }
    printf("'%s': max |Ĝ − ref|, |∂Ĝ − ref| over 8 φ in (0, π): %.1e\n", expr, worst);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
    return worst;
}

/* Gaussian mean of h by GSL: ∫₀^∞ φ(z)(h(z) + h(−z)) dz, kinks of h as break points. */
typedef struct {
    double (*f)(double);
    int what; /* 0: x f(x); 1: f(x)² */
} mref;
static double m_integrand(double z, void *vp)
{
    const mref *m = vp;
    double a = m->f(z), b = m->f(-z);
    return phi_n(z) * (m->what ? a * a + b * b : z * (a - b));
}
static double mean_ref(double (*f)(double), int what)
{
    mref m = {f, what};
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(LIMIT);
    gsl_function F = {m_integrand, &m};
    double res = 0.0, err = 0.0;
    gsl_integration_qagiu(&F, 0.0, EPSABS, 0.0, LIMIT, ws, &res, &err);
    gsl_integration_workspace_free(ws);
    return res;
}

static void test_definition(sf_ctx *ctx)
{
    check_definition(ctx, "exp(-x^2/2)", f_gauss, NULL, 0, TOL_REF);
    check_definition(ctx, "tanh(2*x)", f_tanh, NULL, 0, TOL_REF);
    /* a kink away from 0 lies inside one piece of the half-line rule (target.c): 𝒢₁ then
     * converges algebraically, not geometrically. A priori: an n = 16-node Gauss–Legendre
     * rule on a unit piece integrates a function whose slope jumps by J with an error of
     * order J/n² ≈ J/256, and J ≤ 2·max φ(z)·|f′| jump = 2·e^{−½}/√(2π)·2 ≈ 0.5 here, so
     * ≈ 2e-3 at most for Ĝ (∂Ĝ sees the same jump through ∂_m S = Φ, continuous): the bound
     * 1e-3 is that estimate, not a fit. Measured 2e-5 (printed). A sharper check would need
     * the rule's node count as a parameter (it is a production constant). */
    const double one = 1.0;
    check_definition(ctx, "abs(x-1)", f_kink1, &one, 1, 1e-3);
    /* risk constants: ½ E e^{−x²} = 1/(2√3); ½ E tanh²(2x) by GSL */
    sf_case c = {0};
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, expr_case(ctx, "exp(-x^2/2)", SF_SYMMETRY_EVEN, 0, &c));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    if (k) SF_EXPECT_NEAR(sf_kernel_risk_const(k), 0.5 / sqrt(3.0), TOL_SAME);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
    SF_EXPECT_OK(ctx, expr_case(ctx, "tanh(2*x)", SF_SYMMETRY_ODD, 0, &c));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    if (k) SF_EXPECT_NEAR(sf_kernel_risk_const(k), 0.5 * mean_ref(f_tanh, 1), TOL_REF);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
    /* the even formula in the θ-form equals its φ-form: Ĝ_θ(θ) = Ĝ_φ(θ) for θ ∈ [0, π/2] */
    sf_kernel *kt = NULL, *kp = NULL;
    sf_case ct = {0}, cp = {0};
    SF_EXPECT_OK(ctx, expr_case(ctx, "exp(-x^2/2)", SF_SYMMETRY_EVEN, 1, &ct));
    SF_EXPECT_OK(ctx, expr_case(ctx, "exp(-x^2/2)", SF_SYMMETRY_EVEN, 0, &cp));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &ct, &kt));
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &cp, &kp));
    double worst = 0.0;
    for (int i = 0; kt && kp && i <= 8; i++) {
        double th = M_PI_2 * i / 8.0;
        SF_EXPECT(sf_kernel_coord(kt).id == SF_COORD_THETA);
        worst = fmax(worst, fabs(sf_kernel_G(kt, th) - sf_kernel_G(kp, th)));
    }
    SF_EXPECT_NEAR(worst, 0.0, TOL_REF);
    printf("'exp(-x^2/2)' even: θ-form vs φ-form Ĝ on [0, π/2]: max |Δ| %.1e\n", worst);
    sf_kernel_destroy(&kt);
    sf_kernel_destroy(&kp);
    sf_case_free(&ct);
    sf_case_free(&cp);
}

/* ---------- declared symmetry and errors, with file:line ---------- */

static void expect_load_error(sf_ctx *ctx, const char *expr, const char *sym, sf_status want,
                              const char *n1, const char *n2, int line)
{
    sf_case c = {0};
    sf_kernel *k = NULL;
    char path[PATH_CAP], where[MSG_CAP];
    SF_EXPECT_OK(ctx, load_case(ctx, expr, sym, NULL, path, &c));
    sf_ctx_clear(ctx);
    sf_status st = sf_kernel_create(ctx, &c, &k);
    SF_EXPECT(st == want && k == NULL);
    if (st != want) fprintf(stderr, "  (line %d) got %s\n", line, sf_status_name(st));
    const char *msg = sf_ctx_message(ctx);
    snprintf(where, sizeof where, "%s:%s", path, n1);
    expect_has(msg, where, line);
    if (n2) expect_has(msg, n2, line);
    printf("  refused as expected: %s\n", msg);
    sf_kernel_destroy(&k);
    sf_case_free(&c);
    unlink(path);
}

static void test_symmetry_and_errors(sf_ctx *ctx)
{
    char path[PATH_CAP];
    static const struct {
        const char *expr, *sym;
    } ok[] = {{"x^3", "odd"}, {"x^2", "even"}, {"tanh(2*x)", "odd"}, {"abs(x)", "even"}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sf_case c = {0};
        sf_kernel *k = NULL;
        SF_EXPECT_OK(ctx, load_case(ctx, ok[i].expr, ok[i].sym, NULL, path, &c));
        SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
        sf_kernel_destroy(&k);
        sf_case_free(&c);
        unlink(path);
    }
    /* line 6 holds problem.symmetry, line 5 problem.expression (load_case) */
    expect_load_error(ctx, "x^2", "odd", SF_E_RANGE, "6: problem.symmetry = odd",
                      "f(x) = x^2 is not odd: f(", __LINE__);
    expect_load_error(ctx, "x^3 + 1e-6*x^2", "odd", SF_E_RANGE, "6: problem.symmetry = odd",
                      "is not odd", __LINE__);
    expect_load_error(ctx, "x^3", "even", SF_E_RANGE, "6: problem.symmetry = even",
                      "is not even", __LINE__);
    expect_load_error(ctx, "x^^2", "none", SF_E_PARSE, "5: problem.expression = 'x^^2'",
                      "could not be parsed", __LINE__);
    expect_load_error(ctx, "y+x", "none", SF_E_PARSE, "5: problem.expression = 'y+x'",
                      "variable 'y'", __LINE__);
    expect_load_error(ctx, "", "none", SF_E_RANGE, "5: problem.expression = ''", NULL,
                      __LINE__);
    expect_load_error(ctx, "log(x)", "none", SF_E_RANGE, "5: problem.expression = 'log(x)'",
                      "finite", __LINE__);
    expect_load_error(ctx, "exp(x^2)", "none", SF_E_RANGE, "5: problem.expression",
                      "grows too fast", __LINE__);
    /* the keys themselves (core/case.c): null reads as unset, too long and unknown names
     * are refused */
    {
        sf_case c0 = {0};
        char longer[SF_EXPR_CAP + 16], set[SF_EXPR_CAP + 48];
        memset(longer, 'x', sizeof longer - 1);
        longer[sizeof longer - 1] = '\0';
        const char *null_set[] = {"problem.expression=~", "problem.symmetry=even"};
        SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, null_set, 2, &c0));
        SF_EXPECT(c0.problem.expression[0] == '\0' && c0.problem.symmetry == SF_SYMMETRY_EVEN);
        sf_case_free(&c0);
        snprintf(set, sizeof set, "problem.expression=%s", longer);
        const char *long_set[] = {set};
        sf_ctx_clear(ctx);
        SF_EXPECT(sf_case_load(ctx, NULL, long_set, 1, &c0) == SF_E_RANGE);
        expect_has(sf_ctx_message(ctx), "at most 511 characters", __LINE__);
        const char *bad_sym[] = {"problem.symmetry=oddd"};
        sf_ctx_clear(ctx);
        SF_EXPECT(sf_case_load(ctx, NULL, bad_sym, 1, &c0) == SF_E_PARSE);
        expect_has(sf_ctx_message(ctx), "expected one of none, odd, even", __LINE__);
    }
    /* an unset expression: the message names the default and the target's line */
    sf_case c = {0};
    sf_kernel *k = NULL;
    SF_EXPECT_OK(ctx, builtin_case(ctx, "expression", 0, &c));
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_kernel_create(ctx, &c, &k) == SF_E_RANGE);
    expect_has(sf_ctx_message(ctx), "problem.expression = ''", __LINE__);
    sf_case_free(&c);
    /* a declared symmetry of a built-in is verified too */
    SF_EXPECT_OK(ctx, builtin_case(ctx, "relu", 0, &c));
    c.problem.symmetry = SF_SYMMETRY_ODD;
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_kernel_create(ctx, &c, &k) == SF_E_RANGE);
    expect_has(sf_ctx_message(ctx), "max(x_1, 0) is not odd", __LINE__);
    c.problem.symmetry = SF_SYMMETRY_NONE;
    snprintf(c.problem.target, sizeof c.problem.target, "cube");
    c.problem.symmetry = SF_SYMMETRY_ODD;
    SF_EXPECT_OK(ctx, sf_kernel_create(ctx, &c, &k));
    sf_kernel_destroy(&k);
    sf_case_free(&c);
}

/* ---------- form ode, form T, pointwise f ---------- */

static void test_ode(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_odd_problem p = {0};
    SF_EXPECT_OK(ctx, expr_case(ctx, "x^3", SF_SYMMETRY_ODD, 0, &c));
    c.start.law = SF_START_GAUSSIAN;
    snprintf(c.form, sizeof c.form, "ode");
    SF_EXPECT_OK(ctx, sf_reduce_odd(ctx, &c, &p));
    if (p.wstar) {
        SF_EXPECT_NEAR(p.wstar[0], 3.0, TOL_SAME);  /* E x⁴ */
        SF_EXPECT_NEAR(p.risk_star, 3.0, TOL_SAME); /* (15 − 9)/2 */
        printf("form ode 'x^3' (odd): w* = %.17g, R* = %.17g\n", p.wstar[0], p.risk_star);
    }
    sf_odd_problem_free(&p);
    c.problem.symmetry = SF_SYMMETRY_NONE; /* not declared: refused */
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_reduce_odd(ctx, &c, &p) == SF_E_UNSUPPORTED);
    expect_has(sf_ctx_message(ctx), "problem.symmetry = none", __LINE__);
    sf_case_free(&c);
    SF_EXPECT_OK(ctx, expr_case(ctx, "tanh(2*x)", SF_SYMMETRY_ODD, 0, &c));
    c.start.law = SF_START_GAUSSIAN;
    SF_EXPECT_OK(ctx, sf_reduce_odd(ctx, &c, &p));
    if (p.wstar) {
        double w = mean_ref(f_tanh, 0), r = 0.5 * (mean_ref(f_tanh, 1) - w * w);
        SF_EXPECT_NEAR(p.wstar[0], w, TOL_REF);
        SF_EXPECT_NEAR(p.risk_star, r, TOL_REF);
        printf("form ode 'tanh(2*x)': w* = %.15g (GSL %.15g), R* = %.15g (GSL %.15g)\n",
               p.wstar[0], w, p.risk_star, r);
    }
    sf_odd_problem_free(&p);
    sf_case_free(&c);
}

static void test_transport_and_fn(sf_ctx *ctx)
{
    sf_case ce = {0}, cb = {0};
    sf_transport_box be = {0}, bb = {0};
    SF_EXPECT_OK(ctx, expr_case(ctx, "abs(x)", SF_SYMMETRY_EVEN, 1, &ce));
    SF_EXPECT_OK(ctx, builtin_case(ctx, "abs", 1, &cb));
    ce.start.law = cb.start.law = SF_START_GAUSSIAN;
    snprintf(ce.form, sizeof ce.form, "transport");
    snprintf(cb.form, sizeof cb.form, "transport");
    SF_EXPECT_OK(ctx, sf_reduce_transport_box(ctx, &ce, &be));
    SF_EXPECT_OK(ctx, sf_reduce_transport_box(ctx, &cb, &bb));
    SF_EXPECT_NEAR(be.a_max, bb.a_max, TOL_SAME * bb.a_max);
    SF_EXPECT_NEAR(be.u_max, bb.u_max, TOL_SAME * bb.u_max);
    SF_EXPECT_NEAR(be.r_max, bb.r_max, TOL_SAME * bb.r_max);
    /* form T tables of the even formula declared even (θ-form in form L) are on φ ∈ [0, π] */
    sf_grid1 g[3] = {{0}, {0}, {0}};
    sf_grid1_params gp = sf_grid1_params_default();
    gp.cells = 8;
    const double hi[3] = {be.a_max, be.u_max, be.r_max};
    for (int i = 0; i < 3; i++) {
        gp.lo = i == 2 ? 0.0 : -hi[i];
        gp.hi = hi[i];
        SF_EXPECT_OK(ctx, sf_grid1_create(ctx, &gp, &g[i]));
    }
    sf_transport_problem pe = {0}, pb = {0};
    SF_EXPECT_OK(ctx, sf_reduce_transport(ctx, &ce, &g[0], &g[1], &g[2], 0, &pe));
    SF_EXPECT_OK(ctx, sf_reduce_transport(ctx, &cb, &g[0], &g[1], &g[2], 0, &pb));
    double worst = 0.0;
    for (size_t j = 0; pe.G && pb.G && j < pe.n_phi; j++) worst = fmax(worst, fabs(pe.G[j] - pb.G[j]));
    SF_EXPECT(pe.n_phi == pb.n_phi);
    SF_EXPECT_NEAR(worst, 0.0, TOL_SAME);
    SF_EXPECT_NEAR(pe.risk_const, pb.risk_const, TOL_SAME);
    printf("form T 'abs(x)' (even, fold_even) vs abs: %zu φ-cells, max|ΔĜ| %.1e\n", pe.n_phi, worst);
    sf_transport_problem_free(&pe);
    sf_transport_problem_free(&pb);
    for (int i = 0; i < 3; i++) sf_grid1_free(&g[i]);
    sf_case_free(&cb);
    /* the pointwise f of the SGD loop, released afterwards */
    sf_target_fn fn = NULL;
    void *user = NULL;
    SF_EXPECT_OK(ctx, sf_reduce_target_fn(ctx, &ce, &fn, &user));
    if (fn) {
        const double x[2] = {-1.25, 0.5};
        SF_EXPECT(fn(&x[0], 1, user) == 1.25);
        SF_EXPECT(fn(&x[1], 1, user) == 0.5);
    }
    sf_reduce_target_fn_release(fn, &user);
    SF_EXPECT(user == NULL);
    sf_case_free(&ce);
}

/* Allocation failure at every sf_alloc of an expression kernel and of the SGD target: a
 * clean SF_E_NOMEM each time (leaks are caught by the sanitizer build). */
static void test_fault_injection(sf_ctx *ctx)
{
    enum { MAX_TRIES = 1000 }; /* far above the allocations of one kernel */
    sf_case c = {0};
    SF_EXPECT_OK(ctx, expr_case(ctx, "tanh(2*x)", SF_SYMMETRY_ODD, 0, &c));
    int done = 0, nomem = 1;
    for (long n = 1; n <= MAX_TRIES && !done; n++) {
        sf_kernel *k = NULL;
        sf_target_fn fn = NULL;
        void *user = NULL;
        sf_ctx_clear(ctx);
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status a = sf_kernel_create(ctx, &c, &k);
        sf_status b = a == SF_OK ? sf_reduce_target_fn(ctx, &c, &fn, &user) : SF_OK;
        sf_ctx_fail_alloc_at(ctx, 0);
        if (a == SF_OK && b == SF_OK) done = 1;
        else nomem &= (a == SF_OK ? b : a) == SF_E_NOMEM;
        sf_reduce_target_fn_release(fn, &user);
        sf_kernel_destroy(&k);
    }
    SF_EXPECT(done && nomem);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    gsl_set_error_handler_off();
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    clock_t t0 = clock();
    test_builtins(ctx);
    test_sphere(ctx);
    test_definition(ctx);
    test_symmetry_and_errors(ctx);
    test_ode(ctx);
    test_transport_and_fn(ctx);
    test_fault_injection(ctx);
    printf("%.1f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
