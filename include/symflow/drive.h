/* drive.h — the one driver: integrate any form (form.h) from t = 0 to each output time,
 * observe it, append the observation to its file and keep the summary (docs/ §5, §6).
 *
 * The loop: CVODE set-up on the form's right-hand side (or the form's own stepper), advance
 * in progress slices with at most max_steps CVODE steps per output interval, observe, check
 * the observation's invariants (sf_drive_check_obs), append, and at the end the CVODE
 * statistics and the wall time as attributes and the commit of the file (written under a
 * temporary name, renamed only on success; on any failure nothing is left at the path).
 * Every field file carries the global attributes complete (1, or 0 when interrupted) and
 * time_reached (the last output written).
 * Not here: building forms (registry.h), printing (app/).
 */
#ifndef SYMFLOW_DRIVE_H
#define SYMFLOW_DRIVE_H

#include <stddef.h>

#include "symflow/form.h"
#include "symflow/ncio.h"
#include "symflow/ode.h"
#include "symflow/status.h"

typedef struct {
    double t;         /* simulated time reached */
    double t_end;     /* final time */
    long steps;       /* steps so far */
    double elapsed_s; /* wall seconds since the start of the integration */
    double eta_s;     /* estimated wall seconds left (linear in simulated time) */
} sf_progress;

typedef void (*sf_progress_fn)(const sf_progress *p, void *user);

typedef struct {
    const double *outputs;    /* output times, ≥ 0, strictly increasing; the last is the end */
    size_t n_outputs;         /* ≥ 1 */
    sf_ode_params ode;        /* CVODE settings; max_steps counts per output interval */
    const char *out_path;     /* file to write; NULL: none */
    const sf_nc_attr *attrs;  /* the caller's global attributes (the case), borrowed */
    size_t n_attrs;
    sf_progress_fn progress;  /* may be NULL */
    void *progress_user;      /* passed to progress */
    /* Interruption: stop(stop_user) != 0, polled between progress slices (and between the
     * outputs of an own-stepper form), ends the run after the outputs written so far: the
     * file is committed with complete = 0 and sf_drive returns SF_E_INTERRUPTED. NULL: never.
     * The library keeps no process-global state: the caller owns the flag behind it. */
    int (*stop)(void *stop_user);
    void *stop_user;
    /* Resume: a field file of this form (same layout and coordinates) whose outputs are
     * copied into out_path first; the state is rebuilt from its last output at t0 by the
     * form's restore operation, and only outputs > t0 are computed. NULL: start at t = 0. */
    const char *resume_path;
} sf_drive_params;

typedef struct {
    size_t n_series;                      /* the form's series count */
    const sf_nc_series *series;           /* their names (borrowed from the form) */
    const sf_series_role *roles;          /* their roles (borrowed from the form) */
    double first[SF_FORM_MAX_SERIES];     /* at the first output */
    double last[SF_FORM_MAX_SERIES];      /* at the last output */
    double lowest[SF_FORM_MAX_SERIES];    /* min over outputs */
    double highest[SF_FORM_MAX_SERIES];   /* max over outputs */
    double drift[SF_FORM_MAX_SERIES];     /* max |x(t) − x(t_0)| over outputs */
    double max_risk_increase;             /* max R(t_{k+1}) − R(t_k) (−∞ for one output) */
    double fd_dissipation;                /* −ΔR/Δt over the last interval (NaN for one output) */
    double t_first, t_last;               /* first and last output times */
    sf_ode_stats stats;                   /* integrator statistics at the end */
    double wall_s;                        /* wall seconds of the integration */
    size_t n_outputs;                     /* outputs written */
} sf_drive_summary;

/* Drive form f through dp's outputs. sum may be NULL. On failure no file is left. */
sf_status sf_drive(sf_ctx *ctx, const sf_form *f, const sf_drive_params *dp,
                   sf_drive_summary *sum);

/* The invariants an observation must keep before it is written (issue 14): every series
 * finite; the risk (series 0) R ≥ −B·max|R|; each series marked in `exact` (form.h) within
 * B·scale of its invariant; B = SF_DRIVE_ROUND_C · ε · max(state_size, 1) · √max(steps, 1),
 * the rounding bound of tests/unit/conservation.c (ε · cells · √steps) with a margin of
 * SF_DRIVE_ROUND_C. s: the summary so far (n_series, series, roles; first, lowest, highest
 * when s->n_outputs > 0), borrowed. exact may be NULL. Violated → SF_E_NUMERIC naming the
 * form, the series, its value (or defect), t and the bound. */
enum { SF_DRIVE_ROUND_C = 1024 };
sf_status sf_drive_check_obs(sf_ctx *ctx, const char *form, const sf_drive_summary *s,
                             const unsigned *exact, size_t state_size, long steps,
                             const sf_form_obs *o);

/* Index of series `name` in a summary, or −1. */
int sf_drive_series_index(const sf_drive_summary *s, const char *name);

/* Monotonic wall clock, seconds. */
double sf_drive_wall_now(void);

#endif
