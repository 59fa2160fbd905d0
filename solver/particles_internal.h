/* particles_internal.h — private to the particle simulators (solver/particles*.c): the
 * simulator struct, the seeded RNG, the table interpolation and the velocity kernels.
 * Not a public header: nothing outside solver/particles*.c includes it.
 */
#ifndef SYMFLOW_PARTICLES_INTERNAL_H
#define SYMFLOW_PARTICLES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "symflow/particles.h"

/* π to double precision (M_PI is not ISO C) */
#define SF_PSIM_PI 3.14159265358979323846

/* ---- RNG: xoshiro256** seeded by splitmix64 (Blackman & Vigna), deterministic ---- */
typedef struct {
    uint64_t s[4];  /* xoshiro256** state */
    int has_spare;  /* a second normal deviate from the polar method is cached */
    double spare;   /* that deviate */
} sf_prng;

void sf_prng_seed(sf_prng *g, uint64_t seed);
double sf_prng_uniform(sf_prng *g);               /* uniform on (0, 1), 53 bits */
double sf_prng_normal(sf_prng *g);                /* N(0, 1), Marsaglia polar method */
double sf_prng_gamma(sf_prng *g, double shape);   /* Gamma(shape, 1), Marsaglia–Tsang */
double sf_prng_chi2(sf_prng *g, double nu);       /* χ²_ν, ν ≥ 1 */

struct sf_psim {
    const sf_kernel_table *tab; /* borrowed: Ĝ, ∂Ĝ (and K̂, ∂K̂ for reduced) */
    sf_pmethod method;          /* cvode, euler, sgd, reduced */
    long m;                     /* neurons */
    size_t d, d_H;              /* ambient dimension, dim H */
    sf_particle_laws laws;      /* start and input laws (callbacks and their parameters) */
    sf_draw draw;               /* the laws' access to rng */
    double t;                   /* current time */
    double step;                /* η (euler, sgd) */
    long sgd_steps;             /* sgd: steps taken, t = sgd_steps·η exactly */
    long batch;                 /* sgd batch B */
    sf_target_fn target;        /* sgd: f* pointwise (borrowed) */
    void *target_user;          /* borrowed */
    double risk;                /* risk (M2) of the current state */

    size_t ny;       /* state length: m(1 + d) full, 2m reduced */
    double *y;       /* state: full [a (m); b (m×d)], reduced [x (m); c (m)] (owned) */
    double *ydot;    /* velocity scratch, ny (owned) */

    /* full width scratch (M3)–(M7) */
    double *P;       /* m×m: Gram BBᵀ, then π − α_ij in the lower triangle (owned) */
    double *nrm;     /* m: |b_i| (owned) */
    double *F;       /* m: Σ_j a_j κ_ij (owned) */
    double *S;       /* m: Σ_j a_j |b_j| sin α_ij (owned) */
    double *Ba;      /* m×d: a_j b_j (owned) */
    double *gradg;   /* d: ∇g of one neuron (owned) */
    /* sgd scratch */
    double *X;       /* B×d inputs of one batch (owned) */
    double *Z;       /* B×m: ⟨x_k, b_i⟩, then residual·1(⟨x_k, b_i⟩ > 0)/B (owned) */
    double *res;     /* B: f(x_k) − f*(x_k) (owned) */

    /* reduced (M15) */
    double *eps;     /* m: ±1 (owned) */
    double *a_red;   /* m: ε√c view for sf_psim_a (owned) */
    size_t n;        /* table nodes */
    double h;        /* node spacing */
    double *Mk;      /* 2n×2n: Hermite coefficients of K̂ (value, ∂x; ∂y, ∂x∂y) (owned) */
    double *rho;     /* 2n: deposit of (1/m) Σ ε c on the Hermite basis (owned) */
    double *Fk;      /* 2n: Mk·rho, the Hermite coefficients of ∫K̂ dm (owned) */
    /* reduced through the Chebyshev series tab->cheb (L8), when tab->cheb.p > 0: Mk, rho, Fk
       are then NULL */
    double *cs;      /* 5m: s = εc/m, then Φ, ∂Φ, Ĝ, ∂Ĝ at the particles (owned) */
    double *cwork;   /* sf_chebk_work(&tab->cheb, m) (owned) */

    sf_ode *ode;     /* integrator for cvode and reduced, else NULL (owned) */
    sf_prng rng;     /* start and sgd batches */
    long steps;      /* euler/sgd steps */
    long rhs_evals;  /* velocity evaluations */
};

/* Cubic Hermite interpolant of Ĝ (values G, slopes dG on the table's uniform nodes) at x,
 * clamped to [lo, hi]: *v = Ĝ(x), *dv = Ĝ′(x) (derivative of the interpolant). */
void sf_psim_interp_G(const sf_kernel_table *tab, double x, double *v, double *dv);

/* Full width (M3)–(M7) at y = [a; b]: writes ydot = (−ψ(b_i), −a_i ∇ψ(b_i)) and returns the
 * risk (M2). Uses the scratch of ps only. */
double sf_psim_full_velocity(sf_psim *ps, const double *y, double *ydot);

/* One online SGD velocity at the current state with a fresh batch (MATH §1 "Particles"):
 * ydot = −(1/B) Σ_k (f(x_k) − f*(x_k)) (σ(⟨b_i,x_k⟩), a_i 1(⟨b_i,x_k⟩>0) x_k). */
void sf_psim_sgd_velocity(sf_psim *ps, double *ydot);

/* Reduced (M15): build Mk from the table (create time only; not with tab->cheb). */
void sf_psim_reduced_setup(sf_psim *ps);
/* Reduced (M15) at y = [x; c]: ydot = (−ε ∂xΨ̂(x), −2εΨ̂(x) c); returns the risk (M14).
 * K̂, Ĝ from tab->cheb when tab->cheb.p > 0 (sf_chebk_apply, O(m p + p²)), else the
 * bicubic Hermite table (O(m + n²)). */
double sf_psim_reduced_velocity(sf_psim *ps, const double *y, double *ydot);

#endif
