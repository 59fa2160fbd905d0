/* nc_header.h — private to core/: a check of a netCDF file's leading bytes and, for the classic
 * formats, of its whole header, done before libnetcdf opens the file (core/ncio.c). */
#ifndef SF_NC_HEADER_H
#define SF_NC_HEADER_H

#include <stdint.h>

#include "symflow/status.h"

typedef enum {
    SF_NC_KIND_CLASSIC, /* "CDF\x01" or "CDF\x02": header checked here */
    SF_NC_KIND_HDF5,    /* "\x89HDF\r\n\x1a\n" at offset 0: netCDF-4, left to libnetcdf */
    SF_NC_KIND_OTHER    /* anything else: left to nc_open, which refuses it */
} sf_nc_kind;

/* Longest name libnetcdf stores (NC_MAX_NAME in <netcdf.h>, which only ncio.c includes). */
enum { SF_NC_HEADER_MAX_NAME = 256 };

/* Read the file's first bytes and, for CDF-1/CDF-2, walk the whole header: every count, name
 * length, type code, dimension length and id bounded by the file size and the format's rules.
 * CDF-5 is refused (SF_E_NETCDF). *kind and *bytes (the file size) are set on success.
 * path: borrowed. Errors name the file, the header byte offset and the item. */
sf_status sf_nc_header_check(sf_ctx *ctx, const char *path, sf_nc_kind *kind, uint64_t *bytes);

#endif
