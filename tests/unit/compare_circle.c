/* compare_circle.c — the circular W₁ of postproc/compare.c (MATH §6, (M19)):
 * W₁ = min_c ∫ |F − G − c| between a piecewise-uniform measure on the cells of [0, 2π) and
 * atoms. Checked against (1) closed forms: uniform vs one atom anywhere = π/2 (the mean arc
 * distance), where the line's W₁ from the atom at 0 is π; two antipodal half-atoms vs
 * uniform = π/4; (2) invariance under a rotation by a whole number of cells (the line's W₁
 * changes); (3) ≤ the line's W₁; (4) an independent brute force: D = F − G sampled at N
 * midpoints, c = the sample median, ∫ by the midpoint sum.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "symflow/compare.h"

/* round-off of sums of O(100) terms of size O(1) and the golden-section stop at 1e-15 */
static const double ROUND = 1e-12;
enum { NC = 16, NA = 40, NS = 4000000 };

static int dcmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* brute force of the file comment, (4) */
static double brute(const double *edges, const double *mass, const double *x, const double *w)
{
    static double D[NS];
    double mf = 0.0, mp = 0.0;
    for (int k = 0; k < NC; k++) mf += mass[k];
    for (int j = 0; j < NA; j++) mp += w[j];
    const double L = edges[NC] - edges[0], dx = L / NS;
    int c = 0, j = 0;
    double fe = 0.0, g = 0.0;
    for (int s = 0; s < NS; s++) {
        const double t = edges[0] + (s + 0.5) * dx;
        while (t >= edges[c + 1]) fe += mass[c++] / mf;
        while (j < NA && x[j] <= t) g += w[j++] / mp;
        D[s] = fe + mass[c] / mf * (t - edges[c]) / (edges[c + 1] - edges[c]) - g;
    }
    double *sorted = malloc(sizeof D);
    if (!sorted) return NAN;
    for (int s = 0; s < NS; s++) sorted[s] = D[s];
    qsort(sorted, NS, sizeof *sorted, dcmp);
    const double med = sorted[NS / 2];
    free(sorted);
    double sum = 0.0;
    for (int s = 0; s < NS; s++) sum += fabs(D[s] - med);
    return sum * dx;
}

int main(void)
{
    const double twopi = 2.0 * M_PI;
    double edges[NC + 1], mass[NC], x[NA], w[NA];
    for (int k = 0; k <= NC; k++) edges[k] = twopi * k / NC;

    /* (1) uniform vs one atom: π/2 wherever the atom is */
    for (int k = 0; k < NC; k++) mass[k] = 1.0;
    const double one = 1.0;
    for (int r = 0; r < 5; r++) {
        const double at = twopi * (0.1 + 0.17 * r);
        SF_EXPECT_NEAR(sf_w1_circle_cells_vs_atoms(NC, edges, mass, 1, &at, &one), 0.5 * M_PI,
                       ROUND);
    }
    const double zero = 0.0;
    SF_EXPECT_NEAR(sf_w1_cells_vs_atoms(NC, edges, mass, 1, &zero, &one), M_PI, ROUND);
    SF_EXPECT_NEAR(sf_w1_circle_cells_vs_atoms(NC, edges, mass, 1, &zero, &one), 0.5 * M_PI,
                   ROUND);
    /* two antipodal half-atoms: D = u − ½[u ≥ a] − ½[u ≥ a + ½] (u = x/2π), a sawtooth of
       period ½ whose median-centred |.| averages 1/8: W₁ = 2π/8 */
    const double xa[2] = {1.0, 1.0 + M_PI}, wa[2] = {1.0, 1.0};
    SF_EXPECT_NEAR(sf_w1_circle_cells_vs_atoms(NC, edges, mass, 2, xa, wa), 0.25 * M_PI, ROUND);

    /* a random measure and random atoms */
    unsigned long s = 99;
    for (int k = 0; k < NC; k++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        mass[k] = 0.05 + (double)(s >> 11) / 9007199254740992.0;
    }
    for (int j = 0; j < NA; j++) {
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        x[j] = twopi * (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005UL + 1442695040888963407UL;
        w[j] = 0.1 + (double)(s >> 11) / 9007199254740992.0;
    }
    /* sort the atoms (with their weights) */
    for (int i = 1; i < NA; i++)
        for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
            double t = x[j]; x[j] = x[j - 1]; x[j - 1] = t;
            t = w[j]; w[j] = w[j - 1]; w[j - 1] = t;
        }
    const double wc = sf_w1_circle_cells_vs_atoms(NC, edges, mass, NA, x, w);
    const double wl = sf_w1_cells_vs_atoms(NC, edges, mass, NA, x, w);
    const double wb = brute(edges, mass, x, w);
    /* the midpoint sum errs by at most |jump| · dx per breakpoint inside a sample interval
       (NC + NA of them, jumps ≤ 1) and by rounding: (NC + NA)·2π/NS ≈ 9e-5 */
    const double brute_tol = (NC + NA) * twopi / NS;
    printf("random: circular %.12f, brute %.12f (tol %.1e), line %.12f\n", wc, wb, brute_tol, wl);
    SF_EXPECT_NEAR(wc, wb, brute_tol);
    SF_EXPECT_LE(wc, wl + ROUND); /* (3) */

    /* (2) rotation by 5 cells: masses shifted cyclically, atoms by 5·2π/NC mod 2π */
    const int sh = 5;
    double mr[NC], xr[NA], wr[NA];
    for (int k = 0; k < NC; k++) mr[(k + sh) % NC] = mass[k];
    int start = 0;
    for (int j = 0; j < NA; j++) {
        double y = x[j] + twopi * sh / NC;
        if (y >= twopi) y -= twopi;
        xr[j] = y;
        wr[j] = w[j];
        if (j > 0 && xr[j] < xr[j - 1]) start = j;
    }
    double xs[NA], ws[NA];
    for (int j = 0; j < NA; j++) {
        xs[j] = xr[(start + j) % NA];
        ws[j] = wr[(start + j) % NA];
    }
    const double wcr = sf_w1_circle_cells_vs_atoms(NC, edges, mr, NA, xs, ws);
    const double wlr = sf_w1_cells_vs_atoms(NC, edges, mr, NA, xs, ws);
    printf("rotated: circular %.12f, line %.12f\n", wcr, wlr);
    SF_EXPECT_NEAR(wcr, wc, ROUND);
    SF_EXPECT(fabs(wlr - wl) > 1e-3); /* the line's W₁ is not rotation invariant here */

    /* errors: NaN for empty or unsorted input */
    SF_EXPECT(isnan(sf_w1_circle_cells_vs_atoms(NC, edges, mass, 0, x, w)));
    const double bad[2] = {2.0, 1.0};
    SF_EXPECT(isnan(sf_w1_circle_cells_vs_atoms(NC, edges, mass, 2, bad, wa)));
    SF_TEST_DONE();
}
