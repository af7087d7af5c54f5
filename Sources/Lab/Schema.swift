import Diagnostics
import Initializers
import Recurrent
import Sweeps
import Training

/// The experiment schema: one Codable type per block of an experiment file. Every `init(from:)`
/// rejects unknown keys; `validate()` checks ranges and combinations. Keys are snake_case as in the
/// file; docs/experiments.md documents each one.

/// What a configuration measures.
public enum Mode: String, CaseIterable, SchemaChoice {
    case gradientFlow = "gradient-flow"
    case lyapunov
    case train
    case fixedPoints = "fixed-points"

    public var explanation: String {
        switch self {
        case .gradientFlow: return "‖∂L/∂h_t‖ by step, ‖∂h_T/∂h_t‖ and its singular values by lag, on one unrolled sequence"
        case .lyapunov: return "Lyapunov spectrum of the recurrent map by the QR (Benettin) method"
        case .train: return "trains the model on a task (task:, optimizer:, schedule:, clipping:, training:); loss, gradient norms and gradient flow by iteration"
        case .fixedPoints: return "fixed and slow points of the recurrent map under a constant input (fixed_points:), with the eigenvalues of ∂F/∂s at each"
        }
    }
}

/// One experiment configuration after sweep substitution: everything an executor needs.
public struct ExperimentSpec: SweepSpec {
    public var name: String
    public var description: String
    public var mode: Mode
    /// Experiment seed; each configuration and replicate derives its own stream from it.
    public var seed: UInt64
    public var model: ModelSpec
    /// Initializers by parameter: `weight_hh`, `weight_ih`, `bias_hh`, `bias_ih`.
    public var initialization: InitSection
    public var sequence: SequenceSpec
    public var loss: LossSpec
    /// Independent draws of weights and inputs per grid point.
    public var replicates: Int
    public var measure: [Measure]
    public var diagnostics: DiagnosticsOptions
    public var plots: [PlotSpec]
    /// `mode: train` only: the `task`, `optimizer`, `schedule`, `clipping` and `training` blocks.
    /// In train mode `sequence` is derived from the task (length T, no other use).
    public var train: TrainSpec?
    /// A short name of the configuration for chart legends (`orthogonal`, `IRNN`); sweep or zip it
    /// with the keys it stands for. Empty when absent.
    public var method: String
    /// `mode: fixed-points` only: the `fixed_points` block (`FixedPointsSpec`).
    public var fixedPoints: FixedPointsSpec?
    /// The top-level key `method` (chart legends use a swept method as the whole label).
    public static let methodKey = CodingKeys.method.rawValue

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, mode, seed, model
        case initialization = "init"
        case sequence, loss, replicates, measure, diagnostics, plots
        case sweep, zip
        case task, optimizer, schedule, clipping, training
        case method
        case fixedPoints = "fixed_points"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.value(.description, or: "")
        method = try c.value(.method, or: "")
        mode = try c.decode(Mode.self, forKey: .mode)
        seed = try c.value(.seed, or: 0)
        model = try c.decode(ModelSpec.self, forKey: .model)
        initialization = try c.value(.initialization, or: InitSection())
        if mode == .train {
            let spec = try TrainBlocks.decode(c)
            train = spec
            try TrainBlocks.rejectDiagnosticsKeys(c)
            let task = try TrainBlocks.task(spec)
            sequence = SequenceSpec(length: task.nominalLength)
            if !model.inputGiven { model.input = task.inputSize }
        } else {
            try TrainBlocks.rejectTrainKeys(c, mode: mode)
            if model.parametrization != nil {
                throw SchemaIssue.invalid("applies to mode train only (this file has mode \(mode.rawValue))", path: ["model", "parametrization"])
            }
            if mode == .fixedPoints {
                let block = try c.value(.fixedPoints, or: FixedPointsSpec())
                try FixedPointsSpec.rejectDiagnosticsKeys(c)
                fixedPoints = block
                sequence = SequenceSpec(length: block.trajectorySteps)
            } else {
                sequence = try c.decode(SequenceSpec.self, forKey: .sequence)
            }
        }
        if mode != .fixedPoints && c.contains(.fixedPoints) {
            throw SchemaIssue.invalid("applies to mode fixed-points only (this file has mode \(mode.rawValue))", path: [CodingKeys.fixedPoints.rawValue])
        }
        loss = try c.value(.loss, or: LossSpec())
        replicates = try c.value(.replicates, or: 1)
        measure = try c.value(.measure, or: Measure.defaults(for: mode))
        diagnostics = try c.value(.diagnostics, or: DiagnosticsOptions())
        plots = try c.value(.plots, or: [])
    }

    /// Checks ranges and combinations; throws `SchemaIssue` with the offending path.
    /// `task.file` (a char-lm corpus) and `init.<parameter>.path` (kind file) are resolved against the
    /// experiment file's directory when it is loaded (docs/experiments.md).
    public static var filePathKeys: [String] { ["task.file", "init.*.path"] }

    public func validate(sweptPaths: [String]) throws {
        try require(!name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) },
                    "must be a non-empty word of letters, digits, '-', '_' or '.' (it names the run directory)", at: ["name"])
        try requireCount(replicates, from: 1, to: Limits.configurations, at: ["replicates"])
        try model.validateSizes()
        try train?.validateSizes()
        try initialization.validate(cell: model.cell)
        try sequence.validate()
        try diagnostics.validateSizes()
        if diagnostics.memoryBudgetGiven && mode != .gradientFlow {
            throw SchemaIssue.invalid("applies to mode gradient-flow only (the backward sweep's tape; this file has mode \(mode.rawValue))", path: ["diagnostics", "memory_budget"])
        }
        if let train { try TrainBlocks.validate(train, model: model) }
        if let fixedPoints { try fixedPoints.validate(model: model, hasInit: !initialization.specs.isEmpty) }
        for (i, m) in measure.enumerated() {
            try require(m.modes.contains(mode), "'\(m.rawValue)' is not measured in mode \(mode.rawValue) (it needs \(m.modes.map(\.rawValue).joined(separator: " or ")))", at: ["measure", String(i)])
        }
        for (i, plot) in plots.enumerated() {
            try plot.validate(at: ["plots", String(i)], sweptPaths: sweptPaths, mode: mode, measures: measure)
        }
    }
}

/// `model:` — the cell and its sizes.
public struct ModelSpec: Decodable, Sendable {
    public var cell: CellFamily
    /// Used by `rnn` cells only (leaky-relu with PyTorch's default slope 0.01).
    public var activation: Activation
    /// H, the hidden size.
    public var hidden: Int
    /// D, the input size.
    public var input: Int
    /// Whether the cell has bias vectors.
    public var bias: Bool
    /// L, stacked layers (layer ℓ reads layer ℓ−1's output sequence), as PyTorch's `num_layers`.
    public var layers: Int
    /// Whether every layer also reads the sequence backwards (outputs [forward; backward]).
    public var bidirectional: Bool
    /// Whether the file set `input` (in train mode an absent `input` is the task's input size).
    public internal(set) var inputGiven: Bool
    /// `parametrization: {kind: expm | cayley, lr_factor: f, negative_ones: k}` — W_hh = exp(A) or
    /// (I + A)⁻¹(I − A)·D with A skew-symmetric, only A trained, per gate block (mode train, one-layer
    /// rnn, lstm and gru cells; Training's `OrthogonalParametrization`). `kind: none` (to sweep it) means none.
    public var parametrization: OrthogonalParametrization?

    enum CodingKeys: String, CodingKey, CaseIterable { case cell, activation, hidden, input, bias, layers, bidirectional, parametrization }
    static let parametrizationKeys = ["kind", "lr_factor", "negative_ones"]

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cell = try c.value(.cell, or: .rnn)
        activation = try c.value(.activation, or: .tanh)
        hidden = try c.decode(Int.self, forKey: .hidden)
        input = try c.value(.input, or: 1)
        inputGiven = c.contains(.input)
        bias = try c.value(.bias, or: true)
        layers = try c.value(.layers, or: 1)
        bidirectional = try c.value(.bidirectional, or: false)
        parametrization = nil
        if c.contains(.parametrization) {
            try c.superDecoder(forKey: .parametrization).rejectUnknownKeys(Self.parametrizationKeys)
            let p = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .parametrization)
            // `kind: none` (for sweeps) is no parametrization.
            let kinds = ["none"] + OrthogonalParametrization.Kind.allCases.map(\.rawValue)
            let word = try p.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "kind")) ?? OrthogonalParametrization.Kind.expm.rawValue
            if word == "none" { return }
            guard let kind = OrthogonalParametrization.Kind(rawValue: word) else {
                throw SchemaIssue.invalidChoice(word, choices: kinds, path: ["model", "parametrization", "kind"])
            }
            let factor = try p.decodeIfPresent(Double.self, forKey: AnyKey(stringValue: "lr_factor")) ?? 1
            let negative = try p.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "negative_ones")) ?? 0
            let spec = OrthogonalParametrization(kind: kind, lrFactor: factor, negativeOnes: negative)
            do { try spec.validate(hidden: hidden) } catch {
                let key = "\(error)".contains("negative_ones") ? "negative_ones" : "lr_factor"
                throw SchemaIssue.invalid("\(error)", path: ["model", "parametrization", key])
            }
            parametrization = spec
        }
    }
}

/// The parameters an `init:` block may name; each is an `InitSpec` (module Initializers), whose
/// keys are checked here too (unknown keys with suggestions, then `InitSpec.validate()`).
public struct InitSection: Decodable, Sendable {
    public var weightHH: InitSpec?
    public var weightIH: InitSpec?
    public var biasHH: InitSpec?
    public var biasIH: InitSpec?
    /// An LRU's eigenvalues λ (`model.cell: lru`): kind `ring` or prescribed `eigenvalue_moduli`
    /// (`InitSpec.makeLRU`).
    public var lambda: InitSpec?
    /// An LN-RNN's layer-norm gain g and shift b (default 1 and 0, `nn.LayerNorm`'s); vector kinds only.
    public var weightLN: InitSpec?
    public var biasLN: InitSpec?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case weightHH = "weight_hh", weightIH = "weight_ih", biasHH = "bias_hh", biasIH = "bias_ih", lambda
        case weightLN = "weight_ln", biasLN = "bias_ln"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func spec(_ key: CodingKeys) throws -> InitSpec? {
            // Absent, or null (a zipped row whose cell has no such parameter, e.g. an lru's weight_hh).
            guard c.contains(key), try !c.decodeNil(forKey: key) else { return nil }
            try c.superDecoder(forKey: key).rejectUnknownKeys(InitSpec.CodingKeys.self)
            return try c.decode(InitSpec.self, forKey: key)
        }
        weightHH = try spec(.weightHH)
        weightIH = try spec(.weightIH)
        biasHH = try spec(.biasHH)
        biasIH = try spec(.biasIH)
        lambda = try spec(.lambda)
        weightLN = try spec(.weightLN)
        biasLN = try spec(.biasLN)
    }

    /// The specs by YAML key, in schema order.
    public var specs: [(key: String, spec: InitSpec)] {
        [(CodingKeys.weightHH, weightHH), (.weightIH, weightIH), (.biasHH, biasHH), (.biasIH, biasIH), (.lambda, lambda),
         (.weightLN, weightLN), (.biasLN, biasLN)]
            .compactMap { key, spec in spec.map { (key.rawValue, $0) } }
    }

    /// Each spec on its own, then what depends on the cell: an IndRNN's `weight_hh` is its vector u
    /// (`InitSpec.validateRecurrentVector`), and kind `indrnn` initialises nothing else; an LRU is
    /// initialised by `lambda` only (`InitSpec.validateLambda`), which no other cell has; `weight_ln` and
    /// `bias_ln` exist for an lnrnn cell only and take the kinds of a bias vector.
    func validate(cell: CellFamily) throws {
        for (key, spec) in specs {
            do {
                try spec.validate()
                if cell == .lru {
                    guard key == CodingKeys.lambda.rawValue else {
                        throw InitError("an lru cell has no \(key): its recurrence is set by init.lambda (kind ring with r_min, r_max, max_phase, or eigenvalue_moduli); B, C and D follow the paper's initialisation")
                    }
                    try spec.validateLambda()
                } else if key == CodingKeys.lambda.rawValue {
                    throw InitError("init.lambda sets an LRU's eigenvalues (model.cell: lru), not a \(cell.rawValue) cell's; use init.weight_hh")
                } else if spec.kind == .ring {
                    throw InitError("kind 'ring' initialises an LRU's eigenvalues (init.lambda with model.cell: lru), not \(key) of a \(cell.rawValue) cell")
                } else if key == CodingKeys.weightLN.rawValue || key == CodingKeys.biasLN.rawValue {
                    let what = key == CodingKeys.weightLN.rawValue ? "gain g" : "shift b"
                    guard cell.hasLayerNorm else {
                        throw InitError("\(key) is an lnrnn cell's layer-norm \(what); model.cell is \(cell.rawValue), which has none")
                    }
                    let vectorKinds: [InitKind] = [.zeros, .uniform, .gaussian, .file]
                    guard let kind = spec.kind, vectorKinds.contains(kind), kind != .gaussian || spec.std != nil else {
                        throw InitError("kind '\(spec.kind?.rawValue ?? "none")' does not apply to the layer-norm \(what) (H values); use uniform (a, b), gaussian with std, zeros or file")
                    }
                } else if key == CodingKeys.weightHH.rawValue && cell.hasDiagonalRecurrence {
                    try spec.validateRecurrentVector()
                } else if spec.kind == .indrnn {
                    throw InitError("kind 'indrnn' initialises an IndRNN's recurrent vector (init.weight_hh with model.cell: indrnn), not \(key) of a \(cell.rawValue) cell")
                }
            } catch let e as InitError { throw SchemaIssue.invalid(e.message, path: ["init", key]) }
        }
    }
}

/// `sequence:` — length, inputs and initial state of the unrolled sequence.
public struct SequenceSpec: Decodable, Sendable {
    /// T, the number of steps.
    public var length: Int
    public var input: InputSpec
    /// The state h_0 (for LSTM, c_0 = 0).
    public var h0: InitialState

    enum CodingKeys: String, CodingKey, CaseIterable { case length, input, h0 }

    /// A sequence of `length` steps with the default input and initial state (train mode, where
    /// the task generates the inputs).
    public init(length: Int) { self.length = length; input = InputSpec(); h0 = .zeros }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        length = try c.decode(Int.self, forKey: .length)
        input = try c.value(.input, or: InputSpec())
        h0 = try c.value(.h0, or: .zeros)
    }

    func validate() throws {
        try requireCount(length, from: 1, to: Limits.steps, at: ["sequence", "length"])
        try require(input.std >= 0 && input.std.isFinite, "must be a finite number ≥ 0", at: ["sequence", "input", "std"])
    }
}

/// `sequence.input:` — the input process x_t.
public struct InputSpec: Decodable, Sendable {
    public var kind: InputKind
    /// Standard deviation of each input component (ignored for `zeros`).
    public var std: Double

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, std }

    public init(kind: InputKind = .gaussian, std: Double = 1) { self.kind = kind; self.std = std }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.value(.kind, or: .gaussian)
        std = try c.value(.std, or: 1.0)
    }
}

public enum InputKind: String, CaseIterable, SchemaChoice {
    case gaussian, zeros
    public var explanation: String {
        self == .gaussian ? "x_t ~ N(0, std²) i.i.d. (driven system)" : "x_t = 0 (autonomous system)"
    }
}


/// `loss:` — what the gradient flows from.
public struct LossSpec: Decodable, Sendable {
    public var kind: LossKind

    enum CodingKeys: String, CodingKey, CaseIterable { case kind }

    public init(kind: LossKind = .adjoint) { self.kind = kind }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        kind = try decoder.container(keyedBy: CodingKeys.self).value(.kind, or: .adjoint)
    }
}

public enum LossKind: String, CaseIterable, SchemaChoice {
    case adjoint, mse, bce, ce
    public var explanation: String {
        switch self {
        case .adjoint: return "∂L/∂h_T = a seeded random unit vector (pure gradient transport)"
        case .mse: return "mean squared error of a linear read-out against a seeded random target"
        case .bce: return "binary cross-entropy of a logistic read-out"
        case .ce: return "cross-entropy of a softmax read-out"
        }
    }
}

// MARK: - Domain types as schema choices

extension CellFamily: SchemaChoice {}

extension Activation: SchemaChoice {
    /// The activations an experiment file names, in `gradlab list` order.
    public static var choices: [Activation] { [.tanh, .relu, .sigmoid, .linear, .leakyRelu(alpha: Activation.defaultLeakySlope)] }
    public var word: String { name }
    public var explanation: String {
        switch self {
        case .tanh: "tanh, sup|φ'| = 1"
        case .relu: "max(0, z), sup|φ'| = 1"
        case .leakyRelu: "max(0.01·z, z) (PyTorch's default slope), sup|φ'| = 1"
        case .sigmoid: "1/(1 + e^−z), sup|φ'| = 1/4"
        case .linear: "identity: the product of Jacobians is W_hh^k"
        }
    }
}

extension InitialState: SchemaChoice {
    public var explanation: String {
        self == .zeros ? "h_0 = 0" : "h_0 ~ N(0, 1) per unit (an LSTM's c_0 stays 0)"
    }
}
