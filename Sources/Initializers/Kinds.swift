import Foundation
import Linalg
import TensorIO

extension InitSpec {
    /// The matrix the kind alone defines (step 1 of `make`), for a rows×cols matrix or gate block.
    /// fan_in = cols, fan_out = rows (PyTorch's `_calculate_fan_in_and_fan_out` for a 2-D weight).
    func kindMatrix(_ kind: InitKind, rows: Int, cols: Int, rng: inout RandomStream) throws -> Matrix {
        if let d = elementDistribution(kind, rows: rows, cols: cols) {
            switch d {
            case let .uniform(lo, hi): return rng.uniformMatrix(rows: rows, cols: cols, lo, hi)
            case let .normal(std): return rng.normalMatrix(rows: rows, cols: cols, std: std)
            }
        }
        switch kind {
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
        case .chain:
            return try chainMatrix(rows: rows, cols: cols)
        case .schur:
            return try schurMatrix(rows: rows, cols: cols, rng: &rng)
        case .ring:
            throw InitError("kind 'ring' initialises an LRU's eigenvalues λ (init.lambda with model.cell: lru), not a \(rows)×\(cols) matrix")
        case .indrnn:
            throw InitError("kind 'indrnn' initialises an IndRNN's recurrent vector u (init.weight_hh with model.cell: indrnn), not a \(rows)×\(cols) matrix")
        case .gaussian, .uniform, .pytorchDefault, .xavierUniform, .xavierNormal, .kaimingUniform, .kaimingNormal:
            throw InitError("kind '\(kind.rawValue)' has no element distribution") // unreachable: handled above
        }
    }

    /// The i.i.d. element distribution of the kinds that have one, with PyTorch's parameters for a
    /// rows×cols weight (fan_in = cols, fan_out = rows, as `_calculate_fan_in_and_fan_out`):
    /// - gaussian: N(0, std²), or N(0, gain²/fan_in) (gain 1 when neither is given: the circular-law scaling);
    /// - uniform: U[a, b) (defaults 0, 1);
    /// - pytorch-default: U(−1/√H, 1/√H), H = rows of the matrix or gate block (`nn.RNN.reset_parameters`);
    /// - xavier: std = gain·√(2/(fan_in + fan_out)); uniform bound √3·std;
    /// - kaiming: std = calculate_gain(nonlinearity, negative_slope)/√fan; uniform bound √3·std.
    func elementDistribution(_ kind: InitKind, rows: Int, cols: Int) -> ElementDistribution? {
        let fanIn = Double(cols), fanOut = Double(rows), root3 = 3.0.squareRoot()
        switch kind {
        case .gaussian:
            return .normal(std: std ?? (gain ?? 1) / fanIn.squareRoot())
        case .uniform:
            return .uniform(a ?? 0, b ?? 1)
        case .pytorchDefault:
            let bound = 1 / Double(rows).squareRoot()
            return .uniform(-bound, bound)
        case .xavierUniform, .xavierNormal:
            let s = (gain ?? 1) * (2 / (fanIn + fanOut)).squareRoot()
            return kind == .xavierNormal ? .normal(std: s) : .uniform(-root3 * s, root3 * s)
        case .kaimingUniform, .kaimingNormal:
            let fan = (mode ?? .fanIn) == .fanIn ? fanIn : fanOut
            let s = (nonlinearity ?? .leakyRelu).gain(negativeSlope: negativeSlope ?? 0) / fan.squareRoot()
            return kind == .kaimingNormal ? .normal(std: s) : .uniform(-root3 * s, root3 * s)
        case .orthogonal, .identity, .sparse, .file, .zeros, .chain, .schur, .indrnn, .ring:
            return nil
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
        let t = try fileTensor(shapes: [[rows, cols]], needed: "a \(rows)×\(cols) matrix is needed")
        do { return try t.matrix(name: path ?? "") } catch let e as TensorIOError { throw InitError(e.description) }
    }

    /// The tensor `tensor` (or the only one) of `path` (kind `file`): finite, and of one of `shapes`, else
    /// "FILE: tensor 'NAME' has shape … but <needed>". The one reader of every `file` initializer
    /// (matrices, biases, IndRNN's u); tensor-file errors become `InitError`s.
    func fileTensor(shapes: [[Int]], needed: String) throws -> Tensor {
        let file = path ?? ""
        do {
            let archive = try TensorArchive.load(file)
            let t = try archive.tensor(named: tensor, file: file)
            let name = tensor ?? archive.names.first ?? ""
            try t.checkFinite(name: name, file: file)
            guard shapes.contains(t.shape) else {
                throw InitError("\(file): tensor '\(name)' has shape \(t.shapeDescription) but \(needed)")
            }
            return t
        } catch let e as TensorIOError {
            throw InitError(e.description)
        }
    }
}

/// The distribution of every element of an i.i.d. initializer.
public enum ElementDistribution: Sendable, Hashable {
    /// U[lower, upper).
    case uniform(Double, Double)
    /// N(0, std²).
    case normal(std: Double)
}
