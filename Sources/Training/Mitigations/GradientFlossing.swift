import Foundation
import Linalg
import Recurrent

/// Gradient flossing (Engelken 2023, `training.flossing`): a loss on the first k Lyapunov exponents
/// of a vanilla RNN's tangent dynamics, differentiated exactly through the QR iteration.
///
/// Along the trajectory h_t = φ(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), h_0 = 0, of one input
/// sequence over a window of T_f steps, the Jacobians are D_t = diag(φ'(z_t))·W_hh. With Q_0 the first
/// k columns of the identity, Q̃_t = D_t Q_{t−1} = Q_t R_t (thin QR, Householder), and
///
///     λ_i = (1/T_f) Σ_t log|R_t[i, i]|,     L_floss = α Σ_{i ≤ k} (λ_i − target)².
///
/// The gradient runs backwards through every QR step with the reverse-mode rule for A = QR (m ≥ k,
/// full column rank; Walter & Lehmann 2018, as in `torch.linalg.qr`'s backward):
///
///     M = R R̄ᵀ − Q̄ᵀ Q,   Ā = (Q̄ + Q·copyltu(M)) R⁻ᵀ,   copyltu(M) = tril(M) + tril(M, −1)ᵀ,
///
/// then through D_t = diag(s_t) W_hh to W_hh and to s_t = φ'(z_t), whose dependence on h_t (tanh:
/// s = 1 − h²) goes back through the trajectory to W_hh, W_ih and the biases. Only tanh cells (the
/// paper's) are supported: s depends on h there.
public struct GradientFlossing: Sendable, Equatable {
    /// k, the number of exponents pushed.
    public var exponents: Int
    /// α.
    public var weight: Double
    /// T_f, the window in steps (at most the task's sequence length).
    public var window: Int
    /// Apply the flossing gradient every this many task iterations (1 = every iteration; 0 = never,
    /// only in the pre-training phase).
    public var every: Int
    /// N, the flossing-only iterations before task training (`FlossingPhaseResult`; 0 = no phase).
    public var before: Int
    /// The value the exponents are pushed towards (0: neither vanishing nor exploding).
    public var target: Double

    public init(exponents: Int = 1, weight: Double = 1, window: Int = 50, every: Int = 1, target: Double = 0, before: Int = 0) {
        self.exponents = exponents; self.weight = weight; self.window = window; self.every = every; self.target = target
        self.before = before
    }

    /// Whether task iteration `iteration` (1-based) adds the flossing gradient.
    public func applies(at iteration: Int) -> Bool { every > 0 && iteration % every == 0 }

    public func validate(hidden: Int? = nil) throws {
        guard exponents >= 1 else { throw TrainingError("flossing.exponents must be at least 1, got \(exponents)") }
        if let hidden, exponents > hidden { throw TrainingError("flossing.exponents (\(exponents)) cannot exceed the hidden size \(hidden)") }
        guard weight >= 0, weight.isFinite else { throw TrainingError("flossing.weight must be finite and ≥ 0, got \(weight)") }
        guard window >= 1 else { throw TrainingError("flossing.window must be at least 1, got \(window)") }
        guard every >= 0 else { throw TrainingError("flossing.every must be ≥ 0 (0 = only before training), got \(every)") }
        guard before >= 0 else { throw TrainingError("flossing.before must be ≥ 0, got \(before)") }
        guard every > 0 || before > 0 else { throw TrainingError("flossing with every: 0 needs a pre-training phase (before: N > 0), or it never runs") }
        guard target.isFinite else { throw TrainingError("flossing.target must be finite") }
    }

    /// The exponents, the loss and its gradients (model parameter order) on the first T_f steps of
    /// sequence `b` of `batch` (inputs (B, T, D) batch-first).
    public func evaluate(_ model: RecurrentModel, batch: TaskBatch, sequence b: Int = 0) throws -> (exponents: [Double], loss: Double, gradients: [Matrix]) {
        guard case .rnn(.tanh) = model.cell, !model.isStacked else {
            throw TrainingError("gradient flossing is implemented for one-layer tanh rnn cells, not \(model.cell)")
        }
        let p = model.parameters
        guard let iIH = p.index(of: ParameterName.weightIH), let iHH = p.index(of: ParameterName.weightHH) else {
            throw TrainingError("gradient flossing needs weight_ih_l0 and weight_hh_l0")
        }
        let biases = [p.index(of: ParameterName.biasIH), p.index(of: ParameterName.biasHH)].compactMap { $0 }
        let w = p.tensors[iHH], wih = p.tensors[iIH]
        let n = model.hiddenSize, d = model.inputSize, k = exponents, tf = min(window, batch.length)
        guard k <= n else { throw TrainingError("flossing.exponents (\(k)) cannot exceed the hidden size \(n)") }

        // Forward: trajectory, then the QR iteration.
        var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: tf + 1)
        for t in 1...tf {
            let x = (0..<d).map { batch.inputs[(b * batch.length + t - 1) * d + $0] }
            var z = try matvec(wih, x)
            let rec = try matvec(w, h[t - 1])
            for i in 0..<n { z[i] += rec[i] }
            for bi in biases { for i in 0..<n { z[i] += p.tensors[bi][i, 0] } }
            h[t] = z.map { Foundation.tanh($0) }
        }
        var qs = [Matrix](), rs = [Matrix]()
        var q = Matrix(rows: n, cols: k)
        for i in 0..<k { q[i, i] = 1 }
        qs.append(q)
        for t in 1...tf {
            var a = try matmul(w, q)
            for i in 0..<n { let s = 1 - h[t][i] * h[t][i]; for j in 0..<k { a[i, j] *= s } }
            let f = try a.qr()
            q = f.q
            qs.append(f.q)
            rs.append(f.r)
        }
        var lambdas = [Double](repeating: 0, count: k)
        for r in rs { for i in 0..<k { lambdas[i] += Foundation.log(abs(r[i, i])) } }
        lambdas = lambdas.map { $0 / Double(tf) }
        let loss = weight * lambdas.reduce(0) { $0 + ($1 - target) * ($1 - target) }

        // Backward through the QR steps (t = T_f … 1), collecting h̄_t from s_t = 1 − h_t².
        var gradients = p.tensors.map { Matrix(rows: $0.rows, cols: $0.cols) }
        var gw = Matrix(rows: n, cols: n)
        var hBar = [[Double]](repeating: [Double](repeating: 0, count: n), count: tf + 1)
        var qBar = Matrix(rows: n, cols: k)
        for t in stride(from: tf, through: 1, by: -1) {
            let qt = qs[t], r = rs[t - 1], qPrev = qs[t - 1]
            var rBar = Matrix(rows: k, cols: k)
            for i in 0..<k { rBar[i, i] = weight * 2 * (lambdas[i] - target) / (Double(tf) * r[i, i]) }
            // M = R R̄ᵀ − Q̄ᵀ Q; B = Q̄ + Q copyltu(M); Ā = B R⁻ᵀ (solve X Rᵀ = B row by row).
            var m = try matmul(r, rBar, transB: .transpose)
            m = try m.adding(try matmul(qBar, qt, transA: .transpose), scaledBy: -1)
            var sym = Matrix(rows: k, cols: k)
            for i in 0..<k { for j in 0..<k { sym[i, j] = i >= j ? m[i, j] : m[j, i] } }
            let bMat = try qBar.adding(try matmul(qt, sym))
            var aBar = Matrix(rows: n, cols: k)
            // X Rᵀ = B with R upper triangular ⇔ R Xᵀ = Bᵀ: back substitution per row of X.
            for row in 0..<n {
                for j in stride(from: k - 1, through: 0, by: -1) {
                    var v = bMat[row, j]
                    for l in (j + 1)..<max(k, j + 1) { v -= r[j, l] * aBar[row, l] }
                    aBar[row, j] = v / r[j, j]
                }
            }
            // Ã = diag(s) W Q_{t−1}: W̄ += diag(s) Ā Q_{t−1}ᵀ, s̄_i = Σ_j (Ā Q_{t−1}ᵀ)_ij W_ij, Q̄_{t−1} = Wᵀ diag(s) Ā.
            let dBar = try matmul(aBar, qPrev, transB: .transpose)
            var sAbar = aBar
            for i in 0..<n {
                let s = 1 - h[t][i] * h[t][i]
                var sBar = 0.0
                for j in 0..<n { gw[i, j] += s * dBar[i, j]; sBar += dBar[i, j] * w[i, j] }
                hBar[t][i] += -2 * h[t][i] * sBar
                for j in 0..<k { sAbar[i, j] *= s }
            }
            qBar = try matmul(w, sAbar, transA: .transpose)
        }
        // Backward through the trajectory: z̄_t = h̄_t ⊙ (1 − h_t²), h̄_{t−1} += W_hhᵀ z̄_t.
        for t in stride(from: tf, through: 1, by: -1) {
            let zBar = (0..<n).map { hBar[t][$0] * (1 - h[t][$0] * h[t][$0]) }
            for i in 0..<n {
                for j in 0..<n { gw[i, j] += zBar[i] * h[t - 1][j] }
                for j in 0..<d { gradients[iIH][i, j] += zBar[i] * batch.inputs[(b * batch.length + t - 1) * d + j] }
                for bi in biases { gradients[bi][i, 0] += zBar[i] }
            }
            if t > 1 {
                let back = try matvec(w, zBar, trans: .transpose)
                for j in 0..<n { hBar[t - 1][j] += back[j] }
            }
        }
        gradients[iHH] = gw
        return (lambdas, loss, gradients)
    }
}
