/* fuzz_case.c — libFuzzer target: arbitrary bytes as a YAML case file through sf_case_load
 * (core/case.c), which must answer with a status and a message, never crash, leak or hang.
 * sf_case_load reads a path, so each input is written to one temporary file per process.
 * Built only with -DSF_FUZZ=ON (clang); run by tests/fuzz/run.sh. Not a ctest test.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemps */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "input_file.h"
#include "symflow/case.h"
#include "symflow/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sf_ctx *ctx;
    if (!ctx && sf_ctx_create(&ctx) != SF_OK) abort();
    if (sf_fuzz_put_input(".yaml", data, size) != 0) return 0;
    sf_case c = {0};
    if (sf_case_load(ctx, sf_fuzz_path, NULL, 0, &c) == SF_OK) sf_case_free(&c);
    sf_ctx_clear(ctx);
    return 0;
}
