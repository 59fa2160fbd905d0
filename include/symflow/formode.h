/* formode.h — form ode: the closed ODE (M9) of odd targets (MATH.md §3), integrated with
 * CVODE through the form interface (w over time, R, s, tr M_HH).
 *
 * Not here: w*, R* and the start moments (reduction/odd.c fills sf_odd_problem).
 */
#ifndef SYMFLOW_FORMODE_H
#define SYMFLOW_FORMODE_H

#include "symflow/form.h"
#include "symflow/ode.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

/* The right-hand side of (M9) for the state y = (w [d_H], M_HH [d_H²], s), an sf_ode_rhs
 * with user = the sf_odd_problem. */
int sf_formode_rhs(double t, const double *y, double *ydot, void *problem);

/* Pack the initial state of p into y (d_H + d_H² + 1 values). */
void sf_formode_initial(const sf_odd_problem *p, double *y);

/* R(w) = ½ v |w − w*|² + R* (M10). */
double sf_formode_risk(const sf_odd_problem *p, const double *w);

/* The isotropic closed form of §3: w(t) = (V/4) sinh Λ(t) u (u the unit vector along w*), with
 * Λ̇ = v|w*| − v(V/4) sinh Λ, Λ(0) = 0, V = s(0) + M(0)₁₁; Λ integrated by CVODE at tolerance
 * rtol. Returns |w(t)| at the n times (ascending, ≥ 0) into out. For tests. */
sf_status sf_formode_isotropic(sf_ctx *ctx, const sf_odd_problem *p, const double *times, size_t n,
                               double rtol, double *out);

/* Form ode as an sf_form (form.h): series risk (M10), s, trace_M, conserved (s − tr M_HH);
 * fields w and w_star on the components of H. p: borrowed, must outlive the form. */
sf_status sf_formode_form(sf_ctx *ctx, const sf_odd_problem *p, sf_form *out);

#endif
