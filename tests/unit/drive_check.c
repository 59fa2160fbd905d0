/* drive_check.c — sf_drive_check_obs, the driver's refusal of an observation that breaks an
 * invariant (issue 14 item 8a), on synthetic series values: a run that gives R < 0 is hard
 * to build on purpose, the check function is not.
 *
 * Series: 0 risk (plain), 1 mass_plus, 2 mass_minus (plain), 3 residual (maximum, scaled by
 * the larger mass), 4 mass (conserved, scaled by itself). Bound B = 1024 ε · 64 · √100 ≈
 * 1.5·10⁻¹⁰ per unit of scale (drive.h).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "symflow/drive.h"

static const sf_nc_series SERIES[5] = {
    {"risk", "", "1"}, {"mass_plus", "", "1"}, {"mass_minus", "", "1"},
    {"residual", "", "1"}, {"mass", "", "1"},
};
static const sf_series_role ROLES[5] = {SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN,
                                        SF_SERIES_MAXIMUM, SF_SERIES_CONSERVED};
static const unsigned EXACT[5] = {0, 0, 0, (1u << 1) | (1u << 2), 1u << 4};
enum { SIZE = 64, STEPS = 100 };

/* A summary after one output at t = 0: R = 2, masses 0.5, residual 0, mass 3. */
static sf_drive_summary summary(void)
{
    sf_drive_summary s = {0};
    s.n_series = 5;
    s.series = SERIES;
    s.roles = ROLES;
    const double v[5] = {2.0, 0.5, 0.5, 0.0, 3.0};
    for (int i = 0; i < 5; i++) s.first[i] = s.lowest[i] = s.highest[i] = s.last[i] = v[i];
    s.n_outputs = 1;
    return s;
}

/* Expect the check to pass (want == NULL) or to refuse with SF_E_NUMERIC and a message
 * holding `want` and the time. */
static void expect(sf_ctx *ctx, const double v[5], const char *want)
{
    const sf_drive_summary s = summary();
    sf_form_obs o = {.t = 1.5};
    memcpy(o.series, v, 5 * sizeof v[0]);
    const sf_status st = sf_drive_check_obs(ctx, "synthetic", &s, EXACT, SIZE, STEPS, &o);
    if (!want) {
        SF_EXPECT_OK(ctx, st);
    } else {
        SF_EXPECT(st == SF_E_NUMERIC);
        SF_EXPECT(strstr(sf_ctx_message(ctx), want) != NULL);
        SF_EXPECT(strstr(sf_ctx_message(ctx), "t = 1.5") != NULL);
        printf("refused: %s\n", sf_ctx_message(ctx));
    }
    sf_ctx_clear(ctx);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    const double B = 1024.0 * DBL_EPSILON * SIZE * sqrt((double)STEPS);

    expect(ctx, (const double[5]){0.1, 1.0, 0.2, 1e-12, 3.0 + 1e-12}, NULL);   /* healthy */
    expect(ctx, (const double[5]){-0.5 * B * 2.0, 1.0, 0.2, 0.0, 3.0}, NULL); /* R ≈ 0⁻ */
    expect(ctx, (const double[5]){-2.0 * B * 2.0, 1.0, 0.2, 0.0, 3.0}, "series risk");
    expect(ctx, (const double[5]){-767891.0, 1.0, 0.2, 0.0, 3.0}, "-767891");
    expect(ctx, (const double[5]){0.1, NAN, 0.2, 0.0, 3.0}, "series mass_plus = nan");
    expect(ctx, (const double[5]){INFINITY, 1.0, 0.2, 0.0, 3.0}, "series risk = inf");
    /* residual scaled by max(mass_plus, mass_minus) = 1 (this output) */
    expect(ctx, (const double[5]){0.1, 1.0, 0.2, 0.5 * B, 3.0}, NULL);
    expect(ctx, (const double[5]){0.1, 1.0, 0.2, 2.0 * B, 3.0}, "series residual");
    /* conserved mass: drift from 3 */
    expect(ctx, (const double[5]){0.1, 1.0, 0.2, 0.0, 3.0 + 2.0 * B}, NULL);
    expect(ctx, (const double[5]){0.1, 1.0, 0.2, 0.0, 3.0 + 4.0 * B}, "series mass drifted");
    expect(ctx, (const double[5]){0.1, 1.0, 0.2, 0.0, 3.0 - 1e-6}, "series mass drifted");

    /* no `exact` table: only finiteness and the sign of R are checked */
    const sf_drive_summary s = summary();
    sf_form_obs o = {.t = 1.5, .series = {0.1, 1.0, 0.2, 1.0, 5.0}};
    SF_EXPECT_OK(ctx, sf_drive_check_obs(ctx, "synthetic", &s, NULL, SIZE, STEPS, &o));
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
