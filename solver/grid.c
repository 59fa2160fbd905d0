/* grid.c — one-dimensional finite-volume grids: uniform, smoothly refined toward the lower
 * end, stretched about an interior point, or a refined background blended with a cluster
 * (auto) (MATH.md §5: "non-uniform spacing allowed").
 *
 * refined:   x(ξ) = lo + (hi − lo)(e^{βξ} − 1)/(e^β − 1), ξ uniform on [0, 1], β = ln(ratio);
 *            the widest/narrowest width ratio is `ratio` up to O(1/n).
 * stretched: x(ξ) = c + w sinh(β(ξ − ξ₀)), the two-sided sinh map of boundary-layer grids,
 *            with c = centre, w = focus and β, ξ₀ fixed by x(0) = lo, x(1) = hi:
 *            β = asinh((hi − c)/w) + asinh((c − lo)/w), ξ₀ = asinh((c − lo)/w)/β.
 *            Width ≈ w β/n near c, ≈ β |x − c|/n far from it (geometric growth), so a box
 *            L wide costs only log(L/w) cells more; w ≫ hi − lo tends to the uniform grid.
 *            Symmetric about 0 (c = 0, lo = −hi) it is x = hi sinh(β'η)/sinh(β'), η ∈ [−1, 1].
 * auto:      a blend of two cell densities, ξ(x) = (1 − λ) ξ_r(x) + λ ξ_s(x): ξ_r the inverse
 *            of the refined map (widest/narrowest = `ratio`, 1: uniform), ξ_s the inverse of
 *            the stretched map about c = centre with w = focus (ξ_s ∝ asinh((x − c)/w)),
 *            λ = weight. A fraction λ of the cells clusters about c: cells ≈ w β/(λn) within
 *            w of c, ≈ |x − c| β/(λn) beyond (β = the asinh range), until the background's
 *            take over. Both densities have slowly varying widths (|h′| ≤ β/(λn) for the
 *            cluster: a Gaussian cluster would jump by ~L/(nw) between neighbours where it
 *            meets the background), so neighbours differ by 1 + O(1/n) with a constant
 *            log(L/w), not L/w. The faces solve ξ(x_i) = i/n by safeguarded Newton (ξ is
 *            smooth and strictly increasing) to a few ulps.
 * All maps are smooth, so widths vary smoothly (ratio of neighbours 1 + O(β/n)) and the
 * MUSCL scheme keeps its order on them.
 * Not here: anything that depends on what lives on the grid (form T chooses c and w from the
 * start law: solver/formt.c).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "symflow/grid.h"

enum { SF_GRID_NEWTON_MAX = 200 /* Newton/bisection steps per auto face: bisection alone
                                   reaches an ulp of [lo, hi] in ~60 */ };

sf_grid1_params sf_grid1_params_default(void)
{
    sf_grid1_params p = {.cells = 200, .lo = 0.0, .hi = 1.0, .spacing = SF_SPACING_UNIFORM,
                         .ratio = 1.0, .centre = 0.5, .focus = 1.0, .weight = 0.0};
    return p;
}

/* The blended map of `auto` (file comment): ξ(x) and dξ/dx. */
static void blend(const sf_grid1_params *p, double x, double *xi, double *dxi)
{
    const double len = p->hi - p->lo, t = (x - p->lo) / len, beta = log(p->ratio);
    double r = t, dr = 1.0;
    if (beta > 0.0) {
        const double e = expm1(beta);
        r = log1p(t * e) / beta;
        dr = e / (beta * (1.0 + t * e));
    }
    const double w = p->focus, alo = asinh((p->lo - p->centre) / w);
    const double norm = asinh((p->hi - p->centre) / w) - alo, z = (x - p->centre) / w;
    const double g = (asinh(z) - alo) / norm, dg = len / (w * sqrt(1.0 + z * z) * norm);
    *xi = (1.0 - p->weight) * r + p->weight * g;
    *dxi = ((1.0 - p->weight) * dr + p->weight * dg) / len;
}

/* Solve ξ(x) = target on [lo, hi]: Newton inside a shrinking bracket, bisection when Newton
 * leaves it. */
static double blend_face(const sf_grid1_params *p, double target)
{
    double a = p->lo, b = p->hi, x = p->lo + target * (p->hi - p->lo);
    for (int it = 0; it < SF_GRID_NEWTON_MAX; it++) {
        double f, df;
        blend(p, x, &f, &df);
        f -= target;
        if (f > 0.0) b = x; else a = x;
        double next = x - f / df;
        if (!(next > a && next < b)) next = 0.5 * (a + b);
        if (fabs(next - x) <= 4.0 * DBL_EPSILON * (p->hi - p->lo) || b - a <= 0.0) return next;
        x = next;
    }
    return x;
}

/* Face i of n for each spacing. The stretched argument β(ξ − ξ₀) is formed as
 * (sh·i − sl·(n − i))/n so that a grid symmetric about 0 has exactly antisymmetric faces
 * (the odd-target symmetry a ↦ −a, u ↦ −u then holds to the last bit). */
static double face(const sf_grid1_params *p, size_t i, size_t n)
{
    const double len = p->hi - p->lo, xi = (double)i / (double)n;
    if (p->spacing == SF_SPACING_REFINED) {
        const double beta = log(p->ratio);
        return p->lo + len * (beta > 0.0 ? expm1(beta * xi) / expm1(beta) : xi);
    }
    if (p->spacing == SF_SPACING_AUTO) return blend_face(p, xi);
    if (p->spacing == SF_SPACING_STRETCHED) {
        const double sl = asinh((p->centre - p->lo) / p->focus);
        const double sh = asinh((p->hi - p->centre) / p->focus);
        return p->centre + p->focus * sinh((sh * (double)i - sl * (double)(n - i)) / (double)n);
    }
    return p->lo + len * xi;
}

sf_status sf_grid1_create(sf_ctx *ctx, const sf_grid1_params *p, sf_grid1 *g)
{
    sf_status status = SF_OK;
    sf_grid1 out = {0};
    SF_CHECK(ctx, p && g, SF_E_ARG, "sf_grid1_create: NULL argument");
    SF_CHECK(ctx, p->cells >= 1, SF_E_RANGE, "grid: %zu cells: expected at least 1", p->cells);
    SF_CHECK(ctx, isfinite(p->lo) && isfinite(p->hi) && p->lo < p->hi, SF_E_RANGE,
             "grid: interval [%g, %g]: expected finite lo < hi", p->lo, p->hi);
    SF_CHECK(ctx, isfinite(p->ratio) && p->ratio >= 1.0, SF_E_RANGE,
             "grid.ratio = %g: expected a finite number ≥ 1", p->ratio);
    if (p->spacing == SF_SPACING_AUTO)
        SF_CHECK(ctx, isfinite(p->centre) && p->centre >= p->lo && p->centre <= p->hi &&
                          isfinite(p->focus) && p->focus > 0.0 && p->weight >= 0.0 &&
                          p->weight < 1.0, SF_E_RANGE,
                 "grid: auto spacing about %g of width %g, weight %g: expected a centre in "
                 "[%g, %g], a finite width > 0 and a weight in [0, 1)", p->centre, p->focus,
                 p->weight, p->lo, p->hi);
    if (p->spacing == SF_SPACING_STRETCHED) {
        SF_CHECK(ctx, isfinite(p->centre) && p->centre >= p->lo && p->centre <= p->hi, SF_E_RANGE,
                 "grid: stretched spacing about %g: expected a centre in [%g, %g]", p->centre,
                 p->lo, p->hi);
        SF_CHECK(ctx, isfinite(p->focus) && p->focus > 0.0, SF_E_RANGE,
                 "grid: stretched spacing of focus width %g: expected a finite width > 0",
                 p->focus);
    }
    out.n = p->cells;
    SF_ALLOC(ctx, out.edges, out.n + 1);
    SF_ALLOC(ctx, out.centres, out.n);
    SF_ALLOC(ctx, out.widths, out.n);
    for (size_t i = 0; i <= out.n; i++) out.edges[i] = face(p, i, out.n);
    out.edges[0] = p->lo; /* exact ends: the reflecting boundaries sit on them */
    out.edges[out.n] = p->hi;
    for (size_t i = 0; i < out.n; i++) {
        out.centres[i] = 0.5 * (out.edges[i] + out.edges[i + 1]);
        out.widths[i] = out.edges[i + 1] - out.edges[i];
    }
    *g = out;
    return SF_OK;
cleanup:
    sf_grid1_free(&out);
    return status;
}

void sf_grid1_free(sf_grid1 *g)
{
    if (!g) return;
    free(g->edges);
    free(g->centres);
    free(g->widths);
    *g = (sf_grid1){0};
}
