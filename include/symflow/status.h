/* status.h — status codes, the error context and the one error idiom of symflow.
 *
 * Every fallible function returns sf_status and leaves a human message in its sf_ctx.
 * The library never prints, exits or aborts: app/ reads sf_ctx_message() and decides.
 * Not here: messages for successful work, logging, progress (see run.h).
 *
 * Idiom (STYLE.md "Errors"): a function declares `sf_status status = SF_OK;`, has one
 * `cleanup:` label that frees what it owns, and uses
 *   SF_TRY(ctx, call)                 propagate a failure of `call`, adding a trace frame;
 *   SF_CHECK(ctx, cond, code, fmt, …) validate input (always on), message built from fmt;
 *   SF_ALLOC(ctx, ptr, count)         zeroed allocation of count elements of *ptr.
 */
#ifndef SYMFLOW_STATUS_H
#define SYMFLOW_STATUS_H

#include <stddef.h>

/* X(name, exit code of the `symflow` command, short meaning) */
#define SF_STATUS_TABLE(X)                                            \
    X(SF_OK, 0, "success")                                            \
    X(SF_E_ARG, 2, "invalid argument or command line")                \
    X(SF_E_PARSE, 3, "malformed case file")                           \
    X(SF_E_RANGE, 4, "value out of range")                            \
    X(SF_E_NOMEM, 5, "out of memory")                                 \
    X(SF_E_IO, 6, "file input/output error")                          \
    X(SF_E_CVODE, 7, "time integrator (CVODE) failure")               \
    X(SF_E_NETCDF, 8, "netCDF error")                                 \
    X(SF_E_NUMERIC, 9, "numerical failure (NaN, quadrature, domain)") \
    X(SF_E_UNSUPPORTED, 10, "combination not supported by this form")    \
    X(SF_E_DOMAIN, 11, "the solution reached the edge of the computational box") \
    X(SF_E_INTERRUPTED, 130, "interrupted (SIGINT/SIGTERM): outputs so far committed, complete = 0")

typedef enum {
#define SF_X_ENUM(name, code, text) name = code,
    SF_STATUS_TABLE(SF_X_ENUM)
#undef SF_X_ENUM
} sf_status;

typedef struct sf_ctx sf_ctx; /* opaque: last message, trace, allocation fault injection */

/* Create a context. Owned by the caller; destroy with sf_ctx_destroy. */
sf_status sf_ctx_create(sf_ctx **out);
/* Destroy; accepts NULL and *ctx == NULL, sets *ctx to NULL. */
void sf_ctx_destroy(sf_ctx **ctx);

/* Record an error (the first one since the last sf_ctx_clear is kept as the message;
 * later ones only add to the trace). Returns code. Borrowed: file, fmt. */
sf_status sf_error(sf_ctx *ctx, sf_status code, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Add a trace frame "file:line: expr" for a propagated failure; returns code. */
sf_status sf_ctx_trace(sf_ctx *ctx, sf_status code, const char *file, int line, const char *expr);
/* The user-facing message of the first error ("" if none). Borrowed, valid until clear. */
const char *sf_ctx_message(const sf_ctx *ctx);
/* The trace frames, newline separated ("" if none). Borrowed. */
const char *sf_ctx_trace_text(const sf_ctx *ctx);
/* Forget the recorded error. */
void sf_ctx_clear(sf_ctx *ctx);

/* Copy the string in into out (cap bytes, NUL-terminated, truncated before an escape that
 * does not fit) with each control byte (< 0x20 and 0x7f) written as \xNN, so user text cannot
 * move the cursor or recolour a terminal; sf_error applies it to every message. Returns the
 * length written. */
size_t sf_escape_control(const char *in, char *out, size_t cap);

const char *sf_status_name(sf_status s); /* "SF_E_PARSE" */
const char *sf_status_text(sf_status s); /* "malformed case file" */

/* Zeroed allocation of n elements of `size` bytes with overflow check; on failure records
 * SF_E_NOMEM with the byte count and returns NULL. Release with free(). */
void *sf_alloc(sf_ctx *ctx, size_t n, size_t size);
/* Duplicate a string through sf_alloc. */
char *sf_strdup(sf_ctx *ctx, const char *s);
/* Memory this process may still take, bytes: MemAvailable of /proc/meminfo, else
 * sysconf(_SC_AVPHYS_PAGES) × the page size; 0 when neither is known. */
double sf_memory_available(void);
/* bytes as "12.8 GB", "500 MB", "3.2 kB", "12 bytes" (decimal units) into buf. */
void sf_format_bytes(double bytes, char *buf, size_t cap);
/* A size such as "2G", "500M", "64k", "1.5GB", "1000000" (k/M/G/T: powers of 1000,
 * as sf_format_bytes prints) into
 * *bytes (> 0); SF_E_ARG without a message when s is not such a size. */
sf_status sf_parse_size(const char *s, double *bytes);
/* Fault injection for tests: the n-th sf_alloc from now (1-based) fails; 0 disables. */
void sf_ctx_fail_alloc_at(sf_ctx *ctx, long n);

#define SF_TRY(ctx, call)                                                      \
    do {                                                                       \
        sf_status sf_try_s_ = (call);                                          \
        if (sf_try_s_ != SF_OK) {                                              \
            status = sf_ctx_trace((ctx), sf_try_s_, __FILE__, __LINE__, #call); \
            goto cleanup;                                                      \
        }                                                                      \
    } while (0)

#define SF_CHECK(ctx, cond, code, ...)                                    \
    do {                                                                  \
        if (!(cond)) {                                                    \
            status = sf_error((ctx), (code), __FILE__, __LINE__, __VA_ARGS__); \
            goto cleanup;                                                 \
        }                                                                 \
    } while (0)

#define SF_ALLOC(ctx, ptr, count)                                   \
    do {                                                            \
        (ptr) = sf_alloc((ctx), (size_t)(count), sizeof *(ptr));    \
        if (!(ptr)) {                                               \
            status = SF_E_NOMEM;                                    \
            goto cleanup;                                           \
        }                                                           \
    } while (0)

#endif
