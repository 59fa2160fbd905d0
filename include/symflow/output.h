/* output.h — what every solver driver does alike: the case's global attributes of a field
 * file (MATH.md §8), the CVODE statistics attributes, the wall clock, and the advance to an
 * output time in progress slices. Used by the form L,
 * T and ode drivers so the three files describe their case the same way.
 * Not here: the layout of each form's fields (the drivers), netCDF itself (ncio.h).
 */
#ifndef SYMFLOW_OUTPUT_H
#define SYMFLOW_OUTPUT_H

#include <stddef.h>

#include "symflow/case.h"
#include "symflow/ncio.h"
#include "symflow/ode.h"
#include "symflow/status.h"

enum { SF_CASE_ATTRS = 15 /* attributes written by sf_output_case_attrs */ };

typedef struct {
    double t;         /* simulated time reached */
    double t_end;     /* final time */
    long steps;       /* CVODE steps so far */
    double elapsed_s; /* wall seconds since the start of the integration */
    double eta_s;     /* estimated wall seconds left (linear in simulated time) */
} sf_progress;

typedef void (*sf_progress_fn)(const sf_progress *p, void *user);

/* The integration clock of a driver: time span, progress slices, wall start, callback. */
typedef struct {
    double t0, t_end;        /* simulated time span */
    double slice;            /* simulated time between progress reports */
    double start;            /* wall clock at the start (sf_output_wall_now) */
    sf_progress_fn progress; /* may be NULL */
    void *user;              /* passed to progress */
} sf_output_clock;

/* A clock for [t0, t_end] reporting at most SF_PROGRESS_SLICES times; starts now. */
sf_output_clock sf_output_clock_start(double t0, double t_end, sf_progress_fn fn, void *user);

/* CVODE settings of the case (solver.method, rtol, atol, max_steps), components
 * [0, nonneg_end) constrained ≥ 0. */
sf_ode_params sf_output_ode_params(const sf_case *c, size_t nonneg_end);

/* Advance ode from *t to tout in progress slices (CV_NORMAL interpolates at each stop, so
 * the slices do not change CVODE's steps), reporting progress; y receives the state. On a
 * CVODE failure the right-hand side's own explanation (failure, may be "" or NULL) is
 * recorded first, so it becomes the message. */
sf_status sf_output_advance(sf_ctx *ctx, sf_ode *ode, const sf_output_clock *clk, double *t,
                            double tout, double *y, const char *failure);

/* Fill out[0 … SF_CASE_ATTRS−1] with symflow_kind = "field", symflow_version, form, target,
 * input, start, d, d_H, k, method, rtol, atol, spacing, case_file, case_text. The strings are
 * borrowed from c and static tables; returns SF_CASE_ATTRS. */
size_t sf_output_case_attrs(const sf_case *c, const char *form, sf_nc_attr *out);

/* Set the CVODE statistics and the wall time as global attributes (cvode_steps, …,
 * wall_seconds). w may be NULL (nothing to do). */
sf_status sf_output_stats(sf_ctx *ctx, sf_ncw *w, const sf_ode_stats *s, double wall_s);

/* Monotonic wall clock, seconds. */
double sf_output_wall_now(void);

#endif
