// The packed recurrent product (CKernels.h has the layout and the arithmetic contract).
//
// Blocking (BLIS-style, A not packed: its rows are few): for each k-block of GL_KC rows of P, for
// each group of panels, for each block of MR rows of A, a register-blocked micro-kernel keeps an
// MR × (16·NP) tile of C in registers (AVX-512: MR·NP·2 zmm accumulators, ≤ 24) and runs the k-block:
// per r it loads 2·NP vectors of the packed panel(s) and broadcasts MR values of A. The k-block
// slice of a panel group (GL_KC · 16·NP doubles) stays in L1 while all row blocks of A pass over it.
// Splitting k into blocks does not change the arithmetic: the tile is stored after a block and
// loaded again before the next, continuing the same fma chain.
#include "CKernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define GL_X86 1
#include <immintrin.h>
#endif

#ifndef GL_KC
#define GL_KC 256
#endif

size_t gl_packed_count(long k, long n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)k * (size_t)(((n + GL_PANEL - 1) / GL_PANEL) * GL_PANEL);
}

void gl_pack(long k, long n, const double *w, long ldw, int transposed, double *packed) {
    long panels = (n + GL_PANEL - 1) / GL_PANEL;
    for (long j = 0; j < panels; j++) {
        double *dst = packed + j * GL_PANEL * k;
        long c0 = j * GL_PANEL, width = n - c0 < GL_PANEL ? n - c0 : GL_PANEL;
        for (long r = 0; r < k; r++) {
            double *row = dst + r * GL_PANEL;
            if (transposed) {
                for (long c = 0; c < width; c++) row[c] = w[(c0 + c) * ldw + r];
            } else {
                for (long c = 0; c < width; c++) row[c] = w[r * ldw + c0 + c];
            }
            for (long c = width; c < GL_PANEL; c++) row[c] = 0.0;
        }
    }
}

// MARK: portable

static void gemm_portable(long m, long n, long k, const double *a, long lda, const double *packed,
                          int accumulate, double *c, long ldc) {
    for (long i = 0; i < m; i++) {
        const double *ai = a + i * lda;
        for (long col = 0; col < n; col++) {
            const double *p = packed + (col / GL_PANEL) * GL_PANEL * k + (col % GL_PANEL);
            double s = accumulate ? c[i * ldc + col] : 0.0;
            for (long r = 0; r < k; r++) s = fma(ai[r], p[r * GL_PANEL], s);
            c[i * ldc + col] = s;
        }
    }
}

#ifdef GL_X86

// MARK: CPU detection

int gl_isa_supported(gl_isa isa) {
    switch (isa) {
    case GL_ISA_PORTABLE: return 1;
    case GL_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GL_ISA_AVX512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    }
    return 0;
}

gl_isa gl_best_isa(void) {
    if (gl_isa_supported(GL_ISA_AVX512)) return GL_ISA_AVX512;
    if (gl_isa_supported(GL_ISA_AVX2)) return GL_ISA_AVX2;
    return GL_ISA_PORTABLE;
}

// MARK: AVX-512

// One MR × (16·NP) tile over kc rows of the packed panels. `p` points at row r0 of the first panel,
// `pstride` = 16·k (next panel), `cols` = valid columns of the tile (1 … 16·NP, the rest masked).
static inline __attribute__((always_inline, target("avx512f,fma")))
void tile512(const int MR, const int NP, long kc, const double *a, long lda, const double *p, long pstride,
             double *c, long ldc, long cols, int load) {
    __m512d acc[12][4][2];
    __mmask8 mask[4][2];
    for (int q = 0; q < NP; q++) {
        for (int h = 0; h < 2; h++) {
            long v = cols - 16 * q - 8 * h;
            mask[q][h] = v >= 8 ? (__mmask8)0xFF : (v <= 0 ? (__mmask8)0 : (__mmask8)((1u << v) - 1));
        }
    }
    for (int i = 0; i < MR; i++)
        for (int q = 0; q < NP; q++)
            for (int h = 0; h < 2; h++)
                acc[i][q][h] = load ? _mm512_maskz_loadu_pd(mask[q][h], c + i * ldc + 16 * q + 8 * h) : _mm512_setzero_pd();
    for (long r = 0; r < kc; r++) {
        __m512d b[4][2];
        for (int q = 0; q < NP; q++) {
            b[q][0] = _mm512_loadu_pd(p + q * pstride + 16 * r);
            b[q][1] = _mm512_loadu_pd(p + q * pstride + 16 * r + 8);
        }
        for (int i = 0; i < MR; i++) {
            __m512d av = _mm512_set1_pd(a[i * lda + r]);
            for (int q = 0; q < NP; q++) {
                acc[i][q][0] = _mm512_fmadd_pd(av, b[q][0], acc[i][q][0]);
                acc[i][q][1] = _mm512_fmadd_pd(av, b[q][1], acc[i][q][1]);
            }
        }
    }
    for (int i = 0; i < MR; i++)
        for (int q = 0; q < NP; q++)
            for (int h = 0; h < 2; h++)
                _mm512_mask_storeu_pd(c + i * ldc + 16 * q + 8 * h, mask[q][h], acc[i][q][h]);
}

#define GL_T512(MR, NP) \
    static __attribute__((target("avx512f,fma"))) void t512_##MR##_##NP(long kc, const double *a, long lda, const double *p, \
        long ps, double *c, long ldc, long cols, int load) { tile512(MR, NP, kc, a, lda, p, ps, c, ldc, cols, load); }
typedef void (*tile_fn)(long, const double *, long, const double *, long, double *, long, long, int);

// Row-block height and panels per tile: MR·NP·2 accumulators ≤ 24 of the 32 zmm registers.
#ifndef GL_MR512
#define GL_MR512 6
#endif
GL_T512(1, 1) GL_T512(2, 1) GL_T512(3, 1) GL_T512(4, 1) GL_T512(5, 1) GL_T512(6, 1)
GL_T512(7, 1) GL_T512(8, 1) GL_T512(9, 1) GL_T512(10, 1) GL_T512(11, 1) GL_T512(12, 1)
GL_T512(1, 2) GL_T512(2, 2) GL_T512(3, 2) GL_T512(4, 2) GL_T512(5, 2) GL_T512(6, 2)
GL_T512(1, 3) GL_T512(2, 3) GL_T512(3, 3) GL_T512(4, 3)
GL_T512(1, 4) GL_T512(2, 4) GL_T512(3, 4)
// t512[MR][NP] for MR·NP ≤ 12 (MR·NP·2 accumulators ≤ 24).
static const tile_fn t512[13][5] = {
    {0, 0, 0, 0, 0},
    {0, t512_1_1, t512_1_2, t512_1_3, t512_1_4}, {0, t512_2_1, t512_2_2, t512_2_3, t512_2_4},
    {0, t512_3_1, t512_3_2, t512_3_3, t512_3_4}, {0, t512_4_1, t512_4_2, t512_4_3, 0},
    {0, t512_5_1, t512_5_2, 0, 0}, {0, t512_6_1, t512_6_2, 0, 0},
    {0, t512_7_1, 0, 0, 0}, {0, t512_8_1, 0, 0, 0}, {0, t512_9_1, 0, 0, 0},
    {0, t512_10_1, 0, 0, 0}, {0, t512_11_1, 0, 0, 0}, {0, t512_12_1, 0, 0, 0}};
// Panels per tile for a row block of MR rows (the widest tile with ≤ 24 accumulators, at most 4).
static const int t512_np[13] = {0, 4, 4, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1};

static void gemm_avx512(long m, long n, long k, const double *a, long lda, const double *packed,
                        int accumulate, double *c, long ldc, int mr) {
    long panels = (n + GL_PANEL - 1) / GL_PANEL, pstride = GL_PANEL * k;
    if (m < mr) mr = (int)m;   // a batch smaller than the row block: one block, the widest tile for it
    for (long k0 = 0; k0 < k; k0 += GL_KC) {
        long kc = k - k0 < GL_KC ? k - k0 : GL_KC;
        int load = accumulate || k0 > 0;
        long j = 0;
        while (j < panels) {
            // A group of np panels as wide as the main row block's tile (fewer at the right edge);
            // the rows left below the last full row block use a tile of the same width.
            int np = t512_np[mr];
            if (panels - j < np) np = (int)(panels - j);
            long cols = n - j * GL_PANEL;
            if (cols > (long)np * GL_PANEL) cols = (long)np * GL_PANEL;
            const double *p = packed + j * pstride + k0 * GL_PANEL;
            long i = 0;
            for (; i + mr <= m; i += mr)
                t512[mr][np](kc, a + i * lda + k0, lda, p, pstride, c + i * ldc + j * GL_PANEL, ldc, cols, load);
            if (m > i) t512[m - i][np](kc, a + i * lda + k0, lda, p, pstride, c + i * ldc + j * GL_PANEL, ldc, cols, load);
            j += np;
        }
    }
}

// MARK: AVX2

// One MR × 16 tile (4 ymm per row) over all k rows of one panel; `cols` < 16 goes through a 16-wide
// copy of the tile so that no load or store leaves C.
static inline __attribute__((always_inline, target("avx2,fma")))
void tile256(const int MR, long k, const double *a, long lda, const double *p, double *c, long ldc, int load) {
    __m256d acc[4][4];
    for (int i = 0; i < MR; i++)
        for (int h = 0; h < 4; h++) acc[i][h] = load ? _mm256_loadu_pd(c + i * ldc + 4 * h) : _mm256_setzero_pd();
    for (long r = 0; r < k; r++) {
        __m256d b0 = _mm256_loadu_pd(p + 16 * r), b1 = _mm256_loadu_pd(p + 16 * r + 4);
        __m256d b2 = _mm256_loadu_pd(p + 16 * r + 8), b3 = _mm256_loadu_pd(p + 16 * r + 12);
        for (int i = 0; i < MR; i++) {
            __m256d av = _mm256_broadcast_sd(a + i * lda + r);
            acc[i][0] = _mm256_fmadd_pd(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_pd(av, b1, acc[i][1]);
            acc[i][2] = _mm256_fmadd_pd(av, b2, acc[i][2]);
            acc[i][3] = _mm256_fmadd_pd(av, b3, acc[i][3]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int h = 0; h < 4; h++) _mm256_storeu_pd(c + i * ldc + 4 * h, acc[i][h]);
}

static __attribute__((target("avx2,fma"))) void t256_1(long k, const double *a, long lda, const double *p, double *c, long ldc, int load) { tile256(1, k, a, lda, p, c, ldc, load); }
static __attribute__((target("avx2,fma"))) void t256_2(long k, const double *a, long lda, const double *p, double *c, long ldc, int load) { tile256(2, k, a, lda, p, c, ldc, load); }
static __attribute__((target("avx2,fma"))) void t256_3(long k, const double *a, long lda, const double *p, double *c, long ldc, int load) { tile256(3, k, a, lda, p, c, ldc, load); }

static void gemm_avx2(long m, long n, long k, const double *a, long lda, const double *packed,
                      int accumulate, double *c, long ldc) {
    typedef void (*fn)(long, const double *, long, const double *, double *, long, int);
    static const fn tiles[4] = {0, t256_1, t256_2, t256_3};
    long panels = (n + GL_PANEL - 1) / GL_PANEL;
    for (long j = 0; j < panels; j++) {
        const double *p = packed + j * GL_PANEL * k;
        long cols = n - j * GL_PANEL; if (cols > GL_PANEL) cols = GL_PANEL;
        for (long i = 0; i < m; i += 3) {
            int rows = m - i < 3 ? (int)(m - i) : 3;
            if (cols == GL_PANEL) {
                tiles[rows](k, a + i * lda, lda, p, c + i * ldc + j * GL_PANEL, ldc, accumulate);
            } else {
                double tmp[3 * GL_PANEL];
                memset(tmp, 0, sizeof tmp);
                for (int r = 0; r < rows; r++) memcpy(tmp + r * GL_PANEL, c + (i + r) * ldc + j * GL_PANEL, (size_t)cols * sizeof(double));
                tiles[rows](k, a + i * lda, lda, p, tmp, GL_PANEL, accumulate);
                for (int r = 0; r < rows; r++) memcpy(c + (i + r) * ldc + j * GL_PANEL, tmp + r * GL_PANEL, (size_t)cols * sizeof(double));
            }
        }
    }
}

#else

int gl_isa_supported(gl_isa isa) { return isa == GL_ISA_PORTABLE; }
gl_isa gl_best_isa(void) { return GL_ISA_PORTABLE; }

#endif

void gl_packed_gemm(gl_isa isa, long m, long n, long k, const double *a, long lda,
                    const double *packed, int accumulate, double *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate) for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(double));
        return;
    }
#ifdef GL_X86
    if (isa == GL_ISA_AVX512 && gl_isa_supported(GL_ISA_AVX512)) { gemm_avx512(m, n, k, a, lda, packed, accumulate, c, ldc, GL_MR512); return; }
    if (isa == GL_ISA_AVX2 && gl_isa_supported(GL_ISA_AVX2)) { gemm_avx2(m, n, k, a, lda, packed, accumulate, c, ldc); return; }
#endif
    gemm_portable(m, n, k, a, lda, packed, accumulate, c, ldc);
}
