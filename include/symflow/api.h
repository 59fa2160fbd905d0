/* api.h — the stable C API of libsymflow for foreign callers (Python ctypes, Julia ccall,
 * R .C, …): plain C types only, no structs, no ownership across the boundary.
 *
 * Stability: these declarations are a public contract. Within a major version (SOVERSION)
 * their signatures and meanings do not change; new functions may be added. The status codes
 * are those of status.h (= the exit codes of the `symflow` command, README "Exit status").
 * Threads: each call uses its own error context, but the library as a whole is not checked
 * for concurrent use: call it from one thread at a time. A call cannot be interrupted
 * (no stop poll; the command's SIGINT handling is not installed).
 * Not here: the full library API (registry.h, case.h, drive.h …), which may change between
 * minor versions; progress reporting and interruption (the command's business).
 */
#ifndef SYMFLOW_API_H
#define SYMFLOW_API_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Solve the case file at case_path, with overrides[0 … n_overrides−1] each "key=value"
 * (value read as YAML, as `symflow solve --set`), and write its field file to out_path
 * (written under a temporary name and renamed on success; an input path is refused).
 * Equivalent to `symflow solve case_path --set … -o out_path --quiet`.
 * Returns 0 on success, else the status code (2 invalid argument, 3 malformed case,
 * 4 value out of range, 5 out of memory, 6 I/O, 7 CVODE, 8 netCDF, 9 numerical failure,
 * 10 unsupported, 11 edge of the box). message (may be NULL, message_cap bytes) receives the
 * one-line error message, NUL-terminated and truncated to fit, or "" on success.
 * overrides may be NULL when n_overrides is 0. */
int sf_api_solve(const char *case_path, const char *const *overrides, size_t n_overrides,
                 const char *out_path, char *message, size_t message_cap);

/* Validate the particle file at path against the public schema "particles-1" (README
 * "Particle file", core/ncio.c): attributes, dimensions, variables, finite values, times
 * increasing — the one definition of the schema, which `symflow compare` applies and the
 * Python package symflow_post calls before it reads a particle file.
 * Returns 0 when the file conforms, else the status code (6 I/O, 8 netCDF: a missing or
 * malformed attribute, dimension or variable, 9 a non-finite value, …); message (may be
 * NULL, message_cap bytes) receives the one-line error naming the file and the variable or
 * attribute, or "" on success. */
int sf_api_check_particles(const char *path, char *message, size_t message_cap);

/* The library's version, e.g. "1.4.0" (static string). */
const char *sf_api_version(void);

#ifdef __cplusplus
}
#endif

#endif
