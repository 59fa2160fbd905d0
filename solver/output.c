/* output.c — attributes every field file carries (MATH.md §8: the case text and every
 * parameter) and the CVODE statistics, shared by the drivers of forms L, T and ode.
 * Not here: each form's coordinates, fields and series.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "symflow/output.h"
#include "symflow/version.h"

size_t sf_output_case_attrs(const sf_case *c, const char *form, sf_nc_attr *out)
{
    const sf_nc_attr attrs[SF_CASE_ATTRS] = {
        {"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
        {"symflow_version", SF_NC_ATTR_TEXT, SF_VERSION, 0, 0},
        {"form", SF_NC_ATTR_TEXT, form, 0, 0},
        {"target", SF_NC_ATTR_TEXT, c->problem.target, 0, 0},
        {"input", SF_NC_ATTR_TEXT, sf_name_of(&sf_input_names, (int)c->problem.input), 0, 0},
        {"start", SF_NC_ATTR_TEXT, sf_name_of(&sf_start_names, (int)c->start.law), 0, 0},
        {"d", SF_NC_ATTR_INT, NULL, 0, c->problem.d},
        {"d_H", SF_NC_ATTR_INT, NULL, 0, c->problem.d_H},
        {"k", SF_NC_ATTR_INT, NULL, 0, c->problem.d - c->problem.d_H},
        {"method", SF_NC_ATTR_TEXT, sf_name_of(&sf_method_names, (int)c->solver.method), 0, 0},
        {"rtol", SF_NC_ATTR_DOUBLE, NULL, c->solver.rtol, 0},
        {"atol", SF_NC_ATTR_DOUBLE, NULL, c->solver.atol, 0},
        {"spacing", SF_NC_ATTR_TEXT, sf_name_of(&sf_spacing_names, (int)c->grid.spacing), 0, 0},
        {"case_file", SF_NC_ATTR_TEXT, c->path ? c->path : "", 0, 0},
        {"case_text", SF_NC_ATTR_TEXT, c->text ? c->text : "", 0, 0},
    };
    for (size_t i = 0; i < SF_CASE_ATTRS; i++) out[i] = attrs[i];
    return SF_CASE_ATTRS;
}

sf_status sf_output_stats(sf_ctx *ctx, sf_ncw *w, const sf_ode_stats *s, double wall_s)
{
    sf_status status = SF_OK;
    if (!w) return SF_OK;
    const sf_nc_attr attrs[] = {
        {"cvode_steps", SF_NC_ATTR_INT, NULL, 0, s->steps},
        {"cvode_rhs_evals", SF_NC_ATTR_INT, NULL, 0, s->rhs_evals},
        {"cvode_error_test_fails", SF_NC_ATTR_INT, NULL, 0, s->error_fails},
        {"cvode_nonlinear_iters", SF_NC_ATTR_INT, NULL, 0, s->nonlin_iters},
        {"cvode_nonlinear_fails", SF_NC_ATTR_INT, NULL, 0, s->nonlin_fails},
        {"cvode_linear_iters", SF_NC_ATTR_INT, NULL, 0, s->lin_iters},
        {"wall_seconds", SF_NC_ATTR_DOUBLE, NULL, wall_s, 0},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        SF_TRY(ctx, sf_ncw_set_attr(ctx, w, &attrs[i]));
cleanup:
    return status;
}

double sf_output_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

enum { SF_PROGRESS_SLICES = 200 /* progress reports over the whole span at most */ };
/* A slice ending within this fraction of a slice before the output is merged into it. */
static const double SF_SLIVER = 1e-3;

sf_output_clock sf_output_clock_start(double t0, double t_end, sf_progress_fn fn, void *user)
{
    sf_output_clock c = {t0, t_end, (t_end - t0) / SF_PROGRESS_SLICES, sf_output_wall_now(), fn, user};
    return c;
}

sf_ode_params sf_output_ode_params(const sf_case *c, size_t nonneg_end)
{
    sf_ode_params op = sf_ode_params_default();
    op.method = c->solver.method;
    op.rtol = c->solver.rtol;
    op.atol = c->solver.atol;
    op.max_steps = c->solver.max_steps;
    op.nonneg_begin = 0;
    op.nonneg_end = nonneg_end;
    return op;
}

sf_status sf_output_advance(sf_ctx *ctx, sf_ode *ode, const sf_output_clock *clk, double *t,
                            double tout, double *y, const char *failure)
{
    sf_status status = SF_OK;
    while (*t < tout) {
        double next = fmin(tout, *t + clk->slice);
        if (tout - next < SF_SLIVER * clk->slice) next = tout;
        status = sf_ode_advance(ctx, ode, next, y);
        if (status != SF_OK && failure && failure[0]) {
            char cvode[512]; /* CVODE's own message, kept after the explanation */
            snprintf(cvode, sizeof cvode, "%s", sf_ctx_message(ctx));
            sf_ctx_clear(ctx);
            sf_error(ctx, status, __FILE__, __LINE__, "%s (%s)", failure, cvode);
        }
        SF_TRY(ctx, status);
        *t = next;
        if (clk->progress) {
            sf_ode_stats st;
            sf_ode_get_stats(ode, &st);
            double el = sf_output_wall_now() - clk->start, done = *t - clk->t0;
            sf_progress pr = {*t, clk->t_end, st.steps, el,
                              done > 0 ? el * (clk->t_end - *t) / done : NAN};
            clk->progress(&pr, clk->user);
        }
    }
cleanup:
    return status;
}
