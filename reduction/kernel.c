/* kernel.c — κ̂ (M3) and the reduced kernels K̂ (M11) and Ĝ (M12) of radial and d_H = 1
 * targets (table rows and expressions), pointwise and tabulated.
 *
 * Does: κ̂ and κ̂′; the evaluator sf_kernel (rules built once per case); K̂ and ∂K̂ by tensor
 * Gauss rules in (s, t); Ĝ and ∂Ĝ as angular averages of 𝒢 (target.c); the dense K̂ table.
 * Does not: choose targets or laws (target.c, laws.c), grids or initial laws (reduce.c).
 *
 * K̂ (M11). ω = (cos θ û, sin θ ê): ⟨ω, ω′⟩ = A s + B t with A = cos θ cos θ′, B = sin θ sin θ′,
 * s = ⟨û, û′⟩ ~ γ_{d_H} (radial: averaged), t = ⟨ê, ê′⟩ ~ γ_k. κ̂(c) = c/4 + e(c) with
 * e(c) = (√(1 − c²) + c arcsin c)/(2π) even; the c/4 part averages to 0 over the symmetric
 * laws, and e(As + Bt) = e(−As − Bt), so only s ≥ 0 is summed (weights doubled): half the
 * work. The d_H = 1 φ-form has no s-average: K̂ = a/4 + E_t e(a + b t) with
 * a = cos φ cos φ′, b = sin φ sin φ′. e is C¹ with (1 ∓ c)^{3/2} branches at c = ±1, reached
 * only on the diagonal at the corner s = t = 1, where the γ weights vanish: Gauss converges
 * algebraically there, fast enough for the node counts below (measured, see SF_K_NODES_*).
 *
 * Ĝ (M12), radial h(|z|) (derivation checked against the definition in
 * tests/unit/reduction_kernels.c): write x = (z, x_⊥), z = z₁ û + z′, ξ = ⟨ê, x_⊥⟩,
 * (z₁, ξ) = R(cos φ, sin φ). Then ⟨ω, x⟩ = R cos(φ − θ) and |z|² = R² cos²φ + q, so
 *   Ĝ(θ) = (1/2π) ∫_{θ−π/2}^{θ+π/2} cos(φ − θ) 𝒢(cos φ) dφ,  𝒢(c) = E[R h(√(R²c² + q))].
 * With u = π/2 ∓ φ on either side of φ = π/2 and the symmetry sin(π − u) = sin u,
 *   Ĝ(θ)  = (1/2π) ∫₀^{π/2} (sin(u + θ) + |sin(u − θ)|) 𝒢(sin u) du,
 *   ∂Ĝ(θ) = (1/2π) ∫₀^{π/2} (cos(u + θ) − sgn(u − θ) cos(u − θ)) 𝒢(sin u) du
 * (the boundary terms of ∂_θ vanish: cos(±π/2) = 0). 𝒢(sin u) has a |u|^{d_H−1+p} branch
 * (with a log for even d_H − 1 + p) at u = 0: composite Gauss graded toward u = 0, the
 * values of 𝒢 at its nodes cached once, the piece holding the kink u = θ split there.
 * φ-form (d_H = 1, f(x₁)): same construction without the fold,
 *   Ĝ(φ) = (1/2π) [∫₀^{π−φ} sin(u + φ) 𝒢₁(sin u) du + ∫₀^{φ} sin(φ − u) 𝒢₁(−sin u) du],
 * 𝒢₁ a polynomial in its argument on each side of 0, so the integrands are trigonometric
 * polynomials: plain Gauss on a few pieces is exact to rounding. For an expression target
 * 𝒢₁ comes from target.c's quadrature through the same sf_target_calg (no special case
 * here); 𝒢₁ is then analytic on each side of 0 for f analytic there, and the same pieces
 * converge geometrically (measured in tests/unit/reduction_expr.c against the definition).
 * An even expression in the θ-form uses the radial path with 𝒢(c) = 𝒢₁(|c|) (d_H = 1).
 * Ĝ and ∂Ĝ of an expression evaluate f serially (expr.c is not thread-safe); only the K̂
 * table, which never sees the target, runs in parallel.
 * Input law `sphere`: K̂/d, Ĝ scaled per degree inside 𝒢 (target.c), MATH §1.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "reduction_internal.h"
#include "symflow/reduction.h"

enum {
    SF_K_NODES_S = 24,       /* γ_{d_H} Gauss nodes of K̂ for d_H > SF_K_ANGLE_MAX_DH (12 paired) */
    SF_K_ANGLE_MAX_DH = 8,   /* up to this d_H, s = cos ϑ is integrated in ϑ (see below) */
    SF_K_ANGLE_NODES = 12,   /* Gauss–Legendre nodes per ϑ-piece; measured, see the test */
    SF_K_ANGLE_LEVELS = 15,  /* graded ϑ-rules m = 0 … 14: first piece (π/2)·2^{−m} ≥ 10⁻⁴ */
    SF_K_NODES_T = 20,       /* γ_k Gauss nodes of K̂; measured, see the test */
    SF_G_NODES = 16,         /* Gauss–Legendre nodes per piece of every Ĝ and 𝒢 integral */
    SF_G_LINE_PIECES = 4     /* uniform pieces of the φ-form Ĝ integrals (trig polynomials) */
};
static const double SF_G_FLOOR =
    9.5367431640625e-07; /* 2⁻²⁰: first graded u-piece of Ĝ; 𝒢(sin u) ≤ C u^{d_H−1+p} there, so
                            the piece contributes ≲ u^{d_H+p} ≤ 10⁻¹⁸ for d_H ≥ 2, p ≥ 1 */
static const double SF_G_MAXPIECE =
    M_PI / 16.0; /* widest graded u-piece; 𝒢 is analytic away from u = 0 */

static const sf_coord_info sf_coord_theta = {SF_COORD_THETA, "O(d_H) x O(k)"};
static const sf_coord_info sf_coord_phi = {SF_COORD_PHI, "O(k)"};

/* (M3) */
double sf_kappa_hat(double c)
{
    c = fmax(-1.0, fmin(1.0, c));
    return (sqrt(1.0 - c * c) + (M_PI - acos(c)) * c) / (2.0 * M_PI);
}

double sf_kappa_hat_prime(double c)
{
    c = fmax(-1.0, fmin(1.0, c));
    return (M_PI - acos(c)) / (2.0 * M_PI);
}

/* Even part e(c) = κ̂(c) − c/4 and its derivative e′(c) = arcsin(c)/(2π). */
static inline double kappa_even(double c)
{
    c = fmax(-1.0, fmin(1.0, c));
    return (sqrt(1.0 - c * c) + c * asin(c)) * (0.5 / M_PI);
}

static inline double kappa_even_prime(double c)
{
    c = fmax(-1.0, fmin(1.0, c));
    return asin(c) * (0.5 / M_PI);
}

/* (α of L4) 2√π Γ((d_H + 1)/2)/Γ(d_H/2). */
double sf_minimiser_mass(long d_H)
{
    double dh = (double)d_H;
    return 2.0 * sqrt(M_PI) * exp(sf_lgamma_ratio(0.5 * dh, 0.5));
}

/* The s-rules of the θ-form (file comment "K̂"). d_H = 1: the atom s = 1 (±1 paired).
 * d_H > SF_K_ANGLE_MAX_DH: the nodes ≥ 0 of a γ_{d_H} Gauss rule, weights of s > 0 doubled
 * (the weight (1 − s²)^{(d_H−3)/2} tames the s = 1 branch). Otherwise s = cos ϑ, ϑ ∈ [0, π/2],
 * density ∝ sin^{d_H−2}ϑ (analytic), one rule per level m with Gauss–Legendre pieces
 * [0, h], [h, 2h], …, [π/4, π/2], h = (π/2)·2^{−m}. */
static sf_status build_srules(sf_ctx *ctx, sf_kernel *k, double dH)
{
    sf_status status = SF_OK;
    sf_rule rs = {0};
    if (dH == 1.0 || dH > SF_K_ANGLE_MAX_DH) {
        size_t first = 0, m;
        if (dH == 1.0) {
            m = 1;
        } else {
            SF_TRY(ctx, sf_rule_gamma(ctx, dH, SF_K_NODES_S, &rs));
            m = (rs.n + 1) / 2;
            first = rs.n / 2;
        }
        k->n_srules = 1;
        SF_ALLOC(ctx, k->s_off, 2);
        SF_ALLOC(ctx, k->s, m);
        SF_ALLOC(ctx, k->ws, m);
        k->s_off[1] = m;
        if (dH == 1.0) {
            k->s[0] = 1.0;
            k->ws[0] = 1.0;
        }
        for (size_t i = 0; dH != 1.0 && i < m; i++) {
            double xi = rs.x[first + i];
            k->s[i] = xi;
            k->ws[i] = (xi == 0.0) ? rs.w[first + i] : 2.0 * rs.w[first + i];
        }
        goto cleanup;
    }
    size_t levels = SF_K_ANGLE_LEVELS, total = 0;
    for (size_t m = 0; m < levels; m++) total += (m + 1) * k->sleg.n;
    k->n_srules = levels;
    SF_ALLOC(ctx, k->s_off, levels + 1);
    SF_ALLOC(ctx, k->s, total);
    SF_ALLOC(ctx, k->ws, total);
    size_t at = 0;
    for (size_t m = 0; m < levels; m++) {
        k->s_off[m] = at;
        double a = 0.0, b = ldexp(M_PI_2, -(int)m), sum = 0.0;
        for (size_t piece = 0; piece <= m; piece++) {
            for (size_t i = 0; i < k->sleg.n; i++) {
                double th = a + (b - a) * k->sleg.x[i];
                k->s[at] = cos(th);
                k->ws[at] = (b - a) * k->sleg.w[i] * pow(sin(th), dH - 2.0);
                sum += k->ws[at];
                at++;
            }
            a = b;
            b = 2.0 * b;
        }
        for (size_t p = k->s_off[m]; p < at; p++) k->ws[p] /= sum; /* probability weights */
    }
    k->s_off[levels] = at;
cleanup:
    sf_rule_free(&rs);
    return status;
}

static sf_status copy_rule(sf_ctx *ctx, const sf_rule *r, size_t *n, double **x, double **w)
{
    sf_status status = SF_OK;
    SF_ALLOC(ctx, *x, r->n);
    SF_ALLOC(ctx, *w, r->n);
    for (size_t i = 0; i < r->n; i++) {
        (*x)[i] = r->x[i];
        (*w)[i] = r->w[i];
    }
    *n = r->n;
cleanup:
    return status;
}

/* Σ_i w_i f(x_i) over one Gauss piece [a, b] of the radial Ĝ integrand: which = 0 for Ĝ,
 * 1 for ∂Ĝ; side = +1 where u > θ, −1 where u < θ. 𝒢 evaluated fresh. */
static double g_piece_fresh(const sf_kernel *k, double a, double b, double th, int which, int side)
{
    double wdt = b - a, sum = 0.0;
    for (size_t i = 0; i < k->leg.n; i++) {
        double u = a + wdt * k->leg.x[i];
        double gv = sf_target_calg(&k->calg, sin(u));
        double f = which == 0 ? sin(u + th) + side * sin(u - th)
                              : cos(u + th) - side * cos(u - th);
        sum += k->leg.w[i] * f * gv;
    }
    return wdt * sum;
}

/* Radial Ĝ (which = 0) or ∂Ĝ (which = 1) at θ, see the file comment. */
static double g_radial(const sf_kernel *k, double th, int which)
{
    double sum = 0.0;
    for (size_t p = 0; p < k->n_pieces; p++) {
        double a = k->u_edges[p], b = k->u_edges[p + 1];
        if (a < th && th < b) {
            sum += g_piece_fresh(k, a, th, th, which, -1);
            sum += g_piece_fresh(k, th, b, th, which, +1);
            continue;
        }
        int side = (a >= th) ? +1 : -1;
        double wdt = b - a, part = 0.0;
        const double *gv = k->G_plus + p * k->leg.n;
        for (size_t i = 0; i < k->leg.n; i++) {
            double u = a + wdt * k->leg.x[i];
            double f = which == 0 ? sin(u + th) + side * sin(u - th)
                                  : cos(u + th) - side * cos(u - th);
            part += k->leg.w[i] * f * gv[i];
        }
        sum += wdt * part;
    }
    return sum / (2.0 * M_PI);
}

/* φ-form Ĝ (which = 0) or ∂Ĝ (which = 1), see the file comment. */
static double g_line(const sf_kernel *k, double ph, int which)
{
    double sum = 0.0;
    for (int half = 0; half < 2; half++) {
        double L = half == 0 ? M_PI - ph : ph;
        if (L <= 0.0) continue;
        double wdt = L / SF_G_LINE_PIECES;
        for (int p = 0; p < SF_G_LINE_PIECES; p++) {
            double part = 0.0;
            for (size_t i = 0; i < k->leg.n; i++) {
                double u = wdt * (p + k->leg.x[i]);
                double f, gv;
                if (half == 0) {
                    f = which == 0 ? sin(u + ph) : cos(u + ph);
                    gv = sf_target_calg(&k->calg, sin(u));
                } else {
                    f = which == 0 ? sin(ph - u) : cos(ph - u);
                    gv = sf_target_calg(&k->calg, -sin(u));
                }
                part += k->leg.w[i] * f * gv;
            }
            sum += wdt * part;
        }
    }
    return sum / (2.0 * M_PI);
}

double sf_kernel_G(const sf_kernel *k, double x)
{
    return k->theta ? g_radial(k, x, 0) : g_line(k, x, 0);
}

double sf_kernel_dG(const sf_kernel *k, double x)
{
    return k->theta ? g_radial(k, x, 1) : g_line(k, x, 1);
}

/* The s-rule for the pair (θ, θ′): the finest level whose first ϑ-piece is ≤ θ + θ′, the
 * scale of the branch points of the t-averaged integrand near s = 1 (file comment). */
static size_t pick_srule(const sf_kernel *k, double x, double y)
{
    double sum = x + y, h = M_PI_2;
    size_t m = 0;
    while (m + 1 < k->n_srules && sum < h) {
        h *= 0.5;
        m++;
    }
    return m;
}

/* (M11) θ-form: Σ_{s ≥ 0} Σ_t w_s w_t e(A s + B t). */
static double k_theta(const sf_kernel *k, size_t m, double cx, double sx, double cy, double sy)
{
    double A = cx * cy, B = sx * sy, sum = 0.0;
    for (size_t p = k->s_off[m]; p < k->s_off[m + 1]; p++) {
        double As = A * k->s[p], part = 0.0;
        for (size_t q = 0; q < k->nt; q++) part += k->wt[q] * kappa_even(As + B * k->t[q]);
        sum += k->ws[p] * part;
    }
    return k->K_scale * sum;
}

/* (M11) φ-form: a/4 + Σ_t w_t e(a + b t). */
static double k_phi(const sf_kernel *k, double cx, double sx, double cy, double sy)
{
    double a = cx * cy, b = sx * sy, sum = 0.0;
    for (size_t q = 0; q < k->nt; q++) sum += k->wt[q] * kappa_even(a + b * k->t[q]);
    return k->K_scale * (0.25 * a + sum);
}

double sf_kernel_K(const sf_kernel *k, double x, double y)
{
    double cx = cos(x), sx = sin(x), cy = cos(y), sy = sin(y);
    return k->theta ? k_theta(k, pick_srule(k, x, y), cx, sx, cy, sy)
                    : k_phi(k, cx, sx, cy, sy);
}

/* ∂_x K̂ = E κ̂′(c) ∂_x c; the constant ¼ of κ̂′ averages to 0 (θ-form) or gives a′/4 (φ). */
double sf_kernel_dK(const sf_kernel *k, double x, double y)
{
    double cx = cos(x), sx = sin(x), cy = cos(y), sy = sin(y);
    double A = cx * cy, B = sx * sy, dA = -sx * cy, dB = cx * sy, sum = 0.0;
    if (k->theta) {
        size_t m = pick_srule(k, x, y);
        for (size_t p = k->s_off[m]; p < k->s_off[m + 1]; p++) {
            double part = 0.0;
            for (size_t q = 0; q < k->nt; q++)
                part += k->wt[q] * kappa_even_prime(A * k->s[p] + B * k->t[q]) *
                        (dA * k->s[p] + dB * k->t[q]);
            sum += k->ws[p] * part;
        }
        return k->K_scale * sum;
    }
    for (size_t q = 0; q < k->nt; q++)
        sum += k->wt[q] * kappa_even_prime(A + B * k->t[q]) * (dA + dB * k->t[q]);
    return k->K_scale * (0.25 * dA + sum);
}

double sf_kernel_risk_const(const sf_kernel *k)
{
    return k->risk_const;
}

sf_coord_info sf_kernel_coord(const sf_kernel *k)
{
    return k->coord;
}

/* Rows are independent; row i costs n − i pairs, hence the dynamic schedule. Each entry is
 * computed once and mirrored, so the table is exactly symmetric whatever the thread count.
 * Progress counts pairs done (atomically); only thread 0 calls tp, once per new percent. */
void sf_kernel_tabulate_K(const sf_kernel *k, size_t n, const double *x, double *K,
                          const sf_table_progress *tp)
{
    const int report = tp && tp->fn;
    const double total = 0.5 * (double)n * ((double)n + 1.0);
    double done = 0.0;
    int shown = -1; /* percent last reported (thread 0 only) */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 4)
#endif
    for (size_t i = 0; i < n; i++) {
        double cx = cos(x[i]), sx = sin(x[i]);
        for (size_t j = i; j < n; j++) {
            double cy = cos(x[j]), sy = sin(x[j]);
            double v = k->theta ? k_theta(k, pick_srule(k, x[i], x[j]), cx, sx, cy, sy)
                                : k_phi(k, cx, sx, cy, sy);
            K[i * n + j] = v;
            K[j * n + i] = v;
        }
        if (report) {
            double now;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
            now = done += (double)(n - i);
#ifdef _OPENMP
            if (omp_get_thread_num() != 0) continue;
#endif
            const int pct = (int)(100.0 * now / total);
            if (pct != shown && pct < 100) {
                shown = pct;
                tp->fn(now / total, tp->user);
            }
        }
    }
    if (report) tp->fn(1.0, tp->user);
}

/* Graded u-pieces on [0, π/2] for the radial Ĝ and 𝒢 at their nodes. */
static sf_status build_g_cache(sf_ctx *ctx, sf_kernel *k)
{
    sf_status status = SF_OK;
    size_t m = 1;
    for (double b = SF_G_FLOOR; b < M_PI_2; b += fmin(b, SF_G_MAXPIECE)) m++;
    SF_ALLOC(ctx, k->u_edges, m + 1);
    SF_ALLOC(ctx, k->G_plus, m * k->leg.n);
    k->u_edges[0] = 0.0;
    double b = SF_G_FLOOR;
    for (size_t p = 1; p <= m; p++) {
        k->u_edges[p] = fmin(b, M_PI_2);
        b += fmin(b, SF_G_MAXPIECE);
    }
    assert(k->u_edges[m] == M_PI_2);
    k->n_pieces = m;
    for (size_t p = 0; p < m; p++) {
        double a = k->u_edges[p], wdt = k->u_edges[p + 1] - a;
        for (size_t i = 0; i < k->leg.n; i++)
            k->G_plus[p * k->leg.n + i] = sf_target_calg(&k->calg, sin(a + wdt * k->leg.x[i]));
    }
cleanup:
    return status;
}

sf_status sf_kernel_create(sf_ctx *ctx, const sf_case *c, sf_kernel **out)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    sf_rule rt = {0};

    SF_CHECK(ctx, c != NULL && out != NULL, SF_E_ARG, "sf_kernel_create: NULL argument");
    *out = NULL;
    SF_TRY(ctx, sf_reduce_check_dims(ctx, c)); /* the supported range (laws.c) */

    SF_ALLOC(ctx, k, 1);
    SF_TRY(ctx, sf_target_open(ctx, c, &k->tgt));
    SF_CHECK(ctx, k->tgt.spec.kind != SF_TARGET_PLANE, SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' (f = %s) is a function on the d_H = 2 hemisphere: "
             "form lifted and the full-width particles solve it there (MATH §4.8); the 1-D "
             "kernels (forms transport, ode, reduced particles) do not take it",
             sf_case_where(c, "problem.target"), k->tgt.spec.name, k->tgt.spec.formula);
    double d = (double)c->problem.d, dH = (double)c->problem.d_H, kk = d - dH;
    k->theta = sf_target_uses_theta(&k->tgt);
    k->K_scale = c->problem.input == SF_INPUT_SPHERE ? 1.0 / d : 1.0;
    SF_TRY(ctx, sf_rule_legendre(ctx, SF_G_NODES, 0.0, 1.0, &k->leg));
    SF_TRY(ctx, sf_rule_gamma(ctx, kk, SF_K_NODES_T, &rt));
    SF_TRY(ctx, copy_rule(ctx, &rt, &k->nt, &k->t, &k->wt));
    if (k->theta) {
        SF_TRY(ctx, sf_rule_legendre(ctx, SF_K_ANGLE_NODES, 0.0, 1.0, &k->sleg));
        SF_TRY(ctx, build_srules(ctx, k, dH));
    }
    sf_target_calg_setup(&k->tgt, c, &k->leg, &k->calg);
    if (k->theta) SF_TRY(ctx, build_g_cache(ctx, k));
    k->risk_const = sf_target_risk_const(&k->tgt, c);
    k->coord = k->theta ? sf_coord_theta : sf_coord_phi;
    *out = k;
    k = NULL;

cleanup:
    sf_rule_free(&rt);
    sf_kernel_destroy(&k);
    return status;
}

void sf_kernel_destroy(sf_kernel **k)
{
    if (!k || !*k) return;
    sf_kernel *p = *k;
    free(p->s_off);
    free(p->s);
    free(p->ws);
    sf_rule_free(&p->sleg);
    free(p->t);
    free(p->wt);
    sf_rule_free(&p->leg);
    free(p->u_edges);
    free(p->G_plus);
    sf_target_close(&p->tgt);
    free(p);
    *k = NULL;
}
