/* run.h — drive a form-L solve from start to the last output time: integrate, diagnose,
 * write the field file (MATH.md §6, §8), report progress through a callback.
 *
 * The library does not print: progress and the final summary go back to the caller.
 * Not here: building the tables (reduction.h), the command line (app/).
 */
#ifndef SYMFLOW_RUN_H
#define SYMFLOW_RUN_H

#include "symflow/case.h"
#include "symflow/forml.h"
#include "symflow/grid.h"
#include "symflow/ode.h"
#include "symflow/output.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

typedef struct {
    sf_forml_diag first;      /* diagnostics at the first output */
    sf_forml_diag last;       /* diagnostics at the last output */
    double max_balance_rel;   /* max over outputs of balance / max(reaction, tiny) */
    double max_risk_increase; /* max over consecutive outputs of R(t_{k+1}) − R(t_k), ≤ 0 ideally */
    double fd_dissipation;    /* −(R(t_K) − R(t_{K−1}))/(t_K − t_{K−1}) over the last two outputs */
    double mean_dissipation;  /* ½(D(t_{K−1}) + D(t_K)) of (L2): equals fd_dissipation to O(Δt²) */
    double min_tau;           /* min over outputs of tau_min */
    sf_ode_stats stats;       /* CVODE statistics at the end */
    double wall_s;            /* wall seconds of the integration */
    size_t n_outputs;         /* outputs written */
} sf_run_summary;

typedef struct {
    const sf_case *c;          /* the case (borrowed) */
    const sf_grid1 *grid;      /* the grid (borrowed) */
    const sf_lifted_problem *p; /* the tables on it (borrowed) */
    sf_coord_info coord;       /* the reduced coordinate's names and group */
    sf_geometry geom;          /* radial θ or φ half circle */
    const char *out_path;      /* field file to write; NULL: no file */
    double minimiser_mass;     /* α of (L4) when known, else NaN (stored as attribute) */
    sf_progress_fn progress;   /* may be NULL */
    void *progress_user;       /* passed to progress */
} sf_run_lifted_params;

/* Solve; on failure no file is left at out_path. sum may be NULL. */
sf_status sf_run_lifted(sf_ctx *ctx, const sf_run_lifted_params *rp, sf_run_summary *sum);

#endif
