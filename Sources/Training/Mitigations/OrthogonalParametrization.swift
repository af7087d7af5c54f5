import Foundation
import Linalg
import Recurrent

/// Orthogonal-constrained training (`model.parametrization: {kind: expm | cayley, lr_factor, negative_ones}`),
/// after expRNN (Lezcano-Casado & Martínez-Rubio 2019, `torch.nn.utils.parametrizations.orthogonal`
/// with `orthogonal_map="matrix_exp"`) and scoRNN (Helfrich, Willmott & Ye 2018, the scaled Cayley transform).
///
/// The trained parameter X has W_hh's shape G·H × H (G = 1 for rnn, 4 for lstm, 3 for gru): it is G
/// stacked H×H blocks in the cell's gate order (`CellFamily.gateNames`: LSTM i, f, g, o; GRU r, z, n),
/// and every block is parametrized separately, so every H×H gate block of W_hh is orthogonal. For one
/// block, only X's strictly upper triangle is used; A = triu₁(X) − triu₁(X)ᵀ is skew-symmetric and
///
///     expm:    W = exp(A),
///     cayley:  W = (I + A)⁻¹(I − A)·D,   D = diag(1, …, 1, −1, …, −1) with `negativeOnes` −1s (last),
///
/// (scoRNN's convention; D = I by default. The Cayley transform never has the eigenvalue −1, D reaches
/// the orthogonal matrices that have it). With G = ∂L/∂W from BPTT,
///
///     expm:    ∂L/∂A = L_exp(Aᵀ, G)                     (adjoint of the Fréchet derivative of exp at A),
///     cayley:  ∂L/∂A = −(I − A)⁻¹ · (G D) · (W₀ + I)ᵀ,    W₀ = (I + A)⁻¹(I − A)
///              (from dW₀ = −(I + A)⁻¹ dA (W₀ + I) and (I + A)ᵀ = I − A; both inverses are LAPACK solves),
///     both:    ∂L/∂X = triu₁(∂L/∂A − (∂L/∂A)ᵀ).
///
/// L_exp(M, E) is the upper-right block of exp([[M, E], [0, M]]) (Higham 2008, thm 3.6 / Mathias
/// 1996). The optimizer updates X; with `lrFactor` f the update of X is scaled by f (exactly a
/// learning rate f·lr for X under SGD, RMSprop and Adam, whose steps are linear in lr). X starts block
/// diagonal in 2×2 pieces [[0, s], [−s, 0]] per gate block (from the stream `rng`): expm as Henaff et
/// al., s = θ uniform in [−π, π] (W a random block rotation); cayley as scoRNN/expRNN's `cayley_init_`,
/// s = −tan(θ/2) with θ uniform in [0, π/2] (W rotations by angles up to π/2).
public struct OrthogonalParametrization: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable { case expm, cayley }
    public var kind: Kind
    public var lrFactor: Double
    /// Cayley only: the number of −1 entries of scoRNN's D (the last ones; 0 = D = I).
    public var negativeOnes: Int

    public init(kind: Kind = .expm, lrFactor: Double = 1, negativeOnes: Int = 0) {
        self.kind = kind; self.lrFactor = lrFactor; self.negativeOnes = negativeOnes
    }

    public func validate(hidden: Int? = nil) throws {
        guard lrFactor > 0, lrFactor.isFinite else { throw TrainingError("parametrization.lr_factor must be finite and > 0, got \(lrFactor)") }
        guard negativeOnes >= 0 else { throw TrainingError("parametrization.negative_ones must be ≥ 0, got \(negativeOnes)") }
        guard negativeOnes == 0 || kind == .cayley else {
            throw TrainingError("parametrization.negative_ones (scoRNN's D) applies to kind cayley only; exp(A) has determinant +1")
        }
        if let hidden, negativeOnes > hidden {
            throw TrainingError("parametrization.negative_ones (\(negativeOnes)) cannot exceed the hidden size \(hidden)")
        }
    }

    /// The initial X (G·n × n) for hidden size n and G gate blocks.
    public func initialParameter(hidden n: Int, blocks: Int = 1, rng: inout RandomStream) -> Matrix {
        var x = Matrix(rows: blocks * n, cols: n)
        for g in 0..<blocks {
            var i = 0
            while i + 1 < n {
                switch kind {
                case .expm: x[g * n + i, i + 1] = rng.uniform(-Double.pi, Double.pi)
                case .cayley: x[g * n + i, i + 1] = -Foundation.tan(rng.uniform(0, Double.pi / 2) / 2)
                }
                i += 2
            }
        }
        return x
    }

    /// A = triu₁(X) − triu₁(X)ᵀ of one n×n block.
    public static func skew(_ x: Matrix) -> Matrix {
        let n = x.rows
        var a = Matrix(rows: n, cols: n)
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { a[i, j] = x[i, j]; a[j, i] = -x[i, j] } }
        return a
    }

    /// W_hh from X, block by block.
    public func weight(_ x: Matrix) throws -> Matrix {
        try blockwise(x, nil) { block, _ in
            let a = Self.skew(block)
            switch kind {
            case .expm: return try MatrixExponential.exp(a)
            case .cayley: return scaleColumns(try CayleyTransform.weight(a), negativeOnes)
            }
        }
    }

    /// ∂L/∂X from G = ∂L/∂W_hh at X, block by block.
    public func gradient(_ x: Matrix, weightGradient g: Matrix) throws -> Matrix {
        try blockwise(x, g) { block, gBlock in
            guard let gBlock else { throw TrainingError("parametrization gradient without ∂L/∂W") }
            let a = Self.skew(block), n = block.rows
            let da: Matrix
            switch kind {
            case .expm: da = try MatrixExponential.frechet(a.transposed, direction: gBlock)
            case .cayley: da = try CayleyTransform.adjoint(a, weightGradient: scaleColumns(gBlock, negativeOnes))
            }
            var dx = Matrix(rows: n, cols: n)
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { dx[i, j] = da[i, j] - da[j, i] } }
            return dx
        }
    }

    /// Applies `body` to every n×n row block of x (and of g), stacking the results.
    private func blockwise(_ x: Matrix, _ g: Matrix?, _ body: (Matrix, Matrix?) throws -> Matrix) throws -> Matrix {
        let n = x.cols
        guard n > 0, x.rows % n == 0 else { throw TrainingError("the orthogonal parametrization needs G·H × H blocks, got \(x.shapeDescription)") }
        if let g, g.rows != x.rows || g.cols != n {
            throw TrainingError("∂L/∂W_hh is \(g.shapeDescription), X is \(x.shapeDescription)")
        }
        let blocks = x.rows / n
        if blocks == 1 { return try body(x, g) }
        var out = Matrix(rows: x.rows, cols: n)
        for b in 0..<blocks {
            let r = try body(try x.rows(b * n..<(b + 1) * n), try g.map { try $0.rows(b * n..<(b + 1) * n) })
            for i in 0..<n { for j in 0..<n { out[b * n + i, j] = r[i, j] } }
        }
        return out
    }
}

/// M·D with D = diag(1, …, 1, −1 × k): the last k columns negated.
private func scaleColumns(_ m: Matrix, _ k: Int) -> Matrix {
    guard k > 0 else { return m }
    var out = m
    for i in 0..<m.rows { for j in (m.cols - k)..<m.cols { out[i, j] = -m[i, j] } }
    return out
}

/// The Cayley transform W₀ = (I + A)⁻¹(I − A) of a skew-symmetric A and its adjoint derivative. For
/// skew A, I + A has singular values √(1 + σ_i(A)²) ≥ 1: it is never singular and its condition number
/// is √(1 + ‖A‖₂²), so W₀ is orthogonal to rounding (≈ ‖A‖·n·ε). No inverse is formed: each product
/// with an inverse is one LU solve (dgesv).
public enum CayleyTransform {
    /// W₀ = (I + A)⁻¹(I − A): solve (I + A)·W₀ = I − A.
    public static func weight(_ a: Matrix) throws -> Matrix {
        guard a.isSquare, a.isFinite else { throw TrainingError("Cayley transform of a non-square or non-finite \(a.shapeDescription) matrix") }
        let n = a.rows
        return try Matrix.identity(n).adding(a).solve(try Matrix.identity(n).adding(a, scaledBy: -1))
    }

    /// ∂L/∂A = −(I − A)⁻¹ · V · (W₀ + I)ᵀ for V = ∂L/∂W₀ (A skew, so (I + A)ᵀ = I − A).
    public static func adjoint(_ a: Matrix, weightGradient v: Matrix) throws -> Matrix {
        let n = a.rows
        var w0 = try weight(a)
        for i in 0..<n { w0[i, i] += 1 }
        let rhs = try matmul(v, w0, transB: .transpose)
        return try Matrix.identity(n).adding(a, scaledBy: -1).solve(rhs).scaled(by: -1)
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
