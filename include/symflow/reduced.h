/* reduced.h — the reduced problem: what reduction/ hands to solver/.
 *
 * reduction/ fills it from a case (kernel tables on a grid's cell centres, the target's
 * tables, the initial densities); solver/ reads it. Neither includes the other: this type
 * is where they meet (STYLE.md "Layout"). It holds no target, no input law: only numbers.
 */
#ifndef SYMFLOW_REDUCED_H
#define SYMFLOW_REDUCED_H

#include <stddef.h>

#include "symflow/chebk.h"
#include "symflow/coord.h"

/* f*(x) from the first d_H coordinates of x (f*(x) = f_H(x_H), MATH §4). Must not fail. */
typedef double (*sf_target_fn)(const double *x_H, size_t d_H, void *user);

/* The reduced coordinate of a 1-D problem: which row of the coordinate table (coord.h),
 * and the symmetry group quotiented out (output metadata, borrowed from a static table). */
typedef struct {
    sf_coord_id id;    /* SF_COORD_THETA (radial targets) or SF_COORD_PHI (d_H = 1) */
    const char *group; /* e.g. "O(d_H) x O(k)" */
} sf_coord_info;

/* Form L on a 1-D reduced sphere (MATH §4.3). Cell i of the solver's grid ↔ row i. */
typedef struct {
    size_t n;           /* cells */
    double *K;          /* n×n row-major, K̂(ω_i, ω_j) at cell centres (M11); symmetric (owned),
                           or NULL when the kernel is factored (B below) */
    double *G;          /* n, Ĝ(ω_i) at cell centres (M12) (owned) */
    double *tau0_plus;  /* n, initial cell MASSES of τ⁺ (L3), exact cell integrals (owned) */
    double *tau0_minus; /* n, initial cell masses of τ⁻ (owned) */
    double risk_const;  /* ½ E f_H² in the input law (M14) */
    size_t rank;        /* factored kernel (L8): K ≈ B Bᵀ, B n×rank; 0 when K is dense */
    double *B;          /* n×rank row-major, or NULL (owned) */
    char kernel_note[256]; /* how K̂ is applied (dense, or the factor's size, rank, tolerance
                              and a-posteriori error), for messages and file attributes */
} sf_lifted_problem;

/* Pointwise kernel tables on a uniform grid of the reduced coordinate, for the particle
 * simulators (MATH §1 "Particles", §4.1): Ĝ and ∂Ĝ (1-D), and optionally K̂ and ∂_x K̂
 * (2-D, x the first argument). Values between nodes are interpolated by the reader.
 * The coordinate is θ (angle of b to H, radial targets) or φ (angle of b in the
 * (e_1, H^⊥) half-plane, d_H = 1 targets): `coord` says which. */
typedef struct {
    size_t n;           /* nodes, uniform on [lo, hi] including both ends */
    double lo, hi;      /* the coordinate interval */
    sf_coord_id coord;  /* SF_COORD_THETA (θ ∈ [0, π/2], angle to H) or SF_COORD_PHI
                           (φ ∈ [0, π], cos φ = b_1/|b|) */
    double *G;          /* n: Ĝ at the nodes (M12) (owned) */
    double *dG;         /* n: ∂Ĝ at the nodes (owned) */
    double *K;          /* n×n: K̂(x_i, x_j) (M11), or NULL when not requested (owned) */
    double *dK;         /* n×n: ∂_x K̂(x_i, x_j), or NULL (owned) */
    double kappa_scale; /* κ(b,b') = kappa_scale |b||b'| κ̂(cos α): 1 gaussian, 1/d sphere;
                           K and dK above already include it (use them as they are) */
    double risk_const;  /* ½ E f*² */
    double *cdf0;       /* n: CDF of the coordinate of a uniform direction on S^{d−1} (the
                           balanced start's law, L3), for deterministic sampling (owned) */
    double *pdf0;       /* n: its density (owned) */
    /* d_H = 2 targets of (x₁, x₂) (MATH §4.8, M18), else NULL: Ĝ(θ, φ) pointwise, θ the
       angle of b to H and φ the azimuth of b_H (coord = SF_COORD_AZIMUTH); when d_th is not
       NULL also ∂_θĜ, ∂_φĜ. G, dG above then hold nothing (NULL); cdf0, pdf0 are the θ-law
       of τ₀ on [lo, hi] = [0, π/2]. The user data is reduction/'s, released by G2_free. */
    double (*G2)(const void *user, double th, double ph, double *d_th, double *d_ph);
    void *G2_user;               /* owned through G2_free */
    void (*G2_free)(void *user); /* releases G2_user */
    /* K̂ and Ĝ as Chebyshev series (chebk.h, (L8)), or cheb.p = 0: none. When cheb.p > 0 the
       reduced particles evaluate Ψ̂, ∂Ψ̂ and the risk through it, not through K, dK, G, dG
       (K and dK may then be NULL). Filled by sf_reduce_table (SF_TABLE_K_CHEB); A and g are
       owned and freed by sf_kernel_table_free. */
    sf_chebk cheb;
} sf_kernel_table;

/* Random draws the particle simulators lend to the laws (solver/particles_rng.c streams). */
typedef struct {
    double (*normal)(void *rng);  /* N(0, 1) */
    double (*uniform)(void *rng); /* uniform on (0, 1) */
    void *rng;                    /* the simulator's generator (borrowed) */
} sf_draw;

/* The laws a particle simulator samples, as callbacks filled by reduction/ (§4.6, §1): the
 * solver draws neurons and inputs without knowing which laws they are. */
enum { SF_LAW_PARAMS = 4 /* numbers a law's callbacks may keep */ };
typedef struct {
    /* one neuron of the start law: a, and b ∈ ℝ^d; law = this struct's params */
    void (*neuron)(const double *law, const sf_draw *draw, double *a, double *b, size_t d);
    /* one input x ∈ ℝ^d of the input law (online SGD) */
    void (*input)(const double *law, const sf_draw *draw, double *x, size_t d);
    double params[SF_LAW_PARAMS]; /* the laws' parameters, opaque to the solver (a value:
                                     the struct is copied, nothing is owned) */
    int balanced;                 /* 1: |a| = |b| at the start (form L's start and the
                                     reduced particles') */
} sf_particle_laws;

/* The odd-target closed ODE (M8)–(M10) restricted to H (exact when ∫ b_⊥ b_Hᵀ dμ₀ = 0, as
 * for both default starts): w ∈ H, M_HH, s. */
typedef struct {
    size_t d_H;        /* dimension of H */
    double v;          /* E[x xᵀ] = v I (1 gaussian, 1/d sphere) */
    double *wstar;     /* d_H: w* = E[xxᵀ]⁻¹ E[x f*(x)] in the basis of H (owned) */
    double *w0;        /* d_H: w(0) (owned) */
    double *M0;        /* d_H × d_H: M_HH(0) = ∫ b_H b_Hᵀ dμ₀, row-major (owned) */
    double s0;         /* s(0) = ∫ a² dμ₀ */
    double risk_star;  /* R* of (M10) */
} sf_odd_problem;

/* Form T for d_H = 1 targets (MATH §4.4): the density n(a, u, r) on a box of cell averages
 * and, on an auxiliary uniform φ-grid of the half circle [0, π] (u = ρ cos φ, r = ρ sin φ),
 * the kernel tables through which the potential is computed. The box grids are the
 * caller's (sf_grid1, any spacing); this holds only numbers on them. */
typedef struct {
    size_t n_phi;      /* cells of the uniform φ-grid on [0, π]; centres (j + ½)π/n_phi */
    double *K;         /* n_phi×n_phi row-major K̂(φ_i, φ_j) at φ-centres (M11); symmetric (owned) */
    double *G;         /* n_phi: Ĝ(φ_i) at φ-centres (M12) (owned) */
    double risk_const; /* ½ E f*² in the input law (M14) */
    size_t na, nu, nr; /* cells of the a, u, r grids that n0 lives on */
    double *n0;        /* na·nu·nr initial cell AVERAGES of n (§4.6), index (i_a·nu + i_u)·nr + i_r
                          (r fastest) (owned) */
    char kernel_note[160]; /* how K̂ and Ĝ were tabulated: the factor of (L8) expanded, or direct */
} sf_transport_problem;

/* Form L on the hemisphere, d_H = 2 (MATH §4.8): a θ-grid (any spacing) times a uniform
 * periodic φ-grid of n_phi cells on [0, 2π), centres φ_p = (p + ½)·2π/n_phi. Cell (i, p)
 * (θ-cell i, φ-cell p) ↔ index i·n_phi + p (φ fastest). */
typedef struct {
    size_t n_theta, n_phi; /* cells */
    double *K;          /* n_phi blocks of n_theta²: K̂(θ_i, θ_j, Δ_l) (M11) with Δ_l = l·2π/n_phi,
                           index (l·n_theta + i)·n_theta + j; K(l) = K(n_phi − l) and each block
                           symmetric, exactly: the operator is circulant in φ (owned) */
    double *G;          /* n_theta·n_phi: Ĝ(θ_i, φ_p) at cell centres (M12) (owned) */
    double *tau0_plus;  /* n_theta·n_phi initial cell MASSES of τ⁺ (L3), exact (owned) */
    double *tau0_minus; /* the same for τ⁻ (owned) */
    double risk_const;  /* ½ E f_H² in the input law (M14) */
} sf_hemi_problem;
/* Form H (MATH §4.7): the |δ|-weighted densities N⁰ (δ < 0, η ∈ ℝ) and N^± (δ > 0, η > η₀)
 * on (η, ω), ω the reduced coordinate of form L (θ for radial targets, φ for d_H = 1). The
 * kernel tables live on the ω-grid's centres; the start (a, ρ, ω independent) factorises,
 * N(η, ω) = n(η) τ₀(ω), and is given by its two 1-D factors as exact cell integrals. */
typedef struct {
    size_t n_omega;    /* cells of the ω-grid */
    double *K;         /* n_omega² row-major K̂(ω_i, ω_j) at centres (M11); symmetric (owned) */
    double *G;         /* n_omega: Ĝ(ω_i) at centres (M12) (owned) */
    double *tau0;      /* n_omega: τ₀ cell masses (direction law of b, §4.6), sum 1 (owned) */
    double risk_const; /* ½ E f*² in the input law (M14) */
    size_t n_eta0;     /* cells of the N⁰ η-grid (η ∈ [−η_max, η_max]) */
    double *w0;        /* n_eta0: ∫_cell n⁰(η) dη, n⁰ the η-factor of N⁰ (owned) */
    size_t n_etap;     /* cells of the N^± η-grid (η ∈ [η₀, η_max⁺]) */
    double *wp;        /* n_etap: ∫_cell n^s(η) dη, the same for s = ±1 (owned) */
    double below;      /* ∫_0^{η₀} n^s dη: the δ > 0 weight of each sign below η₀ (b ≈ 0) */
    double weight0;    /* E[−δ; δ < 0] = ∫_ℝ n⁰ (all of ℝ, the box's tails included) */
    double weightp;    /* E[δ; δ > 0, sgn a = s] = ∫_0^∞ n^s, each sign */
    int antipodal;     /* 1: b = 0 maps ω to the cell of hi + lo − ω (φ → π − φ, d_H = 1);
                          0: ω is unchanged (θ, radial targets) (§4.7) */
} sf_hyperbolic_problem;

#endif
