/* particles.h — the particle simulators of the mean-field flow (MATH.md §1 "Particles",
 * §4.3 characteristics): m neurons moved by the exact population velocity (M7).
 *
 * Methods (sf_pmethod, case key particles.method):
 *   cvode    full width, θᵢ = (aᵢ, bᵢ) ∈ ℝ^{1+d}, exact population gradient (M3)–(M6),
 *            integrated by the ODE adapter (ode.h);
 *   euler    the same velocity, explicit Euler with step η (= gradient descent with
 *            learning rate m·η on the finite-width population loss);
 *   sgd      online SGD: a fresh batch of inputs each step, stochastic gradient of
 *            ½(f(x) − f*(x))², step η (needs the pointwise target callback);
 *   reduced  Lagrangian form L (M15): neurons (εⱼ, xⱼ, cⱼ) on the reduced coordinate,
 *            balanced start only, K̂ and Ĝ from the table's Chebyshev series (tab->cheb,
 *            (L8), the operator of form characteristics) when it has one, else from its
 *            bicubic Hermite K̂ table; integrated by the ODE adapter.
 * The simulator reads d, d_H and the laws (callbacks) from its parameters, and K̂, Ĝ,
 * κ's scale and ½E f*² from an sf_kernel_table (reduced.h) filled by reduction/: it never
 * sees a case, an input law or a start law.
 *
 * Not here: tabulating K̂, Ĝ (reduction/), files (ncio.h), comparison with the grid solver
 * (postproc/).
 */
#ifndef SYMFLOW_PARTICLES_H
#define SYMFLOW_PARTICLES_H

#include <stddef.h>

#include "symflow/form.h"
#include "symflow/numerics.h"
#include "symflow/ode.h"
#include "symflow/reduced.h"
#include "symflow/status.h"


typedef struct {
    long d, d_H;           /* ambient dimension and dim H, 1 ≤ d_H < d */
    sf_particle_laws laws; /* start and input laws (reduction/: sf_reduce_particle_laws) */
    long m;                /* neurons, ≥ 1 (even when symmetric) */
    unsigned long seed;    /* RNG seed: same seed, same start on every machine */
    int symmetric;         /* draw m/2 neurons and add the mirrors (−a, −b) (bool) */
    sf_sampling sampling;  /* reduced: random draws, or quantile: m/2 neurons of each sign at
                              the midpoint quantiles of the start law (deterministic) */
    sf_pmethod method;     /* cvode, euler, sgd, reduced */
    double step;           /* η for euler and sgd, > 0 */
    long batch;            /* sgd batch size B, ≥ 1 */
    sf_ode_params ode;     /* integrator settings for cvode and reduced */
    sf_target_fn target;   /* f* pointwise, required by sgd only (may be NULL otherwise) */
    void *target_user;     /* passed to target (borrowed) */
} sf_psim_params;

/* Parameters come from the case through the registry (registry.h: sf_registry_particles),
 * which holds the only defaults (the case's). */

typedef struct {
    long steps;        /* euler/sgd steps, or CVODE internal steps, since create */
    long rhs_evals;    /* full population-velocity evaluations (including for the risk) */
    double t;          /* current time */
    double mass_plus;  /* |τ⁺| = (1/m) Σ_{a>0} aᵢ² (full) or (1/m) Σ_{ε=+} cⱼ (reduced) */
    double mass_minus; /* |τ⁻|, likewise over the negative neurons */
    double balance;    /* (1/m) Σ (aᵢ² − |bᵢ|²) (I3); 0 for reduced */
    sf_ode_stats ode;  /* integrator statistics (cvode, reduced); zero otherwise */
} sf_psim_stats;

typedef struct sf_psim sf_psim; /* opaque simulator */

/* Create a simulator at t = 0 with the start law p->laws drawn from p->seed. p: borrowed
 * (read during create only). tab: borrowed, must outlive the
 * simulator; the reduced method needs tab->cheb (p > 0) or tab->K and tab->dK. *out: owned
 * by the caller, release with sf_psim_destroy. Errors: SF_E_ARG for inconsistent parameters
 * (odd m with symmetric, sgd without target, reduced without K̂ or with a gaussian start),
 * SF_E_NOMEM, SF_E_CVODE. Memory O(m d + m²) full width, O(m + n²) reduced (table) or
 * O(m + p²) reduced (Chebyshev). */
sf_status sf_psim_create(sf_ctx *ctx, const sf_kernel_table *tab, const sf_psim_params *p,
                         sf_psim **out);

/* Move to time tout ≥ current time. cvode/reduced: integrate to tout exactly. euler:
 * floor((tout − t)/η) steps of η and a last shortened step landing on tout. sgd: keeps η
 * exact and takes round((tout − t)/η) steps (the time lands on the nearest multiple of η;
 * read it with sf_psim_time). Afterwards the risk and the views are of the new state. */
sf_status sf_psim_advance(sf_ctx *ctx, sf_psim *ps, double tout);

double sf_psim_time(const sf_psim *ps);
/* Population risk (M2) of the current state, exact in the input law up to the table's
 * interpolation: ½(1/m²)ΣΣ aᵢaⱼκᵢⱼ − (1/m)Σ aᵢ g(bᵢ) + ½E f*² (full width), or the
 * reduced form (M14) with the K̂ and Ĝ the velocities use (Chebyshev series or table). */
double sf_psim_risk(const sf_psim *ps);
long sf_psim_m(const sf_psim *ps);

/* Views, borrowed, valid until the next advance or destroy.
 * a: m values (reduced: εⱼ √cⱼ). b: m×d row-major, neuron-major; NULL for reduced. */
const double *sf_psim_a(const sf_psim *ps);
const double *sf_psim_b(const sf_psim *ps);
/* Reduced state (reduced method only, else all NULL): eps[m] = ±1, x[m] the reduced
 * coordinate (θ or φ as tab->coord says), c[m] the masses. Borrowed views. */
void sf_psim_reduced_state(const sf_psim *ps, const double **eps, const double **x,
                           const double **c);

/* Reduced coordinates of every neuron: u (m×d_H row-major) = b_H, r (m) = |b_⊥|.
 * Reduced method: u = √c (cos x, 0, …, 0) (radial; d_H = 1 φ tables: √c cos φ), r = √c sin x.
 * u, r: caller's buffers of m·d_H and m doubles (borrowed). */
sf_status sf_psim_reduced(sf_ctx *ctx, const sf_psim *ps, double *u, double *r);

void sf_psim_get_stats(const sf_psim *ps, sf_psim_stats *st);

/* Destroy; accepts NULL and *ps == NULL; sets *ps to NULL. */
void sf_psim_destroy(sf_psim **ps);

#endif
