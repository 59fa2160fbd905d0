/* chebk.h — a reduced kernel K̂ and its Ĝ as Chebyshev series on an interval, applied to a
 * weighted point set in O(m p) (docs/math.md (L8), (L9)): the operator that form
 * characteristics uses for its nodes and the reduced particles for theirs, built by
 * reduction/ (kfactor.c, sf_reduce_chebk) and applied here.
 *   K̂(x, y) ≈ Σ_{k,l < p} A_kl T_k(ξ(x)) T_l(ξ(y)),  Ĝ(x) ≈ Σ_{k < pG} g_k T_k(ξ(x)),
 * ξ(x) = (2x − lo − hi)/(hi − lo) clamped to [−1, 1]. A = U Uᵀ is the PSD truncation of (L8), so
 * the kernel is symmetric positive semi-definite and its x-derivative is the exact derivative
 * of the same interpolant: a node system driven by it is an exact gradient flow of its own
 * risk, (L2) to rounding.
 * Not here: building the series (reduction/kfactor.c; the owner of a filled sf_chebk frees A
 * and g), what is done with Ψ̂ (the forms).
 */
#ifndef SYMFLOW_CHEBK_H
#define SYMFLOW_CHEBK_H

#include <stddef.h>

typedef struct {
    size_t p;        /* Chebyshev coefficients per argument of K̂; 0: no series */
    double lo, hi;   /* the interval */
    double *A;       /* p × p, symmetric PSD (owned) */
    size_t pG;       /* coefficients of Ĝ */
    double *g;       /* pG (owned) */
    size_t rank;     /* rank of A (printed) */
    double check;    /* a-posteriori max |ΔK̂| / max |K̂| at quasi-random pairs (printed) */
    double check_G;  /* the same for Ĝ */
} sf_chebk;

/* Doubles of work that sf_chebk_apply needs for m points. */
size_t sf_chebk_work(const sf_chebk *k, size_t m);

/* At the m points x with weights s: phi_i = Σ_j s_j K̂(x_i, x_j), dphi_i = ∂_x of it at x_i,
 * G_i = Ĝ(x_i), dG_i = Ĝ'(x_i). O(m (p + pG) + p²), in cache-sized blocks of points.
 * work: sf_chebk_work(k, m) doubles (≤ 16384 + 4 max(p, pG), whatever m). Used by form
 * characteristics (its nodes) and the reduced particles (solver/particles_reduced.c). */
void sf_chebk_apply(const sf_chebk *k, size_t m, const double *x, const double *s, double *phi,
                    double *dphi, double *G, double *dG, double *work);

/* Ψ̂ = Σ_j s_j K̂(·, x_j) − Ĝ at the ne points xe (sources x, s as above). O((m + ne) p + p²).
 * work: 4 max(p, pG) doubles. */
void sf_chebk_psi_at(const sf_chebk *k, size_t m, const double *x, const double *s, size_t ne,
                     const double *xe, double *psi, double *work);

/* The plateau at the interval's end hi (docs/math.md (L11)): all mass at x = hi with net signed
 * mass D where Ψ̂(hi) = D K̂(hi, hi) − Ĝ(hi) = 0, and the rate λ = −∂²_xΨ̂(hi) at which positive
 * mass leaves it (Ψ̂ = D K̂(·, hi) − Ĝ). From the series: T_k(1) = 1, T_k''(1) = k²(k² − 1)/3.
 * *risk = risk_const − ½ D Ĝ(hi). Returns 0, or −1 when K̂(hi, hi) ≤ 0. */
int sf_chebk_plateau(const sf_chebk *k, double risk_const, double *net, double *rate,
                     double *risk);

#endif
