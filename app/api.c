/* api.c — the stable C API for foreign callers (include/symflow/api.h): one call that loads
 * a case with overrides and solves it into a field file, as `symflow solve` does, returning
 * the status code and the message instead of printing them; one that validates a particle
 * file (the schema's one definition, core/ncio.c sf_ncp_read).
 * Not here: progress, signals, the summary (app/main.c).
 */
#include "symflow/api.h"

#include <stdio.h>
#include <string.h>

#include "symflow/atomic.h"
#include "symflow/case.h"
#include "symflow/ncio.h"
#include "symflow/registry.h"
#include "symflow/status.h"
#include "symflow/version.h"

static void put_message(char *message, size_t cap, const char *text)
{
    if (!message || cap == 0) return;
    snprintf(message, cap, "%s", text ? text : "");
}

int sf_api_solve(const char *case_path, const char *const *overrides, size_t n_overrides,
                 const char *out_path, char *message, size_t message_cap)
{
    put_message(message, message_cap, "");
    if (!case_path || !out_path || (n_overrides > 0 && !overrides)) {
        put_message(message, message_cap,
                    !case_path ? "no case file given" : !out_path ? "no output file given"
                                                                  : "overrides is NULL");
        return (int)SF_E_ARG;
    }
    for (size_t i = 0; i < n_overrides; i++) {
        if (!overrides[i]) {
            put_message(message, message_cap, "overrides contains NULL");
            return (int)SF_E_ARG;
        }
    }
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) {
        put_message(message, message_cap, "out of memory");
        return (int)SF_E_NOMEM;
    }
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_solve_report rep;
    const sf_solve_opts o = {.out_path = out_path};
    SF_TRY(ctx, sf_atomic_check_output(ctx, out_path, &case_path, 1));
    SF_TRY(ctx, sf_case_load(ctx, case_path, overrides, n_overrides, &c));
    SF_TRY(ctx, sf_registry_solve(ctx, &c, &o, &rep));
cleanup:
    sf_case_free(&c);
    if (status != SF_OK) put_message(message, message_cap, sf_ctx_message(ctx));
    sf_ctx_destroy(&ctx);
    return (int)status;
}

int sf_api_check_particles(const char *path, char *message, size_t message_cap)
{
    put_message(message, message_cap, "");
    if (!path) {
        put_message(message, message_cap, "no particle file given");
        return (int)SF_E_ARG;
    }
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) {
        put_message(message, message_cap, "out of memory");
        return (int)SF_E_NOMEM;
    }
    sf_particles p;
    const sf_status status = sf_ncp_read(ctx, path, &p);
    if (status == SF_OK)
        sf_particles_free(&p);
    else
        put_message(message, message_cap, sf_ctx_message(ctx));
    sf_ctx_destroy(&ctx);
    return (int)status;
}

const char *sf_api_version(void) { return SF_VERSION; }
