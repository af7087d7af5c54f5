/// The training blocks of an experiment file (`mode: train`), decoded from YAML with these exact
/// keys (snake_case), validated with one-line errors, and turned into a `TrainingConfiguration`.
///
/// ```yaml
/// task: {name: adding-pascanu2013, length: 100}
/// optimizer: {kind: sgd, lr: 0.01, momentum: 0.9, nesterov: true}
/// schedule: {kind: cosine, period: 5000, minimum: 0.0001}
/// clipping: {kind: global-norm, threshold: 1.0, non_finite: skip-step, nan_guard: true}
/// training: {batch_size: 20, iterations: 5000, eval_every: 100, omega: 2.0}
/// ```
/// Every field is optional except `task.name` and `task.length` (not needed by `sentiment`);
/// absent fields take PyTorch's defaults (per optimizer kind) or those of `TrainingConfiguration`.
public struct TrainSpec: Codable, Sendable, Hashable {
    public var task: TaskSpec
    public var optimizer: OptimizerSpec?
    public var schedule: ScheduleSpec?
    public var clipping: ClippingSpec?
    public var training: LoopSpec?

    public init(task: TaskSpec, optimizer: OptimizerSpec? = nil, schedule: ScheduleSpec? = nil,
                clipping: ClippingSpec? = nil, training: LoopSpec? = nil) {
        self.task = task; self.optimizer = optimizer; self.schedule = schedule
        self.clipping = clipping; self.training = training
    }

    /// The configuration these blocks describe; throws the first invalid value as a one-line error.
    public func configuration() throws -> TrainingConfiguration {
        var c = TrainingConfiguration(task: try task.make(), optimizer: try (optimizer ?? OptimizerSpec()).make())
        c.schedule = try (schedule ?? ScheduleSpec()).make()
        try c.schedule.validate()
        let clip = clipping ?? ClippingSpec()
        c.clipping = try clip.make()
        c.nonFiniteGuard = clip.nanGuard ?? false
        try training?.apply(to: &c)
        return c
    }
}

/// `task:` — a catalogue name (docs/tasks.md) and the nominal length T; `values` and `positions`
/// for `memorization` only.
public struct TaskSpec: Codable, Sendable, Hashable {
    public var name: String
    public var length: Int?
    public var values: Int?
    public var positions: Int?
    /// `char-lm` only: a UTF-8 corpus file (path relative to the working directory), or a built-in
    /// generator (`dyck`, the default).
    public var file: String?
    public var generator: String?

    public init(name: String, length: Int? = nil, values: Int? = nil, positions: Int? = nil,
                file: String? = nil, generator: String? = nil) {
        self.name = name; self.length = length; self.values = values; self.positions = positions
        self.file = file; self.generator = generator
    }

    public static let knownKeys: Set<String> = ["name", "length", "values", "positions", "file", "generator"]
    /// The built-in corpora of `char-lm`.
    public static let generators = ["dyck"]

    public func make() throws -> any SequenceTask {
        if name == "char-lm" || file != nil || generator != nil {
            guard name == "char-lm" else { throw TaskError.invalidParameter(task: name, detail: "file and generator apply to char-lm only") }
            switch (file, generator) {
            case (let file?, nil): return try CharacterLM(file: file, length: try requiredLength())
            case (nil, "dyck"?), (nil, nil): return try CharacterLM(dyck: DyckCorpus(), length: try requiredLength())
            case (nil, let other?):
                throw TaskError.invalidParameter(task: name, detail: "unknown generator '\(other)'; known generators: \(Self.generators.joined(separator: ", "))")
            case (_?, _?): throw TaskError.invalidParameter(task: name, detail: "takes task.file or task.generator, not both")
            }
        }
        if values != nil || positions != nil {
            guard TaskCatalog.aliases[name] ?? name == "memorization" else {
                throw TaskError.invalidParameter(task: name, detail: "values and positions apply to memorization only")
            }
            return try Memorization(length: try requiredLength(), values: values ?? 5, positions: positions ?? 10)
        }
        if name == "sentiment" { return SentimentCorpus() }
        return try TaskCatalog.make(name, length: try requiredLength())
    }

    private func requiredLength() throws -> Int {
        guard let length else { throw TaskError.invalidParameter(task: name, detail: "task.length is required") }
        return length
    }
}

/// `optimizer:` — kind `sgd`, `rmsprop` or `adam` and PyTorch's hyperparameter names.
public struct OptimizerSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case sgd, rmsprop, adam }
    public var kind: Kind?
    public var lr: Double?
    public var momentum: Double?
    public var dampening: Double?
    public var nesterov: Bool?
    public var weightDecay: Double?
    public var alpha: Double?
    public var eps: Double?
    public var centered: Bool?
    public var betas: [Double]?
    public var amsgrad: Bool?

    public init(kind: Kind? = nil, lr: Double? = nil, momentum: Double? = nil, dampening: Double? = nil,
                nesterov: Bool? = nil, weightDecay: Double? = nil, alpha: Double? = nil, eps: Double? = nil,
                centered: Bool? = nil, betas: [Double]? = nil, amsgrad: Bool? = nil) {
        self.kind = kind; self.lr = lr; self.momentum = momentum; self.dampening = dampening
        self.nesterov = nesterov; self.weightDecay = weightDecay; self.alpha = alpha; self.eps = eps
        self.centered = centered; self.betas = betas; self.amsgrad = amsgrad
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, lr, momentum, dampening, nesterov
        case weightDecay = "weight_decay"
        case alpha, eps, centered, betas, amsgrad
    }
    public static let knownKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    /// The optimizer (default kind `adam`); a key the kind does not take is an error.
    public func make() throws -> any Optimizer {
        let kind = kind ?? .adam
        let allowed: Set<CodingKeys> = switch kind {
        case .sgd: [.kind, .lr, .momentum, .dampening, .nesterov, .weightDecay]
        case .rmsprop: [.kind, .lr, .momentum, .weightDecay, .alpha, .eps, .centered]
        case .adam: [.kind, .lr, .weightDecay, .eps, .betas, .amsgrad]
        }
        let present: [(CodingKeys, Bool)] = [
            (.lr, lr != nil), (.momentum, momentum != nil), (.dampening, dampening != nil),
            (.nesterov, nesterov != nil), (.weightDecay, weightDecay != nil), (.alpha, alpha != nil),
            (.eps, eps != nil), (.centered, centered != nil), (.betas, betas != nil), (.amsgrad, amsgrad != nil),
        ]
        if let extra = present.first(where: { $0.1 && !allowed.contains($0.0) })?.0 {
            let takes = allowed.subtracting([.kind]).map(\.rawValue).sorted().joined(separator: ", ")
            throw OptimizerError.invalid("\(extra.rawValue) does not apply to optimizer '\(kind.rawValue)' (it takes \(takes))")
        }
        switch kind {
        case .sgd:
            return try SGD(learningRate: lr ?? 1e-3, momentum: momentum ?? 0, dampening: dampening ?? 0,
                           weightDecay: weightDecay ?? 0, nesterov: nesterov ?? false)
        case .rmsprop:
            return try RMSprop(learningRate: lr ?? 1e-2, alpha: alpha ?? 0.99, epsilon: eps ?? 1e-8,
                               weightDecay: weightDecay ?? 0, momentum: momentum ?? 0, centered: centered ?? false)
        case .adam:
            let b = betas ?? [0.9, 0.999]
            guard b.count == 2 else { throw OptimizerError.invalid("Adam: betas needs two values, got \(b.count)") }
            return try Adam(learningRate: lr ?? 1e-3, beta1: b[0], beta2: b[1], epsilon: eps ?? 1e-8,
                            weightDecay: weightDecay ?? 0, amsgrad: amsgrad ?? false)
        }
    }
}

/// `schedule:` — kind `constant` (default), `step` (`every`, `gamma`) or `cosine` (`period`, `minimum`).
public struct ScheduleSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case constant, step, cosine }
    public var kind: Kind?
    public var every: Int?
    public var gamma: Double?
    public var period: Int?
    public var minimum: Double?

    public init(kind: Kind? = nil, every: Int? = nil, gamma: Double? = nil, period: Int? = nil, minimum: Double? = nil) {
        self.kind = kind; self.every = every; self.gamma = gamma; self.period = period; self.minimum = minimum
    }
    public static let knownKeys: Set<String> = ["kind", "every", "gamma", "period", "minimum"]

    public func make() throws -> LearningRateSchedule {
        switch kind ?? .constant {
        case .constant:
            guard every == nil, gamma == nil, period == nil, minimum == nil else {
                throw TrainingError("schedule 'constant' takes no options; remove every, gamma, period and minimum")
            }
            return .constant
        case .step:
            guard let every else { throw TrainingError("schedule 'step' needs 'every' (steps between decays)") }
            guard period == nil, minimum == nil else { throw TrainingError("schedule 'step' takes every and gamma only") }
            return .step(every: every, gamma: gamma ?? 0.1)
        case .cosine:
            guard let period else { throw TrainingError("schedule 'cosine' needs 'period' (PyTorch's T_max)") }
            guard every == nil, gamma == nil else { throw TrainingError("schedule 'cosine' takes period and minimum only") }
            return .cosine(period: period, minimum: minimum ?? 0)
        }
    }
}

/// `clipping:` — kind `none` (default), `global-norm`, `per-tensor-norm` or `value` with
/// `threshold`; `non_finite` (`error`, `skip-step` default, `follow-pytorch`) for `global-norm`;
/// `nan_guard` switches on Pascanu et al.'s guard with any kind.
public struct ClippingSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case none, globalNorm = "global-norm", perTensorNorm = "per-tensor-norm", value
    }
    public var kind: Kind?
    public var threshold: Double?
    public var nonFinite: NonFiniteNormPolicy?
    public var nanGuard: Bool?

    public init(kind: Kind? = nil, threshold: Double? = nil, nonFinite: NonFiniteNormPolicy? = nil, nanGuard: Bool? = nil) {
        self.kind = kind; self.threshold = threshold; self.nonFinite = nonFinite; self.nanGuard = nanGuard
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, threshold
        case nonFinite = "non_finite"
        case nanGuard = "nan_guard"
    }
    public static let knownKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    public func make() throws -> GradientClipping {
        let kind = kind ?? .none
        if kind != .globalNorm, nonFinite != nil {
            throw ClippingError.invalidThreshold("non_finite applies to clipping kind 'global-norm' only")
        }
        if kind == .none {
            guard threshold == nil else { throw ClippingError.invalidThreshold("clipping kind 'none' takes no threshold") }
            return .none
        }
        guard let threshold else {
            throw ClippingError.invalidThreshold("clipping kind '\(kind.rawValue)' needs a threshold")
        }
        let clipping: GradientClipping = switch kind {
        case .globalNorm: .globalNorm(maxNorm: threshold, nonFinite: nonFinite ?? .skipStep)
        case .perTensorNorm: .perTensorNorm(maxNorm: threshold)
        case .value, .none: .value(threshold)
        }
        try clipping.validate()
        return clipping
    }
}

extension NonFiniteNormPolicy: Codable {}

/// `training:` — budget, batch size, evaluation and recording intervals, Ω weight, and the
/// mitigations' sub-blocks (`constraint`, `dropout`, `flossing`; docs/training.md, *Mitigations*).
public struct LoopSpec: Codable, Sendable, Hashable {
    public var batchSize: Int?
    public var iterations: Int?
    public var evalEvery: Int?
    public var evalBatches: Int?
    public var evalBatchSize: Int?
    public var recordEvery: Int?
    public var spectralEvery: Int?
    public var snapshotEvery: Int?
    public var stopWhenSolved: Bool?
    public var omega: Double?
    public var constraint: ConstraintSpec?
    public var dropout: DropoutSpec?
    public var flossing: FlossingSpec?

    public init(batchSize: Int? = nil, iterations: Int? = nil, evalEvery: Int? = nil, evalBatches: Int? = nil,
                evalBatchSize: Int? = nil, recordEvery: Int? = nil, spectralEvery: Int? = nil,
                snapshotEvery: Int? = nil, stopWhenSolved: Bool? = nil, omega: Double? = nil) {
        self.batchSize = batchSize; self.iterations = iterations; self.evalEvery = evalEvery
        self.evalBatches = evalBatches; self.evalBatchSize = evalBatchSize; self.recordEvery = recordEvery
        self.spectralEvery = spectralEvery; self.snapshotEvery = snapshotEvery
        self.stopWhenSolved = stopWhenSolved; self.omega = omega
    }
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case batchSize = "batch_size", iterations
        case evalEvery = "eval_every", evalBatches = "eval_batches", evalBatchSize = "eval_batch_size"
        case recordEvery = "record_every", spectralEvery = "spectral_every", snapshotEvery = "snapshot_every"
        case stopWhenSolved = "stop_when_solved", omega
        case constraint, dropout, flossing
    }
    public static let knownKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    func apply(to c: inout TrainingConfiguration) throws {
        let counts: [(CodingKeys, Int?, Int)] = [
            (.batchSize, batchSize, 1), (.iterations, iterations, 0), (.evalEvery, evalEvery, 1),
            (.evalBatches, evalBatches, 1), (.evalBatchSize, evalBatchSize, 1), (.recordEvery, recordEvery, 1),
            (.spectralEvery, spectralEvery, 1), (.snapshotEvery, snapshotEvery, 0),
        ]
        for (key, value, minimum) in counts {
            if let v = value, v < minimum { throw TrainingError("training.\(key.rawValue) must be at least \(minimum), got \(v)") }
        }
        if let omega, !(omega >= 0 && omega.isFinite) {
            throw TrainingError("training.omega must be a finite weight ≥ 0, got \(omega)")
        }
        c.batchSize = batchSize ?? c.batchSize
        c.iterations = iterations ?? c.iterations
        c.evaluationInterval = evalEvery ?? c.evaluationInterval
        c.evaluationBatches = evalBatches ?? c.evaluationBatches
        c.evaluationBatchSize = evalBatchSize ?? c.evaluationBatchSize
        c.recordInterval = recordEvery ?? c.recordInterval
        c.spectralInterval = spectralEvery ?? c.spectralInterval
        c.snapshotInterval = snapshotEvery ?? c.snapshotInterval
        c.stopWhenSolved = stopWhenSolved ?? c.stopWhenSolved
        c.omegaWeight = omega ?? c.omegaWeight
        if let constraint { c.constraint = try constraint.make() }
        if let dropout { c.dropout = try dropout.make() }
        if let flossing, (flossing.weight ?? 1) != 0 { c.flossing = try flossing.make() }
    }
}
