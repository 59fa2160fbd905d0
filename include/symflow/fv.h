/* fv.h — finite-volume reconstruction on 1-D grids: limiters and upwind face values
 * (MATH.md §5). Pure functions on arrays; no allocation, no physics.
 */
#ifndef SYMFLOW_FV_H
#define SYMFLOW_FV_H

#include <stddef.h>

#include "symflow/numerics.h"
#include "symflow/grid.h"

/* sf_fv_scheme (reconstruction, limiter) is declared in numerics.h. */

/* The limited slope from the left and right difference quotients a, b:
 * minmod(a, b) or van Leer's harmonic mean 2ab/(a+b) (0 when ab ≤ 0). */
double sf_fv_limit(sf_limiter limiter, double a, double b);

/* Upwind face values at the n−1 interior faces of g: face f lies between cells f and f+1.
 * q: n cell averages; v: n−1 face velocities (only their signs are used); qf: n−1 outputs
 * (the value of the reconstruction in the upwind cell, at the face). MUSCL values are
 * clamped between the two neighbours' averages, so qf ≥ 0 whenever q ≥ 0. */
void sf_fv_face_values(const sf_grid1 *g, const sf_fv_scheme *s, const double *q, const double *v,
                       double *qf);

/* sf_fv_face_values along one line of a tensor grid: cell i of the line is q[i·stride],
 * face f (between cells f and f+1) reads v[f·stride] and writes qf[f·stride], f < g->n − 1.
 * Same reconstruction, limiter, boundary slopes and clamping as sf_fv_face_values. */
void sf_fv_face_values_strided(const sf_grid1 *g, const sf_fv_scheme *s, const double *q,
                               size_t stride, const double *v, double *qf);

/* Upwind face values on a uniform periodic line of n ≥ 3 cells of width h (φ of the d_H = 2
 * hemisphere): face f lies between cells f and f+1 mod n (n faces), v[f] its velocity (sign
 * only), qf[f] the output. Same reconstruction, limiter and clamping as sf_fv_face_values,
 * with the neighbours taken cyclically (no boundary cells). */
void sf_fv_face_values_periodic(double h, const sf_fv_scheme *s, const double *q, size_t n,
                                const double *v, double *qf);

/* "upwind" or "muscl + vanleer" into buf (cap bytes, NUL-terminated): the scheme attribute. */
void sf_fv_scheme_text(const sf_fv_scheme *s, char *buf, size_t cap);

#endif
