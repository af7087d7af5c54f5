import Sweeps
import Training

/// The `mode: train` blocks of an experiment file — `task`, `optimizer`, `schedule`, `clipping`,
/// `training` — decoded into Training's `TrainSpec` with the schema's strictness: unknown keys and
/// misspelt kinds are located with a suggestion, and every value Training rejects is reported at
/// its block (`x.yaml:9:12: clipping: clipping kind 'value' needs a threshold`).
enum TrainBlocks {
    /// The blocks by YAML key with their known keys and the choices of their `kind`.
    private static let blocks: [(key: ExperimentSpec.CodingKeys, known: Set<String>, kinds: [String]?)] = [
        (.task, TaskSpec.knownKeys, nil),
        (.optimizer, OptimizerSpec.knownKeys, OptimizerSpec.Kind.allCases.map(\.rawValue)),
        (.schedule, ScheduleSpec.knownKeys, ScheduleSpec.Kind.allCases.map(\.rawValue)),
        (.clipping, ClippingSpec.knownKeys, ClippingSpec.Kind.allCases.map(\.rawValue)),
        (.training, LoopSpec.knownKeys, nil),
    ]

    /// The sub-blocks of `training:` with their known keys and `kind` choices.
    private static let mitigationBlocks: [(key: String, known: Set<String>, kinds: [String]?)] = [
        ("constraint", ConstraintSpec.knownKeys, ConstraintSpec.Kind.allCases.map(\.rawValue)),
        ("dropout", DropoutSpec.knownKeys, DropoutSpec.Kind.allCases.map(\.rawValue)),
        ("flossing", FlossingSpec.knownKeys, nil),
    ]

    /// Task names an experiment may use: the catalogue and its aliases.
    static var taskNames: [String] { TaskCatalog.names + TaskCatalog.aliases.keys.sorted() }

    /// Decodes the train blocks (`task` required), rejecting unknown keys and unknown choices first.
    static func decode(_ c: KeyedDecodingContainer<ExperimentSpec.CodingKeys>) throws -> TrainSpec {
        for block in blocks where c.contains(block.key) {
            try c.superDecoder(forKey: block.key).rejectUnknownKeys(block.known.sorted())
            let nested = try c.nestedContainer(keyedBy: AnyKey.self, forKey: block.key)
            if let kinds = block.kinds {
                try checkChoice(nested, "kind", kinds, path: [block.key.rawValue, "kind"])
            }
        }
        if c.contains(.task) {
            let nested = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .task)
            try checkChoice(nested, "name", taskNames, path: ["task", "name"])
        }
        if c.contains(.training) {
            let training = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .training)
            for (key, known, kinds) in mitigationBlocks where training.contains(AnyKey(stringValue: key)) {
                try training.superDecoder(forKey: AnyKey(stringValue: key)).rejectUnknownKeys(known.sorted())
                if let kinds {
                    let nested = try training.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(stringValue: key))
                    try checkChoice(nested, "kind", kinds, path: ["training", key, "kind"])
                }
            }
        }
        if c.contains(.clipping) {
            let nested = try c.nestedContainer(keyedBy: AnyKey.self, forKey: .clipping)
            try checkChoice(nested, "non_finite", NonFiniteNormPolicy.allCases.map(\.rawValue), path: ["clipping", "non_finite"])
        }
        return TrainSpec(task: try c.decode(TaskSpec.self, forKey: .task),
                         optimizer: try c.decodeIfPresent(OptimizerSpec.self, forKey: .optimizer),
                         schedule: try c.decodeIfPresent(ScheduleSpec.self, forKey: .schedule),
                         clipping: try c.decodeIfPresent(ClippingSpec.self, forKey: .clipping),
                         training: try c.decodeIfPresent(LoopSpec.self, forKey: .training))
    }

    private static func checkChoice(_ c: KeyedDecodingContainer<AnyKey>, _ key: String, _ choices: [String], path: [String]) throws {
        guard let text = try c.decodeIfPresent(String.self, forKey: AnyKey(stringValue: key)) else { return }
        if !choices.contains(text) { throw SchemaIssue.invalidChoice(text, choices: choices, path: path) }
    }

    /// The train blocks in another mode are an error at the first one present.
    static func rejectTrainKeys(_ c: KeyedDecodingContainer<ExperimentSpec.CodingKeys>, mode: Mode) throws {
        for block in blocks where c.contains(block.key) {
            throw SchemaIssue.invalid("applies to mode train only (this file has mode \(mode.rawValue))", path: [block.key.rawValue])
        }
    }

    /// `sequence`, `loss` and `diagnostics` describe the diagnostic modes; in train mode the task
    /// generates the sequences and defines the loss.
    static func rejectDiagnosticsKeys(_ c: KeyedDecodingContainer<ExperimentSpec.CodingKeys>) throws {
        let hints: [(ExperimentSpec.CodingKeys, String)] = [
            (.sequence, "the task generates the sequences; set task.length"),
            (.loss, "the task defines the loss"),
            (.diagnostics, "training records gradient flow itself; see training.snapshot_every"),
        ]
        for (key, hint) in hints where c.contains(key) {
            throw SchemaIssue.invalid("does not apply to mode train (\(hint))", path: [key.rawValue])
        }
    }

    /// The task of a train spec; its errors are located at `task`.
    static func task(_ spec: TrainSpec) throws -> any SequenceTask {
        try located(["task"]) { try spec.task.make() }
    }

    /// Builds every block (each error located at its block) and checks the model against the task.
    static func validate(_ spec: TrainSpec, model: ModelSpec) throws {
        let task = try task(spec)
        _ = try located(["optimizer"]) { try (spec.optimizer ?? OptimizerSpec()).make() }
        try located(["schedule"]) { try (spec.schedule ?? ScheduleSpec()).make().validate() }
        _ = try located(["clipping"]) { try (spec.clipping ?? ClippingSpec()).make() }
        _ = try located(["training"]) { try spec.configuration() }
        try require(model.input == task.inputSize,
                    "task '\(task.name)' has \(task.inputSize) input\(task.inputSize == 1 ? "" : "s") per step; set model.input to \(task.inputSize) or leave it out",
                    at: ["model", "input"])
        if let dropout = spec.training?.dropout, (dropout.input ?? 0) > 0 || (dropout.recurrent ?? 0) > 0 || (dropout.output ?? 0) > 0 {
            try require(model.cell == .rnn && model.layers == 1 && !model.bidirectional,
                        "dropout is implemented for one-layer rnn cells, not \(model.cell.rawValue)", at: ["training", "dropout"])
        }
        if let floss = spec.training?.flossing, (floss.weight ?? 1) != 0 {
            try require(model.cell == .rnn && model.activation == .tanh && model.layers == 1 && !model.bidirectional,
                        "gradient flossing is implemented for one-layer tanh rnn cells", at: ["training", "flossing"])
            try require((spec.training?.flossing?.exponents ?? 1) <= model.hidden,
                        "flossing.exponents cannot exceed model.hidden (\(model.hidden))", at: ["training", "flossing", "exponents"])
        }
        if model.parametrization != nil {
            try require(model.cell != .indrnn && model.layers == 1 && !model.bidirectional,
                        "the orthogonal parametrization is implemented for one-layer rnn, lstm and gru cells, not \(model.layers > 1 || model.bidirectional ? "stacked or bidirectional ones" : model.cell.rawValue)", at: ["model", "parametrization"])
            try require((spec.training?.constraint?.kind ?? ConstraintSpec.Kind.none) == ConstraintSpec.Kind.none,
                        "the parametrization keeps W_hh orthogonal already; remove training.constraint", at: ["model", "parametrization"])
            try require(spec.clipping?.nanGuard != true, "Pascanu's guard shrinks W_hh itself; it does not combine with the parametrization", at: ["model", "parametrization"])
        }
        if let omega = spec.training?.omega, omega > 0 {
            try require(model.cell == .rnn, "the Ω regularizer is defined for rnn cells only, not \(model.cell.rawValue)", at: ["training", "omega"])
        }
    }

    /// Runs `body`, turning a Training error into a schema issue at `path` (without repeating the
    /// block name when the message starts with it).
    private static func located<T>(_ path: [String], _ body: () throws -> T) throws -> T {
        do { return try body() } catch let issue as SchemaIssue { throw issue } catch {
            var message = "\(error)"
            if let block = path.first, message.hasPrefix(block + ": ") { message.removeFirst(block.count + 2) }
            throw SchemaIssue.invalid(message, path: path)
        }
    }
}
