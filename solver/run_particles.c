/* run_particles.c — advance a particle simulator to each output time of the case and write
 * the particle file (schema particles-1, MATH.md §8): a(time, neuron) and either the full
 * b(time, neuron, dim) (d ≤ SF_FULL_STORAGE_MAX_D) or the reduced u(time, neuron, dH),
 * r(time, neuron), with risk(time). Reports progress through the caller's callback.
 * Not here: the dynamics (particles*.c), printing (app/).
 */
#include <math.h>
#include <stdlib.h>

#include "symflow/ncio.h"
#include "symflow/output.h"
#include "symflow/run_particles.h"

/* Largest d stored as full b: above it, m·d values per output dwarf what the comparison
 * needs (u, r carry the reduced dynamics exactly). */
enum { SF_FULL_STORAGE_MAX_D = 100 };

sf_status sf_run_particles(sf_ctx *ctx, const sf_run_particles_params *rp,
                           sf_run_particles_summary *sum)
{
    sf_status status = SF_OK;
    sf_psim *ps = NULL;
    sf_ncp *w = NULL;
    double *u = NULL, *r = NULL;
    sf_run_particles_summary s = {0};
    const sf_case *c = rp->c;
    SF_TRY(ctx, sf_psim_create(ctx, c, rp->tab, &rp->params, &ps));
    const size_t m = (size_t)sf_psim_m(ps), dH = (size_t)c->problem.d_H;
    s.reduced_storage = rp->params.method == SF_PMETHOD_REDUCED || c->problem.d > SF_FULL_STORAGE_MAX_D;
    if (s.reduced_storage) {
        SF_ALLOC(ctx, u, m * dH);
        SF_ALLOC(ctx, r, m);
    }
    if (rp->out_path) {
        sf_particles_header h = {
            .m = m, .d = (size_t)c->problem.d, .d_H = dH,
            .storage = s.reduced_storage ? SF_NCP_REDUCED : SF_NCP_FULL, .basis = NULL,
            .eta = (rp->params.method == SF_PMETHOD_EULER || rp->params.method == SF_PMETHOD_SGD)
                       ? rp->params.step : NAN,
            .seed = (long long)rp->params.seed,
            .method = sf_name_of(&sf_pmethod_names, (int)rp->params.method),
            .case_text = c->text, .attrs = NULL, .n_attrs = 0};
        SF_TRY(ctx, sf_ncp_create(ctx, rp->out_path, &h, &w));
    }
    const double start = sf_output_wall_now(), t_end = c->time.outputs[c->time.n_outputs - 1];
    double prev = NAN, balance0 = NAN;
    s.max_risk_increase = -INFINITY;
    for (size_t k = 0; k < c->time.n_outputs; k++) {
        double tout = c->time.outputs[k];
        if (tout > sf_psim_time(ps)) SF_TRY(ctx, sf_psim_advance(ctx, ps, tout));
        double risk = sf_psim_risk(ps);
        SF_CHECK(ctx, isfinite(risk), SF_E_NUMERIC, "particles: risk is not finite at t = %g", tout);
        sf_psim_get_stats(ps, &s.stats);
        if (k == 0) {
            s.risk_first = risk;
            balance0 = s.stats.balance;
        } else {
            s.max_risk_increase = fmax(s.max_risk_increase, risk - prev);
        }
        s.balance_drift = fmax(s.balance_drift, fabs(s.stats.balance - balance0));
        prev = risk;
        if (w) {
            if (s.reduced_storage) {
                SF_TRY(ctx, sf_psim_reduced(ctx, ps, u, r));
                SF_TRY(ctx, sf_ncp_append(ctx, w, sf_psim_time(ps), sf_psim_a(ps), NULL, u, r, risk));
            } else {
                SF_TRY(ctx, sf_ncp_append(ctx, w, sf_psim_time(ps), sf_psim_a(ps), sf_psim_b(ps),
                                          NULL, NULL, risk));
            }
        }
        if (rp->progress) {
            double el = sf_output_wall_now() - start, t = sf_psim_time(ps);
            sf_progress pr = {t, t_end, s.stats.steps, el, t > 0 ? el * (t_end - t) / t : NAN};
            rp->progress(&pr, rp->progress_user);
        }
    }
    s.risk_last = prev;
    s.mass_plus_last = s.stats.mass_plus;
    s.mass_minus_last = s.stats.mass_minus;
    s.wall_s = sf_output_wall_now() - start;
    if (w) SF_TRY(ctx, sf_ncp_close(ctx, &w, 1));
    if (sum) *sum = s;
cleanup:
    if (w) sf_ncp_close(ctx, &w, 0);
    sf_psim_destroy(&ps);
    free(u);
    free(r);
    return status;
}
