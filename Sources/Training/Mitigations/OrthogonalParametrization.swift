import Foundation
import Linalg
import Recurrent

/// Orthogonal-constrained training of a vanilla RNN (`model.parametrization: {kind: expm}`), after
/// expRNN (Lezcano-Casado & Martínez-Rubio 2019) and `torch.nn.utils.parametrizations.orthogonal`
/// with `orthogonal_map="matrix_exp"`.
///
/// The trained parameter is X (H×H, only its strictly upper triangle used); A = triu₁(X) − triu₁(X)ᵀ
/// is skew-symmetric and W_hh = exp(A) is orthogonal. With G = ∂L/∂W_hh from BPTT,
///
///     ∂L/∂A = L_exp(Aᵀ, G)          (the adjoint of the Fréchet derivative of exp at A),
///     ∂L/∂X = triu₁(∂L/∂A − (∂L/∂A)ᵀ),
///
/// where L_exp(M, E) is the upper-right block of exp([[M, E], [0, M]]) (Higham 2008, thm 3.6 / Mathias
/// 1996). Both exponentials use `MatrixExponential`. The optimizer updates X; with `lrFactor` f the
/// update of X is scaled by f (exactly a learning rate f·lr for X under SGD, RMSprop and Adam, whose
/// steps are linear in lr). X starts from Henaff et al.'s initialization: A block-diagonal with 2×2
/// blocks [[0, θ], [−θ, 0]], θ uniform in [−π, π] (from the stream `rng`), so W_hh starts as a
/// random block rotation.
public struct OrthogonalParametrization: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable { case expm }
    public var kind: Kind
    public var lrFactor: Double

    public init(kind: Kind = .expm, lrFactor: Double = 1) { self.kind = kind; self.lrFactor = lrFactor }

    public func validate() throws {
        guard lrFactor > 0, lrFactor.isFinite else { throw TrainingError("parametrization.lr_factor must be finite and > 0, got \(lrFactor)") }
    }

    /// Henaff et al.'s X for hidden size n.
    public static func initialParameter(hidden n: Int, rng: inout RandomStream) -> Matrix {
        var x = Matrix(rows: n, cols: n)
        var i = 0
        while i + 1 < n {
            x[i, i + 1] = rng.uniform(-Double.pi, Double.pi)
            i += 2
        }
        return x
    }

    /// A = triu₁(X) − triu₁(X)ᵀ.
    public static func skew(_ x: Matrix) -> Matrix {
        let n = x.rows
        var a = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { a[i, j] = x[i, j]; a[j, i] = -x[i, j] } }
        return a
    }

    /// W = exp(A(X)).
    public static func weight(_ x: Matrix) throws -> Matrix { try MatrixExponential.exp(skew(x)) }

    /// ∂L/∂X from G = ∂L/∂W at X.
    public static func gradient(_ x: Matrix, weightGradient g: Matrix) throws -> Matrix {
        let a = skew(x)
        let da = try MatrixExponential.frechet(a.transposed, direction: g)
        let n = x.rows
        var dx = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { dx[i, j] = da[i, j] - da[j, i] } }
        return dx
    }
}

/// exp(M) by Taylor's series of degree 18 after scaling M by 2^−s so that ‖M‖₁/2^s ≤ 1/2, then s
/// squarings. The truncation error is below ‖X‖^19/19!·e^{‖X‖} ≤ 2·10^−23 relative for ‖X‖ ≤ 1/2, so
/// rounding (≈ s·n·ε) dominates; against `torch.linalg.matrix_exp` (Padé 18) the results agree to
/// ≈ 1e−15 (`OrthogonalParametrizationTests`). All products are BLAS gemms.
public enum MatrixExponential {
    static let degree = 18

    public static func exp(_ m: Matrix) throws -> Matrix {
        guard m.isSquare else { throw TrainingError("matrix exponential of a non-square \(m.shapeDescription) matrix") }
        guard m.isFinite else { throw TrainingError("matrix exponential of a non-finite matrix") }
        let n = m.rows
        var norm1 = 0.0
        for j in 0..<n { var s = 0.0; for i in 0..<n { s += abs(m[i, j]) }; norm1 = max(norm1, s) }
        let s = norm1 > 0.5 ? Int(Foundation.log2(norm1 / 0.5).rounded(.up)) : 0
        let x = m.scaled(by: Foundation.pow(2, Double(-s)))
        // Horner: E = I + X/k·E for k = degree … 1.
        var e = Matrix.identity(n)
        var product = Matrix(rows: n, cols: n)
        for k in stride(from: degree, through: 1, by: -1) {
            try gemm(.none, x, .none, e, alpha: 1 / Double(k), into: &product)
            for i in 0..<n { product[i, i] += 1 }
            swap(&e, &product)
        }
        for _ in 0..<s {
            try gemm(.none, e, .none, e, into: &product)
            swap(&e, &product)
        }
        return e
    }

    /// L_exp(M, E), the Fréchet derivative of exp at M in direction E: the upper-right block of
    /// exp([[M, E], [0, M]]), with E normalised to unit Frobenius norm first (L is linear in E), so
    /// a large gradient does not add squarings.
    public static func frechet(_ m: Matrix, direction e: Matrix) throws -> Matrix {
        let n = m.rows
        guard m.isSquare, e.rows == n, e.cols == n else {
            throw TrainingError("Fréchet derivative: M is \(m.shapeDescription), E is \(e.shapeDescription)")
        }
        let scale = e.withUnsafeBufferPointer { frobeniusNorm($0.baseAddress!, rows: n, cols: n, ld: n) }
        guard scale > 0 else { return Matrix(rows: n, cols: n) }
        var block = Matrix(rows: 2 * n, cols: 2 * n)
        for i in 0..<n { for j in 0..<n {
            block[i, j] = m[i, j]
            block[n + i, n + j] = m[i, j]
            block[i, n + j] = e[i, j] / scale
        } }
        let big = try exp(block)
        var l = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in 0..<n { l[i, j] = big[i, n + j] * scale } }
        return l
    }
}
