/* characteristics.h — what form characteristics (solver/formchar.c) is built from: the start
 * τ₀ of form L as a Gauss rule in the reduced coordinate, and the reduced kernels K̂, ∂_xK̂, Ĝ,
 * ∂Ĝ (M11), (M12): as Chebyshev series (chebk.h, (L8)) when they converge, else pointwise
 * through callbacks (filled by reduction/charstart.c).
 * The solver sees nodes, weights and kernel callbacks, never a target or an input law.
 * Not here: the ODE of the nodes and its output (formchar.h), the kernels themselves (kernel.c).
 */
#ifndef SYMFLOW_CHARACTERISTICS_H
#define SYMFLOW_CHARACTERISTICS_H

#include <stddef.h>

#include "symflow/chebk.h"
#include "symflow/coord.h"

typedef struct {
    size_t n;            /* nodes per sign */
    sf_coord_id coord;   /* SF_COORD_THETA (radial) or SF_COORD_PHI (d_H = 1) */
    double *x0;          /* n: nodes of the Gauss rule of τ₀ in the coordinate (owned) */
    double *w0;          /* n: its weights, summing to 1 (owned); τ₀^± = ½ w (L3) */
    const char *rule;    /* which rule (attribute text, static) */
    /* K̂(x, y), ∂_x K̂(x, y), Ĝ(x), ∂Ĝ(x) pointwise; user owned through user_free */
    double (*K)(const void *user, double x, double y);
    double (*dK)(const void *user, double x, double y);
    double (*G)(const void *user, double x);
    double (*dG)(const void *user, double x);
    double (*cdf)(const void *user, double x); /* τ₀([lo, x]), NaN on failure (L9's
                                                  reconstruction) */
    void *user;
    void (*user_free)(void *user);
    double risk_const;   /* ½ E f_H² */
    /* K̂ and Ĝ as Chebyshev series (L8): used instead of the callbacks when cheb.p > 0,
     * O(n p) per right-hand side instead of (2n)² pairs (owned) */
    sf_chebk cheb;
} sf_char_problem;

#endif
