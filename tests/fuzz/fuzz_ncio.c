/* fuzz_ncio.c — libFuzzer target: arbitrary bytes as a netCDF file through the readers of
 * core/ncio.c — sf_nc_info, sf_nc_read of a few variable names, sf_ncp_read — which must
 * answer with a status, never crash, hang or allocate what the file does not hold.
 * libnetcdf and HDF5 themselves are not instrumented, but a crash inside them still stops the
 * fuzzer (AddressSanitizer's SEGV handler): such a finding is a header we must refuse first
 * (core/nc_header.c). Built only with -DSF_FUZZ=ON (clang); run by tests/fuzz/run.sh.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemps */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "input_file.h"
#include "symflow/ncio.h"
#include "symflow/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const vars[] = {"time", "a", "tau_plus", "v"};
    static sf_ctx *ctx;
    if (!ctx && sf_ctx_create(&ctx) != SF_OK) abort();
    if (sf_fuzz_put_input(".nc", data, size) != 0) return 0;

    char *text = NULL;
    if (sf_nc_info(ctx, sf_fuzz_path, &text) == SF_OK) free(text);
    sf_ctx_clear(ctx);
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        sf_nc_array arr;
        if (sf_nc_read(ctx, sf_fuzz_path, vars[i], &arr) == SF_OK) sf_nc_array_free(&arr);
        sf_ctx_clear(ctx);
    }
    sf_particles p;
    if (sf_ncp_read(ctx, sf_fuzz_path, &p) == SF_OK) sf_particles_free(&p);
    sf_ctx_clear(ctx);
    return 0;
}
