/* memory_budget.c — the memory a case needs, before anything large is allocated (issue 14):
 *   sf_registry_memory against sizes counted by hand: form L's n² K̂ table (40000 cells:
 *     12.8 GB; with the default factored kernel n × 256 doubles), form T's n_φ² table and na·nu·nr state (stretched grid rule), the particle
 *     simulators' m² pair table (m = 50000: 20 GB) and the reduced ones' 2m state;
 *   sf_registry_check_memory: a case over the limit is refused with SF_E_NOMEM and a
 *     message naming where the key was set, the key, its value and both figures; a case
 *     under it passes;
 *   sf_parse_size and sf_format_bytes (the --max-memory option and the message figures);
 *   sf_escape_control and sf_error: control bytes of user strings come out as \xNN.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "check.h"
#include "symflow/symflow.h"

static const double DBL = 8.0; /* bytes of a double */

static int has(const char *s, const char *part) { return strstr(s, part) != NULL; }

static void test_lifted(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_memory_estimate e;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "norm"));
    c.grid.cells = 40000;
    /* the factored K̂ (the default, L5): at most n × SF_KERNEL_FACTOR_PMAX doubles */
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 0, &e));
    SF_EXPECT_NEAR(e.largest, DBL * 40000.0 * SF_KERNEL_FACTOR_PMAX, 0.0);
    SF_EXPECT(has(e.what, "factored K̂"));
    c.solver.kernel = SF_KERNEL_DENSE; /* the dense table from here on */
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 0, &e));
    SF_EXPECT_NEAR(e.largest, DBL * 40000.0 * 40000.0, 0.0); /* the K̂ table, exactly */
    SF_EXPECT(e.key && !strcmp(e.key, "grid.cells") && e.value == 40000);
    SF_EXPECT(has(e.what, "K̂ table"));
    /* the rest (state, CVODE's vectors, per-cell arrays, output times) is O(n): < 1 % here */
    SF_EXPECT(e.bytes > e.largest && e.bytes < 1.01 * e.largest);

    sf_ctx_clear(ctx);
    SF_EXPECT(sf_registry_check_memory(ctx, &c, 0, 1e9) == SF_E_NOMEM);
    const char *msg = sf_ctx_message(ctx);
    SF_EXPECT(has(msg, "grid.cells = 40000") && has(msg, "12.8 GB") && has(msg, "1.0 GB") &&
              has(msg, "--max-memory"));
    SF_EXPECT(has(msg, "(default)")); /* where the key was set: make_case sets no location */
    sf_ctx_clear(ctx);
    c.grid.cells = 200; /* 320 kB of table */
    SF_EXPECT_OK(ctx, sf_registry_check_memory(ctx, &c, 0, 1e9));
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 0, &e));
    SF_EXPECT(e.bytes < 1e6);
    sf_case_free(&c);
}

static void test_transport(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_memory_estimate e;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 20, 1, "relu"));
    c.start.law = SF_START_GAUSSIAN;
    snprintf(c.form, sizeof c.form, "transport");
    c.grid.cells = 600;
    c.grid.spacing = SF_SPACING_STRETCHED; /* a, u: 600 cells, r: 600/6 = 100 */
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 0, &e));
    /* the state: 600·600·100 cells × (1 + 16 adams copies + 12 arrays) doubles = 8.35 GB;
       the K̂ table: (4·600)² doubles = 46 MB */
    const double state = 600.0 * 600.0 * 100.0;
    SF_EXPECT_NEAR(e.largest, DBL * state * 29.0, 0.0);
    SF_EXPECT(has(e.what, "600 × 600 × 100"));
    SF_EXPECT_NEAR(e.bytes - e.largest, DBL * 2400.0 * 2400.0 + DBL * (double)c.time.n_outputs,
                   0.0);
    c.grid.spacing = SF_SPACING_REFINED; /* the planner's refusal comes first */
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_registry_memory(ctx, &c, 0, &e) == SF_E_UNSUPPORTED);
    sf_ctx_clear(ctx);
    sf_case_free(&c);
}

static void test_particles(sf_ctx *ctx)
{
    sf_case c = {0};
    sf_memory_estimate e;
    SF_EXPECT_OK(ctx, make_case(ctx, &c, 30, 5, "norm"));
    c.particles.m = 50000;
    c.particles.method = SF_PMETHOD_EULER;
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 1, &e));
    SF_EXPECT_NEAR(e.largest, DBL * 50000.0 * 50000.0, 0.0); /* 20 GB */
    SF_EXPECT(e.key && !strcmp(e.key, "particles.m") && e.value == 50000);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_registry_check_memory(ctx, &c, 1, 2e9) == SF_E_NOMEM);
    SF_EXPECT(has(sf_ctx_message(ctx), "particles.m = 50000") &&
              has(sf_ctx_message(ctx), "20.0 GB"));
    sf_ctx_clear(ctx);
    c.particles.method = SF_PMETHOD_REDUCED; /* no pair table: 2m state and fixed tables */
    SF_EXPECT_OK(ctx, sf_registry_memory(ctx, &c, 1, &e));
    SF_EXPECT(e.bytes < 2e7);
    SF_EXPECT_OK(ctx, sf_registry_check_memory(ctx, &c, 1, 2e9));
    sf_case_free(&c);
}

static void test_sizes(void)
{
    double b = 0.0;
    char buf[32];
    SF_EXPECT(sf_parse_size("2G", &b) == SF_OK && b == 2e9);
    SF_EXPECT(sf_parse_size("500M", &b) == SF_OK && b == 5e8);
    SF_EXPECT(sf_parse_size("1.5GB", &b) == SF_OK && b == 1.5e9);
    SF_EXPECT(sf_parse_size("64k", &b) == SF_OK && b == 64e3);
    SF_EXPECT(sf_parse_size("1000000", &b) == SF_OK && b == 1e6);
    SF_EXPECT(sf_parse_size("", &b) == SF_E_ARG);
    SF_EXPECT(sf_parse_size("0", &b) == SF_E_ARG);
    SF_EXPECT(sf_parse_size("-1G", &b) == SF_E_ARG);
    SF_EXPECT(sf_parse_size("2X", &b) == SF_E_ARG);
    SF_EXPECT(sf_parse_size("2GBB", &b) == SF_E_ARG);
    SF_EXPECT(sf_parse_size("nan", &b) == SF_E_ARG);
    sf_format_bytes(12.8e9, buf, sizeof buf);
    SF_EXPECT(!strcmp(buf, "12.8 GB"));
    sf_format_bytes(5e8, buf, sizeof buf);
    SF_EXPECT(!strcmp(buf, "500 MB"));
    sf_format_bytes(999.96e6, buf, sizeof buf); /* rounds up into the next unit */
    SF_EXPECT(!strcmp(buf, "1.0 GB"));
    sf_format_bytes(12.0, buf, sizeof buf);
    SF_EXPECT(!strcmp(buf, "12 bytes"));
    SF_EXPECT(sf_memory_available() > 0.0); /* Linux: /proc/meminfo */
}

static void test_escape(sf_ctx *ctx)
{
    char out[64];
    SF_EXPECT(sf_escape_control("a\x1b[31mb\nc\x7f", out, sizeof out) == 19);
    SF_EXPECT(!strcmp(out, "a\\x1b[31mb\\x0ac\\x7f"));
    SF_EXPECT(sf_escape_control("θ ≥ 8", out, sizeof out) == strlen("θ ≥ 8")); /* UTF-8 kept */
    SF_EXPECT(!strcmp(out, "θ ≥ 8"));
    SF_EXPECT(sf_escape_control("ab\x01", out, 5) == 2); /* an escape that does not fit */
    SF_EXPECT(!strcmp(out, "ab"));
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_error(ctx, SF_E_PARSE, __FILE__, __LINE__, "x.yaml:2: target = '%s'",
                       "\x1b]0;pwned\x07") == SF_E_PARSE);
    SF_EXPECT(!strcmp(sf_ctx_message(ctx), "x.yaml:2: target = '\\x1b]0;pwned\\x07'"));
    SF_EXPECT(strchr(sf_ctx_trace_text(ctx), '\x1b') == NULL);
    sf_ctx_clear(ctx);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    test_lifted(ctx);
    test_transport(ctx);
    test_particles(ctx);
    test_sizes();
    test_escape(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
