/* bench_c.c — the C half of bench/run: timings that need the library from inside a process
 * (no process start, no file output). Prints one "key value…" line per measurement for
 * bench/run to parse; never part of the test suite.
 *
 *   bench_c triad MIB REPS              STREAM-like triad a = b + s c over three arrays of
 *                                       MIB MiB each; GB/s counted as 24 bytes per element
 *   bench_c rhs N REPS                  sf_forml_rhs (form L, MUSCL + van Leer) on a uniform
 *                                       N-cell grid with a synthetic K̂; evaluations per second
 *   bench_c step CASE M D NSTEPS REPS   full-width particles (method euler): NSTEPS steps
 *                                       of the exact population gradient (M3)–(M7), m = M,
 *                                       d = D; seconds per velocity evaluation
 *   bench_c gtable CASE N              the case's Ĝ, ∂Ĝ on N uniform nodes (M12), for the
 *                                       PyTorch loops of bench/run
 *   bench_c hemi NTH NPHI REPS          form L on the hemisphere (xor, d = 20, MATH §4.8):
 *                                       one kernel application Ψ = K̂ M − Ĝ (L6) on NTH ×
 *                                       NPHI cells, by FFT in φ and (NPHI ≤ 1024) by the
 *                                       dense circulant; process CPU seconds per application
 *
 * Not here: what the figures are compared with (bench/run), the PDE solves (symflow solve).
 * Each timing line prints the median, min and max over REPS repetitions.
 * MATH tags: (M3)–(M7) (step), (M11)–(M15) (rhs).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "symflow/case.h"
#include "symflow/formhemi.h"
#include "symflow/forml.h"
#include "symflow/grid.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"
#include "symflow/status.h"

enum { BENCH_MAX_REPS = 64 /* repetitions a timing keeps */ };
/* Shortest timed interval per repetition of the rhs benchmark: long enough that the clock's
 * resolution (ns) and the loop overhead are below 0.1 %. */
static const double BENCH_MIN_INTERVAL_S = 0.2;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median, min, max of v[0..n) (sorted in place). */
static void stats(double *v, int n, double *med, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    *lo = v[0];
    *hi = v[n - 1];
}

static int clamp_reps(long r) { return r < 1 ? 1 : r > BENCH_MAX_REPS ? BENCH_MAX_REPS : (int)r; }

/* STREAM triad: the bandwidth bound of a kernel that streams its operands once. */
static int bench_triad(long mib, int reps)
{
    const size_t n = (size_t)mib * 1024 * 1024 / sizeof(double);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "bench_c: triad: out of memory for 3 x %ld MiB\n", mib);
        free(a), free(b), free(c);
        return 5;
    }
    for (size_t i = 0; i < n; i++) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
    double gbs[BENCH_MAX_REPS], med, lo, hi;
    const double s = 3.0;
    for (int r = 0; r < reps; r++) {
        const double t0 = now_s();
        for (size_t i = 0; i < n; i++) a[i] = b[i] + s * c[i];
        const double dt = now_s() - t0;
        gbs[r] = 24.0 * (double)n / dt / 1e9;
    }
    double check = a[n / 2];
    stats(gbs, reps, &med, &lo, &hi);
    printf("triad_GBps %.4f %.4f %.4f bytes_per_array %zu check %g\n", med, lo, hi,
           n * sizeof(double), check);
    free(a), free(b), free(c);
    return 0;
}

/* sf_forml_rhs on a synthetic form-L problem of n cells (values smooth, cost realistic): the
 * kernel alone, without tabulating K̂ by quadrature (O(N² q²), minutes at N = 9600). */
static int bench_rhs(long cells, int reps)
{
    sf_ctx *ctx = NULL;
    sf_status status = SF_OK;
    sf_grid1 g = {0};
    sf_forml *f = NULL;
    double *y = NULL, *ydot = NULL;
    sf_lifted_problem p = {0};
    if (sf_ctx_create(&ctx) != SF_OK) return 5;
    sf_grid1_params gp = sf_grid1_params_default();
    gp.cells = (size_t)cells;
    gp.lo = 0.0;
    gp.hi = 0.5 * M_PI;
    gp.spacing = SF_SPACING_UNIFORM;
    SF_TRY(ctx, sf_grid1_create(ctx, &gp, &g));
    const size_t n = g.n;
    p.n = n;
    p.K = malloc(n * n * sizeof *p.K);
    p.G = malloc(n * sizeof *p.G);
    p.tau0_plus = malloc(n * sizeof *p.tau0_plus);
    p.tau0_minus = malloc(n * sizeof *p.tau0_minus);
    SF_CHECK(ctx, p.K && p.G && p.tau0_plus && p.tau0_minus, SF_E_NOMEM, "bench_c: rhs: n = %zu", n);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) p.K[i * n + j] = sf_kappa_hat(cos(g.centres[i] - g.centres[j]));
        p.G[i] = 0.5 * cos(g.centres[i]);
        p.tau0_plus[i] = p.tau0_minus[i] = 0.5 * g.widths[i] * sin(2.0 * g.centres[i]);
    }
    p.risk_const = 2.5;
    const sf_fv_scheme scheme = {.reconstruction = SF_RECON_MUSCL, .limiter = SF_LIMITER_VANLEER};
    SF_TRY(ctx, sf_forml_create(ctx, &g, &p, &scheme, SF_COORD_THETA, &f));
    const size_t ny = sf_forml_size(f);
    y = malloc(ny * sizeof *y);
    ydot = malloc(ny * sizeof *ydot);
    SF_CHECK(ctx, y && ydot, SF_E_NOMEM, "bench_c: rhs: state of %zu", ny);
    sf_forml_initial(f, y);
    /* calibrate: evaluations per repetition so that one lasts ≥ BENCH_MIN_INTERVAL_S */
    long evals = 1;
    for (;;) {
        const double t0 = now_s();
        for (long e = 0; e < evals; e++) sf_forml_rhs(0.0, y, ydot, f);
        if (now_s() - t0 >= 0.25 * BENCH_MIN_INTERVAL_S) break;
        evals *= 2;
    }
    evals *= 4;
    double rate[BENCH_MAX_REPS], med, lo, hi;
    for (int r = 0; r < reps; r++) {
        const double t0 = now_s();
        for (long e = 0; e < evals; e++) sf_forml_rhs(0.0, y, ydot, f);
        rate[r] = (double)evals / (now_s() - t0);
    }
    stats(rate, reps, &med, &lo, &hi);
    printf("rhs_per_s %zu %.6g %.6g %.6g evals_per_rep %ld check %g\n", n, med, lo, hi, evals,
           ydot[n / 2]);
cleanup:
    if (status != SF_OK) fprintf(stderr, "bench_c: error: %s\n", sf_ctx_message(ctx));
    free(y), free(ydot);
    sf_forml_destroy(&f);
    free(p.K), free(p.G), free(p.tau0_plus), free(p.tau0_minus);
    sf_grid1_free(&g);
    sf_ctx_destroy(&ctx);
    return (int)status;
}

/* Full-width euler particles (through the registry): seconds per exact-gradient velocity
 * evaluation. */
static int bench_step(const char *case_path, long m, long d, long nsteps, int reps)
{
    sf_ctx *ctx = NULL;
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_instance *in = NULL;
    char om[64], od[64];
    if (sf_ctx_create(&ctx) != SF_OK) return 5;
    snprintf(om, sizeof om, "particles.m=%ld", m);
    snprintf(od, sizeof od, "problem.d=%ld", d);
    const char *over[] = {om, od, "particles.method=euler", "particles.step=0.005"};
    SF_TRY(ctx, sf_case_load(ctx, case_path, over, 4, &c));
    SF_TRY(ctx, sf_registry_build_particles(ctx, &c, &in));
    const sf_form *f = sf_instance_form(in);
    double per[BENCH_MAX_REPS], med, lo, hi;
    for (int r = 0; r < reps; r++) {
        sf_ode_stats st0, st1;
        f->ops->stats(f->self, &st0);
        const double t0 = now_s();
        SF_TRY(ctx, f->ops->advance(ctx, f->self, st0.t + (double)nsteps * c.particles.step, NULL));
        const double dt = now_s() - t0;
        f->ops->stats(f->self, &st1);
        per[r] = dt / (double)(st1.rhs_evals - st0.rhs_evals);
    }
    stats(per, reps, &med, &lo, &hi);
    sf_form_obs obs = {0};
    SF_TRY(ctx, f->ops->observe(ctx, f->self, 0.0, NULL, &obs));
    printf("step_s %ld %ld %.6g %.6g %.6g steps_per_rep %ld risk %.10g\n", m, d, med, lo, hi,
           nsteps, obs.series[0]);
cleanup:
    if (status != SF_OK) fprintf(stderr, "bench_c: error: %s\n", sf_ctx_message(ctx));
    sf_instance_destroy(&in);
    sf_case_free(&c);
    sf_ctx_destroy(&ctx);
    return (int)status;
}

/* Ĝ and ∂Ĝ of the case on n uniform nodes, and ½E f*². */
static int bench_gtable(const char *case_path, long n)
{
    sf_ctx *ctx = NULL;
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_kernel_table tab = {0};
    if (sf_ctx_create(&ctx) != SF_OK) return 5;
    SF_TRY(ctx, sf_case_load(ctx, case_path, NULL, 0, &c));
    SF_TRY(ctx, sf_reduce_table(ctx, &c, (size_t)n, 0, &tab));
    printf("gtable %zu %.17g %.17g %d %.17g %.17g\n", tab.n, tab.lo, tab.hi, tab.coord == SF_COORD_THETA,
           tab.kappa_scale, tab.risk_const);
    for (size_t i = 0; i < tab.n; i++) printf("%.17g %.17g\n", tab.G[i], tab.dG[i]);
cleanup:
    if (status != SF_OK) fprintf(stderr, "bench_c: error: %s\n", sf_ctx_message(ctx));
    sf_kernel_table_free(&tab);
    sf_case_free(&c);
    sf_ctx_destroy(&ctx);
    return (int)status;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of one sf_formhemi_potential (the kernel application of (L6)) with `apply`. */
static double hemi_apply_time(sf_formhemi *f, const double *y, double *psi, int reps)
{
    long evals = 1;
    for (;;) {
        const double t0 = cpu_s();
        for (long e = 0; e < evals; e++) sf_formhemi_potential(f, y, psi);
        if (cpu_s() - t0 >= 0.25 * BENCH_MIN_INTERVAL_S) break;
        evals *= 2;
    }
    double v[BENCH_MAX_REPS], med, lo, hi;
    for (int r = 0; r < reps; r++) {
        const double t0 = cpu_s();
        for (long e = 0; e < evals; e++) sf_formhemi_potential(f, y, psi);
        v[r] = (cpu_s() - t0) / (double)evals;
    }
    stats(v, reps, &med, &lo, &hi);
    return med;
}

/* Kernel application on the hemisphere: xor's tables on nth uniform θ-cells × nphi φ-cells. */
static int bench_hemi(long nth, long nphi, int reps)
{
    sf_ctx *ctx = NULL;
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_grid1 g = {0};
    sf_hemi_problem p = {0};
    sf_formhemi *ff = NULL, *fd = NULL;
    double *y = NULL, *psi = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 5;
    SF_TRY(ctx, sf_case_defaults(ctx, &c));
    c.problem.input = SF_INPUT_GAUSSIAN;
    c.problem.d = 20;
    c.problem.d_H = 2;
    snprintf(c.problem.target, sizeof c.problem.target, "xor");
    c.start.law = SF_START_BALANCED_SPHERE;
    sf_grid1_params gp = sf_grid1_params_default();
    gp.cells = (size_t)nth;
    gp.lo = 0.0;
    gp.hi = 0.5 * M_PI;
    gp.spacing = SF_SPACING_UNIFORM;
    SF_TRY(ctx, sf_grid1_create(ctx, &gp, &g));
    SF_TRY(ctx, sf_reduce_hemi(ctx, &c, &g, (size_t)nphi, NULL, &p));
    const sf_fv_scheme sch = {.reconstruction = SF_RECON_MUSCL, .limiter = SF_LIMITER_VANLEER};
    SF_TRY(ctx, sf_formhemi_create(ctx, &g, &p, &sch, SF_HEMI_APPLY_FFT, &ff));
    const size_t ny = sf_formhemi_size(ff), ncell = (size_t)nth * (size_t)nphi;
    y = malloc(ny * sizeof *y);
    psi = malloc(ncell * sizeof *psi);
    SF_CHECK(ctx, y && psi, SF_E_NOMEM, "bench_c: hemi: %zu cells", ncell);
    sf_formhemi_initial(ff, y);
    const double t_fft = hemi_apply_time(ff, y, psi, reps);
    double t_dense = NAN;
    if (nphi <= 1024) {
        SF_TRY(ctx, sf_formhemi_create(ctx, &g, &p, &sch, SF_HEMI_APPLY_DENSE, &fd));
        t_dense = hemi_apply_time(fd, y, psi, reps);
    }
    printf("hemi_apply %ld %ld fft_s %.6g dense_s %.6g fft_per_NlogN_ns %.6g\n", nth, nphi,
           t_fft, t_dense, 1e9 * t_fft / ((double)ncell * log2((double)nphi)));
cleanup:
    if (status != SF_OK) fprintf(stderr, "bench_c: error: %s\n", sf_ctx_message(ctx));
    free(y);
    free(psi);
    sf_formhemi_destroy(&ff);
    sf_formhemi_destroy(&fd);
    sf_hemi_problem_free(&p);
    sf_grid1_free(&g);
    sf_case_free(&c);
    sf_ctx_destroy(&ctx);
    return (int)status;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "hemi"))
        return bench_hemi(atol(argv[2]), atol(argv[3]), clamp_reps(atol(argv[4])));
    if (argc >= 4 && !strcmp(argv[1], "triad"))
        return bench_triad(atol(argv[2]), clamp_reps(atol(argv[3])));
    if (argc >= 4 && !strcmp(argv[1], "rhs")) return bench_rhs(atol(argv[2]), clamp_reps(atol(argv[3])));
    if (argc >= 7 && !strcmp(argv[1], "step"))
        return bench_step(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]), clamp_reps(atol(argv[6])));
    if (argc >= 4 && !strcmp(argv[1], "gtable")) return bench_gtable(argv[2], atol(argv[3]));
    fprintf(stderr, "usage: bench_c triad MIB REPS | rhs N REPS | step CASE M D NSTEPS REPS | "
                    "gtable CASE N\n");
    return 2;
}
