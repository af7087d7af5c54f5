import Foundation
import Linalg
import TensorIO
import Testing
@testable import Recurrent

/// Model, input and target files: round trips and one-line errors naming the file.
@Suite struct ModelFileTests {
    let dir: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("recurrent-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.path
    }()

    func model(_ cell: CellKind) throws -> RecurrentModel {
        var rng = RandomStream(seed: 3)
        return try RecurrentModel.initialized(cell: cell, inputSize: 2, hiddenSize: 3, headSize: 2, rng: &rng)
    }

    @Test(arguments: [CellKind.rnn(.leakyRelu(alpha: 0.2)), .lstm, .gru])
    func safetensorsRoundTripWithMetadata(cell: CellKind) throws {
        let m = try model(cell), path = dir + "/m.safetensors"
        try m.save(path)
        let back = try RecurrentModel.load(path)
        #expect(back.cell == cell)
        #expect(back.parameters == m.parameters)
    }

    @Test func cellAndActivationResolution() throws {
        let m = try model(.rnn(.relu)), st = dir + "/r.safetensors", npz = dir + "/r.npz"
        try m.save(st)
        try m.save(npz)
        #expect(throws: RecurrentError("\(st): --cell gru conflicts with the file's metadata cell = rnn")) {
            try RecurrentModel.load(st, cell: "gru")
        }
        #expect(throws: RecurrentError("\(st): --activation tanh conflicts with the file's metadata activation = relu")) {
            try RecurrentModel.load(st, activation: "tanh")
        }
        // Without metadata the cell comes from weight_hh_l0's shape and the activation defaults to tanh,
        // PyTorch's default; both are stated.
        let (inferred, reading) = try RecurrentModel.read(npz)
        #expect(inferred.cell == .rnn(.tanh) && inferred.parameters == m.parameters)
        #expect(reading.notes == ["cell rnn, from the shape of 'weight_hh_l0' (3×3 = H×H, H = 3)",
                                  "activation tanh, PyTorch's default (the file does not record nn.RNN's nonlinearity; pass --activation relu for a ReLU RNN)"])
        #expect(try RecurrentModel.load(npz, cell: "rnn", activation: "relu").cell == .rnn(.relu))
        let gru = try model(.gru), gruPath = dir + "/g.npz"
        try gru.save(gruPath)
        #expect(try RecurrentModel.load(gruPath).cell == .gru)
        // A GRU's weights read as an RNN: the shapes say which tensor is wrong.
        #expect(throws: RecurrentError.self) { try RecurrentModel.load(npz, cell: "lstm") }
    }

    @Test func badFilesGiveOneLineErrors() throws {
        let m = try model(.gru), path = dir + "/g.safetensors"
        try m.save(path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir + "/cut.safetensors"
        try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: cut))
        #expect(throws: TensorIOError.self) { try RecurrentModel.load(cut) }
        var nanParams = m.parameters
        nanParams.tensors[1][0, 0] = .nan
        let nanPath = dir + "/nan.safetensors"
        try TensorArchive(nanParams.pairs.map { ($0.name, Tensor($0.tensor)) }, metadata: ["cell": "gru"]).save(nanPath)
        #expect(throws: TensorIOError.self) { try RecurrentModel.load(nanPath) }
        let missing = dir + "/missing.npz"
        try TensorArchive([("weight_ih_l0", Tensor(m.parameters.tensors[0]))]).save(missing)
        #expect(throws: RecurrentError("\(missing): no recurrent weights: no tensor named 'weight_hh_l0' or '….weight_hh_l0' (the file has: weight_ih_l0)")) {
            try RecurrentModel.load(missing, cell: "gru")
        }
        let noIH = dir + "/no-ih.npz"
        try TensorArchive([("weight_hh_l0", Tensor(m.parameters.tensors[1]))]).save(noIH)
        #expect(throws: RecurrentError("\(noIH): missing parameter 'weight_ih_l0'")) { try RecurrentModel.load(noIH) }
    }

    @Test func inputsAndTargets() throws {
        let x = dir + "/x.npy", y = dir + "/y.npy", c = dir + "/c.npy"
        try TensorArchive([("x", try Tensor(shape: [2, 4, 3], values: (0..<24).map(Double.init)))]).save(x)
        let (inputs, batched) = try SequenceBatch.loadInputs(x, featureSize: 3)
        #expect(batched && inputs.batchSize == 2 && inputs.steps == 4)
        #expect(inputs.step(1).row(1) == [15, 16, 17])   // sequence 1, step 1
        #expect(throws: RecurrentError("\(x): inputs have shape (2, 4, 3), expected (T, 5) or (B, T, 5) for a model with D = 5")) {
            try SequenceBatch.loadInputs(x, featureSize: 5)
        }
        try TensorArchive([("y", try Tensor(shape: [2, 4, 2], values: (0..<16).map(Double.init)))]).save(y)
        guard case .mse(let t) = try Objective.load(y, loss: "mse", outputs: .all, steps: 4, batch: 2, batched: true, outputSize: 2) else {
            Issue.record("expected mse"); return
        }
        #expect(t.step(0).row(1) == [8, 9])
        #expect(throws: RecurrentError.self) {
            try Objective.load(y, loss: "mse", outputs: .last, steps: 4, batch: 2, batched: true, outputSize: 2)
        }
        #expect(throws: RecurrentError("\(y): targets have shape (2, 4, 2), expected (2, 4) for ce with outputs all")) {
            try Objective.load(y, loss: "ce", outputs: .all, steps: 4, batch: 2, batched: true, outputSize: 2) as Objective?
        }
        let yf = dir + "/yf.npy"
        try TensorArchive([("y", try Tensor(shape: [2, 4], values: Array(repeating: 1, count: 8)))]).save(yf)
        #expect(throws: RecurrentError("\(yf): ce targets must be int64 class indices, got float64")) {
            try Objective.load(yf, loss: "ce", outputs: .all, steps: 4, batch: 2, batched: true, outputSize: 2) as Objective?
        }
        try TensorArchive([("c", try Tensor(shape: [2, 4], integers: [0, 1, 1, 0, 1, 1, 0, 0]))]).save(c)
        guard case .crossEntropy(let k) = try Objective.load(c, loss: "ce", outputs: .all, steps: 4, batch: 2, batched: true, outputSize: 2) else {
            Issue.record("expected ce"); return
        }
        #expect(k == [0, 1, 1, 1, 1, 0, 0, 0])   // time-major
    }
}
