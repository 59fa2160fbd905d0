/* atomic.c — atomic replacement of output files (include/symflow/atomic.h): an unpredictable
 * temporary beside the target, created with O_CREAT|O_EXCL|O_NOFOLLOW; on commit fsync of the
 * file, a second look at the target, rename over it, fsync of the directory; on any failure
 * the temporary is removed. Refuses (SF_E_IO) to replace a directory, a special file or an
 * input of the command (same device and inode).
 * Not here: what is written into the temporary (core/ncio.c), which files are inputs (app/,
 * postproc/). No netCDF: any writer that takes a file name can use it.
 */
#define _POSIX_C_SOURCE 200809L /* O_NOFOLLOW, O_CLOEXEC, O_DIRECTORY, lstat, fsync */

#include "symflow/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    SF_ATOMIC_RAND_CHARS = 12, /* base-32 characters of the random suffix: 60 random bits */
    SF_ATOMIC_TRIES = 16,      /* O_EXCL collisions tolerated before giving up; with 60 bits a
                                  collision means someone is planting names, not bad luck */
    SF_ATOMIC_EXTRA = 32       /* room for "/." ".tmp." and the suffix, bytes */
};

static const char SF_ATOMIC_ALPHABET[] = "abcdefghijklmnopqrstuvwxyz234567"; /* 32 symbols */

struct sf_atomic {
    char *path; /* final path (owned) */
    char *tmp;  /* temporary "DIR/.BASE.tmp.RANDOM" (owned) */
    char *dir;  /* directory of path, fsynced after the rename (owned) */
    int fd;     /* the temporary, kept open for fsync; -1 when closed */
};

/* What a non-regular file is, for messages. */
static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

sf_status sf_atomic_check_output(sf_ctx *ctx, const char *path, const char *const *inputs,
                                 size_t n_inputs)
{
    sf_status status = SF_OK;
    struct stat ls, st;
    SF_CHECK(ctx, path && *path, SF_E_ARG, "output: empty file name");
    if (lstat(path, &ls) != 0) {
        int err = errno;
        /* Absent: nothing to protect. A missing directory is reported when creating. */
        SF_CHECK(ctx, err == ENOENT || err == ENOTDIR, SF_E_IO, "%s: cannot examine the output: %s",
                 path, strerror(err));
        goto cleanup;
    }
    const int followed = S_ISLNK(ls.st_mode) && stat(path, &st) == 0;
    const mode_t m = followed ? st.st_mode : ls.st_mode;
    SF_CHECK(ctx, S_ISREG(m) || S_ISLNK(m), SF_E_IO,
             "%s: is %s%s: refusing to replace it with the output; expected the name of a "
             "regular file", path, kind_of(m), followed ? " (through a symbolic link)" : "");
    for (size_t i = 0; i < n_inputs; i++) {
        struct stat in;
        if (!inputs || !inputs[i] || stat(inputs[i], &in) != 0) continue;
        const int same = (in.st_dev == ls.st_dev && in.st_ino == ls.st_ino) ||
                         (followed && in.st_dev == st.st_dev && in.st_ino == st.st_ino);
        SF_CHECK(ctx, !same, SF_E_IO,
                 "%s: is the input %s of this command (same file): refusing to write the "
                 "output over it; expected a new file name", path, inputs[i]);
    }
cleanup:
    return status;
}

/* SF_ATOMIC_RAND_CHARS random symbols into s (no NUL); getrandom, else clock and pid (the
 * name is then guessable, but O_EXCL|O_NOFOLLOW still refuse anything planted there). */
static void random_suffix(char *s, unsigned salt)
{
    unsigned char b[SF_ATOMIC_RAND_CHARS];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                     ((uint64_t)getpid() << 40) ^ (uint64_t)salt * 0x9E3779B97F4A7C15u;
        for (size_t i = 0; i < sizeof b; i++) {
            x ^= x >> 33;
            x *= 0xff51afd7ed558ccdu;
            b[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < sizeof b; i++) s[i] = SF_ATOMIC_ALPHABET[b[i] % 32u];
}

sf_status sf_atomic_open(sf_ctx *ctx, const char *path, sf_atomic **out)
{
    sf_status status = SF_OK;
    sf_atomic *a = NULL;
    SF_CHECK(ctx, out, SF_E_ARG, "sf_atomic_open: output pointer is NULL");
    *out = NULL;
    SF_TRY(ctx, sf_atomic_check_output(ctx, path, NULL, 0));
    SF_ALLOC(ctx, a, 1);
    a->fd = -1;
    a->path = sf_strdup(ctx, path);
    if (!a->path) {
        status = SF_E_NOMEM;
        goto cleanup;
    }
    const char *slash = strrchr(path, '/');
    const size_t dlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    SF_ALLOC(ctx, a->dir, dlen + 2);
    if (!slash)
        memcpy(a->dir, ".", 2);
    else if (dlen == 0)
        memcpy(a->dir, "/", 2);
    else
        memcpy(a->dir, path, dlen);
    const size_t n = strlen(path) + SF_ATOMIC_EXTRA;
    SF_ALLOC(ctx, a->tmp, n);
    int err = EEXIST;
    for (unsigned k = 0; k < SF_ATOMIC_TRIES && err == EEXIST; k++) {
        char r[SF_ATOMIC_RAND_CHARS + 1] = {0};
        random_suffix(r, k);
        snprintf(a->tmp, n, "%.*s%s.%s.tmp.%s", (int)dlen, path, slash ? "/" : "", base, r);
        a->fd = open(a->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        err = a->fd < 0 ? errno : 0;
    }
    SF_CHECK(ctx, a->fd >= 0, SF_E_IO, "%s: cannot create: %s", path, strerror(err));
    *out = a;
    a = NULL;
cleanup:
    if (a) {
        free(a->tmp); /* a->fd < 0 here: nothing was created */
        a->tmp = NULL;
        sf_atomic_abort(&a);
    }
    return status;
}

const char *sf_atomic_tmp_path(const sf_atomic *a) { return a ? a->tmp : NULL; }

/* fsync the directory so the rename survives a crash; file systems that cannot sync a
 * directory (EINVAL) have nothing to do. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int err = fsync(fd) == 0 || errno == EINVAL ? 0 : errno;
    close(fd);
    return err;
}

sf_status sf_atomic_commit(sf_ctx *ctx, sf_atomic **ap)
{
    sf_status status = SF_OK;
    if (!ap || !*ap) return SF_OK;
    sf_atomic *a = *ap;
    SF_CHECK(ctx, fsync(a->fd) == 0, SF_E_IO, "%s: cannot write the temporary %s to disk: %s",
             a->path, a->tmp, strerror(errno));
    close(a->fd);
    a->fd = -1;
    /* Again at commit: the target may have changed kind since sf_atomic_open. */
    SF_TRY(ctx, sf_atomic_check_output(ctx, a->path, NULL, 0));
    SF_CHECK(ctx, rename(a->tmp, a->path) == 0, SF_E_IO,
             "%s: cannot rename the temporary file %s to it: %s", a->path, a->tmp,
             strerror(errno));
    free(a->tmp); /* renamed: nothing left to remove */
    a->tmp = NULL;
    int err = sync_dir(a->dir);
    SF_CHECK(ctx, err == 0, SF_E_IO, "%s: written, but its directory %s cannot be synced: %s",
             a->path, a->dir, strerror(err));
cleanup:
    sf_atomic_abort(ap);
    return status;
}

void sf_atomic_abort(sf_atomic **ap)
{
    if (!ap || !*ap) return;
    sf_atomic *a = *ap;
    if (a->fd >= 0) close(a->fd);
    if (a->tmp) unlink(a->tmp);
    free(a->tmp);
    free(a->path);
    free(a->dir);
    free(a);
    *ap = NULL;
}
