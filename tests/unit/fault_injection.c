/* fault_injection.c — every allocation site of a small complete pipeline fails cleanly
 * (house style "Memory"; SQLite's malloc tests): for n = 1, 2, … the n-th sf_alloc fails
 * (sf_ctx_fail_alloc_at) in a run of
 *   sf_case_load(cases/tiny.yaml, small overrides) → sf_registry_solve (a field file) →
 *   sf_registry_particles (m = 8, a particle file),
 * until a run needs fewer than n allocations and succeeds; then the same for form T, form
 * ode and an expression target (load → solve). Each failing run must return
 * SF_E_NOMEM (or a status whose message says "out of memory") and leave nothing in its
 * temporary directory: no output file, no `.tmp.<pid>`. Leaks are found by LSan in the
 * asan-ubsan preset (and by valgrind --leak-check=full by hand); a crash is a crash.
 * Prints the number of allocation sites exercised.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/registry.h"

/* The pipelines: tiny.yaml (form L) solved and trained; odd-linear.yaml as form T (box policy
 * with its pilot run) and as form ode; an expression target (expr.c's adapter). */
typedef struct {
    const char *path;
    const char *sets[6];
    int particles; /* 1: also sf_registry_particles */
} pipeline_spec;
static const pipeline_spec PIPELINES[] = {
    {"cases/tiny.yaml", {"grid.cells=16", "time.end=0.5", "time.outputs=3", "particles.m=8"}, 1},
    {"cases/odd-linear.yaml", {"grid.cells=8", "time.end=0.2", "time.outputs=2"}, 0},
    {"cases/odd-linear.yaml", {"form=ode", "time.end=0.2", "time.outputs=2"}, 0},
    {"cases/expression.yaml", {"grid.cells=16", "time.end=0.2", "time.outputs=2"}, 0},
};
enum { N_PIPELINES = sizeof PIPELINES / sizeof PIPELINES[0], MAX_RUNS = 100000 };

/* One pipeline run writing into dir; *stage: 0 load, 1 solve, 2 particles — the stage that
 * returned the status (the files of the stages before it are theirs to keep). */
static sf_status pipeline(sf_ctx *ctx, const char *dir, const pipeline_spec *p, int *stage)
{
    sf_status status = SF_OK;
    sf_case c = {0};
    sf_solve_report rep;
    char field[512], parts[512];
    size_t n_sets = 0;
    while (n_sets < 6 && p->sets[n_sets]) n_sets++;
    snprintf(field, sizeof field, "%s/field.nc", dir);
    snprintf(parts, sizeof parts, "%s/parts.nc", dir);
    *stage = 0;
    status = sf_case_load(ctx, p->path, p->sets, n_sets, &c);
    if (status != SF_OK) goto cleanup;
    *stage = 1;
    status = sf_registry_solve(ctx, &c, &(sf_solve_opts){.out_path = field}, &rep);
    if (status != SF_OK || !p->particles) goto cleanup;
    *stage = 2;
    status = sf_registry_particles(ctx, &c, &(sf_solve_opts){.out_path = parts}, &rep);
cleanup:
    sf_case_free(&c);
    return status;
}

/* Number of entries of dir other than . and ..; the first one into name. */
static int dir_entries(const char *dir, char *name, size_t cap)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (n++ == 0) snprintf(name, cap, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

static void dir_clear(const char *dir)
{
    char path[600];
    const char *names[] = {"field.nc", "parts.nc"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
}

int main(void)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_create(&ctx) != SF_OK) return 1;
    char dir[] = "/tmp/sf_fault_XXXXXX";
    if (!mkdtemp(dir)) return 1;

    long sites = 0;
    for (size_t k = 0; k < N_PIPELINES; k++) {
        const pipeline_spec *p = &PIPELINES[k];
        long n = 1;
        for (; n < MAX_RUNS; n++) {
            int stage = 0;
            sf_ctx_fail_alloc_at(ctx, n);
            const sf_status s = pipeline(ctx, dir, p, &stage);
            sf_ctx_fail_alloc_at(ctx, 0);
            char left[256] = "";
            const int entries = dir_entries(dir, left, sizeof left);
            if (s == SF_OK) {
                SF_EXPECT(entries == 1 + p->particles); /* every file written */
                if (entries != 1 + p->particles)
                    fprintf(stderr, "%s: %d files\n", p->path, entries);
                break;
            }
            const int nomem = s == SF_E_NOMEM || strstr(sf_ctx_message(ctx), "out of memory");
            if (!nomem)
                fprintf(stderr, "%s, allocation %ld: %s: %s\n", p->path, n, sf_status_name(s),
                        sf_ctx_message(ctx));
            SF_EXPECT(nomem);
            /* the failing stage left nothing; a failed particle run keeps the solve's field.nc */
            const int expected = stage == 2 ? 1 : 0;
            const int ok = entries == expected && (expected == 0 || !strcmp(left, "field.nc"));
            if (!ok)
                fprintf(stderr, "%s, allocation %ld (stage %d): left %s in %s\n", p->path, n,
                        stage, left, dir);
            SF_EXPECT(ok);
            sf_ctx_clear(ctx);
            dir_clear(dir);
        }
        SF_EXPECT(n < MAX_RUNS);
        printf("%s (%s%s): %ld allocation sites exercised\n", p->path, p->sets[0],
               p->particles ? ", particles" : "", n - 1);
        sites += n - 1;
        dir_clear(dir);
    }
    printf("%ld allocation sites exercised in all\n", sites);
    dir_clear(dir);
    rmdir(dir);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
