/* particles_rng.c — the particle simulators' own seeded random numbers: xoshiro256**
 * (seeded through splitmix64), uniform, normal (Marsaglia polar), Gamma (Marsaglia–Tsang)
 * and χ² deviates. Integer arithmetic and correctly rounded sqrt plus libm log/pow only, so
 * a seed gives the same start on every machine with the same libm.
 * Not here: what is drawn (particles.c), global state (the generator lives in sf_psim).
 * MATH tags: none (sampling of §4.6's initial laws is done by the caller).
 */
#include <math.h>
#include <stdint.h>

#include "particles_internal.h"

/* Below this many degrees of freedom a χ² deviate is a sum of squared normals (exact,
 * cheap); above, 2·Gamma(ν/2), whose cost does not grow with ν (k up to 10⁶). */
enum { SF_PRNG_CHI2_SUM_MAX = 32 };

static uint64_t sf_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t sf_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t sf_prng_next(sf_prng *g)
{
    uint64_t *s = g->s;
    const uint64_t result = sf_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sf_rotl(s[3], 45);
    return result;
}

void sf_prng_seed(sf_prng *g, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) g->s[i] = sf_splitmix64(&x);
    g->has_spare = 0;
    g->spare = 0.0;
}

double sf_prng_uniform(sf_prng *g)
{
    /* 53 random bits, shifted by half an ulp so that 0 is never returned */
    return ((double)(sf_prng_next(g) >> 11) + 0.5) * 0x1.0p-53;
}

double sf_prng_normal(sf_prng *g)
{
    if (g->has_spare) {
        g->has_spare = 0;
        return g->spare;
    }
    double u, v, q;
    do {
        u = 2.0 * sf_prng_uniform(g) - 1.0;
        v = 2.0 * sf_prng_uniform(g) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * log(q) / q);
    g->spare = v * f;
    g->has_spare = 1;
    return u * f;
}

/* Marsaglia & Tsang, ACM TOMS 26 (2000): shape ≥ 1 directly; shape < 1 by the boost
 * Gamma(a) = Gamma(a + 1)·U^{1/a}. */
double sf_prng_gamma(sf_prng *g, double shape)
{
    if (shape < 1.0) {
        double u = sf_prng_uniform(g);
        return sf_prng_gamma(g, shape + 1.0) * pow(u, 1.0 / shape);
    }
    const double dd = shape - 1.0 / 3.0;
    const double cc = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double x, v;
        do {
            x = sf_prng_normal(g);
            v = 1.0 + cc * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = sf_prng_uniform(g);
        if (u < 1.0 - 0.0331 * x * x * x * x) return dd * v;
        if (log(u) < 0.5 * x * x + dd * (1.0 - v + log(v))) return dd * v;
    }
}

double sf_prng_chi2(sf_prng *g, double nu)
{
    if (nu <= SF_PRNG_CHI2_SUM_MAX && nu == floor(nu)) {
        double s = 0.0;
        for (long i = 0; i < (long)nu; i++) {
            double z = sf_prng_normal(g);
            s += z * z;
        }
        return s;
    }
    return 2.0 * sf_prng_gamma(g, 0.5 * nu);
}
