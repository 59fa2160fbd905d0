/* forml_auto.c — grid.spacing: auto at large d (docs/math.md §5 "Grids"): paper-norm
 * (d_H = 5, f* = |x_H|) at d = 10⁶, where the start sits in a layer of width ~1/√k = 10⁻³ at
 * θ = π/2, on the default (auto) grid with N = 100, 200, 400 cells against N = 1600, to
 * t = 10 (outputs every 0.5).
 * Pass: the default cell count (200) is within 1e-3 of the reference over every output
 * (sup over t of the relative error of R, |τ⁺|, |τ⁻|: the bound; a uniform grid of
 * 400 cells is 2.2e-3 off); the observed order of R(10) between 100 and 200 cells ≥ 1.8
 * (second order; 200 → 400 is already at the reference's own error).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "symflow/forml.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"

enum { NT = 21 };                 /* outputs 0, 0.5, …, 10 */
static const double DT = 0.5;
/* CVODE tolerances far below the errors measured (≥ 1e-7 at N = 200) */
static const double RTOL = 1e-10, ATOL = 1e-12;
static const double BOUND = 1e-3; /* the sup-relative bound at d = 10⁶ */

/* R, |τ⁺|, |τ⁻| at the NT outputs, on `cells` auto cells. */
static sf_status solve(sf_ctx *ctx, size_t cells, double out[NT][3])
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_instance *in = NULL;
    sf_ode *ode = NULL;
    double *y0 = NULL, *y = NULL;
    SF_TRY(ctx, sf_case_defaults(ctx, &c));
    c.problem.d = 1000000;
    c.problem.d_H = 5;
    snprintf(c.problem.target, sizeof c.problem.target, "norm");
    c.grid.cells = (long)cells;
    SF_CHECK(ctx, c.grid.spacing == SF_SPACING_AUTO, SF_E_ARG, "auto is not the default");
    SF_TRY(ctx, sf_registry_build(ctx, &c, &in));
    const sf_form *form = sf_instance_form(in);
    sf_forml *f = sf_forml_of(form);
    const size_t size = form->ops->size(form->self);
    SF_ALLOC(ctx, y0, size);
    SF_ALLOC(ctx, y, size);
    form->ops->initial(form->self, y0);
    memcpy(y, y0, size * sizeof *y);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0);
    op.rtol = RTOL;
    op.atol = ATOL;
    SF_TRY(ctx, sf_ode_create(ctx, size, 0.0, y0, form->ops->rhs, form->self, &op, &ode));
    for (int k = 0; k < NT; k++) {
        if (k > 0) SF_TRY(ctx, sf_ode_advance(ctx, ode, DT * k, y));
        sf_forml_diag d;
        sf_forml_diagnose(f, y, y0, &d);
        out[k][0] = d.risk;
        out[k][1] = d.mass_plus;
        out[k][2] = d.mass_minus;
    }
cleanup:
    sf_ode_destroy(&ode);
    sf_instance_destroy(&in);
    free(y0);
    free(y);
    sf_case_free(&c);
    return status;
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    enum { NG = 3 };
    const size_t cells[NG] = {100, 200, 400};
    static double ref[NT][3], v[NG][NT][3];
    SF_EXPECT_OK(ctx, solve(ctx, 1600, ref));
    printf("d = 1e6, auto grid, reference N = 1600: R(10) = %.12g, |tau+|(10) = %.12g, "
           "|tau-|(10) = %.12g\n", ref[NT - 1][0], ref[NT - 1][1], ref[NT - 1][2]);
    double sup[NG], eR[NG];
    for (int g = 0; g < NG; g++) {
        SF_EXPECT_OK(ctx, solve(ctx, cells[g], v[g]));
        sup[g] = 0.0;
        for (int k = 0; k < NT; k++)
            for (int q = 0; q < 3; q++)
                sup[g] = fmax(sup[g], fabs(v[g][k][q] - ref[k][q]) / fabs(ref[k][q]));
        eR[g] = fabs(v[g][NT - 1][0] - ref[NT - 1][0]);
        printf("  N = %4zu: sup_t rel. error of R, |tau+|, |tau-| = %.3e; |R(10) error| = %.3e%s\n",
               cells[g], sup[g], eR[g],
               g ? "" : "");
    }
    const double order = log(eR[0] / eR[1]) / log(2.0);
    printf("  order of R(10), 100 -> 200 cells: %.2f\n", order);
    SF_EXPECT_LE(sup[1], BOUND);
    SF_EXPECT_LE(1.8, order);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
