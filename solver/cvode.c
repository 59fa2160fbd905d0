/* cvode.c — the only file that includes SUNDIALS CVODE: implements ode.h (MATH.md §5,
 * "Time: method of lines with SUNDIALS CVODE").
 *
 * adams → CV_ADAMS with the fixed-point nonlinear solver (non-stiff transport);
 * bdf   → CV_BDF with Newton + SPGMR, difference-quotient J·v, no preconditioner unless the
 *         caller sets one (sf_ode_set_preconditioner: left preconditioning, docs/math.md L12).
 * No inequality constraints (ode.h says why): positivity comes from the schemes.
 * CVODE's messages are captured (never printed) and its flags translated once, here, into
 * sf_status with CVodeGetReturnFlagName and t.
 * Not here: what the right-hand side computes.
 */
#include <cvode/cvode.h>
#include <nvector/nvector_serial.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunnonlinsol/sunnonlinsol_fixedpoint.h>
#ifdef __SSE2__
#include <xmmintrin.h>
enum { SF_CSR_FTZ_DAZ = 0x8040 /* MXCSR flush-to-zero (bit 15) | denormals-are-zero (bit 6) */ };
#endif

#include "symflow/ode.h"

enum { SF_CVODE_MSG_CAP = 512 /* bytes of CVODE's last message kept */ };

struct sf_ode {
    SUNContext sun;          /* SUNDIALS context */
    void *mem;               /* CVODE memory */
    N_Vector y;              /* state */
    SUNLinearSolver ls;      /* SPGMR (bdf) or NULL */
    SUNNonlinearSolver nls;  /* fixed point (adams) or NULL */
    sf_ode_rhs rhs;          /* user right-hand side */
    void *user;              /* its data */
    size_t n;                /* components */
    sf_method method;        /* for the statistics */
    sf_ode_psetup psetup;    /* preconditioner setup, or NULL */
    sf_ode_psolve psolve;    /* preconditioner solve, or NULL */
    void *puser;             /* their data */
    char message[SF_CVODE_MSG_CAP]; /* CVODE's last error text */
};

sf_ode_params sf_ode_params_make(sf_method method, double rtol, double atol)
{
    const sf_ode_params p = {.method = method, .rtol = rtol, .atol = atol, .max_steps = LONG_MAX};
    return p;
}

static int rhs_adapter(sunrealtype t, N_Vector y, N_Vector ydot, void *data)
{
    sf_ode *o = data;
    return o->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), o->user);
}

static int psetup_adapter(sunrealtype t, N_Vector y, N_Vector fy, booleantype jok,
                          booleantype *jcur, sunrealtype gamma, void *data)
{
    sf_ode *o = data;
    (void)fy;
    int cur = 0;
    const int r = o->psetup(t, N_VGetArrayPointer(y), jok ? 1 : 0, &cur, gamma, o->puser);
    *jcur = cur ? SUNTRUE : SUNFALSE;
    return r;
}

static int psolve_adapter(sunrealtype t, N_Vector y, N_Vector fy, N_Vector r, N_Vector z,
                          sunrealtype gamma, sunrealtype delta, int lr, void *data)
{
    sf_ode *o = data;
    (void)fy;
    (void)delta; /* the solve is direct (banded), exact for P whatever the tolerance */
    (void)lr;    /* left only (SUN_PREC_LEFT) */
    return o->psolve(t, N_VGetArrayPointer(y), N_VGetArrayPointer(r), N_VGetArrayPointer(z),
                     gamma, o->puser);
}

static void error_adapter(int code, const char *module, const char *function, char *msg, void *data)
{
    sf_ode *o = data;
    (void)code;
    snprintf(o->message, sizeof o->message, "%s/%s: %s", module, function, msg);
}

/* Translate a CVODE flag into an sf_status with its name and the current time. */
static sf_status cvode_fail(sf_ctx *ctx, sf_ode *o, int flag, const char *call)
{
    char *name = CVodeGetReturnFlagName(flag);
    sunrealtype t = 0.0;
    if (o->mem) CVodeGetCurrentTime(o->mem, &t);
    sf_status s = sf_error(ctx, SF_E_CVODE, __FILE__, __LINE__, "CVODE %s failed at t = %g: %s%s%s",
                           call, (double)t, name ? name : "?", o->message[0] ? ": " : "", o->message);
    free(name);
    return s;
}

#define SF_CV(call)                                                   \
    do {                                                              \
        int sf_flag_ = (call);                                        \
        if (sf_flag_ < 0) {                                           \
            status = cvode_fail(ctx, o, sf_flag_, #call);             \
            goto cleanup;                                             \
        }                                                             \
    } while (0)

sf_status sf_ode_create(sf_ctx *ctx, size_t n, double t0, const double *y0, sf_ode_rhs rhs,
                        void *user, const sf_ode_params *params, sf_ode **out)
{
    sf_status status = SF_OK;
    sf_ode *o = NULL;
    SF_CHECK(ctx, n > 0 && y0 && rhs && params && out, SF_E_ARG, "sf_ode_create: bad argument");
    SF_CHECK(ctx, params->rtol > 0.0 && params->atol > 0.0, SF_E_RANGE,
             "ODE tolerances rtol = %g, atol = %g: expected both > 0", params->rtol, params->atol);
    SF_ALLOC(ctx, o, 1);
    o->rhs = rhs;
    o->user = user;
    o->n = n;
    o->method = params->method;
    SF_CHECK(ctx, SUNContext_Create(NULL, &o->sun) == 0, SF_E_CVODE, "SUNContext_Create failed");
    o->y = N_VNew_Serial((sunindextype)n, o->sun);
    SF_CHECK(ctx, o->y, SF_E_NOMEM, "CVODE: cannot allocate a state of %zu components", n);
    memcpy(N_VGetArrayPointer(o->y), y0, n * sizeof *y0);
    o->mem = CVodeCreate(params->method == SF_METHOD_BDF ? CV_BDF : CV_ADAMS, o->sun);
    SF_CHECK(ctx, o->mem, SF_E_CVODE, "CVodeCreate failed");
    SF_CV(CVodeSetErrHandlerFn(o->mem, error_adapter, o));
    SF_CV(CVodeInit(o->mem, rhs_adapter, t0, o->y));
    SF_CV(CVodeSetUserData(o->mem, o));
    SF_CV(CVodeSStolerances(o->mem, params->rtol, params->atol));
    SF_CV(CVodeSetMaxNumSteps(o->mem, params->max_steps));
    if (params->method == SF_METHOD_BDF) {
        o->ls = SUNLinSol_SPGMR(o->y, SUN_PREC_NONE, 0, o->sun);
        SF_CHECK(ctx, o->ls, SF_E_CVODE, "SUNLinSol_SPGMR failed");
        SF_CV(CVodeSetLinearSolver(o->mem, o->ls, NULL));
    } else {
        o->nls = SUNNonlinSol_FixedPoint(o->y, 0, o->sun);
        SF_CHECK(ctx, o->nls, SF_E_CVODE, "SUNNonlinSol_FixedPoint failed");
        SF_CV(CVodeSetNonlinearSolver(o->mem, o->nls));
    }
    *out = o;
    return SF_OK;
cleanup:
    sf_ode_destroy(&o);
    return status;
}

sf_status sf_ode_advance(sf_ctx *ctx, sf_ode *o, double tout, double *y)
{
    sf_status status = SF_OK;
    sunrealtype t = 0.0;
    o->message[0] = '\0';
#ifdef __SSE2__
    /* Subnormals flushed to zero while CVODE runs (the caller's mode is restored): the
     * start's tails at large d (τ₀ ∝ e^{−k u²/2}, d = 10⁶) spread subnormal densities over
     * the grid, each operation on them ~100× slower (measured: 2.2× the whole run at d = 10⁶);
     * values below 2.2e-308 are far below any atol. */
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | SF_CSR_FTZ_DAZ);
#endif
    const int flag = CVode(o->mem, tout, o->y, &t, CV_NORMAL);
#ifdef __SSE2__
    _mm_setcsr(csr);
#endif
    SF_CV(flag);
    memcpy(y, N_VGetArrayPointer(o->y), o->n * sizeof *y);
cleanup:
    return status;
}

sf_status sf_ode_set_preconditioner(sf_ctx *ctx, sf_ode *o, sf_ode_psetup setup,
                                    sf_ode_psolve solve, void *user)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, o && setup && solve, SF_E_ARG, "sf_ode_set_preconditioner: NULL argument");
    if (!o->ls) return SF_OK; /* adams: no linear systems */
    o->psetup = setup;
    o->psolve = solve;
    o->puser = user;
    SF_CHECK(ctx, SUNLinSol_SPGMRSetPrecType(o->ls, SUN_PREC_LEFT) == SUNLS_SUCCESS, SF_E_CVODE,
             "SUNLinSol_SPGMRSetPrecType failed");
    SF_CV(CVodeSetPreconditioner(o->mem, psetup_adapter, psolve_adapter));
cleanup:
    return status;
}

sf_status sf_ode_set_max_steps(sf_ctx *ctx, sf_ode *o, long max_steps)
{
    sf_status status = SF_OK;
    SF_CV(CVodeSetMaxNumSteps(o->mem, max_steps));
cleanup:
    return status;
}

void sf_ode_get_stats(const sf_ode *o, sf_ode_stats *s)
{
    long v = 0;
    sunrealtype r = 0.0;
    *s = (sf_ode_stats){0};
    CVodeGetNumSteps(o->mem, &v), s->steps = v;
    CVodeGetNumRhsEvals(o->mem, &v), s->rhs_evals = v;
    CVodeGetNumErrTestFails(o->mem, &v), s->error_fails = v;
    CVodeGetNumNonlinSolvIters(o->mem, &v), s->nonlin_iters = v;
    CVodeGetNumNonlinSolvConvFails(o->mem, &v), s->nonlin_fails = v;
    if (o->method == SF_METHOD_BDF) {
        CVodeGetNumLinIters(o->mem, &v), s->lin_iters = v;
        CVodeGetNumLinRhsEvals(o->mem, &v), s->rhs_evals += v;
        CVodeGetNumPrecEvals(o->mem, &v), s->prec_setups = v;
        CVodeGetNumPrecSolves(o->mem, &v), s->prec_solves = v;
    }
    CVodeGetLastStep(o->mem, &r), s->last_step = r;
    CVodeGetCurrentTime(o->mem, &r), s->t = r;
}

void sf_ode_destroy(sf_ode **ode)
{
    if (!ode || !*ode) return;
    sf_ode *o = *ode;
    if (o->mem) CVodeFree(&o->mem);
    if (o->ls) SUNLinSolFree(o->ls);
    if (o->nls) SUNNonlinSolFree(o->nls);
    if (o->y) N_VDestroy(o->y);
    if (o->sun) SUNContext_Free(&o->sun);
    free(o);
    *ode = NULL;
}
