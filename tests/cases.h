/* cases.h — the case the reduction tests start from: the defaults with a Gaussian input, a
 * balanced start, form L, and the given d, d_H and target. Test-only. */
#ifndef SYMFLOW_TESTS_CASES_H
#define SYMFLOW_TESTS_CASES_H

#include <stdio.h>

#include "symflow/case.h"

static inline sf_status make_case(sf_ctx *ctx, sf_case *c, long d, long dH, const char *target)
{
    sf_status s = sf_case_defaults(ctx, c);
    if (s != SF_OK) return s;
    c->problem.input = SF_INPUT_GAUSSIAN;
    c->problem.d = d;
    c->problem.d_H = dH;
    snprintf(c->problem.target, sizeof c->problem.target, "%s", target);
    snprintf(c->form, sizeof c->form, "lifted");
    c->start.law = SF_START_BALANCED_SPHERE;
    return SF_OK;
}

#endif
