// The vectorised tanh (CKernels.h has the contract).
//
// One body, `tanh8`, written once over eight-lane vectors (clang's ext_vector_type) and compiled three
// times: without a target attribute (portable: SSE2 halves on x86-64, one fma() call per lane and fused
// step), for AVX2 + FMA (two ymm registers per vector) and for AVX-512F (one zmm register). The same
// operations in the same order, every fused multiply-add written out (`FMA`) and no contraction of
// anything else (the pragma), so the three variants give bit-identical results; a tail shorter than
// eight goes through a zero-padded vector, so an element's value does not depend on its position.
//
// Formulation (Cephes / Go `math.Tanh`, with fused steps), on a = |x| with the sign of x copied back
// at the end, so tanh(−x) = −tanh(x) and tanh(±0) = ±0 hold exactly:
//
//     a < 0.625:      tanh a = a + (a·s)·P(s)/Q(s),  s = a²   (Cephes rational, P degree 2, Q degree 3)
//     0.625 ≤ a < 1:  tanh a = (e − 1)/(e + 1),      e = exp(2a)  (e − 1 exact: e ∈ [3.4, 7.4])
//     a ≥ 1:          tanh a = 1 − 2/(e + 1),        e = exp(2·min(a, 20))
//
// One division serves all three (numerator and denominator chosen per lane). 2/(e + 1) < 2^−54 for
// a ≥ ~19.06, so the result rounds to exactly 1 there. Tiny and subnormal a return a (a·s·P/Q is far
// below half an ulp of a, or underflows). NaN lanes return x; ±inf clamp to 20 and give ±1.
//
// exp(y) for y ∈ [0, 40]: y = k·ln 2 + r with k = round(y/ln 2) (adding 1.5·2^52 rounds to an integer
// held in the low mantissa bits), r by two fused steps (ln 2 = ln2Hi + ln2Lo, ln2Hi with 11 trailing
// zero bits, so y − k·ln2Hi is exact), |r| ≤ ln 2/2; e^r = 1 + (r + r²·p(r)) with p of degree 9, its
// constant term 1/2, the others a relative-error minimax fit on [−ln 2/2, ln 2/2] (Lawson-iterated
// weighted least squares in 50-digit arithmetic, mpmath; with the coefficients rounded to double the
// relative error of e^r before rounding is 5.8·10⁻¹⁸ = 2^−57.3, against 6·10⁻¹⁵ for the degree-11
// Taylor polynomial); 2^k from exponent bits.
#include "CKernels.h"

#include <string.h>

#pragma STDC FP_CONTRACT OFF
// The eight-lane helpers are always inlined: their vector arguments never cross a call.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double gl_v8d __attribute__((ext_vector_type(8)));
// A lane mask: what comparing two gl_v8d gives (all bits set or clear per lane).
typedef __typeof__((gl_v8d){0} < (gl_v8d){0}) gl_v8l;
typedef unsigned long long gl_v8u __attribute__((ext_vector_type(8)));

#define FMA(a, b, c) __builtin_elementwise_fma((gl_v8d)(a), (gl_v8d)(b), (gl_v8d)(c))

/// m ? a : b per lane (m from a comparison: all bits set or clear).
static inline __attribute__((always_inline)) gl_v8d gl_select(gl_v8l m, gl_v8d a, gl_v8d b) {
    return (gl_v8d)(((gl_v8u)a & (gl_v8u)m) | ((gl_v8u)b & ~(gl_v8u)m));
}

static inline __attribute__((always_inline)) gl_v8d tanh8(gl_v8d x) {
    const gl_v8u signMask = 0x8000000000000000ull;
    gl_v8u xBits = (gl_v8u)x;
    gl_v8d a = (gl_v8d)(xBits & ~signMask);
    gl_v8l small = a < 0.625;
    gl_v8d s = a * a;
    // The rational for every lane (cheaper than a branch that random inputs mispredict); the exp part
    // only when a lane needs it.
    gl_v8d num = FMA(FMA(-9.64399179425052238628e-1, s, -9.92877231001918586564e1), s, -1.61468768441708447952e3);
    gl_v8d den = FMA(FMA(s + 1.12811678491632931402e2, s, 2.23548839060100448583e3), s, 4.84406305325125486048e3);
    gl_v8l far = 0;
    if (!__builtin_reduce_and(small)) {
        // NaN compares false: clamped to 20 (its lane is restored from x below).
        gl_v8d c = gl_select(a < 20.0, a, 20.0);
        gl_v8d y = c + c;
        const gl_v8d shifter = 0x1.8p52;
        // c·(2/ln 2) = y·(1/ln 2) exactly; from c, so it need not wait for y.
        gl_v8d kShifted = FMA(c, 2 * 1.44269504088896338700e+00, shifter);
        gl_v8d k = kShifted - shifter;
        gl_v8d r = FMA(k, -6.93147180369123816490e-01, y);
        r = FMA(k, -1.90821492927058770002e-10, r);
        gl_v8d r2 = r * r;
        // p(r) = c2 + c3·r + … + c11·r⁹ by Estrin's scheme (depth 4 instead of Horner's 9: the
        // latency of this chain, not the operation count, bounds the loop).
        gl_v8d r4 = r2 * r2, r8 = r4 * r4;
        gl_v8d p23 = FMA(r, 1.6666666666666433e-01, 0.5);                      // c2 + c3·r
        gl_v8d p45 = FMA(r, 8.333333333499922e-03, 4.166666666660399e-02);     // c4 + c5·r
        gl_v8d p67 = FMA(r, 1.9841269466420037e-04, 1.3888888926779366e-03);   // c6 + c7·r
        gl_v8d p89 = FMA(r, 2.7557640743898273e-06, 2.4801508705907522e-05);   // c8 + c9·r
        gl_v8d p1011 = FMA(r, 2.4978397938959965e-08, 2.762517677555159e-07);  // c10 + c11·r
        gl_v8d p25 = FMA(r2, p45, p23), p69 = FMA(r2, p89, p67);
        gl_v8d p = FMA(r8, p1011, FMA(r4, p69, p25));
        gl_v8d er = 1.0 + FMA(r2, p, r);
        gl_v8d scale = (gl_v8d)(((gl_v8u)kShifted + 1023ull) << 52);
        gl_v8d e = er * scale;
        // Below a = 1, e − 1 is exact (e ∈ [3.4, 7.4]) and e's own error partly cancels in
        // (e − 1)/(e + 1); from a = 1 on, 1 − 2/(e + 1), where that error is scaled by 2/(e + 1) ≤ 0.24.
        far = ~(a < 1.0);
        gl_v8d largeNum = gl_select(far, (gl_v8d)-2.0, e - 1.0);
        num = gl_select(small, num, largeNum);
        den = gl_select(small, den, e + 1.0);
    }
    gl_v8d ratio = num / den;
    gl_v8d r = gl_select(small, FMA(a * s, ratio, a), gl_select(far, 1.0 + ratio, ratio));
    gl_v8d signed_ = (gl_v8d)((gl_v8u)r | (xBits & signMask));
    return gl_select(x != x, x, signed_);
}

static inline __attribute__((always_inline)) void tanh_loop(long n, const double *x, double *y) {
    long k = 0;
    for (; k + 8 <= n; k += 8) {
        gl_v8d v;
        memcpy(&v, x + k, sizeof v);
        v = tanh8(v);
        memcpy(y + k, &v, sizeof v);
    }
    if (k < n) {
        double buffer[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        memcpy(buffer, x + k, (size_t)(n - k) * sizeof(double));
        gl_v8d v;
        memcpy(&v, buffer, sizeof v);
        v = tanh8(v);
        memcpy(buffer, &v, sizeof v);
        memcpy(y + k, buffer, (size_t)(n - k) * sizeof(double));
    }
}

static void tanh_portable(long n, const double *x, double *y) { tanh_loop(n, x, y); }

#if defined(__x86_64__) || defined(__i386__)
static __attribute__((target("avx2,fma"))) void tanh_avx2(long n, const double *x, double *y) { tanh_loop(n, x, y); }
static __attribute__((target("avx512f,fma"))) void tanh_avx512(long n, const double *x, double *y) { tanh_loop(n, x, y); }
#endif

void gl_tanh(gl_isa isa, long n, const double *x, double *y) {
    if (n <= 0) return;
#if defined(__x86_64__) || defined(__i386__)
    if (isa == GL_ISA_AVX512 && gl_isa_supported(GL_ISA_AVX512)) { tanh_avx512(n, x, y); return; }
    if (isa == GL_ISA_AVX2 && gl_isa_supported(GL_ISA_AVX2)) { tanh_avx2(n, x, y); return; }
#endif
    tanh_portable(n, x, y);
}
