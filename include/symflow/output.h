/* output.h — what every solver driver writes alike: the case's global attributes of a field
 * file (MATH.md §8), the CVODE statistics attributes, and the wall clock. Used by the form L,
 * T and ode drivers so the three files describe their case the same way.
 * Not here: the layout of each form's fields (the drivers), netCDF itself (ncio.h).
 */
#ifndef SYMFLOW_OUTPUT_H
#define SYMFLOW_OUTPUT_H

#include <stddef.h>

#include "symflow/case.h"
#include "symflow/ncio.h"
#include "symflow/ode.h"
#include "symflow/status.h"

enum { SF_CASE_ATTRS = 15 /* attributes written by sf_output_case_attrs */ };

/* Fill out[0 … SF_CASE_ATTRS−1] with symflow_kind = "field", symflow_version, form, target,
 * input, start, d, d_H, k, method, rtol, atol, spacing, case_file, case_text. The strings are
 * borrowed from c and static tables; returns SF_CASE_ATTRS. */
size_t sf_output_case_attrs(const sf_case *c, const char *form, sf_nc_attr *out);

/* Set the CVODE statistics and the wall time as global attributes (cvode_steps, …,
 * wall_seconds). w may be NULL (nothing to do). */
sf_status sf_output_stats(sf_ctx *ctx, sf_ncw *w, const sf_ode_stats *s, double wall_s);

/* Monotonic wall clock, seconds. */
double sf_output_wall_now(void);

#endif
