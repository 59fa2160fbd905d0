/* atomic.h — atomic replacement of an output file: every file symflow writes (field,
 * particle and compare files, through core/ncio.c) is first created under an unpredictable
 * temporary name in the target's directory, then fsynced and renamed over the target on
 * commit; every failure removes the temporary.
 * What -o refuses (SF_E_IO, one message naming the path and why): a directory, a special
 * file (device such as /dev/null, FIFO, socket), and — through sf_atomic_check_output — any
 * input of the command, compared by device and inode so that the spelling does not matter
 * (./t.yaml, a hard link, a symbolic link to it). A symbolic link at the output path is
 * replaced by the new file; its target is never written.
 * Not here: the file format (core/ncio.c), which files are inputs (app/, postproc/).
 * The temporary is created with O_CREAT|O_EXCL|O_NOFOLLOW, so a link planted at its name is
 * never followed; the writer (HDF5) then reopens that same name, which nobody else can swap
 * unless they may write to the directory (a sticky directory such as /tmp forbids it).
 */
#ifndef SYMFLOW_ATOMIC_H
#define SYMFLOW_ATOMIC_H

#include <stddef.h>

#include "symflow/status.h"

typedef struct sf_atomic sf_atomic; /* opaque: one temporary file and its final path */

/* SF_E_IO unless `path` may be replaced: it must not exist, or be a regular file or a
 * symbolic link, and must not be (same st_dev and st_ino, with and without following a link)
 * any of inputs[0 … n_inputs-1] (borrowed; NULL entries and missing inputs are skipped).
 * E.g. "t.yaml: refusing to write the output over an input of the command (t.yaml)". */
sf_status sf_atomic_check_output(sf_ctx *ctx, const char *path, const char *const *inputs,
                                 size_t n_inputs);

/* Check `path` (no inputs) and create an empty temporary "DIR/.BASE.tmp.RANDOM" with mode
 * 0666 & ~umask. *out owned by the caller: end with sf_atomic_commit or sf_atomic_abort.
 * SF_E_IO names `path` and the errno text of a missing or unwritable directory. */
sf_status sf_atomic_open(sf_ctx *ctx, const char *path, sf_atomic **out);

/* The temporary's name, to be opened by a writer (borrowed; valid until commit/abort). */
const char *sf_atomic_tmp_path(const sf_atomic *a);

/* fsync the temporary, check `path` again, rename the temporary over it and fsync the
 * directory. On failure the temporary is removed (SF_E_IO naming path). Accepts *a == NULL;
 * sets *a to NULL in every case. */
sf_status sf_atomic_commit(sf_ctx *ctx, sf_atomic **a);

/* Remove the temporary and release *a. Accepts NULL and *a == NULL; sets *a to NULL. */
void sf_atomic_abort(sf_atomic **a);

#endif
