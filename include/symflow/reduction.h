/* reduction.h — case → reduced PDE: laws γ_k and quadratures, κ̂, K̂, Ĝ, targets, the
 * symmetry group and the initial law (MATH.md §2–4). Implemented in reduction/.
 *
 * Not here: grids (grid.h, built by the caller), time stepping (solver/), files (core/).
 */
#ifndef SYMFLOW_REDUCTION_H
#define SYMFLOW_REDUCTION_H

#include <stddef.h>

#include "symflow/case.h"
#include "symflow/characteristics.h"
#include "symflow/grid.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

/* ---- quadrature rules: probability weights (sum 1) ---- */
typedef struct {
    size_t n;  /* number of nodes */
    double *x; /* nodes (owned) */
    double *w; /* weights, summing to 1 (owned) */
} sf_rule;

/* The supported dimensions: 2 ≤ problem.d ≤ 4·10¹⁵ and 1 ≤ problem.d_H < d (k = d − d_H ≥ 1),
 * the range over which the rules below are measured to rounding (reduction/laws.c).
 * Outside it → SF_E_RANGE naming the case key, its file:line and the range. */
sf_status sf_reduce_check_dims(sf_ctx *ctx, const sf_case *c);

/* γ_k: law of one coordinate of a uniform point on S^{k-1}, density ∝ (1−t²)^{(k−3)/2}
 * (MATH §4). Gauss–Gegenbauer (λ = (k−2)/2) by Golub–Welsch, exact for degree 2n−1,
 * valid for k = 1 (two atoms ±1, n forced to 2) up to k = 4·10¹⁵ (measured). */
sf_status sf_rule_gamma(sf_ctx *ctx, double k, size_t n, sf_rule *r);
/* Gauss–Legendre on [a, b] with weights summing to b − a (not probability). */
/* Gauss rule of Beta(al, be) on [0, 1] (Golub–Welsch, no cancellation for any be: charstart.c),
 * n nodes ascending, weights summing to 1. */
sf_status sf_rule_beta(sf_ctx *ctx, double al, double be, size_t n, sf_rule *r);
sf_status sf_rule_legendre(sf_ctx *ctx, size_t n, double a, double b, sf_rule *r);
void sf_rule_free(sf_rule *r);

/* ---- kernels (M3) ---- */
double sf_kappa_hat(double c);       /* κ̂(c), c clamped to [−1, 1] */
double sf_kappa_hat_prime(double c); /* κ̂′(c) = (π − arccos c)/(2π) */

/* ---- the reduced problem ---- */

/* The targets of problem.target (reduction/target.c): norm (|x_H|), norm2 (|x_H|²), and for
 * d_H = 1: abs (|x₁|, reduced like norm), linear, cube, hermite3 (x₁³ − 3x₁), relu (σ(x₁)). */
extern const sf_name_table sf_target_names;

/* The reduced coordinate of a case's form-L problem (θ ∈ [0, π/2] for radial targets,
 * φ ∈ [0, π] for d_H = 1 targets): which interval the caller must grid. */
sf_status sf_reduce_coord(sf_ctx *ctx, const sf_case *c, sf_coord_info *info);

/* Progress of a K̂ table being filled (minutes for 10⁴ cells): the fraction done in [0, 1],
 * called from one thread (OpenMP's thread 0) at most once per percent, and with 1 at the
 * end. The callback must not fail. */
typedef void (*sf_table_progress_fn)(double fraction, void *user);
typedef struct {
    sf_table_progress_fn fn; /* may be NULL */
    void *user;
} sf_table_progress;

/* The factored kernel (L5, solver.kernel: factored): at most this many Chebyshev points per
 * coordinate, hence columns of the factor B (reduced.h); and the most cells for which a factor
 * that misses solver.kernel_tol falls back to the dense n² table (past it: an error that names
 * solver.kernel and solver.kernel_tol). */
enum { SF_KERNEL_FACTOR_PMAX = 256, SF_KERNEL_DENSE_FALLBACK_MAX = 20000 };

/* Tabulate form L on grid g (cells of the interval given by sf_reduce_coord): K̂ (M11) at
 * cell centres (factored, L5, or dense: solver.kernel), Ĝ (M12) at cell centres, τ₀^± cell masses (L3), ½E f_H². Errors name the
 * case key (sf_case_where). *p owns its arrays; release with sf_lifted_problem_free. */
sf_status sf_reduce_lifted(sf_ctx *ctx, const sf_case *c, const sf_grid1 *g, sf_lifted_problem *p);
/* The same, reporting the K̂ table's progress to tp (borrowed, may be NULL). */
sf_status sf_reduce_lifted_progress(sf_ctx *ctx, const sf_case *c, const sf_grid1 *g,
                                    const sf_table_progress *tp, sf_lifted_problem *p);
void sf_lifted_problem_free(sf_lifted_problem *p);

/* Pointwise evaluations for tests, particles and diagnostics (radial or d_H = 1 targets):
 * K̂(ω, ω') and its θ-derivative in the first argument, Ĝ(ω) and ∂Ĝ, ω given by its
 * reduced coordinate. An opaque tabulation context avoids rebuilding quadrature rules. */
typedef struct sf_kernel sf_kernel;
sf_status sf_kernel_create(sf_ctx *ctx, const sf_case *c, sf_kernel **out);
void sf_kernel_destroy(sf_kernel **k);
double sf_kernel_K(const sf_kernel *k, double x, double y);    /* K̂(x, y) (M11) */
double sf_kernel_dK(const sf_kernel *k, double x, double y);   /* ∂_x K̂(x, y) */
double sf_kernel_G(const sf_kernel *k, double x);              /* Ĝ(x) (M12) */
double sf_kernel_dG(const sf_kernel *k, double x);             /* ∂_x Ĝ(x) */
double sf_kernel_risk_const(const sf_kernel *k);               /* ½ E f_H² */
sf_coord_info sf_kernel_coord(const sf_kernel *k);

/* Tabulate Ĝ, ∂Ĝ (and K̂, ∂K̂ when with_K) on n uniform nodes of the case's reduced
 * coordinate, for the particle simulators. with_K: SF_TABLE_NO_K, SF_TABLE_K (the K̂ table),
 * or SF_TABLE_K_CHEB: K̂ and Ĝ as Chebyshev series (t->cheb, sf_reduce_chebk) when the case's
 * solver.kernel is factored and both converge, else the K̂ table (the fallback).
 * *t owns its arrays: sf_kernel_table_free. */
enum { SF_TABLE_NO_K = 0, SF_TABLE_K = 1, SF_TABLE_K_CHEB = 2 };
sf_status sf_reduce_table(sf_ctx *ctx, const sf_case *c, size_t n, int with_K, sf_kernel_table *t);
void sf_kernel_table_free(sf_kernel_table *t);

/* K̂ and Ĝ of the case on its reduced coordinate's interval as the Chebyshev operator of
 * chebk.h ((L8): A = U Uᵀ PSD, Ĝ's series), the one builder of form characteristics and the
 * reduced particles (reduction/kfactor.c). out->p = 0 (nothing owned) when solver.kernel is
 * dense or either series misses solver.kernel_tol or its a-posteriori check; else *out owns
 * A and g (free them, or let sf_kernel_table_free / sf_char_problem_free do it). */
sf_status sf_reduce_chebk(sf_ctx *ctx, const sf_case *c, sf_chebk *out);

/* The mass α of the exact minimiser (L4) when the case has one in closed form (target norm,
 * any input law), else NaN. */
double sf_reduce_minimiser_mass(const sf_case *c);

/* The odd-target ODE (M9) of a case: w*, R*, and the start's moments (w, M_HH, s)(0).
 * A target that is not odd is refused (SF_E_UNSUPPORTED) naming problem.target.
 * *p owns its arrays: sf_odd_problem_free. */
sf_status sf_reduce_odd(sf_ctx *ctx, const sf_case *c, sf_odd_problem *p);
void sf_odd_problem_free(sf_odd_problem *p);

/* The target f_H pointwise (for the SGD particle loop): *fn and *user to pass as
 * sf_psim_params.target / target_user; release with sf_reduce_target_fn_release (owned
 * evaluator for problem.target = expression, a static table row otherwise). */
sf_status sf_reduce_target_fn(sf_ctx *ctx, const sf_case *c, sf_target_fn *fn, void **user);

/* α of (L4) for the radial target |x_H| in dimension d_H: 2√π Γ((d_H+1)/2)/Γ(d_H/2). */
double sf_minimiser_mass(long d_H);

/* The start and input laws of a case for the particle simulators (reduced.h): start.law
 * (balanced-sphere, gaussian with start.sigma_a/b) and problem.input (gaussian, sphere). */
sf_status sf_reduce_particle_laws(sf_ctx *ctx, const sf_case *c, sf_particle_laws *laws);

/* ---- form T, d_H = 1 (MATH §4.4–4.6) ---- */

/* The (a, u, r) box of a form-T case: a ∈ [−a_max, a_max], u ∈ [−u_max, u_max],
 * r ∈ [0, r_max]. Rule (reduction/transport.c): SF_T_NSIG start standard deviations, each
 * stretched by the hyperbolic rotation that (M9) applies to (a, u) until w reaches the
 * target's linear coefficient w* = E[x₁ f*(x₁)] (Gaussian law), the growth of an odd case. */
typedef struct {
    double a_max; /* half-width in a (units of a) */
    double u_max; /* half-width in u = b_1 */
    double r_max; /* upper end in r = |b_⊥| */
    int measured; /* 0: the (M9) bound (odd targets, exact); 1: a heuristic reach for targets
                     with an even part, which a pilot run should check (app/) */
} sf_transport_box;

/* Box of the case (gaussian start only; errors as sf_reduce_transport). */
sf_status sf_reduce_transport_box(sf_ctx *ctx, const sf_case *c, sf_transport_box *box);

/* Tabulate form T: K̂, Ĝ on the n_phi-cell φ-grid of [0, π] (0: the default rule
 * SF_T_PHI_PER_CELL × the largest cell count of the three grids), ½ E f*², and the exact cell
 * averages of the gaussian start n₀ = N(a; 0, σ_a²) N(u; 0, σ_b²) χ_k(r/σ_b)/σ_b on the grids
 * ga, gu, gr (borrowed; gr must start at r = 0). Needs d_H = 1 and a d_H = 1 target (even
 * ones such as abs are tabulated on φ too); a balanced start → SF_E_UNSUPPORTED naming form
 * lifted. *p owns its arrays: sf_transport_problem_free. */
sf_status sf_reduce_transport(sf_ctx *ctx, const sf_case *c, const sf_grid1 *ga,
                              const sf_grid1 *gu, const sf_grid1 *gr, size_t n_phi,
                              sf_transport_problem *p);
/* The same, reporting the K̂ table's progress to tp (borrowed, may be NULL). */
sf_status sf_reduce_transport_progress(sf_ctx *ctx, const sf_case *c, const sf_grid1 *ga,
                                       const sf_grid1 *gu, const sf_grid1 *gr, size_t n_phi,
                                       const sf_table_progress *tp, sf_transport_problem *p);
void sf_transport_problem_free(sf_transport_problem *p);
/* The default φ-cells of sf_reduce_transport for grids of na, nu, nr cells. */
size_t sf_reduce_transport_phi_cells(size_t na, size_t nu, size_t nr);

/* ---- targets given by expression (problem.target: expression) ---- */

/* Release what sf_reduce_target_fn gave: for problem.target = expression *user is an owned
 * evaluator of problem.expression (libmatheval, through reduction/expr.c), freed here; for
 * the table's targets it is borrowed and nothing is freed. Sets *user = NULL; accepts NULL.
 * fn is the function sf_reduce_target_fn returned with *user. The evaluator is not
 * thread-safe: call fn from one thread at a time. */
void sf_reduce_target_fn_release(sf_target_fn fn, void **user);

/* ---- form L on the hemisphere, d_H = 2 (MATH §4.8), reduction/hemi.c ---- */

/* Whether a form-L case is solved on the (φ, θ) hemisphere: d_H = 2 and a target of
 * (x₁, x₂) (xor, staircase, he2diff), or a radial target with problem.radial: false.
 * Errors: those of the target lookup. */
sf_status sf_reduce_uses_hemi(sf_ctx *ctx, const sf_case *c, int *yes);

/* Pointwise K̂, Ĝ and ∂Ĝ on the hemisphere, for tables, tests and particles. */
typedef struct sf_hemi sf_hemi;
sf_status sf_hemi_create(sf_ctx *ctx, const sf_case *c, sf_hemi **out);
void sf_hemi_destroy(sf_hemi **h);
double sf_hemi_K(const sf_hemi *h, double th1, double th2, double dphi); /* K̂ (M11) */
double sf_hemi_G(const sf_hemi *h, double th, double ph);                /* Ĝ (M12) */
void sf_hemi_dG(const sf_hemi *h, double th, double ph, double *d_th, double *d_ph);
double sf_hemi_risk_const(const sf_hemi *h);                             /* ½ E f_H² */

/* Tabulate form L on the hemisphere: θ-grid g (on [0, π/2]) × n_phi uniform φ-cells
 * (n_phi ≥ 4, a multiple of 4 so that the quarter turns of §2 map cells to cells). *p owns
 * its arrays: sf_hemi_problem_free. */
sf_status sf_reduce_hemi(sf_ctx *ctx, const sf_case *c, const sf_grid1 *g, size_t n_phi,
                         const sf_table_progress *tp, sf_hemi_problem *p);
void sf_hemi_problem_free(sf_hemi_problem *p);
/* ---- form H (MATH §4.7): the hyperbolic lift of a gaussian start ---- */

/* The η-factors of the gaussian start's weighted densities (§4.7), closed forms of the
 * q-integrals: n⁰(η) = ∫₀^∞ q³ p_a(q sinh η) p_ρ(q cosh η) dq and n^s(η) = ∫₀^∞ q³
 * p_a(q cosh η) p_ρ(q sinh η) dq (η > 0), a ~ N(0, σ_a²), ρ = |b| ~ σ_b χ_d. */
double sf_hyperbolic_n0(double eta, double d, double sigma_a, double sigma_b);
double sf_hyperbolic_np(double eta, double d, double sigma_a, double sigma_b);

/* The η-reach of the start (reduction/hyperbolic.c): the smallest η_max with at most `tail`
 * of ∫ ½ sinh 2|η| n dη beyond it (the weight of the mass in m, H3), for N⁰ (*eta0) and N^±
 * (*etap). Gaussian start only. */
sf_status sf_reduce_hyperbolic_reach(sf_ctx *ctx, const sf_case *c, double tail, double *eta0,
                                     double *etap);

/* Tabulate form H on the ω-grid go (cells of sf_reduce_coord's interval), the N⁰ η-grid ge0
 * (symmetric about 0) and the N^± η-grid gep (from η₀ > 0): K̂, Ĝ at ω-centres, τ₀ cell
 * masses, ½E f*², and the exact cell integrals of n⁰, n^s (GSL adaptive quadrature of the
 * closed forms). Needs start.law = gaussian; errors name the case key. *p owns its arrays:
 * sf_hyperbolic_problem_free. */
sf_status sf_reduce_hyperbolic(sf_ctx *ctx, const sf_case *c, const sf_grid1 *go,
                               const sf_grid1 *ge0, const sf_grid1 *gep,
                               const sf_table_progress *tp, sf_hyperbolic_problem *p);
void sf_hyperbolic_problem_free(sf_hyperbolic_problem *p);

/* Form characteristics (MATH §4.3, docs/math.md (L9)): the Gauss rule of τ₀ with n nodes in
 * the case's reduced coordinate (θ: cos²θ ~ Beta(d_H/2, k/2); φ: cos φ ~ γ_d) and the
 * K̂, ∂K̂, Ĝ, ∂Ĝ as callbacks: Ĝ, ∂Ĝ pointwise, K̂, ∂K̂ pointwise (table = 0) or by the
 * bicubic Hermite interpolant of a uniform table × table (≥ 5 nodes). Balanced starts only (SF_E_UNSUPPORTED naming
 * start.law). *p owns its arrays and kernel: sf_char_problem_free. */
sf_status sf_reduce_characteristics(sf_ctx *ctx, const sf_case *c, size_t n, size_t table,
                                    sf_char_problem *p);
void sf_char_problem_free(sf_char_problem *p);

#endif
