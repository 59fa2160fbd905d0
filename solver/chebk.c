/* chebk.c — applying a Chebyshev-series kernel to weighted points (chebk.h): the T_k and T_k'
 * rows of each point by the three-term recurrences, the moments μ = Σ_j s_j T(ξ_j), v = A μ,
 * then Φ = T v and ∂Φ = T' v — O(m p) per application, never a pair loop. sf_chebk_apply
 * works in blocks of points whose rows stay in cache (two passes when m exceeds one block:
 * the moments, then the values, the rows computed twice), so its work is O(p²) doubles, not
 * O(m p); the form-characteristics nodes (one block: the same sums as unblocked) and the
 * reduced particles (up to 65536 and more) share it.
 * Not here: the coefficients (reduction/kfactor.c).
 * MATH tags: (M13), (L8), (L9).
 */
#include <cblas.h>

#include "symflow/chebk.h"

/* T_0 … T_{q−1} and their ξ-derivatives at ξ. */
static void rows(size_t q, double xi, double *T, double *dT)
{
    T[0] = 1.0;
    dT[0] = 0.0;
    if (q > 1) {
        T[1] = xi;
        dT[1] = 1.0;
    }
    for (size_t k = 2; k < q; k++) {
        T[k] = 2.0 * xi * T[k - 1] - T[k - 2];
        dT[k] = 2.0 * T[k - 1] + 2.0 * xi * dT[k - 1] - dT[k - 2];
    }
}

static size_t width(const sf_chebk *k) { return k->p > k->pG ? k->p : k->pG; }

/* Points per block of sf_chebk_apply: the block's T and T' rows (≤ 2 × SF_CHEBK_BLOCK_DOUBLES
 * doubles, 128 KiB) stay in cache between the recurrence that writes them and the products
 * that read them, instead of m × q rows streamed from memory six times. */
enum { SF_CHEBK_BLOCK_DOUBLES = 8192 };
static size_t block(size_t q)
{
    return q >= SF_CHEBK_BLOCK_DOUBLES ? 1 : SF_CHEBK_BLOCK_DOUBLES / q;
}

size_t sf_chebk_work(const sf_chebk *k, size_t m)
{
    const size_t q = width(k), b = block(q);
    return 2 * (b < m ? b : m) * q + 2 * q;
}

/* The T and T' rows of points i0 … i0 + nb − 1 (row stride q). */
static void block_rows(const sf_chebk *k, size_t q, const double *x, size_t i0, size_t nb,
                       double *T, double *dT)
{
    const double mid = 0.5 * (k->lo + k->hi), inv = 2.0 / (k->hi - k->lo);
    for (size_t i = 0; i < nb; i++) {
        double xi = (x[i0 + i] - mid) * inv;
        xi = xi < -1.0 ? -1.0 : xi > 1.0 ? 1.0 : xi;
        rows(q, xi, T + i * q, dT + i * q);
    }
}

void sf_chebk_apply(const sf_chebk *k, size_t m, const double *x, const double *s, double *phi,
                    double *dphi, double *G, double *dG, double *work)
{
    const size_t q = width(k), p = k->p, pG = k->pG, B = block(q), nB = B < m ? B : m;
    const double inv = 2.0 / (k->hi - k->lo);
    double *T = work, *dT = work + nB * q, *mu = dT + nB * q, *v = mu + q;
    /* pass 1: μ = Tᵀ s over the first p columns, block by block (one block: one product,
     * the first with β = 0, so that m ≤ B gives the unblocked sums bit for bit) */
    for (size_t a = 0; a < p; a++) mu[a] = 0.0;
    for (size_t i0 = 0; i0 < m; i0 += B) {
        const size_t nb = m - i0 < B ? m - i0 : B;
        block_rows(k, q, x, i0, nb, T, dT);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, (int)p, 1.0, T, (int)q, s + i0, 1,
                    i0 ? 1.0 : 0.0, mu, 1);
    }
    /* v = A μ; pass 2: Φ = T v, ∂Φ = T' v (chain rule: ×inv), Ĝ = T g, Ĝ' = T' g; with one
     * block the rows of pass 1 are still there */
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, k->A, (int)p, mu, 1, 0.0, v, 1);
    for (size_t i0 = 0; i0 < m; i0 += B) {
        const size_t nb = m - i0 < B ? m - i0 : B;
        if (m > B) block_rows(k, q, x, i0, nb, T, dT);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)p, 1.0, T, (int)q, v, 1, 0.0,
                    phi + i0, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)p, inv, dT, (int)q, v, 1, 0.0,
                    dphi + i0, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)pG, 1.0, T, (int)q, k->g, 1, 0.0,
                    G + i0, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nb, (int)pG, inv, dT, (int)q, k->g, 1,
                    0.0, dG + i0, 1);
    }
}

void sf_chebk_psi_at(const sf_chebk *k, size_t m, const double *x, const double *s, size_t ne,
                     const double *xe, double *psi, double *work)
{
    const size_t q = width(k), p = k->p;
    const double mid = 0.5 * (k->lo + k->hi), inv = 2.0 / (k->hi - k->lo);
    double *T = work, *dT = work + q, *mu = dT + q, *v = mu + q;
    for (size_t a = 0; a < p; a++) mu[a] = 0.0;
    for (size_t j = 0; j < m; j++) {
        double xi = (x[j] - mid) * inv;
        xi = xi < -1.0 ? -1.0 : xi > 1.0 ? 1.0 : xi;
        rows(p, xi, T, dT);
        for (size_t a = 0; a < p; a++) mu[a] += s[j] * T[a];
    }
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, k->A, (int)p, mu, 1, 0.0, v, 1);
    for (size_t e = 0; e < ne; e++) {
        double xi = (xe[e] - mid) * inv;
        xi = xi < -1.0 ? -1.0 : xi > 1.0 ? 1.0 : xi;
        rows(q, xi, T, dT);
        double f = 0.0;
        for (size_t a = 0; a < p; a++) f += T[a] * v[a];
        for (size_t a = 0; a < k->pG; a++) f -= T[a] * k->g[a];
        psi[e] = f;
    }
}
