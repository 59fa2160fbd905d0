/* fv.c — limiters and upwind face values of a MUSCL reconstruction on 1-D grids
 * (MATH.md §5). Boundary cells use a zero slope (both ends are reflecting, §4.5, so the
 * mirrored neighbour equals the cell and every limiter returns 0 there).
 * Not here: velocities, fluxes, time stepping (forml.c).
 */
#include <math.h>
#include <stdio.h>

#include "symflow/fv.h"

double sf_fv_limit(sf_limiter limiter, double a, double b)
{
    if (a * b <= 0.0) return 0.0;
    if (limiter == SF_LIMITER_MINMOD) return fabs(a) < fabs(b) ? a : b;
    return 2.0 * a * b / (a + b);
}

/* Limited slope of cell i of a strided line (0 at the two boundary cells). */
static double cell_slope_strided(const sf_grid1 *g, const sf_fv_scheme *s, const double *q,
                                 size_t stride, size_t i)
{
    if (i == 0 || i + 1 >= g->n) return 0.0;
    double left = (q[i * stride] - q[(i - 1) * stride]) / (g->centres[i] - g->centres[i - 1]);
    double right = (q[(i + 1) * stride] - q[i * stride]) / (g->centres[i + 1] - g->centres[i]);
    return sf_fv_limit(s->limiter, left, right);
}

void sf_fv_face_values_strided(const sf_grid1 *g, const sf_fv_scheme *s, const double *q,
                               size_t stride, const double *v, double *qf)
{
    for (size_t f = 0; f + 1 < g->n; f++) {
        size_t up = v[f * stride] > 0.0 ? f : f + 1; /* upwind cell */
        double value = q[up * stride];
        if (s->reconstruction == SF_RECON_MUSCL) {
            value += cell_slope_strided(g, s, q, stride, up) * (g->edges[f + 1] - g->centres[up]);
            double ql = q[f * stride], qr = q[(f + 1) * stride];
            value = fmin(fmax(value, fmin(ql, qr)), fmax(ql, qr));
        }
        qf[f * stride] = value;
    }
}

void sf_fv_face_values(const sf_grid1 *g, const sf_fv_scheme *s, const double *q, const double *v,
                       double *qf)
{
    sf_fv_face_values_strided(g, s, q, 1, v, qf);
}

void sf_fv_face_values_periodic(double h, const sf_fv_scheme *s, const double *q, size_t n,
                                const double *v, double *qf)
{
    for (size_t f = 0; f < n; f++) {
        const size_t r = f + 1 == n ? 0 : f + 1;
        const int from_left = v[f] > 0.0;
        const size_t up = from_left ? f : r; /* upwind cell */
        double value = q[up];
        if (s->reconstruction == SF_RECON_MUSCL) {
            const size_t um = up == 0 ? n - 1 : up - 1, upp = up + 1 == n ? 0 : up + 1;
            const double slope = sf_fv_limit(s->limiter, (q[up] - q[um]) / h, (q[upp] - q[up]) / h);
            value += slope * (from_left ? 0.5 * h : -0.5 * h);
            value = fmin(fmax(value, fmin(q[f], q[r])), fmax(q[f], q[r]));
        }
        qf[f] = value;
    }
}

void sf_fv_scheme_text(const sf_fv_scheme *s, char *buf, size_t cap)
{
    if (s->reconstruction == SF_RECON_MUSCL)
        snprintf(buf, cap, "%s + %s", sf_name_of(&sf_recon_names, (int)s->reconstruction),
                 sf_name_of(&sf_limiter_names, (int)s->limiter));
    else
        snprintf(buf, cap, "%s", sf_name_of(&sf_recon_names, (int)s->reconstruction));
}
