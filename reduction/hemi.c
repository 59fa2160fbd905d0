/* hemi.c — the reduced problem of form L on the hemisphere, d_H = 2 (MATH §4.8): K̂ (M11)
 * and Ĝ (M12) as functions of (θ, φ), their tables on a θ-grid × a uniform periodic φ-grid,
 * and the initial cell masses (L3).
 *
 * Does: the targets of (x₁, x₂) of the target table (xor = x₁x₂, staircase = x₁ + x₁x₂,
 * he2diff = x₁² − x₂²) and formulas f(x1, x2) (problem.target: expression, d_H = 2, parsed
 * by expr.c) through their Hermite coefficients; radial targets (problem.radial: false)
 * through the θ-form's Ĝ (kernel.c), which does not depend on φ; K̂ by the γ_k Gauss
 * rule; the circulant K̂ table; τ₀ cell masses; ½ E f_H².
 * Does not: the solver's FFT (solver/fftw.c), grids (solver/grid.c), 1-D forms (reduce.c).
 *
 * K̂ (M11) for d_H = 2: ⟨ω, ω′⟩ = cos θ cos θ′ cos(φ − φ′) + sin θ sin θ′ t, t ~ γ_k, so
 *   K̂(θ, θ′, Δ) = E_t κ̂(a + b t),  a = cos θ cos θ′ cos Δ,  b = sin θ sin θ′,
 * with the same SF_HEMI_NODES_T-node γ_k rule as the φ-form of kernel.c (κ̂ has (1 ∓ c)^{3/2}
 * branches only at c = ±1, reached at θ = θ′ = 0, Δ = 0 where b = 0: no t-average there).
 * The table holds Δ_l = 2πl/n_phi for l ≤ n_phi/2 and mirrors l ↦ n_phi − l, and each block
 * is filled for j ≤ i and mirrored: exactly symmetric, so the φ-modes of the operator are
 * real symmetric blocks (solver/formhemi.c).
 *
 * Ĝ (M12) for a polynomial target. With y = ⟨ω, x⟩ ~ N(0, 1) and a = ω_H = cos θ û,
 * the multivariate Hermite polynomials satisfy E[He_α(x_H) He_n(y)] = n! a^α [|α| = n], so
 *   E[He_α(x_H) σ(y)] = c_{|α|} a^α,  c_n = E[σ(y) He_n(y)]:
 *   c₀ = 1/√(2π), c₁ = ½, and for n ≥ 2, c_n = He_{n−2}(0)/√(2π) (integration by parts),
 * hence for f_H = Σ h_ij He_i(z₁) He_j(z₂):
 *   Ĝ(θ, φ) = Σ h_ij c_{i+j} cos^{i+j}θ cos^i φ sin^j φ,   ½ E f_H² = ½ Σ h_ij² i! j!.
 * Exact (no quadrature); derivatives in θ and φ by differentiating the monomials. Checked
 * against tensor Gauss–Hermite and GSL adaptive quadrature of (M12) and against Monte Carlo
 * in dimension d (tests/unit/reduction_hemi.c).
 * Expressions: h_ij = E[f He_i(z₁) He_j(z₂)]/(i! j!) for i + j ≤ SF_HEMI_DEG by a tensor
 * Gauss–Hermite rule of SF_HEMI_GH_NODES² nodes (f evaluated once per node), ½ E f² by the
 * same rule. Exact (to rounding) for polynomial f of degree ≤ SF_HEMI_DEG; otherwise the
 * series is truncated: its error is largest at θ = 0, where S(m, 0) = σ(m) has a kink
 * (measured in tests/unit/reduction_hemi.c). Input sphere: refused for expressions.
 * Input sphere (MATH §1): every table row is chosen so that its Hermite part of total degree
 * n is a homogeneous polynomial of degree n (x₁x₂ = He₁He₁, x₁² − x₂² = He₂ − He₂), so that
 * part's Ĝ is divided by E|x|^{n+1} and its ½E f² by E|x|^{2n}; parts of different degrees
 * in one row (staircase: 1 and 2) have odd degree sums, so their cross moments vanish.
 * Initial law (L3): τ₀(dθ dφ) = (k/2π) cos θ sin^{k−1}θ dθ dφ, whose θ-cdf is sin^k θ (the
 * d_H = 2 case of sf_tau0_cdf_theta, laws.c): cell masses are cdf differences / n_phi.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_integration.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

enum {
    SF_HEMI_DEG = 64,       /* highest total Hermite degree i + j: table rows use ≤ 2; an
                               expression's series is exact for polynomials of degree ≤ 64 and
                               truncated beyond: a function analytic in the strip |Im x| < τ
                               loses ~exp(−2τ√(2n)) (tanh(2x): τ = π/4, measured in
                               tests/unit/reduction_hemi.c) */
    SF_HEMI_NODES_T = 20,   /* γ_k Gauss nodes of K̂: kernel.c's SF_K_NODES_T for the φ-form,
                               whose integrand κ̂(a + bt) is the same function */
    SF_HEMI_GH_NODES = 96   /* Gauss–Hermite nodes per variable of an expression's moments:
                               exact for polynomial integrands of degree ≤ 191, i.e. the
                               coefficients of a polynomial f of degree ≤ 127 exactly */
};
enum { SF_HEMI_NC = SF_HEMI_DEG + 1 };
static const double SF_HEMI_GRID_RTOL =
    1e-12; /* θ-grid ends vs [0, π/2], relative (same rounding margin as reduce.c) */
static const double SF_HEMI_SYM_RTOL =
    1e-12; /* declared symmetry of an expression on the tensor nodes, × max|f| (target.c's margin) */

/* Hermite coefficients h[i][j] of f_H = Σ h_ij He_i(z₁) He_j(z₂), by row name (i, j ≤ 2). */
typedef struct {
    const char *name;
    double h[3][3];
} hemi_poly;

static const hemi_poly sf_hemi_polys[] = {
    {"xor", {{0, 0, 0}, {0, 1, 0}, {0, 0, 0}}},
    {"staircase", {{0, 0, 0}, {1, 1, 0}, {0, 0, 0}}},
    {"he2diff", {{0, 0, -1}, {0, 0, 0}, {1, 0, 0}}},
};
enum { SF_HEMI_N_POLYS = (int)(sizeof sf_hemi_polys / sizeof sf_hemi_polys[0]) };

struct sf_hemi {
    sf_kernel *radial;          /* radial targets: the θ-form evaluator of Ĝ (owned), else NULL */
    int deg;                    /* highest total degree i + j with h_ij ≠ 0 */
    double h[SF_HEMI_NC][SF_HEMI_NC]; /* h_ij × c_{i+j} (× the input law's scaling) */
    double K_scale;             /* 1 gaussian, 1/d sphere */
    sf_rule t;                  /* γ_k rule (owned) */
    double risk_const;          /* ½ E f_H² */
};

sf_status sf_reduce_uses_hemi(sf_ctx *ctx, const sf_case *c, int *yes)
{
    sf_status status = SF_OK;
    const sf_target_spec *row = NULL;
    *yes = 0;
    SF_TRY(ctx, sf_target_lookup(ctx, c, &row));
    *yes = c->problem.d_H == 2 &&
           (row->kind == SF_TARGET_PLANE || row->is_expr ||
            (row->kind == SF_TARGET_RADIAL && !c->problem.radial));
cleanup:
    return status;
}

static double factorial(int n)
{
    double v = 1.0;
    for (int i = 2; i <= n; i++) v *= i;
    return v;
}

/* c_n = E[σ(y) He_n(y)] (file comment), n ≤ 2 SF_HEMI_DEG. */
static double c_n(int n)
{
    const double r2pi = 1.0 / sqrt(2.0 * M_PI);
    if (n == 0) return r2pi;
    if (n == 1) return 0.5;
    const int m = n - 2; /* He_m(0) = (−1)^{m/2} (m − 1)!! for even m, 0 for odd m */
    if (m % 2) return 0.0;
    double v = 1.0;
    for (int k = m - 1; k > 1; k -= 2) v *= k;
    return (m / 2 % 2 ? -v : v) * r2pi;
}

/* An expression f(x1, x2) (problem.target: expression, d_H = 2): its Hermite coefficients
 * h_ij = E[f He_i He_j]/(i! j!), i + j ≤ SF_HEMI_DEG, and ½ E f², by tensor Gauss–Hermite;
 * the declared problem.symmetry verified on the (symmetric) nodes. */
static sf_status expr_coefficients(sf_ctx *ctx, const sf_case *c, sf_hemi *h)
{
    sf_status status = SF_OK;
    sf_expr *e = NULL;
    gsl_integration_fixed_workspace *w = NULL;
    double *fv = NULL, *he = NULL;
    static const char *const vars[2] = {"x1", "x2"};
    const char *where = sf_case_where(c, "problem.expression");
    const char *text = c->problem.expression;
    const size_t n = SF_HEMI_GH_NODES;
    SF_CHECK(ctx, text[0] != '\0', SF_E_RANGE,
             "%s: problem.expression = '': expected a formula of x1, x2 (problem.target = "
             "expression, d_H = 2)", where);
    SF_CHECK(ctx, c->problem.input == SF_INPUT_GAUSSIAN, SF_E_UNSUPPORTED,
             "%s: problem.input = sphere with a formula of (x1, x2): only the gaussian input is "
             "supported on the hemisphere for expressions", sf_case_where(c, "problem.input"));
    SF_TRY(ctx, sf_expr_create_vars(ctx, text, "problem.expression", where, vars, 2, &e));
    w = gsl_integration_fixed_alloc(gsl_integration_fixed_hermite, n, 0.0, 1.0, 0.0, 0.0);
    SF_CHECK(ctx, w != NULL, SF_E_NOMEM, "hemi.c: Gauss-Hermite rule of %zu nodes", n);
    const double *x = gsl_integration_fixed_nodes(w), *wt = gsl_integration_fixed_weights(w);
    SF_ALLOC(ctx, fv, n * n);
    SF_ALLOC(ctx, he, n * SF_HEMI_NC);
    double fbig = 0.0, r = 0.0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            const double z[2] = {M_SQRT2 * x[a], M_SQRT2 * x[b]};
            const double v = sf_expr_eval_vars(e, z);
            SF_CHECK(ctx, isfinite(v), SF_E_RANGE,
                     "%s: problem.expression = '%s': f(%.6g, %.6g) = %g: expected a finite value "
                     "at every Gauss-Hermite node", where, text, z[0], z[1], v);
            fv[a * n + b] = v;
            fbig = fmax(fbig, fabs(v));
            r += wt[a] * wt[b] * v * v;
        }
    h->risk_const = 0.5 * r / M_PI;
    if (c->problem.symmetry != SF_SYMMETRY_NONE) {
        const double sgn = c->problem.symmetry == SF_SYMMETRY_ODD ? 1.0 : -1.0;
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < n; b++) {
                const double dev = fabs(fv[a * n + b] + sgn * fv[(n - 1 - a) * n + (n - 1 - b)]);
                SF_CHECK(ctx, dev <= SF_HEMI_SYM_RTOL * fbig, SF_E_RANGE,
                         "%s: problem.symmetry = %s: f(x1, x2) = %s is not %s: f(%.3g, %.3g) = "
                         "%.6g but f(%.3g, %.3g) = %.6g", sf_case_where(c, "problem.symmetry"),
                         sf_name_of(&sf_symmetry_names, (int)c->problem.symmetry), text,
                         sf_name_of(&sf_symmetry_names, (int)c->problem.symmetry), M_SQRT2 * x[a],
                         M_SQRT2 * x[b], fv[a * n + b], -M_SQRT2 * x[a], -M_SQRT2 * x[b],
                         fv[(n - 1 - a) * n + (n - 1 - b)]);
            }
    }
    for (size_t a = 0; a < n; a++) { /* He_i(z_a), three-term recurrence */
        const double z = M_SQRT2 * x[a];
        he[a * SF_HEMI_NC] = 1.0;
        he[a * SF_HEMI_NC + 1] = z;
        for (int i = 1; i < SF_HEMI_DEG; i++)
            he[a * SF_HEMI_NC + i + 1] = z * he[a * SF_HEMI_NC + i] - i * he[a * SF_HEMI_NC + i - 1];
    }
    h->deg = 0;
    for (int i = 0; i <= SF_HEMI_DEG; i++)
        for (int j = 0; i + j <= SF_HEMI_DEG; j++) {
            double m = 0.0;
            for (size_t a = 0; a < n; a++) {
                double row = 0.0;
                for (size_t b = 0; b < n; b++) row += wt[b] * fv[a * n + b] * he[b * SF_HEMI_NC + j];
                m += wt[a] * he[a * SF_HEMI_NC + i] * row;
            }
            const double hij = m / M_PI / (factorial(i) * factorial(j));
            h->h[i][j] = hij * c_n(i + j);
            if (h->h[i][j] != 0.0 && i + j > h->deg) h->deg = i + j;
        }
cleanup:
    free(fv);
    free(he);
    if (w) gsl_integration_fixed_free(w);
    sf_expr_destroy(&e);
    return status;
}

sf_status sf_hemi_create(sf_ctx *ctx, const sf_case *c, sf_hemi **out)
{
    sf_status status = SF_OK;
    sf_hemi *h = NULL;
    const sf_target_spec *row = NULL;
    SF_CHECK(ctx, c && out, SF_E_ARG, "sf_hemi_create: NULL argument");
    *out = NULL;
    SF_TRY(ctx, sf_reduce_check_dims(ctx, c));
    SF_TRY(ctx, sf_target_lookup(ctx, c, &row));
    SF_CHECK(ctx, c->problem.d_H == 2 && (row->kind != SF_TARGET_LINE || row->is_expr),
             SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' with d_H = %ld: the hemisphere (MATH §4.8) takes d_H = 2 "
             "and a radial target or one of (x_1, x_2)",
             sf_case_where(c, "problem.d_H"), row->name, c->problem.d_H);
    SF_ALLOC(ctx, h, 1);
    const double d = (double)c->problem.d, k = d - 2.0;
    const int sphere = c->problem.input == SF_INPUT_SPHERE;
    h->K_scale = sphere ? 1.0 / d : 1.0;
    SF_TRY(ctx, sf_rule_gamma(ctx, k, SF_HEMI_NODES_T, &h->t));
    if (row->kind == SF_TARGET_RADIAL) {
        SF_TRY(ctx, sf_kernel_create(ctx, c, &h->radial));
        h->risk_const = sf_kernel_risk_const(h->radial);
    } else if (row->is_expr) {
        SF_TRY(ctx, expr_coefficients(ctx, c, h));
    } else {
        const hemi_poly *poly = NULL;
        for (int i = 0; i < SF_HEMI_N_POLYS; i++)
            if (!strcmp(sf_hemi_polys[i].name, row->name)) poly = &sf_hemi_polys[i];
        SF_CHECK(ctx, poly != NULL, SF_E_ARG, "hemi.c: target '%s' has no Hermite coefficients",
                 row->name);
        double r = 0.0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                const double hij = poly->h[i][j], m = hij * hij * factorial(i) * factorial(j);
                const double cn = c_n(i + j);
                h->h[i][j] = hij * (sphere ? cn / sf_gauss_norm_moment(d, i + j + 1.0) : cn);
                r += sphere ? m / sf_gauss_norm_moment(d, 2.0 * (i + j)) : m;
                if (hij != 0.0 && i + j > h->deg) h->deg = i + j;
            }
        h->risk_const = 0.5 * r;
    }
    *out = h;
    h = NULL;
cleanup:
    sf_hemi_destroy(&h);
    return status;
}

void sf_hemi_destroy(sf_hemi **h)
{
    if (!h || !*h) return;
    sf_kernel_destroy(&(*h)->radial);
    sf_rule_free(&(*h)->t);
    free(*h);
    *h = NULL;
}

double sf_hemi_risk_const(const sf_hemi *h) { return h->risk_const; }

/* (M11) from the cosines: a = cos θ cos θ′ cos Δ, b = sin θ sin θ′. */
static double hemi_K_ab(const sf_hemi *h, double a, double b)
{
    double s = 0.0;
    for (size_t q = 0; q < h->t.n; q++) s += h->t.w[q] * sf_kappa_hat(a + b * h->t.x[q]);
    return h->K_scale * s;
}

double sf_hemi_K(const sf_hemi *h, double th1, double th2, double dphi)
{
    return hemi_K_ab(h, cos(th1) * cos(th2) * cos(dphi), sin(th1) * sin(th2));
}

/* Ĝ = Σ h_ij c_{i+j} a₁^i a₂^j with a = cos θ (cos φ, sin φ) (M17), and its derivatives in
 * θ and φ when d_th is not NULL. */
static double poly_G(const sf_hemi *h, double th, double ph, double *d_th, double *d_ph)
{
    const double ct = cos(th), st = sin(th), cp = cos(ph), sp = sin(ph);
    const int deg = h->deg;
    double pc[SF_HEMI_NC + 1], ps[SF_HEMI_NC + 1], pt[SF_HEMI_NC + 1];
    pc[0] = ps[0] = pt[0] = 1.0;
    for (int i = 1; i <= deg; i++) {
        pc[i] = pc[i - 1] * cp;
        ps[i] = ps[i - 1] * sp;
        pt[i] = pt[i - 1] * ct;
    }
    double g = 0.0, gt = 0.0, gp = 0.0;
    for (int i = 0; i <= deg; i++)
        for (int j = 0; i + j <= deg; j++) {
            const double w = h->h[i][j];
            if (w == 0.0) continue;
            const int n = i + j;
            const double ang = pc[i] * ps[j];
            g += w * pt[n] * ang;
            if (!d_th) continue;
            const double dang = (i ? -i * pc[i - 1] * ps[j + 1] : 0.0) +
                                (j ? j * pc[i + 1] * ps[j - 1] : 0.0);
            gt += n ? -w * n * pt[n - 1] * st * ang : 0.0;
            gp += w * pt[n] * dang;
        }
    if (d_th) {
        *d_th = gt;
        *d_ph = gp;
    }
    return g;
}

double sf_hemi_G(const sf_hemi *h, double th, double ph)
{
    if (h->radial) return sf_kernel_G(h->radial, th);
    return poly_G(h, th, ph, NULL, NULL);
}

void sf_hemi_dG(const sf_hemi *h, double th, double ph, double *d_th, double *d_ph)
{
    if (h->radial) {
        *d_th = sf_kernel_dG(h->radial, th);
        *d_ph = 0.0;
        return;
    }
    poly_G(h, th, ph, d_th, d_ph);
}

void sf_hemi_problem_free(sf_hemi_problem *p)
{
    if (!p) return;
    free(p->K);
    free(p->G);
    free(p->tau0_plus);
    free(p->tau0_minus);
    memset(p, 0, sizeof *p);
}

sf_status sf_reduce_hemi(sf_ctx *ctx, const sf_case *c, const sf_grid1 *g, size_t n_phi,
                         const sf_table_progress *tp, sf_hemi_problem *p)
{
    sf_status status = SF_OK;
    sf_hemi *h = NULL;
    sf_hemi_problem out = {0};
    double *F = NULL, *ct = NULL, *st = NULL;
    SF_CHECK(ctx, c && g && p, SF_E_ARG, "sf_reduce_hemi: NULL argument");
    SF_CHECK(ctx, c->start.law == SF_START_BALANCED_SPHERE, SF_E_UNSUPPORTED,
             "%s: start.law = '%s': form lifted needs a balanced start (|a| = |b|)",
             sf_case_where(c, "start.law"), sf_name_of(&sf_start_names, (int)c->start.law));
    SF_CHECK(ctx, n_phi >= 4 && n_phi % 4 == 0, SF_E_ARG,
             "sf_reduce_hemi: %zu phi-cells: expected a multiple of 4, at least 4", n_phi);
    SF_CHECK(ctx, g->n >= 2 && fabs(g->edges[0]) <= SF_HEMI_GRID_RTOL * M_PI_2 &&
                     fabs(g->edges[g->n] - M_PI_2) <= SF_HEMI_GRID_RTOL * M_PI_2,
             SF_E_ARG, "sf_reduce_hemi: the theta-grid covers [%.17g, %.17g]: expected [0, pi/2]",
             g->edges[0], g->edges[g->n]);
    const size_t n = g->n;
    SF_CHECK(ctx, n <= SIZE_MAX / n / n_phi, SF_E_RANGE,
             "sf_reduce_hemi: %zu x %zu cells: the kernel table overflows", n, n_phi);
    SF_TRY(ctx, sf_hemi_create(ctx, c, &h));
    out.n_theta = n;
    out.n_phi = n_phi;
    SF_ALLOC(ctx, out.K, n_phi * n * n);
    SF_ALLOC(ctx, out.G, n * n_phi);
    SF_ALLOC(ctx, out.tau0_plus, n * n_phi);
    SF_ALLOC(ctx, out.tau0_minus, n * n_phi);
    SF_ALLOC(ctx, F, n + 1);
    SF_ALLOC(ctx, ct, n);
    SF_ALLOC(ctx, st, n);
    for (size_t i = 0; i < n; i++) {
        ct[i] = cos(g->centres[i]);
        st[i] = sin(g->centres[i]);
    }
    const double dphi = 2.0 * M_PI / (double)n_phi;
    const size_t half = n_phi / 2;
    int shown = -1; /* percent of the K̂ table last reported */
    /* K: l ≤ n_phi/2, j ≤ i, then mirrored (file comment) */
    for (size_t l = 0; l <= half; l++) {
        const double cl = cos((double)l * dphi);
        double *blk = out.K + l * n * n;
#pragma omp parallel for schedule(dynamic)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                double v = hemi_K_ab(h, ct[i] * ct[j] * cl, st[i] * st[j]);
                blk[i * n + j] = v;
                blk[j * n + i] = v;
            }
        const int pct = (int)(100.0 * (double)(l + 1) / (double)(half + 1));
        if (tp && tp->fn && pct > shown) { /* at most once per percent (reduction.h) */
            shown = pct;
            tp->fn(l == half ? 1.0 : (double)(l + 1) / (double)(half + 1), tp->user);
        }
    }
    for (size_t l = half + 1; l < n_phi; l++)
        memcpy(out.K + l * n * n, out.K + (n_phi - l) * n * n, n * n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < n_phi; q++)
            out.G[i * n_phi + q] = sf_hemi_G(h, g->centres[i], ((double)q + 0.5) * dphi);
    /* (L3): θ-cdf sin^k θ at the faces (exact ends), spread evenly over the φ-cells */
    const double k = (double)(c->problem.d - 2);
    for (size_t i = 0; i <= n; i++) {
        double t = i == 0 ? 0.0 : i == n ? M_PI_2 : g->edges[i];
        SF_TRY(ctx, sf_tau0_cdf_theta(ctx, 2.0, k, t, &F[i]));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < n_phi; q++) {
            double m = 0.5 * (F[i + 1] - F[i]) / (double)n_phi;
            out.tau0_plus[i * n_phi + q] = m;
            out.tau0_minus[i * n_phi + q] = m;
        }
    out.risk_const = h->risk_const;
    for (size_t i = 0; i < n * n_phi; i++)
        SF_CHECK(ctx, isfinite(out.G[i]), SF_E_NUMERIC,
                 "sf_reduce_hemi: non-finite G in cell %zu", i);
    *p = out;
    out = (sf_hemi_problem){0};
cleanup:
    free(F);
    free(ct);
    free(st);
    sf_hemi_problem_free(&out);
    sf_hemi_destroy(&h);
    return status;
}
