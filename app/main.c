/* main.c — the `symflow` command: argv → case → run → exit code.
 *
 *   symflow solve CASE [-o FILE] [--resume FILE] [--set key=value]... [--quiet]
 *   symflow particles CASE [-m M] [--seed S] [-o FILE] [--set key=value]... [--quiet]
 *   symflow compare FIELD PARTICLES [-o CMP.nc] [--bandwidth H]
 *   symflow info FILE
 *   symflow plot FILE... [-o DIR] [--format F] [--kind K]  (runs the postproc Python package)
 *   symflow export FILE --vtk DIR        (runs the postproc Python package)
 *   symflow sweep CASE --vary key=... -o OUT   (runs the postproc Python package, which
 *                                        runs this binary once per point: SYMFLOW_EXE)
 *   symflow --help | --version
 *
 * Exit codes are the status table of include/symflow/status.h (0 success, 2 usage, 3 case
 * file syntax, 4 range, 6 I/O, 7 CVODE, 8 netCDF, 9 numerical, 10 unsupported, 11 the
 * solution reached the edge of the box; 130 and 143: interrupted by SIGINT / SIGTERM, the
 * outputs so far committed with complete = 0).
 * Signals: solve and particles catch SIGINT and SIGTERM into a flag (the only process-global
 * state, owned here) that the driver polls between progress slices (drive.h stop).
 * argv → case → registry (build and drive the case's form, registry.h) → print → exit code.
 * This is the only place that prints or exits. Errors: one line on stderr.
 * -o never replaces an input of the command (the case file; compare checks FIELD and
 * PARTICLES itself), a directory or a special file: exit 6 (include/symflow/atomic.h).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symflow/atomic.h"
#include "symflow/case.h"
#include "symflow/compare.h"
#include "symflow/ncio.h"
#include "symflow/registry.h"
#include "symflow/status.h"
#include "symflow/version.h"

#ifndef SF_POSTPROC_DIR
#define SF_POSTPROC_DIR "postproc"
#endif
#ifndef SF_PYMOD_DIR
#define SF_PYMOD_DIR "python"
#endif
#ifndef SF_SHARED_LIB
#define SF_SHARED_LIB "libsymflow.so"
#endif
#ifndef SF_PYTHON
#define SF_PYTHON "/usr/bin/python3"
#endif

enum { SF_MAX_OVERRIDES = 256 /* --set options per command */ };

static const char *usage_main =
    "usage: symflow <command> [options]\n"
    "\n"
    "commands:\n"
    "  solve CASE [-o FILE] [--resume FILE] [--set key=value]... [--quiet]\n"
    "                 solve the reduced PDE of a case file, write a netCDF field file\n"
    "  particles CASE [-m M] [--seed S] [-o FILE] [--set key=value]... [--quiet]\n"
    "                 train finite-width networks on the case, write a particle file\n"
    "  compare FIELD PARTICLES [-o CMP.nc] [--bandwidth H]\n"
    "                 compare a field file with a particle file (risk gap, W1, densities)\n"
    "  info FILE      describe a netCDF file written by symflow\n"
    "  plot FILE... [-o DIR] [--format F] [--kind K]\n"
    "                 draw the figures of field/particle/compare files (PNG, PDF, SVG, GIF)\n"
    "  export FILE --vtk DIR\n"
    "                 write a field file as VTK rectilinear grids + a .pvd (ParaView)\n"
    "  sweep CASE --vary key=v1,v2,... [--set key=value]... -o OUT\n"
    "                 run a case at many values of its keys (here or on SLURM), merge the\n"
    "                 runs into one netCDF file (symflow sweep --help)\n"
    "\n"
    "options: --help (any command), --version\n"
    "exit codes: 0 ok, 2 usage, 3 malformed case, 4 value out of range, 5 memory, 6 I/O,\n"
    "            7 CVODE, 8 netCDF, 9 numerical, 10 unsupported combination, 11 box too small,\n"
    "            130 interrupted by SIGINT, 143 by SIGTERM (solve, particles: the outputs so far\n"
    "            are written with the attribute complete = 0; continue with solve --resume)\n";

static const char *usage_solve =
    "usage: symflow solve CASE [-o FILE] [--resume FILE] [--set key=value]... [--quiet]\n"
    "\n"
    "Solve the reduced mean-field PDE of the case file CASE (YAML) and write the field file\n"
    "FILE (netCDF, default: CASE's name with .nc in the current directory).\n"
    "  -o FILE          output field file (written to a temporary name, renamed at the end;\n"
    "                   never the case file, a directory or a device: exit 6)\n"
    "  --resume FILE    continue the field file FILE of the same case (interrupted, or ending\n"
    "                   before time.end) from its last output; the new file holds its outputs\n"
    "                   and the new ones (FILE itself is replaced only if it is also -o FILE)\n"
    "  --set key=value  override a case key; value read as YAML, e.g. --set grid.cells=400\n"
    "                   or --set 'time.outputs=[0,1,10]'\n"
    "  --max-memory SIZE  refuse a case needing more memory than SIZE (e.g. 2G, 500M);\n"
    "                   default: the memory available on the machine\n"
    "  --quiet          no progress and no summary\n"
    "SIGINT/SIGTERM end the run after the current step: the outputs so far are written with\n"
    "complete = 0 and time_reached (exit 130 / 143).\n";

static const char *usage_info = "usage: symflow info FILE\n\nDescribe a netCDF file written by symflow.\n";

static const char *usage_plot =
    "usage: symflow plot FILE... [-o DIR] [--dpi N] [--format png|pdf|svg|gif|mp4]\n"
    "                    [--kind all|probe|trajectories|animation]\n"
    "       symflow plot SWEEP.nc [--y NAME] [--x KEY] [-o DIR] [--format png|pdf|svg]\n\n"
    "Draw the figures of a field file and optional particle and compare files (PNG, PDF or\n"
    "SVG). --kind probe: the predictor on the probe lines of a form-L field; trajectories:\n"
    "neuron paths in (theta, |a|) of particle files; animation: tau+/- over time (GIF, or\n"
    "MP4 with ffmpeg). A sweep file: a quantity against its varied key (sweep_NAME.png).\n";

static const char *usage_export =
    "usage: symflow export FILE --vtk DIR [--whole-box]\n\n"
    "Write the density of a field file (form T: n(a, u, r); form L: tau_plus, tau_minus on\n"
    "theta or phi) as VTK XML rectilinear grids, DIR/NAME_NNNN.vtr one per output time, and\n"
    "the collection DIR/NAME.pvd with their times, for ParaView. Errors: one line, exit 2.\n"
    "  --whole-box   form T: keep the solver's whole box (default: crop, in whole cells, to\n"
    "                where the density lives at the last output, all but 1e-6 of the mass)\n";

/* The signal received (SIGINT, SIGTERM), 0 if none: set by the handler, polled by the
 * driver through stop_requested. */
static volatile sig_atomic_t sf_signal_received = 0;

static void on_signal(int sig) { sf_signal_received = sig; }

static int stop_requested(void *user)
{
    (void)user;
    return sf_signal_received != 0;
}

/* SIGINT and SIGTERM end a solve or simulation cleanly (drive.h stop). */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; /* file I/O is not cut short; the flag is polled anyway */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int fail(sf_ctx *ctx, sf_status s)
{
    fprintf(stderr, "symflow: error: %s\n", sf_ctx_message(ctx));
    if (getenv("SYMFLOW_TRACE")) fprintf(stderr, "%s\n", sf_ctx_trace_text(ctx));
    if (s == SF_E_INTERRUPTED) return 128 + (sf_signal_received ? (int)sf_signal_received : SIGINT);
    return (int)s;
}

/* One line: the error, then the command's synopsis (the first line of its usage text). */
static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    char safe[1024]; /* argv reaches the terminal: no raw control bytes */
    sf_escape_control(arg, safe, sizeof safe);
    fprintf(stderr, "symflow: error: ");
    fprintf(stderr, fmt, safe);
    const char *end = strchr(usage, '\n');
    fprintf(stderr, " (%.*s)\n", end ? (int)(end - usage) : (int)strlen(usage), usage);
    return (int)SF_E_ARG;
}

/* An optionally signed decimal integer of 1 … max_digits digits. */
static int is_integer(const char *s, size_t max_digits)
{
    if (*s == '-' || *s == '+') s++;
    const size_t n = strspn(s, "0123456789");
    return n >= 1 && n <= max_digits && s[n] == '\0';
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

/* Progress of the K̂ table on a terminal (built before the first step). */
static void show_tables(double fraction, void *user)
{
    (void)user;
    fprintf(stderr, "\r  tables: %3.0f %% ", 100.0 * fraction);
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

/* The driver's summary, whatever the form: every plain series at the first and last
 * output, the invariant checks by series role, (L2)/(I2) against the finite difference, the
 * integrator's statistics. */
static void print_summary(const sf_solve_report *r, const char *out)
{
    const sf_drive_summary *s = &r->sum;
    printf("symflow %s: %s\n", SF_VERSION, r->describe);
    printf("  %-22s t = %-16g t = %g\n", "", s->t_first, s->t_last);
    for (size_t i = 0; i < s->n_series; i++)
        if (s->roles[i] == SF_SERIES_PLAIN || s->roles[i] == SF_SERIES_CONSERVED)
            printf("  %-22s %-20.10g %.10g\n", s->series[i].name, s->first[i], s->last[i]);
    if (isfinite(r->minimiser_mass)) printf("  minimiser mass alpha (L4) = %.8g\n", r->minimiser_mass);
    printf("  checks: max R increase between outputs %.2e", s->max_risk_increase);
    for (size_t i = 0; i < s->n_series; i++) {
        if (s->roles[i] == SF_SERIES_CONSERVED)
            printf("; drift of %s %.2e", s->series[i].name, s->drift[i]);
        else if (s->roles[i] == SF_SERIES_MAXIMUM)
            printf("; max %s %.2e", s->series[i].name, s->highest[i]);
        else if (s->roles[i] == SF_SERIES_MINIMUM)
            printf("; min %s %.2e", s->series[i].name, s->lowest[i]);
    }
    printf("\n");
    const int diss = sf_drive_series_index(s, "dissipation");
    if (diss >= 0 && isfinite(s->fd_dissipation))
        printf("  dissipation at the last output %.6e vs finite-difference -dR/dt of the last "
               "interval %.6e\n", s->last[diss], s->fd_dissipation);
    printf("  %ld steps, %ld rhs evals, %ld error-test fails, %ld nonlinear iters; %.2f s\n",
           s->stats.steps, s->stats.rhs_evals, s->stats.error_fails, s->stats.nonlin_iters,
           s->wall_s);
    printf("  wrote %s (%zu outputs)\n", out, s->n_outputs);
}

/* The command line, for the `history` attribute of the files written (set by main). */
static char command_line[2048];

/* argv joined by spaces into command_line, an argument with a character outside
 * [A-Za-z0-9_./=:,+-] in single quotes (a ' inside as '\''), control bytes as '?';
 * cut at the buffer's size. */
static void set_command_line(int argc, char **argv)
{
    size_t n = 0;
    const size_t cap = sizeof command_line;
#define PUT(ch) do { if (n + 1 < cap) command_line[n++] = (ch); } while (0)
    for (int i = 0; i < argc; i++) {
        const char *a = i == 0 ? "symflow" : argv[i];
        int plain = *a != '\0';
        for (const char *p = a; *p; p++)
            if (!strchr("_./=:,+-", *p) && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                             (*p >= '0' && *p <= '9')))
                plain = 0;
        if (i > 0) PUT(' ');
        if (!plain) PUT('\'');
        for (const char *p = a; *p; p++) {
            const unsigned char ch = (unsigned char)*p;
            if (ch == '\'') {
                PUT('\''); PUT('\\'); PUT('\''); PUT('\'');
            } else {
                PUT(ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
            }
        }
        if (!plain) PUT('\'');
    }
#undef PUT
    command_line[n] = '\0';
}

typedef sf_status (*solve_fn)(sf_ctx *, const sf_case *, const sf_solve_opts *, sf_solve_report *);

/* Solve (or simulate) with a progress line on a terminal unless quiet; a note of the
 * planner (form T: the box grew) goes to stderr. */
static sf_status run_with_progress(sf_ctx *ctx, const sf_case *c, const char *out,
                                   const char *resume, int quiet, double max_memory, solve_fn fn,
                                   sf_solve_report *rep)
{
    const int tty = isatty(STDERR_FILENO);
    const sf_solve_opts o = {.out_path = out,
                             .progress = (!quiet && tty) ? show_progress : NULL,
                             .progress_user = NULL,
                             .stop = stop_requested,
                             .stop_user = NULL,
                             .resume_path = resume,
                             .max_memory = max_memory,
                             .table_progress = (!quiet && tty) ? show_tables : NULL,
                             .history = command_line[0] ? command_line : NULL};
    catch_signals();
    sf_status status = fn(ctx, c, &o, rep);
    if (!quiet && tty) fprintf(stderr, "\r%*s\r", 78, "");
    if (!quiet && rep->note[0]) fprintf(stderr, "symflow: note: %s\n", rep->note);
    return status;
}

static int cmd_solve(sf_ctx *ctx, int argc, char **argv)
{
    const char *case_path = NULL, *out = NULL, *resume = NULL;
    const char *overrides[SF_MAX_OVERRIDES];
    size_t n_over = 0;
    int quiet = 0;
    double max_memory = 0.0;
    for (int i = 0; i < argc; i++) {
        if (is_help(argv[i])) {
            fputs(usage_solve, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--max-memory")) {
            if (i + 1 >= argc) return usage_error(usage_solve, "%s needs a value", argv[i]);
            if (sf_parse_size(argv[++i], &max_memory) != SF_OK)
                return usage_error(usage_solve, "--max-memory %s: expected a size such as 2G or 500M", argv[i]);
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--set") ||
                   !strcmp(argv[i], "--resume")) {
            if (i + 1 >= argc) return usage_error(usage_solve, "%s needs a value", argv[i]);
            if (argv[i][1] == 'o') {
                out = argv[++i];
            } else if (!strcmp(argv[i], "--resume")) {
                resume = argv[++i];
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
    sf_solve_report rep;
    SF_TRY(ctx, sf_atomic_check_output(ctx, out, &case_path, 1)); /* -o t.yaml, any spelling */
    SF_TRY(ctx, sf_case_load(ctx, case_path, overrides, n_over, &c));
    SF_TRY(ctx, run_with_progress(ctx, &c, out, resume, quiet, max_memory, sf_registry_solve, &rep));
    if (!quiet) print_summary(&rep, out);
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
    "  --seed S    random seed (= --set particles.seed=S)\n"
    "  --max-memory SIZE  refuse a case needing more memory than SIZE (e.g. 2G, 500M)\n";

static int cmd_particles(sf_ctx *ctx, int argc, char **argv)
{
    const char *case_path = NULL, *out = NULL;
    const char *overrides[SF_MAX_OVERRIDES];
    char extra[2][64];
    size_t n_over = 0;
    int quiet = 0;
    double max_memory = 0.0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            fputs(usage_particles, stdout);
            return 0;
        } else if (!strcmp(a, "--max-memory")) {
            if (i + 1 >= argc) return usage_error(usage_particles, "%s needs a value", a);
            if (sf_parse_size(argv[++i], &max_memory) != SF_OK)
                return usage_error(usage_particles, "--max-memory %s: expected a size such as 2G or 500M", argv[i]);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "-m") || !strcmp(a, "--seed")) {
            if (i + 1 >= argc) return usage_error(usage_particles, "%s needs a value", a);
            const char *v = argv[++i];
            if (n_over + 1 >= SF_MAX_OVERRIDES) return usage_error(usage_particles, "too many %s", "--set");
            if (!strcmp(a, "-o")) {
                out = v;
            } else if (!strcmp(a, "--set")) {
                overrides[n_over++] = v;
            } else {
                if (!is_integer(v, 18))
                    return usage_error(usage_particles,
                                       !strcmp(a, "-m") ? "-m %s: expected an integer of at most 18 digits"
                                                        : "--seed %s: expected an integer of at most 18 digits", v);
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
    sf_solve_report rep;
    SF_TRY(ctx, sf_atomic_check_output(ctx, out, &case_path, 1)); /* -o t.yaml, any spelling */
    SF_TRY(ctx, sf_case_load(ctx, case_path, overrides, n_over, &c));
    SF_TRY(ctx, run_with_progress(ctx, &c, out, NULL, quiet, max_memory, sf_registry_particles, &rep));
    if (!quiet) print_summary(&rep, out);
cleanup:
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
        if (!strcmp(s.form, "transport")) {
            printf("  W1 of the marginals: max %.4e (a), %.4e (u), %.4e (r)\n", s.max_w1_a,
                   s.max_w1_u, s.max_w1_r);
            printf("  final: R = %.6g (field) vs %.6g (particles)\n", s.final_risk_field,
                   s.final_risk_particles);
        } else if (!strcmp(s.form, "hyperbolic")) {
            printf("  W1 of the marginals: max %.4e (omega), %.4e (eta) of N0; %.4e (omega), "
                   "%.4e (eta) of N+ + N-\n", s.max_w1_h[0], s.max_w1_h[1], s.max_w1_h[2],
                   s.max_w1_h[3]);
            printf("  final: R = %.6g (field) vs %.6g (particles); mass of N0 = %.6g vs %.6g\n",
                   s.final_risk_field, s.final_risk_particles, s.final_mass0_field,
                   s.final_mass0_particles);
        } else if (!strcmp(s.form, "ode")) {
            printf("  |w_m - w|: max %.4e\n", s.max_w_gap);
            printf("  final: R = %.6g (field) vs %.6g (particles)\n", s.final_risk_field,
                   s.final_risk_particles);
        } else if (!isnan(s.max_w1_phi_plus) || !isnan(s.max_w1_phi_minus)) {
            printf("  W1 of theta-marginals: max %.4e (tau+), %.4e (tau-) rad; circular W1 of "
                   "phi-marginals: max %.4e (tau+), %.4e (tau-) rad\n", s.max_w1_theta_plus,
                   s.max_w1_theta_minus, s.max_w1_phi_plus, s.max_w1_phi_minus);
            printf("  final: R = %.6g (field) vs %.6g (particles); |tau+| = %.6g vs %.6g; "
                   "|tau-| = %.6g vs %.6g\n", s.final_risk_field, s.final_risk_particles,
                   s.final_mass_plus_field, s.final_mass_plus_particles, s.final_mass_minus_field,
                   s.final_mass_minus_particles);
        } else {
            printf("  W1 of theta-marginals: max %.4e (tau+), %.4e (tau-) rad\n", s.max_w1_plus,
                   s.max_w1_minus);
            printf("  final: R = %.6g (field) vs %.6g (particles); |tau+| = %.6g vs %.6g; "
                   "|tau-| = %.6g vs %.6g\n", s.final_risk_field, s.final_risk_particles,
                   s.final_mass_plus_field, s.final_mass_plus_particles, s.final_mass_minus_field,
                   s.final_mass_minus_particles);
        }
        printf("  wrote %s\n", out);
    }
    return 0;
}

#ifndef SF_POSTPROC_RELDIR
#define SF_POSTPROC_RELDIR "../lib/python3/dist-packages"
#endif

/* The directories holding the Python packages symflow_post and symflow, into dir (cap
 * bytes, ':'-separated): an installed copy at SF_POSTPROC_RELDIR from the executable's
 * directory (/proc/self/exe) when it has symflow_post/__main__.py (symflow lies beside it),
 * else the source tree's SF_POSTPROC_DIR and SF_PYMOD_DIR (the build tree), where
 * symflow_post loads the build's libsymflow (SF_SHARED_LIB, unless SYMFLOW_LIB is set) to
 * validate particle files. Returns 1 for the build tree. */
static int postproc_dir(char *dir, size_t cap)
{
    char exe[4096], probe[8192];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            const int np = snprintf(probe, sizeof probe, "%s/%s/symflow_post/__main__.py", exe,
                                    SF_POSTPROC_RELDIR);
            const int nd = snprintf(dir, cap, "%s/%s", exe, SF_POSTPROC_RELDIR);
            if (np > 0 && (size_t)np < sizeof probe && nd > 0 && (size_t)nd < cap &&
                access(probe, R_OK) == 0)
                return 0;
        }
    }
    snprintf(dir, cap, "%s:%s", SF_POSTPROC_DIR, SF_PYMOD_DIR);
    return 1;
}

/* Hand over to the Python package: python3 -m symflow_post COMMAND argv; usage (NULL: the
 * package prints its own) answers --help. SYMFLOW_EXE = this binary (the sweep's points). */
static int run_postproc(const char *command, const char *usage, int argc, char **argv)
{
    if (usage && argc >= 1 && is_help(argv[0])) {
        fputs(usage, stdout);
        return 0;
    }
    char **args = calloc((size_t)argc + 5, sizeof *args);
    if (!args) {
        fprintf(stderr, "symflow: error: out of memory\n");
        return (int)SF_E_NOMEM;
    }
    const char *pp = getenv("PYTHONPATH");
    char dir[4096], path[16384];
    if (postproc_dir(dir, sizeof dir)) setenv("SYMFLOW_LIB", SF_SHARED_LIB, 0);
    snprintf(path, sizeof path, "%s%s%s", dir, pp && *pp ? ":" : "", pp ? pp : "");
    setenv("PYTHONPATH", path, 1);
    char exe[4096]; /* the sweep's points run this binary */
    const ssize_t ne = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (ne > 0) {
        exe[ne] = '\0';
        setenv("SYMFLOW_EXE", exe, 1);
    }
#ifdef SF_PYTHON_PRELOAD /* sanitizer build: ASan's runtime first in the interpreter */
    setenv("LD_PRELOAD", SF_PYTHON_PRELOAD, 1);
    setenv("ASAN_OPTIONS", "detect_leaks=0", 1); /* the interpreter never frees some objects */
#endif
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

/* sweep: the Python module prints its own usage (symflow sweep --help). */
static int cmd_sweep(int argc, char **argv) { return run_postproc("sweep", NULL, argc, argv); }

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
    if (!strcmp(argv[1], "sweep")) return cmd_sweep(argc - 2, argv + 2);
    set_command_line(argc, argv);
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
    /* After a failed netCDF write (a full disk) libhdf5 1.10 can neither close the file nor
     * survive its own exit handler with it open (segfault in H5F__close_cb); core/ncio.c has
     * removed the temporary and left the handle, so leave without exit handlers. */
    if (rc == (int)SF_E_NETCDF) {
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
