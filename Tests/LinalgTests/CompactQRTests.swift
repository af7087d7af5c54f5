import Foundation
import Linalg
import Testing

/// `QRWorkspace.factorCompact` (dgeqrt) and `applyQ` (dgemqrt from the right) against `factor`
/// (dgeqrf + dorgqr): the same R diagonal, C·Q's first n columns equal C times the formed thin Q, and
/// C·Q keeps every row's norm (Q is orthogonal). Shapes with a partial last block (n = 35, 40 with
/// nb = 32) and a block smaller than 32 (n = 3).
@Suite struct CompactQRTests {
    @Test(arguments: [(40, 40), (70, 35), (9, 3)])
    func compactFactorsAndAppliedQMatchTheFormedQ(shape: (m: Int, n: Int)) throws {
        let (m, n) = shape
        let a = randomMatrix(n, m, seed: UInt64(500 + m + n)).elements   // row-major n×m = column-major m×n
        let ws = try QRWorkspace(rows: m, cols: n)
        var formed = a, compact = a
        var d1 = [Double](repeating: 0, count: n), d2 = d1
        var t = [Double](repeating: 0, count: ws.compactFactorCount)
        try formed.withUnsafeMutableBufferPointer { try ws.factor($0.baseAddress!, leadingDimension: m, rDiagonal: &d1) }
        try compact.withUnsafeMutableBufferPointer { try ws.factorCompact($0.baseAddress!, leadingDimension: m, t: &t, rDiagonal: &d2) }
        #expect(ws.compactBlock == min(32, n))
        for j in 0..<n { #expect(abs(abs(d1[j]) - abs(d2[j])) <= 1e-12 * abs(d1[j]), "r_\(j)\(j)") }

        for p in [m, 5] {
            let c = randomMatrix(m, p, seed: UInt64(900 + p)).elements   // row-major m×p = column-major p×m
            var cq = c
            try compact.withUnsafeBufferPointer { f in
                try t.withUnsafeBufferPointer { tb in
                    try cq.withUnsafeMutableBufferPointer { try ws.applyQ(factors: f.baseAddress!, leadingDimension: m, t: tb.baseAddress!, to: $0.baseAddress!, rowsOfC: p, ldc: p) }
                }
            }
            // Reference: C (p×m) times the formed thin Q (m×n), column-major.
            for i in 0..<p {
                var rowNorm = 0.0, cqNorm = 0.0
                for k in 0..<m { rowNorm += c[k * p + i] * c[k * p + i]; cqNorm += cq[k * p + i] * cq[k * p + i] }
                #expect(abs(rowNorm.squareRoot() - cqNorm.squareRoot()) <= 1e-12 * rowNorm.squareRoot())
                for j in 0..<n {
                    var ref = 0.0
                    for k in 0..<m { ref += c[k * p + i] * formed[j * m + k] }
                    #expect(abs(cq[j * p + i] - ref) <= 1e-12 * rowNorm.squareRoot(), "(C·Q)[\(i), \(j)]")
                }
            }
        }
        // A C with more rows than Q has is refused, not read out of bounds.
        var tooTall = [Double](repeating: 0, count: (m + 1) * m)
        #expect(throws: LinalgError.self) {
            try compact.withUnsafeBufferPointer { f in
                try t.withUnsafeBufferPointer { tb in
                    try tooTall.withUnsafeMutableBufferPointer { try ws.applyQ(factors: f.baseAddress!, leadingDimension: m, t: tb.baseAddress!, to: $0.baseAddress!, rowsOfC: m + 1, ldc: m + 1) }
                }
            }
        }
    }
}
