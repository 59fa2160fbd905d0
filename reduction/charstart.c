/* charstart.c — what form characteristics starts from (characteristics.h): the Gauss rule of
 * the start τ₀ (L3) in its natural variable, mapped to the reduced coordinate, and the
 * pointwise kernels of kernel.c as callbacks (MATH §4.3, docs/math.md (L9)).
 *
 * Radial targets (θ-form): x = cos²θ ~ Beta(d_H/2, k/2) (laws.c, sf_tau0_cdf_theta). Its
 * Gauss rule comes from the Jacobi matrix of the Jacobi polynomials on [0, 1] (Golub–Welsch),
 * written so that nothing cancels for any k: GSL's gsl_integration_fixed_jacobi normalises by
 * Γ-functions that overflow for large k (as its Gegenbauer rule does, laws.c), and a
 * Gauss–Laguerre rule of y = k x would only be the k → ∞ limit (error O(1/k) in the law).
 * Here the diagonal 1 + α_j of the [−1, 1] recurrence, which tends to 0 as k grows, is
 * computed as a sum of positive terms, so the nodes keep full relative accuracy at
 * x ~ d_H/k = 10⁻⁹: one rule for every d, no switch. d_H = 1 (φ-form): u = cos φ ~ γ_d,
 * the Gegenbauer rule sf_rule_gamma (laws.c).
 * Kernels: K̂ and Ĝ as Chebyshev series (kfactor.c's sf_kfactor_chebk, (L8), the builder the
 * reduced particles share through table.c and sf_reduce_chebk) applied in O(n p) by the
 * solver (chebk.h), or, when they miss solver.kernel_tol (or solver.kernel: dense), the
 * bicubic Hermite table of K̂ and the cubic Hermite table of Ĝ below, (2n)² pairs per
 * evaluation.
 * Not here: the ODE of the nodes (solver/formchar.c), the kernels (kernel.c), planning (plan.c).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "reduction_internal.h"
#include "symflow/reduction.h"

/* Gauss rule of Beta(al, be) on [0, 1] (density ∝ x^{al−1}(1 − x)^{be−1}), n nodes. With
 * t = 2x − 1, the weight is (1 − t)^a (1 + t)^b, a = be − 1, b = al − 1, whose monic recurrence
 * has α_j = (b² − a²)/(s(s + 2)), β_j = 4j(j + a)(j + b)(j + a + b)/(s²(s + 1)(s − 1)),
 * s = 2j + a + b; on [0, 1] the diagonal is (1 + α_j)/2 and the off-diagonal √β_j / 2, with
 * 1 + α_j = (2a(c + 1) + c² + 2c + b²)/(s(s + 2)), c = 2j + b (no cancellation), and at
 * j = 0: 1 + α₀ = 2(b + 1)/(a + b + 2); β₁ = 4(1 + a)(1 + b)/((2 + a + b)²(3 + a + b)). */
sf_status sf_rule_beta(sf_ctx *ctx, double al, double be, size_t n, sf_rule *r)
{
    sf_status status = SF_OK;
    sf_gsl_quiet();
    gsl_matrix *J = NULL, *V = NULL;
    gsl_vector *eval = NULL;
    gsl_eigen_symmv_workspace *ws = NULL;
    double *x = NULL, *w = NULL;
    SF_CHECK(ctx, r && n >= 1 && al > 0.0 && be > 0.0 && isfinite(al) && isfinite(be), SF_E_ARG,
             "sf_rule_beta: Beta(%g, %g), n = %zu: expected parameters > 0 and n ≥ 1", al, be, n);
    const double a = be - 1.0, b = al - 1.0;
    J = gsl_matrix_calloc(n, n);
    V = gsl_matrix_alloc(n, n);
    eval = gsl_vector_alloc(n);
    ws = gsl_eigen_symmv_alloc(n);
    SF_CHECK(ctx, J && V && eval && ws, SF_E_NOMEM, "sf_rule_beta: cannot allocate %zu×%zu", n, n);
    for (size_t j = 0; j < n; j++) {
        const double jj = (double)j, s = 2.0 * jj + a + b, c = 2.0 * jj + b;
        const double one_alpha = j == 0 ? 2.0 * (b + 1.0) / (a + b + 2.0)
                                        : (2.0 * a * (c + 1.0) + c * c + 2.0 * c + b * b) /
                                              (s * (s + 2.0));
        gsl_matrix_set(J, j, j, 0.5 * one_alpha);
        if (j + 1 < n) {
            const double k = jj + 1.0, sk = 2.0 * k + a + b;
            const double beta = k == 1.0 ? 4.0 * (1.0 + a) * (1.0 + b) /
                                               ((2.0 + a + b) * (2.0 + a + b) * (3.0 + a + b))
                                         : 4.0 * k * (k + a) * (k + b) * (k + a + b) /
                                               (sk * sk * (sk + 1.0) * (sk - 1.0));
            gsl_matrix_set(J, j, j + 1, 0.5 * sqrt(beta));
            gsl_matrix_set(J, j + 1, j, 0.5 * sqrt(beta));
        }
    }
    SF_CHECK(ctx, gsl_eigen_symmv(J, eval, V, ws) == 0, SF_E_NUMERIC,
             "sf_rule_beta: eigen-decomposition failed (Beta(%g, %g), n = %zu)", al, be, n);
    gsl_eigen_symmv_sort(eval, V, GSL_EIGEN_SORT_VAL_ASC);
    SF_ALLOC(ctx, x, n);
    SF_ALLOC(ctx, w, n);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double v0 = gsl_matrix_get(V, 0, i);
        x[i] = gsl_vector_get(eval, i);
        w[i] = v0 * v0;
        sum += w[i];
    }
    for (size_t i = 0; i < n; i++) w[i] /= sum; /* Σ v0² = 1 up to rounding */
    r->n = n;
    r->x = x;
    r->w = w;
    x = w = NULL;
cleanup:
    free(x);
    free(w);
    if (ws) gsl_eigen_symmv_free(ws);
    if (eval) gsl_vector_free(eval);
    if (V) gsl_matrix_free(V);
    if (J) gsl_matrix_free(J);
    return status;
}

/* The kernel behind the callbacks: sf_kernel pointwise, and for K̂, ∂_xK̂ optionally the
 * bicubic Hermite interpolant of a uniform N×N table (node values K̂, ∂_xK̂, ∂_yK̂ from
 * kernel.c, ∂_x∂_yK̂ by fourth-order differences of ∂_xK̂ along y, symmetrised — the
 * construction of solver/particles_reduced.c): O(1) work per pair instead of a tensor
 * quadrature (≈ 20 µs per pair, measured on paper-norm), errors O(h⁴) in K̂, O(h³) in ∂K̂. */
typedef struct {
    sf_kernel *k;                /* owned */
    size_t N;                    /* table nodes per axis, 0: pointwise */
    double lo, h;
    double *F, *Fx, *Fy, *Fxy;   /* N×N, row = first argument (owned) */
    size_t NG;                   /* Ĝ table nodes, 0: pointwise */
    double hG;
    double *G, *dG;              /* NG: Ĝ, ∂Ĝ (owned) */
    sf_ctx *ctx;                 /* for τ₀'s distribution function (owned) */
    int theta;                   /* coordinate θ (1) or φ (0) */
    double d, dH;
} char_kernel;

/* Cubic Hermite value (der = 0) or slope (der = 1) of Ĝ from its table. */
static double hermite_G(const char_kernel *q, double x, int der)
{
    double s = (x - q->lo) / q->hG;
    if (s < 0.0) s = 0.0;
    if (s > (double)(q->NG - 1)) s = (double)(q->NG - 1);
    size_t i = (size_t)s;
    if (i > q->NG - 2) i = q->NG - 2;
    const double t = s - (double)i, t2 = t * t, t3 = t2 * t, h = q->hG;
    if (der)
        return (q->G[i] * (6 * t2 - 6 * t) + q->G[i + 1] * (-6 * t2 + 6 * t)) / h +
               q->dG[i] * (3 * t2 - 4 * t + 1) + q->dG[i + 1] * (3 * t2 - 2 * t);
    return q->G[i] * (2 * t3 - 3 * t2 + 1) + q->G[i + 1] * (-2 * t3 + 3 * t2) +
           h * (q->dG[i] * (t3 - 2 * t2 + t) + q->dG[i + 1] * (t3 - t2));
}

enum { SF_CHAR_G_NODES = 4097 /* Ĝ table with a K̂ table: cubic Hermite error O(h⁴) ≈ 2e-14·|Ĝ⁗|
                                 at h = π/8192; pointwise Ĝ costs ~100 µs (the kink piece) */ };

static size_t cell_of(const char_kernel *q, double x, double *t)
{
    double s = (x - q->lo) / q->h;
    if (s < 0.0) s = 0.0;
    if (s > (double)(q->N - 1)) s = (double)(q->N - 1);
    size_t i = (size_t)s;
    if (i > q->N - 2) i = q->N - 2;
    *t = s - (double)i;
    return i;
}

/* Bicubic Hermite value (der = 0) or ∂_x (der = 1) at (x, y). */
static double bicubic(const char_kernel *q, double x, double y, int der)
{
    double t, u;
    const size_t i = cell_of(q, x, &t), j = cell_of(q, y, &u), N = q->N;
    const double h = q->h, t2 = t * t, t3 = t2 * t, u2 = u * u, u3 = u2 * u;
    double a0, a1, b0, b1; /* x-basis: value (a) and slope (b) functions at the two nodes */
    if (der) {
        a0 = (6 * t2 - 6 * t) / h;
        a1 = (-6 * t2 + 6 * t) / h;
        b0 = 3 * t2 - 4 * t + 1;
        b1 = 3 * t2 - 2 * t;
    } else {
        a0 = 2 * t3 - 3 * t2 + 1;
        a1 = -2 * t3 + 3 * t2;
        b0 = h * (t3 - 2 * t2 + t);
        b1 = h * (t3 - t2);
    }
    const double c0 = 2 * u3 - 3 * u2 + 1, c1 = -2 * u3 + 3 * u2;
    const double d0 = h * (u3 - 2 * u2 + u), d1 = h * (u3 - u2);
    const double ax[2] = {a0, a1}, bx[2] = {b0, b1}, cy[2] = {c0, c1}, dy[2] = {d0, d1};
    double v = 0.0;
    for (int p = 0; p < 2; p++)
        for (int r = 0; r < 2; r++) {
            const size_t o = (i + (size_t)p) * N + j + (size_t)r;
            v += ax[p] * (cy[r] * q->F[o] + dy[r] * q->Fy[o]) +
                 bx[p] * (cy[r] * q->Fx[o] + dy[r] * q->Fxy[o]);
        }
    return v;
}

static double cb_K(const void *u, double x, double y)
{
    const char_kernel *q = u;
    return q->N ? bicubic(q, x, y, 0) : sf_kernel_K(q->k, x, y);
}
static double cb_dK(const void *u, double x, double y)
{
    const char_kernel *q = u;
    return q->N ? bicubic(q, x, y, 1) : sf_kernel_dK(q->k, x, y);
}
static double cb_G(const void *u, double x)
{
    const char_kernel *q = u;
    return q->NG ? hermite_G(q, x, 0) : sf_kernel_G(q->k, x);
}
static double cb_dG(const void *u, double x)
{
    const char_kernel *q = u;
    return q->NG ? hermite_G(q, x, 1) : sf_kernel_dG(q->k, x);
}
/* τ₀([lo, x]) in the coordinate (laws.c); NaN if GSL fails (the form reports it) */
static double cb_cdf(const void *u, double x)
{
    const char_kernel *q = u;
    double F = NAN;
    const sf_status s = q->theta ? sf_tau0_cdf_theta(q->ctx, q->dH, q->d - q->dH, x, &F)
                                 : sf_tau0_cdf_phi(q->ctx, q->d, x, &F);
    return s == SF_OK ? F : NAN;
}

static void cb_free(void *u)
{
    char_kernel *q = u;
    if (!q) return;
    sf_ctx_destroy(&q->ctx);
    sf_kernel_destroy(&q->k);
    free(q->F);
    free(q->Fx);
    free(q->Fy);
    free(q->Fxy);
    free(q->G);
    free(q->dG);
    free(q);
}

static sf_status table_fill(sf_ctx *ctx, char_kernel *q, double lo, double hi, size_t N)
{
    sf_status status = SF_OK;
    q->N = N;
    q->lo = lo;
    q->h = (hi - lo) / (double)(N - 1);
    SF_ALLOC(ctx, q->F, N * N);
    SF_ALLOC(ctx, q->Fx, N * N);
    SF_ALLOC(ctx, q->Fy, N * N);
    SF_ALLOC(ctx, q->Fxy, N * N);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            const double x = lo + q->h * (double)i, y = lo + q->h * (double)j;
            q->F[i * N + j] = j < i ? q->F[j * N + i] : sf_kernel_K(q->k, x, y); /* symmetric */
            q->Fx[i * N + j] = sf_kernel_dK(q->k, x, y);
        }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) q->Fy[i * N + j] = q->Fx[j * N + i];
    q->NG = SF_CHAR_G_NODES;
    q->hG = (hi - lo) / (double)(q->NG - 1);
    SF_ALLOC(ctx, q->G, q->NG);
    SF_ALLOC(ctx, q->dG, q->NG);
    for (size_t i = 0; i < q->NG; i++) {
        q->G[i] = sf_kernel_G(q->k, lo + q->hG * (double)i);
        q->dG[i] = sf_kernel_dG(q->k, lo + q->hG * (double)i);
    }
    const double c = 1.0 / (12.0 * q->h);
    for (size_t p = 0; p < N; p++) { /* ∂_y of row p of ∂_xK̂, fourth order */
        const double *r = q->Fx + p * N;
        double *o = q->Fxy + p * N;
        o[0] = c * (-25.0 * r[0] + 48.0 * r[1] - 36.0 * r[2] + 16.0 * r[3] - 3.0 * r[4]);
        o[1] = c * (-3.0 * r[0] - 10.0 * r[1] + 18.0 * r[2] - 6.0 * r[3] + r[4]);
        for (size_t j = 2; j + 2 < N; j++)
            o[j] = c * (r[j - 2] - 8.0 * r[j - 1] + 8.0 * r[j + 1] - r[j + 2]);
        const double *e = r + N - 5;
        o[N - 2] = c * (3.0 * e[4] + 10.0 * e[3] - 18.0 * e[2] + 6.0 * e[1] - e[0]);
        o[N - 1] = c * (25.0 * e[4] - 48.0 * e[3] + 36.0 * e[2] - 16.0 * e[1] + 3.0 * e[0]);
    }
    for (size_t p = 0; p < N; p++)
        for (size_t j = 0; j < p; j++) {
            const double avg = 0.5 * (q->Fxy[p * N + j] + q->Fxy[j * N + p]);
            q->Fxy[p * N + j] = q->Fxy[j * N + p] = avg;
        }
cleanup:
    return status;
}

sf_status sf_reduce_characteristics(sf_ctx *ctx, const sf_case *c, size_t n, size_t table,
                                    sf_char_problem *p)
{
    sf_status status = SF_OK;
    sf_rule r = {0};
    sf_coord_info ci;
    char_kernel *k = NULL;
    *p = (sf_char_problem){.n = 0};
    SF_CHECK(ctx, c->start.law == SF_START_BALANCED_SPHERE, SF_E_UNSUPPORTED,
             "%s: start.law = '%s': form characteristics needs a balanced start (|a| = |b|), "
             "as form lifted does", sf_case_where(c, "start.law"),
             sf_name_of(&sf_start_names, (int)c->start.law));
    SF_TRY(ctx, sf_reduce_coord(ctx, c, &ci));
    const double d = (double)c->problem.d, dH = (double)c->problem.d_H;
    if (ci.id == SF_COORD_THETA) {
        SF_TRY(ctx, sf_rule_beta(ctx, 0.5 * dH, 0.5 * (d - dH), n, &r));
        p->rule = "Gauss rule of cos^2 theta ~ Beta(d_H/2, k/2) (Golub-Welsch, Jacobi)";
    } else {
        SF_TRY(ctx, sf_rule_gamma(ctx, d, n, &r));
        p->rule = "Gauss rule of cos phi ~ gamma_d (Golub-Welsch, Gegenbauer)";
    }
    SF_CHECK(ctx, table == 0 || table >= 5, SF_E_ARG,
             "sf_reduce_characteristics: table = %zu: expected 0 (pointwise) or ≥ 5 nodes", table);
    SF_ALLOC(ctx, k, 1);
    SF_TRY(ctx, sf_kernel_create(ctx, c, &k->k));
    SF_CHECK(ctx, sf_ctx_create(&k->ctx) == SF_OK, SF_E_NOMEM, "form characteristics: context");
    k->theta = ci.id == SF_COORD_THETA;
    k->d = d;
    k->dH = dH;
    {
        /* (L8): K̂ and Ĝ as Chebyshev series when both converge to solver.kernel_tol and pass
         * their a-posteriori checks (solver.kernel: factored, the default); else the tables */
        const sf_coord *co = sf_coord_get(ci.id);
        if (c->solver.kernel == SF_KERNEL_FACTORED)
            SF_TRY(ctx, sf_kfactor_chebk(ctx, k->k, co->lo, co->hi, c->solver.kernel_tol, &p->cheb));
        if (!p->cheb.p && table) SF_TRY(ctx, table_fill(ctx, k, co->lo, co->hi, table));
    }
    p->n = r.n;
    p->coord = ci.id;
    SF_ALLOC(ctx, p->x0, r.n);
    SF_ALLOC(ctx, p->w0, r.n);
    for (size_t i = 0; i < r.n; i++) {
        const double xi = r.x[i];
        /* θ = arccos √x written so that cos θ = √x keeps its relative accuracy near π/2 */
        p->x0[i] = ci.id == SF_COORD_THETA ? atan2(sqrt(1.0 - xi), sqrt(xi)) : acos(xi);
        p->w0[i] = r.w[i];
    }
    p->K = cb_K;
    p->dK = cb_dK;
    p->G = cb_G;
    p->dG = cb_dG;
    p->cdf = cb_cdf;
    p->risk_const = sf_kernel_risk_const(k->k);
    p->user = k;
    p->user_free = cb_free;
    k = NULL;
cleanup:
    sf_rule_free(&r);
    cb_free(k);
    if (status != SF_OK) sf_char_problem_free(p);
    return status;
}

void sf_char_problem_free(sf_char_problem *p)
{
    if (!p) return;
    free(p->x0);
    free(p->w0);
    free(p->cheb.A);
    free(p->cheb.g);
    if (p->user_free) p->user_free(p->user);
    *p = (sf_char_problem){.n = 0};
}
