/* nc_header.c — checks a netCDF file before libnetcdf parses it (issue 14).
 *
 * libnetcdf 4.9.0 trusts the classic header: a negative or huge dimension length, count or
 * name length makes nc_open or the first read hang, allocate gigabytes or crash (exits 134,
 * 136, 139 seen with crafted CDF-5 files), and nc_inq_dim copies a name of any length into
 * the caller's NC_MAX_NAME + 1 buffer. Decision:
 *   - CDF-5 ("CDF\x05") is refused outright: symflow never writes it, the particle schema
 *     (ncio.c) admits netCDF-4 or classic, and the crashes were in its 64-bit count paths.
 *     Users convert with `nccopy -k nc4 in.nc out.nc`.
 *   - CDF-1 and CDF-2 (written by scipy.io.netcdf, xarray's scipy engine, old tools) are
 *     admitted after this file has walked their header itself, with every field bounded
 *     (the NetCDF Classic Format Specification of the netCDF-C documentation).
 *   - netCDF-4 (HDF5) headers are a B-tree format that we cannot re-validate here; they go
 *     to libnetcdf, whose HDF5 layer bounds names by NC_MAX_NAME; ncio.c then checks every
 *     declared size against the file size before it reads or allocates.
 * Not here: data, sizes against the file (ncio.c), anything that needs <netcdf.h>.
 */
#define _POSIX_C_SOURCE 200809L /* fseeko */

#include "nc_header.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum {
    TAG_DIMENSION = 0x0A,
    TAG_VARIABLE = 0x0B,
    TAG_ATTRIBUTE = 0x0C,
    MAX_VAR_DIMS = 1024, /* NC_MAX_VAR_DIMS */
    MAX_TYPE = 6         /* NC_DOUBLE: the classic types are 1 … 6 */
};

typedef struct {
    sf_ctx *ctx;
    const char *path;
    FILE *f;
    uint64_t pos, size; /* bytes read so far, file size */
    int off8;           /* CDF-2: 8-byte variable offsets */
} reader;

/* Room for n more header bytes? */
static sf_status need(reader *r, uint64_t n, const char *what)
{
    sf_status status = SF_OK;
    SF_CHECK(r->ctx, n <= r->size - r->pos, SF_E_NETCDF,
             "%s: classic netCDF header, byte %llu: %s needs %llu bytes, the file has %llu left",
             r->path, (unsigned long long)r->pos, what, (unsigned long long)n,
             (unsigned long long)(r->size - r->pos));
cleanup:
    return status;
}

static sf_status get_bytes(reader *r, void *buf, size_t n, const char *what)
{
    sf_status status = SF_OK;
    SF_TRY(r->ctx, need(r, n, what));
    SF_CHECK(r->ctx, fread(buf, 1, n, r->f) == n, SF_E_IO, "%s: read error at byte %llu",
             r->path, (unsigned long long)r->pos);
    r->pos += n;
cleanup:
    return status;
}

static sf_status skip(reader *r, uint64_t n, const char *what)
{
    sf_status status = SF_OK;
    SF_TRY(r->ctx, need(r, n, what));
    SF_CHECK(r->ctx, fseeko(r->f, (off_t)n, SEEK_CUR) == 0, SF_E_IO,
             "%s: seek error at byte %llu", r->path, (unsigned long long)r->pos);
    r->pos += n;
cleanup:
    return status;
}

/* Big-endian 32-bit word, as unsigned. */
static sf_status get_u32(reader *r, uint32_t *v, const char *what)
{
    sf_status status = SF_OK;
    unsigned char b[4];
    SF_TRY(r->ctx, get_bytes(r, b, 4, what));
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
cleanup:
    return status;
}

/* NON_NEG: a 32-bit count in [0, 2^31 − 1]. */
static sf_status get_count(reader *r, uint32_t *v, const char *what)
{
    sf_status status = SF_OK;
    uint64_t at = r->pos;
    SF_TRY(r->ctx, get_u32(r, v, what));
    SF_CHECK(r->ctx, *v <= 0x7fffffffu, SF_E_NETCDF,
             "%s: classic netCDF header, byte %llu: %s = %ld: expected ≥ 0", r->path,
             (unsigned long long)at, what, (long)(int32_t)*v);
cleanup:
    return status;
}

/* name = count, bytes, zero padding to 4; 1 … SF_NC_HEADER_MAX_NAME bytes, no NUL or '/'. */
static sf_status get_name(reader *r, char *name, const char *what)
{
    sf_status status = SF_OK;
    uint32_t n;
    uint64_t at = r->pos;
    name[0] = '\0';
    SF_TRY(r->ctx, get_count(r, &n, what));
    SF_CHECK(r->ctx, n >= 1 && n <= SF_NC_HEADER_MAX_NAME, SF_E_NETCDF,
             "%s: classic netCDF header, byte %llu: %s: name of %lu bytes: expected 1 … %d",
             r->path, (unsigned long long)at, what, (unsigned long)n, SF_NC_HEADER_MAX_NAME);
    SF_TRY(r->ctx, get_bytes(r, name, n, what));
    name[n] = '\0';
    SF_CHECK(r->ctx, strlen(name) == n && !strchr(name, '/'), SF_E_NETCDF,
             "%s: classic netCDF header, byte %llu: %s: name holds a NUL or '/'", r->path,
             (unsigned long long)at, what);
    SF_TRY(r->ctx, skip(r, (4 - n % 4) % 4, what));
cleanup:
    return status;
}

/* list = ABSENT (two zero words) | tag, count. Returns the count (0 if absent). */
static sf_status get_list(reader *r, uint32_t tag, uint32_t *n, const char *what)
{
    sf_status status = SF_OK;
    uint32_t t;
    uint64_t at = r->pos;
    SF_TRY(r->ctx, get_u32(r, &t, what));
    SF_TRY(r->ctx, get_count(r, n, what));
    SF_CHECK(r->ctx, t == tag || (t == 0 && *n == 0), SF_E_NETCDF,
             "%s: classic netCDF header, byte %llu: %s: tag %lu: expected %lu or an absent list",
             r->path, (unsigned long long)at, what, (unsigned long)t, (unsigned long)tag);
cleanup:
    return status;
}

static size_t type_size(uint32_t t)
{
    static const size_t sizes[MAX_TYPE + 1] = {0, 1, 1, 2, 4, 4, 8};
    return t <= MAX_TYPE ? sizes[t] : 0;
}

static sf_status get_type(reader *r, uint32_t *t, const char *what)
{
    sf_status status = SF_OK;
    uint64_t at = r->pos;
    SF_TRY(r->ctx, get_u32(r, t, what));
    SF_CHECK(r->ctx, *t >= 1 && *t <= MAX_TYPE, SF_E_NETCDF,
             "%s: classic netCDF header, byte %llu: %s: type %lu: expected 1 … %d", r->path,
             (unsigned long long)at, what, (unsigned long)*t, MAX_TYPE);
cleanup:
    return status;
}

/* att_list: every value array must lie inside the file. */
static sf_status get_atts(reader *r, const char *owner)
{
    sf_status status = SF_OK;
    uint32_t n, type, len;
    char name[SF_NC_HEADER_MAX_NAME + 1], what[SF_NC_HEADER_MAX_NAME + 64];
    snprintf(what, sizeof what, "%s attributes", owner);
    SF_TRY(r->ctx, get_list(r, TAG_ATTRIBUTE, &n, what));
    SF_TRY(r->ctx, need(r, (uint64_t)n * 16, what)); /* each attribute ≥ 16 header bytes */
    for (uint32_t i = 0; i < n; i++) {
        snprintf(what, sizeof what, "%s attribute %lu", owner, (unsigned long)i);
        SF_TRY(r->ctx, get_name(r, name, what));
        snprintf(what, sizeof what, "%s attribute %.*s", owner, SF_NC_HEADER_MAX_NAME, name);
        SF_TRY(r->ctx, get_type(r, &type, what));
        SF_TRY(r->ctx, get_count(r, &len, what));
        uint64_t bytes = (uint64_t)len * type_size(type);
        SF_TRY(r->ctx, skip(r, bytes + (4 - bytes % 4) % 4, what));
    }
cleanup:
    return status;
}

sf_status sf_nc_header_check(sf_ctx *ctx, const char *path, sf_nc_kind *kind, uint64_t *bytes)
{
    static const unsigned char hdf5[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    sf_status status = SF_OK;
    reader r = {ctx, path, NULL, 0, 0, 0};
    unsigned char magic[8] = {0};
    struct stat st;
    *kind = SF_NC_KIND_OTHER;
    *bytes = 0;
    errno = 0;
    r.f = fopen(path, "rb");
    if (!r.f) {
        int err = errno;
        SF_CHECK(ctx, err != ENOENT, SF_E_IO, "%s: no such file", path);
        SF_CHECK(ctx, 0, SF_E_IO, "%s: cannot open: %s", path, strerror(err));
    }
    SF_CHECK(ctx, fstat(fileno(r.f), &st) == 0 && S_ISREG(st.st_mode), SF_E_IO,
             "%s: not a regular file", path);
    r.size = *bytes = (uint64_t)st.st_size;
    size_t got = fread(magic, 1, sizeof magic, r.f);
    r.pos = got;
    if (got == sizeof magic && memcmp(magic, hdf5, sizeof hdf5) == 0) {
        *kind = SF_NC_KIND_HDF5;
        goto cleanup;
    }
    if (got < 4 || memcmp(magic, "CDF", 3) != 0) goto cleanup; /* nc_open refuses it */
    SF_CHECK(ctx, magic[3] != 5, SF_E_NETCDF,
             "%s: CDF-5 (64-bit data) netCDF: not supported (symflow reads netCDF-4 and "
             "classic CDF-1/CDF-2; convert with nccopy -k nc4)", path);
    SF_CHECK(ctx, magic[3] == 1 || magic[3] == 2, SF_E_NETCDF,
             "%s: 'CDF' version byte %d: expected 1 or 2 (classic, 64-bit offset)", path,
             magic[3]);
    r.off8 = magic[3] == 2;
    SF_CHECK(ctx, fseeko(r.f, 4, SEEK_SET) == 0, SF_E_IO, "%s: seek error", path);
    r.pos = 4;

    uint32_t numrecs, ndims, nvars, len, type, nd;
    char name[SF_NC_HEADER_MAX_NAME + 1], what[SF_NC_HEADER_MAX_NAME + 64];
    SF_TRY(ctx, get_u32(&r, &numrecs, "numrecs")); /* 0xFFFFFFFF: streaming, allowed */
    SF_CHECK(ctx, numrecs <= 0x7fffffffu || numrecs == 0xffffffffu, SF_E_NETCDF,
             "%s: classic netCDF header: numrecs = %ld: expected ≥ 0", path,
             (long)(int32_t)numrecs);

    SF_TRY(ctx, get_list(&r, TAG_DIMENSION, &ndims, "dimensions"));
    SF_TRY(ctx, need(&r, (uint64_t)ndims * 12, "dimensions")); /* each ≥ 12 bytes */
    int64_t unlimited = -1;
    for (uint32_t i = 0; i < ndims; i++) {
        snprintf(what, sizeof what, "dimension %lu", (unsigned long)i);
        SF_TRY(ctx, get_name(&r, name, what));
        snprintf(what, sizeof what, "dimension %.*s length", SF_NC_HEADER_MAX_NAME, name);
        SF_TRY(ctx, get_count(&r, &len, what));
        if (len == 0) {
            SF_CHECK(ctx, unlimited < 0, SF_E_NETCDF,
                     "%s: classic netCDF header: dimension %s: a second unlimited dimension",
                     path, name);
            unlimited = i;
        }
    }
    SF_TRY(ctx, get_atts(&r, "global"));
    SF_TRY(ctx, get_list(&r, TAG_VARIABLE, &nvars, "variables"));
    SF_TRY(ctx, need(&r, (uint64_t)nvars * 28, "variables")); /* each ≥ 28 bytes */
    for (uint32_t i = 0; i < nvars; i++) {
        snprintf(what, sizeof what, "variable %lu", (unsigned long)i);
        SF_TRY(ctx, get_name(&r, name, what));
        char vwhat[SF_NC_HEADER_MAX_NAME + 16];
        snprintf(vwhat, sizeof vwhat, "variable %.*s", SF_NC_HEADER_MAX_NAME, name);
        snprintf(what, sizeof what, "%s dimension count", vwhat);
        SF_TRY(ctx, get_count(&r, &nd, what));
        SF_CHECK(ctx, nd <= MAX_VAR_DIMS, SF_E_NETCDF,
                 "%s: classic netCDF header: %s: %lu dimensions: expected at most %d", path,
                 vwhat, (unsigned long)nd, MAX_VAR_DIMS);
        snprintf(what, sizeof what, "%s dimension id", vwhat);
        for (uint32_t k = 0; k < nd; k++) {
            uint32_t id;
            SF_TRY(ctx, get_count(&r, &id, what));
            SF_CHECK(ctx, id < ndims, SF_E_NETCDF,
                     "%s: classic netCDF header: %s: dimension id %lu: expected < %lu", path,
                     vwhat, (unsigned long)id, (unsigned long)ndims);
            SF_CHECK(ctx, (int64_t)id != unlimited || k == 0, SF_E_NETCDF,
                     "%s: classic netCDF header: %s: the unlimited dimension is not first",
                     path, vwhat);
        }
        SF_TRY(ctx, get_atts(&r, vwhat));
        SF_TRY(ctx, get_type(&r, &type, vwhat));
        SF_TRY(ctx, get_u32(&r, &len, vwhat)); /* vsize: redundant, may wrap for > 4 GiB */
        unsigned char begin[8];
        SF_TRY(ctx, get_bytes(&r, begin, r.off8 ? 8 : 4, vwhat));
        SF_CHECK(ctx, !(begin[0] & 0x80), SF_E_NETCDF,
                 "%s: classic netCDF header: %s: negative data offset", path, vwhat);
    }
    *kind = SF_NC_KIND_CLASSIC;
cleanup:
    if (r.f) fclose(r.f);
    return status;
}
