/* registry.h — the form registry: a case's `form:` name → its planner (reduction/) and its
 * constructor (solver/), and the pipeline case → plan → grids → tables → form → driver that
 * the command, the tests and the benchmarks share (app/registry.c). A new form is a planner,
 * a form file and one line of the registry's table.
 *
 * Not here: the mathematics of any form (solver/), the loop (drive.h), printing (app/main.c).
 */
#ifndef SYMFLOW_REGISTRY_H
#define SYMFLOW_REGISTRY_H

#include <stddef.h>

#include "symflow/case.h"
#include "symflow/drive.h"
#include "symflow/form.h"
#include "symflow/particles.h"
#include "symflow/plan.h"
#include "symflow/status.h"

/* A built form with everything it borrows (grids, tables, laws), and the drive parameters of
 * its case (output times, CVODE settings, the case's attributes). Opaque. */
typedef struct sf_instance sf_instance;

/* Build the form the case names (form: …). Unknown names are an error naming the key and
 * listing the registered forms. *out: owned, release with sf_instance_destroy. */
sf_status sf_registry_build(sf_ctx *ctx, const sf_case *c, sf_instance **out);

/* Build the particle simulator of the case (particles.*) as a form. */
sf_status sf_registry_build_particles(sf_ctx *ctx, const sf_case *c, sf_instance **out);

const sf_form *sf_instance_form(const sf_instance *in);       /* borrowed */
/* The instance's drive parameters (no file, no progress): set out_path, progress as needed. */
sf_drive_params sf_instance_drive_params(const sf_instance *in);
/* One line describing the instance, e.g. "lifted, target norm, d = 30, d_H = 5, 400 cells
 * (muscl, vanleer)" (borrowed). */
const char *sf_instance_describe(const sf_instance *in);
/* The grid of coordinate k (0 …) of a grid form, or NULL (borrowed). */
const sf_grid1 *sf_instance_grid(const sf_instance *in, size_t k);
void sf_instance_destroy(sf_instance **in);

/* What a solve reports besides the driver's summary. */
typedef struct {
    sf_drive_summary sum;   /* the driver's summary of the final solve */
    char describe[512];     /* the instance's description */
    char note[512];         /* a remark the user should see (form T: why the box grew), or "" */
    double minimiser_mass;  /* α of (L4) when known, else NaN */
} sf_solve_report;

typedef struct {
    const char *out_path;     /* file to write, or NULL */
    sf_progress_fn progress;  /* may be NULL */
    void *progress_user;
    int (*stop)(void *);      /* interruption poll of the driver (drive.h), may be NULL */
    void *stop_user;
    const char *resume_path;  /* continue this field file of the same case (drive.h), or NULL;
                                 its case attributes must match the case's (refused naming the
                                 first that differs) */
    double max_memory;        /* bytes a case may need (--max-memory); 0: the machine's
                                 available memory (sf_memory_available) */
    sf_table_progress_fn table_progress; /* the K̂ table's progress, before the solve (called
                                            with progress_user); may be NULL */
    const char *history;      /* the command line that asked for the solve, or NULL: a field
                                 file's `history` attribute becomes sf_nc_history(…, history)
                                 (ncio.h); particle files keep the default */
} sf_solve_opts;

/* What a case will hold in memory at once, estimated before anything large is allocated:
 * form L: the n² K̂ table and n-cell arrays; form T: the n_φ² K̂ table, the na·nu·nr state
 * and CVODE's vectors; the particle simulators: m² pair products and m·d neurons (full), or
 * the 4·257² reduced tables and 2m state (reduced); CVODE's vectors (adams: SF_MEM_ADAMS,
 * bdf with SPGMR: SF_MEM_BDF state copies); the output times. Output fields are streamed
 * to the file and not counted. */
typedef struct {
    double bytes;      /* the whole estimate */
    double largest;    /* its largest item */
    const char *key;   /* the case key that drives the largest item, e.g. "grid.cells" */
    long value;        /* that key's value */
    char what[128];    /* the largest item in words, e.g. "the K̂ table (40000² doubles)" */
} sf_memory_estimate;

/* Estimate the memory of the case's form (particles = 0) or particle simulator (1). Errors:
 * those of the planner's grid rule (form T). */
sf_status sf_registry_memory(sf_ctx *ctx, const sf_case *c, int particles, sf_memory_estimate *e);

/* Refuse (SF_E_NOMEM) a case whose estimate exceeds max_memory bytes (> 0, "--max-memory")
 * or, for 0, the machine's available memory; the message names where the key was set, its
 * value, the item and both figures. An unknown available memory checks nothing. */
sf_status sf_registry_check_memory(sf_ctx *ctx, const sf_case *c, int particles,
                                   double max_memory);

/* Build and drive the case's form (form T: under the planner's box policy). */
sf_status sf_registry_solve(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                            sf_solve_report *r);

/* Build and drive the case's particle simulator. */
sf_status sf_registry_particles(sf_ctx *ctx, const sf_case *c, const sf_solve_opts *o,
                                sf_solve_report *r);

/* Simulator parameters of a case (particles.*, solver.*, d, d_H) with the laws and, for
 * sgd, the pointwise target, whose evaluator the caller owns: sf_registry_psim_release.
 * The one mapping case → simulator (the command, tests and benchmarks share it). */
sf_status sf_registry_psim_params(sf_ctx *ctx, const sf_case *c, sf_psim_params *p);
void sf_registry_psim_release(sf_psim_params *p);

/* The registered form names, comma separated, into buf (cap bytes); returns the length. */
size_t sf_registry_names(char *buf, size_t cap);

#endif
