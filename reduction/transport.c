/* transport.c — case → form-T reduced problem for d_H = 1 targets (MATH §4.4–4.6).
 *
 * Does: the (a, u, r) box of a case (rule below); K̂ (M11) and Ĝ (M12) on an auxiliary
 * uniform φ-grid of the half circle [0, π], for every d_H = 1 target, even ones included
 * (abs, the radial norm/norm2 at d_H = 1, and an expression declared even, which form L
 * reduces to θ ∈ [0, π/2] but form T needs on the whole half circle: u = ρ cos φ takes both
 * signs); ½ E f*² (M14); the exact
 * cell averages of the gaussian start (§4.6) as products of 1-D probability differences.
 * Does not: build grids (solver/grid.c), deposit or transport (solver/formt.c), balanced
 * starts (singular in (a, u, r): form lifted, §4.6).
 *
 * Box rule. a ~ N(0, σ_a²), u ~ N(0, σ_b²), r ~ σ_b χ_k. For an odd target the exact flow
 * moves (a, u) by a hyperbolic rotation of angle β(t) (MATH §3: ȧ = −δ₁u/2, u̇ = −δ₁a/2,
 * r fixed) with w = (σ_a² + σ_b²) sinh(2β)/4, so at w = w* = E[x₁ f*(x₁)] the projection
 * a = a₀ cosh β + u₀ sinh β has standard deviation s_a = (σ_a² cosh²β + σ_b² sinh²β)^{½}
 * (u: s_u with σ_a, σ_b swapped). The box is a_max = SF_T_NSIG·s_a, u_max = SF_T_NSIG·s_u,
 * r_max = σ_b √k + SF_T_NSIG·σ_b·cosh β. A target with an even part f_e is given the growth
 * of an odd one with |w*| replaced by |w*| + (E f_e²)^{½} (the even part must be carried by
 * neurons of the same weight scale as a linear target of that norm): a heuristic, exact for
 * odd targets; the solver watches the outermost cells (§4.5) and stops with "domain too
 * small" when it does not suffice. An even part also turns b within the (u, r) half-plane
 * toward ±e₁, and the aligned neurons then grow along a² − u² = const far past the odd rule:
 * measured with a 60-wide box (stretched grids, 40² × 16 cells, to t = 40) the 10⁻⁶ quantile
 * of a and |u| settles by t ≈ 16 at ≈ 26 = 2.2 r_max (abs) and ≈ 21 = 1.8 r_max (relu) and
 * stays there, so then a_max, u_max ≥ SF_T_EVEN_REACH·r_max. Both are taken in the Gaussian
 * law for both input laws (for `sphere` the growth is then overestimated). The box is
 * generous on purpose: form T's stretched grids (solver/grid.c) cost only log(box/σ) cells
 * for it, and a box that holds the long-time state lets the abs and relu cases run to t ≥ 20.
 * w* and (E f_e²)^{½} come from target.c (closed forms; quadrature for an expression).
 */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

static const double SF_T_NSIG =
    6.0; /* box half-width in (grown) start standard deviations: the Gaussian tail beyond 6σ is
            10⁻⁹, three decades under the outer-cell monitor's threshold (solver/formt.c) */
static const double SF_T_EVEN_REACH =
    3.0; /* a_max, u_max over r_max for a target with an even part: the measured reach 2.2
            (above) plus the outermost cell of a 32-cell stretched grid (~β/n ≈ 0.2 of the box),
            so that the monitor's layer stays beyond the 10⁻⁶ quantile */
enum {
    SF_T_PHI_PER_CELL = 4 /* default φ-cells per box cell: the linear deposit/interpolation
                             error O(h_φ²) then sits well under the transport error */
};
static const double SF_T_GRID_RTOL =
    1e-12; /* r grid must start at 0: relative to its length, far above the ~10⁻¹⁵ rounding */

size_t sf_reduce_transport_phi_cells(size_t na, size_t nu, size_t nr)
{
    size_t m = na > nu ? na : nu;
    m = m > nr ? m : nr;
    return SF_T_PHI_PER_CELL * m;
}

/* φ-form of an opened d_H = 1 target: even targets keep their polynomial pieces (or their
 * expression) but lose the θ-form (fold = 0, p < 0); the radial norm, norm2 at d_H = 1 are
 * |x₁|, x₁². */
static void to_line(sf_target *tg)
{
    sf_target_spec *out = &tg->spec;
    tg->fold = 0;
    if (out->kind == SF_TARGET_RADIAL) {
        memset(out->pos, 0, sizeof out->pos);
        memset(out->neg, 0, sizeof out->neg);
        if (out->p == 1.0) {
            out->pos[1] = 1.0;
            out->neg[1] = -1.0;
        } else {
            out->pos[2] = 1.0;
            out->neg[2] = 1.0;
        }
        out->kind = SF_TARGET_LINE;
    }
    out->p = -1.0;
}

/* Validation shared by the box and the tables; *t receives the case's target opened in its
 * φ-form (the caller closes it, also after a failure). w* = E[x f] and (E f_e²)^{½} of the
 * box rule come from target.c (closed forms, or quadrature for expressions). */
static sf_status check_case(sf_ctx *ctx, const sf_case *c, sf_target *t)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c != NULL && t != NULL, SF_E_ARG, "form transport: NULL argument");
    SF_CHECK(ctx, c->start.law == SF_START_GAUSSIAN, SF_E_UNSUPPORTED,
             "%s: start.law = '%s' with form transport: a balanced start is singular in "
             "(a, u, r) (MATH §4.6); use form: lifted, or start.law: gaussian",
             sf_case_where(c, "start.law"), sf_name_of(&sf_start_names, (int)c->start.law));
    SF_CHECK(ctx, c->problem.d_H == 1, SF_E_UNSUPPORTED,
             "%s: problem.d_H = %ld with form transport: this version solves d_H = 1 only",
             sf_case_where(c, "problem.d_H"), c->problem.d_H);
    SF_TRY(ctx, sf_reduce_check_dims(ctx, c)); /* the supported range (laws.c) */
    SF_TRY(ctx, sf_target_open(ctx, c, t));
    to_line(t);
cleanup:
    return status;
}

sf_status sf_reduce_transport_box(sf_ctx *ctx, const sf_case *c, sf_transport_box *box)
{
    sf_status status = SF_OK;
    sf_target spec = {0};
    SF_CHECK(ctx, box != NULL, SF_E_ARG, "sf_reduce_transport_box: NULL argument");
    SF_TRY(ctx, check_case(ctx, c, &spec));
    const double sa = c->start.sigma_a, sb = c->start.sigma_b;
    const double k = (double)(c->problem.d - c->problem.d_H);
    const double even = sf_target_even_norm_gauss(&spec);
    const double size = fabs(sf_target_xf_gauss(&spec)) + even;
    const double beta = 0.5 * asinh(4.0 * size / (sa * sa + sb * sb));
    const double ch = cosh(beta), sh = sinh(beta);
    box->a_max = SF_T_NSIG * sqrt(sa * sa * ch * ch + sb * sb * sh * sh);
    box->u_max = SF_T_NSIG * sqrt(sb * sb * ch * ch + sa * sa * sh * sh);
    box->r_max = sb * sqrt(k) + SF_T_NSIG * sb * ch;
    /* an even part turns b within the (u, r) half-plane toward ±e₁ (Ψ̂ not ∝ cos φ) and the
     * aligned neurons grow along a² − u² = const (measured reach, above) */
    box->measured = even > 0.0;
    if (even > 0.0) {
        box->u_max = fmax(box->u_max, SF_T_EVEN_REACH * box->r_max);
        box->a_max = fmax(box->a_max, SF_T_EVEN_REACH * box->r_max);
    }
    /* grid.margin: the user's factor on the automatic box (§4.5 reports when it is short) */
    box->a_max *= c->grid.margin;
    box->u_max *= c->grid.margin;
    box->r_max *= c->grid.margin;
cleanup:
    sf_target_close(&spec);
    return status;
}

void sf_transport_problem_free(sf_transport_problem *p)
{
    if (!p) return;
    free(p->K);
    free(p->G);
    free(p->n0);
    *p = (sf_transport_problem){0};
}

/* P(lo < x < hi), x ~ N(0, σ²), from the tail on the side of the interval (no cancellation). */
static double normal_cell(double lo, double hi, double sigma)
{
    const double s = 1.0 / (sigma * M_SQRT2);
    if (lo >= 0.0) return 0.5 * (erfc(lo * s) - erfc(hi * s));
    if (hi <= 0.0) return 0.5 * (erfc(-hi * s) - erfc(-lo * s));
    return 0.5 * (erf(hi * s) - erf(lo * s));
}

/* P(lo < r < hi), r = σ χ_k: regularised incomplete gamma at r²/(2σ²), from the upper tail
 * above the mean of χ²_k / 2 (no cancellation). */
static sf_status chi_cell(sf_ctx *ctx, double lo, double hi, double sigma, double k, double *out)
{
    sf_status status = SF_OK;
    gsl_sf_result r1, r2;
    const double a = 0.5 * k, x1 = 0.5 * lo * lo / (sigma * sigma), x2 = 0.5 * hi * hi / (sigma * sigma);
    int e;
    if (x1 >= a) {
        e = gsl_sf_gamma_inc_Q_e(a, x1, &r1) | gsl_sf_gamma_inc_Q_e(a, x2, &r2);
        *out = r1.val - r2.val;
    } else {
        e = gsl_sf_gamma_inc_P_e(a, x2, &r2) | gsl_sf_gamma_inc_P_e(a, x1, &r1);
        *out = r2.val - r1.val;
    }
    SF_CHECK(ctx, e == GSL_SUCCESS && isfinite(*out), SF_E_NUMERIC,
             "gaussian start: chi_%g cell [%.17g, %.17g]: incomplete gamma failed (%s)", k, lo,
             hi, gsl_strerror(e));
cleanup:
    return status;
}

sf_status sf_reduce_transport(sf_ctx *ctx, const sf_case *c, const sf_grid1 *ga,
                              const sf_grid1 *gu, const sf_grid1 *gr, size_t n_phi,
                              sf_transport_problem *p)
{
    return sf_reduce_transport_progress(ctx, c, ga, gu, gr, n_phi, NULL, p);
}

/* (M11), (M12), (M14), §4.6 */
sf_status sf_reduce_transport_progress(sf_ctx *ctx, const sf_case *c, const sf_grid1 *ga,
                                       const sf_grid1 *gu, const sf_grid1 *gr, size_t n_phi,
                                       const sf_table_progress *tp, sf_transport_problem *p)
{
    sf_status status = SF_OK;
    sf_kernel *k = NULL;
    sf_transport_problem out = {0};
    double *phi = NULL, *pa = NULL, *pu = NULL, *pr = NULL, *B = NULL, *work = NULL;
    sf_kfactor kf = {0};
    sf_target spec = {0};
    sf_gsl_quiet(); /* GSL reports through return codes, never aborts */

    SF_CHECK(ctx, ga && gu && gr && p, SF_E_ARG, "sf_reduce_transport: NULL argument");
    SF_TRY(ctx, check_case(ctx, c, &spec));
    SF_CHECK(ctx, ga->n >= 2 && gu->n >= 2 && gr->n >= 2, SF_E_ARG,
             "sf_reduce_transport: grids of %zu, %zu, %zu cells: expected at least 2 each",
             ga->n, gu->n, gr->n);
    SF_CHECK(ctx, fabs(gr->edges[0]) <= SF_T_GRID_RTOL * gr->edges[gr->n], SF_E_ARG,
             "sf_reduce_transport: r grid starts at %.17g: expected r = 0 (MATH §4.5)",
             gr->edges[0]);
    if (n_phi == 0) n_phi = sf_reduce_transport_phi_cells(ga->n, gu->n, gr->n);
    SF_CHECK(ctx, n_phi >= 2 && n_phi <= SIZE_MAX / n_phi, SF_E_RANGE,
             "sf_reduce_transport: %zu phi-cells: expected 2 ≤ n_phi and an n_phi² table", n_phi);
    SF_CHECK(ctx, ga->n <= SIZE_MAX / gu->n && ga->n * gu->n <= SIZE_MAX / gr->n, SF_E_RANGE,
             "sf_reduce_transport: %zu×%zu×%zu cells overflow", ga->n, gu->n, gr->n);

    /* The evaluator of the case; an even d_H = 1 target comes back in its θ-form and is
     * switched to the φ-form: same t-rule and Legendre rule, line 𝒢₁ (kernel.c). */
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k));
    if (k->theta) {
        k->theta = 0;
        to_line(&k->tgt);
        sf_target_calg_setup(&k->tgt, c, &k->leg, &k->calg);
    }
    out.risk_const = sf_target_risk_const(&spec, c);

    out.n_phi = n_phi;
    SF_ALLOC(ctx, out.K, n_phi * n_phi);
    SF_ALLOC(ctx, out.G, n_phi);
    SF_ALLOC(ctx, phi, n_phi);
    for (size_t j = 0; j < n_phi; j++) phi[j] = M_PI * ((double)j + 0.5) / (double)n_phi;
    /* (L8): the PSD factor of form L's φ-form, K = B Bᵀ on the φ-centres (n_phi² r products
     * instead of n_phi²/2 quadratures), and Ĝ from its Chebyshev series, when both converge
     * to solver.kernel_tol and pass their checks; else the direct tables */
    int g_interp = 0, k_factored = 0;
    if (c->solver.kernel == SF_KERNEL_FACTORED) {
        const double tol = c->solver.kernel_tol;
        double g_check = NAN;
        SF_TRY(ctx, sf_kfactor_build(ctx, k, 0.0, M_PI, tol, &kf));
        if (sf_kfactor_good(&kf, tol)) {
            SF_ALLOC(ctx, B, n_phi * kf.rank);
            SF_ALLOC(ctx, work, kf.p);
            sf_kfactor_eval(&kf, n_phi, phi, B, work);
            sf_kfactor_gram(n_phi, kf.rank, B, out.K);
            k_factored = 1;
            SF_TRY(ctx, sf_kfactor_G(ctx, k, 0.0, M_PI, tol, SF_KF_CHECK_FACTOR, n_phi, phi,
                                     out.G, &g_interp, &g_check));
            snprintf(out.kernel_note, sizeof out.kernel_note,
                     "kernel factored (L8): Chebyshev %zu, rank %zu (a-posteriori error %.1e); "
                     "G %s", kf.p, kf.rank, kf.check, g_interp ? "interpolated" : "direct");
            if (tp && tp->fn) tp->fn(1.0, tp->user);
        }
    }
    if (!k_factored) {
        sf_kernel_tabulate_K(k, n_phi, phi, out.K, tp);
        snprintf(out.kernel_note, sizeof out.kernel_note, "kernel dense");
    }
    for (size_t j = 0; j < n_phi; j++) {
        if (!g_interp) out.G[j] = sf_kernel_G(k, phi[j]);
        SF_CHECK(ctx, isfinite(out.G[j]) && isfinite(out.K[j * n_phi + j]), SF_E_NUMERIC,
                 "sf_reduce_transport: non-finite kernel at phi = %.17g (cell %zu)", phi[j], j);
    }

    /* §4.6: n₀ = N(a; 0, σ_a²) N(u; 0, σ_b²) χ_k(r/σ_b)/σ_b, cell averages = product of the
     * three 1-D cell probabilities over the cell volume. */
    const double kk = (double)(c->problem.d - c->problem.d_H);
    SF_ALLOC(ctx, pa, ga->n);
    SF_ALLOC(ctx, pu, gu->n);
    SF_ALLOC(ctx, pr, gr->n);
    for (size_t i = 0; i < ga->n; i++) pa[i] = normal_cell(ga->edges[i], ga->edges[i + 1], c->start.sigma_a);
    for (size_t i = 0; i < gu->n; i++) pu[i] = normal_cell(gu->edges[i], gu->edges[i + 1], c->start.sigma_b);
    for (size_t i = 0; i < gr->n; i++) {
        double lo = i == 0 ? 0.0 : gr->edges[i];
        SF_TRY(ctx, chi_cell(ctx, lo, gr->edges[i + 1], c->start.sigma_b, kk, &pr[i]));
    }
    out.na = ga->n;
    out.nu = gu->n;
    out.nr = gr->n;
    SF_ALLOC(ctx, out.n0, out.na * out.nu * out.nr);
    for (size_t ia = 0; ia < out.na; ia++)
        for (size_t iu = 0; iu < out.nu; iu++)
            for (size_t ir = 0; ir < out.nr; ir++) {
                double vol = ga->widths[ia] * gu->widths[iu] * gr->widths[ir];
                out.n0[(ia * out.nu + iu) * out.nr + ir] = pa[ia] * pu[iu] * pr[ir] / vol;
            }
    *p = out;
    out = (sf_transport_problem){0};

cleanup:
    free(B);
    free(work);
    sf_kfactor_free(&kf);
    free(phi);
    free(pa);
    free(pu);
    free(pr);
    sf_transport_problem_free(&out);
    sf_kernel_destroy(&k);
    sf_target_close(&spec);
    return status;
}
