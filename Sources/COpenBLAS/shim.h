// CBLAS and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
// Debian's OpenBLAS ships no LAPACKE symbols, so the module map links both libraries.
#include <cblas.h>
#include <lapacke.h>
// OpenBLAS extension: the number of threads BLAS calls may use (see Linalg.BLASThreads).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
