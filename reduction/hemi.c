/* hemi.c — the reduced problem of form L on the hemisphere, d_H = 2 (MATH §4.8): K̂ (M11)
 * and Ĝ (M12) as functions of (θ, φ), their tables on a θ-grid × a uniform periodic φ-grid,
 * and the initial cell masses (L3).
 *
 * Does: the targets of (x₁, x₂) of the target table (xor = x₁x₂, staircase = x₁ + x₁x₂,
 * he2diff = x₁² − x₂²) through their Hermite coefficients; radial targets (problem.radial:
 * false) through the θ-form's Ĝ (kernel.c), which does not depend on φ; K̂ by the γ_k Gauss
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

#include "reduction_internal.h"
#include "symflow/reduction.h"

enum {
    SF_HEMI_DEG = 3,      /* highest Hermite degree per variable of a table row */
    SF_HEMI_NODES_T = 20  /* γ_k Gauss nodes of K̂: kernel.c's SF_K_NODES_T for the φ-form,
                             whose integrand κ̂(a + bt) is the same function */
};
static const double SF_HEMI_GRID_RTOL =
    1e-12; /* θ-grid ends vs [0, π/2], relative (same rounding margin as reduce.c) */

/* Hermite coefficients h[i][j] of f_H = Σ h_ij He_i(z₁) He_j(z₂), by row name. */
typedef struct {
    const char *name;
    double h[SF_HEMI_DEG + 1][SF_HEMI_DEG + 1];
} hemi_poly;

static const hemi_poly sf_hemi_polys[] = {
    {"xor", {{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}},
    {"staircase", {{0, 0, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}},
    {"he2diff", {{0, 0, -1, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}}},
};
enum { SF_HEMI_N_POLYS = (int)(sizeof sf_hemi_polys / sizeof sf_hemi_polys[0]) };

struct sf_hemi {
    sf_kernel *radial;     /* radial targets: the θ-form evaluator of Ĝ (owned), else NULL */
    const hemi_poly *poly; /* polynomial targets: the row (static) */
    double cn[2 * SF_HEMI_DEG + 1]; /* c_n × the input law's degree-n scaling */
    double K_scale;        /* 1 gaussian, 1/d sphere */
    sf_rule t;             /* γ_k rule (owned) */
    double risk_const;     /* ½ E f_H² */
};

sf_status sf_reduce_uses_hemi(sf_ctx *ctx, const sf_case *c, int *yes)
{
    sf_status status = SF_OK;
    const sf_target_spec *row = NULL;
    *yes = 0;
    SF_TRY(ctx, sf_target_lookup(ctx, c, &row));
    *yes = c->problem.d_H == 2 &&
           (row->kind == SF_TARGET_PLANE || (row->kind == SF_TARGET_RADIAL && !c->problem.radial));
cleanup:
    return status;
}

static double factorial(int n)
{
    double v = 1.0;
    for (int i = 2; i <= n; i++) v *= i;
    return v;
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
    SF_CHECK(ctx, c->problem.d_H == 2 && row->kind != SF_TARGET_LINE, SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' with d_H = %ld: the hemisphere (MATH §4.8) takes d_H = 2 "
             "and a radial target or one of (x_1, x_2)",
             sf_case_where(c, "problem.target"), row->name, c->problem.d_H);
    SF_ALLOC(ctx, h, 1);
    const double d = (double)c->problem.d, k = d - 2.0;
    const int sphere = c->problem.input == SF_INPUT_SPHERE;
    h->K_scale = sphere ? 1.0 / d : 1.0;
    SF_TRY(ctx, sf_rule_gamma(ctx, k, SF_HEMI_NODES_T, &h->t));
    if (row->kind == SF_TARGET_RADIAL) {
        SF_TRY(ctx, sf_kernel_create(ctx, c, &h->radial));
        h->risk_const = sf_kernel_risk_const(h->radial);
    } else {
        for (int i = 0; i < SF_HEMI_N_POLYS; i++)
            if (!strcmp(sf_hemi_polys[i].name, row->name)) h->poly = &sf_hemi_polys[i];
        SF_CHECK(ctx, h->poly != NULL, SF_E_ARG,
                 "hemi.c: target '%s' has no Hermite coefficients", row->name);
        const double r2pi = 1.0 / sqrt(2.0 * M_PI);
        const double he0[2 * SF_HEMI_DEG + 1] = {1, 0, -1, 0, 3, 0, -15}; /* He_m(0) */
        for (int n = 0; n <= 2 * SF_HEMI_DEG; n++) {
            double cn = n == 0 ? r2pi : n == 1 ? 0.5 : he0[n - 2] * r2pi;
            h->cn[n] = sphere ? cn / sf_gauss_norm_moment(d, n + 1.0) : cn;
        }
        double r = 0.0;
        for (int i = 0; i <= SF_HEMI_DEG; i++)
            for (int j = 0; j <= SF_HEMI_DEG; j++) {
                double hij = h->poly->h[i][j], m = hij * hij * factorial(i) * factorial(j);
                r += sphere ? m / sf_gauss_norm_moment(d, 2.0 * (i + j)) : m;
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

/* x^n with x^0 = 1 (also for x = 0) */
static double ipow(double x, int n)
{
    double v = 1.0;
    for (int i = 0; i < n; i++) v *= x;
    return v;
}

double sf_hemi_G(const sf_hemi *h, double th, double ph)
{
    if (h->radial) return sf_kernel_G(h->radial, th);
    const double ct = cos(th), cp = cos(ph), sp = sin(ph);
    double g = 0.0;
    for (int i = 0; i <= SF_HEMI_DEG; i++)
        for (int j = 0; j <= SF_HEMI_DEG; j++) {
            const double hij = h->poly->h[i][j];
            if (hij != 0.0) g += hij * h->cn[i + j] * ipow(ct, i + j) * ipow(cp, i) * ipow(sp, j);
        }
    return g;
}

void sf_hemi_dG(const sf_hemi *h, double th, double ph, double *d_th, double *d_ph)
{
    if (h->radial) {
        *d_th = sf_kernel_dG(h->radial, th);
        *d_ph = 0.0;
        return;
    }
    const double ct = cos(th), st = sin(th), cp = cos(ph), sp = sin(ph);
    double gt = 0.0, gp = 0.0;
    for (int i = 0; i <= SF_HEMI_DEG; i++)
        for (int j = 0; j <= SF_HEMI_DEG; j++) {
            const double hij = h->poly->h[i][j];
            if (hij == 0.0) continue;
            const int n = i + j;
            const double w = hij * h->cn[n];
            const double ang = ipow(cp, i) * ipow(sp, j);
            const double dang = (i ? -i * ipow(cp, i - 1) * ipow(sp, j + 1) : 0.0) +
                                (j ? j * ipow(cp, i + 1) * ipow(sp, j - 1) : 0.0);
            gt += n ? w * n * ipow(ct, n - 1) * (-st) * ang : 0.0;
            gp += w * ipow(ct, n) * dang;
        }
    *d_th = gt;
    *d_ph = gp;
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
        if (tp && tp->fn) tp->fn((double)(l + 1) / (double)(half + 1), tp->user);
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
