/* numerics.h — the numerical choices a case makes (grid spacing, reconstruction, limiter,
 * time integrator, particle method and sampling) as enumerations with their const name
 * tables, shared by the case reader (core/), the solver and the planners.
 *
 * Also the two settings structs built from those choices: the scheme and the integrator's.
 * Not here: the case file itself (case.h), what each choice computes (grid.h, fv.h, ode.h,
 * particles.h). The name tables are defined in core/case.c.
 */
#ifndef SYMFLOW_NUMERICS_H
#define SYMFLOW_NUMERICS_H

#include <stddef.h>

/* auto (grid.spacing's default): the planner's choice (reduction/plan.c); on a grid it is the
 * blended map of grid.c (refined background + a cluster about `centre`). */
typedef enum {
    SF_SPACING_UNIFORM,
    SF_SPACING_REFINED,
    SF_SPACING_STRETCHED,
    SF_SPACING_AUTO
} sf_spacing;
typedef enum { SF_RECON_UPWIND, SF_RECON_MUSCL } sf_recon;
typedef enum { SF_LIMITER_MINMOD, SF_LIMITER_VANLEER } sf_limiter;
typedef enum { SF_METHOD_ADAMS, SF_METHOD_BDF } sf_method;
/* bdf's preconditioner: the form's own (form L: banded upwind transport + reaction, L12), or
 * none (plain SPGMR). Forms without one run unpreconditioned either way. */
typedef enum { SF_PRECOND_FORM, SF_PRECOND_NONE } sf_precond;
typedef enum {
    SF_PMETHOD_CVODE,
    SF_PMETHOD_EULER,
    SF_PMETHOD_SGD,
    SF_PMETHOD_REDUCED
} sf_pmethod;
typedef enum { SF_SAMPLING_RANDOM, SF_SAMPLING_QUANTILE } sf_sampling;
/* How form L applies K̂ (L8): a low-rank symmetric PSD factor from a Chebyshev interpolant,
 * or the dense table of point values. */
typedef enum { SF_KERNEL_FACTORED, SF_KERNEL_DENSE } sf_kernel_op;

/* The scheme of a finite-volume form (fv.h). */
typedef struct {
    sf_recon reconstruction; /* upwind (first order) or muscl (second order, limited) */
    sf_limiter limiter;      /* limiter of the MUSCL slopes */
} sf_fv_scheme;

/* The time integrator's settings (ode.h, the CVODE adapter). */
typedef struct {
    sf_method method;    /* adams: Adams–Moulton + fixed point; bdf: BDF + SPGMR */
    sf_precond precond;  /* bdf: the form's preconditioner (if it has one) or none */
    double rtol;         /* relative tolerance */
    double atol;         /* absolute tolerance, every component */
    long max_steps;      /* CVODE steps allowed per sf_ode_advance call (sf_ode_set_max_steps
                            changes it between calls) */
} sf_ode_params;

/* A const name table: the names of an enumeration, indexed by its values. */
typedef struct {
    const char *const *names; /* names[v] is the spelling of value v */
    int count;                /* number of values */
} sf_name_table;

extern const sf_name_table sf_spacing_names;   /* uniform refined stretched auto */
extern const sf_name_table sf_recon_names;     /* upwind muscl */
extern const sf_name_table sf_limiter_names;   /* minmod vanleer */
extern const sf_name_table sf_method_names;    /* adams bdf */
extern const sf_name_table sf_pmethod_names;   /* cvode euler sgd reduced */
extern const sf_name_table sf_sampling_names;  /* random quantile */
extern const sf_name_table sf_kernel_op_names; /* factored dense */
extern const sf_name_table sf_precond_names;   /* form none */

/* The spelling of value v in table t ("?" if out of range). */
const char *sf_name_of(const sf_name_table *t, int v);

#endif
