import Foundation
import Linalg

/// The Linear Recurrent Unit (LRU; Orvieto, Smith, Gu, Fernando, Gulcehre, Pascanu & De 2023,
/// "Resurrecting Recurrent Neural Networks for Long Sequences"): a complex diagonal *linear* recurrence
///
///     λ_j = exp(−exp(ν_j) + i·exp(θ_j))            (ν = nu_log, θ = theta_log; |λ_j| = exp(−exp(ν_j)) < 1)
///     h_t = λ ⊙ h_{t−1} + γ ⊙ (B x_t)               (h ∈ ℂᴺ, B = B_re + i·B_im ∈ ℂ^{N×D}, γ_j = exp(gamma_log_j))
///     y_t = Re(C h_t) + D ⊙ x_t                     (the layer output: C = C_re + i·C_im ∈ ℂ^{D×N}, D ∈ ℝᴰ)
///
/// **Real state convention.** GradLab keeps h_t ∈ ℂᴺ as the real state s_t = [Re h_t; Im h_t] of
/// 2N values; the cell's `hiddenSize` and `stateSize` are both 2N (every diagnostic reads the whole
/// state as "h"). In that form the LRU is a linear RNN with
///
///     W_ih = [diag(γ)·B_re; diag(γ)·B_im]   (2N × D),
///     W_hh = [[diag Re λ, −diag Im λ], [diag Im λ, diag Re λ]]   (2N × 2N),
///
/// no biases and the identity as point-wise map, so the one-step Jacobian is W_hh itself: 2 × 2 rotation-
/// scaling blocks, one per complex unit, and ∂s_T/∂s_t = W_hh^k has the singular values |λ_j|^k (each
/// twice), k = T − t. `CellWeights.recurrentRotation` carries [Re λ; Im λ]: the `Unroller` multiplies
/// element-wise (O(B·N) per step, no gemm) and returns ∂L/∂[Re λ; Im λ] (2N × 1) in place of ∂L/∂W_hh;
/// W_hh is also kept densely so that every generic path (single steps, `jacobian`, `vjp`, spectra,
/// Lyapunov) works unchanged. The read-out y_t lives in `LRUReadout` (the model applies it).
public struct LRUCell: RecurrentCell {
    public let weights: CellWeights

    public init(weights: CellWeights) {
        precondition(weights.gateCount == 1 && weights.recurrentRotation != nil && weights.hiddenSize % 2 == 0)
        self.weights = weights
    }

    /// N, the number of complex units (half the real state).
    public var complexUnits: Int { weights.hiddenSize / 2 }
    public var stateSize: Int { weights.hiddenSize }
    public var cacheWidth: Int { 0 }
    public var hiddenPreactivationGradientIsInputGradient: Bool { true }

    /// s_t = ZX + ZH (the recurrence is linear; ZH = W_hh s_{t−1}).
    public func pointwiseForward(batch: Int, zx: UnsafePointer<Double>, zh: UnsafePointer<Double>,
                                 previous: UnsafePointer<Double>, next: UnsafeMutablePointer<Double>,
                                 cache: UnsafeMutablePointer<Double>) {
        for k in 0..<(batch * stateSize) { next[k] = zx[k] + zh[k] }
    }

    /// ∂L/∂ZX = ∂L/∂ZH = ∂L/∂s_t; nothing bypasses W_hh.
    public func pointwiseBackward(batch: Int, dState: UnsafePointer<Double>, cache: UnsafePointer<Double>,
                                  previous: UnsafePointer<Double>, next: UnsafePointer<Double>,
                                  dzx: UnsafeMutablePointer<Double>, dzh: UnsafeMutablePointer<Double>,
                                  dPrevious: UnsafeMutablePointer<Double>) {
        let n = batch * stateSize
        dzx.update(from: dState, count: n)
        dPrevious.update(repeating: 0, count: n)
    }

    /// J = W_hh = [[diag Re λ, −diag Im λ], [diag Im λ, diag Re λ]].
    public func jacobianFromCache(_ s: UnsafePointer<Double>, into j: UnsafeMutablePointer<Double>, workspace: CellWorkspace) {
        let m = stateSize
        weights.hiddenWeight.withUnsafeBufferPointer { j.update(from: $0.baseAddress!, count: m * m) }
    }

    /// The closed form of ∂h_T/∂h_t per complex unit: |∂h_{T,j}/∂h_{t,j}| = |λ_j|^k (k = T − t), as
    /// log10, for every unit j (the 2 × 2 block of unit j in W_hh^k is |λ_j|^k times a rotation).
    public func unitGradientLog10(steps k: Int) -> [Double] {
        guard let rot = weights.recurrentRotation else { return [] }
        let n = complexUnits
        return (0..<n).map { j in Double(k) * log10Magnitude(hypot(rot[j], rot[n + j])) }
    }
}

/// The LRU's parameters (one layer and direction) and the maps between them and the real linear-RNN
/// form the unroller runs (`CellWeights`): nu_log, theta_log, gamma_log (N), B_re, B_im (N × D),
/// C_re, C_im (D × N), D (D). Names as the paper's appendix code and the PyTorch re-implementations.
public struct LRUParameters: Sendable {
    public let nuLog: [Double], thetaLog: [Double], gammaLog: [Double]
    public let bRe: Matrix, bIm: Matrix, cRe: Matrix, cIm: Matrix
    public let d: [Double]

    public init(nuLog: [Double], thetaLog: [Double], gammaLog: [Double], bRe: Matrix, bIm: Matrix, cRe: Matrix, cIm: Matrix, d: [Double]) {
        self.nuLog = nuLog; self.thetaLog = thetaLog; self.gammaLog = gammaLog
        self.bRe = bRe; self.bIm = bIm; self.cRe = cRe; self.cIm = cIm; self.d = d
    }

    /// N.
    public var units: Int { nuLog.count }
    /// D.
    public var inputSize: Int { bRe.cols }

    /// λ_j = exp(−exp(ν_j) + i·exp(θ_j)) as [Re λ (N); Im λ (N)].
    public var rotation: [Double] {
        let n = units
        var out = [Double](repeating: 0, count: 2 * n)
        for j in 0..<n {
            let r = Foundation.exp(-Foundation.exp(nuLog[j])), phase = Foundation.exp(thetaLog[j])
            out[j] = r * Foundation.cos(phase)
            out[n + j] = r * Foundation.sin(phase)
        }
        return out
    }

    /// The real form: W_ih = [diag(γ) B_re; diag(γ) B_im], W_hh = blocks of λ, no biases.
    public var cellWeights: CellWeights {
        let n = units, d = inputSize
        var wih = Matrix(rows: 2 * n, cols: d)
        for j in 0..<n {
            let g = Foundation.exp(gammaLog[j])
            for c in 0..<d {
                wih[j, c] = g * bRe[j, c]
                wih[n + j, c] = g * bIm[j, c]
            }
        }
        return CellWeights(inputWeight: wih, recurrentRotation: rotation)
    }

    /// The read-out matrix C' = [C_re, −C_im] (D × 2N): Re(C h) = C'·[Re h; Im h].
    public var readoutMatrix: Matrix {
        let n = units, d = cRe.rows
        var m = Matrix(rows: d, cols: 2 * n)
        for r in 0..<d { for j in 0..<n { m[r, j] = cRe[r, j]; m[r, n + j] = -cIm[r, j] } }
        return m
    }

    /// The chain rule from the real form's gradients back to the LRU's parameters.
    /// - `inputWeight`: ∂L/∂W_ih (2N × D); `rotation`: ∂L/∂[Re λ; Im λ] (2N × 1).
    /// - Returns ∂L/∂nu_log = −exp(ν)·(g_re Re λ + g_im Im λ), ∂L/∂theta_log = exp(θ)·(g_im Re λ − g_re Im λ),
    ///   ∂L/∂gamma_log_j = γ_j·(B_re[j]·G_re[j] + B_im[j]·G_im[j]), ∂L/∂B_re = diag(γ) G_re, ∂L/∂B_im = diag(γ) G_im,
    ///   where G_re, G_im are the top and bottom halves of ∂L/∂W_ih.
    public func recurrenceGradients(inputWeight gw: Matrix, rotation gr: Matrix) -> (nuLog: [Double], thetaLog: [Double], gammaLog: [Double], bRe: Matrix, bIm: Matrix) {
        let n = units, d = inputSize, lam = rotation
        var gnu = [Double](repeating: 0, count: n), gth = gnu, gga = gnu
        var gbr = Matrix(rows: n, cols: d), gbi = Matrix(rows: n, cols: d)
        for j in 0..<n {
            let a = lam[j], b = lam[n + j], ga = gr[j, 0], gb = gr[n + j, 0]
            gnu[j] = -Foundation.exp(nuLog[j]) * (ga * a + gb * b)
            gth[j] = Foundation.exp(thetaLog[j]) * (gb * a - ga * b)
            let g = Foundation.exp(gammaLog[j])
            var dot = 0.0
            for c in 0..<d {
                gbr[j, c] = g * gw[j, c]
                gbi[j, c] = g * gw[n + j, c]
                dot += bRe[j, c] * gw[j, c] + bIm[j, c] * gw[n + j, c]
            }
            gga[j] = g * dot
        }
        return (gnu, gth, gga, gbr, gbi)
    }
}

/// The LRU layer's read-out y_t = Re(C h_t) + D ⊙ x_t = C'·s_t + D ⊙ x_t over rows (one row = one
/// (step, sequence) pair), its adjoint, and its parameter gradients. GradLab's LRU layer output is this
/// linear y_t; the paper's block then applies a non-linear read-out (GELU, a GLU, dropout and a residual
/// connection around a normalised input), which GradLab does not model: the model's head (if any) reads y_t.
public enum LRUReadout {
    /// Y = S·C'ᵀ + X ⊙ D for `rows` rows (S: rows × 2N, X: rows × D).
    public static func outputs(states s: [Double], inputs x: [Double], rows: Int, parameters p: LRUParameters) throws -> [Double] {
        let d = p.inputSize, n2 = 2 * p.units
        var y = try matmul(Matrix(rows: rows, cols: n2, elements: s), p.readoutMatrix, transB: .transpose).elements
        for r in 0..<rows { for c in 0..<d { y[r * d + c] += p.d[c] * x[r * d + c] } }
        return y
    }

    /// ∂L/∂S = ∂L/∂Y·C' (rows × 2N).
    public static func stateGradient(_ dy: [Double], rows: Int, parameters p: LRUParameters) throws -> [Double] {
        try matmul(Matrix(rows: rows, cols: p.inputSize, elements: dy), p.readoutMatrix).elements
    }

    /// ∂L/∂C_re = ∂L/∂Yᵀ·Re S, ∂L/∂C_im = −∂L/∂Yᵀ·Im S, ∂L/∂D = Σ_rows ∂L/∂Y ⊙ X.
    public static func parameterGradients(_ dy: [Double], states s: [Double], inputs x: [Double], rows: Int,
                                          parameters p: LRUParameters) throws -> (cRe: Matrix, cIm: Matrix, d: [Double]) {
        let d = p.inputSize, n = p.units
        let full = try matmul(Matrix(rows: rows, cols: d, elements: dy), Matrix(rows: rows, cols: 2 * n, elements: s), transA: .transpose)
        var cre = Matrix(rows: d, cols: n), cim = Matrix(rows: d, cols: n)
        for r in 0..<d { for j in 0..<n { cre[r, j] = full[r, j]; cim[r, j] = -full[r, n + j] } }
        var gd = [Double](repeating: 0, count: d)
        for r in 0..<rows { for c in 0..<d { gd[c] += dy[r * d + c] * x[r * d + c] } }
        return (cre, cim, gd)
    }

    /// Writes every LRU gradient into `grads` (names `LRUName`, layer 0): the recurrence's from the
    /// unroller's ∂L/∂W_ih and ∂L/∂[Re λ; Im λ] (`LRUParameters.recurrenceGradients`), the read-out's from
    /// ∂L/∂Y (`dy`, rows × D at the output rows); adds D ⊙ ∂L/∂Y to ∂L/∂X (time-major, from row `firstRow`).
    static func accumulate(recurrence: (inputWeight: Matrix, rotation: Matrix), readout dy: [Double], states s: [Double], inputs x: [Double],
                           rows: Int, firstRow: Int, parameters p: LRUParameters, into grads: inout ParameterSet, inputGradient dx: inout [Double]) throws {
        let r = p.recurrenceGradients(inputWeight: recurrence.inputWeight, rotation: recurrence.rotation)
        let c = try parameterGradients(dy, states: s, inputs: x, rows: rows, parameters: p)
        let values: [Matrix] = [vectorMatrix(r.nuLog), vectorMatrix(r.thetaLog), vectorMatrix(r.gammaLog), r.bRe, r.bIm, c.cRe, c.cIm, vectorMatrix(c.d)]
        for (stem, value) in zip(LRUName.stems, values) { grads[LRUName.name(stem)] = value }
        let d = p.inputSize
        for row in 0..<rows { for k in 0..<d { dx[(firstRow + row) * d + k] += p.d[k] * dy[row * d + k] } }
    }
}
