/* blas.h — the BLAS library's thread count (OpenBLAS), for callers that need a computation
 * to round the same whatever the machine: a threaded BLAS splits long sums across threads,
 * so their rounding (and everything downstream, e.g. CVODE's step sequence) depends on the
 * thread count. Implemented in solver/blas.c, the one file besides the BLAS users of solver/
 * that includes cblas.h. Not here: OpenMP threads (the K̂ table, reduction/kernel.c).
 */
#ifndef SYMFLOW_BLAS_H
#define SYMFLOW_BLAS_H

int sf_blas_threads(void);         /* the current BLAS thread count */
void sf_blas_set_threads(int n);   /* set it (n ≥ 1) */
int sf_blas_cores(void);           /* the cores OpenBLAS sees */

#endif
