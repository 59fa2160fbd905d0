/* fft.h — the FFTW adapter of solver/ (solver/fftw.c): batches of real-to-complex and
 * complex-to-real transforms of one length, planned once at creation.
 *
 * Used by form L on the hemisphere (formhemi.c) to apply the kernel, circulant in φ, mode by
 * mode (MATH §4.8). Not here: what is transformed (the forms), postproc's DCT (postproc/dct.c).
 */
#ifndef SYMFLOW_FFT_H
#define SYMFLOW_FFT_H

#include <stddef.h>

#include "symflow/status.h"

typedef struct sf_fft sf_fft; /* opaque */

/* Plans for `howmany` contiguous rows of n reals (n ≥ 1): forward r2c to n/2 + 1 complex
 * values per row, backward c2r. *out owned: sf_fft_destroy. */
sf_status sf_fft_create(sf_ctx *ctx, size_t n, size_t howmany, sf_fft **out);
void sf_fft_destroy(sf_fft **f);

size_t sf_fft_modes(const sf_fft *f); /* n/2 + 1 */

/* Forward: in (howmany × n reals) → out (howmany × modes complex values, stored as
 * interleaved re, im: 2·modes doubles per row). X_m = Σ_j x_j e^{−2πi jm/n}. */
void sf_fft_forward(sf_fft *f, const double *in, double *out);
/* Backward: in (howmany × modes complex, interleaved) → out (howmany × n reals), unnormalised:
 * x_j = Σ_m X_m e^{2πi jm/n} over all n modes (Hermitian), i.e. n × the inverse. */
void sf_fft_backward(sf_fft *f, const double *in, double *out);

#endif
