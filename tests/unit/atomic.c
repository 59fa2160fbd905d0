/* atomic.c — the atomic output writer (core/atomic.c, include/symflow/atomic.h).
 *
 * The temporary: beside the target, hidden, ".NAME.tmp." plus 12 random characters, a
 * different name at each open, a regular file with mode 0666 & ~umask; nothing at the target
 * until commit, which carries the bytes over and leaves no temporary; abort leaves nothing.
 * Refusals (SF_E_IO, message naming the path): an output equal to an input by device and
 * inode (the same name, "./" spelling, a hard link, a symbolic link either way), a
 * directory, a character device, a FIFO, and a target that became a directory between open
 * and commit (the temporary is then removed). A symbolic link at the target is replaced, its
 * target untouched. A missing directory and every allocation failure leave no file.
 * Files go to a fresh directory under /tmp, removed at the end.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, opendir, symlink, mkfifo */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "symflow/atomic.h"
#include "symflow/status.h"

enum { RAND_CHARS = 12 }; /* SF_ATOMIC_RAND_CHARS of core/atomic.c */

static char dir[] = "/tmp/sf_atomic_XXXXXX";

static void in_dir(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }


static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* 1 if path holds exactly text. */
static int has_text(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Refused with SF_E_IO and a message naming `out` and `word`. */
static void expect_refused(sf_ctx *ctx, const char *out, const char *const *in, size_t n,
                           const char *word)
{
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_atomic_check_output(ctx, out, in, n) == SF_E_IO);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), out) && sf_test_contains(sf_ctx_message(ctx), word));
    sf_ctx_clear(ctx);
}

static void test_temporary_and_commit(sf_ctx *ctx)
{
    char out[512], prefix[512];
    in_dir(out, sizeof out, "out.bin");
    in_dir(prefix, sizeof prefix, ".out.bin.tmp.");
    sf_atomic *a = NULL, *b = NULL;
    SF_EXPECT_OK(ctx, sf_atomic_open(ctx, out, &a));
    SF_EXPECT_OK(ctx, sf_atomic_open(ctx, out, &b));
    const char *ta = sf_atomic_tmp_path(a), *tb = sf_atomic_tmp_path(b);
    SF_EXPECT(ta && tb && strncmp(ta, prefix, strlen(prefix)) == 0);
    SF_EXPECT(ta && strlen(ta) == strlen(prefix) + RAND_CHARS);
    SF_EXPECT(ta && tb && strcmp(ta, tb) != 0);
    struct stat st;
    mode_t mask = umask(0);
    umask(mask);
    SF_EXPECT(ta && lstat(ta, &st) == 0 && S_ISREG(st.st_mode) &&
              (st.st_mode & 0777) == (0666 & ~mask));
    SF_EXPECT(access(out, F_OK) != 0 && sf_test_count_tmp(dir) == 2);
    if (ta) write_text(ta, "first");
    sf_atomic_abort(&b);
    SF_EXPECT(b == NULL && sf_test_count_tmp(dir) == 1);
    SF_EXPECT_OK(ctx, sf_atomic_commit(ctx, &a));
    SF_EXPECT(a == NULL && has_text(out, "first") && sf_test_count_tmp(dir) == 0);

    /* Replacing an existing regular file. */
    SF_EXPECT_OK(ctx, sf_atomic_open(ctx, out, &a));
    if (a) write_text(sf_atomic_tmp_path(a), "second");
    SF_EXPECT_OK(ctx, sf_atomic_commit(ctx, &a));
    SF_EXPECT(has_text(out, "second") && sf_test_count_tmp(dir) == 0);
    SF_EXPECT(sf_atomic_commit(ctx, &a) == SF_OK); /* NULL: nothing to do */
    sf_atomic_abort(NULL);
    unlink(out);
}

static void test_symlink_replaced(sf_ctx *ctx)
{
    char victim[512], link[512];
    in_dir(victim, sizeof victim, "victim.txt");
    in_dir(link, sizeof link, "link.bin");
    write_text(victim, "victim");
    SF_EXPECT(symlink(victim, link) == 0);
    sf_atomic *a = NULL;
    SF_EXPECT_OK(ctx, sf_atomic_open(ctx, link, &a));
    if (a) write_text(sf_atomic_tmp_path(a), "new");
    SF_EXPECT_OK(ctx, sf_atomic_commit(ctx, &a));
    struct stat st;
    SF_EXPECT(lstat(link, &st) == 0 && S_ISREG(st.st_mode) && has_text(link, "new"));
    SF_EXPECT(has_text(victim, "victim") && sf_test_count_tmp(dir) == 0);
    unlink(link);
    unlink(victim);
}

static void test_refusals(sf_ctx *ctx)
{
    char in[512], dotted[512], hard[512], soft[512], other[512], sub[512], fifo[512];
    in_dir(in, sizeof in, "case.yaml");
    snprintf(dotted, sizeof dotted, "%s/./case.yaml", dir);
    in_dir(hard, sizeof hard, "hard.yaml");
    in_dir(soft, sizeof soft, "soft.yaml");
    in_dir(other, sizeof other, "other.nc");
    in_dir(sub, sizeof sub, "sub");
    in_dir(fifo, sizeof fifo, "fifo");
    write_text(in, "case");
    write_text(other, "other");
    SF_EXPECT(link(in, hard) == 0 && symlink(in, soft) == 0 && mkdir(sub, 0777) == 0 &&
              mkfifo(fifo, 0666) == 0);
    const char *inputs[2] = {other, in};
    expect_refused(ctx, in, inputs, 2, "input");
    expect_refused(ctx, dotted, inputs, 2, "input");
    expect_refused(ctx, hard, inputs, 2, "input");
    expect_refused(ctx, soft, inputs, 2, "input");      /* output: a link to an input */
    const char *via_link[1] = {soft};
    expect_refused(ctx, in, via_link, 1, "input");      /* input given through a link */
    expect_refused(ctx, sub, NULL, 0, "directory");
    expect_refused(ctx, fifo, NULL, 0, "FIFO");
    expect_refused(ctx, "/dev/null", NULL, 0, "character device");
    char fresh[512];
    in_dir(fresh, sizeof fresh, "fresh.nc");
    const char *absent[2] = {NULL, fresh};
    SF_EXPECT_OK(ctx, sf_atomic_check_output(ctx, fresh, absent, 2)); /* nothing to protect */
    SF_EXPECT_OK(ctx, sf_atomic_check_output(ctx, other, &inputs[1], 1));
    SF_EXPECT(has_text(in, "case") && has_text(other, "other"));

    /* sf_atomic_open refuses the same kinds and creates nothing. */
    sf_atomic *a = NULL;
    SF_EXPECT(sf_atomic_open(ctx, sub, &a) == SF_E_IO && a == NULL && sf_test_count_tmp(dir) == 0);
    sf_ctx_clear(ctx);

    /* The target turns into a directory between open and commit: refused, no temporary. */
    char late[512];
    in_dir(late, sizeof late, "late");
    SF_EXPECT_OK(ctx, sf_atomic_open(ctx, late, &a));
    SF_EXPECT(mkdir(late, 0777) == 0);
    SF_EXPECT(sf_atomic_commit(ctx, &a) == SF_E_IO && a == NULL);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "directory") && sf_test_count_tmp(dir) == 0);
    sf_ctx_clear(ctx);

    /* A missing directory: the errno text, nothing created. */
    char missing[512];
    in_dir(missing, sizeof missing, "none/out.nc");
    SF_EXPECT(sf_atomic_open(ctx, missing, &a) == SF_E_IO && a == NULL);
    SF_EXPECT(sf_test_contains(sf_ctx_message(ctx), "cannot create: No such file or directory"));
    sf_ctx_clear(ctx);
    rmdir(late);
    rmdir(sub);
    unlink(fifo);
    unlink(soft);
    unlink(hard);
    unlink(in);
    unlink(other);
}

/* Every allocation failure is reported and leaves no temporary; the loop ends at the first
 * run with no failing allocation. */
static void test_alloc_failures(sf_ctx *ctx)
{
    char out[512];
    in_dir(out, sizeof out, "alloc.bin");
    int saw_ok = 0;
    for (long n = 1; n <= 100 && !saw_ok; n++) {
        sf_atomic *a = NULL;
        sf_ctx_clear(ctx);
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status s = sf_atomic_open(ctx, out, &a);
        sf_ctx_fail_alloc_at(ctx, 0);
        if (s == SF_OK) {
            saw_ok = 1;
            sf_atomic_abort(&a);
        } else {
            SF_EXPECT(s == SF_E_NOMEM && a == NULL);
        }
        SF_EXPECT(sf_test_count_tmp(dir) == 0 && access(out, F_OK) != 0);
    }
    SF_EXPECT(saw_ok);
    sf_ctx_clear(ctx);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK || !mkdtemp(dir)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    test_temporary_and_commit(ctx);
    test_symlink_replaced(ctx);
    test_refusals(ctx);
    test_alloc_failures(ctx);
    rmdir(dir);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
