/* particles_full.c — the full-width particle velocities: the exact population gradient
 * (M3)–(M7) of m neurons (aᵢ, bᵢ) ∈ ℝ^{1+d} with the risk (M2), and the online SGD
 * velocity of one fresh batch. g and ∇g come from the kernel table (cubic Hermite in the
 * reduced coordinate θ or φ, or the table's pointwise Ĝ(θ, φ) for d_H = 2 targets of
 * (x₁, x₂), M18).
 * Not here: time stepping and sampling (particles.c), the reduced particles
 * (particles_reduced.c), tabulating Ĝ (reduction/). No allocation: every buffer is the
 * simulator's, sized at create.
 * MATH tags: (M2), (M3), (M4), (M5), (M6), (M7), (M12), (M13), (M18).
 */
#include <assert.h>
#include <cblas.h>
#include <math.h>

#include "particles_internal.h"

/* Pairs with 1 − |cos α| below this get α from the chord |ûᵢ ∓ ûⱼ| instead of acos of the
 * Gram entry: acos amplifies a rounding error δ of cos α into δ/sin α, so above the
 * threshold the error in α is ≤ 2⁻⁵³·√d / √(2·10⁻⁴) ≈ 10⁻¹⁴·√d, and below it the chord
 * formula is accurate to rounding. */
static const double SF_PSIM_NEAR_PARALLEL = 1e-4;

void sf_psim_interp_G(const sf_kernel_table *tab, double x, double *v, double *dv)
{
    const size_t n = tab->n;
    const double h = (tab->hi - tab->lo) / (double)(n - 1);
    double s = (x - tab->lo) / h;
    if (s < 0.0) s = 0.0;
    if (s > (double)(n - 1)) s = (double)(n - 1);
    size_t i = (size_t)s;
    if (i > n - 2) i = n - 2;
    const double t = s - (double)i;
    const double t2 = t * t, t3 = t2 * t;
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t;
    const double h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    const double d00 = 6 * t2 - 6 * t, d10 = 3 * t2 - 4 * t + 1;
    const double d01 = -6 * t2 + 6 * t, d11 = 3 * t2 - 2 * t;
    const double *G = tab->G, *dG = tab->dG;
    *v = h00 * G[i] + h10 * h * dG[i] + h01 * G[i + 1] + h11 * h * dG[i + 1];
    *dv = (d00 * G[i] + d01 * G[i + 1]) / h + d10 * dG[i] + d11 * dG[i + 1];
}

/* g(b) = |b| Ĝ(x(b)) (M12) and ∇g = Ĝ ω + Ĝ′ e_x (M13) for one neuron b (d values);
 * x = θ = atan2(|b_⊥|, |b_H|) for radial tables, x = φ = atan2(|b_⊥|, b₁) for d_H = 1
 * tables; e_x the unit tangent of increasing x. Where e_x is undefined (|b_H| = 0 or
 * |b_⊥| = 0) Ĝ′ vanishes by the reflection symmetry (MATH §4.5) and the term is dropped.
 * grad: d values written. Returns g. */
static double sf_psim_g(const sf_kernel_table *tab, const double *b, size_t d, size_t d_H,
                        double *grad)
{
    double hn2 = 0.0, pn2 = 0.0;
    for (size_t k = 0; k < d_H; k++) hn2 += b[k] * b[k];
    for (size_t k = d_H; k < d; k++) pn2 += b[k] * b[k];
    const double hn = sqrt(hn2), pn = sqrt(pn2), nb = sqrt(hn2 + pn2);
    if (nb == 0.0) {
        for (size_t k = 0; k < d; k++) grad[k] = 0.0;
        return 0.0;
    }
    if (tab->G2) {
        /* d_H = 2 (M18): g = |b| Ĝ(θ, φ), θ = atan2(|b_⊥|, |b_H|), φ = atan2(b₂, b₁);
           ∇g = Ĝ b̂ + ∂_θĜ e_θ + ∂_φĜ e_φ / cos θ, e_θ = (−sin θ û_H, cos θ û_⊥),
           e_φ = (−b₂, b₁)/|b_H|. Where e_θ or e_φ is undefined the matching derivative
           vanishes (∂_θĜ = 0 at θ = 0 by the θ ↦ −θ symmetry of the cap; ∂_φĜ = O(cos θ))
           and the term is dropped. */
        const double th = atan2(pn, hn), ph = atan2(b[1], b[0]);
        double Gt = 0.0, Gp = 0.0;
        const double G = tab->G2(tab->G2_user, th, ph, &Gt, &Gp);
        for (size_t k = 0; k < d; k++) grad[k] = G * b[k] / nb;
        if (hn > 0.0) {
            const double ct = hn / nb, st = pn / nb;
            for (size_t k = 0; k < d_H; k++) grad[k] -= Gt * st * b[k] / hn;
            if (pn > 0.0)
                for (size_t k = d_H; k < d; k++) grad[k] += Gt * ct * b[k] / pn;
            grad[0] -= Gp * b[1] / (hn * ct);
            grad[1] += Gp * b[0] / (hn * ct);
        }
        return nb * G;
    }
    const double x = (tab->coord == SF_COORD_THETA) ? atan2(pn, hn) : atan2(pn, b[0]);
    double G, dG;
    sf_psim_interp_G(tab, x, &G, &dG);
    for (size_t k = 0; k < d; k++) grad[k] = G * b[k] / nb;
    if (pn > 0.0 && (!(tab->coord == SF_COORD_THETA) || hn > 0.0)) {
        const double sx = sin(x), cx = cos(x);
        if ((tab->coord == SF_COORD_THETA)) {
            for (size_t k = 0; k < d_H; k++) grad[k] -= dG * sx * b[k] / hn;
        } else {
            grad[0] -= dG * sx;
        }
        for (size_t k = d_H; k < d; k++) grad[k] += dG * cx * b[k] / pn;
    }
    return nb * G;
}

double sf_psim_full_velocity(sf_psim *ps, const double *y, double *ydot)
{
    const size_t m = (size_t)ps->m, d = ps->d;
    const double *a = y, *B = y + m;
    double *P = ps->P, *nrm = ps->nrm, *F = ps->F, *S = ps->S, *Ba = ps->Ba;
    double *adot = ydot, *bdot = ydot + m;
    const double s_kappa = ps->tab->kappa_scale;
    const double two_pi = 2.0 * SF_PSIM_PI;

    /* Gram matrix, lower triangle (M3) */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)m, (int)d, 1.0, B, (int)d, 0.0,
                P, (int)m);
    for (size_t i = 0; i < m; i++) {
        nrm[i] = sqrt(P[i * m + i]);
        /* self pair: α = 0, κ̂(1) = ½ */
        F[i] = a[i] * s_kappa * 0.5 * nrm[i] * nrm[i];
        S[i] = 0.0;
        P[i * m + i] = SF_PSIM_PI;
    }
    for (size_t i = 1; i < m; i++) {
        const double ni = nrm[i];
        const double *bi = B + i * d;
        double Fi = 0.0, Si = 0.0;
        for (size_t j = 0; j < i; j++) {
            const double nj = nrm[j];
            double alpha, sa, c;
            if (ni == 0.0 || nj == 0.0) {
                /* ∇κ at b = 0 with the convention 1(0 > 0) = ½: α = π/2 */
                alpha = 0.5 * SF_PSIM_PI;
                sa = 1.0;
                c = 0.0;
            } else {
                c = P[i * m + j] / (ni * nj);
                if (1.0 - fabs(c) > SF_PSIM_NEAR_PARALLEL) {
                    alpha = acos(c);
                    sa = sqrt(1.0 - c * c);
                } else {
                    const double *bj = B + j * d;
                    const double sg = c > 0.0 ? -1.0 : 1.0;
                    double q = 0.0;
                    for (size_t k = 0; k < d; k++) {
                        const double e = bi[k] / ni + sg * bj[k] / nj;
                        q += e * e;
                    }
                    const double hh = 0.5 * sqrt(q); /* sin(β/2), β = α or π − α */
                    const double beta = 2.0 * asin(hh > 1.0 ? 1.0 : hh);
                    sa = 2.0 * hh * sqrt(fmax(0.0, 1.0 - hh * hh));
                    const double cb = 1.0 - 2.0 * hh * hh;
                    alpha = c > 0.0 ? beta : SF_PSIM_PI - beta;
                    c = c > 0.0 ? cb : -cb;
                }
            }
            const double pa = SF_PSIM_PI - alpha;
            const double kij = s_kappa * ni * nj * (sa + pa * c) / two_pi;
            Fi += a[j] * kij;
            F[j] += a[i] * kij;
            Si += a[j] * nj * sa;
            S[j] += a[i] * ni * sa;
            P[i * m + j] = pa;
        }
        F[i] += Fi;
        S[i] += Si;
    }
    /* Σ_j a_j (π − α_ij) b_j: symmetric matrix times diag(a) B (M4) */
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < d; k++) Ba[i * d + k] = a[i] * B[i * d + k];
    cblas_dsymm(CblasRowMajor, CblasLeft, CblasLower, (int)m, (int)d, 1.0, P, (int)m, Ba,
                (int)d, 0.0, bdot, (int)d);

    const double inv_m = 1.0 / (double)m;
    const double cgrad = s_kappa * inv_m / two_pi;
    double risk = 0.0;
    for (size_t i = 0; i < m; i++) {
        const double *bi = B + i * d;
        double *vi = bdot + i * d;
        const double g = sf_psim_g(ps->tab, bi, d, ps->d_H, ps->gradg);
        const double psi = F[i] * inv_m - g; /* (M6) */
        const double sb = nrm[i] > 0.0 ? S[i] / nrm[i] : 0.0;
        for (size_t k = 0; k < d; k++) {
            const double dpsi = cgrad * (sb * bi[k] + vi[k]) - ps->gradg[k];
            vi[k] = -a[i] * dpsi; /* (M7) */
        }
        adot[i] = -psi;
        risk += a[i] * (0.5 * F[i] * inv_m - g);
    }
    ps->rhs_evals++;
    return risk * inv_m + ps->tab->risk_const;
}

void sf_psim_sgd_velocity(sf_psim *ps, double *ydot)
{
    const size_t m = (size_t)ps->m, d = ps->d, nb = (size_t)ps->batch;
    const double *a = ps->y, *B = ps->y + m;
    double *X = ps->X, *Z = ps->Z, *res = ps->res;
    double *adot = ydot, *bdot = ydot + m;
    assert(ps->target != NULL);

    for (size_t k = 0; k < nb; k++) {
        ps->laws.input(ps->laws.params, &ps->draw, X + k * d, d);
    }
    /* Z = X Bᵀ (B×m) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)m, (int)d, 1.0, X,
                (int)d, B, (int)d, 0.0, Z, (int)m);
    const double inv_m = 1.0 / (double)m, inv_b = 1.0 / (double)nb;
    for (size_t i = 0; i < m; i++) adot[i] = 0.0;
    for (size_t k = 0; k < nb; k++) {
        double *zk = Z + k * m, f = 0.0;
        for (size_t i = 0; i < m; i++) f += a[i] * (zk[i] > 0.0 ? zk[i] : 0.0);
        res[k] = f * inv_m - ps->target(X + k * d, ps->d_H, ps->target_user);
        const double r = res[k] * inv_b;
        for (size_t i = 0; i < m; i++) {
            const double on = zk[i] > 0.0;
            adot[i] -= r * on * zk[i];
            zk[i] = r * on;
        }
    }
    /* ḃ_i = −a_i Σ_k Z_ki x_k */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)d, (int)nb, 1.0, Z, (int)m,
                X, (int)d, 0.0, bdot, (int)d);
    for (size_t i = 0; i < m; i++)
        for (size_t l = 0; l < d; l++) bdot[i * d + l] *= -a[i];
}
