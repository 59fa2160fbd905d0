/* fftw.c — the FFTW adapter of solver/ (fft.h): the only file of solver/ that includes
 * <fftw3.h>. Plans are made once, at creation, on buffers the adapter owns (FFTW_ESTIMATE:
 * planning never touches data and costs microseconds); each call copies into the buffer and
 * executes, so callers' arrays need no FFTW alignment and the c2r transform (which destroys
 * its input) never sees them.
 * Not here: what the transforms compute for (formhemi.c), normalisation (the caller's).
 */
#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "symflow/fft.h"

struct sf_fft {
    size_t n, howmany, modes;
    double *real;          /* howmany × n (fftw_malloc) */
    fftw_complex *spec;    /* howmany × modes (fftw_malloc) */
    fftw_plan fwd, bwd;
};

sf_status sf_fft_create(sf_ctx *ctx, size_t n, size_t howmany, sf_fft **out)
{
    sf_status status = SF_OK;
    sf_fft *f = NULL;
    SF_CHECK(ctx, n >= 1 && howmany >= 1 && out, SF_E_ARG,
             "sf_fft_create: length %zu, %zu rows: expected both ≥ 1", n, howmany);
    SF_ALLOC(ctx, f, 1);
    f->n = n;
    f->howmany = howmany;
    f->modes = n / 2 + 1;
    f->real = fftw_malloc(sizeof(double) * n * howmany);
    f->spec = fftw_malloc(sizeof(fftw_complex) * f->modes * howmany);
    SF_CHECK(ctx, f->real && f->spec, SF_E_NOMEM, "sf_fft_create: FFTW buffers of %zu x %zu", n,
             howmany);
    const int len = (int)n;
    f->fwd = fftw_plan_many_dft_r2c(1, &len, (int)howmany, f->real, NULL, 1, (int)n, f->spec,
                                    NULL, 1, (int)f->modes, FFTW_ESTIMATE);
    f->bwd = fftw_plan_many_dft_c2r(1, &len, (int)howmany, f->spec, NULL, 1, (int)f->modes,
                                    f->real, NULL, 1, (int)n, FFTW_ESTIMATE);
    SF_CHECK(ctx, f->fwd && f->bwd, SF_E_NUMERIC, "sf_fft_create: FFTW could not plan length %zu",
             n);
    *out = f;
    f = NULL;
cleanup:
    sf_fft_destroy(&f);
    return status;
}

void sf_fft_destroy(sf_fft **f)
{
    if (!f || !*f) return;
    sf_fft *x = *f;
    if (x->fwd) fftw_destroy_plan(x->fwd);
    if (x->bwd) fftw_destroy_plan(x->bwd);
    fftw_free(x->real);
    fftw_free(x->spec);
    free(x);
    *f = NULL;
}

size_t sf_fft_modes(const sf_fft *f) { return f->modes; }

void sf_fft_forward(sf_fft *f, const double *in, double *out)
{
    memcpy(f->real, in, sizeof(double) * f->n * f->howmany);
    fftw_execute(f->fwd);
    memcpy(out, f->spec, sizeof(fftw_complex) * f->modes * f->howmany);
}

void sf_fft_backward(sf_fft *f, const double *in, double *out)
{
    memcpy(f->spec, in, sizeof(fftw_complex) * f->modes * f->howmany);
    fftw_execute(f->bwd);
    memcpy(out, f->real, sizeof(double) * f->n * f->howmany);
}
