/* formh.c — form H (MATH §4.7, H1–H4) by finite volumes on (η, ω) for d_H = 1 (ω = φ) and
 * radial targets (ω = θ): the |δ|-weighted densities N⁰ (δ < 0) and N^± (δ > 0, sgn a = ±),
 * their b = 0 passage at the inner boundary η₀ of N^±, the diagnostics (H3), (H4), (M8),
 * (M14), §6 and the η-edge monitor (§4.5).
 *
 * Discretisation (MATH §5). Family f ∈ {N⁰, N⁺, N⁻} has sign s_f = +1, +1, −1 (a ρ =
 * s_f ½|δ| sinh 2η), an η-grid, and cell averages N_ij (η-cell i, ω-cell j). The lever
 * L_i = (1/h_i) ∫_cell ½ sinh 2η dη is exact (H3); M_j = Σ_f s_f Σ_i L_i N_ij h_i h_ωj;
 * Ψ̂ = K M − G (M13, one gemv); the cell potential V_ij = s_f L_i Ψ̂_j = ∂R_h/∂(N_ij h_i h_ωj)
 * for R_h = ½ MᵀKM − GᵀM + ½E f*² (K symmetric).
 * Velocities (H1) at the faces, upwind MUSCL face values (fv.h) along η and along ω:
 *   η-face i+½ of column j:  v = −s_f Ψ̂_j = −μ (V_{i+1,j} − V_ij)/Δη, μ = Δη/(L_{i+1} − L_i) > 0
 *     (L is increasing: ½ sinh 2η is), so η̇ is exact and the mobility is a positive number;
 *   ω-face j+½ of row i:     v = −s_f c_i (Ψ̂_{j+1} − Ψ̂_j)/Δω_j, c_i = tanh η_i (N⁰) or coth η_i
 *     (N^±) at the centre, = −(c_i/L_i)(V_{i,j+1} − V_ij)/Δω_j with c_i/L_i ≥ 0.
 * Summation by parts then gives dR_h/dt = Σ V_c d(N_c vol_c)/dt = −D with
 *   D = Σ_η-faces N_f h_ω Ψ̂_j² (L_{i+1} − L_i) + Σ_ω-faces N_f h_η c_i L_i (ΔΨ̂)²/Δω + B ≥ 0,
 * the discrete (H4) (the continuum weights cosh 2η Ψ̂² and sinh²η or cosh²η |∇Ψ̂|² are the
 * limits of the two sums), for every limiter and grid. Zero flux at the ω ends (§4.5) and at
 * the outer η ends (box, watched by the monitor).
 * Inner boundary η₀ of N^s (§4.7): where −sΨ̂_j < 0 the column j flows out with the upwind
 * (cell) value; that weighted mass re-enters the same family at the antipodal ω-cell j′ (the
 * cell of lo + hi − ω_j for φ; j′ = j for θ) when −sΨ̂_{j′} > 0 there, and is otherwise parked
 * in the family's b = 0 reservoir (a state variable, so each family's mass is conserved to
 * rounding). B = Σ outflow · (V_{0j} − V_{0j′} or V_{0j} − 0) ≥ 0 (V_{0j} > 0 > V_{0j′} on a
 * transfer, V_{0j} > 0 when parked), so D is still exactly −dR_h/dt.
 * Positivity as forms L, T: a zero cell has zero limited outflow.
 * The form interface (form.h) is at the end.
 * Not here: tables, the start and the grids (reduction/), time stepping (drive.c).
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/formh.h"

static const double SF_FORMH_EDGE_MASS =
    1e-6; /* share of ∫|aρ| in an outermost η-layer that stops a run (§4.5): the planner's box
             leaves 10⁻⁸ of it beyond the box at the start (plan.c), so 10⁻⁶ means that the
             flow has carried mass to the box */

enum { SF_H_FAMILIES = 3 };

typedef struct {
    const sf_grid1 *g; /* η-grid (borrowed) */
    size_t n;          /* η-cells */
    size_t off;        /* offset of the family in the state */
    double sign;       /* s_f: sign of a ρ for δ > 0 families; +1 for N⁰ */
    int inner;         /* 1: the first η-face is η₀ (N^±) */
    double *lever;     /* n: L_i, cell average of ½ sinh 2η (H3) */
    double *cfac;      /* n: c_i = tanh η_i (N⁰) or coth η_i (N^±) (H1) */
} family;

struct sf_formh {
    const sf_grid1 *go;             /* ω-grid (borrowed) */
    const sf_hyperbolic_problem *p; /* tables (borrowed) */
    sf_fv_scheme scheme;            /* reconstruction and limiter */
    size_t nw;                      /* ω-cells */
    family fam[SF_H_FAMILIES];      /* N⁰, N⁺, N⁻ */
    size_t res;                     /* offset of the two reservoirs in the state */
    size_t size;                    /* state length */
    size_t *anti;                   /* nw: antipodal ω-cell j′ (§4.7) */
    double *cosw, *sin2w;           /* nw: cos ω_j, sin² ω_j at centres (w, alignment) */
    double *mass;                   /* nw: M (workspace) */
    double *psi;                    /* nw: Ψ̂ (workspace) */
    double *gpsi;                   /* nw − 1: (Ψ̂_{j+1} − Ψ̂_j)/Δω_j (workspace) */
    double *vel, *face;             /* largest family size: face velocities and values */
    char failure[256];              /* why the last rhs failed */
};

double sf_formh_edge_mass_default(void) { return SF_FORMH_EDGE_MASS; }
size_t sf_formh_size(const sf_formh *h) { return h->size; }

static void formh_destroy(sf_formh **hp)
{
    if (!hp || !*hp) return;
    sf_formh *h = *hp;
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        free(h->fam[f].lever);
        free(h->fam[f].cfac);
    }
    free(h->anti);
    free(h->cosw);
    free(h->sin2w);
    free(h->mass);
    free(h->psi);
    free(h->gpsi);
    free(h->vel);
    free(h->face);
    free(h);
    *hp = NULL;
}

static sf_status formh_create(sf_ctx *ctx, const sf_formh_form_params *fp, sf_formh **out)
{
    sf_status status = SF_OK;
    sf_formh *h = NULL;
    const sf_hyperbolic_problem *p = fp->p;
    SF_CHECK(ctx, fp->go->n == p->n_omega && fp->ge0->n == p->n_eta0 && fp->gep->n == p->n_etap &&
                      fp->go->n >= 2 && fp->ge0->n >= 2 && fp->gep->n >= 2,
             SF_E_ARG, "form H: grids of %zu (omega), %zu, %zu (eta) cells but tables for %zu, "
             "%zu, %zu", fp->go->n, fp->ge0->n, fp->gep->n, p->n_omega, p->n_eta0, p->n_etap);
    SF_CHECK(ctx, fp->gep->edges[0] > 0.0, SF_E_ARG,
             "form H: the delta > 0 eta-grid starts at %g: expected eta_0 > 0", fp->gep->edges[0]);
    SF_ALLOC(ctx, h, 1);
    h->go = fp->go;
    h->p = p;
    h->scheme = fp->scheme;
    h->nw = fp->go->n;
    const sf_grid1 *ge[SF_H_FAMILIES] = {fp->ge0, fp->gep, fp->gep};
    const double sign[SF_H_FAMILIES] = {1.0, 1.0, -1.0};
    size_t off = 0, largest = 0;
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        family *F = &h->fam[f];
        F->g = ge[f];
        F->n = ge[f]->n;
        F->off = off;
        F->sign = sign[f];
        F->inner = f > 0;
        off += F->n * h->nw;
        largest = F->n * h->nw > largest ? F->n * h->nw : largest;
        SF_ALLOC(ctx, F->lever, F->n);
        SF_ALLOC(ctx, F->cfac, F->n);
        for (size_t i = 0; i < F->n; i++) {
            const double lo = F->g->edges[i], hi = F->g->edges[i + 1], c = F->g->centres[i];
            /* ∫ ½ sinh 2η = ¼ (cosh 2hi − cosh 2lo) = ½ sinh(hi + lo) sinh(hi − lo): no
             * cancellation in the difference of two cosh */
            F->lever[i] = 0.5 * sinh(hi + lo) * sinh(hi - lo) / F->g->widths[i];
            F->cfac[i] = f == 0 ? tanh(c) : 1.0 / tanh(c);
        }
    }
    h->res = off;
    h->size = off + 2;
    SF_ALLOC(ctx, h->anti, h->nw);
    SF_ALLOC(ctx, h->cosw, h->nw);
    SF_ALLOC(ctx, h->sin2w, h->nw);
    SF_ALLOC(ctx, h->mass, h->nw);
    SF_ALLOC(ctx, h->psi, h->nw);
    SF_ALLOC(ctx, h->gpsi, h->nw);
    SF_ALLOC(ctx, h->vel, largest);
    SF_ALLOC(ctx, h->face, largest);
    const sf_grid1 *go = fp->go;
    const double lo = go->edges[0], hi = go->edges[go->n];
    for (size_t j = 0; j < h->nw; j++) {
        const double w = go->centres[j];
        h->cosw[j] = cos(w);
        h->sin2w[j] = sin(w) * sin(w);
        h->anti[j] = j;
        if (p->antipodal) { /* the cell holding lo + hi − ω_j (j ↦ n − 1 − j on symmetric grids) */
            const double a = lo + hi - w;
            size_t k = 0;
            while (k + 1 < go->n && go->edges[k + 1] <= a) k++;
            h->anti[j] = k;
        }
    }
    *out = h;
    return SF_OK;
cleanup:
    formh_destroy(&h);
    return status;
}

/* (H3), (M13): M, Ψ̂ for state y. */
static void potential(sf_formh *h, const double *y)
{
    const size_t nw = h->nw;
    const double *hw = h->go->widths;
    for (size_t j = 0; j < nw; j++) {
        h->mass[j] = 0.0;
        h->psi[j] = h->p->G[j];
    }
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        const family *F = &h->fam[f];
        const double *N = y + F->off;
        for (size_t i = 0; i < F->n; i++) {
            const double w = F->sign * F->lever[i] * F->g->widths[i];
            for (size_t j = 0; j < nw; j++) h->mass[j] += w * N[i * nw + j] * hw[j];
        }
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)nw, (int)nw, 1.0, h->p->K, (int)nw, h->mass, 1,
                -1.0, h->psi, 1);
    for (size_t j = 0; j + 1 < nw; j++)
        h->gpsi[j] = (h->psi[j + 1] - h->psi[j]) / (h->go->centres[j + 1] - h->go->centres[j]);
}

/* (H1), (H2), §4.7: the fluxes of family F for state y (after potential): adds −div to D
 * (may be NULL) and the b = 0 outflows to res (may be NULL); returns the family's part of the
 * discrete (H4) dissipation. */
static double family_flux(sf_formh *h, const family *F, const double *y, double *D, double *res)
{
    const size_t nw = h->nw, n = F->n;
    const double *N = y + F->off, *hw = h->go->widths, *he = F->g->widths;
    const double s = F->sign;
    double diss = 0.0;
    /* η-faces: v = −sΨ̂_j on every face of column j */
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = 0; j < nw; j++) h->vel[i * nw + j] = -s * h->psi[j];
    for (size_t j = 0; j < nw; j++)
        sf_fv_face_values_strided(F->g, &h->scheme, N + j, nw, h->vel + j, h->face + j);
    for (size_t i = 0; i + 1 < n; i++) {
        const double dL = F->lever[i + 1] - F->lever[i];
        for (size_t j = 0; j < nw; j++) {
            const size_t c = i * nw + j;
            const double flux = h->vel[c] * h->face[c];
            if (D) {
                D[c] -= flux / he[i];
                D[c + nw] += flux / he[i + 1];
            }
            diss += h->face[c] * hw[j] * h->psi[j] * h->psi[j] * dL;
        }
    }
    /* η₀ (§4.7): outflow to the antipodal cell or to the reservoir */
    if (F->inner) {
        for (size_t j = 0; j < nw; j++) {
            if (-s * h->psi[j] >= 0.0) continue;
            const double rate = s * h->psi[j] * N[j] * hw[j]; /* weighted mass per unit time */
            const size_t k = h->anti[j];
            const double V = s * F->lever[0] * h->psi[j];
            if (-s * h->psi[k] > 0.0) {
                if (D) {
                    D[j] -= rate / (he[0] * hw[j]);
                    D[k] += rate / (he[0] * hw[k]);
                }
                diss += rate * (V - s * F->lever[0] * h->psi[k]);
            } else {
                if (D) D[j] -= rate / (he[0] * hw[j]);
                if (res) *res += rate;
                diss += rate * V;
            }
        }
    }
    /* ω-faces: v = −s c_i (Ψ̂_{j+1} − Ψ̂_j)/Δω_j */
    for (size_t i = 0; i < n; i++) {
        const double cs = -s * F->cfac[i];
        double *vel = h->vel + i * nw, *face = h->face + i * nw;
        for (size_t j = 0; j + 1 < nw; j++) vel[j] = cs * h->gpsi[j];
        sf_fv_face_values(h->go, &h->scheme, N + i * nw, vel, face);
        const double mob = F->cfac[i] * F->lever[i] * he[i]; /* ≥ 0 */
        for (size_t j = 0; j + 1 < nw; j++) {
            const double flux = vel[j] * face[j];
            if (D) {
                D[i * nw + j] -= flux / hw[j];
                D[i * nw + j + 1] += flux / hw[j + 1];
            }
            diss += face[j] * mob * h->gpsi[j] * h->gpsi[j] *
                    (h->go->centres[j + 1] - h->go->centres[j]);
        }
    }
    return diss;
}

int sf_formh_rhs(double t, const double *y, double *ydot, void *self)
{
    (void)t;
    sf_formh *h = self;
    potential(h, y);
    for (size_t j = 0; j < h->nw; j++) {
        if (!isfinite(h->psi[j])) {
            snprintf(h->failure, sizeof h->failure,
                     "form H: potential is not finite at omega-cell %zu (omega = %g)", j,
                     h->go->centres[j]);
            return -1;
        }
    }
    for (size_t c = 0; c < h->size; c++) ydot[c] = 0.0;
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        double *res = f == 0 ? NULL : ydot + h->res + (f - 1);
        family_flux(h, &h->fam[f], y, ydot + h->fam[f].off, res);
    }
    return 0;
}

double sf_formh_risk_rate(sf_formh *h, const double *y, const double *ydot)
{
    potential(h, y);
    double rate = 0.0;
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        const family *F = &h->fam[f];
        for (size_t i = 0; i < F->n; i++)
            for (size_t j = 0; j < h->nw; j++)
                rate += F->sign * F->lever[i] * h->psi[j] * ydot[F->off + i * h->nw + j] *
                        F->g->widths[i] * h->go->widths[j];
    }
    return rate; /* the reservoirs sit at a ρ = 0: V = 0 there */
}

void sf_formh_diagnose(sf_formh *h, const double *y, sf_formh_diag *d)
{
    potential(h, y);
    const size_t nw = h->nw;
    const double *hw = h->go->widths;
    double risk = 0.0, w = 0.0, diss = 0.0, al = 0.0, lev = 0.0, nmin = INFINITY, s2 = 0.0, m11 = 0.0;
    for (size_t j = 0; j < nw; j++) {
        risk += 0.5 * (h->psi[j] - h->p->G[j]) * h->mass[j];
        w += 0.5 * h->mass[j] * h->cosw[j];
    }
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        const family *F = &h->fam[f];
        double m = 0.0;
        for (size_t i = 0; i < F->n; i++) {
            /* cell averages of sinh²η = ¼(sinh 2η)' − ½ and cosh²η = sinh²η + 1: a² and ρ²
             * per unit |δ| are sinh², cosh² (N⁰) and cosh², sinh² (N^±) */
            const double lo = F->g->edges[i], hi = F->g->edges[i + 1];
            const double sh2 = 0.5 * cosh(hi + lo) * sinh(hi - lo) / F->g->widths[i] - 0.5;
            const double a2 = f == 0 ? sh2 : sh2 + 1.0, r2 = f == 0 ? sh2 + 1.0 : sh2;
            for (size_t j = 0; j < nw; j++) {
                const double v = y[F->off + i * nw + j], q = v * F->g->widths[i] * hw[j];
                m += q;
                s2 += a2 * q;
                m11 += r2 * h->cosw[j] * h->cosw[j] * q;
                al += h->sin2w[j] * fabs(F->lever[i]) * q;
                lev += fabs(F->lever[i]) * q;
                nmin = fmin(nmin, v);
            }
        }
        if (f > 0) {
            d->reservoir[f - 1] = y[h->res + (f - 1)];
            m += y[h->res + (f - 1)];
        }
        d->mass[f] = m;
        diss += family_flux(h, F, y, NULL, NULL);
    }
    d->risk = risk + h->p->risk_const;
    d->dissipation = diss;
    d->alignment = lev > 0.0 ? al / lev : 0.0;
    d->w = h->p->antipodal ? w : 0.0;
    d->density_min = nmin;
    d->s = s2;
    d->m11 = h->p->antipodal ? m11 : 0.0;
}

/* (H5) Cell masses m_i → the midpoint rule's weights m_i − (m_{i−1} − 2m_i + m_{i+1})/24 along
 * one line of n values (stride apart), written as transfers g_{i+½} = (m_{i+1} − m_i)/24 from
 * cell i to cell i+1 (none through the ends), so the sum is unchanged to rounding. Each
 * transfer takes at most half of the cell it leaves, so no weight turns negative: the limit
 * acts only where the start is not resolved (neighbours differing by a factor > 13, e.g. the
 * ends of φ, or φ in d ≫ n²), where the exact cell masses are the better weights anyway. */
static void midpoint_weights(double *m, size_t n, size_t stride)
{
    double in = 0.0; /* transfer into cell i through its lower face */
    for (size_t i = 0; i < n; i++) {
        const double c = m[i * stride];
        double g = 0.0; /* transfer through the upper face, from i to i+1 */
        if (i + 1 < n) {
            const double r = m[(i + 1) * stride];
            g = (r - c) / 24.0;
            g = g > 0.0 ? fmin(g, 0.5 * c) : fmax(g, -0.5 * r);
        }
        m[i * stride] = c - g + in;
        in = g;
    }
}

/* The initial state (H5): the exact cell masses w_i τ₀_j of N = n(η) τ₀(ω), turned along ω and
 * along η into the midpoint rule's weights (the potential, the velocities and the moments of
 * the scheme are evaluated at cell centres), then divided by the cell volumes. The δ > 0
 * weight below η₀ starts in the reservoirs (those neurons have ρ ≤ q sinh η₀ ≈ 0). */
static void formh_initial(const sf_formh *h, double *y)
{
    const size_t nw = h->nw;
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        const family *F = &h->fam[f];
        const double *w = f == 0 ? h->p->w0 : h->p->wp;
        double *m = y + F->off;
        for (size_t i = 0; i < F->n; i++)
            for (size_t j = 0; j < nw; j++) m[i * nw + j] = w[i] * h->p->tau0[j];
        for (size_t i = 0; i < F->n; i++) midpoint_weights(m + i * nw, nw, 1);
        for (size_t j = 0; j < nw; j++) midpoint_weights(m + j, F->n, nw);
        for (size_t i = 0; i < F->n; i++)
            for (size_t j = 0; j < nw; j++) m[i * nw + j] /= F->g->widths[i] * h->go->widths[j];
    }
    y[h->res] = y[h->res + 1] = h->p->below;
}

/* Share of ∫|aρ| in the outermost η-layers (N⁰: both ends; N^±: the outer end). */
static sf_status check_edges(sf_ctx *ctx, const sf_formh *h, const double *y, double t, double tol)
{
    sf_status status = SF_OK;
    static const char *const names[SF_H_FAMILIES] = {"N0", "Nplus", "Nminus"};
    const size_t nw = h->nw;
    double total = 0.0, worst = -1.0, where = 0.0;
    int wf = 0;
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        const family *F = &h->fam[f];
        for (size_t i = 0; i < F->n; i++) {
            double layer = 0.0;
            for (size_t j = 0; j < nw; j++)
                layer += fabs(F->lever[i]) * y[F->off + i * nw + j] * F->g->widths[i] * h->go->widths[j];
            total += layer;
        }
    }
    for (int f = 0; f < SF_H_FAMILIES; f++) {
        const family *F = &h->fam[f];
        for (int side = F->inner; side < 2; side++) {
            const size_t i = side ? F->n - 1 : 0;
            double layer = 0.0;
            for (size_t j = 0; j < nw; j++)
                layer += fabs(F->lever[i]) * y[F->off + i * nw + j] * F->g->widths[i] * h->go->widths[j];
            if (layer / total > worst) {
                worst = layer / total;
                wf = f;
                where = side ? F->g->edges[F->n] : F->g->edges[0];
            }
        }
    }
    SF_CHECK(ctx, worst <= tol, SF_E_DOMAIN,
             "domain too small: %.3g %% of the weight |a rho| within one cell of eta = %+g (%s) "
             "at t = %g (threshold %.3g %%; eta-box [%g, %g] for N0, up to %g for Nplus/Nminus: "
             "enlarge it with grid.margin or end earlier with time.end)",
             100.0 * worst, where, names[wf], t, 100.0 * tol, h->fam[0].g->edges[0],
             h->fam[0].g->edges[h->fam[0].n], h->fam[1].g->edges[h->fam[1].n]);
cleanup:
    return status;
}

/* ---- the form interface ---------------------------------------------------------------- */

enum { SF_H_N_SERIES = 11, SF_H_N_FIELDS = 4, SF_H_N_ATTRS = 12 };
enum { SR_RISK, SR_DISS, SR_MASS0, SR_MASSP, SR_MASSM, SR_WPOS, SR_RESP, SR_RESM, SR_ALIGN, SR_W, SR_MIN };

static const sf_nc_series sf_h_series[SF_H_N_SERIES] = {
    {"risk", "population risk R (M2), by (M14) on the discrete potential", "1"},
    {"dissipation", "-dR/dt from the discrete (H4) identity", "1"},
    {"mass0", "weighted mass of N0: E[a^2 - |b|^2 ; a^2 < |b|^2] in the box", "1"},
    {"mass_plus", "weighted mass of Nplus and its b = 0 reservoir: E[a^2 - |b|^2 ; a > |b|]", "1"},
    {"mass_minus", "weighted mass of Nminus and its b = 0 reservoir: E[a^2 - |b|^2 ; -a > |b|]", "1"},
    {"weight_pos", "delta > 0 weight: mass_plus + mass_minus", "1"},
    {"reservoir_plus", "weighted mass of Nplus parked at b = 0 (MATH 4.7)", "1"},
    {"reservoir_minus", "weighted mass of Nminus parked at b = 0 (MATH 4.7)", "1"},
    {"alignment", "integral of sin^2(omega) |a rho| over the integral of |a rho| (MATH 6)", "1"},
    {"w", "predictor coefficient along e_1 (M8; d_H = 1, else 0)", "1"},
    {"density_min", "minimum cell density of N0, Nplus, Nminus", "1"},
};
static const sf_series_role sf_h_roles[SF_H_N_SERIES] = {
    SF_SERIES_PLAIN,     SF_SERIES_PLAIN,     SF_SERIES_CONSERVED, SF_SERIES_CONSERVED,
    SF_SERIES_CONSERVED, SF_SERIES_CONSERVED, SF_SERIES_MAXIMUM,   SF_SERIES_MAXIMUM,
    SF_SERIES_PLAIN,     SF_SERIES_PLAIN,     SF_SERIES_MINIMUM,
};
/* Each family's weighted mass (its reservoir included) holds to rounding: the fluxes and the
 * b = 0 transfers telescope. Each is scaled by itself. */
static const unsigned sf_h_exact[SF_H_N_SERIES] = {
    [SR_MASS0] = 1u << SR_MASS0, [SR_MASSP] = 1u << SR_MASSP, [SR_MASSM] = 1u << SR_MASSM,
    [SR_WPOS] = 1u << SR_WPOS};
/* coordinates: 0 eta, 1 eta_pos, 2 omega */
static const sf_nc_field sf_h_fields[SF_H_N_FIELDS] = {
    {"N0", "|delta|-weighted density of neurons with a^2 < |b|^2 in (eta, omega) (H2)", "1", 2, {0, 2}},
    {"Nplus", "delta-weighted density of neurons with a > |b| in (eta, omega) (H2)", "1", 2, {1, 2}},
    {"Nminus", "delta-weighted density of neurons with -a > |b| in (eta, omega) (H2)", "1", 2, {1, 2}},
    {"m", "direction density m(omega) of the integral of a |b| (H3)", "1", 1, {2}},
};

typedef struct {
    sf_formh *h;                    /* the discretisation (owned) */
    double edge;                    /* monitor threshold */
    double *m;                      /* n_omega: m(ω) per unit ω (owned) */
    sf_nc_coord coords[3];          /* the file's coordinates */
    char scheme[160];               /* scheme attribute text */
    sf_nc_attr attrs[SF_H_N_ATTRS]; /* form attributes */
} formh_form;

static size_t h_size(const void *self) { return ((const formh_form *)self)->h->size; }
static void h_initial(const void *self, double *y) { formh_initial(((const formh_form *)self)->h, y); }
static int h_rhs(double t, const double *y, double *ydot, void *self)
{
    return sf_formh_rhs(t, y, ydot, ((formh_form *)self)->h);
}
static const char *h_failure(const void *self) { return ((const formh_form *)self)->h->failure; }

static void h_file(const void *self, sf_form_file *ff)
{
    const formh_form *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_FIELD, .roles = sf_h_roles, .exact = sf_h_exact};
    ff->field = (sf_nc_layout){
        .title = "symflow field: form H weighted densities N0, N+, N- on (eta, omega)",
        .coords = x->coords, .n_coords = 3, .fields = sf_h_fields, .n_fields = SF_H_N_FIELDS,
        .series = sf_h_series, .n_series = SF_H_N_SERIES, .attrs = x->attrs,
        .n_attrs = SF_H_N_ATTRS};
}

static sf_status h_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    sf_status status = SF_OK;
    formh_form *x = self;
    sf_formh *h = x->h;
    sf_formh_diag d;
    sf_formh_diagnose(h, y, &d);
    SF_TRY(ctx, check_edges(ctx, h, y, t, x->edge));
    for (size_t j = 0; j < h->nw; j++) x->m[j] = h->mass[j] / h->go->widths[j];
    const double v[SF_H_N_SERIES] = {
        [SR_RISK] = d.risk,           [SR_DISS] = d.dissipation,   [SR_MASS0] = d.mass[0],
        [SR_MASSP] = d.mass[1],       [SR_MASSM] = d.mass[2],      [SR_WPOS] = d.mass[1] + d.mass[2],
        [SR_RESP] = d.reservoir[0],   [SR_RESM] = d.reservoir[1],  [SR_ALIGN] = d.alignment,
        [SR_W] = d.w,                 [SR_MIN] = d.density_min};
    memcpy(o->series, v, sizeof v);
    for (int f = 0; f < SF_H_FAMILIES; f++) o->fields[f] = y + h->fam[f].off;
    o->fields[3] = x->m;
cleanup:
    return status;
}

/* Resume: the densities are the stored fields, the reservoirs the last series values. */
static sf_status h_restore(sf_ctx *ctx, void *self, const double *const *fields,
                           const double *last, const double *first, double *y)
{
    (void)ctx;
    (void)first;
    const formh_form *x = self;
    const sf_formh *h = x->h;
    for (int f = 0; f < SF_H_FAMILIES; f++)
        memcpy(y + h->fam[f].off, fields[f], h->fam[f].n * h->nw * sizeof *y);
    y[h->res] = last[SR_RESP];
    y[h->res + 1] = last[SR_RESM];
    return SF_OK;
}

static void h_destroy(void *self)
{
    formh_form *x = self;
    if (!x) return;
    formh_destroy(&x->h);
    free(x->m);
    free(x);
}

static const sf_form_ops sf_formh_ops = {
    .name = "hyperbolic", .size = h_size, .initial = h_initial, .rhs = h_rhs, .advance = NULL,
    .stats = NULL, .file = h_file, .observe = h_observe, .failure = h_failure,
    .destroy = h_destroy, .restore = h_restore,
};

sf_status sf_formh_form(sf_ctx *ctx, const sf_formh_form_params *fp, sf_form *out)
{
    sf_status status = SF_OK;
    formh_form *x = NULL;
    SF_CHECK(ctx, fp && fp->go && fp->ge0 && fp->gep && fp->p && out, SF_E_ARG,
             "sf_formh_form: NULL argument");
    SF_ALLOC(ctx, x, 1);
    SF_TRY(ctx, formh_create(ctx, fp, &x->h));
    x->edge = fp->edge_mass > 0.0 ? fp->edge_mass : SF_FORMH_EDGE_MASS;
    SF_ALLOC(ctx, x->m, fp->go->n);
    const sf_grid1 *g[3] = {fp->ge0, fp->gep, fp->go};
    const sf_coord_id ids[3] = {SF_COORD_ETA, SF_COORD_ETA_POS, fp->coord.id};
    for (int k = 0; k < 3; k++) {
        const sf_coord *c = sf_coord_get(ids[k]);
        x->coords[k] = (sf_nc_coord){c->name, c->long_name, c->units, g[k]->n, g[k]->centres,
                                     g[k]->edges};
    }
    char recon[48];
    sf_fv_scheme_text(&fp->scheme, recon, sizeof recon);
    snprintf(x->scheme, sizeof x->scheme,
             "finite volumes on (eta, %s), %s, exact eta-velocity, centred potential differences "
             "in %s", sf_coord_get(fp->coord.id)->name, recon, sf_coord_get(fp->coord.id)->name);
    const sf_hyperbolic_problem *p = fp->p;
    const sf_nc_attr attrs[SF_H_N_ATTRS] = {
        {"group", SF_NC_ATTR_TEXT, fp->coord.group, 0, 0},
        {"scheme", SF_NC_ATTR_TEXT, x->scheme, 0, 0},
        {"reconstruction", SF_NC_ATTR_TEXT, sf_name_of(&sf_recon_names, (int)fp->scheme.reconstruction), 0, 0},
        {"limiter", SF_NC_ATTR_TEXT, sf_name_of(&sf_limiter_names, (int)fp->scheme.limiter), 0, 0},
        {"eta0", SF_NC_ATTR_DOUBLE, NULL, fp->gep->edges[0], 0},
        {"eta_max", SF_NC_ATTR_DOUBLE, NULL, fp->ge0->edges[fp->ge0->n], 0},
        {"eta_max_pos", SF_NC_ATTR_DOUBLE, NULL, fp->gep->edges[fp->gep->n], 0},
        {"weight_neg", SF_NC_ATTR_DOUBLE, NULL, p->weight0, 0},
        {"weight_pos", SF_NC_ATTR_DOUBLE, NULL, 2.0 * p->weightp, 0},
        {"weight_below_eta0", SF_NC_ATTR_DOUBLE, NULL, 2.0 * p->below, 0},
        {"edge_mass", SF_NC_ATTR_DOUBLE, NULL, x->edge, 0},
        {"risk_const", SF_NC_ATTR_DOUBLE, NULL, p->risk_const, 0},
    };
    memcpy(x->attrs, attrs, sizeof attrs);
    *out = (sf_form){&sf_formh_ops, x};
    return SF_OK;
cleanup:
    h_destroy(x);
    return status;
}

sf_formh *sf_formh_of(const sf_form *f)
{
    return f && f->ops == &sf_formh_ops ? ((formh_form *)f->self)->h : NULL;
}
