/* status.c — the error context: first message, trace frames, checked allocation.
 * Implements include/symflow/status.h. Does not print; app/ does. */
#include "symflow/status.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    SF_MSG_CAP = 2048,  /* longest user message kept, bytes */
    SF_TRACE_CAP = 4096 /* trace text kept, bytes; older frames win */
};

struct sf_ctx {
    sf_status code;             /* first error code since clear, SF_OK if none */
    char message[SF_MSG_CAP];   /* first error message */
    char trace[SF_TRACE_CAP];   /* frames, newline separated */
    long fail_alloc_countdown;  /* >0: allocations left before an injected failure */
};

static const struct {
    const char *name;
    const char *text;
    sf_status code;
} sf_status_table[] = {
#define SF_X_ROW(name, code, text) {#name, text, name},
    SF_STATUS_TABLE(SF_X_ROW)
#undef SF_X_ROW
};

const char *sf_status_name(sf_status s)
{
    for (size_t i = 0; i < sizeof sf_status_table / sizeof sf_status_table[0]; i++)
        if (sf_status_table[i].code == s) return sf_status_table[i].name;
    return "SF_E_UNKNOWN";
}

const char *sf_status_text(sf_status s)
{
    for (size_t i = 0; i < sizeof sf_status_table / sizeof sf_status_table[0]; i++)
        if (sf_status_table[i].code == s) return sf_status_table[i].text;
    return "unknown status";
}

sf_status sf_ctx_create(sf_ctx **out)
{
    if (!out) return SF_E_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? SF_OK : SF_E_NOMEM;
}

void sf_ctx_destroy(sf_ctx **ctx)
{
    if (!ctx || !*ctx) return;
    free(*ctx);
    *ctx = NULL;
}

static void append_trace(sf_ctx *ctx, const char *file, int line, const char *what)
{
    size_t used = strlen(ctx->trace);
    if (used + 1 >= sizeof ctx->trace) return;
    snprintf(ctx->trace + used, sizeof ctx->trace - used, "%s%s:%d: %s", used ? "\n" : "", file,
             line, what);
}

size_t sf_escape_control(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    if (!cap) return 0;
    for (const unsigned char *p = (const unsigned char *)in; p && *p; p++) {
        const int ctl = *p < 0x20 || *p == 0x7f;
        if (len + (ctl ? 4 : 1) >= cap) break; /* whole escapes only */
        if (ctl) {
            out[len++] = '\\';
            out[len++] = 'x';
            out[len++] = hex[*p >> 4];
            out[len++] = hex[*p & 15];
        } else {
            out[len++] = (char)*p;
        }
    }
    out[len] = '\0';
    return len;
}

sf_status sf_error(sf_ctx *ctx, sf_status code, const char *file, int line, const char *fmt, ...)
{
    if (!ctx) return code;
    char raw[SF_MSG_CAP], buf[SF_MSG_CAP];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* User strings (case values, file names) reach the message: no raw control bytes. */
    sf_escape_control(raw, buf, sizeof buf);
    if (ctx->code == SF_OK) {
        ctx->code = code;
        snprintf(ctx->message, sizeof ctx->message, "%s", buf);
    }
    append_trace(ctx, file, line, buf);
    return code;
}

sf_status sf_ctx_trace(sf_ctx *ctx, sf_status code, const char *file, int line, const char *expr)
{
    if (!ctx) return code;
    if (ctx->code == SF_OK) {
        /* A callee failed without a message (a bug, but say something useful). */
        ctx->code = code;
        snprintf(ctx->message, sizeof ctx->message, "%s (%s)", sf_status_text(code), expr);
    }
    append_trace(ctx, file, line, expr);
    return code;
}

const char *sf_ctx_message(const sf_ctx *ctx) { return ctx ? ctx->message : ""; }
const char *sf_ctx_trace_text(const sf_ctx *ctx) { return ctx ? ctx->trace : ""; }

void sf_ctx_clear(sf_ctx *ctx)
{
    if (!ctx) return;
    ctx->code = SF_OK;
    ctx->message[0] = '\0';
    ctx->trace[0] = '\0';
}

void sf_ctx_fail_alloc_at(sf_ctx *ctx, long n)
{
    if (ctx) ctx->fail_alloc_countdown = n > 0 ? n : 0;
}

void *sf_alloc(sf_ctx *ctx, size_t n, size_t size)
{
    if (ctx && ctx->fail_alloc_countdown > 0 && --ctx->fail_alloc_countdown == 0) {
        sf_error(ctx, SF_E_NOMEM, __FILE__, __LINE__, "out of memory: %zu × %zu bytes (injected)",
                 n, size);
        return NULL;
    }
    if (size && n > SIZE_MAX / size) {
        sf_error(ctx, SF_E_NOMEM, __FILE__, __LINE__, "allocation of %zu × %zu bytes overflows",
                 n, size);
        return NULL;
    }
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        sf_error(ctx, SF_E_NOMEM, __FILE__, __LINE__, "out of memory: %zu bytes requested",
                 n * size);
    return p;
}

char *sf_strdup(sf_ctx *ctx, const char *s)
{
    size_t len = strlen(s) + 1;
    char *d = sf_alloc(ctx, len, 1);
    if (d) memcpy(d, s, len);
    return d;
}

double sf_memory_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb = 0;
        int found = 0;
        while (!found && fgets(line, sizeof line, f))
            found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
        fclose(f);
        if (found) return 1024.0 * (double)kb;
    }
#if defined(_SC_AVPHYS_PAGES) && defined(_SC_PAGESIZE)
    const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) return (double)pages * (double)page;
#endif
    return 0.0;
}

void sf_format_bytes(double bytes, char *buf, size_t cap)
{
    static const char *const unit[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
    if (!(bytes >= 1000.0)) {
        snprintf(buf, cap, "%.0f bytes", bytes);
        return;
    }
    int u = 0;
    bytes /= 1000.0;
    while (bytes >= 999.95 && u < 5) {
        bytes /= 1000.0;
        u++;
    }
    snprintf(buf, cap, bytes < 99.95 ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

sf_status sf_parse_size(const char *s, double *bytes)
{
    if (!s || !bytes || !*s || *s == '-' || *s == '+' || *s == ' ') return SF_E_ARG;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !(v > 0.0) || v > 1e18) return SF_E_ARG;
    double scale = 1.0;
    switch (*end) {
    case 'k': case 'K': scale = 1e3; end++; break;
    case 'm': case 'M': scale = 1e6; end++; break;
    case 'g': case 'G': scale = 1e9; end++; break;
    case 't': case 'T': scale = 1e12; end++; break;
    default: break;
    }
    if (scale > 1.0 && (*end == 'B' || *end == 'b')) end++;
    if (*end) return SF_E_ARG;
    *bytes = v * scale;
    return *bytes >= 1.0 ? SF_OK : SF_E_ARG;
}
