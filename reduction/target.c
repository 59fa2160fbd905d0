/* target.c — the target table and what each target contributes to the reduced problem:
 * the one-variable function 𝒢 from which Ĝ is an angular average (M12), ½ E f_H² (M14) and
 * E[x₁ f] (M8).
 *
 * Does: the const name table of targets (radial |z|^p on H, piecewise polynomials of x₁ for
 * d_H = 1, and `expression`, a formula f(x₁) read from problem.expression through expr.c),
 * the lookup with its error message, opening a case's target (parse, checks, the declared
 * symmetry verified), 𝒢 in closed form or by one-dimensional quadrature, the risk constant
 * and E[x₁ f], for both input laws (MATH §1).
 * Does not: the angular average that turns 𝒢 into Ĝ (kernel.c), grids (reduce.c), parse
 * formulas itself (expr.c, the libmatheval adapter).
 *
 * 𝒢 (derivation in kernel.c, "Ĝ"): with (z₁, ξ) = R(cos φ, sin φ), q = |z − z₁û|²,
 *   radial:  𝒢(c) = E[R h(√(R²c² + q))],  h(ρ) = ρ^p, R Rayleigh, q ~ χ²_{d_H−1};
 *   line:    𝒢₁(c) = E[R f(Rc)].
 * Radial, d_H ≥ 2 (b = (d_H − 1)/2): split R²/2 = TV, q/2 = T(1 − V) with T ~ Gamma(b + 1),
 * V ~ Beta(1, b) independent, so 𝒢(c) = 2^{(1+p)/2} Γ(b + 1 + (1+p)/2)/Γ(b + 1)
 * · E[V^{½}(1 − V(1 − c²))^{p/2}], and with V = cos²ψ
 *   E[V^{½}(1 − V(1 − c²))^{p/2}] = 2b ∫₀^{π/2} sin^{d_H−2}ψ cos²ψ (sin²ψ + c² cos²ψ)^{p/2} dψ
 * (= b B(3/2, b) ₂F₁(−p/2, 3/2; 3/2 + b; 1 − c²)). GSL's gsl_sf_hyperg_2F1 is wrong for
 * these parameters when d_H is even (c − a − b = d_H/2 integer: at d_H = 2, x = ½ it returns
 * 0.0619 against 0.7869), so the ψ-integral is evaluated instead: its integrand is analytic
 * except for branch points at ψ = ±i artanh|c|, which a composite Gauss rule graded toward
 * ψ = 0 at the scale |c| resolves to rounding. For d_H > 64 the weight sin^{d_H−2}ψ is a peak
 * of width d_H^{−½} at π/2 that the graded pieces miss (Ĝ off by 2·10⁻⁸ at d_H = 10³, 60 % at
 * 10⁶): calg_peak integrates on that peak instead, to rounding up to d_H = 2·10¹⁵. The
 * prefactor's Γ ratio is sf_lgamma_ratio (laws.c), not an lgamma difference.
 * Radial, d_H = 1 (q ≡ 0): 𝒢(c) = E[R^{1+p}] |c|^p. Line: 𝒢₁(c) = Σ_j f_j^± E[R^{j+1}] c^j.
 * E R^m = 2^{m/2} Γ(1 + m/2).
 *
 * Expressions (d_H = 1, f any formula of x₁). One rule serves every integral: composite
 * Gauss–Legendre on (0, 13) in unit pieces, 16 nodes each, used on both half-lines
 * (nodes ±x_i), so a kink of f at 0 (abs(x), x*step(x)) sits on a piece edge and costs
 * nothing: on each half-line the integrand is as smooth as f there.
 *   𝒢₁(c) = E[R f(Rc)] = ∫₀^∞ R² e^{−R²/2} f(Rc) dR ≈ Σ w_i x_i² e^{−x_i²/2} f(x_i c)
 *     (R ≥ 0, so 𝒢₁(c) for c > 0 sees only f on x > 0, and for c < 0 only x < 0);
 *   E h(x) = (2π)^{−½} Σ w_i e^{−x_i²/2} (h(x_i) + h(−x_i))   for ½E f², E[x f], E f_e².
 * For f polynomial on each half-line (x^3, x^3 − 3x, abs(x)) the integrands are entire and
 * the rule gives the closed forms of the table rows to rounding (measured in
 * tests/unit/reduction_expr.c: ≤ 10⁻¹⁴ relative); for f analytic in a strip around the real
 * axis the error is geometric in the node count (SF_HALFLINE_NODES); a kink of f away from
 * 0 (abs(x − 1)) makes it algebraic, ~10⁻⁵ on the one piece that holds it.
 * Symmetry: problem.symmetry = odd (even) is verified as max_i |f(x_i) + f(−x_i)|
 * (|f(x_i) − f(−x_i)|) ≤ SF_EXPR_SYM_RTOL · max|f| over the nodes; the message names the
 * failing node where the violation weighs most in the Gaussian law (|Δ| e^{−x²/2} largest).
 * Input sphere: the reduction to Gaussian expectations divides each by E|x|^m (MATH §1),
 * which holds only for f homogeneous, f(λx) = λ^p f(x): checked on the nodes, else refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

/* The table. Line targets are functions of x₁ (d_H = 1): f(x) = Σ pos[j] x^j (x ≥ 0),
 * Σ neg[j] x^j (x < 0). An even |x|^p line target carries p ≥ 0: it is radial in H = ℝ. */
static const sf_target_spec sf_targets[] = {
    {"norm", "|x_H|", SF_TARGET_RADIAL, 1.0, {0}, {0}, 0},
    {"norm2", "|x_H|^2", SF_TARGET_RADIAL, 2.0, {0}, {0}, 0},
    {"abs", "|x_1|", SF_TARGET_LINE, 1.0, {0, 1, 0, 0}, {0, -1, 0, 0}, 0},
    {"linear", "x_1", SF_TARGET_LINE, -1.0, {0, 1, 0, 0}, {0, 1, 0, 0}, 0},
    {"cube", "x_1^3", SF_TARGET_LINE, -1.0, {0, 0, 0, 1}, {0, 0, 0, 1}, 0},
    {"hermite3", "x_1^3 - 3 x_1", SF_TARGET_LINE, -1.0, {0, -3, 0, 1}, {0, -3, 0, 1}, 0},
    {"relu", "max(x_1, 0)", SF_TARGET_LINE, -1.0, {0, 1, 0, 0}, {0, 0, 0, 0}, 0},
    {"expression", "problem.expression", SF_TARGET_LINE, -1.0, {0}, {0}, 1},
    /* functions of (x₁, x₂), d_H = 2: their Hermite coefficients are hemi.c's */
    {"xor", "x_1 x_2", SF_TARGET_PLANE, -1.0, {0}, {0}, 0},
    {"staircase", "x_1 + x_1 x_2", SF_TARGET_PLANE, -1.0, {0}, {0}, 0},
    {"he2diff", "x_1^2 - x_2^2", SF_TARGET_PLANE, -1.0, {0}, {0}, 0},
};
enum { SF_N_TARGETS = (int)(sizeof sf_targets / sizeof sf_targets[0]) };

static const char *const sf_target_name_list[SF_N_TARGETS] = {
    "norm", "norm2", "abs", "linear", "cube", "hermite3", "relu", "expression",
    "xor", "staircase", "he2diff",
};
const sf_name_table sf_target_names = {sf_target_name_list, SF_N_TARGETS};

enum {
    SF_NAMES_CAP = 256 /* bytes for the list of valid names in a message */
};

static const double SF_CALG_PSI_FLOOR =
    1e-9; /* narrowest first ψ-piece: below it the integrand is ≤ ψ^{d_H−2}(ψ² + c²)^{p/2}, so
             the piece contributes ≤ 2·10⁻¹⁸ for p ≥ 1 (kernel.c, measured error budget) */
static const double SF_CALG_PSI_MAXPIECE =
    M_PI / 8.0; /* widest ψ-piece: keeps sin^{d_H−2}ψ (peaked at π/2, width ~ d_H^{−½}) a
                   low-degree polynomial on each piece for d_H up to ~10² */

enum {
    SF_CALG_PEAK_DH = 64,    /* above it, 𝒢's ψ-integral is taken on the peak of
                                sin^{d_H−2}ψ at π/2 (calg_peak); at and below it, the general
                                graded rule (measured: ≤ 2·10⁻¹⁴ relative up to d_H = 10²) */
    SF_CALG_PEAK_SIGMAS = 10 /* the peak rule ends at χ = 10σ: the tail weighs ≤ 10 e^{−50} */
};
enum {
    SF_HALFLINE_PIECES = 13, /* unit pieces of the half-line rule on (0, SF_HALFLINE_END) */
    SF_HALFLINE_NODES = 16   /* Gauss–Legendre nodes per piece: an integrand analytic in a
                                strip |Im x| < δ loses ~ρ^{−32}, ρ = 2δ + (4δ² + 1)^{½} on a
                                unit piece (δ = π/4 for tanh(2x): ≲ 10⁻¹⁷); measured in
                                tests/unit/reduction_expr.c */
};
static const double SF_HALFLINE_END =
    13.0; /* end of the half-line rule: ∫_{13}^∞ x^m e^{−x²/2} dx ≤ 13^{m−1} e^{−84.5} ≈ 10⁻³⁷
             13^{m−1}, < 10⁻²⁰ of E f² for polynomial growth up to m = 16 (E f² of degree 7) */
static const double SF_EXPR_TAIL_RTOL =
    1e-15; /* largest share of E f² on the outermost unit piece (12, 13): above it the rule's
              truncation at 13 is no longer below rounding (f grows like e^{x²/4} or faster) */
static const double SF_EXPR_SYM_RTOL =
    1e-12; /* declared symmetry, |f(x) ± f(−x)| ≤ this × max|f| on the nodes: a symmetric
              formula's two values differ only by evaluation rounding (a few ulps per
              operation, ≲ 10⁻¹⁴ for formulas of ≲ 100 operations), so 10⁻¹² leaves a margin
              of 10² and still flags any asymmetry above 10⁻¹² of f's size */
static const double SF_EXPR_HOM_RTOL =
    1e-12; /* homogeneity for the sphere input, |f(x) − f(±1)|x|^p| ≤ this × max|f|: pow and
              the formula's evaluation round to ~10⁻¹⁵ relative; same margin as the symmetry */

sf_status sf_target_lookup(sf_ctx *ctx, const sf_case *c, const sf_target_spec **out)
{
    sf_status status = SF_OK;
    const sf_target_spec *found = NULL;
    char names[SF_NAMES_CAP] = "";
    for (int i = 0; i < SF_N_TARGETS; i++) {
        if (strcmp(c->problem.target, sf_targets[i].name) == 0) found = &sf_targets[i];
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", sf_targets[i].name);
    }
    SF_CHECK(ctx, found != NULL, SF_E_PARSE, "%s: problem.target = '%s': expected one of %s",
             sf_case_where(c, "problem.target"), c->problem.target, names);
    SF_CHECK(ctx, found->kind != SF_TARGET_LINE || c->problem.d_H == 1 ||
                      (found->is_expr && c->problem.d_H == 2), SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' is f(x) = %s, a function of x_1 only: expected "
             "problem.d_H = 1%s (got %ld)",
             sf_case_where(c, "problem.d_H"), found->name, found->formula,
             found->is_expr ? " (or 2 for a formula of x1, x2)" : "", c->problem.d_H);
    SF_CHECK(ctx, found->kind != SF_TARGET_PLANE || c->problem.d_H == 2, SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' is f(x) = %s, a function of (x_1, x_2): expected "
             "problem.d_H = 2 (got %ld)",
             sf_case_where(c, "problem.d_H"), found->name, found->formula, c->problem.d_H);
    *out = found;
cleanup:
    return status;
}

double sf_target_radial_power(const sf_target_spec *t)
{
    return t->p;
}

/* E R^m for R Rayleigh (R² ~ χ²₂). */
static double rayleigh_moment(double m)
{
    return exp(0.5 * m * M_LN2 + lgamma(1.0 + 0.5 * m));
}

/* E[x^m ; x > 0] for x ~ N(0, 1): 2^{(m−1)/2} Γ((m + 1)/2)/√(2π). */
static double half_moment(int m)
{
    return exp(0.5 * (m - 1.0) * M_LN2 + lgamma(0.5 * (m + 1.0))) / sqrt(2.0 * M_PI);
}

/* ---- opening a target ----------------------------------------------------------------- */

/* The half-line rule on (0, END): composite Gauss–Legendre, PIECES unit pieces. */
static sf_status build_halfline(sf_ctx *ctx, sf_target *t)
{
    sf_status status = SF_OK;
    sf_rule leg = {0};
    SF_TRY(ctx, sf_rule_legendre(ctx, SF_HALFLINE_NODES, 0.0, 1.0, &leg));
    const size_t n = (size_t)SF_HALFLINE_PIECES * leg.n;
    const double h = SF_HALFLINE_END / SF_HALFLINE_PIECES;
    SF_ALLOC(ctx, t->qx, n);
    SF_ALLOC(ctx, t->qw, n);
    SF_ALLOC(ctx, t->qg, n);
    SF_ALLOC(ctx, t->fpos, n);
    SF_ALLOC(ctx, t->fneg, n);
    for (size_t p = 0; p < (size_t)SF_HALFLINE_PIECES; p++)
        for (size_t i = 0; i < leg.n; i++) {
            size_t j = p * leg.n + i;
            double x = h * ((double)p + leg.x[i]);
            t->qx[j] = x;
            t->qw[j] = h * leg.w[i];
            t->qg[j] = t->qw[j] * x * x * exp(-0.5 * x * x);
        }
    t->nq = n;
cleanup:
    sf_rule_free(&leg);
    return status;
}

/* Polynomial pieces of a table row at x. */
static double spec_f(const sf_target_spec *s, double x)
{
    const double *coef = x >= 0.0 ? s->pos : s->neg;
    double v = 0.0;
    for (int j = SF_TARGET_MAXDEG; j >= 0; j--) v = v * x + coef[j];
    return v;
}

double sf_target_f(const sf_target *t, double x)
{
    return t->expr ? sf_expr_eval(t->expr, x) : spec_f(&t->spec, x);
}

/* Σ_i qw_i φ(x_i) h(i): the Gaussian mean of a function given on ±x_i, h(i) holding the
 * sum of its values at x_i and −x_i. */
static double gauss_sum(const sf_target *t, double (*h)(const sf_target *, size_t))
{
    double v = 0.0;
    for (size_t i = 0; i < t->nq; i++)
        v += t->qw[i] * exp(-0.5 * t->qx[i] * t->qx[i]) * h(t, i);
    return v / sqrt(2.0 * M_PI);
}
static double h_f2(const sf_target *t, size_t i)
{
    return t->fpos[i] * t->fpos[i] + t->fneg[i] * t->fneg[i];
}
static double h_xf(const sf_target *t, size_t i)
{
    return t->qx[i] * (t->fpos[i] - t->fneg[i]);
}
static double h_even2(const sf_target *t, size_t i)
{
    double e = 0.5 * (t->fpos[i] + t->fneg[i]);
    return 2.0 * e * e;
}

/* f finite at every node, and E f² converged inside (−END, END). */
static sf_status check_expr_values(sf_ctx *ctx, const sf_case *c, const sf_target *t)
{
    sf_status status = SF_OK;
    const char *where = sf_case_where(c, "problem.expression");
    const char *text = c->problem.expression;
    for (size_t i = 0; i < t->nq; i++) {
        double x = t->qx[i];
        SF_CHECK(ctx, isfinite(t->fpos[i]), SF_E_RANGE,
                 "%s: problem.expression = '%s': f(%.6g) = %g: expected a finite value at "
                 "every quadrature node of (−%g, %g)",
                 where, text, x, t->fpos[i], SF_HALFLINE_END, SF_HALFLINE_END);
        SF_CHECK(ctx, isfinite(t->fneg[i]), SF_E_RANGE,
                 "%s: problem.expression = '%s': f(%.6g) = %g: expected a finite value at "
                 "every quadrature node of (−%g, %g)",
                 where, text, -x, t->fneg[i], SF_HALFLINE_END, SF_HALFLINE_END);
    }
    double total = 0.0, last = 0.0;
    const size_t first_last = t->nq - (size_t)SF_HALFLINE_NODES;
    for (size_t i = 0; i < t->nq; i++) {
        double v = t->qw[i] * exp(-0.5 * t->qx[i] * t->qx[i]) * h_f2(t, i);
        total += v;
        if (i >= first_last) last += v;
    }
    SF_CHECK(ctx, isfinite(total) && last <= SF_EXPR_TAIL_RTOL * total, SF_E_RANGE,
             "%s: problem.expression = '%s': f grows too fast for the Gaussian law: the part of "
             "E f² beyond |x| = %g is %.2g of the total: expected ≤ %g (f² e^{−x²/2} must "
             "vanish there)",
             where, text, SF_HALFLINE_END - SF_HALFLINE_END / SF_HALFLINE_PIECES,
             total > 0.0 ? last / total : 0.0, SF_EXPR_TAIL_RTOL);
cleanup:
    return status;
}

/* The declared problem.symmetry on the nodes ±x_i (file comment "Symmetry"). */
static sf_status check_symmetry(sf_ctx *ctx, const sf_case *c, const sf_target *t)
{
    sf_status status = SF_OK;
    const sf_symmetry sym = c->problem.symmetry;
    const char *where = sf_case_where(c, "problem.symmetry");
    const char *name = sf_name_of(&sf_symmetry_names, (int)sym);
    const char *formula = t->expr ? c->problem.expression : t->spec.formula;
    if (sym == SF_SYMMETRY_NONE) goto cleanup;
    if (t->spec.kind == SF_TARGET_RADIAL) {
        SF_CHECK(ctx, sym == SF_SYMMETRY_EVEN, SF_E_RANGE,
                 "%s: problem.symmetry = %s: f(x) = %s is even in x_H, not odd", where, name,
                 formula);
        goto cleanup;
    }
    const double sgn = sym == SF_SYMMETRY_ODD ? 1.0 : -1.0; /* odd: f(x) + f(−x) = 0 */
    double fbig = 0.0, worst = 0.0;
    size_t at = t->nq;
    for (size_t i = 0; i < t->nq; i++) fbig = fmax(fbig, fmax(fabs(t->fpos[i]), fabs(t->fneg[i])));
    for (size_t i = 0; i < t->nq; i++) {
        double dev = fabs(t->fpos[i] + sgn * t->fneg[i]);
        double weighted = dev * exp(-0.5 * t->qx[i] * t->qx[i]);
        if (dev > SF_EXPR_SYM_RTOL * fbig && (at == t->nq || weighted > worst)) {
            at = i;
            worst = weighted;
        }
    }
    const size_t j = at < t->nq ? at : 0;
    SF_CHECK(ctx, at == t->nq, SF_E_RANGE,
             "%s: problem.symmetry = %s: f(x) = %s is not %s: f(%.3g) = %.6g but f(%.3g) = "
             "%.6g (|f(x) %s f(−x)| = %.2g, expected ≤ %g × max|f| = %.2g on the quadrature "
             "nodes of (−%g, %g))",
             where, name, formula, name, t->qx[j], t->fpos[j], -t->qx[j], t->fneg[j],
             sgn > 0 ? "+" : "−", fabs(t->fpos[j] + sgn * t->fneg[j]), SF_EXPR_SYM_RTOL,
             SF_EXPR_SYM_RTOL * fbig, SF_HALFLINE_END, SF_HALFLINE_END);
cleanup:
    return status;
}

/* Sphere input: f(λx) = λ^p f(x) on the nodes, p ≥ 0, read off f(±2)/f(±1) (MATH §1). */
static sf_status check_homogeneous(sf_ctx *ctx, const sf_case *c, sf_target *t)
{
    sf_status status = SF_OK;
    const char *where = sf_case_where(c, "problem.input");
    const char *text = c->problem.expression;
    double f1 = sf_expr_eval(t->expr, 1.0), fm1 = sf_expr_eval(t->expr, -1.0);
    double s = fabs(f1) >= fabs(fm1) ? 1.0 : -1.0, a = s > 0 ? f1 : fm1;
    double ratio = a != 0.0 ? sf_expr_eval(t->expr, 2.0 * s) / a : 1.0;
    double p = ratio > 0.0 ? log2(ratio) : -1.0, fbig = 0.0, dev = 0.0;
    for (size_t i = 0; i < t->nq; i++) {
        double xp = pow(t->qx[i], p < 0.0 ? 0.0 : p);
        fbig = fmax(fbig, fmax(fabs(t->fpos[i]), fabs(t->fneg[i])));
        dev = fmax(dev, fmax(fabs(t->fpos[i] - f1 * xp), fabs(t->fneg[i] - fm1 * xp)));
    }
    SF_CHECK(ctx, isfinite(p) && p >= 0.0 && dev <= SF_EXPR_HOM_RTOL * fbig, SF_E_UNSUPPORTED,
             "%s: problem.input = sphere with problem.expression = '%s': f is not homogeneous "
             "of a degree p ≥ 0 (f(λx) = λ^p f(x)); the sphere law reduces to the Gaussian one "
             "only for homogeneous targets (MATH §1): use problem.input: gaussian",
             where, text);
    t->hom_p = p;
cleanup:
    return status;
}

sf_status sf_target_open(sf_ctx *ctx, const sf_case *c, sf_target *t)
{
    sf_status status = SF_OK;
    const sf_target_spec *row = NULL;
    memset(t, 0, sizeof *t);
    SF_TRY(ctx, sf_target_lookup(ctx, c, &row));
    t->spec = *row;
    if (row->is_expr && c->problem.d_H == 2) {
        /* a formula of (x1, x2): the hemisphere's (hemi.c parses and checks it) */
        t->spec.kind = SF_TARGET_PLANE;
        goto cleanup;
    }
    if (row->is_expr) {
        SF_CHECK(ctx, c->problem.expression[0] != '\0', SF_E_RANGE,
                 "%s: problem.expression = '': expected a formula of x (problem.target = "
                 "expression, %s)",
                 sf_case_where(c, "problem.expression"), sf_case_where(c, "problem.target"));
        SF_TRY(ctx, sf_expr_create(ctx, c->problem.expression, "problem.expression",
                                   sf_case_where(c, "problem.expression"), &t->expr));
    }
    if (row->kind == SF_TARGET_LINE) {
        SF_TRY(ctx, build_halfline(ctx, t));
        for (size_t i = 0; i < t->nq; i++) {
            t->fpos[i] = sf_target_f(t, t->qx[i]);
            t->fneg[i] = sf_target_f(t, -t->qx[i]);
        }
    }
    if (t->expr) SF_TRY(ctx, check_expr_values(ctx, c, t));
    SF_TRY(ctx, check_symmetry(ctx, c, t));
    if (t->expr && c->problem.input == SF_INPUT_SPHERE) SF_TRY(ctx, check_homogeneous(ctx, c, t));
    if (row->kind == SF_TARGET_RADIAL)
        t->fold = 1;
    else if (c->problem.d_H == 1 && c->problem.fold_even)
        t->fold = t->expr ? c->problem.symmetry == SF_SYMMETRY_EVEN : row->p >= 0.0;
cleanup:
    return status;
}

void sf_target_close(sf_target *t)
{
    if (!t) return;
    sf_expr_destroy(&t->expr);
    free(t->qx);
    free(t->qw);
    free(t->qg);
    free(t->fpos);
    free(t->fneg);
    memset(t, 0, sizeof *t);
}

int sf_target_uses_theta(const sf_target *t)
{
    return t->fold;
}

/* ---- 𝒢 ------------------------------------------------------------------------------- */

void sf_target_calg_setup(const sf_target *tg, const sf_case *c, const sf_rule *leg, sf_calg *g)
{
    const sf_target_spec *t = &tg->spec;
    double d = (double)c->problem.d;
    int sphere = c->problem.input == SF_INPUT_SPHERE;
    memset(g, 0, sizeof *g);
    g->leg = leg;
    g->d_H = c->problem.d_H;
    if (tg->expr) {
        /* θ-form of an even f at d_H = 1: 𝒢(c) = E[R f(R|c|)] = 𝒢₁(|c|) (q ≡ 0) */
        g->radial = tg->fold;
        g->fn = tg;
        g->fscale = sphere ? 1.0 / sf_gauss_norm_moment(d, tg->hom_p + 1.0) : 1.0;
        return;
    }
    if (sf_target_uses_theta(tg)) {
        double p = t->p;
        double scale = sphere ? 1.0 / sf_gauss_norm_moment(d, p + 1.0) : 1.0;
        g->radial = 1;
        g->p = p;
        if (g->d_H == 1) {
            g->pref = rayleigh_moment(1.0 + p) * scale;
        } else {
            double b = 0.5 * (double)(g->d_H - 1);
            g->pref = exp(0.5 * (1.0 + p) * M_LN2 + sf_lgamma_ratio(b + 1.0, 0.5 * (1.0 + p))) *
                      2.0 * b * scale;
        }
        return;
    }
    for (int j = 0; j <= SF_TARGET_MAXDEG; j++) {
        double scale = sphere ? 1.0 / sf_gauss_norm_moment(d, j + 1.0) : 1.0;
        g->cpos[j] = t->pos[j] * rayleigh_moment(j + 1.0) * scale;
        g->cneg[j] = t->neg[j] * rayleigh_moment(j + 1.0) * scale;
    }
}

/* The ψ-integrand of 𝒢 (radial, d_H ≥ 2), see the file comment. */
static double psi_integrand(const sf_calg *g, double c2, double psi)
{
    double s = sin(psi), co = cos(psi);
    double s2 = s * s, co2 = co * co;
    double base = s2 + c2 * co2;
    double pw = (g->p == 1.0) ? sqrt(base) : (g->p == 2.0) ? base : pow(base, 0.5 * g->p);
    double sd = (g->d_H == 2) ? 1.0 : (g->d_H == 3) ? s : pow(s, (double)(g->d_H - 2));
    return sd * co2 * pw;
}

/* The ψ-integral for d_H > SF_CALG_PEAK_DH in χ = π/2 − ψ:
 *   ∫₀^{π/2} cos^{d_H−2}χ sin²χ (cos²χ + c² sin²χ)^{p/2} dχ,
 * whose weight cos^{n}χ ≤ e^{−nχ²/2} (n = d_H − 2) is a peak of width σ = n^{−½} at χ = 0:
 * unit-σ pieces up to χ = SF_CALG_PEAK_SIGMAS σ (the rest weighs ≤ 10 e^{−50} of the total),
 * cos^{n}χ as exp(½ n log1p(−sin²χ)), exact to rounding where pow(cos χ, n) loses n ε
 * (the composite rule of the general path, pieces ≤ π/8, was off by 2·10⁻⁸ at d_H = 10³,
 * 5 % at 10⁵ and by more than its size beyond 10⁶). The branch points of the general path
 * (χ = π/2 ± i artanh|c|) are ≥ 0.3 away from [0, 10σ] for d_H > 64. */
static double calg_peak(const sf_calg *g, double c2)
{
    const double n = (double)(g->d_H - 2), sigma = 1.0 / sqrt(n);
    const double end = fmin(M_PI_2, SF_CALG_PEAK_SIGMAS * sigma);
    const sf_rule *leg = g->leg;
    double sum = 0.0;
    const int pieces = (int)ceil(end / sigma - 1e-9); /* ≤ SF_CALG_PEAK_SIGMAS */
    for (int j = 0; j < pieces; j++) {
        const double a = j * sigma, w = fmin(sigma, end - a);
        double part = 0.0;
        for (size_t i = 0; i < leg->n; i++) {
            const double chi = a + w * leg->x[i], s = sin(chi), s2 = s * s;
            const double base = 1.0 - s2 + c2 * s2;
            const double pw = (g->p == 1.0) ? sqrt(base) : (g->p == 2.0) ? base : pow(base, 0.5 * g->p);
            part += leg->w[i] * exp(0.5 * n * log1p(-s2)) * s2 * pw;
        }
        sum += w * part;
    }
    return sum;
}

/* 𝒢₁(c) = ∫₀^∞ R² e^{−R²/2} f(Rc) dR on the half-line rule (file comment "Expressions"). */
static double calg_expr(const sf_target *t, double c)
{
    double v = 0.0;
    for (size_t i = 0; i < t->nq; i++) v += t->qg[i] * sf_expr_eval(t->expr, t->qx[i] * c);
    return v;
}

double sf_target_calg(const sf_calg *g, double c)
{
    if (g->fn) return g->fscale * calg_expr(g->fn, g->radial ? fabs(c) : c);
    if (!g->radial) {
        const double *a = (c >= 0.0) ? g->cpos : g->cneg;
        double v = 0.0;
        for (int j = SF_TARGET_MAXDEG; j >= 0; j--) v = v * c + a[j];
        return v;
    }
    double ac = fmin(fabs(c), 1.0);
    if (g->d_H == 1) return g->pref * ((g->p == 1.0) ? ac : pow(ac, g->p));
    if (g->d_H > SF_CALG_PEAK_DH) return g->pref * calg_peak(g, ac * ac);
    /* ∫₀^{π/2} … dψ on [0, h], [h, 2h], [2h, 4h], … (pieces ≤ SF_CALG_PSI_MAXPIECE), h ~ |c|:
     * the branch points ±i artanh|c| sit at the scale of the first piece. */
    double c2 = ac * ac;
    double h = fmax(ac, SF_CALG_PSI_FLOOR);
    double sum = 0.0, a = 0.0;
    double b = fmin(h, M_PI_2);
    const sf_rule *leg = g->leg;
    while (a < M_PI_2) {
        double w = b - a, part = 0.0;
        for (size_t i = 0; i < leg->n; i++) part += leg->w[i] * psi_integrand(g, c2, a + w * leg->x[i]);
        sum += w * part;
        a = b;
        b = fmin(a + fmin(a, SF_CALG_PSI_MAXPIECE), M_PI_2);
    }
    return g->pref * sum;
}

/* ---- moments --------------------------------------------------------------------------- */

double sf_target_risk_const(const sf_target *tg, const sf_case *c)
{
    const sf_target_spec *t = &tg->spec;
    double d = (double)c->problem.d;
    int sphere = c->problem.input == SF_INPUT_SPHERE;
    if (tg->expr) {
        double v = 0.5 * gauss_sum(tg, h_f2);
        return sphere ? v / sf_gauss_norm_moment(d, 2.0 * tg->hom_p) : v;
    }
    if (sf_target_uses_theta(tg)) {
        /* ½ E|z|^{2p} = ½ 2^p Γ(d_H/2 + p)/Γ(d_H/2) */
        double p = t->p, dH = (double)c->problem.d_H;
        double v = 0.5 * exp(p * M_LN2 + sf_lgamma_ratio(0.5 * dH, p));
        return sphere ? v / sf_gauss_norm_moment(d, 2.0 * p) : v;
    }
    double v = 0.0;
    for (int i = 0; i <= SF_TARGET_MAXDEG; i++) {
        for (int j = 0; j <= SF_TARGET_MAXDEG; j++) {
            int m = i + j;
            double sgn = (m % 2) ? -1.0 : 1.0;
            double term = (t->pos[i] * t->pos[j] + sgn * t->neg[i] * t->neg[j]) * half_moment(m);
            v += sphere ? term / sf_gauss_norm_moment(d, (double)m) : term;
        }
    }
    return 0.5 * v;
}

double sf_target_xf(const sf_target *tg, const sf_case *c)
{
    const sf_target_spec *t = &tg->spec;
    const double d = (double)c->problem.d;
    const int sphere = c->problem.input == SF_INPUT_SPHERE;
    if (tg->expr) {
        double v = gauss_sum(tg, h_xf);
        return sphere ? v / sf_gauss_norm_moment(d, tg->hom_p + 1.0) : v;
    }
    /* Σ_j pos[j] E[x^{j+1}; x>0] + neg[j] E[x^{j+1}; x<0]; sphere: divide each Gaussian
     * moment of degree m by E|x|^m (MATH §1). */
    double exf = 0.0;
    for (int j = 0; j <= SF_TARGET_MAXDEG; j++) {
        int m = j + 1;
        double sign = (m % 2) ? -1.0 : 1.0;
        double term = (t->pos[j] + sign * t->neg[j]) * half_moment(m);
        exf += sphere ? term / sf_gauss_norm_moment(d, (double)m) : term;
    }
    return exf;
}

double sf_target_xf_gauss(const sf_target *tg)
{
    const sf_target_spec *t = &tg->spec;
    if (tg->expr) return gauss_sum(tg, h_xf);
    double w = 0.0;
    for (int j = 0; j <= SF_TARGET_MAXDEG; j++)
        w += (t->pos[j] + ((j % 2) ? 1.0 : -1.0) * t->neg[j]) * half_moment(j + 1);
    return w;
}

/* For x > 0, f_e = Σ e_j x^j with e_j = (pos_j + (−1)^j neg_j)/2, and
 * E f_e² = 2 Σ e_i e_j E[x^{i+j}; x > 0]. */
double sf_target_even_norm_gauss(const sf_target *tg)
{
    const sf_target_spec *t = &tg->spec;
    double v = 0.0;
    if (tg->expr) {
        v = gauss_sum(tg, h_even2);
    } else {
        double e[SF_TARGET_MAXDEG + 1];
        for (int j = 0; j <= SF_TARGET_MAXDEG; j++)
            e[j] = 0.5 * (t->pos[j] + ((j % 2) ? -1.0 : 1.0) * t->neg[j]);
        for (int i = 0; i <= SF_TARGET_MAXDEG; i++)
            for (int j = 0; j <= SF_TARGET_MAXDEG; j++) v += 2.0 * e[i] * e[j] * half_moment(i + j);
    }
    return sqrt(fmax(v, 0.0));
}
