/* formt_properties.c — properties of the form-T discretisation (MATH.md §4.4–4.6) on coarse
 * (a, u, r) grids, d_H = 1:
 *   the semi-discrete scheme is an exact discrete gradient flow: dR_h/dt (exact central
 *   difference of the quadratic R_h along ẏ) equals −dissipation to rounding (I2);
 *   mass conserved to rounding (I1); n ≥ −atol; R non-increasing between outputs;
 *   odd-hermite (f* = x₁³ − 3x₁): Ĝ ≡ 0 to rounding and the density does not move;
 *   abs: tabulated on the whole half circle, Ĝ(π − φ) = Ĝ(φ);
 *   a box too small stops with "domain too small" naming face, fraction and t;
 *   a balanced start in form transport is refused, naming form lifted;
 *   the field file has density(time, a, u, r) and its series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/formt.h"
#include "symflow/ncio.h"
#include "symflow/ode.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"

/* CVODE tolerances of these tests; bounds involving time integration are multiples of them. */
static const double RTOL = 1e-9, ATOL = 1e-12;
/* Relative rounding of sums over ~10⁴ cells of O(1) terms (√N·ε ≈ 10⁻¹⁴, with margin). */
static const double ROUND_REL = 1e-12;
/* Rounding of the Ĝ quadrature of a degree-3 trigonometric polynomial (kernel.c): 16 Gauss
 * nodes per piece are exact, so |Ĝ| ≤ a few ε times the size of its parts (E|x₁³| ~ 2). */
static const double G_ROUND = 1e-14;
enum { CELLS = 12 };

typedef struct {
    sf_case c;
    sf_instance *in;                  /* the registry's instance (owned) */
    sf_grid1 ga, gu, gr;              /* its grids (shallow copies, owned by in) */
    sf_transport_problem p;           /* its tables (shallow copy, owned by in) */
    sf_formt *f;                      /* its discretisation (owned by in) */
} setup;

/* A d_H = 1 case with a gaussian start in form transport on CELLS uniform cells per
 * coordinate, through the registry; box = the case's rule scaled by box_scale (grid.margin,
 * set directly so that a factor < 1 can provoke the edge monitor). */
static sf_status make(sf_ctx *ctx, const char *target, long d, double box_scale, setup *s)
{
    sf_status status = SF_OK;
    memset(s, 0, sizeof *s);
    SF_TRY(ctx, sf_case_defaults(ctx, &s->c));
    s->c.problem.d = d;
    s->c.problem.d_H = 1;
    snprintf(s->c.problem.target, sizeof s->c.problem.target, "%s", target);
    s->c.start.law = SF_START_GAUSSIAN;
    snprintf(s->c.form, sizeof s->c.form, "transport");
    s->c.solver.rtol = RTOL;
    s->c.solver.atol = ATOL;
    s->c.grid.cells = CELLS;
    s->c.grid.spacing = SF_SPACING_UNIFORM;
    s->c.grid.margin = box_scale;
    SF_TRY(ctx, sf_registry_build(ctx, &s->c, &s->in));
    s->ga = *sf_instance_grid(s->in, 0);
    s->gu = *sf_instance_grid(s->in, 1);
    s->gr = *sf_instance_grid(s->in, 2);
    s->f = sf_formt_of(sf_instance_form(s->in));
    s->p = *sf_formt_tables(s->f);
cleanup:
    return status;
}

static void unmake(setup *s)
{
    sf_instance_destroy(&s->in);
    sf_case_free(&s->c);
}

/* Drive the instance through `outs` (the registry's drive parameters otherwise). */
static sf_status drive(sf_ctx *ctx, setup *s, const double *outs, size_t n, const char *path,
                       sf_drive_summary *sum)
{
    sf_drive_params dp = sf_instance_drive_params(s->in);
    dp.outputs = outs;
    dp.n_outputs = n;
    dp.out_path = path;
    return sf_drive(ctx, sf_instance_form(s->in), &dp, sum);
}

/* (I2) exactly: R_h is quadratic in y, so the central difference along ẏ is exact up to
 * rounding; then (I1), positivity and monotone R along a run to t = 2 (odd-linear). */
static void test_gradient_flow(sf_ctx *ctx)
{
    setup s;
    sf_ode *ode = NULL;
    SF_EXPECT_OK(ctx, make(ctx, "linear", 10, 1.0, &s));
    if (!s.f) goto done;
    const size_t n = sf_formt_size(s.f);
    double *y = calloc(n, sizeof *y), *yd = calloc(n, sizeof *yd), *yp = calloc(n, sizeof *yp);
    sf_formt_initial(s.f, y);
    /* perturb off the symmetric start so every direction moves */
    for (size_t c = 0; c < n; c++) y[c] *= 1.0 + 0.3 * sin(0.7 * (double)c);
    SF_EXPECT(sf_formt_rhs(0.0, y, yd, s.f) == 0);
    const double eps = 1e-3;
    sf_formt_diag dp, dm, d0;
    for (size_t c = 0; c < n; c++) yp[c] = y[c] + eps * yd[c];
    sf_formt_diagnose(s.f, yp, &dp);
    for (size_t c = 0; c < n; c++) yp[c] = y[c] - eps * yd[c];
    sf_formt_diagnose(s.f, yp, &dm);
    sf_formt_diagnose(s.f, y, &d0);
    double dRdt = (dp.risk - dm.risk) / (2.0 * eps);
    printf("  (I2): dR/dt = %.15e, -dissipation = %.15e\n", dRdt, -d0.dissipation);
    SF_EXPECT(d0.dissipation > 0.0);
    /* rounding of R ~ 1 over the step 2·eps: ε/eps ~ 10⁻¹³, ×10 margin */
    SF_EXPECT_NEAR(dRdt, -d0.dissipation, 1e-12 / eps * fmax(1.0, fabs(d0.risk)));
    double dmass = 0.0, scale = 0.0;
    for (size_t c = 0; c < n; c++) {
        const double vol = 1.0; /* uniform grids: the common cell volume factors out */
        dmass += yd[c] * vol;
        scale += fabs(yd[c]) * vol;
    }
    SF_EXPECT_LE(fabs(dmass), ROUND_REL * scale); /* conservative flux form */

    sf_formt_initial(s.f, y);
    sf_formt_diagnose(s.f, y, &d0);
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0); /* tolerances set below */
    op.rtol = RTOL;
    op.atol = ATOL;
    SF_EXPECT_OK(ctx, sf_ode_create(ctx, n, 0.0, y, sf_formt_rhs, s.f, &op, &ode));
    double prev = d0.risk, worst_mass = 0.0, worst_rise = -INFINITY, nmin = INFINITY;
    for (int k = 1; ode && k <= 8; k++) {
        SF_EXPECT_OK(ctx, sf_ode_advance(ctx, ode, 0.25 * k, y));
        sf_formt_diag d;
        sf_formt_diagnose(s.f, y, &d);
        worst_mass = fmax(worst_mass, fabs(d.mass - d0.mass) / d0.mass);
        worst_rise = fmax(worst_rise, d.risk - prev);
        nmin = fmin(nmin, d.density_min);
        prev = d.risk;
    }
    printf("  run to t = 2: R %.10f -> %.10f, max rel mass drift %.2e, max R rise %.2e, min n %.2e\n",
           d0.risk, prev, worst_mass, worst_rise, nmin);
    SF_EXPECT_LE(worst_mass, ROUND_REL);
    /* R decreases along the semi-discrete flow; CVODE's local error can add ~rtol·R */
    SF_EXPECT_LE(worst_rise, 10.0 * RTOL * d0.risk);
    SF_EXPECT_LE(-ATOL, nmin);
    SF_EXPECT(prev < d0.risk);
    free(y);
    free(yd);
    free(yp);
done:
    sf_ode_destroy(&ode);
    unmake(&s);
}

/* odd-hermite: w* = 0 and Ĝ ≡ 0 (σ has no odd Hermite part above degree 1), M ≡ 0 by the
 * a ↦ −a symmetry of n₀: Ψ̂ ≡ 0 and the flow is stationary. */
static void test_hermite_stationary(sf_ctx *ctx)
{
    setup s;
    sf_ode *ode = NULL;
    SF_EXPECT_OK(ctx, make(ctx, "hermite3", 20, 1.0, &s));
    if (!s.f) goto done;
    double gmax = 0.0;
    for (size_t j = 0; j < s.p.n_phi; j++) gmax = fmax(gmax, fabs(s.p.G[j]));
    const size_t n = sf_formt_size(s.f);
    double *y = calloc(n, sizeof *y), *y0 = calloc(n, sizeof *y0), *yd = calloc(n, sizeof *yd);
    sf_formt_initial(s.f, y0);
    sf_formt_initial(s.f, y);
    SF_EXPECT(sf_formt_rhs(0.0, y, yd, s.f) == 0);
    double ydmax = 0.0, ymax = 0.0;
    for (size_t c = 0; c < n; c++) {
        ydmax = fmax(ydmax, fabs(yd[c]));
        ymax = fmax(ymax, y[c]);
    }
    sf_ode_params op = sf_ode_params_make(SF_METHOD_ADAMS, 0.0, 0.0); /* tolerances set below */
    op.rtol = RTOL;
    op.atol = ATOL;
    SF_EXPECT_OK(ctx, sf_ode_create(ctx, n, 0.0, y, sf_formt_rhs, s.f, &op, &ode));
    if (ode) SF_EXPECT_OK(ctx, sf_ode_advance(ctx, ode, 2.0, y));
    double moved = 0.0;
    for (size_t c = 0; c < n; c++) moved = fmax(moved, fabs(y[c] - y0[c]));
    printf("  hermite3: max|G| = %.2e, max|dn/dt(0)| = %.2e (max n %.3f), max|n(2) - n(0)| = %.2e\n",
           gmax, ydmax, ymax, moved);
    SF_EXPECT_LE(gmax, G_ROUND);
    /* Ψ̂ is a rounding residue (M from ±a cells that cancel to ε, G to G_ROUND): the rates are
     * that residue times lever arms and densities, ≤ 10⁻¹² of the density scale */
    SF_EXPECT_LE(ydmax, ROUND_REL * ymax);
    SF_EXPECT_LE(moved, ROUND_REL * ymax);
    free(y);
    free(y0);
    free(yd);
done:
    sf_ode_destroy(&ode);
    unmake(&s);
}

/* abs is even: form L reduces it to θ, form T tabulates the whole half circle. */
static void test_abs_tables(sf_ctx *ctx)
{
    setup s;
    SF_EXPECT_OK(ctx, make(ctx, "abs", 20, 1.0, &s));
    if (!s.f) goto done;
    const size_t m = s.p.n_phi;
    double asym = 0.0, kasym = 0.0, gmax = 0.0;
    for (size_t j = 0; j < m; j++) {
        asym = fmax(asym, fabs(s.p.G[j] - s.p.G[m - 1 - j]));
        gmax = fmax(gmax, fabs(s.p.G[j]));
        for (size_t l = 0; l < m; l++) kasym = fmax(kasym, fabs(s.p.K[j * m + l] - s.p.K[l * m + j]));
    }
    printf("  abs: max|G| = %.4f, max|G(phi) - G(pi - phi)| = %.2e, K symmetric to %.1e, R* const %.3f\n",
           gmax, asym, kasym, s.p.risk_const);
    SF_EXPECT(gmax > 0.1);               /* Ĝ(0) = E[|x|σ(x)] = 1/2 */
    SF_EXPECT_LE(asym, 1e-14);           /* Gauss-exact trigonometric integrands (kernel.c) */
    SF_EXPECT(kasym == 0.0);             /* tabulated once per pair and mirrored */
    SF_EXPECT_NEAR(s.p.risk_const, 0.5, 1e-15); /* ½ E x₁² */
done:
    unmake(&s);
}

/* A box at 0.7 of the rule (a, u in ±6.3 = ±6.3σ) holds the start (outer layer, from 5.2σ:
 * ~10⁻⁷ of the mass) but not the (a, u) growth of (M9) (std → 1.5σ, so 3.5σ: ~10⁻⁴): the
 * monitor stops the run at a later output. */
static void test_box_too_small(sf_ctx *ctx)
{
    setup s;
    SF_EXPECT_OK(ctx, make(ctx, "linear", 10, 0.7, &s));
    if (!s.f) goto done;
    const double outs[] = {0.0, 1.0, 2.0, 3.0, 4.0};
    sf_ctx_clear(ctx);
    sf_status st = drive(ctx, &s, outs, 5, NULL, NULL);
    const char *msg = sf_ctx_message(ctx);
    printf("  small box: %s: %s\n", sf_status_name(st), msg);
    SF_EXPECT(st == SF_E_DOMAIN);
    SF_EXPECT(strstr(msg, "domain too small") != NULL);
    SF_EXPECT(strstr(msg, "% of the mass within one cell of ") != NULL);
    SF_EXPECT(strstr(msg, "at t = 0 ") == NULL); /* the start fits: it fails later */
    SF_EXPECT(strstr(msg, "at t = ") != NULL);
    sf_ctx_clear(ctx);
done:
    unmake(&s);
}

static void test_balanced_refused(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_transport_box box;
    SF_EXPECT_OK(ctx, sf_case_defaults(ctx, &c));
    c.problem.d = 10;
    c.problem.d_H = 1;
    snprintf(c.problem.target, sizeof c.problem.target, "linear");
    c.start.law = SF_START_BALANCED_SPHERE;
    snprintf(c.form, sizeof c.form, "transport");
    sf_ctx_clear(ctx);
    sf_status st = sf_reduce_transport_box(ctx, &c, &box);
    printf("  balanced start: %s: %s\n", sf_status_name(st), sf_ctx_message(ctx));
    SF_EXPECT(st == SF_E_UNSUPPORTED);
    SF_EXPECT(strstr(sf_ctx_message(ctx), "form: lifted") != NULL);
    sf_ctx_clear(ctx);
    sf_case_free(&c);
}

/* The driver writes density(time, a, u, r), the marginals and the series. */
static void test_field_file(sf_ctx *ctx)
{
    setup s;
    char path[64];
    snprintf(path, sizeof path, "/tmp/formt_properties_%ld.nc", (long)getpid());
    SF_EXPECT_OK(ctx, make(ctx, "relu", 20, 1.0, &s));
    if (!s.f) goto done;
    const double outs[] = {0.0, 0.5, 1.0};
    sf_drive_summary sum = {0};
    SF_EXPECT_OK(ctx, drive(ctx, &s, outs, 3, path, &sum));
    sf_nc_array a = {0}, m = {0}, r = {0};
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, "density", "time, a, u, r", &a));
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, "density_r", "time, r", &m));
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, "risk", "time", &r));
    if (r.data) {
        const int im = sf_drive_series_index(&sum, "mass");
        printf("  relu field file: R %.8f -> %.8f, mass drift %.1e\n", r.data[0], r.data[2],
               im >= 0 ? sum.drift[im] : NAN);
        SF_EXPECT(a.shape[0] == 3 && a.shape[1] == CELLS && a.shape[3] == CELLS);
        SF_EXPECT(r.data[2] < r.data[0]);
    }
    sf_nc_array_free(&a);
    sf_nc_array_free(&m);
    sf_nc_array_free(&r);
    remove(path);
done:
    unmake(&s);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    test_gradient_flow(ctx);
    test_hermite_stationary(ctx);
    test_abs_tables(ctx);
    test_box_too_small(ctx);
    test_balanced_refused(ctx);
    test_field_file(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
