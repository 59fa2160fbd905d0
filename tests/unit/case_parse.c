/* case_parse.c — unit tests of core/case.c: defaults, a full case file, every enumeration
 * name, output times as a list and as a count, --set overrides, each kind of error (status,
 * file, line and key in the message), sf_case_where, validation after a program edits
 * fields, and allocation fault injection (leaks are caught by the ASan build).
 * Not here: what keys mean numerically (reduction/, solver/ tests), the CLI (tests/cli).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/case.h"
#include "symflow/status.h"

enum { PATH_CAP = 64, NEEDLE_CAP = 256 };

/* Exact equality of doubles read from decimal text: strtod is correctly rounded, so the
 * same literal on both sides gives the same double. */
#define EXACT 0.0

/* Write text to a fresh temporary file; its name into path (PATH_CAP bytes). */
static int write_case(const char *text, char *path)
{
    snprintf(path, PATH_CAP, "/tmp/sf_case_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len;
    close(fd);
    return ok;
}

static int case_is_zero(const sf_case *c)
{
    return !c->path && !c->text && !c->time.outputs && !c->where_keys && !c->where_text &&
           c->n_where == 0 && c->time.n_outputs == 0;
}

/* Expect the message to contain needle; print both when it does not. */
static void expect_has(const char *msg, const char *needle, int line)
{
    int ok = strstr(msg, needle) != NULL;
    SF_EXPECT(ok);
    if (!ok) fprintf(stderr, "  (line %d) message \"%s\" lacks \"%s\"\n", line, msg, needle);
}

/* Load text (written to a temp file) with overrides; expect `want`, a message holding the
 * file name, ":LINE:" when line > 0, and each of the `needles`, and a freed case. */
static void expect_error(const char *text, const char *const *sets, size_t n_sets,
                         sf_status want, long line, const char *needle1, const char *needle2,
                         int caller)
{
    sf_ctx *ctx = NULL;
    sf_case c;
    char path[PATH_CAP], needle[NEEDLE_CAP];
    if (sf_ctx_create(&ctx) != SF_OK) {
        SF_EXPECT(!"context");
        return;
    }
    SF_EXPECT(write_case(text, path));
    sf_status s = sf_case_load(ctx, path, sets, n_sets, &c);
    SF_EXPECT(s == want);
    if (s != want)
        fprintf(stderr, "  (line %d) got %s, want %s: %s\n", caller, sf_status_name(s),
                sf_status_name(want), sf_ctx_message(ctx));
    const char *msg = sf_ctx_message(ctx);
    if (n_sets == 0 || line > 0) {
        snprintf(needle, sizeof needle, "%s:", path);
        expect_has(msg, needle, caller);
    }
    if (line > 0) {
        snprintf(needle, sizeof needle, "%s:%ld:", path, line);
        expect_has(msg, needle, caller);
    }
    if (needle1) expect_has(msg, needle1, caller);
    if (needle2) expect_has(msg, needle2, caller);
    SF_EXPECT(case_is_zero(&c));
    unlink(path);
    sf_ctx_destroy(&ctx);
}

static void test_defaults(sf_ctx *ctx)
{
    sf_case c, d = {0};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, NULL, 0, &c));
    SF_EXPECT(c.problem.input == SF_INPUT_GAUSSIAN);
    SF_EXPECT(c.problem.d == 30 && c.problem.d_H == 5);
    SF_EXPECT(strcmp(c.problem.target, "norm") == 0);
    SF_EXPECT(c.start.law == SF_START_BALANCED_SPHERE);
    SF_EXPECT_NEAR(c.start.sigma_a, 1.0, EXACT);
    SF_EXPECT_NEAR(c.start.sigma_b, 1.0, EXACT);
    SF_EXPECT(strcmp(c.form, "lifted") == 0);
    SF_EXPECT(c.grid.cells == 200 && c.grid.spacing == SF_SPACING_AUTO);
    SF_EXPECT(c.solver.kernel == SF_KERNEL_FACTORED && c.solver.kernel_tol == 1e-13);
    SF_EXPECT_NEAR(c.grid.ratio, 10.0, EXACT);
    SF_EXPECT(c.scheme.reconstruction == SF_RECON_MUSCL);
    SF_EXPECT(c.scheme.limiter == SF_LIMITER_VANLEER);
    SF_EXPECT_NEAR(c.time.end, 100.0, EXACT);
    SF_EXPECT(c.time.n_outputs == 101);
    if (c.time.n_outputs == 101) {
        /* i·100/100 is exact in binary for these small integers */
        SF_EXPECT_NEAR(c.time.outputs[0], 0.0, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[37], 37.0, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[100], 100.0, EXACT);
    }
    SF_EXPECT(c.solver.method == SF_METHOD_ADAMS);
    SF_EXPECT_NEAR(c.solver.rtol, 1e-8, EXACT);
    SF_EXPECT_NEAR(c.solver.atol, 1e-10, EXACT);
    SF_EXPECT(c.solver.max_steps == 1000000);
    SF_EXPECT(c.particles.m == 1024 && c.particles.seed == 1 && c.particles.symmetric == 0);
    SF_EXPECT(c.particles.method == SF_PMETHOD_CVODE);
    SF_EXPECT_NEAR(c.particles.step, 5e-3, EXACT);
    SF_EXPECT(c.particles.batch == 256);
    SF_EXPECT(c.path && strcmp(c.path, "") == 0 && c.text && strcmp(c.text, "") == 0);
    SF_EXPECT(strcmp(sf_case_where(&c, "grid.cells"), "(default)") == 0);
    SF_EXPECT_OK(ctx, sf_case_validate(ctx, &c));

    SF_EXPECT_OK(ctx, sf_case_defaults(ctx, &d));
    SF_EXPECT(d.grid.cells == c.grid.cells && d.time.n_outputs == c.time.n_outputs);
    SF_EXPECT_OK(ctx, sf_case_validate(ctx, &d));
    sf_case_free(&d);
    SF_EXPECT(case_is_zero(&d));
    sf_case_free(&d); /* a zeroed case is accepted */
    sf_case_free(&c);
    SF_EXPECT(case_is_zero(&c));
}

static const char full_case[] =
    "# A full case: every key, none at its default.\n" /* 1 */
    "problem:            # the problem\n"              /* 2 */
    "  input: sphere\n"                                /* 3 */
    "  d: 1e4\n"                                       /* 4 */
    "  d_H: 2\n"                                       /* 5 */
    "  target: relu\n"                                 /* 6 */
    "start: {law: gaussian, sigma_a: 0.5, sigma_b: 2}\n" /* 7 */
    "form: transport\n"                                /* 8 */
    "grid:\n"                                          /* 9 */
    "  cells: 64.0\n"                                  /* 10 */
    "  spacing: refined\n"                             /* 11 */
    "  ratio: 4\n"                                     /* 12 */
    "scheme:\n"                                        /* 13 */
    "  reconstruction: upwind\n"                       /* 14 */
    "  limiter: minmod\n"                              /* 15 */
    "time:\n"                                          /* 16 */
    "  end: 12.5\n"                                    /* 17 */
    "  outputs:\n"                                     /* 18 */
    "    - 0\n"                                        /* 19 */
    "    - 0.25\n"                                     /* 20 */
    "    - 10     # need not contain the end\n"        /* 21 */
    "solver:\n"                                        /* 22 */
    "  method: bdf\n"                                  /* 23 */
    "  rtol: 1e-6\n"                                   /* 24 */
    "  atol: 1e-9\n"                                   /* 25 */
    "  max_steps: 5000\n"                              /* 26 */
    "particles:\n"                                     /* 27 */
    "  m: 256\n"                                       /* 28 */
    "  seed: 0\n"                                      /* 29 */
    "  symmetric: yes\n"                               /* 30 */
    "  method: sgd\n"                                  /* 31 */
    "  step: 0.01\n"                                   /* 32 */
    "  batch: 32\n";                                   /* 33 */

static void test_full(sf_ctx *ctx)
{
    sf_case c;
    char path[PATH_CAP], want[NEEDLE_CAP];
    SF_EXPECT(write_case(full_case, path));
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path, NULL, 0, &c));
    SF_EXPECT(c.problem.input == SF_INPUT_SPHERE);
    SF_EXPECT(c.problem.d == 10000 && c.problem.d_H == 2);
    SF_EXPECT(strcmp(c.problem.target, "relu") == 0);
    SF_EXPECT(c.start.law == SF_START_GAUSSIAN);
    SF_EXPECT_NEAR(c.start.sigma_a, 0.5, EXACT);
    SF_EXPECT_NEAR(c.start.sigma_b, 2.0, EXACT);
    SF_EXPECT(strcmp(c.form, "transport") == 0);
    SF_EXPECT(c.grid.cells == 64 && c.grid.spacing == SF_SPACING_REFINED);
    SF_EXPECT_NEAR(c.grid.ratio, 4.0, EXACT);
    SF_EXPECT(c.scheme.reconstruction == SF_RECON_UPWIND);
    SF_EXPECT(c.scheme.limiter == SF_LIMITER_MINMOD);
    SF_EXPECT_NEAR(c.time.end, 12.5, EXACT);
    /* the listed [0, 0.25, 10] and time.end, which is always solved to and written */
    SF_EXPECT(c.time.n_outputs == 4);
    if (c.time.n_outputs == 4) {
        SF_EXPECT_NEAR(c.time.outputs[0], 0.0, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[1], 0.25, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[2], 10.0, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[3], 12.5, EXACT);
    }
    SF_EXPECT(c.solver.method == SF_METHOD_BDF);
    SF_EXPECT_NEAR(c.solver.rtol, 1e-6, EXACT);
    SF_EXPECT_NEAR(c.solver.atol, 1e-9, EXACT);
    SF_EXPECT(c.solver.max_steps == 5000);
    SF_EXPECT(c.particles.m == 256 && c.particles.seed == 0 && c.particles.symmetric == 1);
    SF_EXPECT(c.particles.method == SF_PMETHOD_SGD);
    SF_EXPECT_NEAR(c.particles.step, 0.01, EXACT);
    SF_EXPECT(c.particles.batch == 32);
    SF_EXPECT(c.text && strcmp(c.text, full_case) == 0);
    SF_EXPECT(c.path && strcmp(c.path, path) == 0);

    /* sf_case_where: keys, flow-mapping keys, list elements, unknown keys */
    snprintf(want, sizeof want, "%s:10", path);
    SF_EXPECT(strcmp(sf_case_where(&c, "grid.cells"), want) == 0);
    snprintf(want, sizeof want, "%s:7", path);
    SF_EXPECT(strcmp(sf_case_where(&c, "start.sigma_b"), want) == 0);
    snprintf(want, sizeof want, "%s:8", path);
    SF_EXPECT(strcmp(sf_case_where(&c, "form"), want) == 0);
    snprintf(want, sizeof want, "%s:18", path);
    SF_EXPECT(strcmp(sf_case_where(&c, "time.outputs"), want) == 0);
    snprintf(want, sizeof want, "%s:21", path);
    SF_EXPECT(strcmp(sf_case_where(&c, "time.outputs[2]"), want) == 0);
    SF_EXPECT(strcmp(sf_case_where(&c, "no.such"), "(default)") == 0);
    sf_case_free(&c);

    /* A file setting only some keys: the rest say "PATH (default)". */
    char path2[PATH_CAP];
    SF_EXPECT(write_case("grid:\n  cells: 16\n", path2));
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path2, NULL, 0, &c));
    snprintf(want, sizeof want, "%s (default)", path2);
    SF_EXPECT(strcmp(sf_case_where(&c, "solver.rtol"), want) == 0);
    snprintf(want, sizeof want, "%s:2", path2);
    SF_EXPECT(strcmp(sf_case_where(&c, "grid.cells"), want) == 0);
    sf_case_free(&c);
    unlink(path2);

    /* An empty (comments only) file: every default. */
    SF_EXPECT(write_case("# nothing yet\n", path2));
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path2, NULL, 0, &c));
    SF_EXPECT(c.grid.cells == 200 && c.time.n_outputs == 101);
    sf_case_free(&c);
    unlink(path2);
    unlink(path);
}

/* Every name of every table, set through an override, reads back as its index. */
static void test_enums(sf_ctx *ctx)
{
    static const struct {
        const char *key;
        const sf_name_table *t;
        size_t offset;
    } enums[] = {
        {"problem.input", &sf_input_names, offsetof(sf_case, problem.input)},
        {"start.law", &sf_start_names, offsetof(sf_case, start.law)},
        {"grid.spacing", &sf_spacing_names, offsetof(sf_case, grid.spacing)},
        {"scheme.reconstruction", &sf_recon_names, offsetof(sf_case, scheme.reconstruction)},
        {"scheme.limiter", &sf_limiter_names, offsetof(sf_case, scheme.limiter)},
        {"solver.method", &sf_method_names, offsetof(sf_case, solver.method)},
        {"particles.method", &sf_pmethod_names, offsetof(sf_case, particles.method)},
        {"problem.symmetry", &sf_symmetry_names, offsetof(sf_case, problem.symmetry)},
        {"solver.kernel", &sf_kernel_op_names, offsetof(sf_case, solver.kernel)},
    };
    static const int counts[] = {2, 2, 4, 2, 2, 2, 4, 3, 2};
    char set[NEEDLE_CAP];
    for (size_t e = 0; e < sizeof enums / sizeof enums[0]; e++) {
        SF_EXPECT(enums[e].t->count == counts[e]);
        for (int v = 0; v < enums[e].t->count; v++) {
            sf_case c;
            const char *sets[1] = {set};
            snprintf(set, sizeof set, "%s=%s", enums[e].key, sf_name_of(enums[e].t, v));
            SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, sets, 1, &c));
            int got = -1;
            memcpy(&got, (const char *)&c + enums[e].offset, sizeof got);
            SF_EXPECT(got == v);
            sf_case_free(&c);
        }
        SF_EXPECT(strcmp(sf_name_of(enums[e].t, -1), "?") == 0);
        SF_EXPECT(strcmp(sf_name_of(enums[e].t, enums[e].t->count), "?") == 0);
    }
    SF_EXPECT(strcmp(sf_name_of(&sf_start_names, SF_START_BALANCED_SPHERE),
                     "balanced-sphere") == 0);
    SF_EXPECT(strcmp(sf_name_of(&sf_limiter_names, SF_LIMITER_VANLEER), "vanleer") == 0);
    SF_EXPECT(strcmp(sf_name_of(&sf_pmethod_names, SF_PMETHOD_REDUCED), "reduced") == 0);
}

static void test_outputs(sf_ctx *ctx)
{
    sf_case c;
    char path[PATH_CAP];

    /* A count, with time.end after it: resolved after every key is read. */
    SF_EXPECT(write_case("time:\n  outputs: 5\n  end: 2\n", path));
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path, NULL, 0, &c));
    SF_EXPECT(c.time.n_outputs == 5);
    for (size_t i = 0; i < c.time.n_outputs && i < 5; i++)
        SF_EXPECT_NEAR(c.time.outputs[i], 0.5 * (double)i, EXACT); /* k/2: exact */
    sf_case_free(&c);
    unlink(path);

    /* The default count follows time.end, even when end comes from --set. */
    const char *end_set[] = {"time.end=50"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, end_set, 1, &c));
    SF_EXPECT(c.time.n_outputs == 101);
    if (c.time.n_outputs == 101) {
        SF_EXPECT_NEAR(c.time.outputs[100], 50.0, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[2], 1.0, EXACT);
    }
    sf_case_free(&c);

    /* A count written as 1e1 is an integer. */
    const char *count_set[] = {"time.outputs=1e1", "time.end=9"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, count_set, 2, &c));
    SF_EXPECT(c.time.n_outputs == 10);
    if (c.time.n_outputs == 10) SF_EXPECT_NEAR(c.time.outputs[9], 9.0, EXACT);
    sf_case_free(&c);

    /* A flow list in the file, then a count from --set: the count wins. */
    SF_EXPECT(write_case("time: {end: 4, outputs: [0, 1, 3]}\n", path));
    const char *recount[] = {"time.outputs=3"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path, recount, 1, &c));
    SF_EXPECT(c.time.n_outputs == 3);
    if (c.time.n_outputs == 3) SF_EXPECT_NEAR(c.time.outputs[1], 2.0, EXACT);
    SF_EXPECT(strcmp(sf_case_where(&c, "time.outputs[2]"), "--set time.outputs=3") == 0);
    sf_case_free(&c);
    unlink(path);
}

static void test_overrides(sf_ctx *ctx)
{
    sf_case c;
    char path[PATH_CAP];
    SF_EXPECT(write_case("grid:\n  cells: 4   # out of range, fixed by --set\n"
                         "time:\n  end: 20\n  outputs: [0, 5]\n",
                         path));
    const char *sets[] = {"grid.cells=32",          "time.outputs=[0,1,10]",
                          "grid={spacing: refined, ratio: 3}", "particles.symmetric=true",
                          "problem.target=x1^3 - 3*x1", "grid.cells=48"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path, sets, sizeof sets / sizeof sets[0], &c));
    SF_EXPECT(c.grid.cells == 48); /* set twice: the last wins */
    SF_EXPECT(c.grid.spacing == SF_SPACING_REFINED);
    SF_EXPECT_NEAR(c.grid.ratio, 3.0, EXACT);
    SF_EXPECT(c.particles.symmetric == 1);
    SF_EXPECT(strcmp(c.problem.target, "x1^3 - 3*x1") == 0);
    SF_EXPECT(c.time.n_outputs == 4); /* [0, 5, 10] and time.end = 20 */
    if (c.time.n_outputs == 4) {
        SF_EXPECT_NEAR(c.time.outputs[2], 10.0, EXACT);
        SF_EXPECT_NEAR(c.time.outputs[3], 20.0, EXACT);
    }
    SF_EXPECT_NEAR(c.time.end, 20.0, EXACT);
    SF_EXPECT(strcmp(sf_case_where(&c, "grid.cells"), "--set grid.cells=48") == 0);
    SF_EXPECT(strcmp(sf_case_where(&c, "time.outputs[1]"), "--set time.outputs=[0,1,10]") == 0);
    SF_EXPECT(strcmp(sf_case_where(&c, "grid.ratio"), "--set grid={spacing: refined, ratio: 3}") ==
              0);
    char want[NEEDLE_CAP];
    snprintf(want, sizeof want, "%s:4", path);
    SF_EXPECT(strcmp(sf_case_where(&c, "time.end"), want) == 0);
    sf_case_free(&c);
    unlink(path);
}

/* sf_case_is_set: a key the file or an override sets, not one left at its default, nor one
 * only written in the defaults (how the form-T planner knows a user-set grid.margin). */
static void test_is_set(sf_ctx *ctx)
{
    char path[PATH_CAP];
    sf_case c;
    SF_EXPECT(write_case("grid:\n  margin: 2\n", path));
    const char *sets[] = {"time.end=5"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path, sets, 1, &c));
    SF_EXPECT(sf_case_is_set(&c, "grid.margin") == 1);
    SF_EXPECT(sf_case_is_set(&c, "time.end") == 1);
    SF_EXPECT(sf_case_is_set(&c, "grid.cells") == 0);
    SF_EXPECT(sf_case_is_set(&c, "form") == 0);
    SF_EXPECT(sf_case_is_set(&c, "no.such") == 0);
    sf_case_free(&c);
    SF_EXPECT_OK(ctx, sf_case_defaults(ctx, &c));
    SF_EXPECT(sf_case_is_set(&c, "grid.margin") == 0);
    sf_case_free(&c);
    unlink(path);
}

static void test_errors(void)
{
    /* malformed YAML: a mapping value at a deeper indent than its siblings */
    expect_error("grid:\n  cells: 16\n   spacing: uniform\n", NULL, 0, SF_E_PARSE, 0,
                 "malformed YAML", NULL, __LINE__);
    expect_error("grid: [16\n", NULL, 0, SF_E_PARSE, 0, "malformed YAML", NULL, __LINE__);
    /* unknown key, unknown section */
    expect_error("problem:\n  d: 10\n  dimension: 3\n", NULL, 0, SF_E_PARSE, 3,
                 "problem.dimension: unknown key", "valid keys of problem: input, d, d_H, target",
                 __LINE__);
    expect_error("# c\nproblems:\n  d: 10\n", NULL, 0, SF_E_PARSE, 2, "problems: unknown key",
                 "problem, start, form, grid, scheme, time, solver, particles", __LINE__);
    /* wrong kinds */
    expect_error("grid:\n  cells: many\n", NULL, 0, SF_E_PARSE, 2, "grid.cells = many",
                 "expected an integer ≥ 8", __LINE__);
    expect_error("grid:\n  cells: 16.5\n", NULL, 0, SF_E_PARSE, 2, "grid.cells = 16.5", NULL,
                 __LINE__);
    expect_error("grid:\n  cells: [16]\n", NULL, 0, SF_E_PARSE, 2, "grid.cells", NULL, __LINE__);
    expect_error("grid: 16\n", NULL, 0, SF_E_PARSE, 1, "grid = 16", "a mapping of cells",
                 __LINE__);
    expect_error("particles:\n  symmetric: maybe\n", NULL, 0, SF_E_PARSE, 2,
                 "particles.symmetric = maybe", "true or false", __LINE__);
    expect_error("solver:\n  atol: small\n", NULL, 0, SF_E_PARSE, 2, "solver.atol = small",
                 NULL, __LINE__);
    expect_error("- problem\n- grid\n", NULL, 0, SF_E_PARSE, 1, "top level", NULL, __LINE__);
    expect_error("grid:\n  cells: 16\n---\ngrid:\n  cells: 32\n", NULL, 0, SF_E_PARSE, 4,
                 "second YAML document", NULL, __LINE__);
    /* unknown names */
    expect_error("\nscheme:\n  limiter: superbee\n", NULL, 0, SF_E_PARSE, 3,
                 "scheme.limiter = 'superbee': expected one of minmod, vanleer", NULL, __LINE__);
    /* form names are the registry's (tests/unit/registry.c); the reader keeps them verbatim */
    expect_error("form: ''\n", NULL, 0, SF_E_RANGE, 1, "form", NULL, __LINE__);
    /* ranges */
    expect_error("grid:\n  cells: 4\n", NULL, 0, SF_E_RANGE, 2, "grid.cells = 4",
                 "expected an integer ≥ 8", __LINE__);
    expect_error("grid:\n  cells: 2e6\n", NULL, 0, SF_E_RANGE, 2, "grid.cells = 2000000",
                 "≤ 1000000", __LINE__);
    expect_error("grid:\n  cells: 1e300\n", NULL, 0, SF_E_RANGE, 2, "grid.cells = 1e300", NULL,
                 __LINE__);
    expect_error("grid:\n  ratio: 0.5\n", NULL, 0, SF_E_RANGE, 2, "grid.ratio = 0.5",
                 "expected a finite number ≥ 1", __LINE__);
    expect_error("solver:\n  rtol: 0.5\n", NULL, 0, SF_E_RANGE, 2, "solver.rtol = 0.5",
                 "(0, 0.1]", __LINE__);
    expect_error("particles:\n  seed: -1\n", NULL, 0, SF_E_RANGE, 2, "particles.seed = -1",
                 NULL, __LINE__);
    expect_error("problem:\n  target: ''\n", NULL, 0, SF_E_RANGE, 2, "problem.target", NULL,
                 __LINE__);
    expect_error("problem:\n  target: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                 NULL, 0, SF_E_RANGE, 2, "problem.target", "127 characters", __LINE__);
    /* NaN and infinities */
    expect_error("start:\n  sigma_a: nan\n", NULL, 0, SF_E_RANGE, 2,
                 "start.sigma_a = nan: expected a finite number > 0", NULL, __LINE__);
    expect_error("solver:\n  rtol: .nan\n", NULL, 0, SF_E_RANGE, 2, "solver.rtol = nan", NULL,
                 __LINE__);
    expect_error("time:\n  end: .inf\n", NULL, 0, SF_E_RANGE, 2, "time.end = inf", NULL,
                 __LINE__);
    expect_error("grid:\n  cells: .nan\n", NULL, 0, SF_E_PARSE, 2, "grid.cells = .nan", NULL,
                 __LINE__);
    /* cross-key: d_H < d cites the later key */
    expect_error("problem:\n  d: 30\n  d_H: 30\n", NULL, 0, SF_E_RANGE, 3,
                 "problem.d_H = 30", "expected an integer with 1 ≤ d_H < d = 30", __LINE__);
    expect_error("problem:\n  d_H: 5\n  d: 4\n", NULL, 0, SF_E_RANGE, 3, "problem.d = 4",
                 "d_H = 5", __LINE__);
    expect_error("problem:\n  d: 3\n", NULL, 0, SF_E_RANGE, 2, "problem.d = 3", "d_H = 5",
                 __LINE__);
    /* output times */
    expect_error("time:\n  end: 100\n  outputs: [0, 10, 50, 120]\n", NULL, 0, SF_E_RANGE, 3,
                 "time.outputs[3] = 120",
                 "expected times in [0, time.end = 100], strictly increasing", __LINE__);
    expect_error("time:\n  end: 100\n  outputs:\n    - 0\n    - 10\n    - 120\n", NULL, 0,
                 SF_E_RANGE, 6, "time.outputs[2] = 120", NULL, __LINE__);
    expect_error("time:\n  outputs: [-1, 1]\n", NULL, 0, SF_E_RANGE, 2,
                 "time.outputs[0] = -1", NULL, __LINE__);
    expect_error("time:\n  outputs: [0, 2, 2]\n", NULL, 0, SF_E_RANGE, 2,
                 "time.outputs[2] = 2", "strictly increasing", __LINE__);
    expect_error("time:\n  outputs: []\n", NULL, 0, SF_E_RANGE, 2, "time.outputs", NULL,
                 __LINE__);
    expect_error("time:\n  outputs: 1\n", NULL, 0, SF_E_RANGE, 2, "time.outputs = 1",
                 "an integer ≥ 2", __LINE__);
    expect_error("time:\n  outputs: often\n", NULL, 0, SF_E_PARSE, 2, "time.outputs = often",
                 NULL, __LINE__);
    expect_error("time:\n  outputs:\n    - 0\n    - soon\n", NULL, 0, SF_E_PARSE, 4,
                 "time.outputs[1] = soon", NULL, __LINE__);

    /* overrides: errors say "--set KEY=VALUE" */
    const char *unknown[] = {"problem.dimension=3"};
    expect_error("", unknown, 1, SF_E_PARSE, 0, "--set problem.dimension=3: problem.dimension",
                 "unknown key", __LINE__);
    const char *top[] = {"cells=3"};
    expect_error("", top, 1, SF_E_PARSE, 0, "--set cells=3", "valid top-level keys", __LINE__);
    const char *noeq[] = {"grid.cells"};
    expect_error("", noeq, 1, SF_E_ARG, 0, "--set grid.cells", "KEY=VALUE", __LINE__);
    const char *bad_yaml[] = {"time.outputs=[0,1"};
    expect_error("", bad_yaml, 1, SF_E_PARSE, 0, "--set time.outputs=[0,1", "malformed YAML",
                 __LINE__);
    const char *range[] = {"grid.cells=2"};
    expect_error("", range, 1, SF_E_RANGE, 0, "--set grid.cells=2: grid.cells = 2", NULL,
                 __LINE__);
    /* time.end set later (by --set) than the outputs: the message cites time.end */
    const char *short_end[] = {"time.end=20"};
    expect_error("time:\n  outputs: [0, 10, 50]\n", short_end, 1, SF_E_RANGE, 0,
                 "--set time.end=20: time.end = 20", "time.outputs[2] = 50", __LINE__);
}

static void test_missing_file(sf_ctx *ctx)
{
    sf_case c;
    const char *path = "/nonexistent_dir/case.yaml";
    SF_EXPECT(sf_case_load(ctx, path, NULL, 0, &c) == SF_E_IO);
    expect_has(sf_ctx_message(ctx), "/nonexistent_dir/case.yaml: cannot open case file: ",
               __LINE__);
    SF_EXPECT(case_is_zero(&c));
    sf_ctx_clear(ctx);
}

/* A program edits fields, then validates: the message cites where the key was set. */
static void test_validate(sf_ctx *ctx)
{
    sf_case c;
    char path[PATH_CAP], want[NEEDLE_CAP];
    SF_EXPECT(write_case("grid:\n  cells: 16\n", path));
    SF_EXPECT_OK(ctx, sf_case_load(ctx, path, NULL, 0, &c));
    c.grid.cells = 3;
    SF_EXPECT(sf_case_validate(ctx, &c) == SF_E_RANGE);
    snprintf(want, sizeof want, "%s:2: grid.cells = 3", path);
    expect_has(sf_ctx_message(ctx), want, __LINE__);
    sf_ctx_clear(ctx);
    c.grid.cells = 16;
    c.scheme.limiter = (sf_limiter)7;
    SF_EXPECT(sf_case_validate(ctx, &c) == SF_E_RANGE);
    expect_has(sf_ctx_message(ctx), "scheme.limiter = 7: expected one of minmod, vanleer",
               __LINE__);
    sf_ctx_clear(ctx);
    c.scheme.limiter = SF_LIMITER_MINMOD;
    c.time.outputs[5] = c.time.outputs[4];
    SF_EXPECT(sf_case_validate(ctx, &c) == SF_E_RANGE);
    expect_has(sf_ctx_message(ctx), "(default): time.outputs[5] = 4", __LINE__);
    sf_ctx_clear(ctx);
    c.time.outputs[5] = 5;
    SF_EXPECT_OK(ctx, sf_case_validate(ctx, &c));
    sf_case_free(&c);
    unlink(path);
}

/* The n-th allocation fails, for n = 1, 2, … until the load succeeds: every failure is
 * SF_E_NOMEM with a freed case (ASan reports any leak). */
static void test_fault_injection(sf_ctx *ctx)
{
    char path[PATH_CAP];
    SF_EXPECT(write_case(full_case, path));
    const char *sets[] = {"time.outputs=[0,1,10]", "grid.cells=32", "grid={ratio: 2}"};
    enum { MAX_TRIES = 100000 }; /* far above the allocations of one load */
    long n = 1, failures = 0;
    for (; n < MAX_TRIES; n++) {
        sf_case c;
        sf_ctx_clear(ctx);
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status s = sf_case_load(ctx, path, sets, 3, &c);
        if (s == SF_OK) {
            SF_EXPECT(c.grid.cells == 32 && c.time.n_outputs == 4); /* + time.end */
            sf_case_free(&c);
            break;
        }
        failures += s != SF_E_NOMEM || !case_is_zero(&c);
    }
    sf_ctx_fail_alloc_at(ctx, 0);
    sf_ctx_clear(ctx);
    SF_EXPECT(n > 1 && n < MAX_TRIES);
    SF_EXPECT(failures == 0);
    printf("fault injection: load succeeded at allocation %ld\n", n);

    sf_case d = {0};
    for (n = 1; n < MAX_TRIES; n++) {
        sf_ctx_clear(ctx);
        sf_ctx_fail_alloc_at(ctx, n);
        if (sf_case_defaults(ctx, &d) == SF_OK) break;
        SF_EXPECT(case_is_zero(&d));
    }
    sf_ctx_fail_alloc_at(ctx, 0);
    sf_ctx_clear(ctx);
    sf_case_free(&d);
    unlink(path);
}

/* The default form follows the start: form H for a gaussian start unless form is set. */
static void test_default_form(sf_ctx *ctx)
{
    sf_case c;
    const char *gauss[] = {"start.law=gaussian"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, gauss, 1, &c));
    SF_EXPECT(strcmp(c.form, "hyperbolic") == 0 && !sf_case_is_set(&c, "form"));
    sf_case_free(&c);
    const char *kept[] = {"start.law=gaussian", "form=transport"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, kept, 2, &c));
    SF_EXPECT(strcmp(c.form, "transport") == 0);
    sf_case_free(&c);
    const char *lifted[] = {"form=lifted", "start.law=gaussian"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, lifted, 2, &c));
    SF_EXPECT(strcmp(c.form, "lifted") == 0); /* set: kept (the registry refuses it) */
    sf_case_free(&c);
    const char *balanced[] = {"start.law=balanced-sphere"};
    SF_EXPECT_OK(ctx, sf_case_load(ctx, NULL, balanced, 1, &c));
    SF_EXPECT(strcmp(c.form, "lifted") == 0);
    sf_case_free(&c);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    test_defaults(ctx);
    test_full(ctx);
    test_enums(ctx);
    test_outputs(ctx);
    test_overrides(ctx);
    test_errors();
    test_missing_file(ctx);
    test_validate(ctx);
    test_fault_injection(ctx);
    test_is_set(ctx);
    test_default_form(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
