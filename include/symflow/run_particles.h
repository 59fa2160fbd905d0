/* run_particles.h — drive a particle simulation (particles.h) to the case's output times and
 * write the particle file "particles-1" (MATH.md §8) through the netCDF adapter.
 * Not here: the simulators themselves (particles.h), the kernel tables (reduction.h).
 */
#ifndef SYMFLOW_RUN_PARTICLES_H
#define SYMFLOW_RUN_PARTICLES_H

#include "symflow/case.h"
#include "symflow/particles.h"
#include "symflow/reduced.h"
#include "symflow/run.h"
#include "symflow/status.h"

typedef struct {
    double risk_first, risk_last;        /* R_m at the first and last outputs */
    double mass_plus_last, mass_minus_last; /* |τ^±| at the last output */
    double max_risk_increase;            /* max R(t_{k+1}) − R(t_k) over outputs */
    double balance_drift;                /* max |(1/m)Σ(a² − |b|²)(t) − (same)(0)| (I3) */
    sf_psim_stats stats;                 /* simulator statistics at the end */
    double wall_s;                       /* wall seconds of the simulation */
    int reduced_storage;                 /* 1: the file holds (u, r), 0: the full b */
} sf_run_particles_summary;

typedef struct {
    const sf_case *c;              /* the case (borrowed) */
    const sf_kernel_table *tab;    /* kernel tables (borrowed) */
    sf_psim_params params;         /* simulator parameters (from the case, CLI overrides) */
    const char *out_path;          /* particle file; NULL: none */
    sf_progress_fn progress;       /* may be NULL */
    void *progress_user;
} sf_run_particles_params;

sf_status sf_run_particles(sf_ctx *ctx, const sf_run_particles_params *rp,
                           sf_run_particles_summary *sum);

#endif
