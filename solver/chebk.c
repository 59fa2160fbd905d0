/* chebk.c — applying a Chebyshev-series kernel to weighted points (chebk.h): the T_k and T_k'
 * rows of each point by the three-term recurrences, the moments μ = Σ_j s_j T(ξ_j), v = A μ,
 * then Φ = T v and ∂Φ = T' v — O(m p) per application, never a pair loop.
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

size_t sf_chebk_work(const sf_chebk *k, size_t m) { return 2 * m * width(k) + 2 * width(k); }

void sf_chebk_apply(const sf_chebk *k, size_t m, const double *x, const double *s, double *phi,
                    double *dphi, double *G, double *dG, double *work)
{
    const size_t q = width(k), p = k->p, pG = k->pG;
    const double mid = 0.5 * (k->lo + k->hi), inv = 2.0 / (k->hi - k->lo);
    double *T = work, *dT = work + m * q, *mu = dT + m * q, *v = mu + q;
    for (size_t i = 0; i < m; i++) {
        double xi = (x[i] - mid) * inv;
        xi = xi < -1.0 ? -1.0 : xi > 1.0 ? 1.0 : xi;
        rows(q, xi, T + i * q, dT + i * q);
    }
    /* μ = Tᵀ s over the first p columns, v = A μ, Φ = T v, ∂Φ = T' v (chain rule: ×inv) */
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)m, (int)p, 1.0, T, (int)q, s, 1, 0.0, mu, 1);
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, k->A, (int)p, mu, 1, 0.0, v, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)p, 1.0, T, (int)q, v, 1, 0.0, phi, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)p, inv, dT, (int)q, v, 1, 0.0, dphi, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)pG, 1.0, T, (int)q, k->g, 1, 0.0, G, 1);
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)m, (int)pG, inv, dT, (int)q, k->g, 1, 0.0, dG,
                1);
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
