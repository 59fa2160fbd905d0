/* ncio.h — netCDF output and inspection (MATH.md §8), the only netCDF adapter's interface.
 *
 * A field file is described by a layout (coordinates, fields on them, time series, global
 * attributes) and written one output time at a time; it lives under a temporary name until
 * sf_ncw_close(..., commit = 1) renames it, so a failed run never leaves a corrupt file.
 * Conventions: CF-1.8, `time` unlimited with units "1", coordinate variables with units,
 * long_name and `*_bnds`, fields chunked (1, …) and deflated with shuffle.
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
    const double *edges;   /* n+1 faces, written as name_bnds(n, 2) (borrowed) */
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
    const sf_nc_attr *attrs;    /* global attributes besides Conventions/title/history */
    size_t n_attrs;
} sf_nc_layout;

typedef struct sf_ncw sf_ncw; /* opaque field-file writer */

/* Create `path`.tmp.<pid> with the layout defined; nothing appears at `path` until commit.
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

#endif
