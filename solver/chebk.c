/* chebk.c — applying a Chebyshev-series kernel to weighted points (chebk.h): the T_k and T_k'
 * rows of each point by the three-term recurrences, the moments μ = Σ_j s_j T(ξ_j), v = A μ,
 * then Φ = T v and ∂Φ = T' v — O(m p) per application, never a pair loop. sf_chebk_apply
 * works in blocks of points whose rows stay in cache (two passes when m exceeds one block:
 * the moments, then the values, with the T rows stored by degree, computed again, and ∂Φ,
 * Ĝ' from the derivative series instead of T' rows), so its work array is at most
 * 16384 + 4 max(p, pG) doubles whatever m; the form-characteristics nodes (one block: T and
 * T' rows, the unblocked sums bit for bit) and the reduced particles (up to 65536 and more)
 * share it.
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

/* The n coefficients d of f′ for f = Σ_{k<n} c_k T_k, times scale (dξ/dx): d_{k−1} =
 * d_{k+1} + 2k c_k from k = n − 1 down to 1, d_0 halved, d_{n−1} = 0 — the polynomial
 * Σ c_k T_k′, so T d is the derivative of T c up to rounding (the exact gradient of (L2)). */
static void deriv(size_t n, const double *c, double scale, double *d)
{
    if (n == 0) return;
    d[n - 1] = 0.0;
    for (size_t k = n - 1; k >= 1; k--)
        d[k - 1] = (k + 1 < n ? d[k + 1] : 0.0) + 2.0 * (double)k * c[k];
    d[0] *= 0.5;
    for (size_t k = 0; k < n; k++) d[k] *= scale;
}

size_t sf_chebk_work(const sf_chebk *k, size_t m)
{
    const size_t q = width(k), b = block(q);
    return 2 * (b < m ? b : m) * q + 4 * q;
}

/* Points whose recurrences run side by side in block_rows: independent chains (and SIMD
 * lanes) instead of one latency-bound chain per point; the same operations, in the same
 * order per element, as rows(), so the rows are the same bit for bit. */
enum { SF_CHEBK_LANES = 8 };

/* The T and T' rows of points i0 … i0 + nb − 1, stride q. */
static void block_rows(const sf_chebk *k, size_t q, const double *x, size_t i0, size_t nb,
                       double *T, double *dT)
{
    enum { L = SF_CHEBK_LANES };
    const double mid = 0.5 * (k->lo + k->hi), inv = 2.0 / (k->hi - k->lo);
    size_t i = 0;
    for (; i + L <= nb && q > 1; i += L) {
        double xi[L], t1[L], t2[L], d1[L], d2[L], t[L], d[L];
        for (size_t g = 0; g < L; g++) {
            const double v = (x[i0 + i + g] - mid) * inv;
            xi[g] = v < -1.0 ? -1.0 : v > 1.0 ? 1.0 : v;
            t2[g] = 1.0, t1[g] = xi[g], d2[g] = 0.0, d1[g] = 1.0;
            T[(i + g) * q] = 1.0;
            T[(i + g) * q + 1] = xi[g];
                dT[(i + g) * q] = 0.0, dT[(i + g) * q + 1] = 1.0;
        }
        for (size_t kk = 2; kk < q; kk++) {
            for (size_t g = 0; g < L; g++) t[g] = 2.0 * xi[g] * t1[g] - t2[g];
            for (size_t g = 0; g < L; g++) d[g] = 2.0 * t1[g] + 2.0 * xi[g] * d1[g] - d2[g];
            for (size_t g = 0; g < L; g++) {
                dT[(i + g) * q + kk] = d[g];
                d2[g] = d1[g];
                d1[g] = d[g];
            }
            for (size_t g = 0; g < L; g++) {
                T[(i + g) * q + kk] = t[g];
                t2[g] = t1[g];
                t1[g] = t[g];
            }
        }
    }
    for (; i < nb; i++) { /* the rest, one by one */
        double xi = (x[i0 + i] - mid) * inv;
        xi = xi < -1.0 ? -1.0 : xi > 1.0 ? 1.0 : xi;
        rows(q, xi, T + i * q, dT + i * q);
    }
}

/* The T rows of points i0 … i0 + nb − 1 stored by degree (T[k·nb + i] = T_k(ξ_i)), so that
 * the recurrence runs along contiguous points (SIMD); tx: nb doubles of scratch (2ξ). */
static void block_cols(const sf_chebk *k, size_t q, const double *x, size_t i0, size_t nb,
                       double *T, double *tx)
{
    const double mid = 0.5 * (k->lo + k->hi), inv = 2.0 / (k->hi - k->lo);
    for (size_t i = 0; i < nb; i++) {
        double xi = (x[i0 + i] - mid) * inv;
        xi = xi < -1.0 ? -1.0 : xi > 1.0 ? 1.0 : xi;
        T[i] = 1.0;
        if (q > 1) T[nb + i] = xi;
        tx[i] = 2.0 * xi;
    }
    for (size_t kk = 2; kk < q; kk++) {
        const double *t1 = T + (kk - 1) * nb, *t2 = T + (kk - 2) * nb;
        double *t = T + kk * nb;
        for (size_t i = 0; i < nb; i++) t[i] = tx[i] * t1[i] - t2[i];
    }
}

void sf_chebk_apply(const sf_chebk *k, size_t m, const double *x, const double *s, double *phi,
                    double *dphi, double *G, double *dG, double *work)
{
    const size_t q = width(k), p = k->p, pG = k->pG, B = block(q), nB = B < m ? B : m;
    const double inv = 2.0 / (k->hi - k->lo);
    double *T = work, *dT = work + nB * q, *mu = dT + nB * q, *v = mu + q;
    if (m <= B) {
        /* one block (the nodes of form characteristics): T and T' rows, μ = Tᵀ s over the
         * first p columns, v = A μ, Φ = T v, ∂Φ = T' v (chain rule: ×inv), Ĝ = T g,
         * Ĝ' = T' g */
        block_rows(k, q, x, 0, m, T, dT);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)m, (int)p, 1.0, T, (int)q, s, 1, 0.0, mu,
                    1);
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, k->A, (int)p, mu, 1, 0.0, v, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)p, 1.0, T, (int)q, v, 1, 0.0,
                    phi, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)p, inv, dT, (int)q, v, 1, 0.0,
                    dphi, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)pG, 1.0, T, (int)q, k->g, 1, 0.0,
                    G, 1);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)pG, inv, dT, (int)q, k->g, 1,
                    0.0, dG, 1);
        return;
    }
    /* more blocks (the particles): pass 1, μ = Σ_blocks T s with T by degree (block_cols);
     * v = A μ and the derivative series v′, g′ (deriv); pass 2, T again and Φ = Tᵀ v,
     * ∂Φ = Tᵀ v′, Ĝ = Tᵀ g, Ĝ' = Tᵀ g′ — no T' rows: the same polynomials, half the
     * recurrence work, different rounding */
    double *dv = v + q, *dg = dv + q;
    for (size_t i0 = 0; i0 < m; i0 += B) {
        const size_t nb = m - i0 < B ? m - i0 : B;
        block_cols(k, q, x, i0, nb, T, dT);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)p, (int)nb, 1.0, T, (int)nb, s + i0, 1,
                    i0 ? 1.0 : 0.0, mu, 1);
    }
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, k->A, (int)p, mu, 1, 0.0, v, 1);
    deriv(p, v, inv, dv);
    deriv(pG, k->g, inv, dg);
    for (size_t i0 = 0; i0 < m; i0 += B) {
        const size_t nb = m - i0 < B ? m - i0 : B;
        block_cols(k, q, x, i0, nb, T, dT);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)p, (int)nb, 1.0, T, (int)nb, v, 1, 0.0,
                    phi + i0, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)p, (int)nb, 1.0, T, (int)nb, dv, 1, 0.0,
                    dphi + i0, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)pG, (int)nb, 1.0, T, (int)nb, k->g, 1, 0.0,
                    G + i0, 1);
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)pG, (int)nb, 1.0, T, (int)nb, dg, 1, 0.0,
                    dG + i0, 1);
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

int sf_chebk_plateau(const sf_chebk *k, double risk_const, double *net, double *rate,
                     double *risk)
{
    const double inv = 2.0 / (k->hi - k->lo);
    double K = 0.0, Kxx = 0.0, G = 0.0, Gxx = 0.0;
    for (size_t a = 0; a < k->p; a++) {
        const double d2 = (double)a * (double)a * ((double)a * (double)a - 1.0) / 3.0;
        for (size_t b = 0; b < k->p; b++) {
            K += k->A[a * k->p + b];
            Kxx += d2 * k->A[a * k->p + b];
        }
    }
    for (size_t a = 0; a < k->pG; a++) {
        G += k->g[a];
        Gxx += (double)a * (double)a * ((double)a * (double)a - 1.0) / 3.0 * k->g[a];
    }
    if (!(K > 0.0)) return -1;
    *net = G / K;
    *rate = inv * inv * (Gxx - *net * Kxx);
    *risk = risk_const - 0.5 * *net * G;
    return 0;
}
