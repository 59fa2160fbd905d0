/* hyperbolic.c — case → form-H reduced problem (MATH §4.7): the gaussian start lifted to the
 * hyperbolic coordinates (η, ω) and the kernel tables on the ω-grid.
 *
 * Does: the η-factors n⁰, n^s of the start's |δ|-weighted densities in closed form, their
 * exact cell integrals (GSL adaptive quadrature), the η-reach of the start (the box rule of
 * the planner), and the tables of form L's ω-grid (K̂ (M11), Ĝ (M12) at centres, τ₀ cell
 * masses, ½E f*² (M14)) through the same kernel evaluator (kernel.c): no new kernel.
 * Does not: build grids (solver/grid.c), transport (solver/formh.c), balanced starts (the
 * limit δ → 0 sits at |η| = ∞: form lifted, §4.7).
 *
 * The q-integrals in closed form. With a ~ N(0, σ_a²) and ρ = |b| ~ σ_b χ_d independent,
 *   n⁰(η) = ∫₀^∞ q³ p_a(q sinh η) p_ρ(q cosh η) dq
 *         = C cosh^{d−1}η ∫₀^∞ q^{d+2} e^{−A q²/2} dq,   A = sinh²η/σ_a² + cosh²η/σ_b²,
 * and ∫₀^∞ q^{d+2} e^{−Aq²/2} dq = ½ (2/A)^{(d+3)/2} Γ((d+3)/2), so that
 *   log n⁰ = L + 3 log σ_b − log σ_a − 4 log cosh η − ((d+3)/2) log1p((σ_b/σ_a)² tanh²η),
 *   log n^s = L + (d+2) log σ_a − d log σ_b + (d−1) log tanh η − 4 log cosh η
 *             − ((d+3)/2) log1p((σ_a/σ_b)² tanh²η),
 *   L = −½ log 2π + (3/2) log 2 + log Γ((d+3)/2)/Γ(d/2),
 * written so that nothing of size d cancels (d up to 10¹⁵). n⁰ ~ e^{−4|η|}: the weight
 * ½ sinh 2|η| of m (H3) makes the tail that matters e^{−2|η|}. The unit test checks the
 * closed forms against GSL quadrature in q and the identity ∫n⁰ − 2∫n^s = E[ρ² − a²] =
 * dσ_b² − σ_a².
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

enum {
    SF_H_QAG_LIMIT = 200, /* subintervals of one adaptive cell integral */
    SF_H_BISECT_MAX = 60  /* bisection steps of the reach: 40 · 2⁻⁶⁰ is far below SF_H_REACH_TOL */
};
static const double SF_H_REACH_TOL =
    1e-6; /* the reach is found to this in η: the tail share e^{−2η} then moves by 2·10⁻⁶ of
             itself, nothing for a box rule */
static const double SF_H_QAG_RTOL =
    1e-12; /* relative accuracy of each cell integral: four decades under the 1e-8 the
              weighted-mass checks need, and reachable by 21-point Gauss–Kronrod on a smooth
              integrand */
static const double SF_H_ETA_END =
    40.0; /* η beyond which nothing is integrated: the densities are ≤ e^{−4·40} ≈ 10⁻⁷⁰ of
             their peak there */
static const double SF_H_GRID_RTOL =
    1e-12; /* grid ends vs the coordinate's interval (as reduce.c) */

static double log_cosh(double x)
{
    x = fabs(x);
    return x + log1p(exp(-2.0 * x)) - M_LN2;
}

static double log_const(double d)
{
    return -0.5 * log(2.0 * M_PI) + 1.5 * M_LN2 + sf_lgamma_ratio(0.5 * d, 1.5);
}

double sf_hyperbolic_n0(double eta, double d, double sa, double sb)
{
    const double t = tanh(eta), r = sb / sa;
    return exp(log_const(d) + 3.0 * log(sb) - log(sa) - 4.0 * log_cosh(eta) -
               0.5 * (d + 3.0) * log1p(r * r * t * t));
}

double sf_hyperbolic_np(double eta, double d, double sa, double sb)
{
    if (eta <= 0.0) return 0.0;
    const double t = tanh(eta), r = sa / sb;
    return exp(log_const(d) + (d + 2.0) * log(sa) - d * log(sb) + (d - 1.0) * log(t) -
               4.0 * log_cosh(eta) - 0.5 * (d + 3.0) * log1p(r * r * t * t));
}

/* The integrand of one family, optionally weighted by ½ sinh 2|η| (the lever of m, H3). */
typedef struct {
    int plus;           /* 0: n⁰, 1: n^s */
    int lever;          /* 1: times ½ sinh 2|η| */
    double d, sa, sb;   /* the start */
} dens;

static double dens_fn(double eta, void *user)
{
    const dens *q = user;
    double v = q->plus ? sf_hyperbolic_np(eta, q->d, q->sa, q->sb)
                       : sf_hyperbolic_n0(eta, q->d, q->sa, q->sb);
    return q->lever ? v * 0.5 * sinh(2.0 * fabs(eta)) : v;
}

/* ∫_lo^hi of the family's density (adaptive Gauss–Kronrod). */
static sf_status integrate(sf_ctx *ctx, gsl_integration_workspace *ws, const dens *q, double lo,
                           double hi, double *out)
{
    sf_status status = SF_OK;
    gsl_function F = {dens_fn, (void *)q};
    double err = 0.0;
    *out = 0.0;
    if (!(hi > lo)) goto cleanup;
    int e = gsl_integration_qag(&F, lo, hi, 0.0, SF_H_QAG_RTOL, SF_H_QAG_LIMIT,
                                GSL_INTEG_GAUSS21, ws, out, &err);
    /* GSL_EROUND: the requested accuracy is at rounding level, the value is still good */
    SF_CHECK(ctx, (e == GSL_SUCCESS || e == GSL_EROUND) && isfinite(*out), SF_E_NUMERIC,
             "form hyperbolic: start density integral over eta in [%.17g, %.17g] failed (%s)",
             lo, hi, gsl_strerror(e));
cleanup:
    return status;
}

/* The bulk width of n⁰ in η: tanh η = a/ρ with a ~ σ_a, ρ ≈ σ_b √d. */
static double bulk(double d, double sa, double sb) { return fmin(0.25, sa / (sb * sqrt(d))); }

/* ∫_lo^{SF_H_ETA_END} in pieces that double in width from the bulk width (every scale from
 * the bulk to the far tail is resolved by some piece). */
static sf_status integrate_tail(sf_ctx *ctx, gsl_integration_workspace *ws, const dens *q,
                                double lo, double *out)
{
    sf_status status = SF_OK;
    double sum = 0.0, piece;
    double w = bulk(q->d, q->sa, q->sb), x = lo;
    while (x < SF_H_ETA_END) {
        const double y = fmin(x + w, SF_H_ETA_END);
        SF_TRY(ctx, integrate(ctx, ws, q, x, y, &piece));
        sum += piece;
        x = y;
        w *= 2.0;
    }
    *out = sum;
cleanup:
    return status;
}

static sf_status check_start(sf_ctx *ctx, const sf_case *c)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c->start.law == SF_START_GAUSSIAN, SF_E_UNSUPPORTED,
             "%s: start.law = '%s' with form hyperbolic: a balanced start is the limit "
             "delta -> 0 at |eta| = infinity (MATH §4.7); use form: lifted, or start.law: gaussian",
             sf_case_where(c, "start.law"), sf_name_of(&sf_start_names, (int)c->start.law));
    SF_TRY(ctx, sf_reduce_check_dims(ctx, c));
cleanup:
    return status;
}

/* Smallest X in [0, SF_H_ETA_END] with ∫_X^∞ ≤ tail × ∫_0^∞ of the weighted density q. */
static sf_status reach_of(sf_ctx *ctx, gsl_integration_workspace *ws, dens q, double tail,
                          double *out)
{
    sf_status status = SF_OK;
    double total, lo = 0.0, hi = SF_H_ETA_END, t;
    q.lever = 1;
    SF_TRY(ctx, integrate_tail(ctx, ws, &q, 0.0, &total));
    for (int it = 0; it < SF_H_BISECT_MAX && hi - lo > SF_H_REACH_TOL; it++) {
        const double mid = 0.5 * (lo + hi);
        SF_TRY(ctx, integrate_tail(ctx, ws, &q, mid, &t));
        if (t <= tail * total)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
cleanup:
    return status;
}

sf_status sf_reduce_hyperbolic_reach(sf_ctx *ctx, const sf_case *c, double tail, double *eta0,
                                     double *etap)
{
    sf_status status = SF_OK;
    gsl_integration_workspace *ws = NULL;
    sf_gsl_quiet();
    SF_CHECK(ctx, c && eta0 && etap && tail > 0.0, SF_E_ARG,
             "sf_reduce_hyperbolic_reach: bad argument");
    SF_TRY(ctx, check_start(ctx, c));
    ws = gsl_integration_workspace_alloc(SF_H_QAG_LIMIT);
    SF_CHECK(ctx, ws != NULL, SF_E_NOMEM, "form hyperbolic: GSL workspace of %d intervals",
             SF_H_QAG_LIMIT);
    const dens q0 = {0, 1, (double)c->problem.d, c->start.sigma_a, c->start.sigma_b};
    const dens qp = {1, 1, (double)c->problem.d, c->start.sigma_a, c->start.sigma_b};
    SF_TRY(ctx, reach_of(ctx, ws, q0, tail, eta0));
    SF_TRY(ctx, reach_of(ctx, ws, qp, tail, etap));
cleanup:
    if (ws) gsl_integration_workspace_free(ws);
    return status;
}

void sf_hyperbolic_problem_free(sf_hyperbolic_problem *p)
{
    if (!p) return;
    free(p->K);
    free(p->G);
    free(p->tau0);
    free(p->w0);
    free(p->wp);
    *p = (sf_hyperbolic_problem){0};
}

/* (M11), (M12), (M14), §4.6, §4.7 */
sf_status sf_reduce_hyperbolic(sf_ctx *ctx, const sf_case *c, const sf_grid1 *go,
                               const sf_grid1 *ge0, const sf_grid1 *gep,
                               const sf_table_progress *tp, sf_hyperbolic_problem *p)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    sf_hyperbolic_problem out = {0};
    gsl_integration_workspace *ws = NULL;
    double *F = NULL;
    sf_gsl_quiet();

    SF_CHECK(ctx, c && go && ge0 && gep && p, SF_E_ARG, "sf_reduce_hyperbolic: NULL argument");
    SF_TRY(ctx, check_start(ctx, c));
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k));
    const sf_coord *x = sf_coord_get(k->coord.id);
    const double tol = SF_H_GRID_RTOL * (x->hi - x->lo);
    SF_CHECK(ctx, go->n >= 2 && fabs(go->edges[0] - x->lo) <= tol &&
                      fabs(go->edges[go->n] - x->hi) <= tol,
             SF_E_ARG, "sf_reduce_hyperbolic: omega-grid of %zu cells on [%.17g, %.17g]: "
             "expected >= 2 cells on %s in [%.17g, %.17g]", go->n, go->edges[0],
             go->edges[go->n], x->name, x->lo, x->hi);
    SF_CHECK(ctx, ge0->n >= 2 && gep->n >= 2 && gep->edges[0] > 0.0, SF_E_ARG,
             "sf_reduce_hyperbolic: eta-grids of %zu and %zu cells, the second from %.17g: "
             "expected >= 2 cells each and eta_0 > 0", ge0->n, gep->n, gep->edges[0]);
    const size_t n = go->n;
    SF_CHECK(ctx, n <= SIZE_MAX / n, SF_E_RANGE, "sf_reduce_hyperbolic: %zu omega-cells overflow", n);
    out.n_omega = n;
    SF_ALLOC(ctx, out.K, n * n);
    SF_ALLOC(ctx, out.G, n);
    SF_ALLOC(ctx, out.tau0, n);
    SF_ALLOC(ctx, F, n + 1);
    sf_kernel_tabulate_K(k, n, go->centres, out.K, tp);
    for (size_t i = 0; i < n; i++) {
        out.G[i] = sf_kernel_G(k, go->centres[i]);
        SF_CHECK(ctx, isfinite(out.G[i]) && isfinite(out.K[i * n + i]), SF_E_NUMERIC,
                 "sf_reduce_hyperbolic: non-finite kernel at %s = %.17g (cell %zu)", x->name,
                 go->centres[i], i);
    }
    /* τ₀: the direction of a gaussian b is uniform (§4.6), the law (L3) of form L */
    const double d = (double)c->problem.d, dH = (double)c->problem.d_H;
    for (size_t i = 0; i <= n; i++) {
        const double t = i == 0 ? x->lo : i == n ? x->hi : go->edges[i];
        if (k->theta)
            SF_TRY(ctx, sf_tau0_cdf_theta(ctx, dH, d - dH, t, &F[i]));
        else
            SF_TRY(ctx, sf_tau0_cdf_phi(ctx, d, t, &F[i]));
    }
    for (size_t i = 0; i < n; i++) out.tau0[i] = F[i + 1] - F[i];
    out.risk_const = k->risk_const;
    out.antipodal = !k->theta;

    ws = gsl_integration_workspace_alloc(SF_H_QAG_LIMIT);
    SF_CHECK(ctx, ws != NULL, SF_E_NOMEM, "form hyperbolic: GSL workspace of %d intervals",
             SF_H_QAG_LIMIT);
    const dens q0 = {0, 0, d, c->start.sigma_a, c->start.sigma_b};
    const dens qp = {1, 0, d, c->start.sigma_a, c->start.sigma_b};
    out.n_eta0 = ge0->n;
    out.n_etap = gep->n;
    SF_ALLOC(ctx, out.w0, ge0->n);
    SF_ALLOC(ctx, out.wp, gep->n);
    for (size_t i = 0; i < ge0->n; i++)
        SF_TRY(ctx, integrate(ctx, ws, &q0, ge0->edges[i], ge0->edges[i + 1], &out.w0[i]));
    for (size_t i = 0; i < gep->n; i++)
        SF_TRY(ctx, integrate(ctx, ws, &qp, gep->edges[i], gep->edges[i + 1], &out.wp[i]));
    SF_TRY(ctx, integrate_tail(ctx, ws, &q0, 0.0, &out.weight0));
    out.weight0 *= 2.0; /* n⁰ is even in η */
    SF_TRY(ctx, integrate_tail(ctx, ws, &qp, 0.0, &out.weightp));
    SF_TRY(ctx, integrate(ctx, ws, &qp, 0.0, gep->edges[0], &out.below));
    *p = out;
    out = (sf_hyperbolic_problem){0};
cleanup:
    if (ws) gsl_integration_workspace_free(ws);
    free(F);
    sf_hyperbolic_problem_free(&out);
    sf_kernel_destroy(&k);
    return status;
}
