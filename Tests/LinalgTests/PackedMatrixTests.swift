import Foundation
import Linalg
import Testing

/// The packed product C ← [C +] A·op(W) (`PackedMatrix`, `RecurrentProducts`) against three oracles:
/// the sequential fma chain it promises (bit for bit, every instruction-set variant this CPU runs),
/// a naive triple loop and OpenBLAS (both within the dot-product error bound
/// 2·γ_{k+1}·(|c₀| + Σ_r |a_r·w_r|), γ_j = j·u/(1 − j·u), u = 2⁻⁵³: the kernel's and the oracle's own
/// rounding). Shapes cover ragged edges: n and k not multiples of the 16-column panel, m = 1 … 65
/// (every row-block remainder of the micro-kernels), strides longer than the rows.
@Suite struct PackedMatrixTests {
    /// A row-major operand with N(0, 1) entries and row stride `ld` (the gap filled with NaN: read it and the test fails).
    private func operand(_ rows: Int, _ cols: Int, ld: Int, seed: UInt64) -> [Double] {
        var rng = RandomStream(seed: seed)
        var v = [Double](repeating: .nan, count: max(rows * ld, 1))
        for i in 0..<rows { for j in 0..<cols { v[i * ld + j] = rng.normal() } }
        return v
    }

    private struct Case {
        let m: Int, n: Int, k: Int, transposed: Bool, accumulate: Bool
        var lda: Int { k + (m % 3) }
        var ldc: Int { n + (m % 2) * 5 }
        var ldw: Int { (transposed ? k : n) + 1 }
    }

    /// (packed result, C before, A, W) for one case and variant; the gap columns of C hold a sentinel.
    private func run(_ c: Case, isa: RecurrentProductKernel.PackedISA, seed: UInt64) -> (out: [Double], c0: [Double], a: [Double], w: [Double]) {
        let a = operand(c.m, c.k, ld: c.lda, seed: seed)
        let w = c.transposed ? operand(c.n, c.k, ld: c.ldw, seed: seed + 1) : operand(c.k, c.n, ld: c.ldw, seed: seed + 1)
        var c0 = operand(c.m, c.n, ld: c.ldc, seed: seed + 2)
        for i in 0..<c.m { for j in c.n..<c.ldc { c0[i * c.ldc + j] = 12345 } }
        let p = PackedMatrix(rows: c.k, cols: c.n, isa: isa)
        w.withUnsafeBufferPointer { p.pack($0.baseAddress!, ld: c.ldw, transposed: c.transposed) }
        var out = c0
        if !c.accumulate { for i in 0..<c.m { for j in 0..<c.n { out[i * c.ldc + j] = .nan } } }
        a.withUnsafeBufferPointer { ap in
            out.withUnsafeMutableBufferPointer { p.multiply(m: c.m, ap.baseAddress!, lda: c.lda, accumulate: c.accumulate, into: $0.baseAddress!, ldc: c.ldc) }
        }
        return (out, c0, a, w)
    }

    private func opW(_ c: Case, _ w: [Double], _ r: Int, _ j: Int) -> Double {
        c.transposed ? w[j * c.ldw + r] : w[r * c.ldw + j]
    }

    private static let cases: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 64, 64), (1, 17, 33), (2, 256, 256), (3, 16, 5), (5, 31, 47), (6, 48, 16), (7, 100, 77),
        (8, 33, 300), (11, 65, 64), (12, 80, 9), (13, 47, 129), (20, 128, 128), (32, 50, 257), (33, 250, 250),
        (64, 96, 40), (65, 17, 70),
    ]

    /// Bit for bit the promised arithmetic: c = fma(a_{k−1}, w_{k−1}, … fma(a_0, w_0, c₀)), in every variant.
    @Test(arguments: cases)
    func isTheSequentialFMAChainInEveryVariant(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        for transposed in [false, true] {
            for accumulate in [true, false] {
                let c = Case(m: m, n: n, k: k, transposed: transposed, accumulate: accumulate)
                let seed = UInt64(m * 1_000_003 + n * 1009 + k)
                for isa in RecurrentProductKernel.PackedISA.allCases where isa.isSupported {
                    let r = run(c, isa: isa, seed: seed)
                    var mismatches = 0
                    for i in 0..<m {
                        for j in 0..<n {
                            var s = accumulate ? r.c0[i * c.ldc + j] : 0
                            for q in 0..<k { s = s.addingProduct(r.a[i * c.lda + q], opW(c, r.w, q, j)) }
                            if s.bitPattern != r.out[i * c.ldc + j].bitPattern { mismatches += 1 }
                        }
                        for j in n..<c.ldc where r.out[i * c.ldc + j] != 12345 { mismatches += 1 }
                    }
                    #expect(mismatches == 0, "\(isa) m=\(m) n=\(n) k=\(k) transposed=\(transposed) accumulate=\(accumulate)")
                }
            }
        }
    }

    /// Within the dot-product bound of a naive loop and of OpenBLAS's dgemm.
    @Test(arguments: cases)
    func agreesWithNaiveLoopAndOpenBLAS(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let u = Double.ulpOfOne / 2, gamma = Double(k + 1) * u / (1 - Double(k + 1) * u)
        for transposed in [false, true] {
            let c = Case(m: m, n: n, k: k, transposed: transposed, accumulate: true)
            let r = run(c, isa: .best, seed: UInt64(7 * m + 31 * n + k))
            // OpenBLAS: C ← C + A·op(W).
            var blas = r.c0
            r.a.withUnsafeBufferPointer { ap in
                r.w.withUnsafeBufferPointer { wp in
                    blas.withUnsafeMutableBufferPointer {
                        gemm(.none, transposed ? .transpose : .none, m: m, n: n, k: k, ap.baseAddress!, lda: c.lda,
                             wp.baseAddress!, ldb: c.ldw, beta: 1, $0.baseAddress!, ldc: c.ldc)
                    }
                }
            }
            var worstNaive = 0.0, worstBLAS = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var naive = r.c0[i * c.ldc + j], scale = abs(naive)
                    for q in 0..<k {
                        let t = r.a[i * c.lda + q] * opW(c, r.w, q, j)
                        naive += t
                        scale += abs(t)
                    }
                    let bound = 2 * gamma * scale
                    worstNaive = max(worstNaive, abs(r.out[i * c.ldc + j] - naive) / bound)
                    worstBLAS = max(worstBLAS, abs(r.out[i * c.ldc + j] - blas[i * c.ldc + j]) / bound)
                }
            }
            #expect(worstNaive <= 1, "naive loop: error / bound = \(worstNaive) at m=\(m) n=\(n) k=\(k)")
            #expect(worstBLAS <= 1, "OpenBLAS: error / bound = \(worstBLAS) at m=\(m) n=\(n) k=\(k)")
        }
    }

    /// A row's result does not depend on the batch it is computed in (every row-block remainder).
    @Test func rowsAreIndependentOfTheBatch() {
        let c = Case(m: 37, n: 70, k: 45, transposed: true, accumulate: true)
        let r = run(c, isa: .best, seed: 99)
        let p = PackedMatrix(rows: c.k, cols: c.n)
        r.w.withUnsafeBufferPointer { p.pack($0.baseAddress!, ld: c.ldw, transposed: true) }
        var same = true
        for i in 0..<c.m {
            var row = Array(r.c0[(i * c.ldc)..<(i * c.ldc + c.n)])
            r.a.withUnsafeBufferPointer { ap in
                row.withUnsafeMutableBufferPointer { p.multiply(m: 1, ap.baseAddress! + i * c.lda, lda: c.lda, accumulate: true, into: $0.baseAddress!, ldc: c.n) }
            }
            for j in 0..<c.n where row[j].bitPattern != r.out[i * c.ldc + j].bitPattern { same = false }
        }
        #expect(same)
    }

    /// `RecurrentProducts`: the packed kernel and OpenBLAS compute the same forward (H·Wᵀ) and backward
    /// (G·W) products within the bound, at B = 1 (OpenBLAS: dgemv) and B > 1, and `load` refreshes W.
    @Test(arguments: [(1, 64, 64), (1, 40, 10), (8, 256, 64), (32, 96, 96), (5, 30, 30)])
    func recurrentProductsMatchOpenBLAS(shape: (Int, Int, Int)) throws {
        let (b, gh, h) = shape
        let u = Double.ulpOfOne / 2
        let packed = RecurrentProducts(gateRows: gh, hidden: h, batch: b, kernel: .packed(.best))
        let blas = RecurrentProducts(gateRows: gh, hidden: h, batch: b, kernel: .openBLAS)
        for round in 0..<2 {   // the second round reloads another W into the same storage
            let w = operand(gh, h, ld: h, seed: UInt64(10 + round))
            let x = operand(b, h, ld: h, seed: UInt64(20 + round)), g = operand(b, gh, ld: gh, seed: UInt64(30 + round))
            let zh0 = operand(b, gh, ld: gh, seed: UInt64(40 + round)), dh0 = operand(b, h, ld: h, seed: UInt64(50 + round))
            var results: [([Double], [Double])] = []
            for p in [packed, blas] {
                w.withUnsafeBufferPointer { p.load($0.baseAddress!) }
                var zh = zh0, dh = dh0
                x.withUnsafeBufferPointer { xp in zh.withUnsafeMutableBufferPointer { p.forward(m: b, xp.baseAddress!, lda: h, into: $0.baseAddress!, ldc: gh) } }
                g.withUnsafeBufferPointer { gp in dh.withUnsafeMutableBufferPointer { p.backward(m: b, gp.baseAddress!, lda: gh, into: $0.baseAddress!, ldc: h) } }
                results.append((zh, dh))
            }
            for i in 0..<b {
                for j in 0..<gh {
                    var scale = abs(zh0[i * gh + j])
                    for q in 0..<h { scale += abs(x[i * h + q] * w[j * h + q]) }
                    let bound = 2 * Double(h + 1) * u * scale * 1.01
                    #expect(abs(results[0].0[i * gh + j] - results[1].0[i * gh + j]) <= bound)
                }
                for j in 0..<h {
                    var scale = abs(dh0[i * h + j])
                    for q in 0..<gh { scale += abs(g[i * gh + q] * w[q * h + j]) }
                    let bound = 2 * Double(gh + 1) * u * scale * 1.01
                    #expect(abs(results[0].1[i * h + j] - results[1].1[i * h + j]) <= bound)
                }
            }
        }
    }

    @Test func automaticChoiceFollowsTheCPU() {
        let k = RecurrentProductKernel.automatic(m: 32, n: 256, k: 256)
        if RecurrentProductKernel.PackedISA.best == .portable {
            #expect(k == .openBLAS)
        } else {
            #expect(k == .packed(.best))
        }
        #expect(RecurrentProductKernel.PackedISA.portable.isSupported)
    }
}
