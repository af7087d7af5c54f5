import Foundation
import Linalg
import TensorIO

/// Reading models, inputs and targets from tensor files (`.safetensors`, `.npz`, `.npy` via TensorIO).
/// Every error is one line that names the file and the problem.
extension RecurrentModel {
    /// Loads a model file holding PyTorch's names (`weight_ih_l0`, `weight_hh_l0`, optional biases and
    /// head; stacked and bidirectional models with `weight_ih_l1`, `…_reverse`, as in a PyTorch
    /// `nn.RNN/LSTM/GRU(num_layers:, bidirectional:)` state dict). The cell and activation come from the arguments or from the file's metadata keys `cell`
    /// and `activation` (safetensors); a conflict, or neither, is an error saying which.
    /// `leakySlope` is used for `leaky-relu` (metadata key `alpha` when present).
    ///
    /// A whole model's state dict (`rnn.weight_ih_l0`, `fc.weight`, `embedding.weight`, …) loads with
    /// `prefix: "rnn."` (only tensors starting with it are read, with the prefix removed) and
    /// `head: "fc"` (`fc.weight` and `fc.bias` become `head.weight` and `head.bias`); without them such
    /// a file gets an error that suggests the prefix.
    public static func load(_ path: String, cell: String? = nil, activation: String? = nil,
                            leakySlope: Double? = nil, prefix: String? = nil, head: String? = nil) throws -> RecurrentModel {
        let archive = try TensorArchive.load(path)
        let kind = try resolveCell(path: path, metadata: archive.metadata, cell: cell, activation: activation, leakySlope: leakySlope)
        let selected = try selectTensors(archive.names, path: path, prefix: prefix, head: head)
        var pairs: [(String, Matrix)] = []
        for (name, original) in selected {
            let t = archive[original]!
            try t.checkFinite(name: original, file: path)
            let m: Matrix
            switch t.rank {
            case 1: m = try Matrix(rows: t.shape[0], cols: 1, elements: t.values)
            case 2: m = try Matrix(rows: t.shape[0], cols: t.shape[1], elements: t.values)
            default: throw RecurrentError("\(path): tensor '\(name)' has shape \(t.shapeDescription); parameters are vectors or matrices")
            }
            pairs.append((name, m))
        }
        let shape = ParameterName.architecture(of: pairs.map(\.0))
        let order = ParameterName.stateDictOrder(layers: shape.layers, bidirectional: shape.bidirectional)
        pairs.sort { (order.firstIndex(of: $0.0) ?? order.count) < (order.firstIndex(of: $1.0) ?? order.count) }
        do {
            return try RecurrentModel(cell: kind, parameters: ParameterSet(pairs))
        } catch let e as RecurrentError {
            throw RecurrentError("\(path): \(e.message)")
        }
    }

    /// (model name, file name) of the tensors a model reads, after `prefix` and `head` (see `load`).
    static func selectTensors(_ names: [String], path: String, prefix: String?, head: String?) throws -> [(String, String)] {
        var selected: [(String, String)] = []
        for name in names {
            if let head, name == head + ".weight" || name == head + ".bias" {
                selected.append(("head." + name.dropFirst(head.count + 1), name))
            } else if let prefix {
                if name.hasPrefix(prefix) { selected.append((String(name.dropFirst(prefix.count)), name)) }
            } else {
                selected.append((name, name))
            }
        }
        if let prefix, !selected.contains(where: { $0.1.hasPrefix(prefix) }) {
            throw RecurrentError("\(path): no tensor name starts with '\(prefix)' (the file has: \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : ""))")
        }
        if prefix == nil, let whole = names.first(where: { $0.hasSuffix(".weight_hh_l0") }) {
            let p = String(whole.dropLast("weight_hh_l0".count))
            // A linear read-out candidate: another module with both .weight and .bias (an Embedding has no bias).
            let readOut = names.filter { !$0.hasPrefix(p) && $0.hasSuffix(".bias") }.map { String($0.dropLast(".bias".count)) }
                .filter { names.contains($0 + ".weight") }.sorted().first
            let hint = readOut.map { " (and --head \($0) if '\($0)' is the linear read-out)" } ?? ""
            throw RecurrentError("\(path): this looks like a whole model's state dict ('\(whole)'): pass --prefix \(p)\(hint)")
        }
        return selected
    }

    static func resolveCell(path: String, metadata: [String: String], cell: String?, activation: String?,
                            leakySlope: Double?) throws -> CellKind {
        func pick(_ key: String, _ flag: String?) throws -> String? {
            let meta = metadata[key]
            if let flag, let meta, flag != meta {
                throw RecurrentError("\(path): --\(key) \(flag) conflicts with the file's metadata \(key) = \(meta)")
            }
            return flag ?? meta
        }
        guard let c = try pick("cell", cell) else {
            throw RecurrentError("\(path): the cell is unknown: pass --cell rnn|lstm|gru (the file has no 'cell' metadata)")
        }
        switch c {
        case "lstm", "gru":
            if let a = try pick("activation", activation), a != "tanh" {
                throw RecurrentError("\(path): activation \(a) is not available for a \(c) cell (its nonlinearities are fixed)")
            }
            return c == "lstm" ? .lstm : .gru
        case "rnn":
            guard let a = try pick("activation", activation) else {
                throw RecurrentError("\(path): the activation of the rnn cell is unknown: pass --activation \(Activation.names.joined(separator: "|")) (the file has no 'activation' metadata)")
            }
            let alpha = leakySlope ?? metadata["alpha"].flatMap(Double.init) ?? Activation.defaultLeakySlope
            guard let act = Activation(name: a, alpha: alpha) else {
                throw RecurrentError("\(path): unknown activation '\(a)' (expected \(Activation.names.joined(separator: ", ")))")
            }
            return .rnn(act)
        default:
            throw RecurrentError("\(path): unknown cell '\(c)' (expected rnn, lstm or gru)")
        }
    }

    /// Writes the parameters (and `cell`, `activation` metadata for .safetensors) to `path`.
    public func save(_ path: String) throws {
        var meta = ["cell": cell.name]
        if case .rnn(let a) = cell {
            meta["activation"] = a.name
            if case .leakyRelu(let alpha) = a { meta["alpha"] = String(alpha) }
        }
        let tensors = parameters.pairs.map { p in
            (p.name, p.tensor.cols == 1 && p.name.contains("bias") ? Tensor(p.tensor.elements) : Tensor(p.tensor))
        }
        try TensorArchive(tensors, metadata: meta).save(path)
    }
}

extension SequenceBatch {
    /// Inputs from a `.npy` (or single-tensor archive) of shape (T, D) or (B, T, D); `batched`
    /// tells which (outputs then keep the B axis).
    public static func loadInputs(_ path: String, featureSize d: Int) throws -> (inputs: SequenceBatch, batched: Bool) {
        let t = try TensorArchive.load(path).tensor(named: nil, file: path)
        try t.checkFinite(name: "input", file: path)
        guard !t.elementType.isInteger else { throw RecurrentError("\(path): inputs must be floating point, got \(t.elementType)") }
        let s = t.shape
        guard s.count == 2 || s.count == 3, s.last == d, s.dropLast().allSatisfy({ $0 > 0 }) else {
            throw RecurrentError("\(path): inputs have shape \(t.shapeDescription), expected (T, \(d)) or (B, T, \(d)) for a model with D = \(d)")
        }
        return s.count == 2
            ? (try SequenceBatch(steps: s[0], batchSize: 1, featureSize: d, timeMajor: t.values), false)
            : (try SequenceBatch(steps: s[1], batchSize: s[0], featureSize: d, batchFirst: t.values), true)
    }
}

extension Objective {
    /// Targets from a `.npy` file for `loss` (`mse`, `bce`: floats; `ce`: int64 class indices),
    /// shaped like the outputs: unbatched (O) / (T, O) (ce: () or (1) / (T)), batched (B, O) /
    /// (B, T, O) (ce: (B) / (B, T)); `last` vs `all` decides whether the T axis is present.
    public static func load(_ path: String, loss: String, outputs: OutputMode, steps: Int, batch: Int,
                            batched: Bool, outputSize o: Int) throws -> Objective {
        let t = try TensorArchive.load(path).tensor(named: nil, file: path)
        let tOut = outputs == .last ? 1 : steps
        var expected: [Int] = batched ? [batch] : []
        if outputs == .all { expected.append(steps) }
        if loss != "ce" { expected.append(o) }
        let described = "(" + expected.map(String.init).joined(separator: ", ") + (expected.count == 1 ? ",)" : ")")
        let shapeOK = t.shape == expected || (loss == "ce" && !batched && outputs == .last && t.shape == [1])
        guard shapeOK else {
            throw RecurrentError("\(path): targets have shape \(t.shapeDescription), expected \(described) for \(loss) with outputs \(outputs.rawValue)")
        }
        switch loss {
        case "ce":
            guard let ints = t.integers else { throw RecurrentError("\(path): ce targets must be int64 class indices, got \(t.elementType)") }
            // (B, T) batch-first → time-major (T, B).
            let b = batch
            return .crossEntropy(classes: (0..<(tOut * b)).map { k in Int(ints[(k % b) * tOut + k / b]) })
        case "mse", "bce":
            guard !t.elementType.isInteger else { throw RecurrentError("\(path): \(loss) targets must be floating point, got \(t.elementType)") }
            try t.checkFinite(name: "target", file: path)
            let s = try SequenceBatch(steps: tOut, batchSize: batch, featureSize: o, batchFirst: t.values)
            return loss == "mse" ? .mse(targets: s) : .bce(targets: s)
        default:
            throw RecurrentError("unknown loss '\(loss)' (expected mse, bce or ce)")
        }
    }
}
