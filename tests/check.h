/* check.h — the assertions of symflow's C tests.
 *
 * Each failed check prints the expression, both values and file:line; a test ends with
 * SF_TEST_DONE(), which prints "N passed, N failed" and returns the exit code.
 * Tolerances are arguments: the caller names their origin next to the call.
 */
#ifndef SYMFLOW_TESTS_CHECK_H
#define SYMFLOW_TESTS_CHECK_H

#include <math.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

static int sf_test_passed, sf_test_failed;

#define SF_EXPECT(cond)                                                               \
    do {                                                                              \
        if (cond) {                                                                   \
            sf_test_passed++;                                                         \
        } else {                                                                      \
            sf_test_failed++;                                                         \
            fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                             \
    } while (0)

/* |a − b| ≤ tol, printing both values; NaN always fails. */
#define SF_EXPECT_NEAR(a, b, tol)                                                           \
    do {                                                                                    \
        double sf_a_ = (a), sf_b_ = (b), sf_t_ = (tol);                                     \
        if (fabs(sf_a_ - sf_b_) <= sf_t_) {                                                 \
            sf_test_passed++;                                                               \
        } else {                                                                            \
            sf_test_failed++;                                                               \
            fprintf(stderr, "%s:%d: FAIL: |%s − %s| ≤ %s: %.17g vs %.17g (diff %.3g, tol %.3g)\n", \
                    __FILE__, __LINE__, #a, #b, #tol, sf_a_, sf_b_, fabs(sf_a_ - sf_b_), sf_t_); \
        }                                                                                   \
    } while (0)

/* a ≤ b, printing both values. */
#define SF_EXPECT_LE(a, b)                                                               \
    do {                                                                                 \
        double sf_a_ = (a), sf_b_ = (b);                                                 \
        if (sf_a_ <= sf_b_) {                                                            \
            sf_test_passed++;                                                            \
        } else {                                                                         \
            sf_test_failed++;                                                            \
            fprintf(stderr, "%s:%d: FAIL: %s ≤ %s: %.17g vs %.17g\n", __FILE__, __LINE__, \
                    #a, #b, sf_a_, sf_b_);                                               \
        }                                                                                \
    } while (0)

/* A call returning sf_status must succeed; on failure print the context's message. */
#define SF_EXPECT_OK(ctx, call)                                                            \
    do {                                                                                   \
        sf_status sf_s_ = (call);                                                          \
        if (sf_s_ == SF_OK) {                                                              \
            sf_test_passed++;                                                              \
        } else {                                                                           \
            sf_test_failed++;                                                              \
            fprintf(stderr, "%s:%d: FAIL: %s returned %s: %s\n", __FILE__, __LINE__, #call, \
                    sf_status_name(sf_s_), sf_ctx_message(ctx));                           \
        }                                                                                  \
    } while (0)

/* Entries of directory `dir` whose name contains ".tmp." (left-over temporary files), or −1. */
static inline int sf_test_count_tmp(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

/* Whether `hay` contains `needle`; if not, say what was expected on stderr. */
static inline int sf_test_contains(const char *hay, const char *needle)
{
    int ok = hay && strstr(hay, needle) != NULL;
    if (!ok) fprintf(stderr, "  expected to find \"%s\" in:\n%s\n", needle, hay ? hay : "(null)");
    return ok;
}

#define SF_TEST_DONE()                                                            \
    do {                                                                          \
        printf("%d passed, %d failed\n", sf_test_passed, sf_test_failed);         \
        return sf_test_failed ? 1 : 0;                                            \
    } while (0)

#endif
