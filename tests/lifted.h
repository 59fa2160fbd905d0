/* lifted.h — the form-L set-up the C tests share, through the registry (registry.h: case →
 * planner → grid → tables → form) with a CVODE integrator at the initial state, so that a
 * test can step and inspect the state between outputs. Test-only (static functions).
 */
#ifndef SYMFLOW_TESTS_LIFTED_H
#define SYMFLOW_TESTS_LIFTED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/forml.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"

typedef struct {
    sf_coord_info coord;  /* the case's reduced coordinate */
    sf_instance *in;      /* the registry's instance (owned) */
    sf_grid1 g;           /* its grid (a shallow copy: owned by in) */
    sf_forml *f;          /* its discretisation (owned by in) */
    sf_ode *ode;          /* CVODE at t = 0 (owned) */
    double *y0, *y;       /* initial and current state (sf_forml_size values) (owned) */
} sf_test_lifted;

/* Set up case c (its grid.cells, scheme and form are set here; c must outlive *s) on `cells`
 * uniform cells with the given reconstruction (van Leer), CVODE tolerances rtol/atol (adams);
 * y = y0 = the start. */
static sf_status sf_test_lifted_setup(sf_ctx *ctx, sf_case *c, size_t cells, sf_recon recon,
                                      double rtol, double atol, sf_test_lifted *s)
{
    sf_status status = SF_OK;
    memset(s, 0, sizeof *s);
    snprintf(c->form, sizeof c->form, "lifted");
    c->grid.cells = (long)cells;
    c->grid.spacing = SF_SPACING_UNIFORM;
    c->scheme.reconstruction = recon;
    c->scheme.limiter = SF_LIMITER_VANLEER;
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &s->coord));
    SF_TRY(ctx, sf_registry_build(ctx, c, &s->in));
    const sf_form *form = sf_instance_form(s->in);
    s->g = *sf_instance_grid(s->in, 0);
    s->f = sf_forml_of(form);
    const size_t size = form->ops->size(form->self);
    SF_ALLOC(ctx, s->y0, size);
    SF_ALLOC(ctx, s->y, size);
    form->ops->initial(form->self, s->y0);
    memcpy(s->y, s->y0, size * sizeof *s->y);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0); /* tolerances set below */
    op.rtol = rtol;
    op.atol = atol;
    SF_TRY(ctx, sf_ode_create(ctx, size, 0.0, s->y0, form->ops->rhs, form->self, &op, &s->ode));
cleanup:
    return status;
}

static void sf_test_lifted_free(sf_test_lifted *s)
{
    sf_ode_destroy(&s->ode);
    sf_instance_destroy(&s->in);
    free(s->y0);
    free(s->y);
    memset(s, 0, sizeof *s);
}

#endif
