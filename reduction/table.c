/* table.c — pointwise kernel tables for the particle simulators (sf_kernel_table of
 * reduced.h): Ĝ, ∂Ĝ and optionally K̂, ∂_x K̂ (M11, M12) on uniform nodes of the reduced
 * coordinate — or, for the reduced particles of a factored case, K̂ and Ĝ as the Chebyshev
 * series of (L8) (kfactor.c's sf_kfactor_chebk, the builder form characteristics uses) with
 * the K̂ table only as the fallback when they miss solver.kernel_tol — and the closed-form
 * minimiser mass of (L4) for cases that have one.
 * Also the pointwise target f_H(x_H) for the SGD particle loop (table rows: borrowed from the
 * static table; expressions: an opened target owned by the caller until released).
 * Not here: the quadratures themselves (kernel.c, target.c), interpolation (the reader's).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

/* Ĝ(θ, φ) of the hemisphere (user = an sf_hemi), for sf_kernel_table.G2 (M18). */
static double table_hemi_G(const void *user, double th, double ph, double *d_th, double *d_ph)
{
    if (d_th) sf_hemi_dG(user, th, ph, d_th, d_ph);
    return sf_hemi_G(user, th, ph);
}

static void table_hemi_free(void *user)
{
    sf_hemi *h = user;
    sf_hemi_destroy(&h);
}

/* The d_H = 2 table of a target of (x₁, x₂) (M18): Ĝ pointwise from hemi.c, the θ-law
 * of τ₀ (cdf sin^k θ, L3) on n nodes of [0, π/2]; no K̂ (the reduced particles on the
 * hemisphere are not implemented: refused). */
static sf_status table_hemi(sf_ctx *ctx, const sf_case *c, size_t n, int with_K,
                            sf_kernel_table *t)
{
    sf_status status = SF_OK;
    sf_kernel_table out = {0};
    sf_hemi *h = NULL;
    SF_CHECK(ctx, !with_K, SF_E_UNSUPPORTED,
             "%s: particles.method = reduced with problem.target = '%s' (d_H = 2, a function of "
             "(x_1, x_2)): the reduced particles take 1-D kernel tables; use cvode or euler "
             "(full width)", sf_case_where(c, "particles.method"), c->problem.target);
    SF_TRY(ctx, sf_hemi_create(ctx, c, &h));
    out.n = n;
    out.lo = 0.0;
    out.hi = 0.5 * M_PI;
    out.coord = SF_COORD_AZIMUTH;
    out.kappa_scale = c->problem.input == SF_INPUT_SPHERE ? 1.0 / (double)c->problem.d : 1.0;
    out.risk_const = sf_hemi_risk_const(h);
    out.G2 = table_hemi_G;
    out.G2_free = table_hemi_free;
    out.G2_user = h;
    h = NULL;
    SF_ALLOC(ctx, out.cdf0, n);
    SF_ALLOC(ctx, out.pdf0, n);
    const double k = (double)c->problem.d - 2.0, step = (out.hi - out.lo) / (double)(n - 1);
    for (size_t i = 0; i < n; i++) {
        const double x = out.lo + step * (double)i, s = sin(x);
        out.cdf0[i] = pow(s, k);                            /* sin^k θ */
        out.pdf0[i] = k * pow(s, k - 1.0) * cos(x);         /* its derivative */
    }
    *t = out;
    out = (sf_kernel_table){0};
cleanup:
    sf_hemi_destroy(&h);
    sf_kernel_table_free(&out);
    return status;
}

sf_status sf_reduce_table(sf_ctx *ctx, const sf_case *c, size_t n, int with_K, sf_kernel_table *t)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    sf_kernel_table out = {0};
    SF_CHECK(ctx, c && t && n >= 2, SF_E_ARG, "sf_reduce_table: need a case and ≥ 2 nodes");
    {
        /* targets of (x₁, x₂) with d_H = 2: the hemisphere's Ĝ(θ, φ); radial targets keep
           the θ-table (exact for them whatever problem.radial says) */
        int hemi = 0;
        const sf_target_spec *row = NULL;
        SF_TRY(ctx, sf_reduce_uses_hemi(ctx, c, &hemi));
        SF_TRY(ctx, sf_target_lookup(ctx, c, &row));
        if (hemi && row->kind != SF_TARGET_RADIAL) return table_hemi(ctx, c, n, with_K, t);
    }
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k));
    const sf_coord_info info = sf_kernel_coord(k);
    out.n = n;
    out.lo = sf_coord_get(info.id)->lo;
    out.hi = sf_coord_get(info.id)->hi;
    out.coord = info.id;
    out.kappa_scale = c->problem.input == SF_INPUT_SPHERE ? 1.0 / (double)c->problem.d : 1.0;
    out.risk_const = sf_kernel_risk_const(k);
    SF_ALLOC(ctx, out.G, n);
    SF_ALLOC(ctx, out.dG, n);
    const double h = (out.hi - out.lo) / (double)(n - 1);
    for (size_t i = 0; i < n; i++) {
        double x = out.lo + h * (double)i;
        out.G[i] = sf_kernel_G(k, x);
        out.dG[i] = sf_kernel_dG(k, x);
    }
    /* (L3): the law of the coordinate of a uniform direction, CDF and density */
    SF_ALLOC(ctx, out.cdf0, n);
    SF_ALLOC(ctx, out.pdf0, n);
    const double d = (double)c->problem.d, dH = (double)c->problem.d_H, kk = d - dH;
    for (size_t i = 0; i < n; i++) {
        double x = out.lo + h * (double)i;
        if (out.coord == SF_COORD_THETA) {
            /* 2 cos^{d_H−1}θ sin^{k−1}θ / B(d_H/2, k/2) */
            SF_TRY(ctx, sf_tau0_cdf_theta(ctx, dH, kk, x, &out.cdf0[i]));
            /* log B(d_H/2, k/2) = lgamma(small) − log Γ(small + large)/Γ(large) */
            double lb = lgamma(0.5 * fmin(dH, kk)) - sf_lgamma_ratio(0.5 * fmax(dH, kk), 0.5 * fmin(dH, kk));
            double cs = cos(x), sn = sin(x);
            out.pdf0[i] = (cs > 0.0 && sn > 0.0)
                              ? 2.0 * exp((dH - 1.0) * log(cs) + (kk - 1.0) * log(sn) - lb)
                              : (((dH == 1.0 && sn == 0.0) || (kk == 1.0 && cs <= 0.0))
                                     ? 2.0 * exp(-lb) : 0.0);
        } else {
            /* φ of a uniform direction: u = cos φ ~ γ_d, density sin^{d−2}φ / B(½, (d−1)/2) */
            SF_TRY(ctx, sf_tau0_cdf_phi(ctx, d, x, &out.cdf0[i]));
            double lb = lgamma(0.5) - sf_lgamma_ratio(0.5 * (d - 1.0), 0.5);
            double sn = sin(x);
            out.pdf0[i] = sn > 0.0 ? exp((d - 2.0) * log(sn) - lb) : (d == 2.0 ? exp(-lb) : 0.0);
        }
    }
    if (with_K == SF_TABLE_K_CHEB && c->solver.kernel == SF_KERNEL_FACTORED)
        SF_TRY(ctx, sf_kfactor_chebk(ctx, k, out.lo, out.hi, c->solver.kernel_tol, &out.cheb));
    if (with_K && !out.cheb.p) { /* SF_TABLE_K, or the series missed tol: the table */
        SF_ALLOC(ctx, out.K, n * n);
        SF_ALLOC(ctx, out.dK, n * n);
        for (size_t i = 0; i < n; i++) {
            double x = out.lo + h * (double)i;
            for (size_t j = 0; j < n; j++) {
                double y = out.lo + h * (double)j;
                /* K̂ is symmetric (M11): compute each pair once */
                out.K[i * n + j] = j < i ? out.K[j * n + i] : sf_kernel_K(k, x, y);
                out.dK[i * n + j] = sf_kernel_dK(k, x, y);
            }
        }
    }
    *t = out;
    out = (sf_kernel_table){0};
cleanup:
    sf_kernel_table_free(&out);
    sf_kernel_destroy(&k);
    return status;
}

void sf_kernel_table_free(sf_kernel_table *t)
{
    if (!t) return;
    free(t->G);
    free(t->dG);
    free(t->K);
    free(t->dK);
    free(t->cdf0);
    free(t->pdf0);
    free(t->cheb.A);
    free(t->cheb.g);
    if (t->G2_free && t->G2_user) t->G2_free(t->G2_user);
    *t = (sf_kernel_table){0};
}

double sf_reduce_minimiser_mass(const sf_case *c)
{
    /* (L4): for f* = |x_H| the minimiser is α·(uniform on the sphere of H); for the sphere
     * input both K̂ and Ĝ scale by 1/d (κ_sphere = κ/d, E|x|^{p+1} = d for p = 1), so α is
     * the same. */
    if (!strcmp(c->problem.target, "norm")) return sf_minimiser_mass(c->problem.d_H);
    return NAN;
}

/* f_H(x_H) for a table row (user = the sf_target_spec): |x_H|^p (radial) or the piecewise
 * polynomial of x₁ (line targets). */
static double target_eval(const double *x_H, size_t d_H, void *user)
{
    const sf_target_spec *t = user;
    if (t->kind == SF_TARGET_RADIAL) {
        double q = 0.0;
        for (size_t i = 0; i < d_H; i++) q += x_H[i] * x_H[i];
        return pow(q, 0.5 * t->p);
    }
    const double x = x_H[0], *coef = x >= 0.0 ? t->pos : t->neg;
    double v = 0.0;
    for (int j = SF_TARGET_MAXDEG; j >= 0; j--) v = v * x + coef[j];
    return v;
}

/* f(x₁) of an expression target (user = an opened sf_target, owned by the caller of
 * sf_reduce_target_fn until sf_reduce_target_fn_release). */
static double target_eval_expr(const double *x_H, size_t d_H, void *user)
{
    (void)d_H; /* expressions are functions of x₁ (d_H = 1, checked at open) */
    return sf_target_f(user, x_H[0]);
}

sf_status sf_reduce_target_fn(sf_ctx *ctx, const sf_case *c, sf_target_fn *fn, void **user)
{
    sf_status status = SF_OK;
    const sf_target_spec *t = NULL;
    sf_target *open = NULL;
    SF_CHECK(ctx, c && fn && user, SF_E_ARG, "sf_reduce_target_fn: NULL argument");
    SF_TRY(ctx, sf_target_lookup(ctx, c, &t));
    SF_CHECK(ctx, t->kind != SF_TARGET_PLANE && !(t->is_expr && c->problem.d_H == 2),
             SF_E_UNSUPPORTED,
             "%s: particles.method = sgd with problem.target = '%s' (a function of (x_1, x_2)): "
             "the pointwise target takes functions of x_1 or |x_H|; use cvode or euler",
             sf_case_where(c, "particles.method"), c->problem.target);
    if (t->is_expr) {
        SF_ALLOC(ctx, open, 1);
        SF_TRY(ctx, sf_target_open(ctx, c, open));
        *fn = target_eval_expr;
        *user = open;
        open = NULL;
        goto cleanup;
    }
    *fn = target_eval;
    *user = (void *)t;
cleanup:
    if (open) sf_target_close(open);
    free(open);
    return status;
}

void sf_reduce_target_fn_release(sf_target_fn fn, void **user)
{
    if (!user || !*user) return;
    if (fn == target_eval_expr) {
        sf_target_close(*user);
        free(*user);
    }
    *user = NULL;
}
