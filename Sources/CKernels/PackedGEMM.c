// The packed recurrent product (CKernels.h has the layout and the arithmetic contract).
//
// Blocking (BLIS-style, A not packed: its rows are few): for each k-block of rows of P, for each
// group of panels, for each block of MR rows of A, a register-blocked micro-kernel keeps an MR-row
// tile of C in registers and runs the k-block, broadcasting MR values of A per r against the panel
// vectors. The k-block's slice of the panel(s) stays in L1 while all row blocks of A pass over it.
// AVX-512 (32 zmm): MR × 16·NP tiles, MR·NP·2 ≤ 24 accumulators. AVX2 (16 ymm): 6 × 8 tiles over half
// panels for m > 2, 1 × 32 and 2 × 16 tiles for m ≤ 2 (see the AVX2 section).
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

// AVX2 has 16 ymm registers: a 6 × 8 tile (two ymm per row, 12 accumulators, 2 panel vectors and
// one broadcast = 15 registers) over one half of a 16-column panel, the Haswell-style shape. (The
// earlier 3 × 16 tile needs 12 + 4 + 1 = 17 registers and spilled; with no k-blocking it ran at
// 0.56–0.8× OpenBLAS for m ≥ 8 on Zen 3.) `p` points at row r0 of the half panel (row stride 16).
// GL_KC2 = 128 measured best of 64/128/256 (the block's slice of a panel is 16 KB, half of L1).
#ifndef GL_KC2
#define GL_KC2 128
#endif
#ifndef GL_MR256
#define GL_MR256 6
#endif

static inline __attribute__((always_inline, target("avx2,fma")))
void tile256(const int MR, long kc, const double *a, long lda, const double *p, double *c, long ldc, int load) {
    __m256d acc[GL_MR256][2];
    for (int i = 0; i < MR; i++)
        for (int h = 0; h < 2; h++) acc[i][h] = load ? _mm256_loadu_pd(c + i * ldc + 4 * h) : _mm256_setzero_pd();
    for (long r = 0; r < kc; r++) {
        __m256d b0 = _mm256_loadu_pd(p + GL_PANEL * r), b1 = _mm256_loadu_pd(p + GL_PANEL * r + 4);
        for (int i = 0; i < MR; i++) {
            __m256d av = _mm256_broadcast_sd(a + i * lda + r);
            acc[i][0] = _mm256_fmadd_pd(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_pd(av, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int h = 0; h < 2; h++) _mm256_storeu_pd(c + i * ldc + 4 * h, acc[i][h]);
}

#define GL_T256(MR) \
    static __attribute__((target("avx2,fma"))) void t256_##MR(long kc, const double *a, long lda, const double *p, \
        double *c, long ldc, int load) { tile256(MR, kc, a, lda, p, c, ldc, load); }
GL_T256(1) GL_T256(2) GL_T256(3) GL_T256(4) GL_T256(5) GL_T256(6)

// An edge tile of `rows` × `cols` (< width) C values goes through a zero-padded rows × width copy, so
// that no load or store of the full-width micro-kernel leaves C.
static inline void edge_in(double *tmp, int rows, long width, const double *c, long ldc, long cols) {
    memset(tmp, 0, (size_t)rows * (size_t)width * sizeof(double));
    for (int r = 0; r < rows; r++) memcpy(tmp + r * width, c + r * ldc, (size_t)cols * sizeof(double));
}
static inline void edge_out(double *c, long ldc, const double *tmp, int rows, long width, long cols) {
    for (int r = 0; r < rows; r++) memcpy(c + r * ldc, tmp + r * width, (size_t)cols * sizeof(double));
}

// Few rows (m ≤ GL_WIDE_ROWS: GEMV-like steps with B = 1, 2): an MR × 16·NP tile over NP whole
// panels (MR·NP = 2: 8 accumulators, enough independent fma chains to hide the latency, where a
// 1 × 8 tile would have 2); panel vectors are loaded where they are used (a register each at most).
static inline __attribute__((always_inline, target("avx2,fma")))
void tile256w(const int MR, const int NP, long kc, const double *a, long lda, const double *p, long pstride,
              double *c, long ldc, int load) {
    __m256d acc[2][2][4];
    for (int i = 0; i < MR; i++)
        for (int q = 0; q < NP; q++)
            for (int h = 0; h < 4; h++)
                acc[i][q][h] = load ? _mm256_loadu_pd(c + i * ldc + 16 * q + 4 * h) : _mm256_setzero_pd();
    for (long r = 0; r < kc; r++) {
        for (int i = 0; i < MR; i++) {
            __m256d av = _mm256_broadcast_sd(a + i * lda + r);
            for (int q = 0; q < NP; q++)
                for (int h = 0; h < 4; h++)
                    acc[i][q][h] = _mm256_fmadd_pd(av, _mm256_loadu_pd(p + q * pstride + GL_PANEL * r + 4 * h), acc[i][q][h]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int q = 0; q < NP; q++)
            for (int h = 0; h < 4; h++) _mm256_storeu_pd(c + i * ldc + 16 * q + 4 * h, acc[i][q][h]);
}
static __attribute__((target("avx2,fma"))) void t256w_1_2(long kc, const double *a, long lda, const double *p, long ps,
    double *c, long ldc, int load) { tile256w(1, 2, kc, a, lda, p, ps, c, ldc, load); }
static __attribute__((target("avx2,fma"))) void t256w_1_1(long kc, const double *a, long lda, const double *p, long ps,
    double *c, long ldc, int load) { tile256w(1, 1, kc, a, lda, p, ps, c, ldc, load); }
static __attribute__((target("avx2,fma"))) void t256w_2_1(long kc, const double *a, long lda, const double *p, long ps,
    double *c, long ldc, int load) { tile256w(2, 1, kc, a, lda, p, ps, c, ldc, load); }

#ifndef GL_WIDE_ROWS
#define GL_WIDE_ROWS 2
#endif

static void gemm_avx2_wide(long m, long n, long k, const double *a, long lda, const double *packed,
                           int accumulate, double *c, long ldc) {
    const long panels = (n + GL_PANEL - 1) / GL_PANEL, pstride = GL_PANEL * k;
    for (long k0 = 0; k0 < k; k0 += GL_KC2) {
        long kc = k - k0 < GL_KC2 ? k - k0 : GL_KC2;
        int load = accumulate || k0 > 0;
        for (long i = 0; i < m; i += 2) {
            int rows = m - i < 2 ? (int)(m - i) : 2;
            long j = 0;
            while (j < panels) {
                int np = (rows == 1 && n - j * GL_PANEL >= 2 * GL_PANEL) ? 2 : 1;   // two full panels, else one
                long cols = n - j * GL_PANEL; if (cols > np * GL_PANEL) cols = np * GL_PANEL;
                const double *p = packed + j * pstride + k0 * GL_PANEL;
                double *ci = c + i * ldc + j * GL_PANEL;
                if (cols == np * GL_PANEL) {
                    if (rows == 2) t256w_2_1(kc, a + i * lda + k0, lda, p, pstride, ci, ldc, load);
                    else if (np == 2) t256w_1_2(kc, a + i * lda + k0, lda, p, pstride, ci, ldc, load);
                    else t256w_1_1(kc, a + i * lda + k0, lda, p, pstride, ci, ldc, load);
                } else {
                    // The last, partial panel (np = 1): through a 16-wide copy, so no load or store leaves C.
                    double tmp[2 * GL_PANEL];
                    edge_in(tmp, rows, GL_PANEL, ci, ldc, cols);
                    if (rows == 2) t256w_2_1(kc, a + i * lda + k0, lda, p, pstride, tmp, GL_PANEL, load);
                    else t256w_1_1(kc, a + i * lda + k0, lda, p, pstride, tmp, GL_PANEL, load);
                    edge_out(ci, ldc, tmp, rows, GL_PANEL, cols);
                }
                j += np;
            }
        }
    }
}

static void gemm_avx2(long m, long n, long k, const double *a, long lda, const double *packed,
                      int accumulate, double *c, long ldc) {
    if (m <= GL_WIDE_ROWS) { gemm_avx2_wide(m, n, k, a, lda, packed, accumulate, c, ldc); return; }
    typedef void (*fn)(long, const double *, long, const double *, double *, long, int);
    static const fn tiles[GL_MR256 + 1] = {0, t256_1, t256_2, t256_3, t256_4, t256_5, t256_6};
    // Panel by panel (P streams through once, in address order), k-block by k-block (the block's
    // slice of the panel, GL_KC2 · 16 doubles, stays in L1), half by half, row block by row block.
    const long half = GL_PANEL / 2, panels = (n + GL_PANEL - 1) / GL_PANEL;
    // Row blocks of equal height (m = 8: 4 + 4, not 6 + 2, whose 2-row tile would have too few
    // independent fma chains).
    const long blocks = (m + GL_MR256 - 1) / GL_MR256;
    for (long jp = 0; jp < panels; jp++) {
        for (long k0 = 0; k0 < k; k0 += GL_KC2) {
            long kc = k - k0 < GL_KC2 ? k - k0 : GL_KC2;
            int load = accumulate || k0 > 0;
            for (long j = 2 * jp; j < 2 * jp + 2 && j * half < n; j++) {
                const double *p = packed + jp * GL_PANEL * k + k0 * GL_PANEL + (j % 2) * half;
                long cols = n - j * half; if (cols > half) cols = half;
                for (long b = 0, i = 0; b < blocks; b++) {
                    int rows = (int)((m - i) / (blocks - b) + ((m - i) % (blocks - b) != 0));
                    double *ci = c + i * ldc + j * half;
                    if (cols == half) {
                        tiles[rows](kc, a + i * lda + k0, lda, p, ci, ldc, load);
                    } else {
                        // A partial half panel: through an 8-wide copy, so no load or store leaves C.
                        double tmp[GL_MR256 * 8];
                        edge_in(tmp, rows, half, ci, ldc, cols);
                        tiles[rows](kc, a + i * lda + k0, lda, p, tmp, half, load);
                        edge_out(ci, ldc, tmp, rows, half, cols);
                    }
                    i += rows;
                }
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
