/* main.c — the `symflow` command: argv → case → run → exit code.
 *
 *   symflow solve CASE [-o FILE] [--set key=value]... [--quiet]
 *   symflow particles CASE [-m M] [--seed S] [-o FILE] [--set key=value]... [--quiet]
 *   symflow compare FIELD PARTICLES [-o CMP.nc] [--bandwidth H]
 *   symflow info FILE
 *   symflow plot FILE... [-o DIR]        (runs the postproc Python package)
 *   symflow export FILE --vtk DIR        (runs the postproc Python package)
 *   symflow --help | --version
 *
 * Exit codes are the status table of include/symflow/status.h (0 success, 2 usage, 3 case
 * file syntax, 4 range, 6 I/O, 7 CVODE, 8 netCDF, 9 numerical, 10 unsupported, 11 the
 * solution reached the edge of the box).
 * This is the only place that prints or exits. Errors: one line on stderr.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symflow/case.h"
#include "symflow/compare.h"
#include "symflow/formode.h"
#include "symflow/formt.h"
#include "symflow/grid.h"
#include "symflow/ncio.h"
#include "symflow/reduction.h"
#include "symflow/run.h"
#include "symflow/run_particles.h"
#include "symflow/status.h"
#include "symflow/version.h"

#ifndef SF_POSTPROC_DIR
#define SF_POSTPROC_DIR "postproc"
#endif
#ifndef SF_PYTHON
#define SF_PYTHON "/usr/bin/python3"
#endif

enum { SF_MAX_OVERRIDES = 256 /* --set options per command */ };

static const char *usage_main =
    "usage: symflow <command> [options]\n"
    "\n"
    "commands:\n"
    "  solve CASE [-o FILE] [--set key=value]... [--quiet]\n"
    "                 solve the reduced PDE of a case file, write a netCDF field file\n"
    "  particles CASE [-m M] [--seed S] [-o FILE] [--set key=value]... [--quiet]\n"
    "                 train finite-width networks on the case, write a particle file\n"
    "  compare FIELD PARTICLES [-o CMP.nc] [--bandwidth H]\n"
    "                 compare a field file with a particle file (risk gap, W1, densities)\n"
    "  info FILE      describe a netCDF file written by symflow\n"
    "  plot FILE... [-o DIR]\n"
    "                 draw the figures of field/particle/compare files (PNG)\n"
    "  export FILE --vtk DIR\n"
    "                 write a field file as VTK rectilinear grids + a .pvd (ParaView)\n"
    "\n"
    "options: --help (any command), --version\n"
    "exit codes: 0 ok, 2 usage, 3 malformed case, 4 value out of range, 5 memory, 6 I/O,\n"
    "            7 CVODE, 8 netCDF, 9 numerical, 10 unsupported combination, 11 box too small\n";

static const char *usage_solve =
    "usage: symflow solve CASE [-o FILE] [--set key=value]... [--quiet]\n"
    "\n"
    "Solve the reduced mean-field PDE of the case file CASE (YAML) and write the field file\n"
    "FILE (netCDF, default: CASE's name with .nc in the current directory).\n"
    "  -o FILE          output field file (written to a temporary name, renamed at the end)\n"
    "  --set key=value  override a case key; value read as YAML, e.g. --set grid.cells=400\n"
    "                   or --set 'time.outputs=[0,1,10]'\n"
    "  --quiet          no progress and no summary\n";

static const char *usage_info = "usage: symflow info FILE\n\nDescribe a netCDF file written by symflow.\n";

static const char *usage_plot =
    "usage: symflow plot FILE... [-o DIR]\n\n"
    "Draw the figures of a field file and optional particle and compare files (PNG).\n";

static const char *usage_export =
    "usage: symflow export FILE --vtk DIR\n\n"
    "Write the density of a field file (form T: n(a, u, r); form L: tau_plus, tau_minus on\n"
    "theta or phi) as VTK XML rectilinear grids, DIR/NAME_NNNN.vtr one per output time, and\n"
    "the collection DIR/NAME.pvd with their times, for ParaView. Errors: one line, exit 2.\n";

static int fail(sf_ctx *ctx, sf_status s)
{
    fprintf(stderr, "symflow: error: %s\n", sf_ctx_message(ctx));
    if (getenv("SYMFLOW_TRACE")) fprintf(stderr, "%s\n", sf_ctx_trace_text(ctx));
    return (int)s;
}

/* One line: the error, then the command's synopsis (the first line of its usage text). */
static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "symflow: error: ");
    fprintf(stderr, fmt, arg);
    const char *end = strchr(usage, '\n');
    fprintf(stderr, " (%.*s)\n", end ? (int)(end - usage) : (int)strlen(usage), usage);
    return (int)SF_E_ARG;
}

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* Progress line on a terminal: simulated time, steps, elapsed and ETA. */
static void show_progress(const sf_progress *p, void *user)
{
    (void)user;
    fprintf(stderr, "\r  t = %-10.4g / %-8.4g  steps %-8ld  %6.1f s elapsed, ETA %6.1f s ", p->t,
            p->t_end, p->steps, p->elapsed_s, isfinite(p->eta_s) ? p->eta_s : 0.0);
    fflush(stderr);
}

/* Default output: the case file's base name with .nc, in the current directory. */
static void default_output(const char *case_path, char *out, size_t cap)
{
    const char *base = strrchr(case_path, '/');
    base = base ? base + 1 : case_path;
    size_t len = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) len = (size_t)(dot - base);
    snprintf(out, cap, "%.*s.nc", (int)len, base);
}

static void print_summary(const sf_case *c, const sf_grid1 *g, const char *out,
                          const sf_run_summary *s, double alpha)
{
    printf("symflow %s: %s, target %s, d = %ld, d_H = %ld, %zu cells (%s, %s)\n", SF_VERSION,
           sf_name_of(&sf_form_names, (int)c->form), c->problem.target, c->problem.d, c->problem.d_H,
           g->n, sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction),
           sf_name_of(&sf_limiter_names, (int)c->scheme.limiter));
    const sf_forml_diag *a = &s->first, *b = &s->last;
    printf("  t = %-8g R = %.10g  |tau+| = %.8g  |tau-| = %.8g\n", c->time.outputs[0], a->risk,
           a->mass_plus, a->mass_minus);
    printf("  t = %-8g R = %.10g  |tau+| = %.8g  |tau-| = %.8g\n",
           c->time.outputs[c->time.n_outputs - 1], b->risk, b->mass_plus, b->mass_minus);
    if (isfinite(alpha)) printf("  minimiser mass alpha (L4) = %.8g\n", alpha);
    printf("  alignment %.4g, W2(tau+, H) = %.4g rad, W2(tau-, H_perp) = %.4g rad\n", b->alignment,
           b->w2_plus, b->w2_minus);
    printf("  checks: mass balance (L1) max rel %.2e; max R increase between outputs %.2e; "
           "min tau %.2e\n", s->max_balance_rel, s->max_risk_increase, s->min_tau);
    printf("  dissipation (L2) over the last interval %.6e vs finite-difference -dR/dt %.6e\n",
           s->mean_dissipation, s->fd_dissipation);
    printf("  CVODE (%s): %ld steps, %ld rhs evals, %ld error-test fails, %ld nonlinear iters; "
           "%.2f s\n", sf_name_of(&sf_method_names, (int)c->solver.method), s->stats.steps,
           s->stats.rhs_evals, s->stats.error_fails, s->stats.nonlin_iters, s->wall_s);
    printf("  wrote %s (%zu outputs)\n", out, s->n_outputs);
}

/* Form L (M15) on the case's reduced sphere. */
static sf_status solve_lifted(sf_ctx *ctx, const sf_case *c, const char *out, int quiet)
{
    sf_status status = SF_OK;
    sf_grid1 grid = {0};
    sf_lifted_problem prob = {0};
    sf_run_summary sum = {0};
    sf_coord_info coord;
    SF_CHECK(ctx, c->grid.spacing != SF_SPACING_STRETCHED, SF_E_UNSUPPORTED,
             "%s: grid.spacing = stretched: form lifted takes uniform or refined (toward "
             "theta = 0) spacing; stretched is form transport's", sf_case_where(c, "grid.spacing"));
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &coord));
    sf_grid1_params gp = sf_grid1_params_default();
    gp.cells = (size_t)c->grid.cells;
    gp.lo = coord.lo;
    gp.hi = coord.hi;
    gp.spacing = c->grid.spacing;
    gp.ratio = c->grid.ratio;
    SF_TRY(ctx, sf_grid1_create(ctx, &gp, &grid));
    SF_TRY(ctx, sf_reduce_lifted(ctx, c, &grid, &prob));
    const double alpha = sf_reduce_minimiser_mass(c);
    const int tty = isatty(STDERR_FILENO);
    sf_run_lifted_params rp = {
        .c = c, .grid = &grid, .p = &prob, .coord = coord,
        .geom = !strcmp(coord.name, "theta") ? SF_GEOM_RADIAL_THETA : SF_GEOM_HALF_CIRCLE,
        .out_path = out, .minimiser_mass = alpha,
        .progress = (!quiet && tty) ? show_progress : NULL, .progress_user = NULL};
    status = sf_run_lifted(ctx, &rp, &sum);
    if (!quiet && tty) fprintf(stderr, "\r%*s\r", 78, "");
    SF_TRY(ctx, status);
    if (!quiet) print_summary(c, &grid, out, &sum, alpha);
cleanup:
    sf_lifted_problem_free(&prob);
    sf_grid1_free(&grid);
    return status;
}

/* Form ode: the closed ODE (M9) of odd targets. */
static sf_status solve_ode(sf_ctx *ctx, const sf_case *c, const char *out, int quiet)
{
    sf_status status = SF_OK;
    sf_odd_problem p = {0};
    sf_formode_summary s = {0};
    SF_TRY(ctx, sf_reduce_odd(ctx, c, &p));
    SF_TRY(ctx, sf_run_ode(ctx, c, &p, out, &s));
    if (!quiet) {
        printf("symflow %s: ode (M9), target %s, d = %ld, d_H = %ld, w* = %.10g, R* = %.10g\n",
               SF_VERSION, c->problem.target, c->problem.d, c->problem.d_H, p.wstar[0], p.risk_star);
        printf("  R(%g) = %.10g   R(%g) = %.10g   |w| = %.10g\n", c->time.outputs[0], s.risk_first,
               c->time.outputs[c->time.n_outputs - 1], s.risk_last, s.w_last);
        printf("  checks: drift of s - tr M (conserved) %.2e\n", s.conserved_drift);
        printf("  CVODE: %ld steps, %ld rhs evals\n  wrote %s\n", s.stats.steps, s.stats.rhs_evals, out);
    }
cleanup:
    sf_odd_problem_free(&p);
    return status;
}

/* Form T (M16), d_H = 1: the (a, u, r) box of the case (reduction's rule), the grids of
 * grid.spacing on it (sf_formt_grids_create: uniform, or stretched about the start's bulk),
 * the tables, the run and a summary. */
/* The form-T pilot (issue 4: "size the box from the start law and a short pilot run"): a
 * coarse run on a uniform grid over SF_PILOT_MARGIN × the start-law box, with the edge
 * monitor off, measures how far the mass reaches over the whole time span (all but 10⁻⁷
 * of it); while the reach touches the pilot's box the pilot box doubles (at most
 * SF_PILOT_ROUNDS times). The real box is the larger of the start-law box and
 * SF_PILOT_SAFETY × the reach. Only for boxes the start-law rule guesses (targets with an
 * even part; odd targets have the exact (M9) bound); skipped when the user sets grid.margin. */
enum {
    SF_BOX_ATTEMPTS = 3, /* solves of the real case on growing boxes before reporting */
    SF_PILOT_CELLS = 24, /* uniform cells per coordinate of the pilot: the reach, not the density */
    SF_PILOT_ROUNDS = 3  /* box doublings before giving up (then grid.margin is the way) */
};
static const double SF_PILOT_MARGIN = 2.0; /* first pilot box / start-law box */
static const double SF_PILOT_SAFETY = 1.5; /* real box / measured reach: the pilot is coarse, and
                                              the real grid's outer cells are wide (stretched) */
static const double SF_PILOT_TOUCH = 0.9;  /* reach ≥ this × pilot box: the pilot box was short */
static const double SF_PILOT_RTOL = 1e-5;  /* loosest pilot tolerance: the reach needs no more */
static const double SF_PILOT_NO_MONITOR = 1.0; /* edge-mass threshold that never stops a run */
static const double SF_BOX_GROWTH = 1.5;       /* box growth between attempts */

/* Solve form T on the given box; the grids and tables are built here. */
static sf_status transport_on_box(sf_ctx *ctx, const sf_case *c, const sf_transport_box *box,
                                  double edge_mass, const char *out, sf_progress_fn progress,
                                  sf_run_transport_summary *sum, size_t cells[3], size_t *n_phi)
{
    sf_status status = SF_OK;
    sf_grid1 ga = {0}, gu = {0}, gr = {0};
    sf_transport_problem prob = {0};
    SF_TRY(ctx, sf_formt_grids_create(ctx, c, box->a_max, box->u_max, box->r_max, &ga, &gu, &gr));
    SF_TRY(ctx, sf_reduce_transport(ctx, c, &ga, &gu, &gr, 0, &prob));
    sf_run_transport_params rp = {.c = c, .ga = &ga, .gu = &gu, .gr = &gr, .p = &prob,
                                  .out_path = out, .edge_mass = edge_mass,
                                  .progress = progress, .progress_user = NULL};
    SF_TRY(ctx, sf_run_transport(ctx, &rp, sum));
    cells[0] = ga.n, cells[1] = gu.n, cells[2] = gr.n;
    *n_phi = prob.n_phi;
cleanup:
    sf_transport_problem_free(&prob);
    sf_grid1_free(&ga);
    sf_grid1_free(&gu);
    sf_grid1_free(&gr);
    return status;
}

/* Form T (M16) on (a, u, r), d_H = 1. */
static sf_status solve_transport(sf_ctx *ctx, const sf_case *c, const char *out, int quiet)
{
    sf_status status = SF_OK;
    sf_run_transport_summary sum = {0};
    sf_transport_box box;
    size_t cells[3] = {0}, n_phi = 0;
    int piloted = 0; /* the box is ours to size: a heuristic rule and no grid.margin */
    SF_TRY(ctx, sf_reduce_transport_box(ctx, c, &box));
    if (box.measured && strstr(sf_case_where(c, "grid.margin"), "(default)")) {
        sf_case pilot = *c; /* shallow: read-only, never freed */
        pilot.grid.cells = SF_PILOT_CELLS;
        pilot.grid.spacing = SF_SPACING_UNIFORM;
        pilot.solver.rtol = fmax(c->solver.rtol, SF_PILOT_RTOL);
        double scale = SF_PILOT_MARGIN;
        for (int round = 0;; round++) {
            sf_transport_box pbox = {scale * box.a_max, scale * box.u_max, scale * box.r_max, 1};
            sf_run_transport_summary ps = {0};
            size_t pc[3];
            SF_TRY(ctx, transport_on_box(ctx, &pilot, &pbox, SF_PILOT_NO_MONITOR, NULL, NULL, &ps,
                                         pc, &n_phi));
            int touches = ps.extent[0] >= SF_PILOT_TOUCH * pbox.a_max ||
                          ps.extent[1] >= SF_PILOT_TOUCH * pbox.u_max ||
                          ps.extent[2] >= SF_PILOT_TOUCH * pbox.r_max;
            SF_CHECK(ctx, !touches || round + 1 < SF_PILOT_ROUNDS, SF_E_NUMERIC,
                     "form T pilot: the mass still reaches the edge of a box %g x the start-law "
                     "box by t = %g; set grid.margin (and check the case)", scale,
                     c->time.outputs[c->time.n_outputs - 1]);
            if (!touches) {
                box.a_max = fmax(box.a_max, SF_PILOT_SAFETY * ps.extent[0]);
                box.u_max = fmax(box.u_max, SF_PILOT_SAFETY * ps.extent[1]);
                box.r_max = fmax(box.r_max, SF_PILOT_SAFETY * ps.extent[2]);
                break;
            }
            scale *= 2.0;
        }
        piloted = 1;
    }
    const int tty = isatty(STDERR_FILENO);
    for (int attempt = 1;; attempt++) {
        status = transport_on_box(ctx, c, &box, 0.0, out, (!quiet && tty) ? show_progress : NULL,
                                  &sum, cells, &n_phi);
        if (!quiet && tty) fprintf(stderr, "\r%*s\r", 78, "");
        /* a box the rule and the pilot sized may still be short where the stretched grid's
         * outer cells are wide: grow it, unless the user fixed it with grid.margin */
        if (status != SF_E_DOMAIN || !piloted || attempt == SF_BOX_ATTEMPTS) break;
        if (!quiet) fprintf(stderr, "symflow: note: %s; solving again on a box %g x larger\n",
                            sf_ctx_message(ctx), SF_BOX_GROWTH);
        sf_ctx_clear(ctx);
        box.a_max *= SF_BOX_GROWTH;
        box.u_max *= SF_BOX_GROWTH;
        box.r_max *= SF_BOX_GROWTH;
    }
    SF_TRY(ctx, status);
    if (!quiet) {
        const sf_formt_diag *a = &sum.first, *b = &sum.last;
        printf("symflow %s: transport, target %s, d = %ld, d_H = %ld, %zu x %zu x %zu cells on "
               "a in ±%.4g, u in ±%.4g, r in [0, %.4g] (%s%s), %zu phi-cells (%s, %s)\n",
               SF_VERSION, c->problem.target, c->problem.d, c->problem.d_H, cells[0], cells[1],
               cells[2], box.a_max, box.u_max, box.r_max,
               sf_name_of(&sf_spacing_names, (int)c->grid.spacing), piloted ? ", box from a pilot run" : "",
               n_phi, sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction),
               sf_name_of(&sf_limiter_names, (int)c->scheme.limiter));
        printf("  t = %-8g R = %.10g  w = %.8g  mass = %.15g\n", c->time.outputs[0], a->risk, a->w,
               a->mass);
        printf("  t = %-8g R = %.10g  w = %.8g  mass = %.15g\n",
               c->time.outputs[c->time.n_outputs - 1], b->risk, b->w, b->mass);
        printf("  checks: max rel mass drift %.2e; balance (I3) drift %.2e of %.6g; max R increase "
               "between outputs %.2e; min n %.2e\n", sum.max_mass_drift, sum.max_balance_drift,
               a->balance, sum.max_risk_increase, sum.min_density);
        printf("  CVODE (%s): %ld steps, %ld rhs evals, %ld error-test fails, %ld nonlinear iters; "
               "%.2f s\n", sf_name_of(&sf_method_names, (int)c->solver.method), sum.stats.steps,
               sum.stats.rhs_evals, sum.stats.error_fails, sum.stats.nonlin_iters, sum.wall_s);
        printf("  wrote %s (%zu outputs)\n", out, sum.n_outputs);
    }
cleanup:
    return status;
}

static int cmd_solve(sf_ctx *ctx, int argc, char **argv)
{
    const char *case_path = NULL, *out = NULL;
    const char *overrides[SF_MAX_OVERRIDES];
    size_t n_over = 0;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_solve, stdout);
            return 0;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--set")) {
            if (i + 1 >= argc) return usage_error(usage_solve, "%s needs a value", argv[i]);
            if (argv[i][1] == 'o') {
                out = argv[++i];
            } else {
                if (n_over == SF_MAX_OVERRIDES) return usage_error(usage_solve, "too many %s", "--set");
                overrides[n_over++] = argv[++i];
            }
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (argv[i][0] == '-') {
            return usage_error(usage_solve, "unknown option '%s'", argv[i]);
        } else if (!case_path) {
            case_path = argv[i];
        } else {
            return usage_error(usage_solve, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!case_path) return usage_error(usage_solve, "%s", "no case file given");
    char default_out[4096];
    if (!out) {
        default_output(case_path, default_out, sizeof default_out);
        out = default_out;
    }

    sf_status status = SF_OK;
    sf_case c = {0};
    SF_TRY(ctx, sf_case_load(ctx, case_path, overrides, n_over, &c));
    switch (c.form) {
    case SF_FORM_LIFTED: SF_TRY(ctx, solve_lifted(ctx, &c, out, quiet)); break;
    case SF_FORM_ODE: SF_TRY(ctx, solve_ode(ctx, &c, out, quiet)); break;
    case SF_FORM_TRANSPORT: SF_TRY(ctx, solve_transport(ctx, &c, out, quiet)); break;
    default:
        SF_CHECK(ctx, 0, SF_E_UNSUPPORTED, "%s: form = '%s': not available in this version",
                 sf_case_where(&c, "form"), sf_name_of(&sf_form_names, (int)c.form));
    }
cleanup:
    sf_case_free(&c);
    return status == SF_OK ? 0 : fail(ctx, status);
}

static int cmd_info(sf_ctx *ctx, int argc, char **argv)
{
    if (argc >= 1 && is_help(argv[0])) {
        fputs(usage_info, stdout);
        return 0;
    }
    if (argc != 1) return usage_error(usage_info, "%s", "expected exactly one FILE");
    char *text = NULL;
    sf_status s = sf_nc_info(ctx, argv[0], &text);
    if (s != SF_OK) return fail(ctx, s);
    fputs(text, stdout);
    free(text);
    return 0;
}

static const char *usage_particles =
    "usage: symflow particles CASE [-m M] [--seed S] [-o FILE] [--set key=value]... [--quiet]\n\n"
    "Train a finite-width network on the case (full dimension d; or the reduced particles of\n"
    "form L with particles.method = reduced) and write a particle file (schema particles-1,\n"
    "default: CASE's name with -particles.nc). Methods (particles.method): cvode (exact\n"
    "population gradient, CVODE), euler (gradient descent with step particles.step), sgd\n"
    "(fresh Gaussian batches of particles.batch inputs), reduced (Lagrangian form L).\n"
    "  -m M        number of neurons (= --set particles.m=M)\n"
    "  --seed S    random seed (= --set particles.seed=S)\n";

/* Nodes of the kernel tables the particle simulators interpolate (cubic Hermite: error
 * O(h⁴), measured ≤ 1e-9 on the risk at 33 nodes; 257 leaves it at rounding level). */
enum { SF_PARTICLE_TABLE_NODES = 257 };

static int cmd_particles(sf_ctx *ctx, int argc, char **argv)
{
    const char *case_path = NULL, *out = NULL;
    const char *overrides[SF_MAX_OVERRIDES];
    char extra[2][64];
    size_t n_over = 0;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            fputs(usage_particles, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "-m") || !strcmp(a, "--seed")) {
            if (i + 1 >= argc) return usage_error(usage_particles, "%s needs a value", a);
            const char *v = argv[++i];
            if (n_over + 1 >= SF_MAX_OVERRIDES) return usage_error(usage_particles, "too many %s", "--set");
            if (!strcmp(a, "-o")) {
                out = v;
            } else if (!strcmp(a, "--set")) {
                overrides[n_over++] = v;
            } else {
                char *slot = extra[!strcmp(a, "-m") ? 0 : 1];
                snprintf(slot, sizeof extra[0], "%s=%s", !strcmp(a, "-m") ? "particles.m" : "particles.seed", v);
                overrides[n_over++] = slot;
            }
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = 1;
        } else if (a[0] == '-') {
            return usage_error(usage_particles, "unknown option '%s'", a);
        } else if (!case_path) {
            case_path = a;
        } else {
            return usage_error(usage_particles, "unexpected argument '%s'", a);
        }
    }
    if (!case_path) return usage_error(usage_particles, "%s", "no case file given");
    char default_out[4096];
    if (!out) {
        default_output(case_path, default_out, sizeof default_out - 16);
        char *dot = strrchr(default_out, '.');
        if (dot) snprintf(dot, 16, "-particles.nc");
        out = default_out;
    }
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_kernel_table tab = {0};
    sf_run_particles_summary sum = {0};
    sf_target_fn rp_target = NULL; /* SGD's pointwise f* (owned when an expression) */
    void *rp_target_user = NULL;
    SF_TRY(ctx, sf_case_load(ctx, case_path, overrides, n_over, &c));
    const int reduced = c.particles.method == SF_PMETHOD_REDUCED;
    SF_TRY(ctx, sf_reduce_table(ctx, &c, SF_PARTICLE_TABLE_NODES, reduced, &tab));
    const int tty = isatty(STDERR_FILENO);
    sf_run_particles_params rp = {.c = &c, .tab = &tab, .params = sf_psim_params_from_case(&c),
                                  .out_path = out,
                                  .progress = (!quiet && tty) ? show_progress : NULL};
    if (c.particles.method == SF_PMETHOD_SGD) {
        SF_TRY(ctx, sf_reduce_target_fn(ctx, &c, &rp_target, &rp_target_user));
        rp.params.target = rp_target;
        rp.params.target_user = rp_target_user;
    }
    status = sf_run_particles(ctx, &rp, &sum);
    if (!quiet && tty) fprintf(stderr, "\r%*s\r", 78, "");
    SF_TRY(ctx, status);
    if (!quiet) {
        printf("symflow %s: particles (%s), m = %ld, seed %ld, target %s, d = %ld, d_H = %ld\n",
               SF_VERSION, sf_name_of(&sf_pmethod_names, (int)c.particles.method), c.particles.m,
               c.particles.seed, c.problem.target, c.problem.d, c.problem.d_H);
        printf("  t = %-8g R = %.10g\n", c.time.outputs[0], sum.risk_first);
        printf("  t = %-8g R = %.10g  |tau+| = %.8g  |tau-| = %.8g\n",
               c.time.outputs[c.time.n_outputs - 1], sum.risk_last, sum.mass_plus_last,
               sum.mass_minus_last);
        printf("  checks: max R increase between outputs %.2e; drift of mean(a^2 - |b|^2) %.2e\n",
               sum.max_risk_increase, sum.balance_drift);
        printf("  %ld steps, %ld velocity evaluations; %.2f s\n", sum.stats.steps,
               sum.stats.rhs_evals, sum.wall_s);
        printf("  wrote %s (%s storage)\n", out, sum.reduced_storage ? "reduced (u, r)" : "full b");
    }
cleanup:
    sf_reduce_target_fn_release(rp_target, &rp_target_user);
    sf_kernel_table_free(&tab);
    sf_case_free(&c);
    return status == SF_OK ? 0 : fail(ctx, status);
}

static const char *usage_compare =
    "usage: symflow compare FIELD PARTICLES [-o CMP.nc] [--bandwidth H] [--quiet]\n\n"
    "Compare a form-L field file with a particle file (particles-1) at their common output\n"
    "times: risk gap, masses, W1 of the theta-marginals per sign, and the particle cloud\n"
    "smoothed onto the field's grid (written to CMP.nc, default compare.nc).\n"
    "  --bandwidth H   smoothing width in rad (default: Silverman's rule per time)\n";

static int cmd_compare(sf_ctx *ctx, int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *out = "compare.nc";
    int nfiles = 0, quiet = 0;
    sf_compare_params params = sf_compare_params_default();
    for (int i = 0; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_compare, stdout);
            return 0;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--bandwidth")) {
            if (i + 1 >= argc) return usage_error(usage_compare, "%s needs a value", argv[i]);
            if (argv[i][1] == 'o') {
                out = argv[++i];
            } else {
                char *end = NULL;
                params.bandwidth = strtod(argv[++i], &end);
                if (!end || *end || !isfinite(params.bandwidth) || params.bandwidth <= 0.0)
                    return usage_error(usage_compare, "--bandwidth %s: expected a number > 0 (rad)", argv[i]);
            }
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (argv[i][0] == '-') {
            return usage_error(usage_compare, "unknown option '%s'", argv[i]);
        } else if (nfiles < 2) {
            files[nfiles++] = argv[i];
        } else {
            return usage_error(usage_compare, "unexpected argument '%s'", argv[i]);
        }
    }
    if (nfiles != 2) return usage_error(usage_compare, "%s", "expected FIELD and PARTICLES");
    sf_compare_summary s;
    sf_status st = sf_compare_files(ctx, files[0], files[1], out, &params, &s);
    if (st != SF_OK) return fail(ctx, st);
    if (!quiet) {
        printf("symflow compare: %s vs %s at %zu common times\n", files[0], files[1], s.n_times);
        printf("  risk gap sup_t |R_m - R| = %.4e (relative %.4e)\n", s.sup_risk_gap, s.sup_rel_risk_gap);
        printf("  W1 of theta-marginals: max %.4e (tau+), %.4e (tau-) rad\n", s.max_w1_plus, s.max_w1_minus);
        printf("  final: R = %.6g (field) vs %.6g (particles); |tau+| = %.6g vs %.6g; "
               "|tau-| = %.6g vs %.6g\n", s.final_risk_field, s.final_risk_particles,
               s.final_mass_plus_field, s.final_mass_plus_particles, s.final_mass_minus_field,
               s.final_mass_minus_particles);
        printf("  wrote %s\n", out);
    }
    return 0;
}

/* Hand over to the Python package (reads netCDF only): python3 -m symflow_post COMMAND argv. */
static int run_postproc(const char *command, const char *usage, int argc, char **argv)
{
    if (argc >= 1 && is_help(argv[0])) {
        fputs(usage, stdout);
        return 0;
    }
    char **args = calloc((size_t)argc + 5, sizeof *args);
    if (!args) {
        fprintf(stderr, "symflow: error: out of memory\n");
        return (int)SF_E_NOMEM;
    }
    const char *pp = getenv("PYTHONPATH");
    char path[8192];
    snprintf(path, sizeof path, "%s%s%s", SF_POSTPROC_DIR, pp && *pp ? ":" : "", pp ? pp : "");
    setenv("PYTHONPATH", path, 1);
    args[0] = (char *)SF_PYTHON;
    args[1] = (char *)"-m";
    args[2] = (char *)"symflow_post";
    args[3] = (char *)command;
    for (int i = 0; i < argc; i++) args[4 + i] = argv[i];
    execv(SF_PYTHON, args);
    fprintf(stderr, "symflow: error: cannot run %s: %s\n", SF_PYTHON, strerror(errno));
    free(args);
    return (int)SF_E_IO;
}

static int cmd_plot(int argc, char **argv) { return run_postproc("plot", usage_plot, argc, argv); }

static int cmd_export(int argc, char **argv)
{
    return run_postproc("export", usage_export, argc, argv);
}

int main(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? (int)SF_E_ARG : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("symflow %s\n", SF_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "plot")) return cmd_plot(argc - 2, argv + 2);
    if (!strcmp(argv[1], "export")) return cmd_export(argc - 2, argv + 2);
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) {
        fprintf(stderr, "symflow: error: out of memory\n");
        return (int)SF_E_NOMEM;
    }
    int rc;
    if (!strcmp(argv[1], "solve"))
        rc = cmd_solve(ctx, argc - 2, argv + 2);
    else if (!strcmp(argv[1], "particles"))
        rc = cmd_particles(ctx, argc - 2, argv + 2);
    else if (!strcmp(argv[1], "compare"))
        rc = cmd_compare(ctx, argc - 2, argv + 2);
    else if (!strcmp(argv[1], "info"))
        rc = cmd_info(ctx, argc - 2, argv + 2);
    else
        rc = usage_error(usage_main, "unknown command '%s'", argv[1]);
    sf_ctx_destroy(&ctx);
    return rc;
}
