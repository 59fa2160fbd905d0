/* psim.h — create a particle simulator from a test's own parameters p, completed with the
 * dimensions and the laws of case c exactly as the registry maps them (sf_reduce_particle_laws);
 * the balanced-start Gaussian-input case the reduced-particle tests share.
 * Test-only (static functions). */
#ifndef SYMFLOW_TESTS_PSIM_H
#define SYMFLOW_TESTS_PSIM_H

#include <stdio.h>
#include <string.h>

#include "symflow/particles.h"
#include "symflow/reduction.h"

/* Gaussian input, target `target` in dimensions (d, d_H), balanced start (L3), σ = 1. */
static inline sf_case sf_test_psim_case(const char *target, long d, long d_H)
{
    sf_case c;
    memset(&c, 0, sizeof c);
    c.problem.input = SF_INPUT_GAUSSIAN;
    c.problem.d = d;
    c.problem.d_H = d_H;
    snprintf(c.problem.target, sizeof c.problem.target, "%s", target);
    c.start.law = SF_START_BALANCED_SPHERE;
    c.start.sigma_a = 1.0;
    c.start.sigma_b = 1.0;
    return c;
}

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
