/* compare_basic.c — unit tests of postproc/compare.c and postproc/dct.c (MATH.md §6,
 * "Against particles"): the exact W₁ of a piecewise-uniform measure against atoms, the
 * reflecting Gaussian smoothing by DCT, and sf_compare_files end to end on small files
 * written here with known content (risk gap, masses, W₁, smoothing widths, conservation,
 * time matching), plus its error cases.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "symflow/compare.h"
#include "symflow/ncio.h"

/* Round-off of sums of O(10) terms of size O(1): a few hundred ulps, far above the ~10
 * operations per value each formula takes. */
static const double ROUND = 1e-13;

/* ---- W₁ ----------------------------------------------------------------------------------- */

/* W₁ between uniform on [0, 1] and weight p at a, 1 − p at b (a ≤ p ≤ b): the CDF difference
 * is x on [0, a), x − p on [a, b), x − 1 on [b, 1]. */
static double w1_uniform_two_atoms(double a, double b, double p)
{
    return 0.5 * a * a + 0.5 * ((p - a) * (p - a) + (b - p) * (b - p)) + 0.5 * (1 - b) * (1 - b);
}

static void test_w1_closed_forms(void)
{
    /* One uniform cell [0, 1] against an atom at ½: ∫|x − 1{x ≥ ½}| = 2 ∫₀^½ x dx = ¼. */
    const double e1[2] = {0.0, 1.0}, m1[1] = {3.0};
    const double half = 0.5, one = 2.0;
    SF_EXPECT_NEAR(sf_w1_cells_vs_atoms(1, e1, m1, 1, &half, &one), 0.25, ROUND);

    /* Two atoms, sign change of F − G inside the piece [0.1, 0.9] (from −0.4 to 0.4). */
    const double x2[2] = {0.1, 0.9}, w2[2] = {1.0, 1.0};
    SF_EXPECT_NEAR(sf_w1_cells_vs_atoms(1, e1, m1, 2, x2, w2), w1_uniform_two_atoms(0.1, 0.9, 0.5),
                   ROUND);
    SF_EXPECT_NEAR(w1_uniform_two_atoms(0.1, 0.9, 0.5), 0.17, ROUND);

    /* The same uniform law on non-uniform cells (masses = widths), unequal weights. */
    const double e3[5] = {0.0, 0.05, 0.2, 0.65, 1.0};
    const double m3[4] = {0.05, 0.15, 0.45, 0.35};
    const double x3[2] = {0.1, 0.7}, w3[2] = {0.6, 1.4}; /* p = 0.3 */
    SF_EXPECT_NEAR(sf_w1_cells_vs_atoms(4, e3, m3, 2, x3, w3), w1_uniform_two_atoms(0.1, 0.7, 0.3),
                   ROUND);
    SF_EXPECT_NEAR(w1_uniform_two_atoms(0.1, 0.7, 0.3), 0.15, ROUND);

    /* Atoms at cell midpoints carrying the cell masses: the CDFs agree at every edge, and in a
     * cell of width h_k and normalised mass M_k the difference is two triangles, M_k h_k / 4. */
    const double e4[5] = {-1.0, -0.2, 0.1, 0.5, 2.0};
    const double m4[4] = {0.3, 2.0, 0.7, 1.0};
    double x4[4], expect = 0.0, total = 0.0;
    for (size_t k = 0; k < 4; k++) total += m4[k];
    for (size_t k = 0; k < 4; k++) {
        x4[k] = 0.5 * (e4[k] + e4[k + 1]);
        expect += m4[k] / total * (e4[k + 1] - e4[k]) / 4.0;
    }
    SF_EXPECT_NEAR(sf_w1_cells_vs_atoms(4, e4, m4, 4, x4, m4), expect, ROUND);

    /* Atoms outside the cells: uniform [0, 1] against an atom at 3: ∫₀¹ x dx + ∫₁³ 1 dx. */
    const double far = 3.0;
    SF_EXPECT_NEAR(sf_w1_cells_vs_atoms(1, e1, m1, 1, &far, &one), 2.5, ROUND);

    /* Undefined cases are NaN: unsorted atoms, no mass. */
    const double xu[2] = {0.9, 0.1}, zero[1] = {0.0};
    SF_EXPECT(isnan(sf_w1_cells_vs_atoms(1, e1, m1, 2, xu, w2)));
    SF_EXPECT(isnan(sf_w1_cells_vs_atoms(1, e1, zero, 1, &half, &one)));
    SF_EXPECT(isnan(sf_w1_cells_vs_atoms(1, e1, m1, 1, &half, zero)));
    SF_EXPECT(isnan(sf_w1_cells_vs_atoms(1, e1, m1, 0, &half, &one)));
}

/* splitmix64 (Steele, Lea, Flood 2014): a fixed, portable stream for the Monte-Carlo test. */
static uint64_t rng_state = 0x5eed5eed12345678ull;
static double rng_uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* m samples of a piecewise-constant density on non-uniform cells of [0, π/2] (inverse CDF).
 * E W₁(empirical, true) = ∫ E|F_m − F| ≤ ∫ √(F(1 − F)/m) ≤ L/(2√m); W₁ moves by at most L/m
 * when one sample moves, so (McDiarmid) P(W₁ > E W₁ + t) ≤ exp(−2 m t²/L²), and with
 * t = 3L/(2√m) the bound 2L/√m fails with probability ≤ e^{−4.5} ≈ 1 % (fixed seed here). */
static void test_w1_monte_carlo(void)
{
    const double L = M_PI_2;
    const double e[6] = {0.0, 0.1 * L, 0.25 * L, 0.5 * L, 0.8 * L, L};
    const double mass[5] = {0.4, 0.1, 1.5, 0.3, 0.7};
    double cum[6] = {0.0}, total;
    for (size_t k = 0; k < 5; k++) cum[k + 1] = cum[k] + mass[k];
    total = cum[5];
    const size_t sizes[3] = {100, 10000, 1000000};
    double *x = malloc(sizes[2] * sizeof *x), *w = malloc(sizes[2] * sizeof *w);
    SF_EXPECT(x && w);
    if (!x || !w) goto done;
    for (size_t s = 0; s < 3; s++) {
        const size_t m = sizes[s];
        for (size_t i = 0; i < m; i++) {
            const double u = rng_uniform() * total;
            size_t k = 0;
            while (k < 4 && u >= cum[k + 1]) k++;
            x[i] = e[k] + (u - cum[k]) / mass[k] * (e[k + 1] - e[k]);
            w[i] = 1.0;
        }
        qsort(x, m, sizeof *x, cmp_double);
        const double d = sf_w1_cells_vs_atoms(5, e, mass, m, x, w);
        printf("W1 Monte Carlo: m = %7zu: W1 = %.3e, scale L/(2 sqrt m) = %.3e\n", m, d,
               L / (2.0 * sqrt((double)m)));
        SF_EXPECT_LE(d, 2.0 * L / sqrt((double)m));
    }
done:
    free(x);
    free(w);
}

/* ---- DCT smoothing ------------------------------------------------------------------------- */

/* Reflected Gaussian (method of images) on [0, L]: Σ_j g(x − x0 − 2jL) + g(x + x0 − 2jL). */
static double images_kernel(double x, double x0, double h, double L)
{
    double s = 0.0;
    for (int j = -20; j <= 20; j++) {
        const double y1 = x - x0 - 2.0 * j * L, y2 = x + x0 - 2.0 * j * L;
        s += exp(-0.5 * y1 * y1 / (h * h)) + exp(-0.5 * y2 * y2 / (h * h));
    }
    return s / (h * sqrt(2.0 * M_PI));
}

static void test_dct(sf_ctx *ctx)
{
    /* Mass: coefficient 0 is untouched, the other modes sum to zero over the bins; what is
     * left is FFT round-off, ~ε log₂ n per value relative to the mean: 1e-14 relative. */
    enum { N_MASS = 1000 };
    double v[N_MASS], before = 0.0, after = 0.0;
    for (size_t j = 0; j < N_MASS; j++) before += v[j] = rng_uniform() * (j % 7 == 0 ? 10 : 1);
    SF_EXPECT_OK(ctx, sf_dct_smooth(ctx, N_MASS, 2.0, 0.13, v));
    for (size_t j = 0; j < N_MASS; j++) after += v[j];
    SF_EXPECT_NEAR(after / before, 1.0, 1e-14);

    /* A point mass at a bin centre gives the image kernel at the bin centres up to the
     * truncation exp(−(π n h/L)²/2) (≤ e^{−800} here) and round-off ε·n relative to the peak
     * (≈ 1e-13): 1e-10 of the peak is the brief's bound with room. */
    enum { N = 401 };
    const double L = 1.0, dx = L / N;
    const struct { size_t bin; double h; } cases[3] = {{200, 0.05}, {200, 0.3}, {20, 0.1}};
    for (size_t c = 0; c < 3; c++) {
        double y[N] = {0.0};
        y[cases[c].bin] = 1.0;
        const double x0 = (cases[c].bin + 0.5) * dx, h = cases[c].h;
        SF_EXPECT_OK(ctx, sf_dct_smooth(ctx, N, L, h, y));
        double err = 0.0, peak = 0.0;
        for (size_t j = 0; j < N; j++) {
            const double exact = images_kernel((j + 0.5) * dx, x0, h, L);
            err = fmax(err, fabs(y[j] / dx - exact));
            peak = fmax(peak, exact);
        }
        printf("DCT vs images: x0 = %.4f, h = %.2f: max error %.2e of peak %.3f\n", x0, h, err,
               peak);
        SF_EXPECT_LE(err, 1e-10 * peak);
    }

    /* h = 0 and n = 1 are the identity; bad arguments are SF_E_ARG. */
    double id[3] = {1.0, 2.0, 3.0};
    SF_EXPECT_OK(ctx, sf_dct_smooth(ctx, 3, 1.0, 0.0, id));
    SF_EXPECT(id[0] == 1.0 && id[1] == 2.0 && id[2] == 3.0);
    SF_EXPECT_OK(ctx, sf_dct_smooth(ctx, 1, 1.0, 0.5, id));
    SF_EXPECT(id[0] == 1.0);
    SF_EXPECT(sf_dct_smooth(ctx, 3, 1.0, -1.0, id) == SF_E_ARG);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_dct_smooth(ctx, 3, 0.0, 0.1, id) == SF_E_ARG);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_dct_smooth(ctx, 0, 1.0, 0.1, id) == SF_E_ARG);
    sf_ctx_clear(ctx);
}

/* ---- end to end ---------------------------------------------------------------------------- */

enum { NC = 6, NT_FIELD = 3, M = 4, D = 5, D_H = 2 };

/* Field: uniform densities on non-uniform cells of [lo, hi]; |τ⁺| = 1 + 0.1k, |τ⁻| = 0.5,
 * R = 0.5 − 0.1k at t = k. */
static sf_status write_field(sf_ctx *ctx, const char *path, const char *coord, double hi,
                             long d, long d_H, const char *form)
{
    sf_status status = SF_OK;
    sf_ncw *w = NULL;
    const double frac[NC + 1] = {0.0, 0.05, 0.15, 0.3, 0.5, 0.75, 1.0};
    double edges[NC + 1], centres[NC], tp[NC], tm[NC];
    for (size_t i = 0; i <= NC; i++) edges[i] = hi * frac[i];
    edges[NC] = hi;
    for (size_t i = 0; i < NC; i++) centres[i] = 0.5 * (edges[i] + edges[i + 1]);
    const sf_nc_coord co = {coord, "test coordinate", "rad", NC, centres, edges};
    const sf_nc_field fields[2] = {{"tau_plus", "tau+", "1/rad", 1, {0}},
                                   {"tau_minus", "tau-", "1/rad", 1, {0}}};
    const sf_nc_series series[3] = {{"risk", "R", "1"}, {"mass_plus", "m+", "1"},
                                    {"mass_minus", "m-", "1"}};
    const sf_nc_attr attrs[4] = {{"symflow_kind", SF_NC_ATTR_TEXT, "field", 0, 0},
                                 {"form", SF_NC_ATTR_TEXT, form, 0, 0},
                                 {"d", SF_NC_ATTR_INT, NULL, 0, d},
                                 {"d_H", SF_NC_ATTR_INT, NULL, 0, d_H}};
    const sf_nc_layout layout = {"test field", &co, 1, fields, 2, series, 3, attrs, 4};
    SF_TRY(ctx, sf_ncw_create(ctx, path, &layout, &w));
    for (int k = 0; k < NT_FIELD; k++) {
        const double mp = 1.0 + 0.1 * k, mm = 0.5;
        for (size_t i = 0; i < NC; i++) {
            tp[i] = mp / hi;
            tm[i] = mm / hi;
        }
        const double *f[2] = {tp, tm};
        const double s[3] = {0.5 - 0.1 * k, mp, mm};
        SF_TRY(ctx, sf_ncw_append(ctx, w, (double)k, f, s));
    }
    SF_TRY(ctx, sf_ncw_close(ctx, &w, 1));
cleanup:
    sf_ncw_close(ctx, &w, 0);
    return status;
}

/* Neurons (aᵢ, |bᵢ|, coordinate xᵢ as a fraction of the interval); c = |a||b|:
 * plus c = 1 at ¼ and ¾ of the interval, minus c = 1 and ½ both at ½. */
static const double nr_a[M] = {1.0, 2.0, -1.0, -0.5};
static const double nr_rho[M] = {1.0, 0.5, 1.0, 1.0};
static const double nr_frac[M] = {0.25, 0.75, 0.5, 0.5};

/* Particles at t ∈ times[nt], R = 0.52 − 0.1k. Full storage: b = ρ(cos x·û + sin x·p̂) with
 * û = cos β h₁ + sin β h₂ in H (β = 0 if d_H = 1) and p̂ ⊥ H, H spanned by a rotated basis;
 * reduced: u = ρ cos x (cos β, sin β), r = ρ sin x. */
static sf_status write_particles(sf_ctx *ctx, const char *path, size_t d, size_t d_H,
                                 sf_ncp_storage storage, double hi, const double *times,
                                 size_t nt)
{
    sf_status status = SF_OK;
    sf_ncp *w = NULL;
    double basis[2 * 8] = {0.0}, phat[8] = {0.0}, b[M * 8], u[M * 2], r[M];
    const double s2 = sqrt(0.5), beta = d_H == 2 ? 0.3 : 0.0;
    /* h₁ = (e₁ + e₂)/√2, h₂ = e₃; p̂ = 0.6 (e₁ − e₂)/√2 + 0.8 e₄ (needs d ≥ 4). */
    basis[0] = s2;
    basis[1] = s2;
    if (d_H == 2) basis[d + 2] = 1.0;
    phat[0] = 0.6 * s2;
    phat[1] = -0.6 * s2;
    phat[3] = 0.8;
    for (size_t i = 0; i < M; i++) {
        const double x = nr_frac[i] * hi, rho = nr_rho[i];
        for (size_t j = 0; j < d; j++) {
            double uh = cos(beta) * basis[j] + (d_H == 2 ? sin(beta) * basis[d + j] : 0.0);
            b[i * d + j] = rho * (cos(x) * uh + sin(x) * phat[j]);
        }
        u[i * d_H] = rho * cos(x) * cos(beta);
        if (d_H == 2) u[i * d_H + 1] = rho * cos(x) * sin(beta);
        r[i] = rho * sin(x);
    }
    const sf_particles_header h = {M, d, d_H, storage, storage == SF_NCP_FULL ? basis : NULL,
                                   NAN, 7, "test", NULL, NULL, 0};
    SF_TRY(ctx, sf_ncp_create(ctx, path, &h, &w));
    for (size_t k = 0; k < nt; k++)
        SF_TRY(ctx, sf_ncp_append(ctx, w, times[k], nr_a, storage == SF_NCP_FULL ? b : NULL,
                                  storage == SF_NCP_FULL ? NULL : u,
                                  storage == SF_NCP_FULL ? NULL : r, 0.52 - 0.1 * (double)k));
    SF_TRY(ctx, sf_ncp_close(ctx, &w, 1));
cleanup:
    sf_ncp_close(ctx, &w, 0);
    return status;
}

static int contains(const char *s, const char *sub) { return s && strstr(s, sub) != NULL; }

/* Read a (time)-series of the comparison file. */
static void read_series(sf_ctx *ctx, const char *path, const char *var, double *v, size_t n)
{
    sf_nc_array a = {0};
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, path, var, "time", &a));
    SF_EXPECT(a.shape[0] == n);
    for (size_t i = 0; i < n && i < a.shape[0]; i++) v[i] = a.data[i];
    sf_nc_array_free(&a);
}

static void test_end_to_end(sf_ctx *ctx, const char *dir)
{
    char field[512], part[512], red[512], out[512], out2[512];
    snprintf(field, sizeof field, "%s/f.nc", dir);
    snprintf(part, sizeof part, "%s/p.nc", dir);
    snprintf(red, sizeof red, "%s/pr.nc", dir);
    snprintf(out, sizeof out, "%s/cmp.nc", dir);
    snprintf(out2, sizeof out2, "%s/cmp_reduced.nc", dir);
    const double L = M_PI_2;
    /* 2 + 1e-10 matches the field's t = 2 (tolerance 1e-9·2); t = 3 has no field output. */
    const double times[4] = {0.0, 1.0, 2.0 + 1e-10, 3.0};
    SF_EXPECT_OK(ctx, write_field(ctx, field, "theta", L, D, D_H, "lifted"));
    SF_EXPECT_OK(ctx, write_particles(ctx, part, D, D_H, SF_NCP_FULL, L, times, 4));
    SF_EXPECT_OK(ctx, write_particles(ctx, red, D, D_H, SF_NCP_REDUCED, L, times, 4));

    sf_compare_summary s = {0}, s2 = {0};
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, field, part, out, NULL, &s));
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, field, red, out2, NULL, &s2));

    /* Uniform field against atoms (MATH §6): plus: weights ½ at L/4, 3L/4 → W₁ = L/8;
     * minus: all mass at L/2 → W₁ = L/4 (the closed forms of test_w1_closed_forms). */
    const double w1p = L * w1_uniform_two_atoms(0.25, 0.75, 0.5), w1m = 0.25 * L;
    const double mpp = 2.0 / M, mmp = 1.5 / M; /* (1/m) Σ |a||b| per sign */
    SF_EXPECT(s.n_times == 3);
    SF_EXPECT_NEAR(s.sup_risk_gap, 0.02, ROUND);
    SF_EXPECT_NEAR(s.sup_rel_risk_gap, 0.02 / 0.3, ROUND);
    SF_EXPECT_NEAR(s.max_w1_plus, w1p, ROUND);
    SF_EXPECT_NEAR(s.max_w1_minus, w1m, ROUND);
    SF_EXPECT_NEAR(s.final_mass_plus_field, 1.2, ROUND);
    SF_EXPECT_NEAR(s.final_mass_plus_particles, mpp, ROUND);
    SF_EXPECT_NEAR(s.final_mass_minus_field, 0.5, ROUND);
    SF_EXPECT_NEAR(s.final_mass_minus_particles, mmp, ROUND);
    SF_EXPECT_NEAR(s.final_risk_field, 0.3, ROUND);
    SF_EXPECT_NEAR(s.final_risk_particles, 0.32, ROUND);
    /* Reduced storage describes the same neurons. */
    SF_EXPECT(s2.n_times == 3);
    SF_EXPECT_NEAR(s2.max_w1_plus, w1p, ROUND);
    SF_EXPECT_NEAR(s2.max_w1_minus, w1m, ROUND);
    SF_EXPECT_NEAR(s2.final_mass_minus_particles, mmp, ROUND);

    /* The file. */
    double t[3], gap[3], v[3];
    read_series(ctx, out, "time", t, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT(t[k] == (double)k);
    read_series(ctx, out, "risk_gap", gap, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT_NEAR(gap[k], 0.02, ROUND);
    read_series(ctx, out, "mass_plus_field", v, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT_NEAR(v[k], 1.0 + 0.1 * k, ROUND);
    read_series(ctx, out, "mass_minus_particles", v, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT_NEAR(v[k], mmp, ROUND);
    read_series(ctx, out, "mass_plus_gap", v, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT_NEAR(v[k], mpp - (1.0 + 0.1 * k), ROUND);
    read_series(ctx, out, "w1_plus", v, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT_NEAR(v[k], w1p, ROUND);
    read_series(ctx, out, "w1_minus", v, 3);
    for (size_t k = 0; k < 3; k++) SF_EXPECT_NEAR(v[k], w1m, ROUND);
    /* Silverman: plus, equal weights at L/4 and 3L/4: σ̂ = L/4, n_eff = 2; minus: σ̂ = 0, so
     * the floor of three fine bins, 3L/256 (256 bins ≥ 4 × 6 cells). */
    read_series(ctx, out, "smoothing_width_plus", v, 3);
    SF_EXPECT_NEAR(v[0], 1.06 * 0.25 * L * pow(2.0, -0.2), ROUND);
    read_series(ctx, out, "smoothing_width_minus", v, 3);
    SF_EXPECT_NEAR(v[0], 3.0 * L / 256.0, ROUND);

    /* Fields: the copies are exact; the smoothed particles carry exactly their mass (binning,
     * DCT and cell averaging each conserve it: round-off only). */
    sf_nc_array a = {0}, bn = {0};
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, out, "theta_bnds", "theta, nv", &bn));
    SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, out, "tau_plus_field", "time, theta", &a));
    if (a.data && bn.data) SF_EXPECT(a.data[2 * NC + 3] == (1.0 + 0.1 * 2) / L); /* as written */
    sf_nc_array_free(&a);
    const char *names[2] = {"tau_plus_particles", "tau_minus_particles"};
    const double masses[2] = {mpp, mmp};
    for (int sg = 0; sg < 2; sg++) {
        SF_EXPECT_OK(ctx, sf_nc_read_expect(ctx, out, names[sg], "time, theta", &a));
        for (size_t k = 0; a.data && bn.data && k < 3; k++) {
            double sum = 0.0, lo = INFINITY, hi = 0.0;
            for (size_t i = 0; i < NC; i++) {
                sum += a.data[k * NC + i] * (bn.data[2 * i + 1] - bn.data[2 * i]);
                lo = fmin(lo, a.data[k * NC + i]);
                hi = fmax(hi, a.data[k * NC + i]);
            }
            SF_EXPECT_NEAR(sum, masses[sg], ROUND);
            /* A Gaussian of positive masses is positive; h ≥ 3 fine bins keeps the truncation
             * of the cosine series (e^{−44}) under round-off, ROUND relative to the peak. */
            SF_EXPECT_LE(-lo, ROUND * hi);
        }
        sf_nc_array_free(&a);
    }
    sf_nc_array_free(&bn);
    char *text = NULL;
    SF_EXPECT_OK(ctx, sf_nc_read_attr_text(ctx, out, "symflow_kind", &text));
    SF_EXPECT(text && strcmp(text, "compare") == 0);
    free(text);
    text = NULL;
    SF_EXPECT_OK(ctx, sf_nc_read_attr_text(ctx, out, "particles_file", &text));
    SF_EXPECT(text && strcmp(text, part) == 0);
    free(text);

    /* A fixed bandwidth is used as given; no output file requested: summary only. */
    sf_compare_params prm = sf_compare_params_default();
    prm.bandwidth = 0.2;
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, field, part, NULL, &prm, &s2));
    SF_EXPECT(s2.n_times == 3);
    prm.bandwidth = 2.0 * L / 256.0; /* two fine bins: would ring */
    SF_EXPECT(sf_compare_files(ctx, field, part, NULL, &prm, &s2) == SF_E_RANGE);
    sf_ctx_clear(ctx);

    /* φ on [0, π] (d_H = 1): the sign of b_H,1 matters. Atoms at π/4, 3π/4 (plus), π/2. */
    char fphi[512], pphi[512];
    snprintf(fphi, sizeof fphi, "%s/fphi.nc", dir);
    snprintf(pphi, sizeof pphi, "%s/pphi.nc", dir);
    SF_EXPECT_OK(ctx, write_field(ctx, fphi, "phi", M_PI, 4, 1, "lifted"));
    SF_EXPECT_OK(ctx, write_particles(ctx, pphi, 4, 1, SF_NCP_FULL, M_PI, times, 4));
    SF_EXPECT_OK(ctx, sf_compare_files(ctx, fphi, pphi, NULL, NULL, &s));
    SF_EXPECT_NEAR(s.max_w1_plus, M_PI * w1_uniform_two_atoms(0.25, 0.75, 0.5), ROUND);
    SF_EXPECT_NEAR(s.max_w1_minus, 0.25 * M_PI, ROUND);
}

static void test_errors(sf_ctx *ctx, const char *dir)
{
    char field[512], part[512], p6[512], plate[512], ftr[512], out[512];
    snprintf(field, sizeof field, "%s/f.nc", dir); /* written by test_end_to_end */
    snprintf(part, sizeof part, "%s/p.nc", dir);
    snprintf(p6, sizeof p6, "%s/p_d6.nc", dir);
    snprintf(plate, sizeof plate, "%s/p_late.nc", dir);
    snprintf(ftr, sizeof ftr, "%s/f_sliced.nc", dir);
    snprintf(out, sizeof out, "%s/never.nc", dir);
    const double times[2] = {0.0, 1.0}, late[2] = {5.0, 6.0};
    SF_EXPECT_OK(ctx, write_particles(ctx, p6, 6, D_H, SF_NCP_FULL, M_PI_2, times, 2));
    SF_EXPECT_OK(ctx, write_particles(ctx, plate, D, D_H, SF_NCP_FULL, M_PI_2, late, 2));
    SF_EXPECT_OK(ctx, write_field(ctx, ftr, "theta", M_PI_2, D, D_H, "sliced"));

    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, field, p6, out, NULL, NULL) == SF_E_ARG);
    SF_EXPECT(contains(sf_ctx_message(ctx), p6) && contains(sf_ctx_message(ctx), "d = 6") &&
              contains(sf_ctx_message(ctx), field) && contains(sf_ctx_message(ctx), "d = 5"));
    printf("d mismatch: %s\n", sf_ctx_message(ctx));

    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, field, plate, out, NULL, NULL) == SF_E_RANGE);
    SF_EXPECT(contains(sf_ctx_message(ctx), plate) && contains(sf_ctx_message(ctx), "common"));
    printf("no common time: %s\n", sf_ctx_message(ctx));

    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, part, field, out, NULL, NULL) == SF_E_NETCDF);
    SF_EXPECT(contains(sf_ctx_message(ctx), part) &&
              contains(sf_ctx_message(ctx), "not a symflow field file"));
    printf("swapped files: %s\n", sf_ctx_message(ctx));

    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, ftr, part, out, NULL, NULL) == SF_E_UNSUPPORTED);
    /* An unknown form is refused by name, listing the forms compare knows. */
    SF_EXPECT(contains(sf_ctx_message(ctx), ftr) && contains(sf_ctx_message(ctx), "form") &&
              contains(sf_ctx_message(ctx), "\"sliced\"") &&
              contains(sf_ctx_message(ctx), "\"transport\"") &&
              contains(sf_ctx_message(ctx), "\"ode\""));
    printf("unknown form: %s\n", sf_ctx_message(ctx));

    /* The output may not be an input, whatever its spelling (device and inode compared). */
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, field, part, field, NULL, NULL) == SF_E_IO);
    char respelt[600]; /* part (512) plus "/." */
    const char *slash = strrchr(part, '/');
    snprintf(respelt, sizeof respelt, "%.*s/./%s", (int)(slash - part), part, slash + 1);
    sf_ctx_clear(ctx);
    SF_EXPECT(sf_compare_files(ctx, field, part, respelt, NULL, NULL) == SF_E_IO);
    SF_EXPECT(contains(sf_ctx_message(ctx), respelt) && contains(sf_ctx_message(ctx), "input"));
    sf_ctx_clear(ctx);
    SF_EXPECT(access(out, F_OK) != 0); /* no failed comparison left an output */

    /* Every allocation failure is reported, leaks nothing (checked under ASan) and leaves no
     * temporary file; the loop ends at the first run with no failing allocation. */
    long n = 1, n_max = 1000;
    for (; n < n_max; n++) {
        sf_ctx_fail_alloc_at(ctx, n);
        sf_status st = sf_compare_files(ctx, field, part, out, NULL, NULL);
        sf_ctx_fail_alloc_at(ctx, 0);
        sf_ctx_clear(ctx);
        if (st == SF_OK) break;
        SF_EXPECT(st == SF_E_NOMEM);
        SF_EXPECT(access(out, F_OK) != 0);
    }
    SF_EXPECT(n > 1 && n < n_max);
    printf("allocation failures injected: %ld\n", n - 1);
    DIR *dp = opendir(dir);
    SF_EXPECT(dp != NULL);
    for (struct dirent *e; dp && (e = readdir(dp));)
        SF_EXPECT(!contains(e->d_name, ".tmp."));
    if (dp) closedir(dp);
}

int main(void)
{
    sf_ctx *ctx = NULL;
    char dir[] = "/tmp/sf_compare_XXXXXX";
    if (sf_ctx_create(&ctx) != SF_OK || !mkdtemp(dir)) {
        fprintf(stderr, "cannot create a context or a temporary directory\n");
        return 1;
    }
    test_w1_closed_forms();
    test_w1_monte_carlo();
    test_dct(ctx);
    test_end_to_end(ctx, dir);
    test_errors(ctx, dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    sf_ctx_destroy(&ctx);
    SF_TEST_DONE();
}
