/* drive.c — the one driver of drive.h: every form and particle simulator runs through this
 * loop (CVODE or the form's own stepper, progress slices, observation, appends, statistics,
 * commit). docs/ §5 (time integration), §6 (diagnostics), §8 (files).
 * Not here: any form's mathematics (the form files), building forms (app/registry.c).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "symflow/drive.h"

enum {
    SF_PROGRESS_SLICES = 200, /* progress reports over the whole span at most */
    SF_DRIVE_MAX_ATTRS = 64   /* form + caller attributes of one file */
};
/* A slice ending within this fraction of a slice before the output is merged into it. */
static const double SF_SLIVER = 1e-3;

void sf_form_destroy(sf_form *f)
{
    if (!f) return;
    if (f->ops && f->ops->destroy) f->ops->destroy(f->self);
    f->ops = NULL;
    f->self = NULL;
}

double sf_drive_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int sf_drive_series_index(const sf_drive_summary *s, const char *name)
{
    for (size_t i = 0; i < s->n_series; i++)
        if (!strcmp(s->series[i].name, name)) return (int)i;
    return -1;
}

/* The file: the form's layout with the caller's attributes appended. */
typedef struct {
    sf_ncw *field;
    sf_ncp *particles;
} drive_file;

static sf_status file_open(sf_ctx *ctx, const sf_form_file *ff, const sf_drive_params *dp,
                           drive_file *out)
{
    sf_status status = SF_OK;
    sf_nc_attr attrs[SF_DRIVE_MAX_ATTRS];
    const sf_nc_attr *form_attrs = ff->kind == SF_FILE_FIELD ? ff->field.attrs : ff->particles.attrs;
    const size_t n_form = ff->kind == SF_FILE_FIELD ? ff->field.n_attrs : ff->particles.n_attrs;
    SF_CHECK(ctx, n_form + dp->n_attrs <= SF_DRIVE_MAX_ATTRS, SF_E_ARG,
             "sf_drive: %zu attributes, at most %d", n_form + dp->n_attrs, SF_DRIVE_MAX_ATTRS);
    for (size_t i = 0; i < dp->n_attrs; i++) attrs[i] = dp->attrs[i];
    for (size_t i = 0; i < n_form; i++) attrs[dp->n_attrs + i] = form_attrs[i];
    if (ff->kind == SF_FILE_FIELD) {
        sf_nc_layout layout = ff->field;
        layout.attrs = attrs;
        layout.n_attrs = n_form + dp->n_attrs;
        SF_TRY(ctx, sf_ncw_create(ctx, dp->out_path, &layout, &out->field));
    } else {
        sf_particles_header h = ff->particles;
        h.attrs = attrs;
        h.n_attrs = n_form + dp->n_attrs;
        SF_TRY(ctx, sf_ncp_create(ctx, dp->out_path, &h, &out->particles));
    }
cleanup:
    return status;
}

static sf_status file_append(sf_ctx *ctx, drive_file *w, double t, const sf_form_obs *o)
{
    if (w->field) return sf_ncw_append(ctx, w->field, t, o->fields, o->series);
    if (w->particles)
        return sf_ncp_append(ctx, w->particles, t, o->fields[0], o->fields[1], o->fields[2],
                             o->fields[3], o->series[0]);
    return SF_OK;
}

static sf_status file_stats(sf_ctx *ctx, drive_file *w, const sf_ode_stats *s, double wall_s,
                            int complete, double t_reached)
{
    sf_status status = SF_OK;
    const sf_nc_attr mark[] = {
        {"complete", SF_NC_ATTR_INT, NULL, 0, complete},
        {"time_reached", SF_NC_ATTR_DOUBLE, NULL, t_reached, 0},
    };
    for (size_t i = 0; i < sizeof mark / sizeof mark[0]; i++) {
        if (w->field) SF_TRY(ctx, sf_ncw_set_attr(ctx, w->field, &mark[i]));
        if (w->particles) SF_TRY(ctx, sf_ncp_set_attr(ctx, w->particles, &mark[i]));
    }
    if (!w->field) return SF_OK; /* particle files keep the schema's attributes only */
    const sf_nc_attr attrs[] = {
        {"cvode_steps", SF_NC_ATTR_INT, NULL, 0, s->steps},
        {"cvode_rhs_evals", SF_NC_ATTR_INT, NULL, 0, s->rhs_evals},
        {"cvode_error_test_fails", SF_NC_ATTR_INT, NULL, 0, s->error_fails},
        {"cvode_nonlinear_iters", SF_NC_ATTR_INT, NULL, 0, s->nonlin_iters},
        {"cvode_nonlinear_fails", SF_NC_ATTR_INT, NULL, 0, s->nonlin_fails},
        {"cvode_linear_iters", SF_NC_ATTR_INT, NULL, 0, s->lin_iters},
        {"wall_seconds", SF_NC_ATTR_DOUBLE, NULL, wall_s, 0},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        SF_TRY(ctx, sf_ncw_set_attr(ctx, w->field, &attrs[i]));
cleanup:
    return status;
}

static sf_status file_close(sf_ctx *ctx, drive_file *w, int commit)
{
    sf_status s1 = sf_ncw_close(ctx, &w->field, commit);
    sf_status s2 = sf_ncp_close(ctx, &w->particles, commit);
    return s1 != SF_OK ? s1 : s2;
}

/* The stepper: CVODE on the form's rhs, or the form's own advance. */
typedef struct {
    const sf_form *f;
    sf_ode *ode;     /* rhs forms */
    long max_steps;  /* per output interval */
    long steps_at;   /* steps at the start of the current output interval */
} stepper;

static void stepper_stats(const stepper *st, sf_ode_stats *s)
{
    *s = (sf_ode_stats){0};
    if (st->ode)
        sf_ode_get_stats(st->ode, s);
    else if (st->f->ops->stats)
        st->f->ops->stats(st->f->self, s);
}

/* One slice to `next`. CVODE's step budget is what is left of the output interval's. */
static sf_status stepper_advance(sf_ctx *ctx, stepper *st, double next, double *y)
{
    sf_status status = SF_OK;
    if (!st->ode) return st->f->ops->advance(ctx, st->f->self, next, y);
    sf_ode_stats s;
    sf_ode_get_stats(st->ode, &s);
    const long left = st->max_steps - (s.steps - st->steps_at);
    SF_CHECK(ctx, left > 0, SF_E_CVODE,
             "CVODE took solver.max_steps = %ld steps without reaching the next output (t = %g)",
             st->max_steps, s.t);
    SF_TRY(ctx, sf_ode_set_max_steps(ctx, st->ode, left));
    status = sf_ode_advance(ctx, st->ode, next, y);
    const char *why = st->f->ops->failure ? st->f->ops->failure(st->f->self) : NULL;
    if (status != SF_OK && why && why[0]) {
        char cvode[512]; /* CVODE's own message, kept after the form's explanation */
        snprintf(cvode, sizeof cvode, "%s", sf_ctx_message(ctx));
        sf_ctx_clear(ctx);
        status = sf_error(ctx, status, __FILE__, __LINE__, "%s (%s)", why, cvode);
    }
cleanup:
    return status;
}

/* ---- resume (dp->resume_path) ---------------------------------------------------------- */

/* The earlier run's outputs: times, series (n_times each) and fields (n_times × field size). */
typedef struct {
    size_t n_times;
    sf_nc_array time;
    sf_nc_array series[SF_FORM_MAX_SERIES];
    sf_nc_array fields[8];
    size_t field_size[8];
} drive_resume;

static void resume_free(drive_resume *r)
{
    sf_nc_array_free(&r->time);
    for (size_t i = 0; i < SF_FORM_MAX_SERIES; i++) sf_nc_array_free(&r->series[i]);
    for (size_t i = 0; i < 8; i++) sf_nc_array_free(&r->fields[i]);
}

/* Read the file's outputs and check that it is one of this form's files on the same grid:
 * every coordinate's cells (count and centres), every field and series of the layout. */
static sf_status resume_read(sf_ctx *ctx, const char *path, const sf_form_file *ff,
                             drive_resume *r)
{
    sf_status status = SF_OK;
    sf_nc_array co = {0};
    const sf_nc_layout *L = &ff->field;
    SF_CHECK(ctx, ff->kind == SF_FILE_FIELD && L->n_fields <= 8, SF_E_UNSUPPORTED,
             "--resume %s: only field files of the PDE forms can be resumed", path);
    SF_TRY(ctx, sf_nc_read_expect(ctx, path, "time", "time", &r->time));
    r->n_times = r->time.shape[0];
    SF_CHECK(ctx, r->n_times >= 1, SF_E_NETCDF, "%s: variable time: no output written", path);
    for (size_t c = 0; c < L->n_coords; c++) {
        const sf_nc_coord *k = &L->coords[c];
        SF_TRY(ctx, sf_nc_read_expect(ctx, path, k->name, k->name, &co));
        SF_CHECK(ctx, co.shape[0] == k->n, SF_E_ARG,
                 "--resume %s: coordinate %s has %zu cells, the case has %zu", path, k->name,
                 co.shape[0], k->n);
        for (size_t i = 0; i < k->n; i++)
            SF_CHECK(ctx, fabs(co.data[i] - k->centres[i]) <= 1e-12 * (1.0 + fabs(k->centres[i])),
                     SF_E_ARG, "--resume %s: coordinate %s: cell %zu at %.17g, the case has %.17g",
                     path, k->name, i, co.data[i], k->centres[i]);
        sf_nc_array_free(&co);
    }
    for (size_t s = 0; s < L->n_series; s++) {
        SF_TRY(ctx, sf_nc_read_expect(ctx, path, L->series[s].name, "time", &r->series[s]));
    }
    for (size_t f = 0; f < L->n_fields; f++) {
        const sf_nc_field *fd = &L->fields[f];
        char dims[256];
        size_t len = (size_t)snprintf(dims, sizeof dims, "time");
        r->field_size[f] = 1;
        for (size_t j = 0; j < fd->n_dims && len < sizeof dims; j++) {
            len += (size_t)snprintf(dims + len, sizeof dims - len, ", %s", L->coords[fd->dims[j]].name);
            r->field_size[f] *= L->coords[fd->dims[j]].n;
        }
        SF_TRY(ctx, sf_nc_read_expect(ctx, path, fd->name, dims, &r->fields[f]));
        SF_CHECK(ctx, r->fields[f].shape[0] == r->n_times, SF_E_NETCDF,
                 "%s: variable %s: %zu times, variable time has %zu", path, fd->name,
                 r->fields[f].shape[0], r->n_times);
    }
    for (size_t i = 1; i < r->n_times; i++)
        SF_CHECK(ctx, r->time.data[i] > r->time.data[i - 1], SF_E_NETCDF,
                 "%s: variable time: not increasing at index %zu", path, i);
    SF_CHECK(ctx, r->time.data[0] == 0.0, SF_E_ARG,
             "--resume %s: first output at t = %g, expected t = 0", path, r->time.data[0]);
cleanup:
    sf_nc_array_free(&co);
    return status;
}

/* Observation k of the earlier run (pointers into r). */
static void resume_obs(const drive_resume *r, const sf_form_file *ff, size_t k, sf_form_obs *o)
{
    o->t = r->time.data[k];
    for (size_t s = 0; s < ff->field.n_series; s++) o->series[s] = r->series[s].data[k];
    for (size_t f = 0; f < ff->field.n_fields; f++)
        o->fields[f] = r->fields[f].data + k * r->field_size[f];
}

/* Largest |value| so far of series j, this observation included. */
static double series_scale(const sf_drive_summary *s, size_t j, const sf_form_obs *o)
{
    double v = fabs(o->series[j]);
    if (s->n_outputs > 0)
        v = fmax(v, fmax(fabs(s->first[j]), fmax(fabs(s->lowest[j]), fabs(s->highest[j]))));
    return v;
}

sf_status sf_drive_check_obs(sf_ctx *ctx, const char *form, const sf_drive_summary *s,
                             const unsigned *exact, size_t state_size, long steps,
                             const sf_form_obs *o)
{
    sf_status status = SF_OK;
    const double B = SF_DRIVE_ROUND_C * DBL_EPSILON * (double)(state_size > 0 ? state_size : 1) *
                     sqrt((double)(steps > 0 ? steps : 1));
    for (size_t i = 0; i < s->n_series; i++)
        SF_CHECK(ctx, isfinite(o->series[i]), SF_E_NUMERIC,
                 "form %s: series %s = %g at t = %g: expected a finite value; not written",
                 form, s->series[i].name, o->series[i], o->t);
    const double rb = B * series_scale(s, 0, o);
    SF_CHECK(ctx, o->series[0] >= -rb, SF_E_NUMERIC,
             "form %s: series %s = %.6g at t = %g is negative beyond rounding (bound −%.3g = "
             "−%d ε · state size %zu · √%ld steps · max|R|): the risk (M2) is ≥ 0; not written",
             form, s->series[0].name, o->series[0], o->t, rb, SF_DRIVE_ROUND_C, state_size,
             steps);
    for (size_t i = 0; exact && i < s->n_series; i++) {
        if (!exact[i]) continue;
        double scale = 0.0;
        for (size_t j = 0; j < s->n_series; j++)
            if (exact[i] & (1u << j)) scale = fmax(scale, series_scale(s, j, o));
        const int conserved = s->roles[i] == SF_SERIES_CONSERVED;
        const double x0 = s->n_outputs > 0 ? s->first[i] : o->series[i];
        const double defect = conserved ? fabs(o->series[i] - x0) : fabs(o->series[i]);
        SF_CHECK(ctx, defect <= B * scale, SF_E_NUMERIC,
                 "form %s: series %s %s %.3g at t = %g, beyond its rounding bound %.3g (%d ε · "
                 "state size %zu · √%ld steps · scale %.3g): the scheme keeps this invariant "
                 "to rounding; not written",
                 form, s->series[i].name, conserved ? "drifted by" : "=", defect, o->t, B * scale,
                 SF_DRIVE_ROUND_C, state_size, steps, scale);
    }
cleanup:
    return status;
}

static void summary_add(sf_drive_summary *s, double t, const sf_form_obs *o)
{
    const double risk = o->series[0];
    if (s->n_outputs == 0) {
        s->t_first = t;
        for (size_t i = 0; i < s->n_series; i++) {
            s->first[i] = s->lowest[i] = s->highest[i] = o->series[i];
            s->drift[i] = 0.0;
        }
    } else {
        s->max_risk_increase = fmax(s->max_risk_increase, risk - s->last[0]);
        s->fd_dissipation = -(risk - s->last[0]) / (t - s->t_last);
    }
    for (size_t i = 0; i < s->n_series; i++) {
        s->lowest[i] = fmin(s->lowest[i], o->series[i]);
        s->highest[i] = fmax(s->highest[i], o->series[i]);
        s->drift[i] = fmax(s->drift[i], fabs(o->series[i] - s->first[i]));
        s->last[i] = o->series[i];
    }
    s->t_last = t;
    s->n_outputs++;
}

sf_status sf_drive(sf_ctx *ctx, const sf_form *f, const sf_drive_params *dp,
                   sf_drive_summary *sum)
{
    sf_status status = SF_OK;
    drive_file w = {0};
    double *y = NULL;
    stepper st = {f, NULL, dp ? dp->ode.max_steps : 0, 0};
    sf_drive_summary s = {0};
    sf_form_file ff = {0};
    sf_form_obs obs = {0};
    drive_resume old = {0};

    SF_CHECK(ctx, f && f->ops && dp && dp->outputs && dp->n_outputs >= 1, SF_E_ARG,
             "sf_drive: NULL argument or no output times");
    SF_CHECK(ctx, (f->ops->rhs != NULL) != (f->ops->advance != NULL), SF_E_ARG,
             "sf_drive: form %s must have exactly one of rhs and advance", f->ops->name);
    SF_CHECK(ctx, dp->ode.max_steps >= 1, SF_E_RANGE, "solver.max_steps = %ld: expected ≥ 1",
             dp->ode.max_steps);
    f->ops->file(f->self, &ff);
    SF_CHECK(ctx, ff.field.n_series >= 1 && ff.field.n_series <= SF_FORM_MAX_SERIES, SF_E_ARG,
             "sf_drive: form %s has %zu series (1 … %d)", f->ops->name, ff.field.n_series,
             SF_FORM_MAX_SERIES);
    s.n_series = ff.field.n_series;
    s.series = ff.field.series;
    s.roles = ff.roles;
    s.max_risk_increase = -INFINITY;
    s.fd_dissipation = NAN;

    const size_t size = f->ops->size(f->self);
    const double t_end = dp->outputs[dp->n_outputs - 1];
    double t0 = 0.0;
    SF_ALLOC(ctx, y, size > 0 ? size : 1);
    if (size > 0) f->ops->initial(f->self, y);
    if (dp->resume_path) {
        SF_CHECK(ctx, f->ops->restore != NULL, SF_E_UNSUPPORTED,
                 "--resume %s: form %s cannot resume", dp->resume_path, f->ops->name);
        SF_TRY(ctx, resume_read(ctx, dp->resume_path, &ff, &old));
        sf_form_obs first, last;
        resume_obs(&old, &ff, 0, &first);
        resume_obs(&old, &ff, old.n_times - 1, &last);
        t0 = last.t;
        SF_CHECK(ctx, t0 < t_end, SF_E_ARG,
                 "--resume %s: the file already reaches t = %g, the case ends at time.end = %g",
                 dp->resume_path, t0, t_end);
        SF_TRY(ctx, f->ops->restore(ctx, f->self, last.fields, last.series, first.series, y));
    }
    if (dp->out_path) SF_TRY(ctx, file_open(ctx, &ff, dp, &w));
    for (size_t k = 0; k < old.n_times; k++) { /* the earlier outputs, as they were written */
        resume_obs(&old, &ff, k, &obs);
        summary_add(&s, obs.t, &obs);
        SF_TRY(ctx, file_append(ctx, &w, obs.t, &obs));
    }
    if (f->ops->rhs) SF_TRY(ctx, sf_ode_create(ctx, size, t0, y, f->ops->rhs, f->self, &dp->ode, &st.ode));
    if (st.ode && dp->ode.method == SF_METHOD_BDF && dp->ode.precond == SF_PRECOND_FORM &&
        f->ops->psetup && f->ops->psolve) /* the form's preconditioner (form.h) */
        SF_TRY(ctx, sf_ode_set_preconditioner(ctx, st.ode, f->ops->psetup, f->ops->psolve, f->self));

    const double start = sf_drive_wall_now();
    const double slice = f->ops->rhs ? (t_end - t0) / SF_PROGRESS_SLICES : INFINITY;
    double t = t0;
    int stopped = 0;
    for (size_t k = 0; k < dp->n_outputs; k++) {
        const double tout = dp->outputs[k];
        if (dp->resume_path && tout <= t0) continue; /* written by the earlier run */
        sf_ode_stats now;
        stepper_stats(&st, &now);
        st.steps_at = now.steps;
        while (t < tout) {
            if (dp->stop && dp->stop(dp->stop_user)) { /* between slices: end here */
                stopped = 1;
                break;
            }
            double next = fmin(tout, t + slice);
            if (tout - next < SF_SLIVER * slice) next = tout;
            SF_TRY(ctx, stepper_advance(ctx, &st, next, y));
            t = next;
            if (dp->progress) {
                stepper_stats(&st, &now);
                const double el = sf_drive_wall_now() - start, done = t - t0;
                const sf_progress pr = {t, t_end, now.steps, el,
                                        done > 0 ? el * (t_end - t) / done : NAN};
                dp->progress(&pr, dp->progress_user);
            }
        }
        if (stopped) break; /* this output's interval is unfinished: not written */
        obs.t = tout;
        SF_TRY(ctx, f->ops->observe(ctx, f->self, tout, y, &obs));
        SF_CHECK(ctx, isfinite(obs.series[0]), SF_E_NUMERIC, "form %s: risk is not finite at t = %g",
                 f->ops->name, tout);
        stepper_stats(&st, &now);
        SF_TRY(ctx, sf_drive_check_obs(ctx, f->ops->name, &s, ff.exact, size, now.steps, &obs));
        summary_add(&s, obs.t, &obs);
        SF_TRY(ctx, file_append(ctx, &w, obs.t, &obs));
    }
    s.wall_s = sf_drive_wall_now() - start;
    stepper_stats(&st, &s.stats);
    SF_TRY(ctx, file_stats(ctx, &w, &s.stats, s.wall_s, !stopped, s.n_outputs ? s.t_last : t0));
    SF_TRY(ctx, file_close(ctx, &w, 1));
    if (sum) *sum = s;
    if (stopped) {
        if (s.n_outputs)
            status = sf_error(ctx, SF_E_INTERRUPTED, __FILE__, __LINE__,
                              "interrupted at t = %g of %g: %zu outputs up to t = %g written%s%s "
                              "(complete = 0%s)", t, t_end, s.n_outputs, s.t_last,
                              dp->out_path ? " to " : "", dp->out_path ? dp->out_path : "",
                              f->ops->restore ? "; continue it with solve --resume" : "");
        else
            status = sf_error(ctx, SF_E_INTERRUPTED, __FILE__, __LINE__,
                              "interrupted at t = %g of %g before the first output%s%s "
                              "(complete = 0, no output)", t, t_end,
                              dp->out_path ? "; wrote " : "", dp->out_path ? dp->out_path : "");
    }
cleanup:
    if (status != SF_OK && status != SF_E_INTERRUPTED)
        file_close(ctx, &w, 0); /* failure: remove the temporary file */
    sf_ode_destroy(&st.ode);
    resume_free(&old);
    free(y);
    return status;
}
