import Foundation
import Linalg
import TensorIO

/// Reading models, inputs and targets from tensor files (`.safetensors`, `.npz`, `.npy` via TensorIO).
/// Every error is one line that names the file and the problem.
extension RecurrentModel {
    /// Loads a model file holding PyTorch's names (`weight_ih_l0`, `weight_hh_l0`, optional biases;
    /// stacked and bidirectional models with `weight_ih_l1`, `…_reverse`, as in a PyTorch
    /// `nn.RNN/LSTM/GRU(num_layers:, bidirectional:)` state dict), alone or inside a whole model's state
    /// dict (`rnn.weight_ih_l0` beside `embedding.weight`, `fc.weight`, …) or a checkpoint dict
    /// (`checkpointKey`, else the one state dict in it). The prefix, cell, activation and head are
    /// inferred as `ModelFileReading` states; the flags only choose or disambiguate, and a conflict is
    /// an error. `leakySlope` is used for `leaky-relu` (metadata key `alpha` when present).
    public static func read(_ path: String, cell: CellFamily? = nil, activation: String? = nil,
                            leakySlope: Double? = nil, prefix: String? = nil, head: String? = nil,
                            checkpointKey: String? = nil) throws -> (model: RecurrentModel, reading: ModelFileReading) {
        let archive = try TensorArchive.load(path, checkpointKey: checkpointKey)
        let shapes = Dictionary(archive.entries.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a })
        let reading = try ModelFileReading(path: path, names: archive.names, shapes: shapes, metadata: archive.metadata,
                                           cell: cell, activation: activation, leakySlope: leakySlope, prefix: prefix, head: head)
        var pairs: [(String, Matrix)] = []
        for (name, original) in reading.selection {
            guard let t = archive[original] else { continue }
            try t.checkFinite(name: original, file: path)
            let m: Matrix
            switch t.rank {
            case 1: m = try Matrix(rows: t.shape[0], cols: 1, elements: t.values)
            case 2: m = try Matrix(rows: t.shape[0], cols: t.shape[1], elements: t.values)
            default: throw RecurrentError("\(path): tensor '\(original)' has shape \(t.shapeDescription); parameters are vectors or matrices")
            }
            pairs.append((name, m))
        }
        let shape = ParameterName.architecture(of: pairs.map(\.0))
        let lruShape = LRUName.architecture(of: pairs.map(\.0))
        let order = reading.cell == .lru ? LRUName.stateDictOrder(layers: lruShape.layers, bidirectional: lruShape.bidirectional)
            : ParameterName.stateDictOrder(layers: shape.layers, bidirectional: shape.bidirectional,
                                           layerNorm: reading.cell.family.hasLayerNorm)
        pairs.sort { (order.firstIndex(of: $0.0) ?? order.count) < (order.firstIndex(of: $1.0) ?? order.count) }
        do {
            return (try RecurrentModel(cell: reading.cell, parameters: ParameterSet(pairs)), reading)
        } catch let e as RecurrentError {
            let names = reading.prefix.isEmpty ? e.message : e.message + " (names relative to the prefix '\(reading.prefix)')"
            throw RecurrentError("\(path): \(names)")
        }
    }

    /// `read(…)`'s model, with the cell given by name (`"rnn"`, `"lstm"`, `"gru"`, `"indrnn"`, `"lru"`, `"lnrnn"`).
    public static func load(_ path: String, cell: String? = nil, activation: String? = nil,
                            leakySlope: Double? = nil, prefix: String? = nil, head: String? = nil) throws -> RecurrentModel {
        var family: CellFamily? = nil
        if let cell {
            guard let f = CellFamily(rawValue: cell) else {
                throw RecurrentError("\(path): unknown cell '\(cell)' (expected \(CellFamily.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            family = f
        }
        return try read(path, cell: family, activation: activation, leakySlope: leakySlope, prefix: prefix, head: head).model
    }

    /// Writes the parameters (and `cell`, `activation` metadata for .safetensors) to `path`.
    public func save(_ path: String) throws {
        try archive().save(path)
    }

    /// The parameters as `.safetensors` bytes (PyTorch names, `cell`/`activation` metadata plus
    /// `extraMetadata`), as `save` writes them.
    public func safetensorsBytes(extraMetadata: [String: String] = [:]) -> [UInt8] {
        var a = archive()
        a.metadata.merge(extraMetadata) { old, _ in old }
        return SafetensorsFormat.encode(a)
    }

    private func archive() -> TensorArchive {
        var meta = ["cell": cell.name]
        if let a = cell.activation {
            meta["activation"] = a.name
            if case .leakyRelu(let alpha) = a { meta["alpha"] = String(alpha) }
        }
        // Vectors (biases, IndRNN's u, an LN-RNN's gain, the LRU's nu_log, theta_log, gamma_log and D) are
        // written 1-D, as PyTorch stores them.
        let diagonal = cell.family.hasDiagonalRecurrence
        let tensors = parameters.pairs.map { p in
            let lruVector = cell == .lru && ["nu_log_l", "theta_log_l", "gamma_log_l", "D_l"].contains { p.name.hasPrefix($0) }
            let vector = p.tensor.cols == 1
                && (p.name.contains("bias") || (diagonal && p.name.hasPrefix("weight_hh")) || p.name.hasPrefix("weight_ln") || lruVector)
            return (p.name, vector ? Tensor(p.tensor.elements) : Tensor(p.tensor))
        }
        return TensorArchive(tensors, metadata: meta)
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
