/* form_particles.h — the particle simulators as a form (form.h): the one driver advances a
 * simulator output by output and writes its particle file (schema particles-1, docs/ §8).
 * Not here: the simulators (particles.h), the case → parameters mapping (registry.h).
 */
#ifndef SYMFLOW_FORM_PARTICLES_H
#define SYMFLOW_FORM_PARTICLES_H

#include "symflow/form.h"
#include "symflow/particles.h"
#include "symflow/reduced.h"
#include "symflow/status.h"

typedef struct {
    const sf_kernel_table *tab; /* kernel tables (borrowed, must outlive the form) */
    sf_psim_params params;      /* simulator parameters (laws borrowed, must outlive it) */
    const char *case_text;      /* the case text, attribute of the file (borrowed), or NULL */
    const sf_nc_attr *attrs;    /* further global attributes of the file (borrowed, must
                                   outlive the form), or NULL */
    size_t n_attrs;
} sf_particles_form_params;

/* Series: risk, mass_plus, mass_minus, balance (I3). */
sf_status sf_particles_form(sf_ctx *ctx, const sf_particles_form_params *fp, sf_form *out);

/* 1 if the form writes the reduced (u, r) storage, 0 for the full b (or another form). */
int sf_particles_form_reduced_storage(const sf_form *f);

#endif
