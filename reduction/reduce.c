/* reduce.c — case → form-L reduced problem on a 1-D grid (MATH §4.1–4.3).
 *
 * Does: the reduced coordinate of a case (θ ∈ [0, π/2] for radial targets, φ ∈ [0, π] for
 * d_H = 1 targets), and the tables of form L on a grid: K̂ (M11) at cell centres, as the
 * factor B of (L8) (kfactor.c; solver.kernel: factored, the default) or the dense table, Ĝ (M12) at cell
 * centres, the balanced-sphere initial cell masses τ₀^± (L3) and ½ E f_H² (M14).
 * Does not: build grids (solver/grid.c), evaluate kernels (kernel.c), form T, time stepping.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

static const double SF_GRID_MATCH_RTOL =
    1e-12; /* grid ends vs the coordinate's [lo, hi], relative to hi − lo: a grid built as
              lo + (hi − lo)·x rounds its ends by a few ulps (~10⁻¹⁵), far below this */
sf_status sf_reduce_coord(sf_ctx *ctx, const sf_case *c, sf_coord_info *info)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    SF_CHECK(ctx, c != NULL && info != NULL, SF_E_ARG, "sf_reduce_coord: NULL argument");
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k));
    *info = k->coord;
cleanup:
    sf_kernel_destroy(&k);
    return status;
}

void sf_lifted_problem_free(sf_lifted_problem *p)
{
    if (!p) return;
    free(p->K);
    free(p->G);
    free(p->tau0_plus);
    free(p->tau0_minus);
    free(p->B);
    p->n = 0;
    p->K = p->G = p->tau0_plus = p->tau0_minus = p->B = NULL;
    p->rank = 0;
    p->risk_const = 0.0;
    p->kernel_note[0] = '\0';
}

/* The grid must partition exactly the coordinate's interval. */
static sf_status check_grid(sf_ctx *ctx, const sf_grid1 *g, const sf_coord_info *info)
{
    sf_status status = SF_OK;
    const sf_coord *x = sf_coord_get(info->id);
    double tol = SF_GRID_MATCH_RTOL * (x->hi - x->lo);
    SF_CHECK(ctx, g->n >= 1 && g->edges && g->centres, SF_E_ARG,
             "sf_reduce_lifted: grid has %zu cells: expected at least 1", g->n);
    SF_CHECK(ctx, fabs(g->edges[0] - x->lo) <= tol && fabs(g->edges[g->n] - x->hi) <= tol,
             SF_E_ARG,
             "sf_reduce_lifted: grid covers [%.17g, %.17g]: expected %s ∈ [%.17g, %.17g] (%s)",
             g->edges[0], g->edges[g->n], x->name, x->lo, x->hi, x->units);
    for (size_t i = 0; i < g->n; i++)
        SF_CHECK(ctx, g->edges[i] < g->edges[i + 1], SF_E_ARG,
                 "sf_reduce_lifted: grid edges %zu and %zu are %.17g ≥ %.17g: expected ascending",
                 i, i + 1, g->edges[i], g->edges[i + 1]);
cleanup:
    return status;
}

sf_status sf_reduce_lifted(sf_ctx *ctx, const sf_case *c, const sf_grid1 *g, sf_lifted_problem *p)
{
    return sf_reduce_lifted_progress(ctx, c, g, NULL, p);
}

/* (M11), (M12), (L3), (M14) */
sf_status sf_reduce_lifted_progress(sf_ctx *ctx, const sf_case *c, const sf_grid1 *g,
                                    const sf_table_progress *tp, sf_lifted_problem *p)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    sf_lifted_problem out = {0};
    sf_kfactor kf = {0};
    double *F = NULL, *work = NULL;

    SF_CHECK(ctx, c != NULL && g != NULL && p != NULL, SF_E_ARG,
             "sf_reduce_lifted: NULL argument");
    SF_CHECK(ctx, c->start.law == SF_START_BALANCED_SPHERE, SF_E_UNSUPPORTED,
             "%s: start.law = '%s': form lifted needs a balanced start (|a| = |b|); use form: "
             "transport or form: hyperbolic",
             sf_case_where(c, "start.law"), sf_name_of(&sf_start_names, (int)c->start.law));
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k));
    SF_TRY(ctx, check_grid(ctx, g, &k->coord));

    size_t n = g->n;
    out.n = n;
    SF_ALLOC(ctx, out.G, n);
    SF_ALLOC(ctx, out.tau0_plus, n);
    SF_ALLOC(ctx, out.tau0_minus, n);
    SF_ALLOC(ctx, F, n + 1);

    /* (L8): the factored operator when it converges to solver.kernel_tol and passes its
     * a-posteriori check; otherwise (or with solver.kernel: dense) the dense table */
    if (c->solver.kernel == SF_KERNEL_FACTORED) {
        const sf_coord *x = sf_coord_get(k->coord.id);
        const double tol = c->solver.kernel_tol;
        SF_TRY(ctx, sf_kfactor_build(ctx, k, x->lo, x->hi, tol, &kf));
        const int pays = 2 * kf.rank < n; /* two n × r products cost less than one n × n */
        const int good = sf_kfactor_good(&kf, tol);
        if (good && pays) {
            SF_ALLOC(ctx, out.B, n * kf.rank);
            SF_ALLOC(ctx, work, kf.p);
            sf_kfactor_eval(&kf, n, g->centres, out.B, work);
            out.rank = kf.rank;
            snprintf(out.kernel_note, sizeof out.kernel_note,
                     "factored (L8): Chebyshev %zu x %zu, rank %zu at tol %.3g (tail %.2e, "
                     "a-posteriori error %.2e)", kf.p, kf.p, kf.rank, tol, kf.tail, kf.check);
        } else if (good) {
            snprintf(out.kernel_note, sizeof out.kernel_note,
                     "dense: %zu cells, fewer than twice the factor's rank %zu", n, kf.rank);
        } else {
            snprintf(out.kernel_note, sizeof out.kernel_note,
                     "dense: the factor missed tol %.3g (Chebyshev %zu x %zu, tail %.2e, "
                     "a-posteriori error %.2e)", tol, kf.p, kf.p, kf.tail, kf.check);
        }
        if (tp && tp->fn) tp->fn(1.0, tp->user);
    }
    if (!out.B) {
        SF_CHECK(ctx, c->solver.kernel == SF_KERNEL_DENSE || n <= SF_KERNEL_DENSE_FALLBACK_MAX,
                 SF_E_NUMERIC, "%s: kernel %s; the dense table of %zu cells would take %zu² "
                 "doubles: set solver.kernel: dense to accept that, or loosen solver.kernel_tol",
                 sf_case_where(c, "solver.kernel"), out.kernel_note, n, n);
        SF_CHECK(ctx, n <= SIZE_MAX / n, SF_E_RANGE,
                 "sf_reduce_lifted: %zu cells: the %zu×%zu kernel table overflows", n, n, n);
        SF_ALLOC(ctx, out.K, n * n);
        sf_kernel_tabulate_K(k, n, g->centres, out.K, tp);
        if (!out.kernel_note[0]) snprintf(out.kernel_note, sizeof out.kernel_note, "dense");
    }
    int g_interp = 0;
    double g_check = NAN;
    if (c->solver.kernel == SF_KERNEL_FACTORED && out.B) {
        /* Ĝ too from a Chebyshev interpolant when it converges: p ≤ 256 evaluations instead
         * of n (the direct Ĝ was 22 % of paper-norm's instructions) */
        const sf_coord *x = sf_coord_get(k->coord.id);
        SF_TRY(ctx, sf_kfactor_G(ctx, k, x->lo, x->hi, c->solver.kernel_tol, SF_KF_CHECK_FACTOR,
                                 n, g->centres, out.G, &g_interp, &g_check));
        const size_t len = strlen(out.kernel_note);
        if (g_interp)
            snprintf(out.kernel_note + len, sizeof out.kernel_note - len,
                     "; G interpolated (a-posteriori error %.2e)", g_check);
        else
            snprintf(out.kernel_note + len, sizeof out.kernel_note - len, "; G direct");
    }
    for (size_t i = 0; !g_interp && i < n; i++) out.G[i] = sf_kernel_G(k, g->centres[i]);

    /* (L3): τ^± = ½ τ₀, cell masses as differences of the cdf at the faces; the end faces
     * are the exact interval ends so the masses telescope to ½ each. */
    double d = (double)c->problem.d, dH = (double)c->problem.d_H;
    for (size_t i = 0; i <= n; i++) {
        double t = (i == 0) ? sf_coord_get(k->coord.id)->lo : (i == n) ? sf_coord_get(k->coord.id)->hi : g->edges[i];
        if (k->theta)
            SF_TRY(ctx, sf_tau0_cdf_theta(ctx, dH, d - dH, t, &F[i]));
        else
            SF_TRY(ctx, sf_tau0_cdf_phi(ctx, d, t, &F[i]));
    }
    for (size_t i = 0; i < n; i++) {
        double m = 0.5 * (F[i + 1] - F[i]);
        out.tau0_plus[i] = m;
        out.tau0_minus[i] = m;
    }
    out.risk_const = k->risk_const;
    for (size_t i = 0; i < n; i++)
        SF_CHECK(ctx, isfinite(out.G[i]) && (out.K ? isfinite(out.K[i * n + i])
                                                   : isfinite(out.B[i * out.rank])), SF_E_NUMERIC,
                 "sf_reduce_lifted: non-finite kernel at %s = %.17g (cell %zu)", sf_coord_get(k->coord.id)->name,
                 g->centres[i], i);
    *p = out;
    out = (sf_lifted_problem){0};

cleanup:
    free(F);
    free(work);
    sf_kfactor_free(&kf);
    sf_lifted_problem_free(&out);
    sf_kernel_destroy(&k);
    return status;
}
