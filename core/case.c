/* case.c — YAML case files: defaults, reading a file and `--set key=value` overrides,
 * validation of every key, and where each key was set (include/symflow/case.h).
 *
 * Does: read the file with libyaml's document API (the only file that includes yaml.h),
 * convert each scalar by its key's kind (integer, real, boolean, name, text, enumeration,
 * output times), record "FILE:LINE" / "--set KEY=VALUE" / "FILE (default)" per key, resolve the
 * output times after every key is known, then validate ranges and cross-key rules.
 * Does not: decide what a key means numerically (reduction/, solver/), check that a target
 * name exists, that problem.expression parses or that problem.symmetry holds (reduction/),
 * print anything (app/).
 * MATH.md: the keys select the input law (§1), the initial law (§4.6), the form (§3, §4.3,
 * §4.4), the grid, scheme and CVODE settings (§5) and the particle runs (§6); no formula of
 * MATH.md is computed here.
 *
 * Case file reference (the README copies this block):
 *
 *   key                    kind                          default
 *   problem.input          gaussian | sphere             gaussian
 *   problem.d              integer ≥ 2                   30
 *   problem.d_H            integer, 1 ≤ d_H < d          5
 *   problem.target         name, 1 … 127 characters      norm   (checked by reduction/)
 *   problem.fold_even      true | false                  true   (even d_H = 1 targets on θ)
 *   problem.radial         true | false                  true   (false: radial d_H = 2 targets
 *                                                               on the hemisphere, §4.8)
 *   problem.expression     formula of x, 0 … 511 chars   ""     (problem.target: expression)
 *   problem.symmetry       none | odd | even             none   (declared; verified by reduction/)
 *   start.law              balanced-sphere | gaussian    balanced-sphere
 *   start.sigma_a          finite > 0                    1.0
 *   start.sigma_b          finite > 0                    1.0
 *   form                   lifted | transport | ode | hyperbolic | characteristics   lifted (hyperbolic when
 *                                                            start.law = gaussian)
 *   grid.cells             integer 8 … 1000000           200
 *   grid.spacing           uniform | refined | stretched | auto   auto (form L: follows the start's mass; form T: uniform)
 *   grid.ratio             finite ≥ 1                    10     (refined spacing only)
 *   grid.margin            finite ≥ 1                    1      (form T: box × margin)
 *   scheme.reconstruction  upwind | muscl                muscl
 *   scheme.limiter         minmod | vanleer              vanleer
 *   time.end               finite > 0                    100
 *   time.outputs           [t0, t1, …] or integer n ≥ 2  101    (n evenly spaced 0 … end)
 *   solver.method          adams | bdf                   adams
 *   solver.rtol            finite in (0, 0.1]            1e-8; form L: auto (L10), from the
 *                                                         spatial error estimate
 *   solver.atol            finite > 0                    1e-10
 *   solver.max_steps       integer ≥ 1                   1000000
 *   solver.kernel          factored | dense              factored (form L's K̂, L5)
 *   solver.kernel_tol      finite in (0, 1e-6]           1e-13  (factored: relative)
 *   solver.preconditioner  form | none                   form   (bdf: the form's own, L12)
 *   particles.m            integer ≥ 1                   1024
 *   particles.seed         integer ≥ 0                   1
 *   particles.symmetric    true | false (yes | no)       false
 *   particles.method       cvode | euler | sgd | reduced cvode
 *   particles.step         finite > 0                    5e-3
 *   particles.batch        integer ≥ 1                   256
 *   particles.sampling     random | quantile             random (quantile: reduced only)
 *   characteristics.nodes  integer 1 … 4096              64     (form characteristics: per sign)
 *
 * Rules: the top level is a mapping of the sections problem, start, grid, scheme, time,
 * solver, particles, characteristics (each a mapping; an empty section is allowed) and the scalar `form`.
 * Integers may be written 1e4 or 10000.0 when integral. Listed output times are finite,
 * in [0, time.end], strictly increasing (time.end need not be listed: it is always solved to and written
 * as the last output); a count n
 * means n times evenly spaced from 0 to time.end inclusive, resolved after the whole file
 * and every override are read. A key set twice keeps the last value; overrides come after
 * the file. Cross-key errors (d_H < d, outputs ≤ end) cite whichever key was set later.
 * Statuses: SF_E_PARSE for malformed YAML, unknown keys, wrong kinds and unknown names;
 * SF_E_RANGE for values out of range (NaN and ±inf included); SF_E_IO for an unreadable
 * file or one over 16 MiB (SF_CASE_FILE_MAX; a pipe or device is read up to the bound);
 * SF_E_PARSE for nesting deeper than SF_CASE_DEPTH_MAX levels; SF_E_NOMEM for a
 * time.outputs count whose times exceed the available memory; SF_E_ARG for an override
 * without '='. The overrides are kept, one a line, in sf_case.overrides.
 */
#include "symflow/case.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

/* ---- ranges and defaults ------------------------------------------------------------ */

#define SF_STR_(x) #x
#define SF_STR(x) SF_STR_(x)

/* Fewest cells per reduced coordinate: a limited MUSCL stencil spans 4 cells and the two
 * boundary layers need room, so coarser grids resolve nothing. */
#define SF_CASE_CELLS_MIN 8
/* Most cells per coordinate: 2-D grids of 10⁶ × 10⁶ cannot be stored; a typo guard. */
#define SF_CASE_CELLS_MAX 1000000
/* Loosest CVODE relative tolerance: past 10 % the local error test controls nothing. */
#define SF_CASE_RTOL_MAX 0.1
/* Loosest kernel factor tolerance (L8): looser would be a worse kernel than the grid's error. */
#define SF_CASE_KERNEL_TOL_MAX 1e-6
/* Fewest evenly spaced output times: the start and the end. */
#define SF_CASE_OUTPUTS_MIN 2
/* Largest integer magnitude read: 2^53, the bound below which a double (strtod's result)
 * holds every integer exactly, so "1e4" style integers convert without rounding. */
#define SF_CASE_INT_MAX 9007199254740992.0

/* Defaults (the table above; MATH.md §7 paper-norm problem for the problem block). */
#define SF_CASE_DEFAULT_D 30
#define SF_CASE_DEFAULT_D_H 5
#define SF_CASE_DEFAULT_TARGET "norm"
#define SF_CASE_DEFAULT_SIGMA 1.0     /* start.sigma_a, start.sigma_b: unit-variance start */
#define SF_CASE_DEFAULT_CELLS 200
#define SF_CASE_DEFAULT_RATIO 10.0
#define SF_CASE_DEFAULT_END 100.0
#define SF_CASE_DEFAULT_N_OUTPUTS 101 /* every unit of time for the default end */
/* SF_CASE_DEFAULT_RTOL, SF_CASE_DEFAULT_ATOL: case.h (form L's planner compares with them) */
#define SF_CASE_DEFAULT_MAX_STEPS 1000000
#define SF_CASE_DEFAULT_KERNEL_TOL 1e-13 /* (L8): a few hundred ulps of K̂, below quadrature */
#define SF_CASE_DEFAULT_M 1024
#define SF_CASE_DEFAULT_CHAR_NODES 64 /* characteristics.nodes: nodes per sign (docs/math.md (L9)) */
#define SF_CASE_CHAR_NODES_MAX 4096   /* the Gauss rule's dense eigen-solve (laws.c's limit) */
#define SF_CASE_DEFAULT_SEED 1
#define SF_CASE_DEFAULT_STEP 5e-3     /* Euler/SGD step η, stable for unit-scale data */
#define SF_CASE_DEFAULT_BATCH 256

enum {
    SF_CASE_KEY_CAP = 256,  /* longest dotted key kept in a message, bytes */
    SF_CASE_LOC_CAP = 1024, /* longest location text, bytes */
    SF_CASE_SHOW_CAP = 80,  /* longest value shown in a message, bytes */
    SF_CASE_LIST_CAP = 512, /* longest list of valid names in a message, bytes */
    SF_CASE_READ_CHUNK = 65536, /* bytes read per fread of a case file */
    SF_CASE_DEPTH_MAX = 64      /* deepest nesting of sequences and mappings: a case needs 3;
                                   libyaml's scanner is quadratic in the depth */
};
/* Largest case file read, bytes: a case is a page of text; a bound keeps /dev/urandom or a
 * mistaken data file from filling memory. */
#define SF_CASE_FILE_MAX (16u * 1024u * 1024u)

/* ---- name tables -------------------------------------------------------------------- */

static const char *const sf_input_list[] = {"gaussian", "sphere"};
static const char *const sf_start_list[] = {"balanced-sphere", "gaussian"};
static const char *const sf_spacing_list[] = {"uniform", "refined", "stretched", "auto"};
static const char *const sf_recon_list[] = {"upwind", "muscl"};
static const char *const sf_limiter_list[] = {"minmod", "vanleer"};
static const char *const sf_method_list[] = {"adams", "bdf"};
static const char *const sf_pmethod_list[] = {"cvode", "euler", "sgd", "reduced"};

#define SF_TABLE(list) {list, (int)(sizeof list / sizeof list[0])}
const sf_name_table sf_input_names = SF_TABLE(sf_input_list);
const sf_name_table sf_start_names = SF_TABLE(sf_start_list);
const sf_name_table sf_spacing_names = SF_TABLE(sf_spacing_list);
const sf_name_table sf_recon_names = SF_TABLE(sf_recon_list);
const sf_name_table sf_limiter_names = SF_TABLE(sf_limiter_list);
const sf_name_table sf_method_names = SF_TABLE(sf_method_list);
const sf_name_table sf_pmethod_names = SF_TABLE(sf_pmethod_list);
static const char *const sf_sampling_list[] = {"random", "quantile"};
const sf_name_table sf_sampling_names = SF_TABLE(sf_sampling_list);
static const char *const sf_symmetry_list[] = {"none", "odd", "even"};
static const char *const sf_kernel_op_list[] = {"factored", "dense"};
const sf_name_table sf_kernel_op_names = SF_TABLE(sf_kernel_op_list);
static const char *const sf_precond_list[] = {"form", "none"};
const sf_name_table sf_precond_names = SF_TABLE(sf_precond_list);
const sf_name_table sf_symmetry_names = SF_TABLE(sf_symmetry_list);
#undef SF_TABLE

const char *sf_name_of(const sf_name_table *t, int v)
{
    if (!t || v < 0 || v >= t->count) return "?";
    return t->names[v];
}

/* ---- the key table ------------------------------------------------------------------ */

/* Enumerations are stored through an int pointer: every sf_* enum has int's size. */
_Static_assert(sizeof(sf_input) == sizeof(int) && sizeof(sf_start_law) == sizeof(int) &&
                   sizeof(sf_spacing) == sizeof(int) &&
                   sizeof(sf_recon) == sizeof(int) && sizeof(sf_limiter) == sizeof(int) &&
                   sizeof(sf_method) == sizeof(int) && sizeof(sf_pmethod) == sizeof(int) &&
                   sizeof(sf_sampling) == sizeof(int) && sizeof(sf_symmetry) == sizeof(int) &&
                   sizeof(sf_kernel_op) == sizeof(int) && sizeof(sf_precond) == sizeof(int),
               "enumerations are stored as int");

typedef enum {
    SF_KIND_ENUM,   /* int field, a name of `names` */
    SF_KIND_INT,    /* long field, integral, lo ≤ v ≤ hi */
    SF_KIND_REAL,   /* double field, finite, lo <(=) v <(=) hi */
    SF_KIND_BOOL,   /* int field, 0 or 1 */
    SF_KIND_NAME,   /* char[SF_NAME_CAP] field, non-empty */
    SF_KIND_TEXT,   /* char[SF_EXPR_CAP] field, may be empty (null reads as "") */
    SF_KIND_OUTPUTS /* time.outputs: a sequence of times or a count */
} sf_key_kind;

typedef struct {
    const char *section;        /* "" for top-level scalar keys */
    const char *name;           /* key within the section */
    sf_key_kind kind;           /* how the value is read */
    size_t offset;              /* field offset in sf_case */
    const sf_name_table *names; /* SF_KIND_ENUM: valid names */
    double lo, hi;              /* range (INT, REAL) */
    int lo_open, hi_open;       /* REAL: strict bounds */
    const char *expect;         /* "expected …" text; NULL for enums (listed names) */
} sf_key_desc;

#define SF_OFF(member) offsetof(sf_case, member)
#define SF_ENUM_KEY(sec, nm, member, table) \
    {sec, nm, SF_KIND_ENUM, SF_OFF(member), &table, 0, 0, 0, 0, NULL}
#define SF_INT_KEY(sec, nm, member, lo, hi, expect) \
    {sec, nm, SF_KIND_INT, SF_OFF(member), NULL, lo, hi, 0, 0, expect}
#define SF_REAL_KEY(sec, nm, member, lo, hi, lo_open, hi_open, expect) \
    {sec, nm, SF_KIND_REAL, SF_OFF(member), NULL, lo, hi, lo_open, hi_open, expect}

static const sf_key_desc sf_keys[] = {
    SF_ENUM_KEY("problem", "input", problem.input, sf_input_names),
    SF_INT_KEY("problem", "d", problem.d, 2, HUGE_VAL, "an integer ≥ 2"),
    SF_INT_KEY("problem", "d_H", problem.d_H, 1, HUGE_VAL, "an integer ≥ 1"),
    {"problem", "target", SF_KIND_NAME, SF_OFF(problem.target), NULL, 0, 0, 0, 0,
     "a name of 1 to 127 characters"},
    {"problem", "fold_even", SF_KIND_BOOL, SF_OFF(problem.fold_even), NULL, 0, 0, 0, 0,
     "true or false"},
    {"problem", "radial", SF_KIND_BOOL, SF_OFF(problem.radial), NULL, 0, 0, 0, 0,
     "true or false"},
    {"problem", "expression", SF_KIND_TEXT, SF_OFF(problem.expression), NULL, 0, 0, 0, 0,
     "a formula of x of at most 511 characters"},
    SF_ENUM_KEY("problem", "symmetry", problem.symmetry, sf_symmetry_names),
    SF_ENUM_KEY("start", "law", start.law, sf_start_names),
    SF_REAL_KEY("start", "sigma_a", start.sigma_a, 0, HUGE_VAL, 1, 0, "a finite number > 0"),
    SF_REAL_KEY("start", "sigma_b", start.sigma_b, 0, HUGE_VAL, 1, 0, "a finite number > 0"),
    {"", "form", SF_KIND_NAME, SF_OFF(form), NULL, 0, 0, 0, 0,
     "a form name of 1 to 127 characters"},
    SF_INT_KEY("grid", "cells", grid.cells, SF_CASE_CELLS_MIN, SF_CASE_CELLS_MAX,
               "an integer ≥ " SF_STR(SF_CASE_CELLS_MIN) " and ≤ " SF_STR(SF_CASE_CELLS_MAX)),
    SF_ENUM_KEY("grid", "spacing", grid.spacing, sf_spacing_names),
    SF_REAL_KEY("grid", "ratio", grid.ratio, 1, HUGE_VAL, 0, 0, "a finite number ≥ 1"),
    SF_REAL_KEY("grid", "margin", grid.margin, 1, HUGE_VAL, 0, 0, "a finite number ≥ 1"),
    SF_ENUM_KEY("scheme", "reconstruction", scheme.reconstruction, sf_recon_names),
    SF_ENUM_KEY("scheme", "limiter", scheme.limiter, sf_limiter_names),
    SF_REAL_KEY("time", "end", time.end, 0, HUGE_VAL, 1, 0, "a finite number > 0"),
    {"time", "outputs", SF_KIND_OUTPUTS, SF_OFF(time.outputs), NULL, 0, 0, 0, 0,
     "a sequence of times or an integer ≥ " SF_STR(SF_CASE_OUTPUTS_MIN)},
    SF_ENUM_KEY("solver", "method", solver.method, sf_method_names),
    SF_REAL_KEY("solver", "rtol", solver.rtol, 0, SF_CASE_RTOL_MAX, 1, 0,
                "a finite number in (0, " SF_STR(SF_CASE_RTOL_MAX) "]"),
    SF_REAL_KEY("solver", "atol", solver.atol, 0, HUGE_VAL, 1, 0, "a finite number > 0"),
    SF_INT_KEY("solver", "max_steps", solver.max_steps, 1, HUGE_VAL, "an integer ≥ 1"),
    SF_ENUM_KEY("solver", "kernel", solver.kernel, sf_kernel_op_names),
    SF_ENUM_KEY("solver", "preconditioner", solver.precond, sf_precond_names),
    SF_REAL_KEY("solver", "kernel_tol", solver.kernel_tol, 0, SF_CASE_KERNEL_TOL_MAX, 1, 0,
                "a finite number in (0, " SF_STR(SF_CASE_KERNEL_TOL_MAX) "]"),
    SF_INT_KEY("particles", "m", particles.m, 1, HUGE_VAL, "an integer ≥ 1"),
    SF_INT_KEY("particles", "seed", particles.seed, 0, HUGE_VAL, "an integer ≥ 0"),
    {"particles", "symmetric", SF_KIND_BOOL, SF_OFF(particles.symmetric), NULL, 0, 0, 0, 0,
     "true or false"},
    SF_ENUM_KEY("particles", "method", particles.method, sf_pmethod_names),
    SF_REAL_KEY("particles", "step", particles.step, 0, HUGE_VAL, 1, 0, "a finite number > 0"),
    SF_INT_KEY("particles", "batch", particles.batch, 1, HUGE_VAL, "an integer ≥ 1"),
    SF_ENUM_KEY("particles", "sampling", particles.sampling, sf_sampling_names),
    SF_INT_KEY("characteristics", "nodes", characteristics.nodes, 1, SF_CASE_CHAR_NODES_MAX,
               "an integer ≥ 1 and ≤ " SF_STR(SF_CASE_CHAR_NODES_MAX)),
};
_Static_assert(SF_NAME_CAP == 128, "problem.target's expect text says 127 characters");
_Static_assert(SF_EXPR_CAP == 512, "problem.expression's expect text says 511 characters");
enum { SF_N_KEYS = (int)(sizeof sf_keys / sizeof sf_keys[0]) };

/* Top-level keys in the order the README lists them ("form" is a scalar, the rest
 * sections). */
static const char *const sf_top_keys[] = {"problem", "start",  "form",   "grid",
                                          "scheme",  "time",   "solver", "particles",
                                          "characteristics"};
enum { SF_N_TOP = (int)(sizeof sf_top_keys / sizeof sf_top_keys[0]) };

static const sf_key_desc *find_key(const char *section, const char *name)
{
    for (int i = 0; i < SF_N_KEYS; i++)
        if (strcmp(sf_keys[i].section, section) == 0 && strcmp(sf_keys[i].name, name) == 0)
            return &sf_keys[i];
    return NULL;
}

static int is_section(const char *name)
{
    for (int i = 0; i < SF_N_KEYS; i++)
        if (sf_keys[i].section[0] && strcmp(sf_keys[i].section, name) == 0) return 1;
    return 0;
}

static void full_key(char *buf, size_t cap, const sf_key_desc *k)
{
    if (k->section[0])
        snprintf(buf, cap, "%s.%s", k->section, k->name);
    else
        snprintf(buf, cap, "%s", k->name);
}

/* Index in sf_keys of a dotted key ("grid.margin", "form"), or −1. */
static int key_index(const char *dotted)
{
    char key[SF_CASE_KEY_CAP];
    for (int i = 0; i < SF_N_KEYS; i++) {
        full_key(key, sizeof key, &sf_keys[i]);
        if (!strcmp(key, dotted)) return i;
    }
    return -1;
}
_Static_assert(SF_N_KEYS <= 64, "sf_case.user_set has a bit per key");

/* "a, b, c" into buf (truncated at cap). */
static void join_names(char *buf, size_t cap, const char *const *names, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used + 1 < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

static void enum_expect(char *buf, size_t cap, const sf_name_table *t)
{
    char list[SF_CASE_LIST_CAP];
    join_names(list, sizeof list, t->names, t->count);
    snprintf(buf, cap, "one of %s", list);
}

/* ---- where each key was set --------------------------------------------------------- */

/* Capacity of the where arrays for n entries: the next power of two ≥ n (1 for n = 0). The
 * arrays always hold at least this many slots, so growth is amortised O(1). */
static size_t where_cap(size_t n)
{
    size_t cap = 1;
    while (cap < n) cap *= 2;
    return cap;
}

/* Append (key, text) without removing earlier entries. key, text: borrowed (copied). */
static sf_status where_append(sf_ctx *ctx, sf_case *c, const char *key, const char *text)
{
    sf_status status = SF_OK;
    char **keys = NULL, **texts = NULL;
    char *k = NULL, *t = NULL;
    k = sf_strdup(ctx, key);
    if (!k) { status = SF_E_NOMEM; goto cleanup; }
    t = sf_strdup(ctx, text);
    if (!t) { status = SF_E_NOMEM; goto cleanup; }
    if (!c->where_keys || c->n_where + 1 > where_cap(c->n_where)) {
        size_t cap = where_cap(c->n_where + 1);
        SF_ALLOC(ctx, keys, cap);
        SF_ALLOC(ctx, texts, cap);
        if (c->n_where) {
            memcpy(keys, c->where_keys, c->n_where * sizeof *keys);
            memcpy(texts, c->where_text, c->n_where * sizeof *texts);
        }
        free(c->where_keys);
        free(c->where_text);
        c->where_keys = keys;
        c->where_text = texts;
        keys = texts = NULL;
    }
    c->where_keys[c->n_where] = k;
    c->where_text[c->n_where] = t;
    c->n_where++;
    k = t = NULL;
cleanup:
    free(keys);
    free(texts);
    free(k);
    free(t);
    return status;
}

/* Does entry `e` belong to key (equal, or an element "key[i]")? */
static int where_matches(const char *e, const char *key)
{
    size_t n = strlen(key);
    return strncmp(e, key, n) == 0 && (e[n] == '\0' || e[n] == '[');
}

/* Record that `key` was set at `text` (by the file or an override), forgetting where it (and
 * its elements) were set before; the entry moves to the end, so the order of entries is the
 * order of setting. */
static sf_status where_set(sf_ctx *ctx, sf_case *c, const char *key, const char *text)
{
    sf_status status = SF_OK;
    size_t kept = 0;
    const int ki = key_index(key);
    if (ki >= 0) c->user_set |= 1ull << ki;
    for (size_t i = 0; i < c->n_where; i++) {
        if (where_matches(c->where_keys[i], key)) {
            free(c->where_keys[i]);
            free(c->where_text[i]);
        } else {
            c->where_keys[kept] = c->where_keys[i];
            c->where_text[kept] = c->where_text[i];
            kept++;
        }
    }
    c->n_where = kept;
    SF_TRY(ctx, where_append(ctx, c, key, text));
cleanup:
    return status;
}

static long where_index(const sf_case *c, const char *key)
{
    for (size_t i = c->n_where; i-- > 0;)
        if (strcmp(c->where_keys[i], key) == 0) return (long)i;
    return -1;
}

int sf_case_is_set(const sf_case *c, const char *key)
{
    const int i = key_index(key);
    return c && i >= 0 && (c->user_set >> i & 1u);
}

const char *sf_case_where(const sf_case *c, const char *key)
{
    if (!c || !key) return "(default)";
    long i = where_index(c, key);
    if (i < 0) {
        /* An element "time.outputs[3]" not set on its own line: where the list was set. */
        const char *bracket = strchr(key, '[');
        char base[SF_CASE_KEY_CAP];
        if (bracket && (size_t)(bracket - key) < sizeof base) {
            memcpy(base, key, (size_t)(bracket - key));
            base[bracket - key] = '\0';
            i = where_index(c, base);
        }
    }
    return i < 0 ? "(default)" : c->where_text[i];
}

/* ---- defaults ----------------------------------------------------------------------- */

/* n evenly spaced times 0 … end inclusive into a fresh owned array (replaces the old). */
static sf_status set_even_outputs(sf_ctx *ctx, sf_case *c, size_t n)
{
    sf_status status = SF_OK;
    double *t = NULL;
    const double avail = sf_memory_available(), need = (double)n * (double)sizeof *t;
    if (avail > 0.0 && need > avail) {
        char a[32], b[32];
        sf_format_bytes(need, a, sizeof a);
        sf_format_bytes(avail, b, sizeof b);
        status = sf_error(ctx, SF_E_NOMEM, __FILE__, __LINE__,
                          "%s: time.outputs = %zu: the output times need %s, more than the %s "
                          "available (MemAvailable)", sf_case_where(c, "time.outputs"), n, a, b);
        goto cleanup;
    }
    SF_ALLOC(ctx, t, n);
    for (size_t i = 0; i < n; i++) t[i] = c->time.end * (double)i / (double)(n - 1);
    t[n - 1] = c->time.end; /* exactly, whatever the rounding of the quotient */
    free(c->time.outputs);
    c->time.outputs = t;
    c->time.n_outputs = n;
cleanup:
    return status;
}

/* Defaults into a zeroed *c, each key recorded as "PATH (default)" ("(default)" when path
 * is NULL). path: borrowed. */
static sf_status defaults_at(sf_ctx *ctx, sf_case *c, const char *path)
{
    sf_status status = SF_OK;
    char *where = NULL;
    char key[SF_CASE_KEY_CAP];

    c->path = sf_strdup(ctx, path ? path : "");
    if (!c->path) { status = SF_E_NOMEM; goto cleanup; }
    c->text = sf_strdup(ctx, "");
    if (!c->text) { status = SF_E_NOMEM; goto cleanup; }

    c->problem.input = SF_INPUT_GAUSSIAN;
    c->problem.d = SF_CASE_DEFAULT_D;
    c->problem.d_H = SF_CASE_DEFAULT_D_H;
    snprintf(c->problem.target, sizeof c->problem.target, "%s", SF_CASE_DEFAULT_TARGET);
    c->start.law = SF_START_BALANCED_SPHERE;
    c->start.sigma_a = SF_CASE_DEFAULT_SIGMA;
    c->start.sigma_b = SF_CASE_DEFAULT_SIGMA;
    snprintf(c->form, sizeof c->form, "%s", "lifted");
    c->grid.cells = SF_CASE_DEFAULT_CELLS;
    c->grid.spacing = SF_SPACING_AUTO;
    c->grid.ratio = SF_CASE_DEFAULT_RATIO;
    c->grid.margin = 1.0;
    c->scheme.reconstruction = SF_RECON_MUSCL;
    c->scheme.limiter = SF_LIMITER_VANLEER;
    c->time.end = SF_CASE_DEFAULT_END;
    SF_TRY(ctx, set_even_outputs(ctx, c, SF_CASE_DEFAULT_N_OUTPUTS));
    c->solver.method = SF_METHOD_ADAMS;
    c->solver.rtol = SF_CASE_DEFAULT_RTOL;
    c->solver.atol = SF_CASE_DEFAULT_ATOL;
    c->solver.max_steps = SF_CASE_DEFAULT_MAX_STEPS;
    c->solver.kernel = SF_KERNEL_FACTORED;
    c->solver.precond = SF_PRECOND_FORM;
    c->solver.kernel_tol = SF_CASE_DEFAULT_KERNEL_TOL;
    c->particles.m = SF_CASE_DEFAULT_M;
    c->characteristics.nodes = SF_CASE_DEFAULT_CHAR_NODES;
    c->particles.seed = SF_CASE_DEFAULT_SEED;
    c->particles.symmetric = 0;
    c->problem.fold_even = 1;
    c->problem.radial = 1;
    c->problem.expression[0] = '\0'; /* unset: only problem.target = expression reads it */
    c->problem.symmetry = SF_SYMMETRY_NONE;
    c->particles.method = SF_PMETHOD_CVODE;
    c->particles.step = SF_CASE_DEFAULT_STEP;
    c->particles.batch = SF_CASE_DEFAULT_BATCH;
    c->particles.sampling = SF_SAMPLING_RANDOM;

    {
        size_t len = strlen(c->path) + sizeof " (default)";
        SF_ALLOC(ctx, where, len);
        snprintf(where, len, "%s%s(default)", c->path, c->path[0] ? " " : "");
    }
    for (int i = 0; i < SF_N_KEYS; i++) {
        full_key(key, sizeof key, &sf_keys[i]);
        SF_TRY(ctx, where_append(ctx, c, key, where));
    }
cleanup:
    free(where);
    return status;
}

sf_status sf_case_defaults(sf_ctx *ctx, sf_case *c)
{
    sf_status status = SF_OK;
    SF_CHECK(ctx, c != NULL, SF_E_ARG, "sf_case_defaults: no case given");
    SF_TRY(ctx, defaults_at(ctx, c, NULL));
cleanup:
    if (status != SF_OK && c) sf_case_free(c);
    return status;
}

void sf_case_free(sf_case *c)
{
    if (!c) return;
    free(c->path);
    free(c->text);
    free(c->overrides);
    free(c->time.outputs);
    for (size_t i = 0; i < c->n_where; i++) {
        free(c->where_keys[i]);
        free(c->where_text[i]);
    }
    free(c->where_keys);
    free(c->where_text);
    memset(c, 0, sizeof *c);
}

/* ---- scalar conversion -------------------------------------------------------------- */

static int ascii_lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

static int same_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b)) return 0;
    return *a == *b;
}

/* A YAML 1.1 float or int into *v: .nan, ±.inf (any case) and whatever strtod reads whole
 * (nan and inf included; validation rejects them with the key's range). 1 if read. */
static int read_number(const char *s, double *v)
{
    const char *p = s;
    int neg = 0;
    if (same_nocase(s, ".nan")) {
        *v = NAN;
        return 1;
    }
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (same_nocase(p, ".inf")) {
        *v = neg ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    if (!*s) return 0;
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0') return 0;
    *v = x; /* ERANGE overflow gives ±HUGE_VAL, caught by the range checks */
    return 1;
}

static int is_null_scalar(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = (const char *)n->data.scalar.value;
    return !s[0] || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

/* ---- the loader --------------------------------------------------------------------- */

typedef struct {
    sf_ctx *ctx;
    sf_case *c;
    const char *path;      /* case file path (borrowed), for locations */
    const char *set_text;  /* the override "key=value" being applied, NULL for the file */
    yaml_document_t *doc;  /* document being read (borrowed) */
    long outputs_count;    /* > 0: time.outputs is this many evenly spaced times */
} sf_loader;

/* "FILE:LINE" of node n, or "--set KEY=VALUE" for an override. */
static void loc_of(const sf_loader *ld, const yaml_node_t *n, char *buf, size_t cap)
{
    if (ld->set_text)
        snprintf(buf, cap, "--set %s", ld->set_text);
    else
        snprintf(buf, cap, "%s:%lu", ld->path, (unsigned long)n->start_mark.line + 1);
}

/* How a node's value reads in a message (truncated). */
static void show_value(const yaml_node_t *n, char *buf, size_t cap)
{
    if (n->type == YAML_MAPPING_NODE) {
        snprintf(buf, cap, "(a mapping)");
    } else if (n->type == YAML_SEQUENCE_NODE) {
        snprintf(buf, cap, "(a sequence)");
    } else {
        const char *s = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        const char *nl = memchr(s, '\n', len);
        if (nl) len = (size_t)(nl - s);
        if (!len)
            snprintf(buf, cap, "(empty)");
        else if (len > SF_CASE_SHOW_CAP)
            snprintf(buf, cap, "%.*s…", (int)SF_CASE_SHOW_CAP, s);
        else
            snprintf(buf, cap, "%.*s", (int)len, s);
    }
}

/* "LOC: KEY = VALUE: expected WHAT"; quote = 1 puts the value in quotes (names). */
static sf_status value_error(const sf_loader *ld, const yaml_node_t *n, sf_status code,
                             const char *key, int quote, const char *expect, int line)
{
    char loc[SF_CASE_LOC_CAP], val[SF_CASE_SHOW_CAP + 16];
    loc_of(ld, n, loc, sizeof loc);
    show_value(n, val, sizeof val);
    if (quote && n->type == YAML_SCALAR_NODE)
        return sf_error(ld->ctx, code, __FILE__, line, "%s: %s = '%s': expected %s", loc, key,
                        val, expect);
    return sf_error(ld->ctx, code, __FILE__, line, "%s: %s = %s: expected %s", loc, key, val,
                    expect);
}

static const yaml_node_t *node_at(const sf_loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

/* Read an integral number (|v| ≤ 2^53) from scalar n; errors name key and expect. */
static sf_status read_integer(const sf_loader *ld, const yaml_node_t *n, const char *key,
                              const char *expect, long *out)
{
    sf_status status = SF_OK;
    double v = 0;
    if (n->type != YAML_SCALAR_NODE || !read_number((const char *)n->data.scalar.value, &v) ||
        !isfinite(v) || v != floor(v)) {
        status = value_error(ld, n, SF_E_PARSE, key, 0, expect, __LINE__);
        goto cleanup;
    }
    if (fabs(v) > SF_CASE_INT_MAX) {
        status = value_error(ld, n, SF_E_RANGE, key, 0,
                             "an integer of magnitude at most 2^53", __LINE__);
        goto cleanup;
    }
    *out = (long)v;
cleanup:
    return status;
}

/* time.outputs: a sequence of numbers (stored now, each element's place recorded) or a
 * count n ≥ 2 (resolved after every key is read). */
static sf_status apply_outputs(sf_loader *ld, const yaml_node_t *key_node, const char *key,
                               const sf_key_desc *k, const yaml_node_t *v)
{
    sf_status status = SF_OK;
    sf_case *c = ld->c;
    double *t = NULL;
    char loc[SF_CASE_LOC_CAP], elem[SF_CASE_KEY_CAP + 24] /* key + "[index]" */;

    if (v->type == YAML_SCALAR_NODE) {
        long n = 0;
        SF_TRY(ld->ctx, read_integer(ld, v, key, k->expect, &n));
        if (n < SF_CASE_OUTPUTS_MIN) {
            status = value_error(ld, v, SF_E_RANGE, key, 0, k->expect, __LINE__);
            goto cleanup;
        }
        loc_of(ld, key_node, loc, sizeof loc);
        SF_TRY(ld->ctx, where_set(ld->ctx, c, key, loc));
        ld->outputs_count = n;
        goto cleanup;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        status = value_error(ld, v, SF_E_PARSE, key, 0, k->expect, __LINE__);
        goto cleanup;
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    SF_ALLOC(ld->ctx, t, n);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *e = node_at(ld, v->data.sequence.items.start[i]);
        snprintf(elem, sizeof elem, "%s[%zu]", key, i);
        if (e->type != YAML_SCALAR_NODE || !read_number((const char *)e->data.scalar.value,
                                                        &t[i])) {
            status = value_error(ld, e, SF_E_PARSE, elem, 0, "a number (a time)", __LINE__);
            goto cleanup;
        }
    }
    loc_of(ld, key_node, loc, sizeof loc);
    SF_TRY(ld->ctx, where_set(ld->ctx, c, key, loc));
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *e = node_at(ld, v->data.sequence.items.start[i]);
        snprintf(elem, sizeof elem, "%s[%zu]", key, i);
        loc_of(ld, e, loc, sizeof loc);
        SF_TRY(ld->ctx, where_append(ld->ctx, c, elem, loc));
    }
    free(c->time.outputs);
    c->time.outputs = t;
    c->time.n_outputs = n;
    t = NULL;
    ld->outputs_count = 0;
cleanup:
    free(t);
    return status;
}

/* Set key k from value node v; key_node locates the key (its line is recorded). */
static sf_status apply_value(sf_loader *ld, const sf_key_desc *k, const yaml_node_t *key_node,
                             const yaml_node_t *v)
{
    sf_status status = SF_OK;
    sf_case *c = ld->c;
    char key[SF_CASE_KEY_CAP], loc[SF_CASE_LOC_CAP], expect[SF_CASE_LIST_CAP + 16];
    void *field = (char *)c + k->offset;
    full_key(key, sizeof key, k);

    if (k->kind == SF_KIND_OUTPUTS) {
        SF_TRY(ld->ctx, apply_outputs(ld, key_node, key, k, v));
        goto cleanup;
    }
    const char *s = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;
    switch (k->kind) {
    case SF_KIND_ENUM: {
        int found = -1;
        for (int i = 0; s && i < k->names->count; i++)
            if (strcmp(s, k->names->names[i]) == 0) found = i;
        if (found < 0) {
            enum_expect(expect, sizeof expect, k->names);
            status = value_error(ld, v, SF_E_PARSE, key, 1, expect, __LINE__);
            goto cleanup;
        }
        *(int *)field = found;
        break;
    }
    case SF_KIND_INT:
        SF_TRY(ld->ctx, read_integer(ld, v, key, k->expect, (long *)field));
        break;
    case SF_KIND_REAL:
        if (!s || !read_number(s, (double *)field)) {
            status = value_error(ld, v, SF_E_PARSE, key, 0, k->expect, __LINE__);
            goto cleanup;
        }
        break;
    case SF_KIND_BOOL:
        if (s && (same_nocase(s, "true") || same_nocase(s, "yes"))) {
            *(int *)field = 1;
        } else if (s && (same_nocase(s, "false") || same_nocase(s, "no"))) {
            *(int *)field = 0;
        } else {
            status = value_error(ld, v, SF_E_PARSE, key, 0, k->expect, __LINE__);
            goto cleanup;
        }
        break;
    case SF_KIND_NAME:
        if (!s || is_null_scalar(v)) {
            status = value_error(ld, v, SF_E_PARSE, key, 1, k->expect, __LINE__);
            goto cleanup;
        }
        if (v->data.scalar.length >= SF_NAME_CAP || strlen(s) != v->data.scalar.length) {
            status = value_error(ld, v, SF_E_RANGE, key, 1, k->expect, __LINE__);
            goto cleanup;
        }
        memcpy(field, s, v->data.scalar.length + 1);
        break;
    case SF_KIND_TEXT:
        if (!s) {
            status = value_error(ld, v, SF_E_PARSE, key, 1, k->expect, __LINE__);
            goto cleanup;
        }
        if (is_null_scalar(v)) {
            *(char *)field = '\0';
            break;
        }
        if (v->data.scalar.length >= SF_EXPR_CAP || strlen(s) != v->data.scalar.length) {
            status = value_error(ld, v, SF_E_RANGE, key, 1, k->expect, __LINE__);
            goto cleanup;
        }
        memcpy(field, s, v->data.scalar.length + 1);
        break;
    case SF_KIND_OUTPUTS:
        break; /* handled above */
    }
    loc_of(ld, key_node, loc, sizeof loc);
    SF_TRY(ld->ctx, where_set(ld->ctx, c, key, loc));
cleanup:
    return status;
}

/* "LOC: KEY: unknown key; valid keys of SECTION: …" (top level when section is ""). */
static sf_status unknown_key(const sf_loader *ld, const yaml_node_t *at, const char *section,
                             const char *name, int line)
{
    char loc[SF_CASE_LOC_CAP], list[SF_CASE_LIST_CAP];
    const char *names[SF_N_KEYS];
    int n = 0;
    loc_of(ld, at, loc, sizeof loc);
    if (!section[0]) {
        join_names(list, sizeof list, sf_top_keys, SF_N_TOP);
        return sf_error(ld->ctx, SF_E_PARSE, __FILE__, line,
                        "%s: %.*s: unknown key; valid top-level keys: %s", loc,
                        (int)SF_CASE_SHOW_CAP, name, list);
    }
    for (int i = 0; i < SF_N_KEYS; i++)
        if (strcmp(sf_keys[i].section, section) == 0) names[n++] = sf_keys[i].name;
    join_names(list, sizeof list, names, n);
    return sf_error(ld->ctx, SF_E_PARSE, __FILE__, line,
                    "%s: %s.%.*s: unknown key; valid keys of %s: %s", loc, section,
                    (int)SF_CASE_SHOW_CAP, name, section, list);
}

/* A section's mapping (or null: an empty section). */
static sf_status apply_section(sf_loader *ld, const char *section, const yaml_node_t *v)
{
    sf_status status = SF_OK;
    char expect[SF_CASE_LIST_CAP + 32], list[SF_CASE_LIST_CAP];
    const char *names[SF_N_KEYS];
    int n_names = 0;

    if (is_null_scalar(v)) goto cleanup;
    if (v->type != YAML_MAPPING_NODE) {
        for (int i = 0; i < SF_N_KEYS; i++)
            if (strcmp(sf_keys[i].section, section) == 0) names[n_names++] = sf_keys[i].name;
        join_names(list, sizeof list, names, n_names);
        snprintf(expect, sizeof expect, "a mapping of %s", list);
        status = value_error(ld, v, SF_E_PARSE, section, 0, expect, __LINE__);
        goto cleanup;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *kn = node_at(ld, p->key), *vn = node_at(ld, p->value);
        if (kn->type != YAML_SCALAR_NODE) {
            status = value_error(ld, kn, SF_E_PARSE, section, 0, "a key name", __LINE__);
            goto cleanup;
        }
        const char *name = (const char *)kn->data.scalar.value;
        const sf_key_desc *k = find_key(section, name);
        if (!k) {
            status = unknown_key(ld, kn, section, name, __LINE__);
            goto cleanup;
        }
        SF_TRY(ld->ctx, apply_value(ld, k, kn, vn));
    }
cleanup:
    return status;
}

/* A top-level key: a section or the scalar `form`. */
static sf_status apply_top(sf_loader *ld, const char *name, const yaml_node_t *key_node,
                           const yaml_node_t *v)
{
    sf_status status = SF_OK;
    const sf_key_desc *k = find_key("", name);
    if (k) {
        SF_TRY(ld->ctx, apply_value(ld, k, key_node, v));
    } else if (is_section(name)) {
        SF_TRY(ld->ctx, apply_section(ld, name, v));
    } else {
        status = unknown_key(ld, key_node, "", name, __LINE__);
    }
cleanup:
    return status;
}

/* libyaml's failure as "LOC[:COL]: malformed YAML: problem (context)". */
static sf_status yaml_failure(const sf_loader *ld, const yaml_parser_t *p, const char *text)
{
    if (p->error == YAML_MEMORY_ERROR)
        return sf_error(ld->ctx, SF_E_NOMEM, __FILE__, __LINE__,
                        "out of memory while reading YAML (libyaml)");
    const char *problem = p->problem ? p->problem : "unknown error";
    char ctxt[SF_CASE_LIST_CAP] = "";
    if (p->context)
        snprintf(ctxt, sizeof ctxt, " (%s, line %lu)", p->context,
                 (unsigned long)p->context_mark.line + 1);
    if (ld->set_text)
        return sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                        "--set %s: malformed YAML: %s%s", ld->set_text, problem, ctxt);
    unsigned long line = (unsigned long)p->problem_mark.line + 1;
    unsigned long col = (unsigned long)p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a mark: count lines up to it. */
        line = 1;
        for (size_t i = 0; i < p->problem_offset && text[i]; i++) line += text[i] == '\n';
        return sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                        "%s:%lu: malformed YAML: %s (byte %zu)", ld->path, line, problem,
                        p->problem_offset);
    }
    return sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__, "%s:%lu:%lu: malformed YAML: %s%s",
                    ld->path, line, col, problem, ctxt);
}

/* Refuse nesting deeper than SF_CASE_DEPTH_MAX, counted from libyaml's events and stopping
 * at the bound (the document loader would first build every level). A syntax error ends
 * the count quietly: the loader reports it. */
static sf_status check_depth(sf_loader *ld, const char *text, size_t len)
{
    sf_status status = SF_OK;
    yaml_parser_t parser;
    yaml_event_t ev;
    int depth = 0, done = 0;
    if (!yaml_parser_initialize(&parser))
        return sf_error(ld->ctx, SF_E_NOMEM, __FILE__, __LINE__,
                        "out of memory: cannot start the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done && status == SF_OK && yaml_parser_parse(&parser, &ev)) {
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > SF_CASE_DEPTH_MAX) {
                if (ld->set_text)
                    status = sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                                      "--set %s: nesting deeper than %d levels", ld->set_text,
                                      SF_CASE_DEPTH_MAX);
                else
                    status = sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                                      "%s:%lu: nesting deeper than %d levels: expected a case "
                                      "file (sections of keys)", ld->path,
                                      (unsigned long)ev.start_mark.line + 1, SF_CASE_DEPTH_MAX);
            }
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return status;
}

/* Parse `text` (len bytes) as one YAML document into *doc (empty stream: no root node).
 * On success the caller deletes *doc. */
static sf_status load_document(sf_loader *ld, const char *text, size_t len, yaml_document_t *doc)
{
    sf_status status = SF_OK;
    yaml_parser_t parser;
    yaml_document_t extra;
    int parser_ok = 0, doc_ok = 0;

    SF_TRY(ld->ctx, check_depth(ld, text, len));
    if (!yaml_parser_initialize(&parser)) {
        status = sf_error(ld->ctx, SF_E_NOMEM, __FILE__, __LINE__,
                          "out of memory: cannot start the YAML parser");
        goto cleanup;
    }
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc)) {
        status = yaml_failure(ld, &parser, text);
        goto cleanup;
    }
    doc_ok = 1;
    if (yaml_document_get_root_node(doc)) {
        if (!yaml_parser_load(&parser, &extra)) {
            status = yaml_failure(ld, &parser, text);
            goto cleanup;
        }
        const yaml_node_t *second = yaml_document_get_root_node(&extra);
        unsigned long line = second ? (unsigned long)second->start_mark.line + 1 : 0;
        yaml_document_delete(&extra);
        if (second) {
            if (ld->set_text)
                status = sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                                  "--set %s: expected one YAML value", ld->set_text);
            else
                status = sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                                  "%s:%lu: a second YAML document: expected one per case file",
                                  ld->path, line);
            goto cleanup;
        }
    }
cleanup:
    if (status != SF_OK && doc_ok) yaml_document_delete(doc);
    if (parser_ok) yaml_parser_delete(&parser);
    return status;
}

/* Read the whole file into an owned NUL-terminated buffer: at most SF_CASE_FILE_MAX bytes,
 * a larger regular file refused before reading, any other file (a pipe, a device) after
 * reading one byte past the bound. */
static sf_status read_text(sf_ctx *ctx, const char *path, char **out, size_t *out_len)
{
    sf_status status = SF_OK;
    FILE *f = NULL;
    char *buf = NULL, *bigger = NULL;
    size_t len = 0, cap = SF_CASE_READ_CHUNK;
    struct stat st;

    f = fopen(path, "rb");
    SF_CHECK(ctx, f != NULL, SF_E_IO, "%s: cannot open case file: %s", path, strerror(errno));
    SF_CHECK(ctx, fstat(fileno(f), &st) == 0, SF_E_IO, "%s: cannot read case file: %s", path,
             strerror(errno));
    SF_CHECK(ctx, !S_ISDIR(st.st_mode), SF_E_IO, "%s: a directory: expected a case file", path);
    SF_CHECK(ctx, !S_ISREG(st.st_mode) || (unsigned long long)st.st_size <= SF_CASE_FILE_MAX,
             SF_E_IO, "%s: %llu bytes: expected a case file of at most %u bytes (16 MiB)", path,
             (unsigned long long)st.st_size, SF_CASE_FILE_MAX);
    SF_ALLOC(ctx, buf, cap + 1);
    for (;;) {
        size_t want = cap - len;
        if (want > SF_CASE_FILE_MAX + 1 - len) want = SF_CASE_FILE_MAX + 1 - len;
        const size_t got = fread(buf + len, 1, want, f);
        len += got;
        SF_CHECK(ctx, len <= SF_CASE_FILE_MAX, SF_E_IO,
                 "%s: more than %u bytes: expected a case file of at most 16 MiB", path,
                 SF_CASE_FILE_MAX);
        if (got < want) break;
        if (len < cap) continue;
        const size_t grown = 2 * cap < SF_CASE_FILE_MAX + 1 ? 2 * cap : SF_CASE_FILE_MAX + 1;
        SF_ALLOC(ctx, bigger, grown + 1);
        memcpy(bigger, buf, len);
        free(buf);
        buf = bigger;
        bigger = NULL;
        cap = grown;
    }
    SF_CHECK(ctx, !ferror(f), SF_E_IO, "%s: cannot read case file: %s", path, strerror(errno));
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
cleanup:
    if (f) fclose(f);
    free(buf);
    return status;
}

static sf_status load_file(sf_loader *ld, const char *path)
{
    sf_status status = SF_OK;
    yaml_document_t doc;
    int doc_ok = 0;
    char *text = NULL;
    size_t len = 0;

    SF_TRY(ld->ctx, read_text(ld->ctx, path, &text, &len));
    free(ld->c->text);
    ld->c->text = text;
    text = NULL;
    SF_TRY(ld->ctx, load_document(ld, ld->c->text, len, &doc));
    doc_ok = 1;
    ld->doc = &doc;
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || is_null_scalar(root)) goto cleanup; /* empty file: all defaults */
    if (root->type != YAML_MAPPING_NODE) {
        char list[SF_CASE_LIST_CAP];
        join_names(list, sizeof list, sf_top_keys, SF_N_TOP);
        status = sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                          "%s:%lu: the top level is a %s: expected a mapping of %s", path,
                          (unsigned long)root->start_mark.line + 1,
                          root->type == YAML_SEQUENCE_NODE ? "sequence" : "scalar", list);
        goto cleanup;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *kn = node_at(ld, p->key), *vn = node_at(ld, p->value);
        if (kn->type != YAML_SCALAR_NODE) {
            char loc[SF_CASE_LOC_CAP];
            loc_of(ld, kn, loc, sizeof loc);
            status = sf_error(ld->ctx, SF_E_PARSE, __FILE__, __LINE__,
                              "%s: a %s used as a key: expected a key name", loc,
                              kn->type == YAML_SEQUENCE_NODE ? "sequence" : "mapping");
            goto cleanup;
        }
        SF_TRY(ld->ctx, apply_top(ld, (const char *)kn->data.scalar.value, kn, vn));
    }
cleanup:
    ld->doc = NULL;
    if (doc_ok) yaml_document_delete(&doc);
    free(text);
    return status;
}

/* One override "key=value": the value is read as YAML (a scalar or a flow sequence). */
static sf_status load_override(sf_loader *ld, const char *set)
{
    sf_status status = SF_OK;
    yaml_document_t doc;
    int doc_ok = 0;
    char *key = NULL;
    const char *eq = strchr(set, '=');

    SF_CHECK(ld->ctx, eq != NULL && eq != set, SF_E_ARG, "--set %s: expected KEY=VALUE", set);
    SF_ALLOC(ld->ctx, key, (size_t)(eq - set) + 1);
    memcpy(key, set, (size_t)(eq - set));
    ld->set_text = set;
    SF_TRY(ld->ctx, load_document(ld, eq + 1, strlen(eq + 1), &doc));
    doc_ok = 1;
    ld->doc = &doc;
    yaml_node_t empty; /* an empty value reads as a null plain scalar */
    const yaml_node_t *v = yaml_document_get_root_node(&doc);
    if (!v) {
        memset(&empty, 0, sizeof empty);
        empty.type = YAML_SCALAR_NODE;
        empty.data.scalar.value = (yaml_char_t *)"";
        empty.data.scalar.style = YAML_PLAIN_SCALAR_STYLE;
        v = &empty;
    }
    char *dot = strchr(key, '.');
    if (!dot) {
        SF_TRY(ld->ctx, apply_top(ld, key, v, v));
    } else {
        *dot = '\0';
        const char *name = dot + 1;
        if (!is_section(key)) {
            *dot = '.';
            status = unknown_key(ld, v, "", key, __LINE__);
            goto cleanup;
        }
        const sf_key_desc *k = find_key(key, name);
        if (!k) {
            status = unknown_key(ld, v, key, name, __LINE__);
            goto cleanup;
        }
        SF_TRY(ld->ctx, apply_value(ld, k, v, v));
    }
cleanup:
    ld->doc = NULL;
    ld->set_text = NULL;
    if (doc_ok) yaml_document_delete(&doc);
    free(key);
    return status;
}

/* time.end is always reached and written: append it when the listed outputs stop short. */
static sf_status end_as_last_output(sf_ctx *ctx, sf_case *c)
{
    sf_status status = SF_OK;
    double *t = NULL;
    const size_t n = c->time.n_outputs;
    if (c->time.outputs[n - 1] >= c->time.end) return SF_OK;
    SF_ALLOC(ctx, t, n + 1);
    memcpy(t, c->time.outputs, n * sizeof *t);
    t[n] = c->time.end;
    free(c->time.outputs);
    c->time.outputs = t;
    c->time.n_outputs = n + 1;
cleanup:
    return status;
}

sf_status sf_case_load(sf_ctx *ctx, const char *path, const char *const *overrides,
                       size_t n_overrides, sf_case *c)
{
    sf_status status = SF_OK;
    /* Until a file or override lists times, the default count is spread over the final
     * time.end, whatever sets it. */
    sf_loader ld = {ctx, c, path ? path : "", NULL, NULL, SF_CASE_DEFAULT_N_OUTPUTS};

    SF_CHECK(ctx, c != NULL, SF_E_ARG, "sf_case_load: no case given");
    memset(c, 0, sizeof *c);
    SF_CHECK(ctx, n_overrides == 0 || overrides != NULL, SF_E_ARG,
             "sf_case_load: %zu overrides but no array", n_overrides);
    SF_TRY(ctx, defaults_at(ctx, c, path));
    if (path) SF_TRY(ctx, load_file(&ld, path));
    size_t joined = 0;
    for (size_t i = 0; i < n_overrides; i++) {
        SF_CHECK(ctx, overrides[i] != NULL, SF_E_ARG, "sf_case_load: override %zu is NULL", i);
        SF_TRY(ctx, load_override(&ld, overrides[i]));
        joined += strlen(overrides[i]) + 1;
    }
    if (n_overrides) { /* how the file was made: the overrides, one a line */
        SF_ALLOC(ctx, c->overrides, joined);
        for (size_t i = 0, at = 0; i < n_overrides; i++) {
            const size_t len = strlen(overrides[i]);
            memcpy(c->overrides + at, overrides[i], len);
            at += len;
            c->overrides[at++] = i + 1 < n_overrides ? '\n' : '\0';
        }
    }
    if (ld.outputs_count > 0) SF_TRY(ctx, set_even_outputs(ctx, c, (size_t)ld.outputs_count));
    /* the default form follows the start: form H for a start with a density (MATH §4.7) */
    if (!sf_case_is_set(c, "form") && c->start.law == SF_START_GAUSSIAN)
        snprintf(c->form, sizeof c->form, "%s", "hyperbolic");
    SF_TRY(ctx, sf_case_validate(ctx, c));
    SF_TRY(ctx, end_as_last_output(ctx, c));
cleanup:
    if (status != SF_OK && c) sf_case_free(c);
    return status;
}

/* ---- validation --------------------------------------------------------------------- */

/* Was key a set after key b (defaults count as earliest, in table order)? */
static int set_later(const sf_case *c, const char *a, const char *b)
{
    return where_index(c, a) > where_index(c, b);
}

static int in_range(const sf_key_desc *k, double v)
{
    if (k->kind == SF_KIND_REAL && !isfinite(v)) return 0;
    if (k->lo_open ? !(v > k->lo) : !(v >= k->lo)) return 0;
    if (k->hi_open ? !(v < k->hi) : !(v <= k->hi)) return 0;
    return 1;
}

static sf_status check_key(sf_ctx *ctx, const sf_case *c, const sf_key_desc *k)
{
    sf_status status = SF_OK;
    char key[SF_CASE_KEY_CAP], expect[SF_CASE_LIST_CAP + 16];
    const void *field = (const char *)c + k->offset;
    full_key(key, sizeof key, k);
    const char *at = sf_case_where(c, key);

    switch (k->kind) {
    case SF_KIND_ENUM: {
        int v = *(const int *)field;
        enum_expect(expect, sizeof expect, k->names);
        SF_CHECK(ctx, v >= 0 && v < k->names->count, SF_E_RANGE, "%s: %s = %d: expected %s", at,
                 key, v, expect);
        break;
    }
    case SF_KIND_INT: {
        long v = *(const long *)field;
        SF_CHECK(ctx, in_range(k, (double)v), SF_E_RANGE, "%s: %s = %ld: expected %s", at, key,
                 v, k->expect);
        break;
    }
    case SF_KIND_REAL: {
        double v = *(const double *)field;
        SF_CHECK(ctx, in_range(k, v), SF_E_RANGE, "%s: %s = %.15g: expected %s", at, key, v,
                 k->expect);
        break;
    }
    case SF_KIND_BOOL: {
        int v = *(const int *)field;
        SF_CHECK(ctx, v == 0 || v == 1, SF_E_RANGE, "%s: %s = %d: expected %s", at, key, v,
                 k->expect);
        break;
    }
    case SF_KIND_NAME: {
        const char *s = (const char *)field;
        const char *nul = memchr(s, '\0', SF_NAME_CAP);
        SF_CHECK(ctx, nul != NULL && s[0] != '\0', SF_E_RANGE, "%s: %s = '%.*s': expected %s",
                 at, key, nul ? (int)(nul - s) : (int)SF_CASE_SHOW_CAP, s, k->expect);
        break;
    }
    case SF_KIND_TEXT: {
        const char *s = (const char *)field;
        SF_CHECK(ctx, memchr(s, '\0', SF_EXPR_CAP) != NULL, SF_E_RANGE,
                 "%s: %s = '%.*s…': expected %s", at, key, (int)SF_CASE_SHOW_CAP, s, k->expect);
        break;
    }
    case SF_KIND_OUTPUTS:
        break; /* cross-key with time.end: sf_case_validate */
    }
cleanup:
    return status;
}

sf_status sf_case_validate(sf_ctx *ctx, const sf_case *c)
{
    sf_status status = SF_OK;
    char elem[SF_CASE_KEY_CAP];

    SF_CHECK(ctx, c != NULL, SF_E_ARG, "sf_case_validate: no case given");
    for (int i = 0; i < SF_N_KEYS; i++) SF_TRY(ctx, check_key(ctx, c, &sf_keys[i]));

    /* problem.d_H < problem.d: cite whichever was set later. */
    int d_later = set_later(c, "problem.d", "problem.d_H");
    SF_CHECK(ctx, c->problem.d_H < c->problem.d || !d_later, SF_E_RANGE,
             "%s: problem.d = %ld: expected an integer with d > d_H = %ld",
             sf_case_where(c, "problem.d"), c->problem.d, c->problem.d_H);
    SF_CHECK(ctx, c->problem.d_H < c->problem.d, SF_E_RANGE,
             "%s: problem.d_H = %ld: expected an integer with 1 ≤ d_H < d = %ld",
             sf_case_where(c, "problem.d_H"), c->problem.d_H, c->problem.d);

    /* time.outputs: at least one, finite, in [0, time.end], strictly increasing; a time
     * past the end cites time.end when that was set later. */
    SF_CHECK(ctx, c->time.n_outputs >= 1 && c->time.outputs != NULL, SF_E_RANGE,
             "%s: time.outputs = []: expected %s", sf_case_where(c, "time.outputs"),
             find_key("time", "outputs")->expect);
    int end_later = set_later(c, "time.end", "time.outputs");
    for (size_t i = 0; i < c->time.n_outputs; i++) {
        double t = c->time.outputs[i];
        int ok = isfinite(t) && t >= 0 && (i == 0 || t > c->time.outputs[i - 1]);
        SF_CHECK(ctx, !(ok && t > c->time.end && end_later), SF_E_RANGE,
                 "%s: time.end = %.15g: expected a finite number ≥ every output time "
                 "(time.outputs[%zu] = %.15g)",
                 sf_case_where(c, "time.end"), c->time.end, i, t);
        snprintf(elem, sizeof elem, "time.outputs[%zu]", i);
        SF_CHECK(ctx, ok && t <= c->time.end, SF_E_RANGE,
                 "%s: %s = %.15g: expected times in [0, time.end = %.15g], strictly increasing",
                 sf_case_where(c, elem), elem, t, c->time.end);
    }
cleanup:
    return status;
}
