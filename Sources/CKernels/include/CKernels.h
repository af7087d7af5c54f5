// GradLab's own compute kernels in C (only Linalg imports this module): the packed recurrent product
// and the vectorised tanh, each in instruction-set variants chosen at run time (`gl_isa`) that give
// bit-identical results.
//
// Packed recurrent product: C (m × n) ← [C +] A (m × k) · P (k × n), all row-major, where P is a
// matrix packed once (`gl_pack`) and reused for many products (the T steps of BPTT).
//
// Packed layout: P is cut into panels of GL_PANEL = 16 columns (the last one zero-padded); panel j
// holds rows 0 … k−1 of columns 16j … 16j+15, k-major: element (r, 16j + c) at j·16·k + 16·r + c.
// Size: k · 16·⌈n/16⌉ doubles (`gl_packed_count`).
//
// Arithmetic: every C element is one sequential fused multiply-add chain over r = 0 … k−1 starting
// from C (accumulate) or 0, whatever the instruction set, the blocking or m: the portable, AVX2 and
// AVX-512 variants give bit-identical results, and a row of C does not depend on the other rows.
#ifndef GRADLAB_CKERNELS_H
#define GRADLAB_CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per packed panel.
#define GL_PANEL 16

/// Instruction-set variants of the kernels.
typedef enum {
    GL_ISA_PORTABLE = 0,   ///< plain C with fma()
    GL_ISA_AVX2 = 1,       ///< AVX2 + FMA (256-bit)
    GL_ISA_AVX512 = 2      ///< AVX-512F (512-bit, masked edges)
} gl_isa;

/// The best variant this CPU runs (cpuid, once).
gl_isa gl_best_isa(void);

/// Whether this CPU runs `isa`.
int gl_isa_supported(gl_isa isa);

/// Doubles of a packed k × n matrix.
size_t gl_packed_count(long k, long n);

/// Packs op(W) (k × n) into `packed` (gl_packed_count(k, n) doubles). W is row-major with row stride
/// ldw: op(W)(r, c) = W[r·ldw + c] when transposed = 0 (W is k × n), W[c·ldw + r] when transposed ≠ 0
/// (W is n × k).
void gl_pack(long k, long n, const double *w, long ldw, int transposed, double *packed);

/// C ← [C +] A·P with A m × k (row stride lda), P packed k × n, C m × n (row stride ldc);
/// accumulate ≠ 0 adds to C, 0 overwrites it. `isa` must be supported (gl_isa_supported).
void gl_packed_gemm(gl_isa isa, long m, long n, long k, const double *a, long lda,
                    const double *packed, int accumulate, double *c, long ldc);

/// y[i] = tanh(x[i]) for i < n (y may equal x; other overlaps are not allowed), variant `isa` (the
/// portable one when this CPU does not run `isa`). At most 2 ulp from glibc's `tanh` and from the
/// exact value; tanh(−x) = −tanh(x) and tanh(±0) = ±0 exactly; ±inf → ±1; NaN → x; |x| ≥ 19.07 → ±1
/// exactly; |x| < 2^−28 (subnormals included) → x. Bit-identical across variants and independent
/// of n and of the element's position (VectorTanh.c has the formulation).
void gl_tanh(gl_isa isa, long n, const double *x, double *y);

#ifdef __cplusplus
}
#endif

#endif
