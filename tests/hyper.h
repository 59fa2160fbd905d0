/* hyper.h — test helper for form H (MATH §4.7): build a form-H instance of a case on the
 * planner's grids with a chosen inner boundary η₀, and integrate it with CVODE, recording
 * the diagnostics at given times. Test-only; the app goes through the registry.
 */
#ifndef SYMFLOW_TESTS_HYPER_H
#define SYMFLOW_TESTS_HYPER_H

#include <stdio.h>
#include <stdlib.h>

#include "symflow/case.h"
#include "symflow/formh.h"
#include "symflow/grid.h"
#include "symflow/ode.h"
#include "symflow/plan.h"
#include "symflow/reduction.h"

typedef struct {
    sf_grid1 g[3];           /* ω, η of N⁰, η of N^± */
    sf_hyperbolic_problem p; /* tables */
    sf_form form;            /* the form */
    sf_formh *h;             /* its discretisation (borrowed from form) */
    size_t n;                /* state size */
} hyper_inst;

static inline void hyper_free(hyper_inst *x)
{
    sf_form_destroy(&x->form);
    for (int k = 0; k < 3; k++) sf_grid1_free(&x->g[k]);
    sf_hyperbolic_problem_free(&x->p);
}

/* The planner's form H of case c with inner boundary eta0 (≤ 0: the default). */
static inline sf_status hyper_build(sf_ctx *ctx, const sf_case *c, double eta0, hyper_inst *x)
{
    sf_status status = SF_OK;
    sf_hyperbolic_plan plan;
    *x = (hyper_inst){0};
    SF_TRY(ctx, sf_plan_hyperbolic(ctx, c, 0, eta0, &plan));
    for (int k = 0; k < 3; k++) SF_TRY(ctx, sf_grid1_create(ctx, &plan.grid[k], &x->g[k]));
    SF_TRY(ctx, sf_reduce_hyperbolic(ctx, c, &x->g[0], &x->g[1], &x->g[2], NULL, &x->p));
    const sf_formh_form_params fp = {.go = &x->g[0], .ge0 = &x->g[1], .gep = &x->g[2],
                                     .p = &x->p, .coord = plan.coord, .scheme = plan.scheme,
                                     .edge_mass = 0.0};
    SF_TRY(ctx, sf_formh_form(ctx, &fp, &x->form));
    x->h = sf_formh_of(&x->form);
    x->n = sf_formh_size(x->h);
cleanup:
    return status;
}

/* Integrate from the start to times[0 … nt−1] (increasing, > 0) with Adams at rtol, atol;
 * diag[0] is the start, diag[k+1] at times[k]; y (n values) ends at the last time. */
static inline sf_status hyper_solve(sf_ctx *ctx, hyper_inst *x, double rtol, double atol,
                                    const double *times, size_t nt, sf_formh_diag *diag,
                                    double *y)
{
    sf_status status = SF_OK;
    sf_ode *ode = NULL;
    x->form.ops->initial(x->form.self, y);
    sf_formh_diagnose(x->h, y, &diag[0]);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, rtol, atol);
    SF_TRY(ctx, sf_ode_create(ctx, x->n, 0.0, y, sf_formh_rhs, x->h, &op, &ode));
    for (size_t k = 0; k < nt; k++) {
        SF_TRY(ctx, sf_ode_advance(ctx, ode, times[k], y));
        sf_formh_diagnose(x->h, y, &diag[k + 1]);
    }
cleanup:
    sf_ode_destroy(&ode);
    return status;
}

/* The relu-teacher case of cases/relu-teacher.yaml (d = 20, σ_a = σ_b = 1) in form H with
 * `cells` uniform ω-cells (≤ 0: neither grid.cells nor grid.spacing set, the planner's
 * default grid); or any d_H = 1 target. Built as overrides of the defaults, so that
 * sf_case_is_set sees what a case file would set. */
static inline sf_status hyper_case(sf_ctx *ctx, sf_case *c, long d, const char *target, long cells)
{
    char sd[64], st[128], sc[64];
    snprintf(sd, sizeof sd, "problem.d=%ld", d);
    snprintf(st, sizeof st, "problem.target=%s", target);
    snprintf(sc, sizeof sc, "grid.cells=%ld", cells);
    const char *const sets[] = {"problem.input=gaussian", "problem.d_H=1", sd, st,
                                "start.law=gaussian", "start.sigma_a=1", "start.sigma_b=1",
                                "form=hyperbolic", "grid.spacing=uniform", sc};
    const size_t n = sizeof sets / sizeof sets[0];
    return sf_case_load(ctx, NULL, sets, cells > 0 ? n : n - 2, c);
}

#endif
