/* ode.h — the time integrator: a thin adapter over SUNDIALS CVODE (solver/cvode.c is the
 * only file that includes CVODE). Method of lines for the grid forms, and the particle
 * simulators' "cvode" method, both go through it (MATH.md §5).
 *
 * Not here: what the right-hand side computes, outputs, progress display.
 */
#ifndef SYMFLOW_ODE_H
#define SYMFLOW_ODE_H

#include <stddef.h>

#include "symflow/numerics.h"
#include "symflow/status.h"

/* y' = f(t, y). Return 0 on success, +1 for a recoverable state (CVODE retries with a
 * smaller step), −1 for a failure (details left in the user data). n = length of y. */
typedef int (*sf_ode_rhs)(double t, const double *y, double *ydot, void *user);

/* Preconditioner of the BDF Newton–Krylov iteration (left, MATH.md §5, docs/math.md (L12)):
 * P ≈ I − γ J, J ≈ ∂f/∂y. Setup: prepare P at (t, y) for this γ; jok ≠ 0 allows reusing the
 * Jacobian data saved at an earlier setup (only the factorisation with the new γ is then
 * needed); set *jcur = 1 when the Jacobian data were recomputed, 0 when reused. Solve: z with
 * P z = r (n values each; r and z do not overlap). Both return 0 on success, +1 for a
 * recoverable failure (CVODE retries with fresher data or a smaller step), −1 otherwise. */
typedef int (*sf_ode_psetup)(double t, const double *y, int jok, int *jcur, double gamma,
                             void *user);
typedef int (*sf_ode_psolve)(double t, const double *y, const double *r, double *z, double gamma,
                             void *user);

/* sf_ode_params (method, rtol, atol, max_steps) is declared in numerics.h. */
/* No inequality constraints: CVodeSetConstraints corrects a violation by a non-conservative
 * rescaling of the step, which moves the mass of a density by about atol × box volume.
 * Positivity of the grid forms comes from their schemes (docs/, §5), and mass balance then
 * holds to rounding: every linear multistep method keeps the linear invariants of the
 * semi-discrete system exactly. */

/* Settings with the given method and tolerances and no step limit (max_steps = LONG_MAX).
 * The defaults a case starts from are the case's (core/case.c), nowhere else. */
sf_ode_params sf_ode_params_make(sf_method method, double rtol, double atol);

typedef struct {
    long steps;          /* internal steps taken */
    long rhs_evals;      /* right-hand side evaluations (including for Jacobian-vector products) */
    long error_fails;    /* local error test failures */
    long nonlin_iters;   /* nonlinear (fixed point or Newton) iterations */
    long nonlin_fails;   /* nonlinear convergence failures */
    long lin_iters;      /* SPGMR iterations (bdf only) */
    long prec_setups;    /* preconditioner setups (bdf with a preconditioner) */
    long prec_solves;    /* preconditioner solves (bdf with a preconditioner) */
    double last_step;    /* last step size */
    double t;            /* current internal time */
} sf_ode_stats;

typedef struct sf_ode sf_ode; /* opaque integrator */

/* Create an integrator for n components starting at (t0, y0). y0, params: borrowed.
 * user: borrowed, passed to rhs. */
sf_status sf_ode_create(sf_ctx *ctx, size_t n, double t0, const double *y0, sf_ode_rhs rhs,
                        void *user, const sf_ode_params *params, sf_ode **out);
/* Integrate to tout (> current time) and copy the solution into y (n values). Errors carry
 * CVODE's flag name and t. */
sf_status sf_ode_advance(sf_ctx *ctx, sf_ode *ode, double tout, double *y);
/* Steps allowed in the next sf_ode_advance calls (≥ 1). */
/* Use a left preconditioner in SPGMR (method bdf; ignored with adams, which solves no linear
 * systems). user: borrowed, passed to both. Call once, before the first sf_ode_advance. */
sf_status sf_ode_set_preconditioner(sf_ctx *ctx, sf_ode *ode, sf_ode_psetup setup,
                                    sf_ode_psolve solve, void *user);
sf_status sf_ode_set_max_steps(sf_ctx *ctx, sf_ode *ode, long max_steps);
void sf_ode_get_stats(const sf_ode *ode, sf_ode_stats *stats);
void sf_ode_destroy(sf_ode **ode);

#endif
