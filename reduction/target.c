/* target.c — the target table and what each target contributes to the reduced problem:
 * the one-variable function 𝒢 from which Ĝ is an angular average (M12), and ½ E f_H² (M14).
 *
 * Does: the const name table of targets (radial |z|^p on H, and piecewise polynomials of
 * x₁ for d_H = 1), the lookup with its error message, 𝒢 in closed form or by a graded
 * one-dimensional quadrature, and the risk constant, for both input laws (MATH §1).
 * Does not: the angular average that turns 𝒢 into Ĝ (kernel.c), grids (reduce.c).
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
 * ψ = 0 at the scale |c| resolves to rounding.
 * Radial, d_H = 1 (q ≡ 0): 𝒢(c) = E[R^{1+p}] |c|^p. Line: 𝒢₁(c) = Σ_j f_j^± E[R^{j+1}] c^j.
 * E R^m = 2^{m/2} Γ(1 + m/2).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

/* The table. Line targets are functions of x₁ (d_H = 1): f(x) = Σ pos[j] x^j (x ≥ 0),
 * Σ neg[j] x^j (x < 0). An even |x|^p line target carries p ≥ 0: it is radial in H = ℝ. */
static const sf_target_spec sf_targets[] = {
    {"norm", "|x_H|", SF_TARGET_RADIAL, 1.0, {0}, {0}},
    {"norm2", "|x_H|^2", SF_TARGET_RADIAL, 2.0, {0}, {0}},
    {"abs", "|x_1|", SF_TARGET_LINE, 1.0, {0, 1, 0, 0}, {0, -1, 0, 0}},
    {"linear", "x_1", SF_TARGET_LINE, -1.0, {0, 1, 0, 0}, {0, 1, 0, 0}},
    {"cube", "x_1^3", SF_TARGET_LINE, -1.0, {0, 0, 0, 1}, {0, 0, 0, 1}},
    {"hermite3", "x_1^3 - 3 x_1", SF_TARGET_LINE, -1.0, {0, -3, 0, 1}, {0, -3, 0, 1}},
    {"relu", "max(x_1, 0)", SF_TARGET_LINE, -1.0, {0, 1, 0, 0}, {0, 0, 0, 0}},
};
enum { SF_N_TARGETS = (int)(sizeof sf_targets / sizeof sf_targets[0]) };

static const char *const sf_target_name_list[SF_N_TARGETS] = {
    "norm", "norm2", "abs", "linear", "cube", "hermite3", "relu",
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
    SF_CHECK(ctx, found->kind != SF_TARGET_LINE || c->problem.d_H == 1, SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' is f(x) = %s, a function of x_1 only: expected "
             "problem.d_H = 1 (got %ld)",
             sf_case_where(c, "problem.d_H"), found->name, found->formula, c->problem.d_H);
    *out = found;
cleanup:
    return status;
}

int sf_target_uses_theta(const sf_target_spec *t, const sf_case *c)
{
    return t->kind == SF_TARGET_RADIAL || (c->problem.d_H == 1 && t->p >= 0.0 && c->problem.fold_even);
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

void sf_target_calg_setup(const sf_target_spec *t, const sf_case *c, const sf_rule *leg,
                          sf_calg *g)
{
    double d = (double)c->problem.d;
    int sphere = c->problem.input == SF_INPUT_SPHERE;
    memset(g, 0, sizeof *g);
    g->leg = leg;
    g->d_H = c->problem.d_H;
    if (sf_target_uses_theta(t, c)) {
        double p = t->p;
        double scale = sphere ? 1.0 / sf_gauss_norm_moment(d, p + 1.0) : 1.0;
        g->radial = 1;
        g->p = p;
        if (g->d_H == 1) {
            g->pref = rayleigh_moment(1.0 + p) * scale;
        } else {
            double b = 0.5 * (double)(g->d_H - 1);
            g->pref = exp(0.5 * (1.0 + p) * M_LN2 + lgamma(b + 1.0 + 0.5 * (1.0 + p)) -
                          lgamma(b + 1.0)) *
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

double sf_target_calg(const sf_calg *g, double c)
{
    if (!g->radial) {
        const double *a = (c >= 0.0) ? g->cpos : g->cneg;
        double v = 0.0;
        for (int j = SF_TARGET_MAXDEG; j >= 0; j--) v = v * c + a[j];
        return v;
    }
    double ac = fmin(fabs(c), 1.0);
    if (g->d_H == 1) return g->pref * ((g->p == 1.0) ? ac : pow(ac, g->p));
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

/* E[x^m ; x > 0] for x ~ N(0, 1): 2^{(m−1)/2} Γ((m + 1)/2)/√(2π). */
static double half_moment(int m)
{
    return exp(0.5 * (m - 1.0) * M_LN2 + lgamma(0.5 * (m + 1.0))) / sqrt(2.0 * M_PI);
}

double sf_target_risk_const(const sf_target_spec *t, const sf_case *c)
{
    double d = (double)c->problem.d;
    int sphere = c->problem.input == SF_INPUT_SPHERE;
    if (sf_target_uses_theta(t, c)) {
        /* ½ E|z|^{2p} = ½ 2^p Γ(d_H/2 + p)/Γ(d_H/2) */
        double p = t->p, dH = (double)c->problem.d_H;
        double v = 0.5 * exp(p * M_LN2 + lgamma(0.5 * dH + p) - lgamma(0.5 * dH));
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
