/* reduction_internal.h — what the files of reduction/ share and nobody else sees: the target
 * table entries, the opened target of a case (table row or expression), the libmatheval
 * adapter's small API, the kernel evaluator's layout, and the helpers for laws and targets.
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
    SF_TARGET_LINE,   /* f_H(z) = f(z₁), d_H = 1 only: φ-form on [0, π], or θ-form if even */
    SF_TARGET_PLANE   /* f_H(z₁, z₂), d_H = 2 only: the hemisphere (φ, θ), hemi.c (§4.8) */
} sf_target_kind;

/* One row of the target table (target.c). */
typedef struct {
    const char *name;    /* case-file spelling (problem.target) */
    const char *formula; /* human formula, for messages */
    sf_target_kind kind; /* radial or a function of x₁ */
    double p;            /* radial: power of |z|; line: < 0 unless f(x) = |x|^p (even) */
    double pos[SF_TARGET_MAXDEG + 1]; /* line: f(x) = Σ pos[j] x^j for x ≥ 0 */
    double neg[SF_TARGET_MAXDEG + 1]; /* line: f(x) = Σ neg[j] x^j for x < 0 */
    int is_expr;         /* 1: f is problem.expression (pos, neg unused) */
} sf_target_spec;

/* Look up c->problem.target; unknown name → SF_E_PARSE listing the valid names; a line
 * target with d_H ≠ 1 → SF_E_UNSUPPORTED. *out is borrowed from the static table. */
sf_status sf_target_lookup(sf_ctx *ctx, const sf_case *c, const sf_target_spec **out);
/* Power p of the radial form (a radial target's p, or the p of an even line target). */
double sf_target_radial_power(const sf_target_spec *t);

/* ---- the libmatheval adapter (expr.c) ---- */
typedef struct sf_expr sf_expr;
/* Parse text as f(x) (libmatheval syntax). key, where: the case key and its "file:line", for
 * messages. A malformed text, or one using a variable other than x → SF_E_PARSE naming
 * where, key, the text (and the variable). text, key, where borrowed; *out owned:
 * sf_expr_destroy. */
sf_status sf_expr_create(sf_ctx *ctx, const char *text, const char *key, const char *where,
                         sf_expr **out);
/* f(x); not thread-safe for one e (libmatheval's evaluator holds the value of x). */
double sf_expr_eval(const sf_expr *e, double x);
/* The same for a formula of the variables vars[0 … nvars−1] (nvars ≤ 2; d_H = 2 targets use
 * x1, x2): an unknown variable → SF_E_PARSE naming it and the allowed ones. vars borrowed
 * (static strings), must outlive *out. */
sf_status sf_expr_create_vars(sf_ctx *ctx, const char *text, const char *key, const char *where,
                              const char *const *vars, size_t nvars, sf_expr **out);
/* f at values[0 … nvars−1], in the order of vars; not thread-safe for one e. */
double sf_expr_eval_vars(const sf_expr *e, const double *values);
void sf_expr_destroy(sf_expr **e); /* accepts NULL; sets *e = NULL */

/* ---- the opened target of a case (target.c) ---- */

/* What every reduction needs of the case's target: its table row and, for `expression`, the
 * parsed f with its values on the half-line rule (composite Gauss–Legendre on
 * (0, SF_HALFLINE_END), target.c) that gives 𝒢₁, ½E f² and E[x f] by quadrature. The
 * declared problem.symmetry has been verified on that rule's nodes ±x_i. */
typedef struct {
    sf_target_spec spec; /* the table row (a copy: transport.c turns it to the φ-form) */
    sf_expr *expr;       /* problem.target = expression: f (owned); NULL for table rows */
    int fold;            /* 1: solved in the θ-form (radial targets; an even d_H = 1 target
                            when problem.fold_even) */
    double hom_p;        /* expression with input sphere: degree p of f(λx) = λ^p f(x) */
    size_t nq;           /* line targets: nodes of the half-line rule (0 for radial ones) */
    double *qx;          /* nodes x_i ∈ (0, SF_HALFLINE_END), ascending (owned) */
    double *qw;          /* Gauss–Legendre weights of ∫₀^{END} dx (owned) */
    double *qg;          /* qw_i x_i² e^{−x_i²/2}: the weights of 𝒢₁ (owned) */
    double *fpos, *fneg; /* f(x_i), f(−x_i) (owned) */
} sf_target;

/* Open the case's target: look it up; for `expression` parse problem.expression (empty →
 * SF_E_RANGE), check f finite on the nodes and of Gaussian growth; verify
 * problem.symmetry (violated → SF_E_RANGE naming its file:line, f and the node); for input
 * sphere require a homogeneous expression (else SF_E_UNSUPPORTED, MATH §1). *t is owned by
 * the caller: sf_target_close (also after a failure). */
sf_status sf_target_open(sf_ctx *ctx, const sf_case *c, sf_target *t);
void sf_target_close(sf_target *t);
/* Whether the case reduces to the radial θ-form (t->fold). */
int sf_target_uses_theta(const sf_target *t);
/* f(x₁) of a line target (polynomial pieces or the expression). */
double sf_target_f(const sf_target *t, double x);
/* E[x₁ f(x₁)] in the case's input law (MATH (M8)); line targets. */
double sf_target_xf(const sf_target *t, const sf_case *c);
/* E[x f(x)] and (E f_e²)^{½}, f_e the even part, for x ~ N(0, 1) whatever the input law
 * (the form-T box rule, transport.c); line targets. */
double sf_target_xf_gauss(const sf_target *t);
double sf_target_even_norm_gauss(const sf_target *t);

/* Parameters of 𝒢 (MATH §4.1 and the Ĝ reduction in kernel.c), filled by sf_target_calg_setup. */
typedef struct {
    int radial;      /* 1: 𝒢(c) = E[R h(√(R²c² + q))] with h = ρ^p; 0: 𝒢₁ of a line target */
    double p;        /* radial power */
    long d_H;        /* dimension of H (radial) */
    double pref;     /* radial: constant factor of 𝒢, sphere scaling included */
    double cpos[SF_TARGET_MAXDEG + 1]; /* line: 𝒢₁(c) = Σ cpos[j] c^j for c ≥ 0 */
    double cneg[SF_TARGET_MAXDEG + 1]; /* line: 𝒢₁(c) = Σ cneg[j] c^j for c < 0 */
    const sf_rule *leg; /* Gauss–Legendre on [0, 1] for the graded ψ-integral (borrowed) */
    const sf_target *fn; /* f given pointwise (expression): 𝒢₁(c) = E[R f(Rc)] by the
                            half-line rule, times fscale; radial (θ-form, even f): 𝒢₁(|c|).
                            NULL: the closed forms above (borrowed) */
    double fscale;       /* fn: 1 (gaussian) or 1/E|x|^{p+1} (sphere, homogeneous of degree p) */
} sf_calg;

/* Fill *g for target t in the case's input law (MATH §1: sphere = Gaussian / E|x|^{deg+1}).
 * t is borrowed by *g (expressions): it must outlive g. */
void sf_target_calg_setup(const sf_target *t, const sf_case *c, const sf_rule *leg, sf_calg *g);
/* 𝒢(c), c ∈ [−1, 1]. */
double sf_target_calg(const sf_calg *g, double c);
/* ½ E f_H² in the case's input law (M14). */
double sf_target_risk_const(const sf_target *t, const sf_case *c);

/* Laws (laws.c). */
/* log Γ(x + a)/Γ(x) for x, x + a > 0, accurate to rounding for x up to 10¹⁶ (laws.c). */
double sf_lgamma_ratio(double x, double a);
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
    sf_target tgt;         /* the case's target (owned; calg borrows it) */
    sf_calg calg;          /* 𝒢 */
    size_t n_pieces;       /* radial: graded u-pieces of the Ĝ integral (edges below) */
    double *u_edges;       /* n_pieces + 1 ascending edges, 0 … π/2 (owned) */
    double *G_plus;        /* radial: 𝒢(sin u) at the nodes of each piece, piece-major (owned) */
    double risk_const;     /* ½ E f_H² */
    sf_coord_info coord;   /* the reduced coordinate */
};

/* Fill K (n×n, row-major) with K̂(x_i, x_j), exactly symmetric, reporting to tp (may be
 * NULL). x, K, tp borrowed. */
void sf_kernel_tabulate_K(const sf_kernel *k, size_t n, const double *x, double *K,
                          const sf_table_progress *tp);

/* ---- the factored kernel operator (kfactor.c, L8) ---- */
/* (L8) a-posteriori error allowed, × solver.kernel_tol: the tail criterion bounds the
 * interpolation error by ~ tol × the tail's few hundred terms, and the direct quadrature itself
 * differs between its graded rules by ~1e-15 */
enum { SF_KF_CHECK_FACTOR = 100 };
typedef struct {
    double lo, hi;     /* the interval of the interpolant */
    size_t p;          /* Chebyshev points per coordinate */
    size_t rank;       /* eigenvalues kept */
    double *coef;      /* p × rank: u_r(x) = Σ_k coef[k·rank + r] T_k(ξ(x)), √λ_r included (owned) */
    double tail;       /* max |A_kl| over the last quarter of degrees / max |A| */
    double lambda_max; /* largest and smallest eigenvalue of A (the smallest: noise if < 0) */
    double lambda_min;
    double check;      /* a posteriori max |K̂ − Σ u_r u_r| / max |K̂| at quasi-random points */
    int converged;     /* 1: tail ≤ tol at some p of the sizes tried */
} sf_kfactor;

/* Build the factor of K̂ on [lo, hi] to relative tolerance tol. A factor that did not converge
 * is still returned (converged = 0): the caller decides. *out owned: sf_kfactor_free. */
sf_status sf_kfactor_build(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                           sf_kfactor *out);
/* B (n × rank, row-major) = u_r(x_i); work: p doubles. */
void sf_kfactor_eval(const sf_kfactor *f, size_t n, const double *x, double *B, double *work);
void sf_kfactor_free(sf_kfactor *f);
/* Ĝ at the n points x by a 1-D Chebyshev interpolant to tol (kfactor.c); *ok = 0 when it
 * missed tol or its a-posteriori check (≤ check_max × tol relative; *check receives it). */
sf_status sf_kfactor_G(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                       double check_max, size_t n, const double *x, double *G, int *ok,
                       double *check);
/* The coefficients of that interpolant (c: SF_KERNEL_FACTOR_PMAX doubles, *p used). */
sf_status sf_kfactor_G_coef(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                            double check_max, double *c, size_t *p, int *ok, double *check);
/* K = B Bᵀ (n × n, row-major, symmetric PSD) of an n × r row-major B: the factor at points
 * (B of sf_kfactor_eval) or as Chebyshev coefficients (B = coef, n = p). */
void sf_kfactor_gram(size_t n, size_t r, const double *B, double *K);
/* 1 when the factor converged and passed its a-posteriori check (≤ SF_KF_CHECK_FACTOR × tol). */
int sf_kfactor_good(const sf_kfactor *f, double tol);
/* The Chebyshev operator of chebk.h on [lo, hi]: K̂ as the PSD factor of (L8) expanded to its
 * p × p coefficients, Ĝ as its Chebyshev series; out->p = 0 (nothing kept, nothing owned)
 * when either misses tol or its a-posteriori check (SF_KF_CHECK_FACTOR × tol). Shared by form
 * characteristics (charstart.c) and the reduced particles (table.c). */
sf_status sf_kfactor_chebk(sf_ctx *ctx, const sf_kernel *k, double lo, double hi, double tol,
                           sf_chebk *out);

/* Switch GSL's aborting error handler off, once per process (laws.c). */
void sf_gsl_quiet(void);

#endif
