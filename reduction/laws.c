/* laws.c — the laws on [−1, 1] and on the reduced coordinate, and their quadrature rules.
 *
 * Does: Gauss rules for γ_k (MATH §4 "Laws on [−1, 1]") by Golub–Welsch, Gauss–Legendre
 * rules, the moments E|x|^q of the input laws (MATH §1 "sphere"), and the cumulative
 * distribution functions of the initial direction law τ₀ on θ and on φ (L3).
 * Does not: kernels (kernel.c), targets (target.c), anything about grids (reduce.c).
 *
 * GSL's own gsl_integration_fixed_gegenbauer overflows its normalisation for k ≳ 10³ and
 * returns NaN; the Jacobi matrix below only holds ratios and works for any k ≥ 1.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_vector.h>

#include <threads.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

enum {
    SF_RULE_MAX_NODES = 4096 /* largest rule: the dense eigen-solve costs O(n³) time, O(n²) memory */
};

static void rule_zero(sf_rule *r)
{
    r->n = 0;
    r->x = NULL;
    r->w = NULL;
}

void sf_rule_free(sf_rule *r)
{
    if (!r) return;
    free(r->x);
    free(r->w);
    rule_zero(r);
}

/* Make a rule exactly symmetric about 0 (x_i = −x_{n−1−i}, w_i = w_{n−1−i}, a middle node 0)
 * and its weights sum to exactly 1 up to the last rounding: the eigen-solver is symmetric
 * only to rounding, and the kernels pair ±nodes (kernel.c). Nodes must be ascending. */
static void rule_symmetrise(sf_rule *r)
{
    size_t n = r->n;
    for (size_t i = 0; i < n / 2; i++) {
        size_t j = n - 1 - i;
        double x = 0.5 * (r->x[j] - r->x[i]);
        double w = 0.5 * (r->w[j] + r->w[i]);
        r->x[i] = -x;
        r->x[j] = x;
        r->w[i] = w;
        r->w[j] = w;
    }
    if (n % 2) r->x[n / 2] = 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += r->w[i];
    for (size_t i = 0; i < n; i++) r->w[i] /= sum;
}

/* GSL's default error handler aborts the process. reduction/ checks every GSL return code
 * itself, so the handler is switched off — once per process (call_once), never toggled per
 * call: GSL's handler is global state, and toggling it raced with other threads and with an
 * application's own handler. */
static once_flag sf_gsl_once = ONCE_FLAG_INIT;
static void gsl_quiet_now(void) { gsl_set_error_handler_off(); }
void sf_gsl_quiet(void) { call_once(&sf_gsl_once, gsl_quiet_now); }

/* γ_k by Golub–Welsch (MATH §4). Monic recurrence of the Gegenbauer weight (1 − t²)^{λ−½},
 * λ = (k−2)/2: zero diagonal, squared off-diagonals β₁ = 1/k (= E t², valid also at λ = 0),
 * β_j = j (j + 2λ − 1) / (4 (j + λ)(j + λ − 1)) for j ≥ 2. Nodes are the eigenvalues,
 * weights the squared first components of the normalised eigenvectors. */
sf_status sf_rule_gamma(sf_ctx *ctx, double k, size_t n, sf_rule *r)
{
    sf_status status = SF_OK;
    sf_gsl_quiet(); /* GSL reports through return codes, never aborts */
    gsl_matrix *J = NULL, *V = NULL;
    gsl_vector *eval = NULL;
    gsl_eigen_symmv_workspace *ws = NULL;
    sf_rule out;
    rule_zero(&out);

    SF_CHECK(ctx, r != NULL, SF_E_ARG, "sf_rule_gamma: output rule is NULL");
    rule_zero(r);
    SF_CHECK(ctx, isfinite(k) && k >= 1.0, SF_E_ARG,
             "sf_rule_gamma: k = %g: expected a dimension k ≥ 1", k);
    SF_CHECK(ctx, n >= 1 && n <= SF_RULE_MAX_NODES, SF_E_ARG,
             "sf_rule_gamma: n = %zu: expected 1 ≤ n ≤ %d nodes", n, SF_RULE_MAX_NODES);

    if (k == 1.0) { /* γ₁ = (δ₋₁ + δ₊₁)/2: two atoms, whatever n */
        out.n = 2;
        SF_ALLOC(ctx, out.x, 2);
        SF_ALLOC(ctx, out.w, 2);
        out.x[0] = -1.0;
        out.x[1] = 1.0;
        out.w[0] = out.w[1] = 0.5;
        *r = out;
        rule_zero(&out);
        goto cleanup;
    }

    out.n = n;
    SF_ALLOC(ctx, out.x, n);
    SF_ALLOC(ctx, out.w, n);
    if (n == 1) {
        out.x[0] = 0.0;
        out.w[0] = 1.0;
        *r = out;
        rule_zero(&out);
        goto cleanup;
    }

    J = gsl_matrix_calloc(n, n);
    V = gsl_matrix_alloc(n, n);
    eval = gsl_vector_alloc(n);
    ws = gsl_eigen_symmv_alloc(n);
    SF_CHECK(ctx, J && V && eval && ws, SF_E_NOMEM,
             "sf_rule_gamma: cannot allocate the %zu×%zu Jacobi matrix", n, n);
    double lambda = 0.5 * (k - 2.0);
    for (size_t j = 1; j < n; j++) {
        double jj = (double)j;
        double beta = (j == 1) ? 1.0 / k
                               : jj * (jj + 2.0 * lambda - 1.0) /
                                     (4.0 * (jj + lambda) * (jj + lambda - 1.0));
        double off = sqrt(beta);
        gsl_matrix_set(J, j - 1, j, off);
        gsl_matrix_set(J, j, j - 1, off);
    }
    SF_CHECK(ctx, gsl_eigen_symmv(J, eval, V, ws) == GSL_SUCCESS, SF_E_NUMERIC,
             "sf_rule_gamma: eigen-decomposition of the Jacobi matrix failed (k = %g, n = %zu)",
             k, n);
    gsl_eigen_symmv_sort(eval, V, GSL_EIGEN_SORT_VAL_ASC);
    for (size_t i = 0; i < n; i++) {
        double v0 = gsl_matrix_get(V, 0, i);
        out.x[i] = gsl_vector_get(eval, i);
        out.w[i] = v0 * v0;
    }
    rule_symmetrise(&out);
    *r = out;
    rule_zero(&out);

cleanup:
    sf_rule_free(&out);
    if (ws) gsl_eigen_symmv_free(ws);
    if (eval) gsl_vector_free(eval);
    if (V) gsl_matrix_free(V);
    if (J) gsl_matrix_free(J);
    return status;
}

sf_status sf_rule_legendre(sf_ctx *ctx, size_t n, double a, double b, sf_rule *r)
{
    sf_status status = SF_OK;
    sf_gsl_quiet(); /* GSL reports through return codes, never aborts */
    gsl_integration_glfixed_table *t = NULL;
    sf_rule out;
    rule_zero(&out);

    SF_CHECK(ctx, r != NULL, SF_E_ARG, "sf_rule_legendre: output rule is NULL");
    rule_zero(r);
    SF_CHECK(ctx, n >= 1 && n <= SF_RULE_MAX_NODES, SF_E_ARG,
             "sf_rule_legendre: n = %zu: expected 1 ≤ n ≤ %d nodes", n, SF_RULE_MAX_NODES);
    SF_CHECK(ctx, isfinite(a) && isfinite(b) && a < b, SF_E_ARG,
             "sf_rule_legendre: [%g, %g]: expected a finite interval a < b", a, b);
    t = gsl_integration_glfixed_table_alloc(n);
    SF_CHECK(ctx, t != NULL, SF_E_NOMEM, "sf_rule_legendre: cannot allocate a %zu-node table", n);
    out.n = n;
    SF_ALLOC(ctx, out.x, n);
    SF_ALLOC(ctx, out.w, n);
    for (size_t i = 0; i < n; i++)
        SF_CHECK(ctx, gsl_integration_glfixed_point(a, b, i, &out.x[i], &out.w[i], t) == GSL_SUCCESS,
                 SF_E_NUMERIC, "sf_rule_legendre: node %zu of %zu failed", i, n);
    *r = out;
    rule_zero(&out);

cleanup:
    sf_rule_free(&out);
    if (t) gsl_integration_glfixed_table_free(t); /* GSL's free does not accept NULL */
    return status;
}

/* τ₀'s cdf is an incomplete beta I_x(a, b), a = k/2, b = d_H/2. GSL's (continued fraction)
 * errs by ≈ 1.2·10⁻¹⁷ × max(a, b) (measured against the gamma limit below, a = ½: 5·10⁻¹⁰ at
 * b = 5·10⁷, 6·10⁻⁷ at 5·10¹⁰, 2·10⁻³ at 5·10¹⁴ — d_H = 10¹⁵, k = 1) and stops converging
 * for a = b ≳ 1.6·10⁶ (≤ 4·10⁻¹⁰ at a = b = 5·10⁵). With s = min(a, b) ≪ l = max(a, b),
 * Beta is its gamma limit I_x(s, l) ≈ P(s, −(l + (s − 1)/2) log(1 − x)), whose error
 * measured against GSL where GSL is good is ≈ 33 s^{5/2}/l² (3·10⁻⁹ at s = 100, l = 10⁶;
 * 6·10⁻¹³ at s = 1). tau0_path picks GSL while s ≤ 5·10⁵ and l ≤ 5·10⁸ (error ≲ 6·10⁻⁹),
 * else the gamma limit while its error estimate is ≤ SF_TAU0_TOL, else nothing: refused
 * by sf_reduce_check_dims (e.g. d_H = 10¹⁵ with k > 2·10⁸, or d_H = k = 10⁹). */
static const double SF_TAU0_TOL = 1e-8; /* largest error of a start-law cdf value */
static int tau0_path(double a, double b) /* 0: GSL, 1: gamma limit, −1: unsupported */
{
    const double s = fmin(a, b), l = fmax(a, b);
    if (s <= 5e5 && l <= 5e8) return 0;
    if (33.0 * pow(s, 2.5) <= SF_TAU0_TOL * l * l) return 1;
    return -1;
}

/* The supported dimensions (README, paragraph "Supported dimensions"): 2 ≤ d ≤ SF_DIM_MAX
 * = 4·10¹⁵, 1 ≤ d_H < d, so k = d − d_H ∈ [1, d − 1]; with a balanced start also
 * tau0_path ≥ 0 (τ₀'s incomplete beta, above: min(d_H, k) ≤ 10⁶ and max ≤ 10⁹, or the
 * gamma limit's range). Measured against closed forms over d_H = 1 … 2·10¹⁵ and
 * k = 1 … 2·10¹⁵ (tests/unit/reduction_range.c): ½ E|x_H|² (= R(0) of a balanced start),
 * Ĝ at θ = 0 and π/2, K̂ on the diagonal end and the moments of the γ_k rules all agree to
 * ≤ 10⁻¹⁴ relative. Before the fixes (sf_lgamma_ratio; the peak rule of 𝒢 in target.c)
 * R(0) was off by 10⁻¹⁰ at d_H = 10⁷, 2·10⁻³ at 10¹², ×4.3 at 10¹⁵, and Ĝ by 2·10⁻⁸ at
 * d_H = 10³, 5 % at 10⁵, 60 % at 10⁶. The bound keeps dimensions exact doubles with a
 * margin (d_H, k and d ± 2 are integers below 2⁵³ ≈ 9·10¹⁵), and sf_lgamma_ratio's
 * Stirling difference keeps ≤ 50 ε absolute for x up to 10¹⁶. */
static const double SF_DIM_MAX = 4e15;

sf_status sf_reduce_check_dims(sf_ctx *ctx, const sf_case *c)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c != NULL, SF_E_ARG, "sf_reduce_check_dims: NULL case");
    SF_CHECK(ctx, c->problem.d >= 2 && (double)c->problem.d <= SF_DIM_MAX, SF_E_RANGE,
             "%s: problem.d = %ld: expected an integer with 2 ≤ d ≤ %.0e (the supported range "
             "of the quadrature rules)",
             sf_case_where(c, "problem.d"), c->problem.d, SF_DIM_MAX);
    SF_CHECK(ctx, c->problem.d_H >= 1 && c->problem.d_H < c->problem.d, SF_E_RANGE,
             "%s: problem.d_H = %ld: expected 1 ≤ d_H < d = %ld (k = d − d_H ≥ 1)",
             sf_case_where(c, "problem.d_H"), c->problem.d_H, c->problem.d);
    /* a balanced start's law τ₀ (L3): the incomplete beta of sf_tau0_cdf_theta */
    const double dH = (double)c->problem.d_H, k = (double)(c->problem.d - c->problem.d_H);
    SF_CHECK(ctx, c->start.law != SF_START_BALANCED_SPHERE || tau0_path(0.5 * k, 0.5 * dH) >= 0,
             SF_E_RANGE,
             "%s: problem.d_H = %ld and k = d − d_H = %.0f with a balanced start: the start "
             "law τ₀ is computed to %.0e only for min(d_H, k) ≤ 10⁶ and max(d_H, k) ≤ 10⁹, or "
             "for 33 (min/2)^{5/2} ≤ %.0e (max/2)² (%s: problem.d = %ld)",
             sf_case_where(c, "problem.d_H"), c->problem.d_H, k, SF_TAU0_TOL, SF_TAU0_TOL,
             sf_case_where(c, "problem.d"), c->problem.d);
cleanup:
    return status;
}

/* log Γ(x + a)/Γ(x), x > 0, x + a > 0. The difference lgamma(x + a) − lgamma(x) loses
 * ε·|lgamma(x)| ≈ ε x log x absolutely (measured: Γ(d_H/2 + 1)/Γ(d_H/2) off by 10⁻¹⁰ at
 * d_H = 10⁷, 2·10⁻³ at 10¹², a factor 4.3 at 10¹⁵), so for x ≥ SF_LGR_STIRLING_X the
 * difference of Stirling series is taken with its large parts cancelled by hand:
 *   a log x + (x + a − ½) log1p(a/x) − a + Σ_n c_n ((x + a)^{1−2n} − x^{1−2n}),
 * c_n = B_{2n}/(2n(2n − 1)); six terms leave ≤ B₁₄/182 x^{−13} ≈ 10⁻¹⁵ at x = 10. */
double sf_lgamma_ratio(double x, double a)
{
    static const double SF_LGR_STIRLING_X = 10.0;
    static const double cn[] = {1.0 / 12.0,   -1.0 / 360.0,  1.0 / 1260.0,
                                -1.0 / 1680.0, 1.0 / 1188.0, -691.0 / 360360.0};
    if (x < SF_LGR_STIRLING_X || x + a < SF_LGR_STIRLING_X) return lgamma(x + a) - lgamma(x);
    double corr = 0.0;
    const double y = x + a, iy2 = 1.0 / (y * y), ix2 = 1.0 / (x * x);
    double py = 1.0 / y, px = 1.0 / x;
    for (size_t n = 0; n < sizeof cn / sizeof cn[0]; n++) {
        corr += cn[n] * (py - px);
        py *= iy2;
        px *= ix2;
    }
    return a * log(x) + (x + a - 0.5) * log1p(a / x) - a + corr;
}

/* E|x|^q for x ~ N(0, I_d): 2^{q/2} Γ((d+q)/2)/Γ(d/2), through sf_lgamma_ratio. */
double sf_gauss_norm_moment(double d, double q)
{
    return exp(0.5 * q * M_LN2 + sf_lgamma_ratio(0.5 * d, 0.5 * q));
}

/* P(θ ≤ t) for τ₀ on [0, π/2] (L3): cos²θ ~ Beta(d_H/2, k/2), so
 * P(θ ≤ t) = P(sin²θ ≤ sin²t) = I_{sin²t}(k/2, d_H/2) = 1 − I_{cos²t}(d_H/2, k/2).
 * The smaller tail is computed directly (relative accuracy of small cell masses); GSL's
 * continued fraction converges fastest below the mean. Returns SF_E_NUMERIC if GSL fails. */
sf_status sf_tau0_cdf_theta(sf_ctx *ctx, double d_H, double k, double t, double *F)
{
    sf_status status = SF_OK;
    sf_gsl_quiet(); /* GSL reports through return codes, never aborts */
    gsl_sf_result res;
    double s = sin(t), c = cos(t);
    double s2 = s * s, c2 = c * c;
    if (t <= 0.0) {
        *F = 0.0;
        goto cleanup;
    }
    if (t >= M_PI_2) {
        *F = 1.0;
        goto cleanup;
    }
    const double a = 0.5 * k, b = 0.5 * d_H;
    const int path = tau0_path(a, b);
    SF_CHECK(ctx, path >= 0, SF_E_RANGE,
             "τ₀ cdf: d_H = %.17g, k = %.17g: outside the supported range (sf_reduce_check_dims)",
             d_H, k);
    if (path == 1) { /* the gamma limit (tau0_path) */
        gsl_sf_result g;
        int e;
        if (b >= a) /* P(sin²θ ≤ s2) = I_{s2}(a, b) ≈ P(a, −(b + (a − 1)/2) log(1 − s2)) */
            e = gsl_sf_gamma_inc_P_e(a, -(b + 0.5 * (a - 1.0)) * log1p(-s2), &g);
        else /* = 1 − I_{c2}(b, a) ≈ Q(b, −(a + (b − 1)/2) log(1 − c2)) */
            e = gsl_sf_gamma_inc_Q_e(b, -(a + 0.5 * (b - 1.0)) * log1p(-c2), &g);
        SF_CHECK(ctx, e == GSL_SUCCESS || e == GSL_EUNDRFLW, SF_E_NUMERIC,
                 "τ₀ cdf: gamma limit of I(%g, %g) at θ = %.17g failed in GSL: %s", a, b, t,
                 gsl_strerror(e));
        *F = (e == GSL_EUNDRFLW) ? 0.0 : g.val;
        goto cleanup;
    }
    /* sin²θ ~ Beta(k/2, d_H/2) has mean k/d: below it, I_{sin²t} is the small tail */
    if (s2 <= k / (k + d_H)) {
        int e = gsl_sf_beta_inc_e(0.5 * k, 0.5 * d_H, s2, &res);
        SF_CHECK(ctx, e == GSL_SUCCESS || e == GSL_EUNDRFLW, SF_E_NUMERIC,
                 "τ₀ cdf: I_%.17g(%g, %g) failed in GSL: %s", s2, 0.5 * k, 0.5 * d_H,
                 gsl_strerror(e));
        *F = (e == GSL_EUNDRFLW) ? 0.0 : res.val;
    } else {
        int e = gsl_sf_beta_inc_e(0.5 * d_H, 0.5 * k, c2, &res);
        SF_CHECK(ctx, e == GSL_SUCCESS || e == GSL_EUNDRFLW, SF_E_NUMERIC,
                 "τ₀ cdf: I_%.17g(%g, %g) failed in GSL: %s", c2, 0.5 * d_H, 0.5 * k,
                 gsl_strerror(e));
        *F = 1.0 - ((e == GSL_EUNDRFLW) ? 0.0 : res.val);
    }
cleanup:
    return status;
}

/* P(φ ≤ t) for τ₀ on the half circle [0, π] (d_H = 1, MATH §4.1): u = cos φ ~ γ_d, and by
 * the reflection φ ↦ π − φ the law is symmetric about π/2, so on [0, π/2] it is half the
 * θ-law with d_H = 1, k = d − 1. */
sf_status sf_tau0_cdf_phi(sf_ctx *ctx, double d, double t, double *F)
{
    sf_status status = SF_OK;
    double half;
    if (t <= M_PI_2) {
        SF_TRY(ctx, sf_tau0_cdf_theta(ctx, 1.0, d - 1.0, t, &half));
        *F = 0.5 * half;
    } else {
        SF_TRY(ctx, sf_tau0_cdf_theta(ctx, 1.0, d - 1.0, M_PI - t, &half));
        *F = 1.0 - 0.5 * half;
    }
cleanup:
    return status;
}

/* ---- the laws the particle simulators sample (§1, §4.6) -------------------------------- */

/* Parameters in sf_particle_laws.params: balanced (0/1), σ_a, σ_b, sphere input (0/1). */
enum { SF_LAW_BALANCED, SF_LAW_SIGMA_A, SF_LAW_SIGMA_B, SF_LAW_SPHERE };

/* balanced-sphere: a = ±1 with probability ½, b uniform on S^{d−1} (normalised Gaussian);
 * gaussian: a ~ N(0, σ_a²), b ~ N(0, σ_b² I_d). The order of the draws is part of the
 * contract: the same seed gives the same start on every machine. */
static void plaws_neuron(const double *law, const sf_draw *dr, double *a, double *b, size_t d)
{
    if (law[SF_LAW_BALANCED] != 0.0) {
        *a = dr->uniform(dr->rng) < 0.5 ? 1.0 : -1.0;
        double q = 0.0;
        do {
            q = 0.0;
            for (size_t k = 0; k < d; k++) {
                b[k] = dr->normal(dr->rng);
                q += b[k] * b[k];
            }
        } while (q == 0.0);
        const double inv = 1.0 / sqrt(q);
        for (size_t k = 0; k < d; k++) b[k] *= inv;
    } else {
        *a = law[SF_LAW_SIGMA_A] * dr->normal(dr->rng);
        for (size_t k = 0; k < d; k++) b[k] = law[SF_LAW_SIGMA_B] * dr->normal(dr->rng);
    }
}

/* gaussian: x ~ N(0, I_d); sphere: x/|x| of the same draw. */
static void plaws_input(const double *law, const sf_draw *dr, double *x, size_t d)
{
    double q = 0.0;
    for (size_t l = 0; l < d; l++) {
        x[l] = dr->normal(dr->rng);
        q += x[l] * x[l];
    }
    if (law[SF_LAW_SPHERE] != 0.0) {
        const double inv = 1.0 / sqrt(q);
        for (size_t l = 0; l < d; l++) x[l] *= inv;
    }
}

sf_status sf_reduce_particle_laws(sf_ctx *ctx, const sf_case *c, sf_particle_laws *laws)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c && laws, SF_E_ARG, "sf_reduce_particle_laws: NULL argument");
    const int balanced = c->start.law == SF_START_BALANCED_SPHERE;
    *laws = (sf_particle_laws){plaws_neuron, plaws_input,
                               {balanced, c->start.sigma_a, c->start.sigma_b,
                                c->problem.input == SF_INPUT_SPHERE},
                               balanced};
cleanup:
    return status;
}
