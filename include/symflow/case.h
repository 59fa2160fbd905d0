/* case.h — a symflow case: the problem, the start, the form, the grid, the scheme, the time
 * span, the solver and the particle settings, as read from a YAML case file.
 *
 * The key names are a public contract (README "Case file reference"). Every key has a
 * default (sf_case_defaults); a file only overrides. Enumerated keys are read through the
 * name tables below, so an unknown name is an error that lists the valid ones.
 * Not here: what a key means numerically (reduction/, solver/), netCDF (ncio.h).
 */
#ifndef SYMFLOW_CASE_H
#define SYMFLOW_CASE_H

#include <stddef.h>

#include "symflow/numerics.h"
#include "symflow/status.h"

typedef enum { SF_INPUT_GAUSSIAN, SF_INPUT_SPHERE } sf_input;
typedef enum { SF_START_BALANCED_SPHERE, SF_START_GAUSSIAN } sf_start_law;
typedef enum { SF_SYMMETRY_NONE, SF_SYMMETRY_ODD, SF_SYMMETRY_EVEN } sf_symmetry;

extern const sf_name_table sf_input_names;     /* gaussian sphere */
extern const sf_name_table sf_start_names;     /* balanced-sphere gaussian */
extern const sf_name_table sf_symmetry_names;  /* none odd even */

enum { SF_NAME_CAP = 128 }; /* longest target name, bytes */
enum { SF_EXPR_CAP = 512 }; /* longest problem.expression, bytes (NUL included) */

typedef struct {
    char *path; /* case file path as given (owned); "" for defaults only */
    char *text; /* the case file's full text (owned), stored in output files */
    char *overrides; /* the --set overrides "key=value" in order, joined by newlines (owned);
                        NULL if none; stored in output files (case_overrides) */

    struct {
        sf_input input;            /* problem.input: law of x (MATH §1) */
        long d;                    /* problem.d: ambient dimension, ≥ 2 */
        long d_H;                  /* problem.d_H: dimension of H, 1 ≤ d_H < d */
        char target[SF_NAME_CAP];  /* problem.target: a name of reduction's target table */
        int fold_even;             /* problem.fold_even: an even d_H = 1 target (|x_1|) is
                                      solved on θ ∈ [0, π/2] (quotient by x_1 ↦ −x_1) (bool) */
        int radial;                /* problem.radial: a radial d_H = 2 target is solved on θ
                                      (true) or on the (φ, θ) hemisphere (false, MATH §4.8) */
        char expression[SF_EXPR_CAP]; /* problem.expression: f(x) of x = x_1 in libmatheval
                                         syntax, for problem.target = expression; "" if unset */
        sf_symmetry symmetry;      /* problem.symmetry: the parity the user declares for f*
                                      (verified by reduction/ on quadrature nodes) */
    } problem;

    struct {
        sf_start_law law; /* start.law (MATH §4.6) */
        double sigma_a;   /* start.sigma_a: std of a for the gaussian start, > 0 */
        double sigma_b;   /* start.sigma_b: std of each b coordinate, > 0 */
    } start;

    char form[SF_NAME_CAP]; /* form: a name of the form registry (app/registry.c): lifted
                               (L, §4.3), transport (T, §4.4), ode (§3); checked there */

    struct {
        long cells;         /* grid.cells: cells per reduced coordinate, ≥ 8 */
        sf_spacing spacing; /* grid.spacing */
        double ratio;       /* grid.ratio: largest/smallest cell for refined spacing, ≥ 1 */
        double margin;      /* grid.margin: form T box = margin × the automatic box, ≥ 1 */
    } grid;

    struct {
        sf_recon reconstruction; /* scheme.reconstruction */
        sf_limiter limiter;      /* scheme.limiter (MUSCL only) */
    } scheme;

    struct {
        double end;      /* time.end: final gradient-flow time, > 0 */
        double *outputs; /* time.outputs: increasing output times in [0, end] (owned) */
        size_t n_outputs;
    } time;

    struct {
        sf_method method; /* solver.method: adams (fixed point) or bdf (SPGMR) */
        double rtol;      /* solver.rtol: CVODE relative tolerance, in (0, 0.1] */
        double atol;      /* solver.atol: CVODE absolute tolerance (density units), > 0 */
        long max_steps;   /* solver.max_steps: CVODE steps between outputs, ≥ 1 */
        sf_kernel_op kernel; /* solver.kernel: factored (L8) or dense K̂ (form L) */
        double kernel_tol;   /* solver.kernel_tol: relative tolerance of the factor (L8) */
        sf_precond precond;  /* solver.preconditioner: form (the form's, L12) or none (bdf) */
    } solver;

    struct {
        long m;            /* particles.m: number of neurons, ≥ 1 */
        long seed;         /* particles.seed: RNG seed */
        int symmetric;     /* particles.symmetric: exact pairs (θ, −θ)  (bool) */
        sf_pmethod method; /* particles.method */
        double step;       /* particles.step: Euler/SGD step η, > 0 */
        long batch;        /* particles.batch: SGD batch size, ≥ 1 */
        sf_sampling sampling; /* particles.sampling: random draws, or (reduced) midpoint
                                 quantiles of the start law, half of each sign */
    } particles;

    struct {
        long nodes; /* characteristics.nodes: Gauss nodes per sign of form characteristics */
    } characteristics;

    /* Where each key was set: parallel arrays, used by sf_case_where. */
    char **where_keys;  /* dotted key names (owned) */
    char **where_text;  /* "file:line" for each (owned) */
    size_t n_where;
    unsigned long long user_set; /* bit i: key i of the reader's table was set by the file or
                                    an override (sf_case_is_set) */
} sf_case;

#define SF_CASE_DEFAULT_RTOL 1e-8  /* CVODE rtol; error budget of MATH.md §5 */
#define SF_CASE_DEFAULT_ATOL 1e-10 /* CVODE atol, density units; 1e-2 × rtol */

/* Fill *c with the defaults of every key (the README documents them). *c must be zeroed or
 * freshly declared; the result owns its arrays: release with sf_case_free. */
sf_status sf_case_defaults(sf_ctx *ctx, sf_case *c);

/* Read a YAML case file over the defaults, then apply overrides ("key=value", value read as
 * YAML), then validate every key. On error: message "file:line: key = value: expected …",
 * status SF_E_PARSE (syntax, unknown key, wrong type) or SF_E_RANGE (value out of range),
 * and *c is left freed. path: borrowed; overrides: borrowed array of n_overrides strings. */
sf_status sf_case_load(sf_ctx *ctx, const char *path, const char *const *overrides,
                       size_t n_overrides, sf_case *c);

/* Validate every key's range and cross-key rules (d_H < d, outputs within [0, end], …). */
sf_status sf_case_validate(sf_ctx *ctx, const sf_case *c);

/* "file:line" where `key` was set, or "path (default)" if it was not; borrowed string. */
const char *sf_case_where(const sf_case *c, const char *key);

/* 1 if `key` (dotted, e.g. "grid.margin") was set by the case file or an override, 0 if it
 * holds its default. */
int sf_case_is_set(const sf_case *c, const char *key);

/* Release everything *c owns and zero it; accepts a zeroed case. */
void sf_case_free(sf_case *c);

#endif
