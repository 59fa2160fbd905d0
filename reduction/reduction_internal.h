/* reduction_internal.h — what the files of reduction/ share and nobody else sees: the target
 * table entries, the kernel evaluator's layout, and the helpers for laws and targets.
 *
 * Not a public contract: solver/ and app/ use include/symflow/reduction.h only.
 */
#ifndef SYMFLOW_REDUCTION_INTERNAL_H
#define SYMFLOW_REDUCTION_INTERNAL_H

#include <stddef.h>

#include "symflow/case.h"
#include "symflow/reduced.h"
#include "symflow/reduction.h"
#include "symflow/status.h"

enum {
    SF_TARGET_MAXDEG = 3 /* highest power in a piecewise-polynomial (d_H = 1) target */
};

/* How a target is reduced (MATH §2, §4.1). */
typedef enum {
    SF_TARGET_RADIAL, /* f_H(z) = |z|^p, any d_H: θ-form on [0, π/2] */
    SF_TARGET_LINE    /* f_H(z) = f(z₁), d_H = 1 only: φ-form on [0, π], or θ-form if even */
} sf_target_kind;

/* One row of the target table (target.c). */
typedef struct {
    const char *name;    /* case-file spelling (problem.target) */
    const char *formula; /* human formula, for messages */
    sf_target_kind kind; /* radial or a function of x₁ */
    double p;            /* radial: power of |z|; line: < 0 unless f(x) = |x|^p (even) */
    double pos[SF_TARGET_MAXDEG + 1]; /* line: f(x) = Σ pos[j] x^j for x ≥ 0 */
    double neg[SF_TARGET_MAXDEG + 1]; /* line: f(x) = Σ neg[j] x^j for x < 0 */
} sf_target_spec;

/* Look up c->problem.target; unknown name → SF_E_PARSE listing the valid names; a line
 * target with d_H ≠ 1 → SF_E_UNSUPPORTED. *out is borrowed from the static table. */
sf_status sf_target_lookup(sf_ctx *ctx, const sf_case *c, const sf_target_spec **out);
/* Whether the case reduces to the radial θ-form (radial targets, and even |x₁|^p at d_H = 1
 * when problem.fold_even). */
int sf_target_uses_theta(const sf_target_spec *t, const sf_case *c);
/* Power p of the radial form (a radial target's p, or the p of an even line target). */
double sf_target_radial_power(const sf_target_spec *t);

/* Parameters of 𝒢 (MATH §4.1 and the Ĝ reduction in kernel.c), filled by sf_target_calg_setup. */
typedef struct {
    int radial;      /* 1: 𝒢(c) = E[R h(√(R²c² + q))] with h = ρ^p; 0: 𝒢₁ of a line target */
    double p;        /* radial power */
    long d_H;        /* dimension of H (radial) */
    double pref;     /* radial: constant factor of 𝒢, sphere scaling included */
    double cpos[SF_TARGET_MAXDEG + 1]; /* line: 𝒢₁(c) = Σ cpos[j] c^j for c ≥ 0 */
    double cneg[SF_TARGET_MAXDEG + 1]; /* line: 𝒢₁(c) = Σ cneg[j] c^j for c < 0 */
    const sf_rule *leg; /* Gauss–Legendre on [0, 1] for the graded ψ-integral (borrowed) */
} sf_calg;

/* Fill *g for target t in the case's input law (MATH §1: sphere = Gaussian / E|x|^{deg+1}). */
void sf_target_calg_setup(const sf_target_spec *t, const sf_case *c, const sf_rule *leg,
                          sf_calg *g);
/* 𝒢(c), c ∈ [−1, 1]. */
double sf_target_calg(const sf_calg *g, double c);
/* ½ E f_H² in the case's input law (M14). */
double sf_target_risk_const(const sf_target_spec *t, const sf_case *c);

/* Laws (laws.c). */
double sf_gauss_norm_moment(double d, double q); /* E|x|^q, x ~ N(0, I_d) */
sf_status sf_tau0_cdf_theta(sf_ctx *ctx, double d_H, double k, double t, double *F);
sf_status sf_tau0_cdf_phi(sf_ctx *ctx, double d, double t, double *F);

/* The kernel evaluator (kernel.c); reduce.c tabulates through it. */
struct sf_kernel {
    int theta;             /* 1: radial θ-form on [0, π/2]; 0: φ-form on [0, π] (d_H = 1) */
    double K_scale;        /* 1 (gaussian) or 1/d (sphere, MATH §1) */
    size_t n_srules;       /* K̂, θ-form: rules for s = ⟨û, û′⟩ ≥ 0 (±s paired), rule m graded
                              toward s = 1 at the angular scale (π/2)·2^{−m} */
    size_t *s_off;         /* n_srules + 1 offsets into s, ws (owned) */
    double *s, *ws;        /* nodes and paired weights, rule after rule (owned) */
    size_t nt;             /* t-nodes of γ_k */
    double *t, *wt;        /* nodes and weights (owned) */
    sf_rule sleg;          /* Gauss–Legendre on [0, 1], the piece rule of the ϑ-rules (owned) */
    sf_rule leg;           /* Gauss–Legendre on [0, 1], the piece rule of Ĝ (owned) */
    sf_calg calg;          /* 𝒢 */
    size_t n_pieces;       /* radial: graded u-pieces of the Ĝ integral (edges below) */
    double *u_edges;       /* n_pieces + 1 ascending edges, 0 … π/2 (owned) */
    double *G_plus;        /* radial: 𝒢(sin u) at the nodes of each piece, piece-major (owned) */
    double risk_const;     /* ½ E f_H² */
    sf_coord_info coord;   /* the reduced coordinate */
};

/* Fill K (n×n, row-major) with K̂(x_i, x_j), exactly symmetric. x, K borrowed. */
void sf_kernel_tabulate_K(const sf_kernel *k, size_t n, const double *x, double *K);

#endif
