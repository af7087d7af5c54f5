import Foundation
import Linalg

extension InitSpec {
    /// A rows×cols matrix as this spec describes (steps in the type's documentation). Random numbers come
    /// from `rng` in a fixed order, so the same seed gives a bit-identical matrix. The matrix is treated as
    /// one block (pytorch-default's H = rows); for a stacked LSTM/GRU weight use `make(layout:hidden:cols:rng:)`.
    public func make(rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        try validate()
        guard rows > 0, cols > 0 else {
            throw InitError("size must be positive, got \(rows)×\(cols); use a size of at least 1")
        }
        var w: Matrix
        if let kind {
            w = try kindMatrix(kind, rows: rows, cols: cols, rng: &rng)
        } else if let s = singularValues {
            w = try InitSpec.prescribedSingularValues(s, rows: rows, cols: cols, rng: &rng)
        } else {
            guard rows == cols else {
                throw InitError("prescribed eigenvalues need a square matrix, got \(rows)×\(cols); drop --cols or use singular_values")
            }
            w = try InitSpec.prescribedEigenvalues(moduli: eigenvalueModuli, phases: eigenvaluePhases, n: rows, rng: &rng)
        }
        return try controlled(w)
    }

    /// Steps 2 and 3: rescaling to `spectral_radius` / `spectral_norm`, then `gain` for kinds without
    /// their own gain. Also used per gate block for a matrix loaded from a file.
    func controlled(_ w: Matrix) throws -> Matrix {
        var w = w
        if let target = spectralRadius {
            guard w.isSquare else {
                throw InitError("spectral_radius needs a square matrix, got \(w.shapeDescription); use spectral_norm instead")
            }
            let rho = try w.spectralRadius()
            guard rho > 0, rho.isFinite else {
                throw InitError("cannot rescale to spectral_radius \(target): the matrix's spectral radius is \(rho) (e.g. zero or nilpotent); choose another kind or use spectral_norm")
            }
            w = w.scaled(by: target / rho)
        } else if let target = spectralNorm {
            let sigma = try w.spectralNorm()
            guard sigma > 0, sigma.isFinite else {
                throw InitError("cannot rescale to spectral_norm \(target): the matrix is zero; choose another kind")
            }
            w = w.scaled(by: target / sigma)
        }
        if let gain, !(kind?.takesGain ?? false) { w = w.scaled(by: gain) }
        guard w.isFinite else { throw InitError("the initialised matrix has non-finite entries; lower gain, std or the prescribed spectrum") }
        return w
    }

    /// U·diag(s)·Vᵀ with U (rows×k) and V (cols×k) the first k = min(rows, cols) columns of Haar orthogonal
    /// matrices (drawn in that order), s in the order given. Its singular values are exactly s (up to rounding).
    static func prescribedSingularValues(_ spec: SpectrumValues, rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        let k = min(rows, cols)
        let s = try spec.values(k, what: "singular_values for a \(rows)×\(cols) matrix", rng: &rng)
        var u = try haarOrthogonal(rows: rows, cols: k, rng: &rng)
        let v = try haarOrthogonal(rows: cols, cols: k, rng: &rng)
        u.withUnsafeMutableBufferPointer { p in
            for i in 0..<rows { for j in 0..<k { p[i * k + j] *= s[j] } }
        }
        return try matmul(u, v, transB: .transpose)
    }

    /// A real normal matrix Q·D·Qᵀ (Q Haar orthogonal, drawn last) with the requested eigenvalues; D is
    /// block diagonal with r·[[cos θ, −sin θ], [sin θ, cos θ]] for each conjugate pair r·e^{±iθ} and
    /// 1×1 blocks ±r for real eigenvalues (θ = 0 or π).
    ///
    /// - Phases as a list: eigenvalue k is moduli[k]·e^{i·phases[k]} (moduli a list of the same length,
    ///   a constant, or absent = 1); the complex ones must come in conjugate pairs.
    /// - Phases absent (= uniform(0, π)), constant or uniform(a, b): ⌊n/2⌋ conjugate pairs r_j·e^{±iθ_j}
    ///   with θ_j and r_j drawn per pair (moduli constant, uniform(a, b) or absent = 1), and for odd n one
    ///   real eigenvalue +r (its modulus drawn after the pairs').
    static func prescribedEigenvalues(moduli: SpectrumValues?, phases: SpectrumValues?, n: Int,
                                      rng: inout RandomStream) throws -> Matrix {
        let d = try eigenvalueBlocks(moduli: moduli, phases: phases, n: n, rng: &rng)
        let q = try haarOrthogonal(rows: n, cols: n, rng: &rng)
        return try matmul(try matmul(q, d), q, transB: .transpose)
    }

    /// The real block-diagonal D of `prescribedEigenvalues` (1×1 real eigenvalues, 2×2 rotation–scaling
    /// blocks for conjugate pairs), drawing moduli and phases from `rng` as described there.
    static func eigenvalueBlocks(moduli: SpectrumValues?, phases: SpectrumValues?, n: Int,
                                 rng: inout RandomStream) throws -> Matrix {
        var d = Matrix(rows: n, cols: n)
        func block(_ i: Int, _ r: Double, _ theta: Double) {
            d[i, i] = r * cos(theta); d[i, i + 1] = -r * sin(theta)
            d[i + 1, i] = r * sin(theta); d[i + 1, i + 1] = r * cos(theta)
        }
        let moduliSpec = moduli ?? .constant(1)
        if case let .list(thetas)? = phases {
            let r = try moduliSpec.values(n, what: "eigenvalue_moduli for a \(n)×\(n) matrix", rng: &rng)
            guard thetas.count == n else {
                throw InitError("eigenvalue_phases lists \(thetas.count) values but a \(n)×\(n) matrix has \(n) eigenvalues")
            }
            let pairs = try conjugatePairs(moduli: r, phases: thetas)
            var i = 0
            for k in pairs.real { d[i, i] = cos(thetas[k]) < 0 ? -r[k] : r[k]; i += 1 }
            for k in pairs.upper { block(i, r[k], thetas[k]); i += 2 }
        } else {
            let pairCount = n / 2
            let thetas = try (phases ?? .uniform(0, .pi)).values(pairCount, what: "eigenvalue_phases", rng: &rng)
            let r = try moduliSpec.values(pairCount + n % 2, what: "eigenvalue_moduli", rng: &rng)
            for j in 0..<pairCount { block(2 * j, r[j], thetas[j]) }
            if n % 2 == 1 { d[n - 1, n - 1] = r[pairCount] }
        }
        return d
    }

    /// Splits eigenvalues r_k·e^{iθ_k} into real ones and one representative (sin θ > 0) of each conjugate
    /// pair; throws when a complex eigenvalue has no conjugate. Tolerance 1e-12 (relative for moduli).
    static func conjugatePairs(moduli r: [Double], phases theta: [Double]) throws -> (real: [Int], upper: [Int]) {
        let tol = 1e-12
        var real: [Int] = [], upper: [Int] = [], lower: [Int] = []
        for k in theta.indices {
            let s = sin(theta[k])
            if abs(s) <= tol || r[k] == 0 { real.append(k) } else if s > 0 { upper.append(k) } else { lower.append(k) }
        }
        for k in upper {
            let match = lower.firstIndex { j in
                abs(r[j] - r[k]) <= tol * max(r[k], 1) && abs(sin(theta[j]) + sin(theta[k])) <= tol && abs(cos(theta[j]) - cos(theta[k])) <= tol
            }
            guard let match else {
                throw InitError("eigenvalue \(r[k])·e^{i·\(theta[k])} has no complex conjugate \(r[k])·e^{−i·\(theta[k])}; a real matrix needs complex eigenvalues in conjugate pairs: add it, or use phase 0 or π")
            }
            lower.remove(at: match)
        }
        if let k = lower.first {
            throw InitError("eigenvalue \(r[k])·e^{i·\(theta[k])} has no complex conjugate \(r[k])·e^{i·\(-theta[k])}; a real matrix needs complex eigenvalues in conjugate pairs: add it, or use phase 0 or π")
        }
        return (real, upper)
    }
}
