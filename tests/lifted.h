/* lifted.h — the form-L set-up the C tests share: case → reduced coordinate → uniform grid →
 * tables → discretisation → CVODE integrator at the initial state, and its teardown.
 * Test-only (header with static functions); the `symflow` command does the same in app/.
 */
#ifndef SYMFLOW_TESTS_LIFTED_H
#define SYMFLOW_TESTS_LIFTED_H

#include <stdlib.h>
#include <string.h>

#include "symflow/forml.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"

typedef struct {
    sf_coord_info coord;  /* the case's reduced coordinate */
    sf_grid1 g;           /* uniform grid on it */
    sf_lifted_problem p;  /* tables on the grid */
    sf_forml *f;          /* the discretisation */
    sf_ode *ode;          /* CVODE at t = 0 */
    double *y0, *y;       /* initial and current state (sf_forml_size values) */
} sf_test_lifted;

/* Set up case c (borrowed, must outlive *s) on `cells` uniform cells with the given scheme,
 * CVODE tolerances rtol/atol (adams, densities constrained ≥ 0); y = y0 = the start. */
static sf_status sf_test_lifted_setup(sf_ctx *ctx, const sf_case *c, size_t cells, sf_recon recon,
                                      double rtol, double atol, sf_test_lifted *s)
{
    sf_status status = SF_OK;
    memset(s, 0, sizeof *s);
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &s->coord));
    sf_grid1_params gp = sf_grid1_params_default();
    gp.cells = cells;
    gp.lo = s->coord.lo;
    gp.hi = s->coord.hi;
    SF_TRY(ctx, sf_grid1_create(ctx, &gp, &s->g));
    SF_TRY(ctx, sf_reduce_lifted(ctx, c, &s->g, &s->p));
    const sf_fv_scheme sch = {recon, SF_LIMITER_VANLEER};
    const sf_geometry geom = strcmp(s->coord.name, "theta") ? SF_GEOM_HALF_CIRCLE : SF_GEOM_RADIAL_THETA;
    SF_TRY(ctx, sf_forml_create(ctx, &s->g, &s->p, &sch, geom, &s->f));
    const size_t size = sf_forml_size(s->f);
    SF_ALLOC(ctx, s->y0, size);
    SF_ALLOC(ctx, s->y, size);
    sf_forml_initial(s->f, s->y0);
    memcpy(s->y, s->y0, size * sizeof *s->y);
    sf_ode_params op = sf_ode_params_default();
    op.rtol = rtol;
    op.atol = atol;
    op.nonneg_end = 2 * cells;
    SF_TRY(ctx, sf_ode_create(ctx, size, 0.0, s->y0, sf_forml_rhs, s->f, &op, &s->ode));
cleanup:
    return status;
}

static void sf_test_lifted_free(sf_test_lifted *s)
{
    sf_ode_destroy(&s->ode);
    sf_forml_destroy(&s->f);
    sf_lifted_problem_free(&s->p);
    sf_grid1_free(&s->g);
    free(s->y0);
    free(s->y);
    memset(s, 0, sizeof *s);
}

#endif
