/* form_particles.c — the particle simulators (particles.h) behind the form interface
 * (form.h): the driver advances them output by output and writes the particle file of
 * schema particles-1 (docs/ §8): a(time, neuron) and either the full b(time, neuron, dim)
 * (d ≤ SF_FULL_STORAGE_MAX_D) or the reduced u(time, neuron, dH), r(time, neuron), with
 * risk(time). Series: risk (M2), the masses |τ±| and the balance (1/m)Σ(a² − |b|²) (I3).
 * Not here: the dynamics (particles*.c), the case (app/registry.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/form_particles.h"

/* Largest d stored as full b: above it, m·d values per output dwarf what the comparison
 * needs (u, r carry the reduced dynamics exactly). */
enum { SF_FULL_STORAGE_MAX_D = 100 };
enum { SF_P_N_SERIES = 4 };

static const sf_nc_series sf_p_series[SF_P_N_SERIES] = {
    {"risk", "population risk R (M2) of the width-m network", "1"},
    {"mass_plus", "mass of the positive neurons (1/m) sum a_i^2 over a_i > 0", "1"},
    {"mass_minus", "mass of the negative neurons", "1"},
    {"balance", "(1/m) sum (a_i^2 - |b_i|^2) (I3)", "1"},
};
static const sf_series_role sf_p_roles[SF_P_N_SERIES] = {
    SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_PLAIN, SF_SERIES_CONSERVED,
};

typedef struct {
    sf_psim *ps;                 /* the simulator (owned) */
    sf_particles_header h;       /* file header (strings borrowed from the params) */
    int reduced_storage;         /* 1: (u, r) stored, 0: the full b */
    double *u, *r;               /* reduced storage buffers (owned) */
} particles_form;

static size_t p_size(const void *self)
{
    (void)self;
    return 0; /* the simulator keeps its own state */
}
static void p_initial(const void *self, double *y)
{
    (void)self;
    (void)y;
}
static sf_status p_advance(sf_ctx *ctx, void *self, double tout, double *y)
{
    (void)y;
    particles_form *x = self;
    return tout > sf_psim_time(x->ps) ? sf_psim_advance(ctx, x->ps, tout) : SF_OK;
}
static void p_stats(const void *self, sf_ode_stats *st)
{
    sf_psim_stats s;
    sf_psim_get_stats(((const particles_form *)self)->ps, &s);
    *st = s.ode;
    st->steps = s.steps;
    st->rhs_evals = s.rhs_evals;
    st->t = s.t;
}

static void p_file(const void *self, sf_form_file *ff)
{
    const particles_form *x = self;
    *ff = (sf_form_file){.kind = SF_FILE_PARTICLES, .particles = x->h, .roles = sf_p_roles};
    ff->field.series = sf_p_series;
    ff->field.n_series = SF_P_N_SERIES;
}

static sf_status p_observe(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *o)
{
    sf_status status = SF_OK;
    (void)t;
    (void)y;
    particles_form *x = self;
    sf_psim_stats s;
    sf_psim_get_stats(x->ps, &s);
    const double v[SF_P_N_SERIES] = {sf_psim_risk(x->ps), s.mass_plus, s.mass_minus, s.balance};
    memcpy(o->series, v, sizeof v);
    o->t = sf_psim_time(x->ps);
    o->fields[0] = sf_psim_a(x->ps);
    if (x->reduced_storage) {
        SF_TRY(ctx, sf_psim_reduced(ctx, x->ps, x->u, x->r));
        o->fields[1] = NULL;
        o->fields[2] = x->u;
        o->fields[3] = x->r;
    } else {
        o->fields[1] = sf_psim_b(x->ps);
        o->fields[2] = o->fields[3] = NULL;
    }
cleanup:
    return status;
}

static void p_destroy(void *self)
{
    particles_form *x = self;
    if (!x) return;
    sf_psim_destroy(&x->ps);
    free(x->u);
    free(x->r);
    free(x);
}

static const sf_form_ops sf_particles_ops = {
    .name = "particles", .size = p_size, .initial = p_initial, .rhs = NULL, .advance = p_advance,
    .stats = p_stats, .file = p_file, .observe = p_observe, .failure = NULL, .destroy = p_destroy,
};

sf_status sf_particles_form(sf_ctx *ctx, const sf_particles_form_params *fp, sf_form *out)
{
    sf_status status = SF_OK;
    particles_form *x = NULL;
    SF_CHECK(ctx, fp && fp->tab && out, SF_E_ARG, "sf_particles_form: NULL argument");
    SF_ALLOC(ctx, x, 1);
    SF_TRY(ctx, sf_psim_create(ctx, fp->tab, &fp->params, &x->ps));
    const size_t m = (size_t)sf_psim_m(x->ps), dH = (size_t)fp->params.d_H;
    const sf_pmethod method = fp->params.method;
    x->reduced_storage = method == SF_PMETHOD_REDUCED || fp->params.d > SF_FULL_STORAGE_MAX_D;
    if (x->reduced_storage) {
        SF_ALLOC(ctx, x->u, m * dH);
        SF_ALLOC(ctx, x->r, m);
    }
    x->h = (sf_particles_header){
        .m = m, .d = (size_t)fp->params.d, .d_H = dH,
        .storage = x->reduced_storage ? SF_NCP_REDUCED : SF_NCP_FULL, .basis = NULL,
        .eta = (method == SF_PMETHOD_EULER || method == SF_PMETHOD_SGD) ? fp->params.step : NAN,
        .seed = (long long)fp->params.seed, .method = sf_name_of(&sf_pmethod_names, (int)method),
        .case_text = fp->case_text, .attrs = fp->attrs, .n_attrs = fp->attrs ? fp->n_attrs : 0};
    *out = (sf_form){&sf_particles_ops, x};
    return SF_OK;
cleanup:
    p_destroy(x);
    return status;
}

int sf_particles_form_reduced_storage(const sf_form *f)
{
    const particles_form *x = f && f->ops == &sf_particles_ops ? f->self : NULL;
    return x ? x->reduced_storage : 0;
}
