import Foundation

/// Where a model produces outputs: on the last step only (many-to-one) or on every step (many-to-many).
public enum OutputMode: String, Sendable, CaseIterable {
    case last, all
}

/// The training objective, with its targets. Targets are time-major over the output steps
/// (T_out = 1 for `.last`, T for `.all`): float targets T_out × B × O, class indices T_out × B.
///
/// Every loss is PyTorch's with `reduction='mean'`, the mean taken over the output steps that the
/// loss covers (all of them for full BPTT; one chunk's for truncated BPTT):
/// - `mse`: `MSELoss`, mean over steps × B × O of (y − t)².
/// - `bce`: `BCEWithLogitsLoss` on the head's output y (a logit), mean over steps × B × O of
///   max(y, 0) − y·t + log(1 + e^(−|y|)).
/// - `crossEntropy`: `CrossEntropyLoss` with class indices, mean over steps × B of
///   logsumexp(y) − y[class].
/// - `adjoint`: no loss; the caller supplies g_t = ∂L/∂h_t at the output steps (T_out × B × H), and
///   L = Σ ⟨g_t, h_t⟩, the linear functional whose gradient w.r.t. h_t is g_t. The head is bypassed.
public enum Objective: Sendable {
    case mse(targets: SequenceBatch)
    case bce(targets: SequenceBatch)
    case crossEntropy(classes: [Int])
    case adjoint(SequenceBatch)

    /// `mse`, `bce`, `ce`, `adjoint`.
    public var name: String {
        switch self {
        case .mse: "mse"
        case .bce: "bce"
        case .crossEntropy: "ce"
        case .adjoint: "adjoint"
        }
    }

    var isAdjoint: Bool { if case .adjoint = self { return true } else { return false } }

    /// Checks the targets' shape against T_out, B and the output size.
    func validate(outputSteps: Int, batch: Int, outputSize: Int, hiddenSize: Int) throws {
        func check(_ s: SequenceBatch, _ f: Int, _ what: String) throws {
            guard s.steps == outputSteps, s.batchSize == batch, s.featureSize == f else {
                throw RecurrentError("\(name) \(what) have shape (T=\(s.steps), B=\(s.batchSize), \(s.featureSize)), expected (T=\(outputSteps), B=\(batch), \(f))")
            }
        }
        switch self {
        case .mse(let t), .bce(let t): try check(t, outputSize, "targets")
        case .adjoint(let g): try check(g, hiddenSize, "adjoints")
        case .crossEntropy(let c):
            guard c.count == outputSteps * batch else {
                throw RecurrentError("ce targets have \(c.count) class indices, expected \(outputSteps * batch) (T=\(outputSteps) × B=\(batch))")
            }
            if let bad = c.first(where: { $0 < 0 || $0 >= outputSize }) {
                throw RecurrentError("ce target class \(bad) is outside 0..<\(outputSize)")
            }
        }
    }

    /// The mean loss over output rows `rows` (row = one (step, sequence) pair; `width` = O values
    /// each) and its gradient w.r.t. those outputs, written to the same rows of `gradient`.
    /// Adjoint: `outputs` are hidden states; value Σ⟨g, h⟩, gradient g.
    func evaluate(outputs y: UnsafePointer<Double>, rows: Range<Int>, width: Int,
                  gradient dy: UnsafeMutablePointer<Double>) -> Double {
        var total = 0.0
        switch self {
        case .mse(let targets):
            let n = Double(rows.count * width)
            targets.values.withUnsafeBufferPointer { t in
                for k in rows.lowerBound * width ..< rows.upperBound * width {
                    let d = y[k] - t[k]
                    total += d * d
                    dy[k] = 2 * d / n
                }
            }
            return total / n
        case .bce(let targets):
            let n = Double(rows.count * width)
            targets.values.withUnsafeBufferPointer { t in
                for k in rows.lowerBound * width ..< rows.upperBound * width {
                    total += binaryCrossEntropy(logit: y[k], target: t[k])
                    dy[k] = (logistic(y[k]) - t[k]) / n
                }
            }
            return total / n
        case .crossEntropy(let classes):
            let n = Double(rows.count)
            for r in rows {
                let row = y + r * width, g = dy + r * width
                let lse = logSumExp(row, count: width)
                total += lse - row[classes[r]]
                for j in 0..<width { g[j] = exp(row[j] - lse) / n }
                g[classes[r]] -= 1 / n
            }
            return total / n
        case .adjoint(let g):
            g.values.withUnsafeBufferPointer { gp in
                for k in rows.lowerBound * width ..< rows.upperBound * width {
                    total += gp[k] * y[k]
                    dy[k] = gp[k]
                }
            }
            return total
        }
    }
}

/// BCE(σ(y), t) of a logit y against a target t ∈ [0, 1]: max(y, 0) − y·t + log(1 + e^(−|y|)), finite for
/// every finite y (PyTorch's `BCEWithLogitsLoss` per element).
@inlinable public func binaryCrossEntropy(logit y: Double, target t: Double) -> Double {
    max(y, 0) - y * t + log1p(exp(-abs(y)))
}

/// log Σ_j e^(x_j) over `count` ≥ 1 values, with the maximum subtracted first (no overflow); the
/// cross-entropy of class c is logSumExp(x) − x_c.
public func logSumExp(_ x: UnsafePointer<Double>, count: Int) -> Double {
    var m = -Double.infinity
    for j in 0..<count { m = max(m, x[j]) }
    var s = 0.0
    for j in 0..<count { s += exp(x[j] - m) }
    return m + log(s)
}

/// softmax(x)_i = exp(x_i − logSumExp(x)): the class probabilities that cross-entropy scores.
public func softmax(_ x: [Double]) -> [Double] {
    let lse = x.withUnsafeBufferPointer { p in p.baseAddress.map { logSumExp($0, count: x.count) } ?? 0 }
    return x.map { Foundation.exp($0 - lse) }
}
