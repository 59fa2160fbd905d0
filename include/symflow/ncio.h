/* ncio.h — netCDF output, input and inspection (MATH.md §8), the only netCDF adapter's
 * interface (implemented by core/ncio.c).
 *
 * A field file is described by a layout (coordinates, fields on them, time series, global
 * attributes) and written one output time at a time; it lives under a temporary name
 * (include/symflow/atomic.h: unpredictable, beside `path`; a directory or special file at
 * `path` is refused, SF_E_IO) until sf_ncw_close(..., commit = 1) fsyncs and renames it, so
 * a failed run never leaves a corrupt file, nor a temporary one. After a failed netCDF write
 * (a full disk) the dataset cannot be closed by libhdf5 1.10: the temporary is removed and
 * the id left open (see core/ncio.c tmp_finish; app/main.c exits without HDF5's handler).
 * Conventions: CF-1.8, `time` unlimited with units "1", coordinate variables with units,
 * long_name and `*_bnds`, fields chunked (1, …) and deflated with shuffle.
 * Particle files follow the public schema "particles-1" (documented at the top of the
 * particle reader in core/ncio.c): the same temporary-name discipline, and a reader that
 * validates every file, whoever wrote it.
 * A small generic reader (one variable, one global attribute) serves `symflow compare`
 * and the tests.
 * Not here: what the fields mean (solver/), plotting (postproc/).
 */
#ifndef SYMFLOW_NCIO_H
#define SYMFLOW_NCIO_H

#include <stddef.h>

#include "symflow/status.h"

typedef struct {
    const char *name;      /* dimension and coordinate variable name, e.g. "theta" */
    const char *long_name; /* CF long_name */
    const char *units;     /* CF units */
    size_t n;              /* number of cells */
    const double *centres; /* n cell centres (borrowed) */
    const double *edges;   /* n+1 faces, written as name_bnds(n, 2) (borrowed); NULL for a
                              coordinate of points, not cells (no bounds, no axis) */
} sf_nc_coord;

typedef struct {
    const char *name;      /* variable name, e.g. "tau_plus" */
    const char *long_name; /* CF long_name */
    const char *units;     /* CF units */
    size_t n_dims;         /* number of coordinates it spans (after time) */
    size_t dims[4];        /* indices into the layout's coords, slowest first */
} sf_nc_field;

typedef struct {
    const char *name;      /* time-series variable name, e.g. "risk" */
    const char *long_name; /* CF long_name */
    const char *units;     /* CF units ("1" when dimensionless) */
} sf_nc_series;

typedef enum { SF_NC_ATTR_TEXT, SF_NC_ATTR_DOUBLE, SF_NC_ATTR_INT } sf_nc_attr_type;

typedef struct {
    const char *name;     /* global attribute name */
    sf_nc_attr_type type; /* which of the members below holds the value */
    const char *text;     /* SF_NC_ATTR_TEXT value (borrowed) */
    double number;        /* SF_NC_ATTR_DOUBLE value */
    long integer;         /* SF_NC_ATTR_INT value */
} sf_nc_attr;

typedef struct {
    const char *title;          /* CF title */
    const sf_nc_coord *coords;  /* coordinates (borrowed) */
    size_t n_coords;
    const sf_nc_field *fields;  /* fields on (time, coords…) (borrowed) */
    size_t n_fields;
    const sf_nc_series *series; /* scalar time series on (time) (borrowed) */
    size_t n_series;
    const sf_nc_attr *attrs;    /* global attributes besides Conventions/title; one named
                                   "history" replaces the default (sf_nc_history(…, NULL)) */
    size_t n_attrs;
} sf_nc_layout;

/* The CF `history` line of a file written now: "YYYY-MM-DDTHH:MM:SSZ: symflow VERSION
 * (git REVISION) COMMAND" (UTC; " (git …)" only when the build knows its revision, see
 * version.h; " COMMAND" only when command is non-NULL and non-empty) into buf (cap bytes,
 * truncated to fit). Returns the length it would have had (as snprintf). */
size_t sf_nc_history(char *buf, size_t cap, const char *command);

typedef struct sf_ncw sf_ncw; /* opaque field-file writer */

/* Create a temporary beside `path` with the layout defined; nothing appears at `path` until commit.
 * The layout and its arrays are read during the call only. */
sf_status sf_ncw_create(sf_ctx *ctx, const char *path, const sf_nc_layout *layout, sf_ncw **out);

/* Append one output time: fields[f] points at the field's values (row-major over its dims),
 * series[s] is the value of time series s. Flushed to disk before returning. */
sf_status sf_ncw_append(sf_ctx *ctx, sf_ncw *w, double t, const double *const *fields,
                        const double *series);

/* Set (or overwrite) a global attribute after creation, e.g. final solver statistics. */
sf_status sf_ncw_set_attr(sf_ctx *ctx, sf_ncw *w, const sf_nc_attr *attr);

/* Close. commit = 1: rename to the final path (error if that fails); commit = 0: remove the
 * temporary file. Accepts *w == NULL. Sets *w to NULL in every case. */
sf_status sf_ncw_close(sf_ctx *ctx, sf_ncw **w, int commit);

/* A few lines describing any netCDF file symflow wrote (dimensions, variables with their
 * ranges, the key attributes, the last time's risk). *text is owned by the caller (free()).
 * A missing, truncated or foreign file is a clear SF_E_NETCDF / SF_E_IO error naming it. */
sf_status sf_nc_info(sf_ctx *ctx, const char *path, char **text);

/* ---- generic reader ------------------------------------------------------------------ */

enum {
    SF_NC_MAX_DIMS = 5,  /* time + up to 4 coordinates (sf_nc_field.dims[4]) */
    SF_NC_NAME_LEN = 64  /* longest dimension name kept, bytes including the NUL */
};

typedef struct {
    size_t ndims;                                /* number of dimensions, 0 for a scalar */
    size_t shape[SF_NC_MAX_DIMS];                /* sizes, slowest first (time first) */
    char dimnames[SF_NC_MAX_DIMS][SF_NC_NAME_LEN]; /* dimension names, same order */
    double *data;                                /* product(shape) values, row-major (owned) */
} sf_nc_array;

/* Read numeric variable `var` of `path` whole, converted to double, into *out (whose previous
 * contents are ignored; on failure *out is zeroed). Free with sf_nc_array_free.
 * Errors: SF_E_IO "f.nc: no such file"; SF_E_NETCDF "f.nc: variable risk: not found", a
 * non-numeric variable, more than SF_NC_MAX_DIMS dimensions, a file that is not netCDF. */
sf_status sf_nc_read(sf_ctx *ctx, const char *path, const char *var, sf_nc_array *out);

/* sf_nc_read, and the dimension names must be exactly `dims`, written as a comma separated
 * list slowest first ("time, neuron"; "" for a scalar); otherwise SF_E_NETCDF
 * "f.nc: variable a: dimensions (neuron, time): expected (time, neuron)". Borrowed: dims. */
sf_status sf_nc_read_expect(sf_ctx *ctx, const char *path, const char *var, const char *dims,
                            sf_nc_array *out);

/* Release a->data, zero *a. Accepts NULL and an already freed array. */
void sf_nc_array_free(sf_nc_array *a);

/* Global text attribute `name` of `path`; *out is owned by the caller (free()).
 * SF_E_NETCDF "f.nc: attribute form: not found" / "…: is numeric, expected text". */
sf_status sf_nc_read_attr_text(sf_ctx *ctx, const char *path, const char *name, char **out);

/* Global numeric attribute `name` of `path` holding exactly one value, as double. */
sf_status sf_nc_read_attr_double(sf_ctx *ctx, const char *path, const char *name, double *out);

/* ---- particle files, schema "particles-1" (MATH.md §8) ------------------------------------ */

typedef enum {
    SF_NCP_FULL,   /* b(time, neuron, dim): the whole first-layer weights */
    SF_NCP_REDUCED /* u(time, neuron, dH) = b_H in the basis of H, r(time, neuron) = |b_⊥| */
} sf_ncp_storage;

typedef struct {
    size_t m;               /* number of neurons, ≥ 1 */
    size_t d;               /* ambient input dimension, ≥ d_H */
    size_t d_H;             /* dimension of H, ≥ 1 */
    sf_ncp_storage storage; /* full b or reduced (u, r) */
    const double *basis;    /* d_H × d row-major orthonormal basis of H (borrowed), full storage
                               only; NULL means e_1 … e_{d_H}. Must be NULL when reduced. */
    double eta;             /* Euler step η in mean-field time; NaN when not applicable */
    long long seed;         /* random seed of the run */
    const char *method;     /* method name, e.g. "euler-exact", "sgd" (borrowed) */
    const char *case_text;  /* case file text, global attribute `case`, or NULL (borrowed) */
    const sf_nc_attr *attrs; /* extra global attributes (borrowed), may be NULL */
    size_t n_attrs;
} sf_particles_header;

typedef struct sf_ncp sf_ncp; /* opaque particle-file writer */

/* Create a temporary beside `path` in schema particles-1; nothing appears at `path` until commit.
 * *h and its arrays are read during the call only. *out owned: close with sf_ncp_close. */
sf_status sf_ncp_create(sf_ctx *ctx, const char *path, const sf_particles_header *h,
                        sf_ncp **out);

/* Append the state at mean-field time t (strictly greater than the previous one):
 * a[m]; full: b[m·d] neuron-major (b[i·d + j]), u = r = NULL; reduced: b = NULL,
 * u[m·d_H] neuron-major, r[m]; risk R(t). All borrowed. Non-finite values are rejected
 * (SF_E_NUMERIC, naming the array and index). Flushed to disk before returning. */
sf_status sf_ncp_append(sf_ctx *ctx, sf_ncp *w, double t, const double *a, const double *b,
                        const double *u, const double *r, double risk);

/* Close. commit = 1: rename to the final path; commit = 0: remove the temporary file.
 * Accepts *w == NULL. Sets *w to NULL in every case. */
sf_status sf_ncp_close(sf_ctx *ctx, sf_ncp **w, int commit);

/* Set (or overwrite) a global attribute after creation (complete, time_reached). */
sf_status sf_ncp_set_attr(sf_ctx *ctx, sf_ncp *w, const sf_nc_attr *attr);

typedef struct {
    size_t m, d, d_H;       /* attributes m, d, d_H (checked against the dimensions) */
    size_t n_times;         /* length of `time` */
    sf_ncp_storage storage; /* FULL if the file holds b, else REDUCED */
    double *times;          /* n_times mean-field times, increasing (owned) */
    double *a;              /* n_times × m (owned) */
    double *b;              /* n_times × m × d, FULL only, else NULL (owned) */
    double *u;              /* n_times × m × d_H, REDUCED only, else NULL (owned) */
    double *r;              /* n_times × m, REDUCED only, else NULL (owned) */
    double *risk;           /* n_times (owned) */
    double *basis;          /* d_H × d, FULL only (e_1 … e_{d_H} if the file has none) (owned) */
    double eta;             /* attribute eta, NaN if absent */
    long long seed;         /* attribute seed, 0 if absent */
    int has_seed;           /* 1 if the file has a seed attribute */
    char *method;           /* attribute method, NULL if absent (owned) */
    char *case_text;        /* attribute case, NULL if absent (owned) */
} sf_particles;

/* Load and validate a particle file (schema, variables, dimension order, sizes, finite and
 * written values, strictly increasing times) into *out (previous contents ignored; zeroed on
 * failure). Free with sf_particles_free.
 * Structural problems are SF_E_NETCDF, non-finite or unwritten values SF_E_NUMERIC; each
 * message names the file, the variable or attribute, what was seen and what was expected. */
sf_status sf_ncp_read(sf_ctx *ctx, const char *path, sf_particles *out);

/* Release everything *p owns and zero it. Accepts NULL. */
void sf_particles_free(sf_particles *p);

#endif
