/* minimal.c — the smallest program using libsymflow: load a case file (with optional
 * key=value overrides, as `symflow solve --set`), solve it through the form registry and
 * print the risk R at the last output, "R = %.10g" (the precision of `symflow solve`).
 *
 *   minimal CASE [key=value]...
 *
 * Not here: output files, progress, error traces (see app/main.c). Exit 0 on success, else
 * the sf_status code with the library's message on stderr.
 */
#include <stdio.h>

#include "symflow/case.h"
#include "symflow/registry.h"
#include "symflow/status.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASE [key=value]...\n", argv[0]);
        return 2;
    }
    sf_ctx *ctx = NULL;
    sf_case c = {0};
    sf_solve_report rep;
    const sf_solve_opts opts = {NULL, NULL, NULL, 0.0, NULL}; /* no file, no progress */
    sf_status s = sf_ctx_create(&ctx);
    if (s != SF_OK) return (int)s;
    s = sf_case_load(ctx, argv[1], (const char *const *)(argv + 2), (size_t)(argc - 2), &c);
    if (s == SF_OK) s = sf_registry_solve(ctx, &c, &opts, &rep);
    if (s == SF_OK)
        printf("R = %.10g at t = %g\n", rep.sum.last[0], rep.sum.t_last);
    else
        fprintf(stderr, "minimal: error: %s\n", sf_ctx_message(ctx));
    sf_case_free(&c);
    sf_ctx_destroy(&ctx);
    return (int)s;
}
