/* drive.c — what the one driver promises (drive.h, docs/architecture.md), on cases/tiny.yaml:
 *   time.end is always reached and written as the last output, listed or not;
 *   solver.max_steps counts CVODE steps per output interval (README "Case file reference"),
 *     not per progress slice and not over the whole run: with the budget at half the steps a
 *     run takes, ten output intervals pass and one interval over the whole span fails;
 *   the summary keeps first/last/min/max/drift per series by role, and R is the first series.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

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

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    test_end_reached(ctx);
    test_max_steps(ctx);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
