/* psim.h — create a particle simulator from a test's own parameters p, completed with the
 * dimensions and the laws of case c exactly as the registry maps them (sf_reduce_particle_laws).
 * Test-only (static function). */
#ifndef SYMFLOW_TESTS_PSIM_H
#define SYMFLOW_TESTS_PSIM_H

#include "symflow/particles.h"
#include "symflow/reduction.h"

static sf_status sf_test_psim_create(sf_ctx *ctx, const sf_case *c, const sf_kernel_table *tab,
                                     sf_psim_params *p, sf_psim **ps)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, sf_reduce_particle_laws(ctx, c, &p->laws));
    p->d = c->problem.d;
    p->d_H = c->problem.d_H;
    SF_TRY(ctx, sf_psim_create(ctx, tab, p, ps));
cleanup:
    return status;
}

#endif
