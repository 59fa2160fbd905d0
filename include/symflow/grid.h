/* grid.h — one-dimensional finite-volume grids (cell faces, centres, widths): uniform,
 * refined toward the lower end, or stretched about an interior point (MATH.md §5).
 *
 * A grid is geometry only: it knows nothing of kernels or densities. Index order: cell i
 * lies between faces i and i+1 (0-based, ascending). Implemented in solver/grid.c.
 */
#ifndef SYMFLOW_GRID_H
#define SYMFLOW_GRID_H

#include <stddef.h>

#include "symflow/numerics.h"
#include "symflow/status.h"

typedef struct {
    size_t n;        /* number of cells */
    double *edges;   /* n+1 faces, ascending (owned) */
    double *centres; /* n cell midpoints (owned) */
    double *widths;  /* n cell widths edges[i+1]-edges[i] (owned) */
} sf_grid1;

typedef struct {
    size_t cells;       /* number of cells, ≥ 1 */
    double lo, hi;      /* the interval [lo, hi], lo < hi */
    sf_spacing spacing; /* uniform, refined toward lo, or stretched about centre */
    double ratio;       /* refined: widest/narrowest cell (≥ 1); the map is smooth */
    double centre;      /* stretched: where the cells are finest, in [lo, hi] */
    double focus;       /* stretched: width w > 0 of the fine region: width ≈ w·β/n within
                           ±w of centre, growing like |x − centre| beyond (grid.c);
                           auto: the same w, of the cluster about centre */
    double weight;      /* auto: fraction of the cells in the cluster, in [0, 1) (grid.c) */
} sf_grid1_params;

sf_grid1_params sf_grid1_params_default(void);

/* Build the grid. *g receives owned arrays; release with sf_grid1_free. */
sf_status sf_grid1_create(sf_ctx *ctx, const sf_grid1_params *p, sf_grid1 *g);
/* Release the arrays and zero *g; accepts a zeroed grid. */
void sf_grid1_free(sf_grid1 *g);

#endif
