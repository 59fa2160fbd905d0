/* ncio.c — the netCDF adapter (MATH.md §8): field-file writer, particle files in schema
 * "particles-1" (writer and validating reader), a generic one-variable/one-attribute reader
 * and sf_nc_info. Implements include/symflow/ncio.h.
 *
 * Every file is written under an unpredictable temporary name beside `path` (core/atomic.c:
 * O_EXCL|O_NOFOLLOW, never over a directory or special file) and renamed on commit after an
 * fsync, so a failed run leaves nothing and a killed one at worst a temporary, never a corrupt
 * `path`. Each append is flushed (nc_sync); a failure aborts the dataset (nc_abort) and
 * removes the temporary. netCDF errors are translated here once: the message carries nc_strerror, the
 * file (its final name, the one the user gave) and the variable or attribute.
 * Not here: what the fields mean (solver/), which attributes a run records (app/, solver/),
 * plotting (postproc/). This is the only file that includes <netcdf.h>.
 */
#define _POSIX_C_SOURCE 200809L

#include "symflow/ncio.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netcdf.h>

#include "nc_header.h"
#include "symflow/atomic.h"
#include "symflow/version.h"

enum {
    SF_NC_DEFLATE_LEVEL = 4,   /* zlib level, MATH.md §8 "deflate with shuffle": level 4 sits on the
                                  size plateau of smooth double fields at a fraction of 9's time */
    SF_NC_NV = 2,              /* CF cell bounds of a 1-D cell: two vertices (CF-1.8 §7.1) */
    SF_NC_INFO_TEXT_MAX = 60,  /* longest text attribute value sf_nc_info shows, bytes */
    SF_NC_INFO_VALUES_MAX = 4, /* most values of a numeric attribute sf_nc_info shows */
    SF_NC_INDEX_TEXT = 96,     /* room for a printed multi-index "[i, j, k]", bytes */
    SF_NC_COMPRESSION_MAX = 1100,  /* netCDF-4: declared bytes per stored byte, at most (zlib's
                                      ceiling is 1032:1) */
    SF_NC_SLACK = 1 << 20,         /* netCDF-4: declared bytes allowed beyond that (unwritten) */
    SF_NC_INFO_SCAN_MAX = 1 << 24, /* sf_nc_info: min/max of variables up to this many values */
    SF_NC_INFO_BLOCK = 1 << 16     /* sf_nc_info: values read per call, at most */
};

/* Integers above 2^53 are not exact in a double attribute: the largest size we accept. */
static const double SF_NC_MAX_EXACT_INT = 9007199254740992.0;

static const char SF_NC_CONVENTIONS[] = "CF-1.8";   /* MATH.md §8 */
static const char SF_NC_TIME_UNITS[] = "1";          /* not a date: xarray keeps float64 */
static const char SF_NC_TIME_LONG_NAME[] = "gradient-flow time";
/* time:axis = "T": ParaView's NetCDF reader needs it to take a 4-D field (time, a, u, r) as a
 * time series of 3-D volumes, cdo and ncview to find the time axis. No standard_name: CF's
 * standard name "time" has canonical units of a time (s); a dimensionless time ("1") is not
 * convertible to them, so the variable keeps long_name only. */
static const char SF_NC_TIME_AXIS[] = "T";
/* Axis letters of the coordinates by position: one coordinate (θ or φ, form L and compare)
 * is X; form T's (a, u, r) are X, Y, Z. No standard_name on them: CF's table has none for
 * these quantities. */
static const char SF_NC_COORD_AXES[] = "XYZ";
/* Mass left outside the view window (view_<coordinate> attributes), relative to the total,
 * half on each side of each coordinate; postproc/symflow_post/export.py VIEW_TAIL. */
static const double SF_NC_VIEW_TAIL = 1e-6;
enum { SF_NC_VIEW_DIMS = 3 }; /* most coordinates a view window spans */
static const char SF_NCP_SCHEMA[] = "particles-1";   /* MATH.md §8, documented below */

/* ---- error translation ------------------------------------------------------------------ */

static sf_status nc_fail(sf_ctx *ctx, int err, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Record SF_E_NETCDF "<formatted where>: <nc_strerror(err)>". */
static sf_status nc_fail(sf_ctx *ctx, int err, const char *file, int line, const char *fmt, ...)
{
    char where[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(where, sizeof where, fmt, ap);
    va_end(ap);
    return sf_error(ctx, SF_E_NETCDF, file, line, "%s: %s", where, nc_strerror(err));
}

/* Run a netCDF call; on failure record where (printf-style) plus nc_strerror, goto cleanup. */
#define SF_NC_TRY(ctx, call, ...)                                                   \
    do {                                                                            \
        int sf_nc_e_ = (call);                                                      \
        if (sf_nc_e_ != NC_NOERR) {                                                 \
            status = nc_fail((ctx), sf_nc_e_, __FILE__, __LINE__, __VA_ARGS__);     \
            goto cleanup;                                                           \
        }                                                                           \
    } while (0)

/* ---- temporary file, commit by rename (core/atomic.c) --------------------------------------- */

typedef struct {
    int ncid;          /* open netCDF id, -1 when closed */
    char *path;        /* final path (owned) */
    char *tmp;         /* the temporary's name (owned); NULL once finished */
    sf_atomic *atomic; /* the temporary file (owned) */
    int failed;        /* a netCDF call failed on it (full disk): HDF5 can no longer close it */
} sf_nc_tmp;

/* Create a temporary beside path (sf_atomic_open: refuses a directory or special file) and
 * open it as an empty netCDF-4 file in define mode. NC_CLOBBER reopens the file we created
 * and truncates it; HDF5 accepts an existing empty file. On failure nothing is left on disk
 * and t owns nothing. */
static sf_status tmp_create(sf_ctx *ctx, const char *path, sf_nc_tmp *t)
{
    sf_status status = SF_OK;
    t->ncid = -1;
    t->path = NULL;
    t->tmp = NULL;
    t->atomic = NULL;
    t->failed = 0;
    SF_CHECK(ctx, path && *path, SF_E_ARG, "netCDF output: empty file name");
    t->path = sf_strdup(ctx, path);
    if (!t->path) {
        status = SF_E_NOMEM;
        goto cleanup;
    }
    SF_TRY(ctx, sf_atomic_open(ctx, path, &t->atomic));
    t->tmp = sf_strdup(ctx, sf_atomic_tmp_path(t->atomic));
    if (!t->tmp) {
        status = SF_E_NOMEM;
        goto cleanup;
    }
    int e = nc_create(t->tmp, NC_NETCDF4 | NC_CLOBBER, &t->ncid);
    if (e != NC_NOERR) t->ncid = -1;
    SF_CHECK(ctx, e == NC_NOERR, SF_E_NETCDF, "%s: cannot create: %s", path, nc_strerror(e));
cleanup:
    if (status != SF_OK) {
        sf_atomic_abort(&t->atomic);
        free(t->path);
        free(t->tmp);
        t->path = NULL;
        t->tmp = NULL;
    }
    return status;
}

/* Close; commit: nc_close, then sf_atomic_commit (fsync, rename, fsync of the directory);
 * else nc_abort and remove the temporary. After a failed write (t->failed, e.g. a full disk)
 * libhdf5 1.10 can no longer close the file: nc_close and nc_abort fail or crash inside
 * H5Fclose. Then the id is left open (app/main.c leaves without HDF5's exit handler, which
 * would crash on it) and only the temporary is removed. Frees t's strings in every case. */
static sf_status tmp_finish(sf_ctx *ctx, sf_nc_tmp *t, int commit)
{
    sf_status status = SF_OK;
    if (!t->tmp) goto cleanup;
    SF_CHECK(ctx, !(commit && t->failed), SF_E_NETCDF,
             "%s: not written: an earlier netCDF call on it failed", t->path);
    if (t->ncid >= 0) {
        int e = NC_NOERR;
        if (!t->failed) e = commit ? nc_close(t->ncid) : nc_abort(t->ncid);
        t->ncid = -1;
        SF_CHECK(ctx, e == NC_NOERR || !commit, SF_E_NETCDF, "%s: cannot close: %s", t->path,
                 nc_strerror(e));
    }
    if (commit) SF_TRY(ctx, sf_atomic_commit(ctx, &t->atomic));
cleanup:
    sf_atomic_abort(&t->atomic);
    free(t->path);
    free(t->tmp);
    t->path = NULL;
    t->tmp = NULL;
    return status;
}

/* ---- attributes ----------------------------------------------------------------------------- */

/* Put text attribute `name` on varid if text is non-NULL. */
static sf_status put_text(sf_ctx *ctx, int ncid, int varid, const char *path, const char *var,
                          const char *name, const char *text)
{
    sf_status status = SF_OK;
    if (text)
        SF_NC_TRY(ctx, nc_put_att_text(ncid, varid, name, strlen(text), text),
                  "%s: %s%s%sattribute %s", path, var ? "variable " : "", var ? var : "",
                  var ? ": " : "", name);
cleanup:
    return status;
}

/* Put an integer global attribute: NC_INT when it fits, else NC_INT64. */
static sf_status put_global_int(sf_ctx *ctx, int ncid, const char *path, const char *name,
                                long long v)
{
    sf_status status = SF_OK;
    nc_type type = (v >= INT_MIN && v <= INT_MAX) ? NC_INT : NC_INT64;
    SF_NC_TRY(ctx, nc_put_att_longlong(ncid, NC_GLOBAL, name, type, 1, &v), "%s: attribute %s",
              path, name);
cleanup:
    return status;
}

/* Put one user-described global attribute. Precondition: ncid in define mode. */
static sf_status put_global_attr(sf_ctx *ctx, int ncid, const char *path, const sf_nc_attr *a)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, a && a->name && *a->name, SF_E_ARG, "%s: global attribute without a name", path);
    switch (a->type) {
    case SF_NC_ATTR_TEXT:
        SF_CHECK(ctx, a->text, SF_E_ARG, "%s: attribute %s: text value is NULL", path, a->name);
        SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, a->name, a->text));
        break;
    case SF_NC_ATTR_DOUBLE:
        SF_NC_TRY(ctx, nc_put_att_double(ncid, NC_GLOBAL, a->name, NC_DOUBLE, 1, &a->number),
                  "%s: attribute %s", path, a->name);
        break;
    case SF_NC_ATTR_INT:
        SF_TRY(ctx, put_global_int(ctx, ncid, path, a->name, a->integer));
        break;
    default:
        SF_CHECK(ctx, 0, SF_E_ARG, "%s: attribute %s: unknown type %d", path, a->name, (int)a->type);
    }
cleanup:
    return status;
}

size_t sf_nc_history(char *buf, size_t cap, const char *command)
{
    char stamp[32] = "1970-01-01T00:00:00Z";
    const time_t now = time(NULL);
    struct tm tm;
    if (now != (time_t)-1 && gmtime_r(&now, &tm)) strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *rev = SF_GIT_REVISION;
    const int has_cmd = command && *command;
    const int n = snprintf(buf, cap, "%s: symflow %s%s%s%s%s%s", stamp, SF_VERSION,
                           *rev ? " (git " : "", rev, *rev ? ")" : "", has_cmd ? " " : "",
                           has_cmd ? command : "");
    return n < 0 ? 0 : (size_t)n;
}

/* Conventions, title, history (sf_nc_history without a command; a layout attribute
 * "history" written after it replaces it). */
static sf_status put_standard_globals(sf_ctx *ctx, int ncid, const char *path, const char *title)
{
    sf_status status = SF_OK;
    SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, "Conventions", SF_NC_CONVENTIONS));
    SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, "title", title));
    char history[256];
    sf_nc_history(history, sizeof history, NULL);
    SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, "history", history));
cleanup:
    return status;
}

/* The `time` coordinate: unlimited dimension and variable, units "1", axis "T". */
static sf_status def_time(sf_ctx *ctx, int ncid, const char *path, int *dim, int *var)
{
    sf_status status = SF_OK;
    SF_NC_TRY(ctx, nc_def_dim(ncid, "time", NC_UNLIMITED, dim), "%s: dimension time", path);
    SF_NC_TRY(ctx, nc_def_var(ncid, "time", NC_DOUBLE, 1, dim, var), "%s: variable time", path);
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, "time", "units", SF_NC_TIME_UNITS));
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, "time", "long_name", SF_NC_TIME_LONG_NAME));
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, "time", "axis", SF_NC_TIME_AXIS));
cleanup:
    return status;
}

/* A double variable on (time, …) chunked (1, full sizes) and deflated with shuffle.
 * dims[0] is the time dimension; sizes[k] the length of dims[k] for k ≥ 1. */
static sf_status def_timed_var(sf_ctx *ctx, int ncid, const char *path, const char *name,
                               size_t ndims, const int *dims, const size_t *sizes,
                               const char *long_name, const char *units, int *var)
{
    sf_status status = SF_OK;
    size_t chunk[SF_NC_MAX_DIMS + 1];
    SF_NC_TRY(ctx, nc_def_var(ncid, name, NC_DOUBLE, (int)ndims, dims, var), "%s: variable %s",
              path, name);
    if (ndims > 1) {
        chunk[0] = 1;
        for (size_t k = 1; k < ndims; k++) chunk[k] = sizes[k];
        SF_NC_TRY(ctx, nc_def_var_chunking(ncid, *var, NC_CHUNKED, chunk),
                  "%s: variable %s: chunking", path, name);
        SF_NC_TRY(ctx, nc_def_var_deflate(ncid, *var, 1, 1, SF_NC_DEFLATE_LEVEL),
                  "%s: variable %s: deflate", path, name);
    }
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, name, "units", units));
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, name, "long_name", long_name));
cleanup:
    return status;
}

/* ---- field-file writer ---------------------------------------------------------------------- */

typedef struct {
    int varid;                        /* netCDF variable id */
    size_t ndims;                     /* dimensions including time */
    size_t count[SF_NC_MAX_DIMS + 1]; /* hyperslab of one time: (1, sizes…) */
    char name[NC_MAX_NAME + 1];       /* for error messages */
} sf_nc_slot;

struct sf_ncw {
    sf_nc_tmp file;      /* temporary file and final path */
    size_t n_times;      /* times appended so far */
    double last_t;       /* last time appended */
    int time_var;        /* `time` variable id */
    size_t n_fields;     /* number of fields */
    sf_nc_slot *fields;  /* n_fields (owned) */
    size_t n_series;     /* number of time series */
    sf_nc_slot *series;  /* n_series (owned) */
    /* View window (field 0 on the first 2 or 3 coordinates, in order: form T's density):
     * per coordinate its name, edges and the marginal of |field 0|·cell volume at the last
     * time appended; written at commit as view_<name> = [lo, hi]. view_dims 0: none. */
    size_t view_dims;
    size_t view_n[SF_NC_VIEW_DIMS];
    char view_name[SF_NC_VIEW_DIMS][NC_MAX_NAME + 1];
    double *view_edges[SF_NC_VIEW_DIMS]; /* view_n + 1 each (owned) */
    double *view_marg[SF_NC_VIEW_DIMS];  /* view_n each (owned) */
};

/* The view window of a 3-D (or 2-D) field: the marginals of its mass at the last time. */
static void view_free(sf_ncw *w)
{
    for (size_t k = 0; k < SF_NC_VIEW_DIMS; k++) {
        free(w->view_edges[k]);
        free(w->view_marg[k]);
        w->view_edges[k] = w->view_marg[k] = NULL;
    }
    w->view_dims = 0;
}

/* Keep what the window needs if the layout has one (see struct sf_ncw). */
static sf_status view_init(sf_ctx *ctx, sf_ncw *w, const sf_nc_layout *L)
{
    sf_status status = SF_OK;
    const size_t nd = L->n_fields > 0 ? L->fields[0].n_dims : 0; /* coordinates 0 … nd−1 */
    if (nd < 2 || nd > SF_NC_VIEW_DIMS || nd > L->n_coords) return SF_OK;
    for (size_t k = 0; k < nd; k++)
        if (L->fields[0].dims[k] != k || !L->coords[k].edges) return SF_OK;
    for (size_t k = 0; k < nd; k++) {
        const sf_nc_coord *co = &L->coords[k];
        w->view_n[k] = co->n;
        snprintf(w->view_name[k], sizeof w->view_name[k], "%s", co->name);
        SF_ALLOC(ctx, w->view_edges[k], co->n + 1);
        SF_ALLOC(ctx, w->view_marg[k], co->n);
        memcpy(w->view_edges[k], co->edges, (co->n + 1) * sizeof(double));
    }
    w->view_dims = nd;
cleanup:
    if (status != SF_OK) view_free(w);
    return status;
}

/* The marginals of |v|·volume of one appended field 0 (row-major, last coordinate fastest). */
static void view_observe(sf_ncw *w, const double *v)
{
    const size_t nd = w->view_dims;
    size_t n[SF_NC_VIEW_DIMS] = {1, 1, 1};
    for (size_t k = 0; k < nd; k++) {
        n[k] = w->view_n[k];
        memset(w->view_marg[k], 0, n[k] * sizeof(double));
    }
    size_t idx[SF_NC_VIEW_DIMS] = {0, 0, 0};
    const size_t total = n[0] * n[1] * n[2];
    for (size_t c = 0; c < total; c++) {
        double m = fabs(v[c]);
        for (size_t k = 0; k < nd; k++) m *= w->view_edges[k][idx[k] + 1] - w->view_edges[k][idx[k]];
        for (size_t k = 0; k < nd; k++) w->view_marg[k][idx[k]] += m;
        for (size_t k = nd; k-- > 0;) { /* next index, last coordinate fastest */
            if (++idx[k] < n[k]) break;
            idx[k] = 0;
        }
    }
}

/* view_<name> = [lo, hi] for each coordinate: the faces of the cells between the tails that
 * hold at most SF_NC_VIEW_TAIL/2 of the mass each, at the last time appended. Nothing when
 * no time was appended or the mass is zero or not finite. Precondition: define mode. */
static sf_status view_put(sf_ctx *ctx, const sf_ncw *w)
{
    sf_status status = SF_OK;
    if (w->view_dims == 0 || w->n_times == 0) return SF_OK;
    double mass = 0;
    for (size_t i = 0; i < w->view_n[0]; i++) mass += w->view_marg[0][i];
    if (!isfinite(mass) || mass <= 0) return SF_OK;
    const double cut = 0.5 * SF_NC_VIEW_TAIL * mass;
    for (size_t k = 0; k < w->view_dims; k++) {
        const size_t n = w->view_n[k];
        size_t lo = 0, hi = n;
        double below = 0, above = 0;
        while (lo < n && below + w->view_marg[k][lo] <= cut) below += w->view_marg[k][lo++];
        while (hi > 0 && above + w->view_marg[k][hi - 1] <= cut) above += w->view_marg[k][--hi];
        if (lo >= hi) lo = 0, hi = n;
        const double win[2] = {w->view_edges[k][lo], w->view_edges[k][hi]};
        char name[NC_MAX_NAME + 8];
        snprintf(name, sizeof name, "view_%s", w->view_name[k]);
        SF_NC_TRY(ctx, nc_put_att_double(w->file.ncid, NC_GLOBAL, name, NC_DOUBLE, 2, win),
                  "%s: attribute %s", w->file.path, name);
    }
cleanup:
    return status;
}

/* Names, sizes and indices of a layout; the arrays it points to. */
static sf_status check_layout(sf_ctx *ctx, const char *path, const sf_nc_layout *L)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, L->n_coords == 0 || L->coords, SF_E_ARG, "%s: layout: coords is NULL", path);
    SF_CHECK(ctx, L->n_fields == 0 || L->fields, SF_E_ARG, "%s: layout: fields is NULL", path);
    SF_CHECK(ctx, L->n_series == 0 || L->series, SF_E_ARG, "%s: layout: series is NULL", path);
    SF_CHECK(ctx, L->n_attrs == 0 || L->attrs, SF_E_ARG, "%s: layout: attrs is NULL", path);
    for (size_t c = 0; c < L->n_coords; c++) {
        const sf_nc_coord *co = &L->coords[c];
        SF_CHECK(ctx, co->name && *co->name, SF_E_ARG, "%s: layout: coordinate %zu has no name",
                 path, c);
        SF_CHECK(ctx, strcmp(co->name, "time") != 0 && strcmp(co->name, "nv") != 0, SF_E_ARG,
                 "%s: layout: coordinate name '%s' is reserved", path, co->name);
        SF_CHECK(ctx, co->n >= 1, SF_E_ARG, "%s: coordinate %s: n = 0: expected ≥ 1 cell", path,
                 co->name);
        SF_CHECK(ctx, co->centres, SF_E_ARG, "%s: coordinate %s: centres is NULL", path,
                 co->name);
    }
    for (size_t f = 0; f < L->n_fields; f++) {
        const sf_nc_field *fi = &L->fields[f];
        SF_CHECK(ctx, fi->name && *fi->name, SF_E_ARG, "%s: layout: field %zu has no name", path,
                 f);
        SF_CHECK(ctx, fi->n_dims <= SF_NC_MAX_DIMS - 1, SF_E_ARG,
                 "%s: field %s: n_dims = %zu: expected ≤ %d", path, fi->name, fi->n_dims,
                 SF_NC_MAX_DIMS - 1);
        for (size_t k = 0; k < fi->n_dims; k++)
            SF_CHECK(ctx, fi->dims[k] < L->n_coords, SF_E_ARG,
                     "%s: field %s: dims[%zu] = %zu: expected a coordinate index < %zu", path,
                     fi->name, k, fi->dims[k], L->n_coords);
    }
    for (size_t s = 0; s < L->n_series; s++)
        SF_CHECK(ctx, L->series[s].name && *L->series[s].name, SF_E_ARG,
                 "%s: layout: series %zu has no name", path, s);
cleanup:
    return status;
}

/* One coordinate: dimension, coordinate variable with bounds and (when non-NULL) axis
 * attributes, name_bnds(name, nv); a coordinate without edges (points such as the probe
 * lines of form L, not cells) gets neither bounds nor axis (*bnds_var = -1).
 * Writes nothing yet (data go in after enddef). */
static sf_status def_coord(sf_ctx *ctx, int ncid, const char *path, const sf_nc_coord *co,
                           const char *axis, int nv_dim, int *dim, int *var, int *bnds_var)
{
    sf_status status = SF_OK;
    char bnds[NC_MAX_NAME + 8];
    snprintf(bnds, sizeof bnds, "%s_bnds", co->name);
    SF_NC_TRY(ctx, nc_def_dim(ncid, co->name, co->n, dim), "%s: dimension %s", path, co->name);
    SF_NC_TRY(ctx, nc_def_var(ncid, co->name, NC_DOUBLE, 1, dim, var), "%s: variable %s", path,
              co->name);
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, co->name, "units", co->units));
    SF_TRY(ctx, put_text(ctx, ncid, *var, path, co->name, "long_name", co->long_name));
    *bnds_var = -1;
    if (co->edges) {
        SF_TRY(ctx, put_text(ctx, ncid, *var, path, co->name, "bounds", bnds));
        SF_TRY(ctx, put_text(ctx, ncid, *var, path, co->name, "axis", axis));
        int bdims[2] = {*dim, nv_dim};
        SF_NC_TRY(ctx, nc_def_var(ncid, bnds, NC_DOUBLE, 2, bdims, bnds_var),
                  "%s: variable %s", path, bnds);
    }
cleanup:
    return status;
}

/* Write a coordinate's centres and its bounds (edges[i], edges[i+1]). */
static sf_status put_coord(sf_ctx *ctx, int ncid, const char *path, const sf_nc_coord *co,
                           int var, int bnds_var)
{
    sf_status status = SF_OK;
    double *b = NULL;
    SF_NC_TRY(ctx, nc_put_var_double(ncid, var, co->centres), "%s: variable %s", path, co->name);
    if (bnds_var < 0) goto cleanup; /* points, no cells */
    SF_ALLOC(ctx, b, SF_NC_NV * co->n);
    for (size_t i = 0; i < co->n; i++) {
        b[SF_NC_NV * i] = co->edges[i];
        b[SF_NC_NV * i + 1] = co->edges[i + 1];
    }
    SF_NC_TRY(ctx, nc_put_var_double(ncid, bnds_var, b), "%s: variable %s_bnds", path, co->name);
cleanup:
    free(b);
    return status;
}

sf_status sf_ncw_create(sf_ctx *ctx, const char *path, const sf_nc_layout *layout, sf_ncw **out)
{
    sf_status status = SF_OK;
    sf_ncw *w = NULL;
    int *cdim = NULL, *cvar = NULL, *cbnds = NULL;
    SF_CHECK(ctx, out && layout, SF_E_ARG, "sf_ncw_create: layout or output pointer is NULL");
    *out = NULL;
    SF_CHECK(ctx, path && *path, SF_E_ARG, "netCDF output: empty file name");
    SF_TRY(ctx, check_layout(ctx, path, layout));

    SF_ALLOC(ctx, w, 1);
    w->file.ncid = -1;
    w->n_fields = layout->n_fields;
    w->n_series = layout->n_series;
    SF_ALLOC(ctx, w->fields, layout->n_fields);
    SF_ALLOC(ctx, w->series, layout->n_series);
    SF_ALLOC(ctx, cdim, layout->n_coords);
    SF_ALLOC(ctx, cvar, layout->n_coords);
    SF_ALLOC(ctx, cbnds, layout->n_coords);
    SF_TRY(ctx, tmp_create(ctx, path, &w->file));
    int ncid = w->file.ncid;

    int time_dim, nv_dim;
    SF_TRY(ctx, def_time(ctx, ncid, path, &time_dim, &w->time_var));
    if (layout->n_coords > 0)
        SF_NC_TRY(ctx, nc_def_dim(ncid, "nv", SF_NC_NV, &nv_dim), "%s: dimension nv", path);
    size_t n_cells = 0, letter = 0; /* axis letters go to the coordinates with cells */
    for (size_t c = 0; c < layout->n_coords; c++) n_cells += layout->coords[c].edges != NULL;
    for (size_t c = 0; c < layout->n_coords; c++) {
        const int cells = layout->coords[c].edges != NULL;
        char axis[2] = {cells && n_cells <= sizeof SF_NC_COORD_AXES - 1
                            ? SF_NC_COORD_AXES[letter] : '\0', '\0'};
        letter += (size_t)cells;
        SF_TRY(ctx, def_coord(ctx, ncid, path, &layout->coords[c], axis[0] ? axis : NULL,
                              nv_dim, &cdim[c], &cvar[c], &cbnds[c]));
    }
    for (size_t f = 0; f < layout->n_fields; f++) {
        const sf_nc_field *fi = &layout->fields[f];
        sf_nc_slot *sl = &w->fields[f];
        int dims[SF_NC_MAX_DIMS + 1];
        snprintf(sl->name, sizeof sl->name, "%s", fi->name);
        sl->ndims = fi->n_dims + 1;
        dims[0] = time_dim;
        sl->count[0] = 1;
        for (size_t k = 0; k < fi->n_dims; k++) {
            dims[k + 1] = cdim[fi->dims[k]];
            sl->count[k + 1] = layout->coords[fi->dims[k]].n;
        }
        SF_TRY(ctx, def_timed_var(ctx, ncid, path, fi->name, sl->ndims, dims, sl->count,
                                  fi->long_name, fi->units, &sl->varid));
    }
    for (size_t s = 0; s < layout->n_series; s++) {
        const sf_nc_series *se = &layout->series[s];
        sf_nc_slot *sl = &w->series[s];
        snprintf(sl->name, sizeof sl->name, "%s", se->name);
        sl->ndims = 1;
        sl->count[0] = 1;
        SF_TRY(ctx, def_timed_var(ctx, ncid, path, se->name, 1, &time_dim, sl->count,
                                  se->long_name, se->units, &sl->varid));
    }
    SF_TRY(ctx, view_init(ctx, w, layout));
    SF_TRY(ctx, put_standard_globals(ctx, ncid, path, layout->title));
    for (size_t a = 0; a < layout->n_attrs; a++)
        SF_TRY(ctx, put_global_attr(ctx, ncid, path, &layout->attrs[a]));
    SF_NC_TRY(ctx, nc_enddef(ncid), "%s: end of definitions", path);
    for (size_t c = 0; c < layout->n_coords; c++)
        SF_TRY(ctx, put_coord(ctx, ncid, path, &layout->coords[c], cvar[c], cbnds[c]));
    SF_NC_TRY(ctx, nc_sync(ncid), "%s: flush", path);
    *out = w;
    w = NULL;
cleanup:
    free(cdim);
    free(cvar);
    free(cbnds);
    if (w) {
        if (status == SF_E_NETCDF) w->file.failed = 1;
        tmp_finish(ctx, &w->file, 0);
        view_free(w);
        free(w->fields);
        free(w->series);
        free(w);
    }
    return status;
}

sf_status sf_ncw_append(sf_ctx *ctx, sf_ncw *w, double t, const double *const *fields,
                        const double *series)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, w && w->file.tmp, SF_E_ARG, "sf_ncw_append: writer is NULL or closed");
    const char *path = w->file.path;
    int ncid = w->file.ncid;
    SF_CHECK(ctx, w->n_fields == 0 || fields, SF_E_ARG, "%s: append: fields is NULL", path);
    SF_CHECK(ctx, w->n_series == 0 || series, SF_E_ARG, "%s: append: series is NULL", path);
    SF_CHECK(ctx, isfinite(t) && (w->n_times == 0 || t > w->last_t), SF_E_ARG,
             "%s: append: t = %g: expected a finite time after the previous one (%g)", path, t,
             w->n_times ? w->last_t : -INFINITY);
    size_t start[SF_NC_MAX_DIMS + 1] = {w->n_times};
    SF_NC_TRY(ctx, nc_put_var1_double(ncid, w->time_var, start, &t), "%s: variable time", path);
    for (size_t f = 0; f < w->n_fields; f++) {
        SF_CHECK(ctx, fields[f], SF_E_ARG, "%s: append: field %s is NULL", path,
                 w->fields[f].name);
        SF_NC_TRY(ctx, nc_put_vara_double(ncid, w->fields[f].varid, start, w->fields[f].count,
                                          fields[f]),
                  "%s: variable %s", path, w->fields[f].name);
    }
    for (size_t s = 0; s < w->n_series; s++)
        SF_NC_TRY(ctx, nc_put_var1_double(ncid, w->series[s].varid, start, &series[s]),
                  "%s: variable %s", path, w->series[s].name);
    SF_NC_TRY(ctx, nc_sync(ncid), "%s: flush", path);
    if (w->view_dims) view_observe(w, fields[0]);
    w->n_times++;
    w->last_t = t;
cleanup:
    if (w && status == SF_E_NETCDF) w->file.failed = 1;
    return status;
}

/* A global attribute of an open temporary after creation (either writer). */
static sf_status tmp_set_attr(sf_ctx *ctx, sf_nc_tmp *f, const sf_nc_attr *attr)
{
    sf_status status = SF_OK;
    int in_define = 0;
    SF_NC_TRY(ctx, nc_redef(f->ncid), "%s: attribute %s", f->path, attr->name ? attr->name : "?");
    in_define = 1;
    SF_TRY(ctx, put_global_attr(ctx, f->ncid, f->path, attr));
    in_define = 0;
    SF_NC_TRY(ctx, nc_enddef(f->ncid), "%s: attribute %s", f->path, attr->name);
    SF_NC_TRY(ctx, nc_sync(f->ncid), "%s: flush", f->path);
cleanup:
    if (in_define) nc_enddef(f->ncid);
    if (status == SF_E_NETCDF) f->failed = 1;
    return status;
}

sf_status sf_ncw_set_attr(sf_ctx *ctx, sf_ncw *w, const sf_nc_attr *attr)
{
    if (!w || !w->file.tmp || !attr)
        return sf_error(ctx, SF_E_ARG, __FILE__, __LINE__,
                        "sf_ncw_set_attr: writer (or attribute) is NULL or closed");
    return tmp_set_attr(ctx, &w->file, attr);
}

sf_status sf_ncw_close(sf_ctx *ctx, sf_ncw **w, int commit)
{
    sf_status status = SF_OK;
    if (!w || !*w) return SF_OK;
    if (commit && (*w)->view_dims && (*w)->n_times > 0 && (*w)->file.tmp && !(*w)->file.failed) {
        sf_ncw *x = *w;
        SF_NC_TRY(ctx, nc_redef(x->file.ncid), "%s: view window", x->file.path);
        status = view_put(ctx, x);
        SF_NC_TRY(ctx, nc_enddef(x->file.ncid), "%s: view window", x->file.path);
        SF_TRY(ctx, status);
    }
    SF_TRY(ctx, tmp_finish(ctx, &(*w)->file, commit));
cleanup:
    if (status != SF_OK && *w && (*w)->file.tmp) { /* the window failed: nothing committed */
        if (status == SF_E_NETCDF) (*w)->file.failed = 1;
        tmp_finish(ctx, &(*w)->file, 0);
    }
    view_free(*w);
    free((*w)->fields);
    free((*w)->series);
    free(*w);
    *w = NULL;
    return status;
}

/* ---- generic reader ------------------------------------------------------------------------- */

/* Open an existing file read-only, after nc_header.c has looked at its first bytes (CDF-5
 * refused, classic headers walked and bounded: see there for why). *bytes (may be NULL) gets
 * the file size. Missing → SF_E_IO "no such file"; not netCDF or truncated → SF_E_NETCDF
 * with nc_strerror. */
static sf_status open_read(sf_ctx *ctx, const char *path, int *ncid, uint64_t *bytes)
{
    sf_status status = SF_OK;
    sf_nc_kind kind;
    uint64_t size;
    *ncid = -1;
    SF_CHECK(ctx, path && *path, SF_E_ARG, "netCDF input: empty file name");
    SF_TRY(ctx, sf_nc_header_check(ctx, path, &kind, &size));
    if (bytes) *bytes = size;
    int e = nc_open(path, NC_NOWRITE, ncid);
    if (e != NC_NOERR) {
        *ncid = -1;
        SF_CHECK(ctx, 0, SF_E_NETCDF, "%s: cannot open as netCDF (not netCDF, or truncated): %s",
                 path, nc_strerror(e));
    }
cleanup:
    return status;
}

/* Bytes a variable may declare in a file of `bytes` bytes. Classic formats store every value
 * (NC3 close pads the file to its computed size): the data must fit in the file. NetCDF-4
 * compresses: allow zlib's best ratio (1032:1, constant data) with margin, plus SF_NC_SLACK
 * for small unwritten variables (fill values take no chunk). Above: the file lies about its
 * sizes, and reading it would allocate or scan gigabytes (issue 14). */
static uint64_t declared_max(int format, uint64_t bytes)
{
    if (format != NC_FORMAT_NETCDF4 && format != NC_FORMAT_NETCDF4_CLASSIC) return bytes;
    return bytes > (UINT64_MAX - SF_NC_SLACK) / SF_NC_COMPRESSION_MAX
               ? UINT64_MAX
               : bytes * SF_NC_COMPRESSION_MAX + SF_NC_SLACK;
}

/* nc_type → bytes per value (0 for types we do not read as numbers). */
static size_t nc_type_bytes(nc_type t)
{
    switch (t) {
    case NC_BYTE: case NC_UBYTE: case NC_CHAR: return 1;
    case NC_SHORT: case NC_USHORT: return 2;
    case NC_INT: case NC_UINT: case NC_FLOAT: return 4;
    case NC_DOUBLE: case NC_INT64: case NC_UINT64: return 8;
    default: return 0;
    }
}

/* *n = product of the lengths of variable varid's dimensions (SIZE_MAX on overflow) and
 * *ok = whether n values of its type fit the file (declared_max). Reads the header only. */
static sf_status declared_values(sf_ctx *ctx, int ncid, const char *path, int varid,
                                 uint64_t bytes, size_t *n, int *ok)
{
    sf_status status = SF_OK;
    int ndims, format, dimids[NC_MAX_VAR_DIMS];
    nc_type type;
    *n = 1;
    *ok = 0;
    SF_NC_TRY(ctx, nc_inq_format(ncid, &format), "%s", path);
    SF_NC_TRY(ctx, nc_inq_var(ncid, varid, NULL, &type, &ndims, NULL, NULL), "%s: variable %d",
              path, varid);
    SF_CHECK(ctx, ndims >= 0 && ndims <= NC_MAX_VAR_DIMS, SF_E_NETCDF,
             "%s: variable %d: %d dimensions: expected 0 … %d", path, varid, ndims,
             NC_MAX_VAR_DIMS);
    SF_NC_TRY(ctx, nc_inq_vardimid(ncid, varid, dimids), "%s: variable %d", path, varid);
    for (int k = 0; k < ndims; k++) {
        size_t len;
        SF_NC_TRY(ctx, nc_inq_dimlen(ncid, dimids[k], &len), "%s: variable %d", path, varid);
        *n = (len && *n > SIZE_MAX / len) ? SIZE_MAX : *n * len;
    }
    uint64_t size = nc_type_bytes(type) ? nc_type_bytes(type) : 1;
    *ok = *n != SIZE_MAX && (uint64_t)*n <= declared_max(format, bytes) / size;
cleanup:
    return status;
}

static int is_numeric(nc_type t)
{
    return (t >= NC_BYTE && t <= NC_UINT64 && t != NC_CHAR);
}

/* Copy s without blanks into out (cap bytes). */
static void strip_blanks(const char *s, char *out, size_t cap)
{
    size_t j = 0;
    for (; *s && j + 1 < cap; s++)
        if (*s != ' ' && *s != '\t') out[j++] = *s;
    out[j] = '\0';
}

/* Read numeric variable `var` whole as double. If expect is non-NULL the dimension names must
 * be exactly that list ("time, neuron"). On failure *out is zeroed. */
static sf_status read_var(sf_ctx *ctx, int ncid, const char *path, uint64_t bytes,
                          const char *var, const char *expect, sf_nc_array *out)
{
    sf_status status = SF_OK;
    int varid, ndims, dimids[SF_NC_MAX_DIMS];
    nc_type type;
    char seen[SF_NC_MAX_DIMS * (NC_MAX_NAME + 2) + 3] = "(";
    memset(out, 0, sizeof *out);
    SF_CHECK(ctx, var && *var, SF_E_ARG, "%s: variable name is empty", path);
    int e = nc_inq_varid(ncid, var, &varid);
    SF_CHECK(ctx, e != NC_ENOTVAR, SF_E_NETCDF, "%s: variable %s: not found", path, var);
    SF_NC_TRY(ctx, e, "%s: variable %s", path, var);
    SF_NC_TRY(ctx, nc_inq_vartype(ncid, varid, &type), "%s: variable %s", path, var);
    SF_CHECK(ctx, is_numeric(type), SF_E_NETCDF, "%s: variable %s: not numeric (type %d)", path,
             var, (int)type);
    SF_NC_TRY(ctx, nc_inq_varndims(ncid, varid, &ndims), "%s: variable %s", path, var);
    SF_CHECK(ctx, ndims <= SF_NC_MAX_DIMS, SF_E_NETCDF,
             "%s: variable %s: %d dimensions: expected at most %d", path, var, ndims,
             SF_NC_MAX_DIMS);
    SF_NC_TRY(ctx, nc_inq_vardimid(ncid, varid, dimids), "%s: variable %s", path, var);
    size_t total = 1, used = 1;
    out->ndims = (size_t)ndims;
    for (int k = 0; k < ndims; k++) {
        char name[NC_MAX_NAME + 1]; /* libnetcdf's bound; classic names checked in nc_header.c */
        SF_NC_TRY(ctx, nc_inq_dim(ncid, dimids[k], name, &out->shape[k]), "%s: variable %s", path,
                  var);
        name[NC_MAX_NAME] = '\0';
        size_t keep = strnlen(name, SF_NC_NAME_LEN - 1); /* longer names are cut */
        memcpy(out->dimnames[k], name, keep);
        out->dimnames[k][keep] = '\0';
        int w = snprintf(seen + used, sizeof seen - used, "%s%.*s", k ? ", " : "", NC_MAX_NAME,
                         name);
        used += (w > 0 && (size_t)w < sizeof seen - used) ? (size_t)w : 0;
        SF_CHECK(ctx, out->shape[k] == 0 || total <= SIZE_MAX / out->shape[k], SF_E_NOMEM,
                 "%s: variable %s: too large to read", path, var);
        total *= out->shape[k];
    }
    snprintf(seen + used, sizeof seen - used, ")");
    if (expect) {
        char a[sizeof seen], b[sizeof seen];
        strip_blanks(seen, a, sizeof a);
        snprintf(b, sizeof b, "(%s)", expect);
        char want[sizeof seen];
        strip_blanks(b, want, sizeof want);
        SF_CHECK(ctx, strcmp(a, want) == 0, SF_E_NETCDF, "%s: variable %s: dimensions %s: expected (%s)",
                 path, var, seen, expect);
    }
    size_t declared;
    int fits;
    SF_TRY(ctx, declared_values(ctx, ncid, path, varid, bytes, &declared, &fits));
    SF_CHECK(ctx, fits, SF_E_NETCDF,
             "%s: variable %s: dimensions %s declare %zu values, more than a file of %llu bytes "
             "can hold: expected a consistent header", path, var, seen, total,
             (unsigned long long)bytes);
    SF_ALLOC(ctx, out->data, total);
    if (total > 0)
        SF_NC_TRY(ctx, nc_get_var_double(ncid, varid, out->data), "%s: variable %s", path, var);
cleanup:
    if (status != SF_OK) sf_nc_array_free(out);
    return status;
}

void sf_nc_array_free(sf_nc_array *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

sf_status sf_nc_read_expect(sf_ctx *ctx, const char *path, const char *var, const char *dims,
                            sf_nc_array *out)
{
    sf_status status = SF_OK;
    int ncid = -1;
    SF_CHECK(ctx, out, SF_E_ARG, "sf_nc_read: output array is NULL");
    memset(out, 0, sizeof *out);
    uint64_t bytes = 0;
    SF_TRY(ctx, open_read(ctx, path, &ncid, &bytes));
    SF_TRY(ctx, read_var(ctx, ncid, path, bytes, var, dims, out));
cleanup:
    if (ncid >= 0) nc_close(ncid);
    return status;
}

sf_status sf_nc_read(sf_ctx *ctx, const char *path, const char *var, sf_nc_array *out)
{
    return sf_nc_read_expect(ctx, path, var, NULL, out);
}

/* Global text attribute; absent: error if required, else *out = NULL. NC_CHAR or a single
 * NC_STRING. *out owned by the caller. */
static sf_status att_text(sf_ctx *ctx, int ncid, const char *path, const char *name,
                          int required, char **out)
{
    sf_status status = SF_OK;
    nc_type type;
    size_t len;
    char *s = NULL;
    char *strs[1] = {NULL};
    *out = NULL;
    int e = nc_inq_att(ncid, NC_GLOBAL, name, &type, &len);
    if (e == NC_ENOTATT && !required) goto cleanup;
    SF_CHECK(ctx, e != NC_ENOTATT, SF_E_NETCDF, "%s: attribute %s: not found", path, name);
    SF_NC_TRY(ctx, e, "%s: attribute %s", path, name);
    if (type == NC_STRING) {
        SF_CHECK(ctx, len == 1, SF_E_NETCDF, "%s: attribute %s: %zu strings: expected one", path,
                 name, len);
        SF_NC_TRY(ctx, nc_get_att_string(ncid, NC_GLOBAL, name, strs), "%s: attribute %s", path,
                  name);
        s = sf_strdup(ctx, strs[0] ? strs[0] : "");
        if (!s) {
            status = SF_E_NOMEM;
            goto cleanup;
        }
    } else {
        SF_CHECK(ctx, type == NC_CHAR, SF_E_NETCDF, "%s: attribute %s: is numeric, expected text",
                 path, name);
        SF_ALLOC(ctx, s, len + 1);
        SF_NC_TRY(ctx, nc_get_att_text(ncid, NC_GLOBAL, name, s), "%s: attribute %s", path, name);
    }
    *out = s;
    s = NULL;
cleanup:
    if (strs[0]) nc_free_string(1, strs);
    free(s);
    return status;
}

/* Global numeric attribute with one value; absent: error if required, else *found = 0. */
static sf_status att_double(sf_ctx *ctx, int ncid, const char *path, const char *name,
                            int required, double *out, int *found)
{
    sf_status status = SF_OK;
    nc_type type;
    size_t len;
    if (found) *found = 0;
    int e = nc_inq_att(ncid, NC_GLOBAL, name, &type, &len);
    if (e == NC_ENOTATT && !required) goto cleanup;
    SF_CHECK(ctx, e != NC_ENOTATT, SF_E_NETCDF, "%s: attribute %s: not found", path, name);
    SF_NC_TRY(ctx, e, "%s: attribute %s", path, name);
    SF_CHECK(ctx, is_numeric(type), SF_E_NETCDF, "%s: attribute %s: is text, expected a number",
             path, name);
    SF_CHECK(ctx, len == 1, SF_E_NETCDF, "%s: attribute %s: %zu values: expected one", path, name,
             len);
    SF_NC_TRY(ctx, nc_get_att_double(ncid, NC_GLOBAL, name, out), "%s: attribute %s", path, name);
    if (found) *found = 1;
cleanup:
    return status;
}

sf_status sf_nc_read_attr_text(sf_ctx *ctx, const char *path, const char *name, char **out)
{
    sf_status status = SF_OK;
    int ncid = -1;
    SF_CHECK(ctx, out && name, SF_E_ARG, "sf_nc_read_attr_text: name or output is NULL");
    *out = NULL;
    SF_TRY(ctx, open_read(ctx, path, &ncid, NULL));
    SF_TRY(ctx, att_text(ctx, ncid, path, name, 1, out));
cleanup:
    if (ncid >= 0) nc_close(ncid);
    return status;
}

sf_status sf_nc_read_attr_double(sf_ctx *ctx, const char *path, const char *name, double *out)
{
    sf_status status = SF_OK;
    int ncid = -1;
    SF_CHECK(ctx, out && name, SF_E_ARG, "sf_nc_read_attr_double: name or output is NULL");
    SF_TRY(ctx, open_read(ctx, path, &ncid, NULL));
    SF_TRY(ctx, att_double(ctx, ncid, path, name, 1, out, NULL));
cleanup:
    if (ncid >= 0) nc_close(ncid);
    return status;
}

/* ---- sf_nc_info ------------------------------------------------------------------------------ */

typedef struct {
    char *buf;  /* NUL-terminated text (owned) */
    size_t len; /* strlen(buf) */
    size_t cap; /* bytes allocated */
} sf_text;

static sf_status text_add(sf_ctx *ctx, sf_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Append printf-formatted text, growing the buffer through sf_alloc. */
static sf_status text_add(sf_ctx *ctx, sf_text *t, const char *fmt, ...)
{
    sf_status status = SF_OK;
    char *grown = NULL;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    SF_CHECK(ctx, need >= 0, SF_E_ARG, "sf_nc_info: bad format");
    if (t->len + (size_t)need + 1 > t->cap) {
        size_t cap = 2 * t->cap + (size_t)need + 256;
        SF_ALLOC(ctx, grown, cap);
        if (t->buf) memcpy(grown, t->buf, t->len + 1);
        free(t->buf);
        t->buf = grown;
        t->cap = cap;
        grown = NULL;
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)need;
cleanup:
    return status;
}

/* "name = value" of a global attribute: text quoted, first line, at most SF_NC_INFO_TEXT_MAX
 * bytes; numbers: up to SF_NC_INFO_VALUES_MAX values. */
static sf_status info_attr(sf_ctx *ctx, sf_text *t, int ncid, const char *path, const char *name)
{
    sf_status status = SF_OK;
    char *s = NULL;
    double *v = NULL;
    nc_type type;
    size_t len;
    SF_NC_TRY(ctx, nc_inq_att(ncid, NC_GLOBAL, name, &type, &len), "%s: attribute %s", path, name);
    if (type == NC_CHAR || type == NC_STRING) {
        SF_TRY(ctx, att_text(ctx, ncid, path, name, 1, &s));
        size_t n = strcspn(s, "\n");
        int cut = n > SF_NC_INFO_TEXT_MAX || s[n] != '\0';
        if (n > SF_NC_INFO_TEXT_MAX) n = SF_NC_INFO_TEXT_MAX;
        SF_TRY(ctx, text_add(ctx, t, "  %s = \"%.*s\"%s\n", name, (int)n, s, cut ? " …" : ""));
    } else if (is_numeric(type)) {
        SF_ALLOC(ctx, v, len);
        SF_NC_TRY(ctx, nc_get_att_double(ncid, NC_GLOBAL, name, v), "%s: attribute %s", path,
                  name);
        SF_TRY(ctx, text_add(ctx, t, "  %s =", name));
        for (size_t i = 0; i < len && i < SF_NC_INFO_VALUES_MAX; i++)
            SF_TRY(ctx, text_add(ctx, t, "%s %.10g", i ? "," : "", v[i]));
        SF_TRY(ctx, text_add(ctx, t, "%s\n", len > SF_NC_INFO_VALUES_MAX ? ", …" : ""));
    }
cleanup:
    free(s);
    free(v);
    return status;
}

/* "  name(d1, d2): min …, max …", read SF_NC_INFO_BLOCK values at most per call, whole slabs
 * of the slowest dimension (or parts of one). Variables of more than SF_NC_INFO_SCAN_MAX
 * values, or declaring more than the file can hold (declared_values), are not read: info
 * reads headers and small variables only, so a 6 KB file declaring 10⁹ values returns at
 * once (issue 14). */
static sf_status info_var(sf_ctx *ctx, sf_text *t, int ncid, const char *path, uint64_t bytes,
                          int varid)
{
    sf_status status = SF_OK;
    double *block = NULL;
    char name[NC_MAX_NAME + 1], dname[NC_MAX_NAME + 1];
    int ndims, dimids[NC_MAX_VAR_DIMS];
    nc_type type;
    size_t shape[NC_MAX_VAR_DIMS];
    SF_NC_TRY(ctx, nc_inq_varndims(ncid, varid, &ndims), "%s: variable %d", path, varid);
    SF_CHECK(ctx, ndims >= 0 && ndims <= NC_MAX_VAR_DIMS, SF_E_NETCDF,
             "%s: variable %d: %d dimensions: expected 0 … %d", path, varid, ndims,
             NC_MAX_VAR_DIMS);
    SF_NC_TRY(ctx, nc_inq_var(ncid, varid, name, &type, &ndims, dimids, NULL),
              "%s: variable %d", path, varid);
    name[NC_MAX_NAME] = '\0';
    SF_TRY(ctx, text_add(ctx, t, "  %.*s(", NC_MAX_NAME, name));
    for (int k = 0; k < ndims; k++) {
        SF_NC_TRY(ctx, nc_inq_dim(ncid, dimids[k], dname, &shape[k]), "%s: variable %s", path,
                  name);
        dname[NC_MAX_NAME] = '\0';
        SF_TRY(ctx, text_add(ctx, t, "%s%.*s", k ? ", " : "", NC_MAX_NAME, dname));
    }
    SF_TRY(ctx, text_add(ctx, t, ")"));
    if (!is_numeric(type)) {
        SF_TRY(ctx, text_add(ctx, t, ": text\n"));
        goto cleanup;
    }
    size_t total;
    int fits;
    SF_TRY(ctx, declared_values(ctx, ncid, path, varid, bytes, &total, &fits));
    if (!fits) {
        SF_TRY(ctx, text_add(ctx, t, ": declares %s%zu values, more than a file of %llu bytes "
                             "holds: not read\n", total == SIZE_MAX ? "over " : "", total,
                             (unsigned long long)bytes));
        goto cleanup;
    }
    if (total > SF_NC_INFO_SCAN_MAX) {
        SF_TRY(ctx, text_add(ctx, t, ": %zu values, not scanned\n", total));
        goto cleanup;
    }
    int no_fill = 1;
    double fill = NAN;
    if (type == NC_DOUBLE) nc_inq_var_fill(ncid, varid, &no_fill, &fill);
    /* Read `rows` slabs of the slowest dimension per call, or one slab in pieces of the
     * next one; total ≤ SF_NC_INFO_SCAN_MAX bounds the number of calls either way. */
    size_t start[NC_MAX_VAR_DIMS] = {0}, count[NC_MAX_VAR_DIMS];
    for (int k = 0; k < ndims; k++) count[k] = shape[k];
    size_t per_slab = 1;
    for (int k = 1; k < ndims; k++) per_slab *= shape[k];
    size_t block_n = total < SF_NC_INFO_BLOCK ? total : SF_NC_INFO_BLOCK;
    if (per_slab > block_n) block_n = per_slab; /* ≤ total ≤ SF_NC_INFO_SCAN_MAX */
    double lo = INFINITY, hi = -INFINITY;
    size_t n_nan = 0, n_fill = 0, n_val = 0;
    if (total > 0) SF_ALLOC(ctx, block, block_n);
    size_t rows = ndims > 0 && per_slab > 0 ? block_n / per_slab : 1;
    size_t n_rows = ndims > 0 ? shape[0] : 1;
    for (size_t s = 0; total > 0 && s < n_rows; s += rows) {
        if (ndims > 0) {
            start[0] = s;
            count[0] = n_rows - s < rows ? n_rows - s : rows;
        }
        SF_NC_TRY(ctx, nc_get_vara_double(ncid, varid, start, count, block), "%s: variable %s",
                  path, name);
        size_t n = ndims > 0 ? count[0] * per_slab : 1;
        for (size_t i = 0; i < n; i++) {
            double x = block[i];
            if (isnan(x)) {
                n_nan++;
            } else if (!no_fill && x == fill) {
                n_fill++;
            } else {
                n_val++;
                lo = x < lo ? x : lo;
                hi = x > hi ? x : hi;
            }
        }
    }
    if (n_val)
        SF_TRY(ctx, text_add(ctx, t, ": min %.6g, max %.6g", lo, hi));
    else
        SF_TRY(ctx, text_add(ctx, t, ": no values"));
    if (n_nan) SF_TRY(ctx, text_add(ctx, t, ", %zu NaN", n_nan));
    if (n_fill) SF_TRY(ctx, text_add(ctx, t, ", %zu unwritten", n_fill));
    SF_TRY(ctx, text_add(ctx, t, "\n"));
cleanup:
    free(block);
    return status;
}

sf_status sf_nc_info(sf_ctx *ctx, const char *path, char **text)
{
    /* Global attributes worth a line, in this order (the lead's "key" list plus particles'). */
    static const char *const key_attrs[] = {"title", "symflow_schema", "form",   "target",
                                            "input", "start",          "group",  "d",
                                            "d_H",   "k",              "scheme", "m",
                                            "method", "eta",           "seed",   "history"};
    sf_status status = SF_OK;
    sf_text t = {0};
    char *kind = NULL;
    int ncid = -1, format, ndims, nvars, unlim;
    uint64_t bytes;
    SF_CHECK(ctx, text, SF_E_ARG, "sf_nc_info: output pointer is NULL");
    *text = NULL;
    SF_TRY(ctx, open_read(ctx, path, &ncid, &bytes));
    SF_NC_TRY(ctx, nc_inq_format(ncid, &format), "%s", path);
    SF_NC_TRY(ctx, nc_inq(ncid, &ndims, &nvars, NULL, &unlim), "%s", path);
    SF_TRY(ctx, text_add(ctx, &t, "file: %s (%s)\n", path,
                         format == NC_FORMAT_NETCDF4         ? "netCDF-4"
                         : format == NC_FORMAT_NETCDF4_CLASSIC ? "netCDF-4 classic model"
                         : format == NC_FORMAT_CLASSIC         ? "netCDF classic"
                                                               : "netCDF 64-bit"));
    SF_TRY(ctx, att_text(ctx, ncid, path, "symflow_kind", 0, &kind));
    if (kind) SF_TRY(ctx, text_add(ctx, &t, "kind: %s\n", kind));

    SF_TRY(ctx, text_add(ctx, &t, "dimensions:"));
    size_t n_times = 0;
    int has_time = 0;
    for (int dimid = 0; dimid < ndims; dimid++) {
        char dname[NC_MAX_NAME + 1];
        size_t len;
        SF_NC_TRY(ctx, nc_inq_dim(ncid, dimid, dname, &len), "%s: dimension %d", path, dimid);
        dname[NC_MAX_NAME] = '\0';
        SF_TRY(ctx, text_add(ctx, &t, "%s %.*s = %zu%s", dimid ? "," : "", NC_MAX_NAME, dname, len,
                             dimid == unlim ? " (unlimited)" : ""));
        if (strcmp(dname, "time") == 0) {
            has_time = 1;
            n_times = len;
        }
    }
    SF_TRY(ctx, text_add(ctx, &t, "\nvariables:\n"));
    for (int varid = 0; varid < nvars; varid++) SF_TRY(ctx, info_var(ctx, &t, ncid, path, bytes, varid));

    SF_TRY(ctx, text_add(ctx, &t, "attributes:\n"));
    for (size_t i = 0; i < sizeof key_attrs / sizeof key_attrs[0]; i++) {
        int attid;
        if (nc_inq_attid(ncid, NC_GLOBAL, key_attrs[i], &attid) == NC_NOERR)
            SF_TRY(ctx, info_attr(ctx, &t, ncid, path, key_attrs[i]));
    }
    if (has_time) {
        SF_TRY(ctx, text_add(ctx, &t, "times: %zu", n_times));
        int risk_var, time_var, rnd;
        if (n_times > 0 && nc_inq_varid(ncid, "risk", &risk_var) == NC_NOERR &&
            nc_inq_varndims(ncid, risk_var, &rnd) == NC_NOERR && rnd == 1) {
            size_t last = n_times - 1;
            double risk, tl = NAN;
            SF_NC_TRY(ctx, nc_get_var1_double(ncid, risk_var, &last, &risk), "%s: variable risk",
                      path);
            if (nc_inq_varid(ncid, "time", &time_var) == NC_NOERR)
                SF_NC_TRY(ctx, nc_get_var1_double(ncid, time_var, &last, &tl),
                          "%s: variable time", path);
            SF_TRY(ctx, text_add(ctx, &t, ", last risk %.10g at t = %.10g", risk, tl));
        }
        SF_TRY(ctx, text_add(ctx, &t, "\n"));
    }
    *text = t.buf;
    t.buf = NULL;
cleanup:
    if (ncid >= 0) nc_close(ncid);
    free(kind);
    free(t.buf);
    return status;
}

/* ---- particle files -------------------------------------------------------------------------
 *
 * Schema "particles-1" (MATH.md §8): the state of a width-m network
 * f(x) = (1/m) Σᵢ aᵢ σ(⟨bᵢ, x⟩) at a sequence of mean-field times. NetCDF-4 or classic
 * (CDF-1, CDF-2; CDF-5 is refused), any writer; symflow validates every file it reads.
 *
 *   global attributes
 *     symflow_schema = "particles-1"   required, exactly this text
 *     Conventions    = "CF-1.8"        recommended
 *     m, d, d_H                        required, positive integers (any numeric type),
 *                                      m = len(neuron), d = len(dim) when b is stored,
 *                                      d_H = len(dH) when dH exists, d_H ≤ d
 *     eta                              optional double: the Euler step η (SGD learning rate
 *                                      m·η on the loss of f), NaN if not applicable
 *     seed                             optional integer
 *     method, case_text                optional text: how the run was made, the case file
 *   dimensions
 *     time   (unlimited)   neuron = m   dim = d (full files)   dH = d_H
 *   variables (any numeric type, read as double; dimension order exactly as written here)
 *     time(time)                 mean-field time t = k·η, strictly increasing, units "1"
 *     a(time, neuron)            output weights aᵢ
 *     b(time, neuron, dim)       input weights bᵢ (full files), or instead, for large d:
 *     u(time, neuron, dH)        bᵢ's coordinates in the basis of H, and
 *     r(time, neuron)            |bᵢ − its projection on H|
 *     risk(time)                 the population risk R(t), or an estimate of it
 *     basis(dH, dim)             optional, full files: orthonormal rows spanning H;
 *                                absent means e_1 … e_{d_H}
 *   a, b or u and r, risk and time must be finite and fully written (no fill values).
 *
 * Writing one from PyTorch (netCDF4-python), for a model kept in mean-field form,
 * a: tensor (m,), b: tensor (m, d), f(x) = torch.relu(x @ b.T) @ a / m, trained by SGD on
 * ½(f − y)² with learning rate m·eta (so step k is mean-field time k·eta):
 *
 *     import netCDF4, numpy as np
 *     m, d = b.shape; d_H = 1
 *     nc = netCDF4.Dataset("run.nc", "w", format="NETCDF4")
 *     for name, size in [("time", None), ("neuron", m), ("dim", d), ("dH", d_H)]:
 *         nc.createDimension(name, size)
 *     nc.createVariable("time", "f8", ("time",)).units = "1"
 *     nc.createVariable("a", "f8", ("time", "neuron"))
 *     nc.createVariable("b", "f8", ("time", "neuron", "dim"))
 *     nc.createVariable("risk", "f8", ("time",))
 *     nc.createVariable("basis", "f8", ("dH", "dim"))[:] = np.eye(d_H, d)
 *     nc.setncatts(dict(symflow_schema="particles-1", Conventions="CF-1.8", m=m, d=d,
 *                       d_H=d_H, eta=eta, seed=seed, method="sgd-pytorch"))
 *     def record(k, a, b, risk):          # call at each output step k
 *         i = len(nc.dimensions["time"])
 *         nc["time"][i] = k * eta
 *         nc["a"][i, :] = a.detach().cpu().numpy()
 *         nc["b"][i, :, :] = b.detach().cpu().numpy()
 *         nc["risk"][i] = float(risk)
 *     ...                                 # train, calling record(k, a, b, risk)
 *     nc.close()
 */

struct sf_ncp {
    sf_nc_tmp file;          /* temporary file and final path */
    size_t m, d, d_H;        /* sizes */
    sf_ncp_storage storage;  /* full b or reduced (u, r) */
    size_t n_times;          /* times appended so far */
    double last_t;           /* last time appended */
    int time_var, a_var, b_var, u_var, r_var, risk_var; /* variable ids (-1 if absent) */
};

sf_status sf_ncp_create(sf_ctx *ctx, const char *path, const sf_particles_header *h,
                        sf_ncp **out)
{
    sf_status status = SF_OK;
    sf_ncp *w = NULL;
    double *basis = NULL;
    SF_CHECK(ctx, out && h, SF_E_ARG, "sf_ncp_create: header or output pointer is NULL");
    *out = NULL;
    SF_CHECK(ctx, path && *path, SF_E_ARG, "netCDF output: empty file name");
    SF_CHECK(ctx, h->m >= 1, SF_E_ARG, "%s: m = 0: expected ≥ 1 neuron", path);
    SF_CHECK(ctx, h->d_H >= 1 && h->d_H <= h->d, SF_E_ARG,
             "%s: d_H = %zu, d = %zu: expected 1 ≤ d_H ≤ d", path, h->d_H, h->d);
    SF_CHECK(ctx, h->storage == SF_NCP_FULL || h->storage == SF_NCP_REDUCED, SF_E_ARG,
             "%s: storage = %d: expected SF_NCP_FULL or SF_NCP_REDUCED", path, (int)h->storage);
    SF_CHECK(ctx, h->storage == SF_NCP_FULL || !h->basis, SF_E_ARG,
             "%s: a reduced particle file stores u in the basis of H, not the basis itself: "
             "expected basis = NULL",
             path);
    SF_CHECK(ctx, h->n_attrs == 0 || h->attrs, SF_E_ARG, "%s: header: attrs is NULL", path);

    SF_ALLOC(ctx, w, 1);
    w->file.ncid = -1;
    w->m = h->m;
    w->d = h->d;
    w->d_H = h->d_H;
    w->storage = h->storage;
    w->b_var = w->u_var = w->r_var = -1;
    SF_TRY(ctx, tmp_create(ctx, path, &w->file));
    int ncid = w->file.ncid;

    int time_dim, neuron_dim, dim_dim = -1, dh_dim, basis_var = -1;
    SF_TRY(ctx, def_time(ctx, ncid, path, &time_dim, &w->time_var));
    SF_NC_TRY(ctx, nc_def_dim(ncid, "neuron", h->m, &neuron_dim), "%s: dimension neuron", path);
    if (h->storage == SF_NCP_FULL)
        SF_NC_TRY(ctx, nc_def_dim(ncid, "dim", h->d, &dim_dim), "%s: dimension dim", path);
    SF_NC_TRY(ctx, nc_def_dim(ncid, "dH", h->d_H, &dh_dim), "%s: dimension dH", path);

    int dims[3] = {time_dim, neuron_dim, -1};
    size_t sizes[3] = {1, h->m, 0};
    SF_TRY(ctx, def_timed_var(ctx, ncid, path, "a", 2, dims, sizes, "output weight a_i", "1",
                              &w->a_var));
    if (h->storage == SF_NCP_FULL) {
        dims[2] = dim_dim;
        sizes[2] = h->d;
        SF_TRY(ctx, def_timed_var(ctx, ncid, path, "b", 3, dims, sizes, "input weights b_i", "1",
                                  &w->b_var));
        int bdims[2] = {dh_dim, dim_dim};
        SF_NC_TRY(ctx, nc_def_var(ncid, "basis", NC_DOUBLE, 2, bdims, &basis_var),
                  "%s: variable basis", path);
        SF_TRY(ctx, put_text(ctx, ncid, basis_var, path, "basis", "long_name",
                             "orthonormal basis of H, one vector per row"));
    } else {
        dims[2] = dh_dim;
        sizes[2] = h->d_H;
        SF_TRY(ctx, def_timed_var(ctx, ncid, path, "u", 3, dims, sizes,
                                  "component of b_i in H, in the basis of H", "1", &w->u_var));
        SF_TRY(ctx, def_timed_var(ctx, ncid, path, "r", 2, dims, sizes,
                                  "norm of the component of b_i orthogonal to H", "1",
                                  &w->r_var));
    }
    SF_TRY(ctx, def_timed_var(ctx, ncid, path, "risk", 1, &time_dim, sizes, "population risk R",
                              "1", &w->risk_var));

    SF_TRY(ctx, put_standard_globals(ctx, ncid, path, "symflow particles"));
    SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, "symflow_schema", SF_NCP_SCHEMA));
    SF_TRY(ctx, put_global_int(ctx, ncid, path, "d", (long long)h->d));
    SF_TRY(ctx, put_global_int(ctx, ncid, path, "d_H", (long long)h->d_H));
    SF_TRY(ctx, put_global_int(ctx, ncid, path, "m", (long long)h->m));
    SF_NC_TRY(ctx, nc_put_att_double(ncid, NC_GLOBAL, "eta", NC_DOUBLE, 1, &h->eta),
              "%s: attribute eta", path);
    SF_NC_TRY(ctx, nc_put_att_longlong(ncid, NC_GLOBAL, "seed", NC_INT64, 1, &h->seed),
              "%s: attribute seed", path);
    SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, "method", h->method));
    SF_TRY(ctx, put_text(ctx, ncid, NC_GLOBAL, path, NULL, "case_text", h->case_text));
    for (size_t i = 0; i < h->n_attrs; i++)
        SF_TRY(ctx, put_global_attr(ctx, ncid, path, &h->attrs[i]));
    SF_NC_TRY(ctx, nc_enddef(ncid), "%s: end of definitions", path);

    if (h->storage == SF_NCP_FULL) {
        const double *src = h->basis;
        if (!src) {
            SF_ALLOC(ctx, basis, h->d_H * h->d);
            for (size_t k = 0; k < h->d_H; k++) basis[k * h->d + k] = 1.0;
            src = basis;
        }
        SF_NC_TRY(ctx, nc_put_var_double(ncid, basis_var, src), "%s: variable basis", path);
    }
    SF_NC_TRY(ctx, nc_sync(ncid), "%s: flush", path);
    *out = w;
    w = NULL;
cleanup:
    free(basis);
    if (w) {
        if (status == SF_E_NETCDF) w->file.failed = 1;
        tmp_finish(ctx, &w->file, 0);
        free(w);
    }
    return status;
}

/* "[i]" or "[i, j, …]" of flat index `flat` in an array of the given shape; "" for a scalar. */
static void format_index(char *buf, size_t cap, size_t flat, const size_t *shape, size_t ndims)
{
    size_t idx[SF_NC_MAX_DIMS] = {0};
    buf[0] = '\0';
    if (ndims == 0) return;
    for (size_t k = ndims; k-- > 0;) {
        idx[k] = shape[k] ? flat % shape[k] : 0;
        flat = shape[k] ? flat / shape[k] : 0;
    }
    size_t used = (size_t)snprintf(buf, cap, "[");
    for (size_t k = 0; k < ndims && used < cap; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%zu", k ? ", " : "", idx[k]);
    if (used < cap) snprintf(buf + used, cap - used, "]");
}

/* First non-finite entry of x[n] (shape for the message), as SF_E_NUMERIC naming `what`. */
static sf_status check_finite(sf_ctx *ctx, const char *path, const char *context,
                              const char *what, const double *x, const size_t *shape,
                              size_t ndims)
{
    sf_status status = SF_OK;
    size_t n = 1;
    for (size_t k = 0; k < ndims; k++) n *= shape[k];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            char idx[SF_NC_INDEX_TEXT];
            format_index(idx, sizeof idx, i, shape, ndims);
            SF_CHECK(ctx, 0, SF_E_NUMERIC, "%s: %s%s%s = %g: expected finite values", path,
                     context, what, idx, x[i]);
        }
    }
cleanup:
    return status;
}

sf_status sf_ncp_append(sf_ctx *ctx, sf_ncp *w, double t, const double *a, const double *b,
                        const double *u, const double *r, double risk)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, w && w->file.tmp, SF_E_ARG, "sf_ncp_append: writer is NULL or closed");
    const char *path = w->file.path;
    int ncid = w->file.ncid;
    char context[96];
    snprintf(context, sizeof context, "append at t = %g: ", t);
    SF_CHECK(ctx, isfinite(t) && (w->n_times == 0 || t > w->last_t), SF_E_ARG,
             "%s: append: t = %g: expected a finite time after the previous one (%g)", path, t,
             w->n_times ? w->last_t : -INFINITY);
    SF_CHECK(ctx, a, SF_E_ARG, "%s: %sa is NULL", path, context);
    if (w->storage == SF_NCP_FULL)
        SF_CHECK(ctx, b && !u && !r, SF_E_ARG,
                 "%s: %sa full particle file takes b, not u and r", path, context);
    else
        SF_CHECK(ctx, !b && u && r, SF_E_ARG,
                 "%s: %sa reduced particle file takes u and r, not b", path, context);
    size_t shape_a[1] = {w->m}, shape_b[2] = {w->m, w->d}, shape_u[2] = {w->m, w->d_H};
    SF_TRY(ctx, check_finite(ctx, path, context, "a", a, shape_a, 1));
    if (b) SF_TRY(ctx, check_finite(ctx, path, context, "b", b, shape_b, 2));
    if (u) SF_TRY(ctx, check_finite(ctx, path, context, "u", u, shape_u, 2));
    if (r) SF_TRY(ctx, check_finite(ctx, path, context, "r", r, shape_a, 1));
    SF_TRY(ctx, check_finite(ctx, path, context, "risk", &risk, shape_a, 0));

    size_t start[3] = {w->n_times, 0, 0};
    size_t count_a[2] = {1, w->m}, count_b[3] = {1, w->m, w->d}, count_u[3] = {1, w->m, w->d_H};
    SF_NC_TRY(ctx, nc_put_var1_double(ncid, w->time_var, start, &t), "%s: variable time", path);
    SF_NC_TRY(ctx, nc_put_vara_double(ncid, w->a_var, start, count_a, a), "%s: variable a",
              path);
    if (b)
        SF_NC_TRY(ctx, nc_put_vara_double(ncid, w->b_var, start, count_b, b), "%s: variable b",
                  path);
    if (u) {
        SF_NC_TRY(ctx, nc_put_vara_double(ncid, w->u_var, start, count_u, u), "%s: variable u",
                  path);
        SF_NC_TRY(ctx, nc_put_vara_double(ncid, w->r_var, start, count_a, r), "%s: variable r",
                  path);
    }
    SF_NC_TRY(ctx, nc_put_var1_double(ncid, w->risk_var, start, &risk), "%s: variable risk",
              path);
    SF_NC_TRY(ctx, nc_sync(ncid), "%s: flush", path);
    w->n_times++;
    w->last_t = t;
cleanup:
    if (w && status == SF_E_NETCDF) w->file.failed = 1;
    return status;
}

sf_status sf_ncp_close(sf_ctx *ctx, sf_ncp **w, int commit)
{
    sf_status status = SF_OK;
    if (!w || !*w) return SF_OK;
    SF_TRY(ctx, tmp_finish(ctx, &(*w)->file, commit));
cleanup:
    free(*w);
    *w = NULL;
    return status;
}

/* A global attribute after creation (complete, time_reached), as sf_ncw_set_attr. */
sf_status sf_ncp_set_attr(sf_ctx *ctx, sf_ncp *w, const sf_nc_attr *attr)
{
    if (!w || !w->file.tmp || !attr)
        return sf_error(ctx, SF_E_ARG, __FILE__, __LINE__,
                        "sf_ncp_set_attr: writer (or attribute) is NULL or closed");
    return tmp_set_attr(ctx, &w->file, attr);
}

/* Size attribute: a positive integer ≤ 2^53. */
static sf_status att_size(sf_ctx *ctx, int ncid, const char *path, const char *name, size_t *out)
{
    sf_status status = SF_OK;
    double v;
    SF_TRY(ctx, att_double(ctx, ncid, path, name, 1, &v, NULL));
    SF_CHECK(ctx, v >= 1 && v <= SF_NC_MAX_EXACT_INT && v == floor(v), SF_E_NETCDF,
             "%s: attribute %s = %g: expected a positive integer", path, name, v);
    *out = (size_t)v;
cleanup:
    return status;
}

/* Length of dimension `dim` must equal the attribute `attr` = want. */
static sf_status check_dim(sf_ctx *ctx, int ncid, const char *path, const char *dim,
                           const char *attr, size_t want, int required)
{
    sf_status status = SF_OK;
    int dimid;
    size_t len;
    int e = nc_inq_dimid(ncid, dim, &dimid);
    if (e == NC_EBADDIM && !required) goto cleanup;
    SF_CHECK(ctx, e != NC_EBADDIM, SF_E_NETCDF, "%s: dimension %s: not found", path, dim);
    SF_NC_TRY(ctx, e, "%s: dimension %s", path, dim);
    SF_NC_TRY(ctx, nc_inq_dimlen(ncid, dimid, &len), "%s: dimension %s", path, dim);
    SF_CHECK(ctx, len == want, SF_E_NETCDF, "%s: dimension %s = %zu: expected %s = %zu (attribute)",
             path, dim, len, attr, want);
cleanup:
    return status;
}

/* Read a particle variable with the schema's dimension order, then reject non-finite values
 * and values equal to the variable's fill value (never written). Takes the data into *data. */
static sf_status read_checked(sf_ctx *ctx, int ncid, const char *path, uint64_t bytes,
                              const char *var, const char *dims, double **data)
{
    sf_status status = SF_OK;
    sf_nc_array arr = {0};
    SF_TRY(ctx, read_var(ctx, ncid, path, bytes, var, dims, &arr));
    char context[NC_MAX_NAME + 16];
    snprintf(context, sizeof context, "variable %s: ", var);
    SF_TRY(ctx, check_finite(ctx, path, context, var, arr.data, arr.shape, arr.ndims));
    int varid, no_fill = 1;
    nc_type type;
    double fill = NAN;
    if (nc_inq_varid(ncid, var, &varid) == NC_NOERR &&
        nc_inq_vartype(ncid, varid, &type) == NC_NOERR && type == NC_DOUBLE)
        nc_inq_var_fill(ncid, varid, &no_fill, &fill);
    size_t n = 1;
    for (size_t k = 0; k < arr.ndims; k++) n *= arr.shape[k];
    for (size_t i = 0; i < n && !no_fill; i++) {
        if (arr.data[i] == fill) {
            char idx[SF_NC_INDEX_TEXT];
            format_index(idx, sizeof idx, i, arr.shape, arr.ndims);
            SF_CHECK(ctx, 0, SF_E_NUMERIC,
                     "%s: variable %s: %s%s holds the fill value %g: never written", path, var,
                     var, idx, fill);
        }
    }
    *data = arr.data;
    arr.data = NULL;
cleanup:
    sf_nc_array_free(&arr);
    return status;
}

sf_status sf_ncp_read(sf_ctx *ctx, const char *path, sf_particles *out)
{
    sf_status status = SF_OK;
    int ncid = -1, varid, found, time_dim;
    uint64_t bytes;
    char *schema = NULL;
    SF_CHECK(ctx, out, SF_E_ARG, "sf_ncp_read: output is NULL");
    memset(out, 0, sizeof *out);
    out->eta = NAN;
    SF_TRY(ctx, open_read(ctx, path, &ncid, &bytes));

    SF_TRY(ctx, att_text(ctx, ncid, path, "symflow_schema", 0, &schema));
    SF_CHECK(ctx, schema, SF_E_NETCDF,
             "%s: attribute symflow_schema: not found: expected '%s' (not a particle file?)",
             path, SF_NCP_SCHEMA);
    SF_CHECK(ctx, strcmp(schema, SF_NCP_SCHEMA) == 0, SF_E_NETCDF,
             "%s: symflow_schema = '%s': expected '%s'", path, schema, SF_NCP_SCHEMA);
    SF_TRY(ctx, att_size(ctx, ncid, path, "m", &out->m));
    SF_TRY(ctx, att_size(ctx, ncid, path, "d", &out->d));
    SF_TRY(ctx, att_size(ctx, ncid, path, "d_H", &out->d_H));
    SF_CHECK(ctx, out->d_H <= out->d, SF_E_NETCDF,
             "%s: attributes d_H = %zu, d = %zu: expected d_H ≤ d", path, out->d_H, out->d);

    int has_b = nc_inq_varid(ncid, "b", &varid) == NC_NOERR;
    int has_u = nc_inq_varid(ncid, "u", &varid) == NC_NOERR;
    SF_CHECK(ctx, has_b || has_u, SF_E_NETCDF,
             "%s: variable b: not found (a reduced file has u and r instead; neither is here)",
             path);
    out->storage = has_b ? SF_NCP_FULL : SF_NCP_REDUCED;
    SF_TRY(ctx, check_dim(ctx, ncid, path, "neuron", "m", out->m, 1));
    SF_TRY(ctx, check_dim(ctx, ncid, path, "dH", "d_H", out->d_H, !has_b));
    if (has_b) SF_TRY(ctx, check_dim(ctx, ncid, path, "dim", "d", out->d, 1));

    SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "time", "time", &out->times));
    SF_NC_TRY(ctx, nc_inq_dimid(ncid, "time", &time_dim), "%s: dimension time", path);
    SF_NC_TRY(ctx, nc_inq_dimlen(ncid, time_dim, &out->n_times), "%s: dimension time", path);
    for (size_t i = 1; i < out->n_times; i++)
        SF_CHECK(ctx, out->times[i] > out->times[i - 1], SF_E_NETCDF,
                 "%s: variable time: time[%zu] = %g after time[%zu] = %g: expected increasing",
                 path, i, out->times[i], i - 1, out->times[i - 1]);

    SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "a", "time, neuron", &out->a));
    if (has_b) {
        SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "b", "time, neuron, dim", &out->b));
        if (nc_inq_varid(ncid, "basis", &varid) == NC_NOERR) {
            SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "basis", "dH, dim", &out->basis));
        } else {
            /* e_1 … e_{d_H}: d_H × d doubles made here, bounded like any stored variable */
            SF_CHECK(ctx, out->d <= declared_max(NC_FORMAT_NETCDF4, bytes) / 8 / out->d_H,
                     SF_E_NETCDF,
                     "%s: attributes d_H = %zu, d = %zu: a %zu × %zu basis is more than a file "
                     "of %llu bytes can describe", path, out->d_H, out->d, out->d_H, out->d,
                     (unsigned long long)bytes);
            SF_ALLOC(ctx, out->basis, out->d_H * out->d);
            for (size_t k = 0; k < out->d_H; k++) out->basis[k * out->d + k] = 1.0;
        }
    } else {
        SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "u", "time, neuron, dH", &out->u));
        SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "r", "time, neuron", &out->r));
    }
    SF_TRY(ctx, read_checked(ctx, ncid, path, bytes, "risk", "time", &out->risk));

    SF_TRY(ctx, att_double(ctx, ncid, path, "eta", 0, &out->eta, &found));
    if (!found) out->eta = NAN;
    if (nc_inq_att(ncid, NC_GLOBAL, "seed", NULL, NULL) == NC_NOERR) {
        SF_NC_TRY(ctx, nc_get_att_longlong(ncid, NC_GLOBAL, "seed", &out->seed),
                  "%s: attribute seed", path);
        out->has_seed = 1;
    }
    SF_TRY(ctx, att_text(ctx, ncid, path, "method", 0, &out->method));
    SF_TRY(ctx, att_text(ctx, ncid, path, "case_text", 0, &out->case_text));
cleanup:
    if (ncid >= 0) nc_close(ncid);
    free(schema);
    if (status != SF_OK && out) sf_particles_free(out);
    return status;
}

void sf_particles_free(sf_particles *p)
{
    if (!p) return;
    free(p->times);
    free(p->a);
    free(p->b);
    free(p->u);
    free(p->r);
    free(p->risk);
    free(p->basis);
    free(p->method);
    free(p->case_text);
    memset(p, 0, sizeof *p);
}
