import Foundation
@testable import Linalg
import Testing

/// `ProductSingularValues` against closed forms (telescoping products U_t·diag(a_t)·U_{t−1}ᵀ), 200-digit
/// references (mpmath) and the asymptotics σ_i(W^k)^{1/k} → |λ_i| (Yamamoto).
@Suite struct ProductSingularValuesTests {
    static func haar(_ n: Int, _ rng: inout RandomStream) throws -> Matrix {
        try rng.normalMatrix(rows: n, cols: n).qr().q
    }

    /// Column-major n×n buffer of a row-major `Matrix` (its transpose's row-major buffer).
    static func columnMajor(_ a: Matrix) -> [Double] { a.transposed.elements }

    /// B_t = U_t·diag(a_t)·U_{t−1}ᵀ with a fresh Haar U_t every step: the product B_k⋯B_1 is
    /// U_k·diag(Π_t a_t)·U_0ᵀ, so σ_i = Π_t |a_{t,i}| exactly, although no two factors commute.
    @Test func telescopingProductsGiveTheirSingularValuesExactly() throws {
        var rng = RandomStream(seed: 7)
        let n = 6, k = 400
        let product = try ProductSingularValues(size: n)
        var previous = try Self.haar(n, &rng)
        var exact = [Double](repeating: 0, count: n)
        for _ in 0..<k {
            let u = try Self.haar(n, &rng)
            // Per-step gains from 0.05 to 2: the total spans hundreds of decades.
            let a = (0..<n).map { i in 0.05 + 1.95 * Double(i) / Double(n - 1) * (0.7 + 0.6 * rng.uniform()) }
            for i in 0..<n { exact[i] += log10(a[i]) }
            var d = Matrix(rows: n, cols: n)
            for i in 0..<n { d[i, i] = a[i] }
            let b = try matmul(matmul(u, d), previous, transB: .transpose)
            try Self.columnMajor(b).withUnsafeBufferPointer { try product.multiply(left: $0.baseAddress!) }
            previous = u
        }
        let got = try product.singularValuesLog10()
        let want = exact.sorted(by: >)
        #expect(want.first! - want.last! > 300)
        for (g, w) in zip(got, want) { #expect(abs(g - w) < 1e-10 * max(1, abs(w)), "log10 σ \(g) vs \(w)") }
        #expect(product.factors == k)
    }

    struct Reference: Decodable {
        struct Case: Decodable {
            let name: String, n: Int, k: Int
            let factors: [[Double]]
            let log10_singular_values: [Double]
        }
        let cases: [Case]
    }

    /// Random Gaussian factors against the exact product decomposed in 200-digit arithmetic.
    @Test func randomProductsMatchTwoHundredDigitReferences() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/Linalg/product-singular-values.json").standardized
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        #expect(reference.cases.count == 4)
        for c in reference.cases {
            let product = try ProductSingularValues(size: c.n)
            for b in c.factors {
                // The fixture is row-major; read column-major it is Bᵀ, so pass the transpose's buffer.
                let m = try Matrix(rows: c.n, cols: c.n, elements: b)
                try Self.columnMajor(m).withUnsafeBufferPointer { try product.multiply(left: $0.baseAddress!) }
            }
            let got = try product.singularValuesLog10()
            for (g, w) in zip(got, c.log10_singular_values) {
                #expect(abs(g - w) < 1e-9 * max(1, abs(w)), "\(c.name): log10 σ \(g) vs \(w)")
            }
        }
    }

    /// A non-normal W (upper triangular, unit couplings): (1/k)·log σ_i(W^k) → log |λ_i|, here to 2e-3
    /// at k = 4000 while the values span 4000·log10(1.2/0.3) ≈ 2400 decades.
    @Test func powersOfANonNormalMatrixFollowItsEigenvalues() throws {
        let lambdas = [1.2, -0.9, 0.75, 0.6, -0.45, 0.3]
        let n = lambdas.count, k = 4000
        var w = Matrix(rows: n, cols: n)
        for i in 0..<n { w[i, i] = lambdas[i]; for j in (i + 1)..<n { w[i, j] = 1 } }
        let product = try ProductSingularValues(size: n)
        let b = Self.columnMajor(w)
        for _ in 0..<k { try b.withUnsafeBufferPointer { try product.multiply(left: $0.baseAddress!) } }
        let rates = try product.singularValuesLog10().map { $0 / Double(k) }
        let want = lambdas.map { log10(abs($0)) }.sorted(by: >)
        for (r, e) in zip(rates, want) { #expect(abs(r - e) < 2e-3, "rate \(r) vs log10|λ| \(e)") }
    }

    /// Where the spread is mild, the plain SVD of the formed product agrees; a zero row gives −∞.
    @Test func agreesWithTheDirectSVDAndReportsExactZeros() throws {
        var rng = RandomStream(seed: 3)
        let n = 5
        let product = try ProductSingularValues(size: n)
        var explicit = Matrix.identity(n)
        for _ in 0..<4 {
            let b = rng.normalMatrix(rows: n, cols: n)
            explicit = try matmul(b, explicit)
            try Self.columnMajor(b).withUnsafeBufferPointer { try product.multiply(left: $0.baseAddress!) }
        }
        let direct = try explicit.singularValues().map(log10)
        for (g, w) in zip(try product.singularValuesLog10(), direct) { #expect(abs(g - w) < 1e-12 * max(1, abs(w))) }

        product.reset()
        let identityValues = try product.singularValuesLog10()
        #expect(product.factors == 0 && identityValues == [Double](repeating: 0, count: n))
        var singular = Matrix.identity(n)
        singular[2, 2] = 0
        singular[0, 1] = 3
        try Self.columnMajor(singular).withUnsafeBufferPointer { try product.multiply(left: $0.baseAddress!) }
        let values = try product.singularValuesLog10()
        let reference = try singular.singularValues()
        #expect(values.last == -.infinity)
        for (g, w) in zip(values.dropLast(), reference.dropLast()) { #expect(abs(g - log10(w)) < 1e-13) }

        // 1×1: (−3)·(−3) = 9.
        let scalar = try ProductSingularValues(size: 1)
        for _ in 0..<2 { try [-3.0].withUnsafeBufferPointer { try scalar.multiply(left: $0.baseAddress!) } }
        #expect(abs(try scalar.singularValuesLog10()[0] - log10(9)) < 1e-15)
        #expect(throws: LinalgError.self) { try ProductSingularValues(size: 0) }
    }

    /// Row groups: split at ≥ 8-decade gaps where every scale above exceeds every scale below; a group
    /// wider than 250 decades is split at its widest gap.
    @Test func groupsSplitOnlyWhereTheScalesDecouple() {
        let ln10 = log(10.0)
        #expect(ProductSingularValues.groups([0, -1, -2].map { $0 * ln10 }) == [0..<3])
        #expect(ProductSingularValues.groups([0, -1, -20, -21].map { $0 * ln10 }) == [0..<2, 2..<4])
        // Not sorted: -30 above -20 means no clean split between them.
        #expect(ProductSingularValues.groups([0, -30, -20, -40].map { $0 * ln10 }) == [0..<1, 1..<3, 3..<4])
        // 40 values 7 decades apart: no ≥ 8-decade gap, but 273 decades in all → split once.
        let steady = (0..<40).map { -7 * Double($0) * ln10 }
        #expect(ProductSingularValues.groups(steady).count == 2)
        #expect(ProductSingularValues.groups([0, -.infinity, -.infinity]) == [0..<1, 1..<3])
    }
}
