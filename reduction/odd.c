/* odd.c — odd targets (MATH.md §3): the data of the closed ODE (M8)–(M10): w* = E[xxᵀ]⁻¹
 * E[x f*(x)], R* = ½(E f*² − w*ᵀ E[xxᵀ] w*), and the start law's moments (w, M_HH, s)(0).
 *
 * Does: check that the case's target is odd (exactly, on its polynomial coefficients; an
 * expression must be declared odd, which target.c verifies on its quadrature nodes) and
 * compute these numbers (closed form, or target.c's quadrature for an expression) for both
 * input laws and both start laws.
 * Does not: integrate the ODE (solver/formode.c).
 */
#include <math.h>
#include <stdlib.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

/* Odd: f(−x) = −f(x) for the two polynomial pieces, i.e. neg[j] (−1)^j = −pos[j]; an
 * expression only when declared odd (problem.symmetry, verified by sf_target_open). */
static int is_odd(const sf_target *tg, const sf_case *c)
{
    const sf_target_spec *t = &tg->spec;
    if (t->kind != SF_TARGET_LINE) return 0; /* radial targets are even */
    if (tg->expr) return c->problem.symmetry == SF_SYMMETRY_ODD;
    for (int j = 0; j <= SF_TARGET_MAXDEG; j++) {
        double sign = (j % 2) ? -1.0 : 1.0;
        if (t->neg[j] * sign != -t->pos[j]) return 0;
    }
    return 1;
}

sf_status sf_reduce_odd(sf_ctx *ctx, const sf_case *c, sf_odd_problem *p)
{
    sf_status status = SF_OK;
    sf_odd_problem out = {0};
    sf_target t = {0};
    SF_TRY(ctx, sf_reduce_check_dims(ctx, c)); /* the supported range (laws.c) */
    SF_TRY(ctx, sf_target_open(ctx, c, &t));
    SF_CHECK(ctx, !t.expr || is_odd(&t, c), SF_E_UNSUPPORTED,
             "%s: problem.symmetry = %s with problem.expression = '%s': form ode (M9) needs an "
             "odd target: declare problem.symmetry: odd (it is verified), or use form lifted "
             "or transport",
             sf_case_where(c, "problem.symmetry"),
             sf_name_of(&sf_symmetry_names, (int)c->problem.symmetry), c->problem.expression);
    SF_CHECK(ctx, is_odd(&t, c), SF_E_UNSUPPORTED,
             "%s: problem.target = '%s' (%s) is not odd: form ode (M9) needs an odd target "
             "(linear, cube, hermite3, or an expression declared odd); use form lifted or "
             "transport",
             sf_case_where(c, "problem.target"), c->problem.target, t.spec.formula);
    const size_t dH = (size_t)c->problem.d_H;
    const double d = (double)c->problem.d;
    const int sphere = c->problem.input == SF_INPUT_SPHERE;
    out.d_H = dH;
    /* E[xxᵀ] = I (gaussian) or I/d (sphere: x = |x| y with E|x|² = d) */
    out.v = sphere ? 1.0 / d : 1.0;
    SF_ALLOC(ctx, out.wstar, dH);
    SF_ALLOC(ctx, out.w0, dH);
    SF_ALLOC(ctx, out.M0, dH * dH);
    /* E[x₁ f(x₁)] in the input law (target.c: closed form, or quadrature for expressions) */
    const double exf = sf_target_xf(&t, c);
    out.wstar[0] = exf / out.v;
    /* (M10): R* = ½ (E f² − v |w*|²) */
    out.risk_star = sf_target_risk_const(&t, c) - 0.5 * out.v * out.wstar[0] * out.wstar[0];
    /* starts (MATH §4.6): w(0) = ½ E[a b] = 0 for both (a independent of b, or a = ±1 fair) */
    double m_diag, s0;
    if (c->start.law == SF_START_GAUSSIAN) {
        m_diag = c->start.sigma_b * c->start.sigma_b;
        s0 = c->start.sigma_a * c->start.sigma_a;
    } else {
        m_diag = 1.0 / d; /* b uniform on S^{d−1}: E bbᵀ = I/d */
        s0 = 1.0;
    }
    for (size_t i = 0; i < dH; i++) out.M0[i * dH + i] = m_diag;
    out.s0 = s0;
    *p = out;
    out = (sf_odd_problem){0};
cleanup:
    sf_target_close(&t);
    sf_odd_problem_free(&out);
    return status;
}

void sf_odd_problem_free(sf_odd_problem *p)
{
    if (!p) return;
    free(p->wstar);
    free(p->w0);
    free(p->M0);
    *p = (sf_odd_problem){0};
}
