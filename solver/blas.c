/* blas.c — the BLAS thread count (blas.h), through OpenBLAS's own calls.
 * Does: read and set OpenBLAS's thread count. Does not: choose it (the callers do, app/).
 */
#include <cblas.h>

#include "symflow/blas.h"

int sf_blas_threads(void) { return openblas_get_num_threads(); }

void sf_blas_set_threads(int n) { openblas_set_num_threads(n < 1 ? 1 : n); }

int sf_blas_cores(void) { return openblas_get_num_procs(); }
