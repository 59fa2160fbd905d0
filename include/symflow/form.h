/* form.h — the form interface: what every reduced form and particle simulator offers the one
 * driver (drive.h). A form is one file in solver/ behind one operations table, the way a
 * netCDF format sits behind one dispatch table: name, file layout (coordinates, fields,
 * series, attributes), state size, initial state, right-hand side (or its own stepper),
 * observation (diagnostic series and the fields to write), failure text, destroy.
 *
 * The first series of every form is the risk R (M2): the driver checks it is finite and
 * reports its largest increase between outputs. Every series has a role that says which
 * summary the driver keeps of it (drift from t = 0, minimum, maximum).
 * Not here: building a form from a case (the registry, registry.h, and the planners of
 * reduction/), the loop itself (drive.h), netCDF (ncio.h).
 */
#ifndef SYMFLOW_FORM_H
#define SYMFLOW_FORM_H

#include <stddef.h>

#include "symflow/ncio.h"
#include "symflow/ode.h"
#include "symflow/status.h"

enum { SF_FORM_MAX_SERIES = 16 /* series per form (sizes the driver's summary) */ };

typedef enum {
    SF_SERIES_PLAIN,     /* reported at the first and last output */
    SF_SERIES_CONSERVED, /* also: max |x(t) − x(0)| over outputs (I1, I3, …) */
    SF_SERIES_MINIMUM,   /* also: min over outputs (min τ, min n) */
    SF_SERIES_MAXIMUM    /* also: max over outputs (residuals such as (L1)) */
} sf_series_role;

typedef enum {
    SF_FILE_FIELD,    /* a field file: sf_nc_layout, one append per output (ncio.h) */
    SF_FILE_PARTICLES /* a particle file in schema particles-1 (ncio.h) */
} sf_file_kind;

/* What a form writes. Borrowed pointers into the form (valid while it lives). */
typedef struct {
    sf_file_kind kind;
    sf_nc_layout field;            /* SF_FILE_FIELD: coordinates, fields, series, attributes
                                      (the driver adds the caller's attributes) */
    sf_particles_header particles; /* SF_FILE_PARTICLES: header of the particle file */
    const sf_series_role *roles;   /* one per field.series (both kinds describe their series
                                      in field.series / field.n_series) */
    const unsigned *exact;         /* NULL, or one per series: 0, or the bit mask (bit j =
                                      series j) of the series whose largest |value| scales an
                                      invariant the scheme keeps to rounding — a conserved
                                      mass (role CONSERVED: |x(t) − x(0)|) or a balance
                                      residual (role MAXIMUM: |x(t)|); the driver refuses an
                                      output beyond its rounding bound (sf_drive_check_obs) */
} sf_form_file;

/* One observation at an output time: series values (field.n_series of them) and, per
 * field, a pointer to its values (field files: layout order; particle files: a, b, u, r as
 * sf_ncp_append takes them, NULL where absent). Pointers borrowed, valid until the next
 * call on the form. */
typedef struct {
    double t;                          /* the time to record: the driver sets the output time,
                                          a stepper landing elsewhere (SGD: a multiple of η)
                                          may set its own */
    double series[SF_FORM_MAX_SERIES];
    const double *fields[8];
} sf_form_obs;

typedef struct sf_form_ops {
    const char *name; /* the form's name in case files (form: …) */
    /* State length (≥ 1 for rhs forms; advance forms may return 0: they keep their own). */
    size_t (*size)(const void *self);
    /* Initial state into y (size values). */
    void (*initial)(const void *self, double *y);
    /* The semi-discrete right-hand side, an sf_ode_rhs with user = self (the driver runs
     * CVODE on it). NULL for forms that advance themselves. */
    sf_ode_rhs rhs;
    /* Own stepper (particle simulators): move the state to tout ≥ the current time, y is
     * unused (may be NULL). NULL for rhs forms. The driver calls it once per output (no
     * progress slices: a stepper of fixed step η must not be cut). */
    sf_status (*advance)(sf_ctx *ctx, void *self, double tout, double *y);
    /* Integrator statistics of an advance form (steps, rhs_evals); NULL otherwise. */
    void (*stats)(const void *self, sf_ode_stats *st);
    /* The file this form writes. */
    void (*file)(const void *self, sf_form_file *f);
    /* Diagnose state y at output time t into *obs; may refuse the state (e.g. the form-T
     * edge monitor, SF_E_DOMAIN) with a message. */
    sf_status (*observe)(sf_ctx *ctx, void *self, double t, const double *y, sf_form_obs *obs);
    /* Resume (optional, NULL: the form cannot resume): rebuild the state y (size values) from
     * a field file's last output, fields[f] its values of field f (layout order), last[s]
     * and first[s] the series at that output and at the file's first output (t = 0). May
     * refuse (SF_E_UNSUPPORTED) with a message saying why. Borrowed: fields, last, first. */
    sf_status (*restore)(sf_ctx *ctx, void *self, const double *const *fields,
                         const double *last, const double *first, double *y);
    /* Preconditioner of method bdf (optional, NULL: none; ode.h's sf_ode_psetup/psolve with
     * user = self): P ≈ I − γ ∂rhs/∂y, solved directly. Both or neither. */
    sf_ode_psetup psetup;
    sf_ode_psolve psolve;
    /* Why the last rhs evaluation failed ("" if it did not); may be NULL. */
    const char *(*failure)(const void *self);
    /* Release the form; accepts NULL. */
    void (*destroy)(void *self);
} sf_form_ops;

/* A form instance: its operations and its object. */
typedef struct {
    const sf_form_ops *ops; /* static table */
    void *self;             /* owned by the instance: release with sf_form_destroy */
} sf_form;

/* Destroy f->self through its table and zero *f; accepts a zeroed form. */
void sf_form_destroy(sf_form *f);

#endif
