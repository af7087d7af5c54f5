import Diagnostics
import Recurrent
import Sweeps

/// `fixed_points:` — the block of `mode: fixed-points` (docs/dynamics.md, docs/experiments.md): the
/// constant input x*, where the starts come from, and the search's tolerances, with the defaults and
/// meanings of `gradlab fixed-points`' options of the same names.
///
/// The weights are the configuration's model (`model:` + `init:`), or, with `model_file`, a trained
/// model's file (read when the configuration runs, as `gradlab fixed-points --model` reads it; `model:`
/// then states its architecture and a mismatch fails that configuration, `init:` is an error).
public struct FixedPointsSpec: Decodable, Sendable {
    /// A model file (.safetensors, .pt, .npz with PyTorch's names), or nil: the weights from `init:`.
    public var modelFile: String?
    /// x*: one number for every input entry, or D numbers.
    public var input: [Double]
    /// Number of starts (`--initial-states`).
    public var initialStates: Int
    /// Autonomous runs under x* from h_0 ~ N(0, 1) that supply the starts' pool.
    public var trajectories: Int
    /// Steps of each autonomous run.
    public var trajectorySteps: Int
    /// Std of the Gaussian noise added to every start.
    public var noise: Double
    public var fixedTolerance: Double
    public var slowTolerance: Double
    public var maxIterations: Int
    public var marginalBand: Double

    enum CodingKeys: String, CodingKey, CaseIterable {
        case modelFile = "model_file", input
        case initialStates = "initial_states", trajectories, trajectorySteps = "trajectory_steps", noise
        case fixedTolerance = "fixed_tolerance", slowTolerance = "slow_tolerance"
        case maxIterations = "max_iterations", marginalBand = "marginal_band"
    }

    /// The defaults of `gradlab fixed-points`.
    public init() {
        let d = FixedPointOptions()
        modelFile = nil; input = [0]; initialStates = 256; trajectories = 32; trajectorySteps = 100; noise = 0.05
        fixedTolerance = d.fixedTolerance; slowTolerance = d.slowTolerance; maxIterations = d.maxIterations; marginalBand = d.marginalBand
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FixedPointsSpec()
        modelFile = try c.decodeIfPresent(String.self, forKey: .modelFile)
        if let x = try? c.decode(Double.self, forKey: .input) { input = [x] } else { input = try c.value(.input, or: d.input) }
        initialStates = try c.value(.initialStates, or: d.initialStates)
        trajectories = try c.value(.trajectories, or: d.trajectories)
        trajectorySteps = try c.value(.trajectorySteps, or: d.trajectorySteps)
        noise = try c.value(.noise, or: d.noise)
        fixedTolerance = try c.value(.fixedTolerance, or: d.fixedTolerance)
        slowTolerance = try c.value(.slowTolerance, or: d.slowTolerance)
        maxIterations = try c.value(.maxIterations, or: d.maxIterations)
        marginalBand = try c.value(.marginalBand, or: d.marginalBand)
    }

    /// The search settings.
    public var options: FixedPointOptions {
        var o = FixedPointOptions()
        o.fixedTolerance = fixedTolerance
        o.slowTolerance = slowTolerance
        o.maxIterations = maxIterations
        o.marginalBand = marginalBand
        return o
    }

    /// x* for a model with D inputs (one number is repeated D times).
    public func constantInput(size d: Int) -> [Double] {
        input.count == 1 ? [Double](repeating: input[0], count: d) : input
    }

    /// Ranges as `gradlab fixed-points` checks them, the input's length against the model, a state of
    /// at most 2048 entries (each iteration is an SVD of the S × S Jacobian) and a single-layer model.
    func validate(model: ModelSpec, hasInit: Bool) throws {
        let p = ["fixed_points"]
        try requireCount(initialStates, from: 1, to: 100_000, at: p + ["initial_states"])
        try requireCount(trajectories, from: 1, to: 10_000, at: p + ["trajectories"])
        try requireCount(trajectorySteps, from: 1, to: 100_000, at: p + ["trajectory_steps"])
        try require(trajectories * trajectorySteps <= 1_000_000,
                    "trajectories × trajectory_steps must be at most 1,000,000 states, got \(trajectories) × \(trajectorySteps)", at: p + ["trajectory_steps"])
        try require(noise.isFinite && noise >= 0, "must be a finite number ≥ 0", at: p + ["noise"])
        try require(fixedTolerance.isFinite && fixedTolerance > 0, "must be a finite number > 0", at: p + ["fixed_tolerance"])
        try require(slowTolerance.isFinite && slowTolerance >= fixedTolerance, "must be finite and at least fixed_tolerance (\(fixedTolerance))", at: p + ["slow_tolerance"])
        try requireCount(maxIterations, from: 1, to: 10_000, at: p + ["max_iterations"])
        try require(marginalBand.isFinite && marginalBand >= 0 && marginalBand < 1, "must be in [0, 1)", at: p + ["marginal_band"])
        try require(input.allSatisfy(\.isFinite), "must be finite numbers", at: p + ["input"])
        try require(input.count == 1 || input.count == model.input,
                    "has \(input.count) entries; give one number or D = \(model.input) (model.input)", at: p + ["input"])
        if let modelFile {
            try require(!modelFile.isEmpty, "must name a model file", at: p + ["model_file"])
            try require(!hasInit, "fixed_points.model_file supplies the weights; remove init", at: ["init"])
        }
        try require(model.layers == 1 && !model.bidirectional,
                    "fixed points are found for a single-layer unidirectional model (model.layers = 1, bidirectional: false)", at: ["model"])
        let state = model.cell == .lstm ? 2 * model.hidden : model.hidden
        try require(state <= 2048, "the state has \(state) entries; fixed points are searched up to 2048 (each iteration is an SVD of the S × S Jacobian)", at: ["model", "hidden"])
    }

    /// `sequence`, `loss` and `diagnostics` describe the gradient measurements; here the search's own
    /// trajectories supply the states.
    static func rejectDiagnosticsKeys(_ c: KeyedDecodingContainer<ExperimentSpec.CodingKeys>) throws {
        let hints: [(ExperimentSpec.CodingKeys, String)] = [
            (.sequence, "the starts come from fixed_points.trajectories runs of fixed_points.trajectory_steps steps under x*"),
            (.loss, "fixed points involve no loss"),
            (.diagnostics, "the search's settings are in fixed_points"),
        ]
        for (key, hint) in hints where c.contains(key) {
            throw SchemaIssue.invalid("does not apply to mode fixed-points (\(hint))", path: [key.rawValue])
        }
    }
}
