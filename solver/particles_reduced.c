/* particles_reduced.c — the reduced particles of form L: characteristics of (M15) for m
 * neurons (εⱼ, xⱼ, cⱼ) on the reduced coordinate x (θ or φ), with the risk (M14).
 *
 * Two kernel paths, one ODE. When the table carries the Chebyshev series of (L8)
 * (tab->cheb.p > 0: solver.kernel factored and the series converged, reduction/table.c),
 * Ψ̂ = Σ_j s_j K̂(·, x_j) − Ĝ and ∂Ψ̂ at the particles come from sf_chebk_apply (chebk.h), the
 * operator of form characteristics: O(m p + p²) per velocity, K̂ = Tᵀ A T with A = U Uᵀ
 * symmetric PSD and ∂_xK̂ the exact derivative of that series, so the system is an exact
 * gradient flow of its own risk (L2) to rounding, with Ĝ's series in the risk and velocity.
 * Otherwise (the fallback, and solver.kernel: dense) K̂ is interpolated by the tensor-product bicubic Hermite interpolant of the table: node
 * values K̂, slopes ∂_xK̂ (table) and ∂_yK̂ (= ∂_xK̂ transposed, K̂ being symmetric), and
 * cross slopes ∂_x∂_yK̂ by fourth-order differences of ∂_xK̂ along y, symmetrised. The
 * interpolant is C¹ and symmetric in (x, y) — so the particle system stays an exact
 * gradient flow of its own risk and R decreases (L2) — with errors O(h⁴) in K̂ and O(h³)
 * in ∂_xK̂. The table's K̂ already carries the input law's scale (reduction/kernel.c: K̂/d
 * for the sphere), so kappa_scale is not applied again. Because it is a tensor product, Ψ̂ = ∫K̂ dm − Ĝ is evaluated by
 * depositing the particles on the 2n Hermite basis functions, one 2n×2n product and an
 * interpolation back: O(m + n²) per velocity instead of O(m²) pair interpolations.
 * Not here: the full-width particles (particles_full.c), sampling and time stepping
 * (particles.c), tabulating K̂ (reduction/).
 * MATH tags: (M11), (M13), (M14), (M15), (L1), (L2).
 */
#include <cblas.h>
#include <math.h>

#include "particles_internal.h"

/* Cell index and local coordinate t ∈ [0, 1] of x on the uniform nodes, x clamped. */
static size_t sf_psim_cell(const sf_psim *ps, double x, double *t)
{
    double s = (x - ps->tab->lo) / ps->h;
    if (s < 0.0) s = 0.0;
    if (s > (double)(ps->n - 1)) s = (double)(ps->n - 1);
    size_t i = (size_t)s;
    if (i > ps->n - 2) i = ps->n - 2;
    *t = s - (double)i;
    return i;
}

void sf_psim_reduced_setup(sf_psim *ps)
{
    const size_t n = ps->n, n2 = 2 * n;
    const double *K = ps->tab->K, *dK = ps->tab->dK;
    const double h = ps->h;
    double *M = ps->Mk;
    for (size_t p = 0; p < n; p++) {
        for (size_t q = 0; q < n; q++) {
            M[p * n2 + q] = 0.5 * (K[p * n + q] + K[q * n + p]);
            M[p * n2 + n + q] = dK[q * n + p];       /* ∂_y K̂(x_p, y_q) */
            M[(n + p) * n2 + q] = dK[p * n + q];     /* ∂_x K̂(x_p, y_q) */
        }
    }
    /* D_pq ≈ ∂_y ∂_x K̂(x_p, y_q) from the rows of ∂_x K̂, fourth-order differences
     * (one-sided at the two nodes next to each end), stored in the (1,1) block */
    for (size_t p = 0; p < n; p++) {
        const double *r = dK + p * n;
        double *out = M + (n + p) * n2 + n;
        const double c = 1.0 / (12.0 * h);
        out[0] = c * (-25.0 * r[0] + 48.0 * r[1] - 36.0 * r[2] + 16.0 * r[3] - 3.0 * r[4]);
        out[1] = c * (-3.0 * r[0] - 10.0 * r[1] + 18.0 * r[2] - 6.0 * r[3] + r[4]);
        for (size_t q = 2; q + 2 < n; q++)
            out[q] = c * (r[q - 2] - 8.0 * r[q - 1] + 8.0 * r[q + 1] - r[q + 2]);
        const double *e = r + n - 5;
        out[n - 2] = c * (3.0 * e[4] + 10.0 * e[3] - 18.0 * e[2] + 6.0 * e[1] - e[0]);
        out[n - 1] = c * (25.0 * e[4] - 48.0 * e[3] + 36.0 * e[2] - 16.0 * e[1] + 3.0 * e[0]);
    }
    for (size_t p = 0; p < n; p++) {
        for (size_t q = 0; q < p; q++) {
            double *u = M + (n + p) * n2 + n + q, *v = M + (n + q) * n2 + n + p;
            const double avg = 0.5 * (*u + *v);
            *u = avg;
            *v = avg;
        }
    }
}

/* (M15) with K̂ and Ĝ from the Chebyshev series (L8): one sf_chebk_apply gives Φ, ∂Φ, Ĝ,
 * ∂Ĝ at all particles. */
static double velocity_cheb(sf_psim *ps, const double *y, double *ydot)
{
    const size_t m = (size_t)ps->m;
    const double *x = y, *c = y + m, inv_m = 1.0 / (double)m;
    double *s = ps->cs, *phi = s + m, *dphi = phi + m, *G = dphi + m, *dG = G + m;
    for (size_t j = 0; j < m; j++) s[j] = ps->eps[j] * c[j] * inv_m;
    sf_chebk_apply(&ps->tab->cheb, m, x, s, phi, dphi, G, dG, ps->cwork);
    double risk = 0.0;
    for (size_t j = 0; j < m; j++) {
        const double psi = phi[j] - G[j], dpsi = dphi[j] - dG[j]; /* (M13) */
        ydot[j] = -ps->eps[j] * dpsi;                              /* (M15) ω̇ = −ε ∇_S Ψ̂ */
        ydot[m + j] = -2.0 * ps->eps[j] * psi * c[j];              /* (M15) ċ = −2εΨ̂ c */
        risk += ps->eps[j] * c[j] * (0.5 * phi[j] - G[j]);         /* (M14) */
    }
    ps->rhs_evals++;
    return risk * inv_m + ps->tab->risk_const;
}

double sf_psim_reduced_velocity(sf_psim *ps, const double *y, double *ydot)
{
    if (ps->tab->cheb.p) return velocity_cheb(ps, y, ydot);
    const size_t m = (size_t)ps->m, n = ps->n;
    const double *x = y, *c = y + m;
    const double h = ps->h, inv_m = 1.0 / (double)m;
    double *rho = ps->rho, *Fk = ps->Fk;

    for (size_t q = 0; q < 2 * n; q++) rho[q] = 0.0;
    for (size_t j = 0; j < m; j++) {
        double t;
        const size_t i = sf_psim_cell(ps, x[j], &t);
        const double w = ps->eps[j] * c[j] * inv_m, t2 = t * t, t3 = t2 * t;
        rho[i] += w * (2 * t3 - 3 * t2 + 1);
        rho[i + 1] += w * (-2 * t3 + 3 * t2);
        rho[n + i] += w * h * (t3 - 2 * t2 + t);
        rho[n + i + 1] += w * h * (t3 - t2);
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)(2 * n), (int)(2 * n), 1.0, ps->Mk,
                (int)(2 * n), rho, 1, 0.0, Fk, 1);

    double risk = 0.0;
    for (size_t j = 0; j < m; j++) {
        double t;
        const size_t i = sf_psim_cell(ps, x[j], &t);
        const double t2 = t * t, t3 = t2 * t;
        const double phi = Fk[i] * (2 * t3 - 3 * t2 + 1) + Fk[i + 1] * (-2 * t3 + 3 * t2) +
                           h * (Fk[n + i] * (t3 - 2 * t2 + t) + Fk[n + i + 1] * (t3 - t2));
        const double dphi = (Fk[i] * (6 * t2 - 6 * t) + Fk[i + 1] * (-6 * t2 + 6 * t)) / h +
                            Fk[n + i] * (3 * t2 - 4 * t + 1) + Fk[n + i + 1] * (3 * t2 - 2 * t);
        double G, dG;
        sf_psim_interp_G(ps->tab, x[j], &G, &dG);
        const double psi = phi - G, dpsi = dphi - dG; /* (M13) */
        ydot[j] = -ps->eps[j] * dpsi;                  /* (M15) ω̇ = −ε ∇_S Ψ̂ */
        ydot[m + j] = -2.0 * ps->eps[j] * psi * c[j];  /* (M15) ċ = −2εΨ̂ c */
        risk += ps->eps[j] * c[j] * (0.5 * phi - G);   /* (M14) */
    }
    ps->rhs_evals++;
    return risk * inv_m + ps->tab->risk_const;
}
