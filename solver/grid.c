/* grid.c — one-dimensional finite-volume grids: uniform, or smoothly refined toward the
 * lower end (MATH.md §5: "non-uniform spacing allowed, refined near θ = 0").
 *
 * The refined map x(ξ) = lo + (hi − lo)(e^{βξ} − 1)/(e^β − 1), ξ uniform on [0, 1], with
 * β = ln(ratio), is smooth, so cell widths vary smoothly and the MUSCL scheme keeps its
 * order; the widest/narrowest width ratio is `ratio` up to O(1/n).
 * Not here: anything that depends on what lives on the grid.
 */
#include <math.h>
#include <stdlib.h>

#include "symflow/grid.h"

sf_grid1_params sf_grid1_params_default(void)
{
    sf_grid1_params p = {.cells = 200, .lo = 0.0, .hi = 1.0, .spacing = SF_SPACING_UNIFORM, .ratio = 1.0};
    return p;
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
    out.n = p->cells;
    SF_ALLOC(ctx, out.edges, out.n + 1);
    SF_ALLOC(ctx, out.centres, out.n);
    SF_ALLOC(ctx, out.widths, out.n);
    const double beta = p->spacing == SF_SPACING_REFINED ? log(p->ratio) : 0.0;
    for (size_t i = 0; i <= out.n; i++) {
        double xi = (double)i / (double)out.n;
        double s = beta > 0.0 ? expm1(beta * xi) / expm1(beta) : xi;
        out.edges[i] = p->lo + (p->hi - p->lo) * s;
    }
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
