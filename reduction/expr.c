/* expr.c — the libmatheval adapter: a target f(x) given as text (problem.expression) turned
 * into something reduction/ can evaluate. The only file that includes <matheval.h>.
 *
 * Does: parse the text once (libmatheval's evaluator_create), refuse a malformed formula or
 * one that uses a variable other than x (evaluator_get_variables, which lists the variables
 * left after libmatheval's simplification), evaluate f at a point, destroy.
 * Does not: decide what f means (target.c: quadratures, declared symmetry), read the case
 * file (core/case.c), check that f is finite (target.c does, on its quadrature nodes).
 * MATH.md: f is the f_H of §4 for d_H = 1 (a function of x₁); no formula is computed here.
 *
 * libmatheval evaluates through the evaluator's own symbol table (the value of x is stored
 * in it before the tree is walked), so one sf_expr must not be evaluated from two threads at
 * once; reduction/ evaluates targets serially (only the K̂ table, which never sees f, runs in
 * parallel). libmatheval prints nothing on a parse failure: it returns NULL.
 */
#include <matheval.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reduction_internal.h"

static const char SF_EXPR_VARIABLE[] = "x"; /* the one variable a target formula may use */

#if defined(__SANITIZE_ADDRESS__)
/* libmatheval 1.1.11 leaks the token node its parser holds when a formula fails to parse
 * (32 bytes, allocated by yylex → node_create and dropped on the error path): the library's
 * bug, one per refused formula. LeakSanitizer reads the program's default suppressions from
 * this hook. The library is built without frame pointers, so the fast unwinder sees only
 * its xmalloc: the suppression names the module. Our own leaks stay visible: every sf_expr
 * is an sf_alloc block (reported if never destroyed), and sf_expr_destroy is the one place
 * that calls evaluator_destroy. Compiled in AddressSanitizer builds only (SF_SANITIZE). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libmatheval.so\n";
}
#endif

enum { SF_EXPR_MAX_VARS = 2 /* x, or x1 and x2 (d_H = 2 targets) */ };

struct sf_expr {
    void *ev;                        /* libmatheval evaluator (owned) */
    size_t nvars;                    /* variables allowed, in the order values are given */
    char *names[SF_EXPR_MAX_VARS];   /* their names (static strings, cast for libmatheval) */
};

sf_status sf_expr_create(sf_ctx *ctx, const char *text, const char *key, const char *where,
                         sf_expr **out)
{
    static const char *const one[1] = {SF_EXPR_VARIABLE};
    return sf_expr_create_vars(ctx, text, key, where, one, 1, out);
}

sf_status sf_expr_create_vars(sf_ctx *ctx, const char *text, const char *key, const char *where,
                              const char *const *vars, size_t nvars, sf_expr **out)
{
    sf_status status = SF_OK;
    sf_expr *e = NULL;
    char *copy = NULL;
    char list[64] = "";
    SF_CHECK(ctx, text && key && where && out && vars && nvars >= 1 && nvars <= SF_EXPR_MAX_VARS,
             SF_E_ARG, "sf_expr_create: NULL argument or %zu variables", nvars);
    *out = NULL;
    SF_ALLOC(ctx, e, 1);
    e->nvars = nvars;
    for (size_t i = 0; i < nvars; i++) {
        e->names[i] = (char *)vars[i]; /* libmatheval's API takes char **, never writes */
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? (i + 1 == nvars ? " and " : ", ") : "",
                 vars[i]);
    }
    /* evaluator_create takes a char *: hand it a private copy */
    copy = sf_strdup(ctx, text);
    if (!copy) {
        status = SF_E_NOMEM;
        goto cleanup;
    }
    e->ev = evaluator_create(copy);
    SF_CHECK(ctx, e->ev != NULL, SF_E_PARSE,
             "%s: %s = '%s': could not be parsed as a formula of %s (libmatheval syntax: "
             "numbers, %s, + - * / ^, parentheses, functions such as abs exp log sqrt sin cos "
             "tanh step; e.g. '%s')",
             where, key, text, list, list, nvars == 1 ? "x^3 - 3*x" : "x1*x2 + x1");
    char **names = NULL;
    int count = 0;
    evaluator_get_variables(e->ev, &names, &count);
    for (int i = 0; i < count; i++) {
        int known = 0;
        for (size_t j = 0; j < nvars; j++) known |= strcmp(names[i], vars[j]) == 0;
        SF_CHECK(ctx, known, SF_E_PARSE,
                 "%s: %s = '%s': uses the variable '%s': expected a formula of %s only", where,
                 key, text, names[i], list);
    }
    *out = e;
    e = NULL;
cleanup:
    free(copy);
    sf_expr_destroy(&e);
    return status;
}

double sf_expr_eval(const sf_expr *e, double x)
{
    return evaluator_evaluate_x(e->ev, x);
}

double sf_expr_eval_vars(const sf_expr *e, const double *values)
{
    return evaluator_evaluate(e->ev, (int)e->nvars, (char **)e->names, (double *)values);
}

void sf_expr_destroy(sf_expr **e)
{
    if (!e || !*e) return;
    if ((*e)->ev) evaluator_destroy((*e)->ev);
    free(*e);
    *e = NULL;
}
