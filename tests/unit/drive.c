/* drive.c — what the one driver promises (drive.h, docs/architecture.md), on cases/tiny.yaml:
 *   time.end is always reached and written as the last output, listed or not;
 *   solver.max_steps counts CVODE steps per output interval (README "Case file reference"),
 *     not per progress slice and not over the whole run: with the budget at half the steps a
 *     run takes, ten output intervals pass and one interval over the whole span fails;
 *   the summary keeps first/last/min/max/drift per series by role, and R is the first series;
 *   a stop poll that turns true mid-run ends it with SF_E_INTERRUPTED after committing the
 *     outputs so far (complete = 0, time_reached = the last output written, < time.end),
 *     and a run that is not stopped is marked complete = 1 with time_reached = time.end;
 *     a resume of the interrupted file reaches time.end and is complete.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/registry.h"

static const char *CASE = "cases/tiny.yaml";

static sf_status solve(sf_ctx *ctx, const char *const *sets, size_t n, sf_solve_report *rep)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    SF_TRY(ctx, sf_case_load(ctx, CASE, sets, n, &c));
    SF_TRY(ctx, sf_registry_solve(ctx, &c, NULL, rep));
cleanup:
    sf_case_free(&c);
    return status;
}

static void test_end_reached(sf_ctx *ctx)
{
    sf_solve_report rep;
    const char *sets[] = {"time.end=2", "time.outputs=[0, 0.5, 1]"};
    SF_EXPECT_OK(ctx, solve(ctx, sets, 2, &rep));
    SF_EXPECT(rep.sum.n_outputs == 4);
    SF_EXPECT_NEAR(rep.sum.t_last, 2.0, 0.0);
    SF_EXPECT(!strcmp(rep.sum.series[0].name, "risk"));
    SF_EXPECT_LE(rep.sum.last[0], rep.sum.first[0]); /* (L2): R falls */
    SF_EXPECT_NEAR(rep.sum.highest[0], rep.sum.first[0], 0.0);
}

static void test_max_steps(sf_ctx *ctx)
{
    sf_solve_report rep;
    const char *one[] = {"time.outputs=[0, 2]"};
    SF_EXPECT_OK(ctx, solve(ctx, one, 1, &rep));
    const long total = rep.sum.stats.steps;
    printf("tiny to t = 2: %ld CVODE steps\n", total);
    char budget[64];
    snprintf(budget, sizeof budget, "solver.max_steps=%ld", total / 2);
    const char *ten[] = {"time.outputs=11", budget};
    SF_EXPECT_OK(ctx, solve(ctx, ten, 2, &rep)); /* ≈ total/10 steps per interval */
    const char *whole[] = {"time.outputs=[0, 2]", budget};
    sf_ctx_clear(ctx);
    SF_EXPECT(solve(ctx, whole, 2, &rep) == SF_E_CVODE);
    printf("  one interval with max_steps = %ld: %s\n", total / 2, sf_ctx_message(ctx));
    SF_EXPECT(strstr(sf_ctx_message(ctx), "max_steps") != NULL ||
              strstr(sf_ctx_message(ctx), "TOO_MUCH_WORK") != NULL);
    sf_ctx_clear(ctx);
}

/* A stop poll that turns true at its n-th call (no signals: deterministic). */
static int stop_after(void *user)
{
    long *left = user;
    return --*left <= 0;
}

static sf_status solve_opts(sf_ctx *ctx, const char *const *sets, size_t n,
                            const sf_solve_opts *o, sf_solve_report *rep)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    SF_TRY(ctx, sf_case_load(ctx, CASE, sets, n, &c));
    status = sf_registry_solve(ctx, &c, o, rep);
cleanup:
    sf_case_free(&c);
    return status;
}

static void test_stop_and_resume(sf_ctx *ctx)
{
    char path[256], resumed[256];
    snprintf(path, sizeof path, "/tmp/symflow_unit_drive_%ld.nc", (long)getpid());
    snprintf(resumed, sizeof resumed, "/tmp/symflow_unit_drive_%ld_r.nc", (long)getpid());
    sf_solve_report rep;
    double complete = -1, reached = -1;
    /* 200 slices over [0, 2], 11 outputs: stopping at the 100th poll leaves about half. */
    long left = 100;
    const sf_solve_opts o = {.out_path = path, .stop = stop_after, .stop_user = &left};
    SF_EXPECT(solve_opts(ctx, NULL, 0, &o, &rep) == SF_E_INTERRUPTED);
    printf("stopped: %s\n", sf_ctx_message(ctx));
    sf_ctx_clear(ctx);
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, path, "complete", &complete));
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, path, "time_reached", &reached));
    SF_EXPECT_NEAR(complete, 0.0, 0.0);
    SF_EXPECT(reached > 0.0 && reached < 2.0);
    SF_EXPECT(rep.sum.n_outputs >= 2 && rep.sum.n_outputs < 11);
    SF_EXPECT_NEAR(rep.sum.t_last, reached, 0.0);

    const sf_solve_opts r = {.out_path = resumed, .resume_path = path};
    SF_EXPECT_OK(ctx, solve_opts(ctx, NULL, 0, &r, &rep));
    SF_EXPECT(rep.sum.n_outputs == 11);
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, resumed, "complete", &complete));
    SF_EXPECT_OK(ctx, sf_nc_read_attr_double(ctx, resumed, "time_reached", &reached));
    SF_EXPECT_NEAR(complete, 1.0, 0.0);
    SF_EXPECT_NEAR(reached, 2.0, 0.0);
    remove(path);
    remove(resumed);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    test_end_reached(ctx);
    test_max_steps(ctx);
    test_stop_and_resume(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
