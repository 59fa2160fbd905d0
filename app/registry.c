/* registry.c — the form registry (registry.h): the table of forms, each a planner
 * (reduction/plan.h), tables (reduction.h) and a constructor (solver/), and the one pipeline
 * case → plan → grids → tables → form → driver used by the command, the tests and bench.
 * This is the only place besides app/main.c that sees both reduction/ and solver/.
 * Not here: printing and exit codes (main.c), any mathematics.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/blas.h"
#include "symflow/form_particles.h"
#include "symflow/formhemi.h"
#include "symflow/formode.h"
#include "symflow/forml.h"
#include "symflow/formt.h"
#include "symflow/formh.h"
#include "symflow/formchar.h"
#include "symflow/grid.h"
#include "symflow/plan.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"
#include "symflow/version.h"

enum {
    SF_CASE_ATTRS = 18,           /* attributes of the case in every field file, at most */
    SF_HISTORY_MAX = 4096,        /* bytes of the history attribute (a longer one is cut) */
    SF_PARTICLE_TABLE_NODES = 257 /* nodes of the particle simulators' kernel tables (cubic
                                     Hermite: error O(h⁴), measured ≤ 1e-9 on the risk at 33
                                     nodes; 257 leaves it at rounding level) */
};

struct sf_instance {
    sf_form form;                    /* the form (owned) */
    const sf_case *c;                /* the case (borrowed) */
    sf_grid1 grid[3];                /* grids of grid forms (owned) */
    sf_lifted_problem lifted;        /* form L tables (owned) */
    sf_hemi_problem hemi;            /* form L tables on the d_H = 2 hemisphere (owned) */
    sf_transport_problem transport;  /* form T tables (owned) */
    sf_hyperbolic_problem hyper;     /* form H tables (owned) */
    sf_odd_problem odd;              /* form ode data (owned) */
    sf_char_problem chars;           /* form characteristics start and kernels (owned) */
    sf_kernel_table table;           /* particle tables (owned) */
    sf_psim_params psim;             /* particle parameters (the sgd target owned) */
    sf_ode_params ode;               /* CVODE settings */
    sf_nc_attr attrs[SF_CASE_ATTRS + 2]; /* the case's attributes (strings borrowed from c),
                                            the planner's (space_error_estimate, form L), then
                                            room for `history` (drive_instance) */
    size_t n_attrs;                  /* the case's attributes (history not counted) */
    char history[SF_HISTORY_MAX];    /* the history attribute of the file written, or "" */
    sf_table_progress tables;        /* progress of the K̂ table (fn NULL: none) */
    double minimiser_mass;           /* α of (L4) or NaN */
    char describe[512];              /* one line */
};

/* ---- the case's attributes of a field file (docs/ §8) ---- */

static size_t case_attrs(const sf_case *c, sf_nc_attr *out)
{
    /* form H refines its ω-grid when grid.spacing is not set (reduction/plan.c) */
    const char *spacing = !strcmp(c->form, "hyperbolic") && !sf_case_is_set(c, "grid.spacing")
                              ? "refined"
                              : sf_name_of(&sf_spacing_names, (int)c->grid.spacing);
    const sf_nc_attr attrs[] = {
        {"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
        {"symflow_version", SF_NC_ATTR_TEXT, SF_VERSION, 0, 0},
        {"form", SF_NC_ATTR_TEXT, c->form, 0, 0},
        {"target", SF_NC_ATTR_TEXT, c->problem.target, 0, 0},
        {"input", SF_NC_ATTR_TEXT, sf_name_of(&sf_input_names, (int)c->problem.input), 0, 0},
        {"start", SF_NC_ATTR_TEXT, sf_name_of(&sf_start_names, (int)c->start.law), 0, 0},
        {"d", SF_NC_ATTR_INT, NULL, 0, c->problem.d},
        {"d_H", SF_NC_ATTR_INT, NULL, 0, c->problem.d_H},
        {"k", SF_NC_ATTR_INT, NULL, 0, c->problem.d - c->problem.d_H},
        {"method", SF_NC_ATTR_TEXT, sf_name_of(&sf_method_names, (int)c->solver.method), 0, 0},
        {"rtol", SF_NC_ATTR_DOUBLE, NULL, c->solver.rtol, 0},
        {"atol", SF_NC_ATTR_DOUBLE, NULL, c->solver.atol, 0},
        {"spacing", SF_NC_ATTR_TEXT, spacing, 0, 0},
        {"case_file", SF_NC_ATTR_TEXT, c->path ? c->path : "", 0, 0},
        {"case_text", SF_NC_ATTR_TEXT, c->text ? c->text : "", 0, 0},
        {"case_overrides", SF_NC_ATTR_TEXT, c->overrides ? c->overrides : "", 0, 0},
        {"sigma_a", SF_NC_ATTR_DOUBLE, NULL, c->start.sigma_a, 0},
        {"sigma_b", SF_NC_ATTR_DOUBLE, NULL, c->start.sigma_b, 0},
    };
    _Static_assert(sizeof attrs / sizeof attrs[0] == SF_CASE_ATTRS, "SF_CASE_ATTRS");
    size_t n = SF_CASE_ATTRS;
    if (c->start.law != SF_START_GAUSSIAN) n -= 2; /* σ_a, σ_b: gaussian starts only */
    for (size_t i = 0; i < n; i++) out[i] = attrs[i];
    return n;
}

static sf_status instance_new(sf_ctx *ctx, const sf_case *c, sf_instance **out)
{
    sf_status status = SF_OK;
    sf_instance *in = NULL;
    SF_ALLOC(ctx, in, 1);
    in->c = c;
    in->ode = sf_plan_ode(c);
    in->n_attrs = case_attrs(c, in->attrs);
    in->minimiser_mass = NAN;
    *out = in;
cleanup:
    return status;
}

void sf_instance_destroy(sf_instance **in)
{
    if (!in || !*in) return;
    sf_instance *x = *in;
    sf_form_destroy(&x->form);
    for (int k = 0; k < 3; k++) sf_grid1_free(&x->grid[k]);
    sf_lifted_problem_free(&x->lifted);
    sf_hemi_problem_free(&x->hemi);
    sf_transport_problem_free(&x->transport);
    sf_hyperbolic_problem_free(&x->hyper);
    sf_odd_problem_free(&x->odd);
    sf_char_problem_free(&x->chars);
    sf_kernel_table_free(&x->table);
    sf_registry_psim_release(&x->psim);
    free(x);
    *in = NULL;
}

const sf_form *sf_instance_form(const sf_instance *in) { return &in->form; }
const char *sf_instance_describe(const sf_instance *in) { return in->describe; }
const sf_grid1 *sf_instance_grid(const sf_instance *in, size_t k)
{
    return k < 3 && in->grid[k].n > 0 ? &in->grid[k] : NULL;
}

sf_drive_params sf_instance_drive_params(const sf_instance *in)
{
    const int field = in->form.ops && in->form.ops->rhs; /* particle files carry their schema */
    const sf_drive_params dp = {.outputs = in->c->time.outputs, .n_outputs = in->c->time.n_outputs,
                                .ode = in->ode, .out_path = NULL,
                                .attrs = field ? in->attrs : NULL, .n_attrs = field ? in->n_attrs : 0,
                                .progress = NULL, .progress_user = NULL};
    return dp;
}

static void scheme_names(const sf_case *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s, %s", sf_name_of(&sf_recon_names, (int)c->scheme.reconstruction),
             sf_name_of(&sf_limiter_names, (int)c->scheme.limiter));
}

/* ---- form L on the d_H = 2 hemisphere: planner sf_plan_hemi, tables sf_reduce_hemi,
 * constructor sf_formhemi_form (the lifted row builds it when sf_reduce_uses_hemi) ---- */
static sf_status build_hemi(sf_ctx *ctx, const sf_case *c, sf_instance *in)
{
    sf_status status = SF_OK;
    sf_hemi_plan plan;
    char sch[64];
    SF_TRY(ctx, sf_plan_hemi(ctx, c, &plan));
    SF_TRY(ctx, sf_grid1_create(ctx, &plan.theta, &in->grid[0]));
    SF_TRY(ctx, sf_grid1_create(ctx, &plan.phi, &in->grid[1]));
    SF_TRY(ctx, sf_reduce_hemi(ctx, c, &in->grid[0], in->grid[1].n, &in->tables, &in->hemi));
    const sf_formhemi_form_params fp = {&in->grid[0], &in->grid[1], &in->hemi, plan.scheme,
                                        plan.group};
    SF_TRY(ctx, sf_formhemi_form(ctx, &fp, &in->form));
    in->minimiser_mass = sf_reduce_minimiser_mass(c);
    scheme_names(c, sch, sizeof sch);
    snprintf(in->describe, sizeof in->describe,
             "lifted on the hemisphere, target %s, d = %ld, d_H = 2, %zu x %zu cells on (theta, "
             "phi) (%s, %s), kernel by FFT in phi", c->problem.target, c->problem.d,
             in->grid[0].n, in->grid[1].n, sf_name_of(&sf_spacing_names, (int)c->grid.spacing),
             sch);
cleanup:
    return status;
}

/* One BLAS thread below this many form-L cells (issue 16). Measured with `bench_c rhs N 3`
 * (dense K̂, MUSCL; OPENBLAS_NUM_THREADS = 1 vs 2) on a 2-core machine under load ~6.7:
 * evaluations/s at N = 100: 82396 vs 1542; 400: 9621 vs 1305; 800: 1761 vs 919; 1600: 675 vs
 * 256; 2400: 326 vs 397, then 356 vs 193 (a tie within the noise); 3200: 97 vs 127. */
enum { SF_BLAS_ONE_THREAD_BELOW = 2400 };

/* The BLAS threads of a form-L solve on n cells: the user's OPENBLAS_NUM_THREADS when set,
 * else one below the crossover, else the current count capped at the cores (a default run
 * never oversubscribes the machine). */
static int lifted_blas_threads(int current, size_t n)
{
    if (getenv("OPENBLAS_NUM_THREADS")) return current;
    if (n < SF_BLAS_ONE_THREAD_BELOW) return 1;
    const int cores = sf_blas_cores();
    return cores >= 1 && current > cores ? cores : current;
}

/* ---- form L: planner sf_plan_lifted, tables sf_reduce_lifted, constructor sf_forml_form ---- */
static sf_status build_lifted(sf_ctx *ctx, const sf_case *c, sf_instance *in)
{
    sf_status status = SF_OK;
    sf_lifted_plan plan;
    sf_probe_table probe = {.n_u = 0}; /* (L7), moved into the form */
    char sch[64], rtol_note[96] = "";
    int hemi = 0;
    SF_TRY(ctx, sf_reduce_uses_hemi(ctx, c, &hemi));
    if (hemi) return build_hemi(ctx, c, in);
    SF_TRY(ctx, sf_plan_lifted(ctx, c, &plan));
    SF_TRY(ctx, sf_grid1_create(ctx, &plan.grid, &in->grid[0]));
    {
        /* (L10) rtol from the spatial error unless the case sets it; the file records what ran */
        double est = NAN;
        in->ode = sf_plan_lifted_ode(c, &in->grid[0], plan.scheme, &est);
        for (size_t i = 0; i < in->n_attrs; i++) {
            if (!strcmp(in->attrs[i].name, "rtol")) in->attrs[i].number = in->ode.rtol;
            if (!strcmp(in->attrs[i].name, "atol")) in->attrs[i].number = in->ode.atol;
        }
        in->attrs[in->n_attrs++] =
            (sf_nc_attr){"space_error_estimate", SF_NC_ATTR_DOUBLE, NULL, est, 0};
        snprintf(rtol_note, sizeof rtol_note, "; space error ~%.2g, rtol %.3g%s", est,
                 in->ode.rtol, in->ode.rtol == c->solver.rtol ? "" : " (auto)");
    }
    {
        /* one BLAS thread while the tables are built: GSL's eigen-decomposition of the
         * factored kernel (L8) calls the BLAS, and a threaded BLAS rounds its sums by thread
         * count (measured: R(100) of paper-norm moved by 3e-9 between 1 and 2 threads) */
        const int threads = sf_blas_threads();
        sf_blas_set_threads(1);
        status = sf_reduce_lifted_progress(ctx, c, &in->grid[0], &in->tables, &in->lifted);
        sf_blas_set_threads(lifted_blas_threads(threads, in->grid[0].n)); /* for the solve */
        SF_TRY(ctx, status);
    }
    SF_TRY(ctx, sf_probe_lifted(ctx, c->problem.d, c->problem.d_H, &in->grid[0], plan.coord.id,
                                &probe));
    const sf_forml_form_params fp = {.grid = &in->grid[0], .p = &in->lifted,
                                     .scheme = plan.scheme, .coord = plan.coord,
                                     .minimiser_mass = plan.minimiser_mass, .probe = &probe};
    SF_TRY(ctx, sf_forml_form(ctx, &fp, &in->form));
    in->minimiser_mass = plan.minimiser_mass;
    scheme_names(c, sch, sizeof sch);
    const int nd = snprintf(in->describe, sizeof in->describe,
                            "lifted, target %s, d = %ld, d_H = %ld, %zu cells on %s (%s, %s); "
                            "kernel %s%s", c->problem.target, c->problem.d, c->problem.d_H,
                            in->grid[0].n, sf_coord_get(plan.coord.id)->name,
                            sf_name_of(&sf_spacing_names, (int)c->grid.spacing), sch,
                            in->lifted.kernel_note, rtol_note);
    if (nd < 0 || (size_t)nd >= sizeof in->describe) /* a cut line: mark it */
        memcpy(in->describe + sizeof in->describe - 4, "...", 4);
cleanup:
    sf_probe_table_free(&probe);
    return status;
}

/* ---- form characteristics: planner sf_plan_characteristics, start and kernels
 * sf_reduce_characteristics, constructor sf_formchar_form ---- */
static sf_status build_characteristics(sf_ctx *ctx, const sf_case *c, sf_instance *in)
{
    sf_status status = SF_OK;
    sf_char_plan plan;
    sf_lifted_plan lplan; /* the grid of form L, for the reconstructed densities (L9) */
    SF_TRY(ctx, sf_plan_characteristics(ctx, c, &plan));
    SF_TRY(ctx, sf_plan_lifted(ctx, c, &lplan));
    SF_TRY(ctx, sf_grid1_create(ctx, &lplan.grid, &in->grid[0]));
    SF_TRY(ctx, sf_reduce_characteristics(ctx, c, plan.nodes, plan.table, &in->chars));
    SF_TRY(ctx, sf_formchar_form(ctx, &in->chars, plan.coord.group, &in->grid[0], &in->form));
    in->minimiser_mass = sf_reduce_minimiser_mass(c);
    const sf_chebk *ch = &in->chars.cheb;
    char kern[160];
    if (ch->p)
        snprintf(kern, sizeof kern, "K Chebyshev %zu x %zu rank %zu (a-posteriori error %.1e), "
                 "G Chebyshev %zu (%.1e) (L8)", ch->p, ch->p, ch->rank, ch->check, ch->pG,
                 ch->check_G);
    else
        snprintf(kern, sizeof kern, "K table %zu^2 (bicubic)", plan.table);
    char plateau[200] = "";
    double net, rate, rp;
    const double k = (double)(c->problem.d - c->problem.d_H);
    /* (L11): the plateau at θ = π/2 of a radial target and the rate at which it is left;
     * meaningful when the start sits in the layer of width 1/√k there (k ≥ 100) */
    if (ch->p && plan.coord.id == SF_COORD_THETA && k >= 100.0 &&
        sf_chebk_plateau(ch, in->chars.risk_const, &net, &rate, &rp) == 0 && rate > 0.0)
        snprintf(plateau, sizeof plateau, "\n  plateau at theta = pi/2 (L11): c+ - c- -> %.7g, "
                 "R -> %.7g; escape rate lambda* = %.7g, leaving at t ~ ln(k)/(2 lambda*) = %.4g",
                 net, rp, rate, log(k) / (2.0 * rate));
    const int nd = snprintf(in->describe, sizeof in->describe,
             "characteristics of form L, target %s, d = %ld, d_H = %ld, %zu Gauss nodes per sign "
             "on %s, %s; densities on %zu cells (L9)%s", c->problem.target, c->problem.d,
             c->problem.d_H, in->chars.n, sf_coord_get(plan.coord.id)->name, kern, in->grid[0].n,
             plateau);
    if (nd < 0 || (size_t)nd >= sizeof in->describe) /* a cut line: mark it */
        memcpy(in->describe + sizeof in->describe - 4, "...", 4);
cleanup:
    return status;
}

/* ---- form T: planner sf_plan_transport_*, tables sf_reduce_transport, constructor
 * sf_formt_form ---- */
static sf_status build_transport_plan(sf_ctx *ctx, const sf_case *c, const sf_transport_plan *plan,
                                      sf_instance *in)
{
    sf_status status = SF_OK;
    sf_probe_table probe = {.n_u = 0}; /* (L7), moved into the form */
    char sch[64];
    for (int k = 0; k < 3; k++) SF_TRY(ctx, sf_grid1_create(ctx, &plan->grid[k], &in->grid[k]));
    SF_TRY(ctx, sf_reduce_transport_progress(ctx, c, &in->grid[0], &in->grid[1], &in->grid[2], 0,
                                             &in->tables, &in->transport));
    SF_TRY(ctx, sf_probe_transport(ctx, c->problem.d, c->problem.d_H, &in->grid[1], &in->grid[2],
                                   &probe));
    const sf_formt_form_params fp = {.ga = &in->grid[0], .gu = &in->grid[1], .gr = &in->grid[2],
                                     .p = &in->transport, .scheme = plan->scheme,
                                     .edge_mass = plan->edge_mass, .probe = &probe};
    SF_TRY(ctx, sf_formt_form(ctx, &fp, &in->form));
    in->ode = plan->ode;
    scheme_names(c, sch, sizeof sch);
    const int nd = snprintf(in->describe, sizeof in->describe,
             "transport, target %s, d = %ld, d_H = %ld, %zu x %zu x %zu cells on a in ±%.4g, u in "
             "±%.4g, r in [0, %.4g] (%s), %zu phi-cells (%s); %s", c->problem.target,
             c->problem.d, c->problem.d_H, in->grid[0].n, in->grid[1].n, in->grid[2].n,
             plan->box.a_max, plan->box.u_max, plan->box.r_max,
             sf_name_of(&sf_spacing_names, (int)c->grid.spacing), in->transport.n_phi, sch,
             in->transport.kernel_note);
    if (nd < 0 || (size_t)nd >= sizeof in->describe) /* a cut line: mark it */
        memcpy(in->describe + sizeof in->describe - 4, "...", 4);
cleanup:
    sf_probe_table_free(&probe);
    return status;
}

/* The start-law box without the pilot (the whole policy runs in sf_registry_solve). */
static sf_status build_transport(sf_ctx *ctx, const sf_case *c, sf_instance *in)
{
    sf_status status = SF_OK;
    sf_transport_plan plan = {0};
    SF_TRY(ctx, sf_reduce_transport_box(ctx, c, &plan.box));
    SF_TRY(ctx, sf_plan_transport_grids(ctx, c, &plan.box, plan.grid));
    plan.scheme = sf_plan_scheme(c);
    plan.ode = sf_plan_ode(c);
    SF_TRY(ctx, build_transport_plan(ctx, c, &plan, in));
cleanup:
    return status;
}

/* ---- form ode: tables sf_reduce_odd, constructor sf_formode_form ---- */
static sf_status build_ode(sf_ctx *ctx, const sf_case *c, sf_instance *in)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, sf_reduce_odd(ctx, c, &in->odd));
    SF_TRY(ctx, sf_formode_form(ctx, &in->odd, &in->form));
    snprintf(in->describe, sizeof in->describe,
             "ode (M9), target %s, d = %ld, d_H = %ld, w* = %.10g, R* = %.10g", c->problem.target,
             c->problem.d, c->problem.d_H, in->odd.wstar[0], in->odd.risk_star);
cleanup:
    return status;
}

static sf_status solve_transport(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                 sf_solve_report *r);

/* ---- form H: planner sf_plan_hyperbolic, tables sf_reduce_hyperbolic, constructor
 * sf_formh_form ---- */
static sf_status build_hyperbolic_plan(sf_ctx *ctx, const sf_case *c,
                                       const sf_hyperbolic_plan *plan, sf_instance *in)
{
    sf_status status = SF_OK;
    char sch[64];
    for (int k = 0; k < 3; k++) SF_TRY(ctx, sf_grid1_create(ctx, &plan->grid[k], &in->grid[k]));
    SF_TRY(ctx, sf_reduce_hyperbolic(ctx, c, &in->grid[0], &in->grid[1], &in->grid[2],
                                     &in->tables, &in->hyper));
    const sf_formh_form_params fp = {.go = &in->grid[0], .ge0 = &in->grid[1],
                                     .gep = &in->grid[2], .p = &in->hyper, .coord = plan->coord,
                                     .scheme = plan->scheme, .edge_mass = plan->edge_mass};
    SF_TRY(ctx, sf_formh_form(ctx, &fp, &in->form));
    in->ode = plan->ode;
    scheme_names(c, sch, sizeof sch);
    snprintf(in->describe, sizeof in->describe,
             "hyperbolic, target %s, d = %ld, d_H = %ld, %zu cells on %s x %zu on eta in ±%.4g "
             "(N0) + 2 x %zu on eta in [%.4g, %.4g] (N+, N-), delta > 0 weight %.3g of %.4g (%s)",
             c->problem.target, c->problem.d, c->problem.d_H, in->grid[0].n,
             sf_coord_get(plan->coord.id)->name, in->grid[1].n, plan->grid[1].hi, in->grid[2].n,
             plan->grid[2].lo, plan->grid[2].hi, 2.0 * in->hyper.weightp,
             in->hyper.weight0 + 2.0 * in->hyper.weightp, sch);
cleanup:
    return status;
}

static sf_status build_hyperbolic(sf_ctx *ctx, const sf_case *c, sf_instance *in)
{
    sf_status status = SF_OK;
    sf_hyperbolic_plan plan;
    SF_TRY(ctx, sf_plan_hyperbolic(ctx, c, 0, 0.0, &plan));
    SF_TRY(ctx, build_hyperbolic_plan(ctx, c, &plan, in));
cleanup:
    return status;
}

static sf_status solve_hyperbolic(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                  sf_solve_report *r);

typedef struct {
    const char *name;                                            /* form: … */
    sf_status (*build)(sf_ctx *, const sf_case *, sf_instance *); /* planner + tables + form */
    sf_status (*solve)(sf_ctx *, const sf_case *, const sf_solve_opts *,
                       sf_solve_report *); /* a planner's own solve policy; NULL: build, drive */
} sf_registry_entry;

/* The registry. */
static const sf_registry_entry sf_registry[] = {
    {"lifted", build_lifted, NULL},
    {"transport", build_transport, solve_transport},
    {"ode", build_ode, NULL},
    {"hyperbolic", build_hyperbolic, solve_hyperbolic},
    {"characteristics", build_characteristics, NULL},
};
enum { SF_N_FORMS = (int)(sizeof sf_registry / sizeof sf_registry[0]) };

size_t sf_registry_names(char *buf, size_t cap)
{
    size_t len = 0;
    if (cap) buf[0] = '\0';
    for (int i = 0; i < SF_N_FORMS && len < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", sf_registry[i].name);
        len += w > 0 ? (size_t)w : 0;
    }
    return len;
}

static sf_status lookup(sf_ctx *ctx, const sf_case *c, const sf_registry_entry **e)
{
    sf_status status = SF_OK;
    char names[256];
    *e = NULL;
    for (int i = 0; i < SF_N_FORMS; i++)
        if (!strcmp(c->form, sf_registry[i].name)) *e = &sf_registry[i];
    sf_registry_names(names, sizeof names);
    SF_CHECK(ctx, *e != NULL, SF_E_PARSE, "%s: form = '%s': expected one of %s",
             sf_case_where(c, "form"), c->form, names);
cleanup:
    return status;
}

/* The progress of the tables of opts (may be NULL). */
static sf_table_progress tables_of(const sf_solve_opts *o)
{
    const sf_table_progress tp = {o ? o->table_progress : NULL, o ? o->progress_user : NULL};
    return tp;
}

/* sf_registry_build reporting the tables' progress to o's table_progress (o may be NULL). */
static sf_status registry_build(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                sf_instance **out)
{
    sf_status status = SF_OK;
    const sf_registry_entry *e = NULL;
    sf_instance *in = NULL;
    SF_CHECK(ctx, c && out, SF_E_ARG, "sf_registry_build: NULL argument");
    *out = NULL;
    SF_TRY(ctx, lookup(ctx, c, &e));
    SF_TRY(ctx, instance_new(ctx, c, &in));
    in->tables = tables_of(o);
    SF_TRY(ctx, e->build(ctx, c, in));
    *out = in;
    in = NULL;
cleanup:
    sf_instance_destroy(&in);
    return status;
}

sf_status sf_registry_build(sf_ctx *ctx, const sf_case *c, sf_instance **out)
{
    return registry_build(ctx, c, NULL, out);
}

/* ---- particles ---- */

sf_status sf_registry_psim_params(sf_ctx *ctx, const sf_case *c, sf_psim_params *p)
{
    sf_status status = SF_OK;
    *p = (sf_psim_params){0};
    SF_TRY(ctx, sf_reduce_particle_laws(ctx, c, &p->laws));
    p->d = c->problem.d;
    p->d_H = c->problem.d_H;
    p->m = c->particles.m;
    p->seed = (unsigned long)c->particles.seed;
    p->symmetric = c->particles.symmetric;
    p->sampling = c->particles.sampling;
    p->method = c->particles.method;
    p->step = c->particles.step;
    p->batch = c->particles.batch;
    p->ode = sf_plan_ode(c);
    if (p->method == SF_PMETHOD_SGD)
        SF_TRY(ctx, sf_reduce_target_fn(ctx, c, &p->target, &p->target_user));
cleanup:
    if (status != SF_OK) sf_registry_psim_release(p);
    return status;
}

void sf_registry_psim_release(sf_psim_params *p)
{
    if (p && p->target) sf_reduce_target_fn_release(p->target, &p->target_user);
    if (p) p->target = NULL;
}

sf_status sf_registry_build_particles(sf_ctx *ctx, const sf_case *c, sf_instance **out)
{
    sf_status status = SF_OK;
    sf_instance *in = NULL;
    SF_CHECK(ctx, c && out, SF_E_ARG, "sf_registry_build_particles: NULL argument");
    *out = NULL;
    SF_TRY(ctx, instance_new(ctx, c, &in));
    const int reduced = c->particles.method == SF_PMETHOD_REDUCED;
    /* reduced particles: K̂, Ĝ as the Chebyshev series of (L8) when they converge (the
       operator of form characteristics), else the K̂ table */
    SF_TRY(ctx, sf_reduce_table(ctx, c, SF_PARTICLE_TABLE_NODES,
                                reduced ? SF_TABLE_K_CHEB : SF_TABLE_NO_K, &in->table));
    SF_TRY(ctx, sf_registry_psim_params(ctx, c, &in->psim));
    const sf_nc_attr *over = NULL; /* the case's case_overrides attribute, kept by in */
    for (size_t i = 0; i < in->n_attrs; i++)
        if (!strcmp(in->attrs[i].name, "case_overrides")) over = &in->attrs[i];
    const sf_particles_form_params fp = {&in->table, in->psim, c->text, over, over ? 1 : 0};
    SF_TRY(ctx, sf_particles_form(ctx, &fp, &in->form));
    snprintf(in->describe, sizeof in->describe,
             "particles (%s), m = %ld, seed %ld, target %s, d = %ld, d_H = %ld; %s storage%s",
             sf_name_of(&sf_pmethod_names, (int)c->particles.method), c->particles.m,
             c->particles.seed, c->problem.target, c->problem.d, c->problem.d_H,
             sf_particles_form_reduced_storage(&in->form) ? "reduced (u, r)" : "full b",
             !reduced ? "" : in->table.cheb.p ? "; Chebyshev kernels (L8)"
                                              : "; bicubic kernel table");
    *out = in;
    in = NULL;
cleanup:
    sf_instance_destroy(&in);
    return status;
}

/* ---- the memory a case needs (sf_registry_memory) ---- */

enum {
    SF_MEM_ADAMS = 16, /* CVODE state copies, adams: Nordsieck array (q ≤ 12) + work vectors */
    SF_MEM_BDF = 17,   /* bdf: Nordsieck (q ≤ 5) + work vectors + SPGMR's 5 + 1 Krylov vectors */
    SF_MEM_FORML_ARRAYS = 10, /* form L: per-cell arrays besides the state (solver/forml.c) */
    SF_MEM_FORMT_ARRAYS = 12, /* form T: per-cell arrays besides the state (solver/formt.c) */
    SF_MEM_FORMH_ARRAYS = 2   /* form H: per-cell arrays besides the state (solver/formh.c) */
};

/* Add an item of `bytes` to *e, keeping the largest with the key that drives it. */
static void mem_item(sf_memory_estimate *e, double bytes, const char *key, long value,
                     const char *what)
{
    e->bytes += bytes;
    if (bytes > e->largest) {
        e->largest = bytes;
        e->key = key;
        e->value = value;
        snprintf(e->what, sizeof e->what, "%s", what);
    }
}

static double ode_copies(const sf_case *c)
{
    return c->solver.method == SF_METHOD_BDF ? SF_MEM_BDF : SF_MEM_ADAMS;
}

sf_status sf_registry_memory(sf_ctx *ctx, const sf_case *c, int particles, sf_memory_estimate *e)
{
    sf_status status = SF_OK;
    const double dbl = (double)sizeof(double);
    char what[128];
    int hemi = 0;
    SF_CHECK(ctx, c && e, SF_E_ARG, "sf_registry_memory: NULL argument");
    *e = (sf_memory_estimate){0};
    e->key = "grid.cells";
    mem_item(e, dbl * (double)c->time.n_outputs, "time.outputs", (long)c->time.n_outputs,
             "the output times");
    if (particles) {
        const double m = (double)c->particles.m, d = (double)c->problem.d;
        const double nt = SF_PARTICLE_TABLE_NODES;
        if (c->particles.method == SF_PMETHOD_REDUCED) {
            /* an upper bound: no table when the Chebyshev series of (L8) converge */
            mem_item(e, dbl * 6.0 * nt * nt, "particles.m", c->particles.m,
                     "the reduced kernel tables (6 × 257² doubles)");
            snprintf(what, sizeof what, "the particle state (2 × %ld doubles) and CVODE's vectors",
                     c->particles.m);
            mem_item(e, dbl * 2.0 * m * (ode_copies(c) + 4.0), "particles.m", c->particles.m, what);
        } else {
            snprintf(what, sizeof what, "the pair table (%ld² doubles)", c->particles.m);
            mem_item(e, dbl * m * m, "particles.m", c->particles.m, what);
            const double copies = c->particles.method == SF_PMETHOD_CVODE ? ode_copies(c) + 2.0 : 2.0;
            snprintf(what, sizeof what, "the neurons (%ld × %ld doubles) and their copies",
                     c->particles.m, c->problem.d + 1);
            mem_item(e, dbl * m * (d + 1.0) * copies + dbl * m * (d + 3.0), "particles.m",
                     c->particles.m, what);
            if (c->particles.method == SF_PMETHOD_SGD) {
                snprintf(what, sizeof what, "the batch (%ld × %ld doubles)", c->particles.batch,
                         c->particles.m);
                mem_item(e, dbl * (double)c->particles.batch * (m + d + 1.0), "particles.batch",
                         c->particles.batch, what);
            }
        }
    } else if (!strcmp(c->form, "lifted") && c->problem.d_H == 2 &&
               (sf_reduce_uses_hemi(ctx, c, &hemi) == SF_OK || (sf_ctx_clear(ctx), 0)) && hemi) {
        const double n = (double)c->grid.cells, np = SF_HEMI_PHI_PER_THETA * n;
        snprintf(what, sizeof what, "the K̂ table (%g x %ld² doubles)", np, c->grid.cells);
        mem_item(e, dbl * np * n * n * 2.0, "grid.cells", c->grid.cells, what); /* + its modes */
        mem_item(e, dbl * 2.0 * n * np * (ode_copies(c) + 1.0) + dbl * n * np * SF_MEM_FORML_ARRAYS,
                 "grid.cells", c->grid.cells, "the state and CVODE's vectors");
    } else if (!strcmp(c->form, "lifted")) {
        const double n = (double)c->grid.cells;
        if (c->solver.kernel == SF_KERNEL_DENSE || c->grid.cells <= SF_KERNEL_DENSE_FALLBACK_MAX) {
            /* dense, or factored with the dense table as its fallback (reduction.h) */
            snprintf(what, sizeof what, "the K̂ table (%ld² doubles)", c->grid.cells);
            mem_item(e, dbl * n * n, "grid.cells", c->grid.cells, what);
        } else {
            snprintf(what, sizeof what, "the factored K̂ (%ld × %d doubles at most, L5)",
                     c->grid.cells, SF_KERNEL_FACTOR_PMAX);
            mem_item(e, dbl * n * SF_KERNEL_FACTOR_PMAX, "grid.cells", c->grid.cells, what);
        }
        mem_item(e, dbl * 2.0 * n * (ode_copies(c) + 1.0) + dbl * n * SF_MEM_FORML_ARRAYS,
                 "grid.cells", c->grid.cells, "the state and CVODE's vectors");
    } else if (!strcmp(c->form, "transport")) {
        const sf_transport_box unit = {1.0, 1.0, 1.0, 0};
        sf_grid1_params gp[3];
        SF_TRY(ctx, sf_plan_transport_grids(ctx, c, &unit, gp));
        const size_t n_phi = sf_reduce_transport_phi_cells(gp[0].cells, gp[1].cells, gp[2].cells);
        snprintf(what, sizeof what, "the K̂ table (%zu² doubles on φ)", n_phi);
        mem_item(e, dbl * (double)n_phi * (double)n_phi, "grid.cells", c->grid.cells, what);
        const double cells = (double)gp[0].cells * (double)gp[1].cells * (double)gp[2].cells;
        snprintf(what, sizeof what, "the state (%zu × %zu × %zu cells) and CVODE's vectors",
                 gp[0].cells, gp[1].cells, gp[2].cells);
        mem_item(e, dbl * cells * (ode_copies(c) + 1.0 + SF_MEM_FORMT_ARRAYS), "grid.cells",
                 c->grid.cells, what);
    }
    else if (!strcmp(c->form, "hyperbolic")) {
        /* ω-cells n; N⁰ has 2n η-cells, N⁺ and N⁻ n/2 each (reduction/plan.c): 3n² cells */
        const size_t nc = sf_plan_hyperbolic_cells(c);
        const double n = (double)nc;
        snprintf(what, sizeof what, "the K̂ table (%zu² doubles)", nc);
        mem_item(e, dbl * n * n, "grid.cells", (long)nc, what);
        snprintf(what, sizeof what, "the state (3 × %zu² cells) and CVODE's vectors", nc);
        mem_item(e, dbl * 3.0 * n * n * (ode_copies(c) + 1.0 + SF_MEM_FORMH_ARRAYS), "grid.cells",
                 (long)nc, what);
    } else if (!strcmp(c->form, "characteristics")) {
        /* an upper bound: the K̂ tables (4 × 257², reduction/charstart.c) are built only when the
         * Chebyshev series of (L8) miss their tolerance; the nodes: 4n + 2 values */
        mem_item(e, dbl * 4.0 * 257.0 * 257.0, "characteristics.nodes", c->characteristics.nodes,
                 "the K̂ tables (4 × 257² doubles)");
        const double n = (double)c->characteristics.nodes;
        mem_item(e, dbl * (4.0 * n + 2.0) * (ode_copies(c) + 2.0) + dbl * 8.0 * n,
                 "characteristics.nodes", c->characteristics.nodes,
                 "the nodes and CVODE's vectors");
    }
    /* form ode: d_H numbers */
cleanup:
    return status;
}

sf_status sf_registry_check_memory(sf_ctx *ctx, const sf_case *c, int particles,
                                   double max_memory)
{
    sf_status status = SF_OK;
    sf_memory_estimate e;
    char need[32], all[32], have[32], in_all[64] = "";
    SF_TRY(ctx, sf_registry_memory(ctx, c, particles, &e));
    const double limit = max_memory > 0.0 ? max_memory : sf_memory_available();
    if (!(limit > 0.0) || e.bytes <= limit) goto cleanup;
    sf_format_bytes(e.largest, need, sizeof need);
    sf_format_bytes(e.bytes, all, sizeof all);
    sf_format_bytes(limit, have, sizeof have);
    if (e.bytes > 1.05 * e.largest) snprintf(in_all, sizeof in_all, " (%s in all)", all);
    status = sf_error(ctx, SF_E_NOMEM, __FILE__, __LINE__,
                      "%s: %s = %ld: %s needs %s%s, more than the %s %s",
                      sf_case_where(c, e.key), e.key, e.value, e.what, need, in_all, have,
                      max_memory > 0.0 ? "allowed (--max-memory)" : "available (MemAvailable)");
cleanup:
    return status;
}

/* ---- solves ---- */

/* Resume: the file's case attributes (form, target, input, start, d, d_H, method, tolerances,
 * spacing, …) must be the case's; the grid is checked by the driver. */
static sf_status resume_check(sf_ctx *ctx, const sf_instance *in, const char *path)
{
    sf_status status = SF_OK;
    char *text = NULL;
    for (size_t i = 0; i < in->n_attrs; i++) {
        const sf_nc_attr *a = &in->attrs[i];
        if (!strcmp(a->name, "symflow_version") || !strcmp(a->name, "case_file") ||
            !strcmp(a->name, "case_text") || !strcmp(a->name, "case_overrides") ||
            !strcmp(a->name, "space_error_estimate"))
            continue; /* the same case may be edited (time.end) or moved; the estimate follows
                         from the grid, which the driver checks */
        if (a->type == SF_NC_ATTR_TEXT) {
            SF_TRY(ctx, sf_nc_read_attr_text(ctx, path, a->name, &text));
            SF_CHECK(ctx, !strcmp(text, a->text), SF_E_ARG,
                     "--resume %s: attribute %s = '%s' in the file, the case has '%s'", path,
                     a->name, text, a->text);
            free(text);
            text = NULL;
        } else {
            double v = NAN;
            const double want = a->type == SF_NC_ATTR_INT ? (double)a->integer : a->number;
            SF_TRY(ctx, sf_nc_read_attr_double(ctx, path, a->name, &v));
            SF_CHECK(ctx, v == want, SF_E_ARG,
                     "--resume %s: attribute %s = %.17g in the file, the case has %.17g", path,
                     a->name, v, want);
        }
    }
cleanup:
    free(text);
    return status;
}

static sf_status drive_instance(sf_ctx *ctx, sf_instance *in, const sf_solve_opts *o,
                                sf_solve_report *r)
{
    sf_status status = SF_OK;
    sf_drive_params dp = sf_instance_drive_params(in);
    if (o && o->history && dp.attrs) { /* field files: the command line in `history` */
        sf_nc_history(in->history, sizeof in->history, o->history);
        in->attrs[in->n_attrs] = (sf_nc_attr){"history", SF_NC_ATTR_TEXT, in->history, 0, 0};
        dp.n_attrs = in->n_attrs + 1;
    }
    if (o) {
        dp.out_path = o->out_path;
        dp.progress = o->progress;
        dp.progress_user = o->progress_user;
        dp.stop = o->stop;
        dp.stop_user = o->stop_user;
        dp.resume_path = o->resume_path;
    }
    snprintf(r->describe, sizeof r->describe, "%s", in->describe);
    r->minimiser_mass = in->minimiser_mass;
    if (dp.resume_path) SF_TRY(ctx, resume_check(ctx, in, dp.resume_path));
    status = sf_drive(ctx, &in->form, &dp, &r->sum);
cleanup:
    return status;
}

typedef struct {
    const sf_case *c;
    const sf_solve_opts *o;
    sf_solve_report *r;
} transport_run;

/* The planner's callback: one form-T solve of a plan (pilot: no file, no progress). */
static sf_status transport_solve(sf_ctx *ctx, void *user, const sf_transport_plan *plan,
                                 double extent[3])
{
    sf_status status = SF_OK;
    const transport_run *tr = user;
    sf_instance *in = NULL;
    sf_solve_report pilot_report;
    SF_TRY(ctx, instance_new(ctx, tr->c, &in));
    if (!plan->pilot) in->tables = tables_of(tr->o);
    SF_TRY(ctx, build_transport_plan(ctx, tr->c, plan, in));
    /* the pilot shows progress and obeys a stop, but writes no file and resumes nothing */
    const sf_solve_opts pilot = {.progress = tr->o ? tr->o->progress : NULL,
                                 .progress_user = tr->o ? tr->o->progress_user : NULL,
                                 .stop = tr->o ? tr->o->stop : NULL,
                                 .stop_user = tr->o ? tr->o->stop_user : NULL};
    SF_TRY(ctx, drive_instance(ctx, in, plan->pilot ? &pilot : tr->o,
                               plan->pilot ? &pilot_report : tr->r));
    sf_formt_form_extent(&in->form, extent);
cleanup:
    sf_instance_destroy(&in);
    return status;
}

/* Form T's solve: the box policy of the planner (plan.h) around transport_solve. */
static sf_status solve_transport(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                 sf_solve_report *r)
{
    sf_status status = SF_OK;
    sf_transport_report tr;
    const transport_run run = {c, o, r};
    status = sf_plan_transport_run(ctx, c, transport_solve, (void *)&run, &tr);
    if (tr.note[0]) snprintf(r->note, sizeof r->note, "%s", tr.note);
    if (tr.piloted) {
        const size_t len = strlen(r->describe);
        snprintf(r->describe + len, sizeof r->describe - len, "; box from a pilot run");
    }
    return status;
}

sf_status sf_registry_solve(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                            sf_solve_report *r)
{
    sf_status status = SF_OK;
    sf_instance *in = NULL;
    const sf_registry_entry *e = NULL;
    sf_solve_report local;
    if (!r) r = &local;
    *r = (sf_solve_report){0};
    r->minimiser_mass = NAN;
    SF_CHECK(ctx, c != NULL, SF_E_ARG, "sf_registry_solve: NULL case");
    SF_TRY(ctx, lookup(ctx, c, &e));
    SF_TRY(ctx, sf_registry_check_memory(ctx, c, 0, o ? o->max_memory : 0.0));
    if (e->solve) {
        SF_TRY(ctx, e->solve(ctx, c, o, r));
    } else {
        SF_TRY(ctx, registry_build(ctx, c, o, &in));
        SF_TRY(ctx, drive_instance(ctx, in, o, r));
    }
cleanup:
    sf_instance_destroy(&in);
    return status;
}

sf_status sf_registry_particles(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                sf_solve_report *r)
{
    sf_status status = SF_OK;
    sf_instance *in = NULL;
    sf_solve_report local;
    if (!r) r = &local;
    *r = (sf_solve_report){0};
    r->minimiser_mass = NAN;
    SF_CHECK(ctx, c != NULL, SF_E_ARG, "sf_registry_particles: NULL case");
    SF_TRY(ctx, sf_registry_check_memory(ctx, c, 1, o ? o->max_memory : 0.0));
    SF_TRY(ctx, sf_registry_build_particles(ctx, c, &in));
    SF_TRY(ctx, drive_instance(ctx, in, o, r));
cleanup:
    sf_instance_destroy(&in);
    return status;
}

typedef struct {
    const sf_case *c;
    const sf_solve_opts *o;
    sf_solve_report *r;
} hyperbolic_run;

/* The planner's callback: one form-H solve of a plan. */
static sf_status hyperbolic_solve(sf_ctx *ctx, void *user, const sf_hyperbolic_plan *plan)
{
    sf_status status = SF_OK;
    const hyperbolic_run *hr = user;
    sf_instance *in = NULL;
    SF_TRY(ctx, instance_new(ctx, hr->c, &in));
    in->tables = tables_of(hr->o);
    SF_TRY(ctx, build_hyperbolic_plan(ctx, hr->c, plan, in));
    SF_TRY(ctx, drive_instance(ctx, in, hr->o, hr->r));
cleanup:
    sf_instance_destroy(&in);
    return status;
}

/* Form H's solve: the η-box policy of the planner (plan.h) around hyperbolic_solve. */
static sf_status solve_hyperbolic(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                  sf_solve_report *r)
{
    const hyperbolic_run run = {c, o, r};
    char note[512];
    sf_status status = sf_plan_hyperbolic_run(ctx, c, hyperbolic_solve, (void *)&run, note,
                                              sizeof note);
    if (note[0]) snprintf(r->note, sizeof r->note, "%s", note);
    return status;
}
