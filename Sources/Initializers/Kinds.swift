import Foundation
import Linalg
import TensorIO

extension InitSpec {
    /// The matrix the kind alone defines (step 1 of `make`), for a rows×cols matrix or gate block.
    /// fan_in = cols, fan_out = rows (PyTorch's `_calculate_fan_in_and_fan_out` for a 2-D weight).
    func kindMatrix(_ kind: InitKind, rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        let fanIn = Double(cols), fanOut = Double(rows)
        switch kind {
        case .gaussian:
            // N(0, std²), or N(0, gain²/fan_in) (gain 1 when neither is given: the circular-law scaling).
            return rng.normalMatrix(rows: rows, cols: cols, std: std ?? (gain ?? 1) / fanIn.squareRoot())
        case .uniform:
            return rng.uniformMatrix(rows: rows, cols: cols, a ?? 0, b ?? 1)
        case .pytorchDefault:
            // nn.RNN/LSTM/GRU.reset_parameters: U(−1/√H, 1/√H) with H the hidden size = rows of the (gate) block.
            let bound = 1 / Double(rows).squareRoot()
            return rng.uniformMatrix(rows: rows, cols: cols, -bound, bound)
        case .xavierUniform, .xavierNormal:
            let s = (gain ?? 1) * (2 / (fanIn + fanOut)).squareRoot()
            return kind == .xavierNormal ? rng.normalMatrix(rows: rows, cols: cols, std: s)
                : rng.uniformMatrix(rows: rows, cols: cols, -3.0.squareRoot() * s, 3.0.squareRoot() * s)
        case .kaimingUniform, .kaimingNormal:
            let fan = (mode ?? .fanIn) == .fanIn ? fanIn : fanOut
            let s = (nonlinearity ?? .leakyRelu).gain(negativeSlope: negativeSlope ?? 0) / fan.squareRoot()
            return kind == .kaimingNormal ? rng.normalMatrix(rows: rows, cols: cols, std: s)
                : rng.uniformMatrix(rows: rows, cols: cols, -3.0.squareRoot() * s, 3.0.squareRoot() * s)
        case .orthogonal:
            return try haarOrthogonal(rows: rows, cols: cols, rng: &rng).scaled(by: gain ?? 1)
        case .identity:
            // torch.nn.init.eye_: ones on the main diagonal, also for non-square matrices.
            var m = Matrix(rows: rows, cols: cols)
            for i in 0..<min(rows, cols) { m[i, i] = scale ?? 1 }
            return m
        case .sparse:
            return try sparseMatrix(rows: rows, cols: cols, rng: &rng)
        case .file:
            return try fileMatrix(rows: rows, cols: cols)
        case .zeros:
            return Matrix(rows: rows, cols: cols)
        }
    }

    /// Martens (2010) sparse initialisation: each row (the incoming weights of one unit) has exactly
    /// `nonzeros` non-zero entries at uniformly random distinct columns, drawn from N(0, std²) (std 1).
    /// Not torch.nn.init.sparse_, which zeroes a fraction of each column.
    private func sparseMatrix(rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        let k = nonzeros ?? 0
        guard k <= cols else {
            throw InitError("nonzeros \(k) is more than the \(cols) columns of a \(rows)×\(cols) matrix; use nonzeros ≤ \(cols)")
        }
        var m = Matrix(rows: rows, cols: cols)
        var columns = Array(0..<cols)
        for i in 0..<rows {
            for j in 0..<k { // partial Fisher–Yates: the first k entries become a uniform k-subset
                columns.swapAt(j, j + rng.integer(below: cols - j))
                m[i, columns[j]] = rng.normal(mean: 0, std: std ?? 1)
            }
        }
        return m
    }

    /// The tensor `tensor` (or the only one) of `path`, which must be rows×cols and finite.
    func fileMatrix(rows: Int, cols: Int) throws -> Matrix {
        let file = path ?? ""
        do {
            let archive = try TensorArchive.load(file)
            let t = try archive.tensor(named: tensor, file: file)
            let name = tensor ?? archive.names.first ?? ""
            try t.checkFinite(name: name, file: file)
            guard t.shape == [rows, cols] else {
                throw InitError("\(file): tensor '\(name)' has shape \(t.shapeDescription) but a \(rows)×\(cols) matrix is needed")
            }
            return try t.matrix(name: file)
        } catch let e as TensorIOError {
            throw InitError(e.description)
        }
    }
}
