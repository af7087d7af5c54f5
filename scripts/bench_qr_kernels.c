// Per-call CPU times of the LAPACK/BLAS kernels a Lyapunov re-orthonormalisation can use, at S×S
// (column-major), one OpenBLAS thread, every kernel interleaved in each repetition (the machine is
// shared: interleaving gives every kernel the same load). Medians and minima of thread CPU time.
//
//   cc -O2 -o /tmp/bench_qr_kernels scripts/bench_qr_kernels.c -I/usr/include/x86_64-linux-gnu/openblas-pthread -lopenblas -llapacke -lm
//   OPENBLAS_NUM_THREADS=1 /tmp/bench_qr_kernels 256 300     # S, repetitions
//
// Not part of the package: it measured the choice recorded in docs/linalg.md.
#include <cblas.h>
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu(void) {
    struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec;
}
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
static double gauss(void) {   // Box–Muller from rand(): inputs only
    double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = (rand() + 1.0) / (RAND_MAX + 2.0);
    return __builtin_sqrt(-2 * __builtin_log(u)) * __builtin_cos(6.283185307179586 * v);
}

enum { MAXK = 32 };
static const char *names[MAXK];
static double *times[MAXK];
static int nk = 0;

int main(int argc, char **argv) {
    int s = argc > 1 ? atoi(argv[1]) : 256, reps = argc > 2 ? atoi(argv[2]) : 100;
    openblas_set_num_threads(1);
    size_t ss = (size_t)s * s;
    double *y0 = malloc(ss * 8), *a = malloc(ss * 8), *c = malloc(ss * 8), *j = malloc(ss * 8), *g = malloc(ss * 8),
           *r = malloc(ss * 8), *tau = malloc(s * 8), *t = malloc(ss * 8), *work = malloc(ss * 64 * 8), *h = malloc(ss * 8);
    int *iw = malloc(s * sizeof(int));
    for (size_t i = 0; i < ss; i++) { y0[i] = gauss(); j[i] = gauss() / __builtin_sqrt(s); }
    // R = chol(Y0ᵀY0) for the triangular kernels; H = the compact factors of Y0 (nb = 32) for dgemqrt.
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, s, s, 1, y0, s, 0, r, s);
    LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', s, r, s);
    for (int col = 0; col < s; col++) for (int row = col + 1; row < s; row++) r[col * s + row] = 0;
    int nbs[] = {16, 32, 48, 64, 128, 0};
    for (int rep = 0; rep < reps; rep++) {
        int k = 0;
#define TIME(label, setup, call) do { if (rep == 0) { names[k] = label; times[k] = malloc(reps * sizeof(double)); } \
            setup; double t0 = cpu(); call; times[k][rep] = cpu() - t0; k++; } while (0)
        TIME("dgemm S³ (J·Q)", (void)0, cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, s, s, s, 1, j, s, y0, s, 0, c, s));
        TIME("dgeqrf", memcpy(a, y0, ss * 8), LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, s, s, a, s, tau, work, ss * 64));
        TIME("dorgqr", (void)0, LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, s, s, s, a, s, tau, work, ss * 64));
        static char lab[16][64];
        for (int b = 0; b < 6; b++) {
            int nb = nbs[b] ? nbs[b] : s;
            if (nb > s) continue;
            if (rep == 0) snprintf(lab[2 * b], 64, "dgeqrt nb=%d", nb), snprintf(lab[2 * b + 1], 64, "dgemqrt R nb=%d", nb);
            TIME(lab[2 * b], memcpy(h, y0, ss * 8), LAPACKE_dgeqrt_work(LAPACK_COL_MAJOR, s, s, nb, h, s, t, nb, work));
            TIME(lab[2 * b + 1], memcpy(c, j, ss * 8),
                 LAPACKE_dgemqrt_work(LAPACK_COL_MAJOR, 'R', 'N', s, s, s, nb, h, s, t, nb, c, s, work));
        }
        TIME("dsyrk (YᵀY)", (void)0, cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, s, s, 1, y0, s, 0, g, s));
        TIME("dgemm YᵀY", (void)0, cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, s, s, s, 1, y0, s, y0, s, 0, g, s));
        TIME("dpotrf", cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, s, s, 1, y0, s, 0, g, s), LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', s, g, s));
        double rc;
        TIME("dtrcon (1-norm)", (void)0, LAPACKE_dtrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', s, r, s, &rc, work, iw));
        TIME("4 × dtrsv (inverse iteration)", memcpy(c, y0, s * 8), for (int it = 0; it < 2; it++) {
            cblas_dtrsv(CblasColMajor, CblasUpper, CblasTrans, CblasNonUnit, s, r, s, c, 1);
            cblas_dtrsv(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, s, r, s, c, 1);
            cblas_dscal(s, 1 / cblas_dnrm2(s, c, 1), c, 1); });
        TIME("dtrsm R (Y·R⁻¹)", memcpy(a, y0, ss * 8), cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, s, s, 1, r, s, a, s));
        TIME("dtrtri", memcpy(g, r, ss * 8), LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', s, g, s));
        TIME("dtrmm R (Y·R⁻¹ given R⁻¹)", memcpy(a, y0, ss * 8), cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, s, s, 1, g, s, a, s));
        nk = k;
    }
    printf("S = %d, %d repetitions interleaved, thread CPU time per call (ms)\n", s, reps);
    for (int k = 0; k < nk; k++) {
        qsort(times[k], reps, sizeof(double), cmp);
        printf("%-28s median %7.3f  min %7.3f\n", names[k], 1e3 * times[k][reps / 2], 1e3 * times[k][0]);
    }
    return 0;
}
