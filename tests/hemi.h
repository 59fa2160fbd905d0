/* hemi.h — the d_H = 2 hemisphere set-up the C tests share: a case's tables on n_θ uniform
 * θ-cells × n_φ φ-cells (reduction/hemi.c), form L on them (solver/formhemi.c) with a chosen
 * kernel application, and CVODE (adams) at the start. Test-only (static functions).
 */
#ifndef SYMFLOW_TESTS_HEMI_H
#define SYMFLOW_TESTS_HEMI_H

#include <stdlib.h>
#include <string.h>

#include "symflow/formhemi.h"
#include "symflow/grid.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"

typedef struct {
    sf_grid1 g;          /* θ-grid (owned) */
    sf_hemi_problem p;   /* tables (owned) */
    sf_formhemi *f;      /* form (owned) */
    sf_ode *ode;         /* CVODE at t = 0 (owned) */
    double *y0, *y;      /* initial and current state (owned) */
    size_t size;         /* state length */
} sf_test_hemi;

static sf_status sf_test_hemi_setup(sf_ctx *ctx, const sf_case *c, size_t n_theta, size_t n_phi,
                                    sf_recon recon, sf_hemi_apply apply, double rtol, double atol,
                                    sf_test_hemi *s)
{
    sf_status status = SF_OK;
    memset(s, 0, sizeof *s);
    const sf_grid1_params gp = {.cells = n_theta, .lo = 0.0, .hi = M_PI / 2, .spacing =
                                SF_SPACING_UNIFORM, .ratio = 1.0, .centre = 0.0, .focus = M_PI / 2};
    const sf_fv_scheme sch = {recon, SF_LIMITER_VANLEER};
    SF_TRY(ctx, sf_grid1_create(ctx, &gp, &s->g));
    SF_TRY(ctx, sf_reduce_hemi(ctx, c, &s->g, n_phi, NULL, &s->p));
    SF_TRY(ctx, sf_formhemi_create(ctx, &s->g, &s->p, &sch, apply, &s->f));
    s->size = sf_formhemi_size(s->f);
    SF_ALLOC(ctx, s->y0, s->size);
    SF_ALLOC(ctx, s->y, s->size);
    sf_formhemi_initial(s->f, s->y0);
    memcpy(s->y, s->y0, s->size * sizeof *s->y);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0);
    op.rtol = rtol;
    op.atol = atol;
    op.max_steps = 1000000;
    SF_TRY(ctx, sf_ode_create(ctx, s->size, 0.0, s->y0, sf_formhemi_rhs, s->f, &op, &s->ode));
cleanup:
    return status;
}

static void sf_test_hemi_free(sf_test_hemi *s)
{
    sf_ode_destroy(&s->ode);
    sf_formhemi_destroy(&s->f);
    sf_hemi_problem_free(&s->p);
    sf_grid1_free(&s->g);
    free(s->y0);
    free(s->y);
    memset(s, 0, sizeof *s);
}

#endif
