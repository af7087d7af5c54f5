import Diagnostics
import Sweeps
import Training

/// The sizes an experiment configuration may ask for (docs/experiments.md, "Limits"). Each is checked
/// where the schema validates, with a located error; the products are computed with checked arithmetic,
/// so no size a user writes can overflow an `Int` in the code that allocates from it. Whether a
/// configuration within these limits fits the machine's memory is the run's preflight.
extension Limits {
    /// H and D (`model.hidden`, `model.input`).
    public static let width = 65_536
    /// L (`model.layers`).
    public static let layers = 64
    /// Weights and biases of one model: directions × Σ_ℓ gates·H·(D_ℓ + H + 2) (2³⁰, 8 GiB of Float64).
    public static let parameters = 1 << 30
    /// Steps: `sequence.length`, `task.length`, and the step counts of `diagnostics`.
    public static let steps = 10_000_000
    /// Sequences in one batch (`training.batch_size`, `training.eval_batch_size`).
    public static let batch = 65_536
    /// Iterations and iteration intervals of `training:` and `schedule:`; `training.eval_batches`.
    public static let iterations = 100_000_000
}

/// Throws `SchemaIssue.invalid` at `path` unless `minimum ≤ value ≤ maximum` (a stated limit).
func requireCount(_ value: Int, from minimum: Int, to maximum: Int, at path: [String]) throws {
    try require(value >= minimum, "must be at least \(minimum)", at: path)
    try require(value <= maximum, "must be at most \(Limits.grouped(maximum)) (the limit), got \(Limits.grouped(value))", at: path)
}

extension ModelSpec {
    /// The sizes against `Limits`: H, D and L each, then the parameter count (checked product).
    func validateSizes() throws {
        try requireCount(hidden, from: 1, to: Limits.width, at: ["model", "hidden"])
        try requireCount(input, from: 1, to: Limits.width, at: ["model", "input"])
        try requireCount(layers, from: 1, to: Limits.layers, at: ["model", "layers"])
        // Each factor is at most 2·65,536 + 2 and there are at most 64 layers: no term overflows.
        let directions = bidirectional ? 2 : 1
        var total = 0
        if cell == .lru {
            // Per layer and direction, N = hidden complex units reading D_ℓ = dirs^ℓ·D values: nu, theta, gamma,
            // B, C, D, and the dense real-form W_hh (2N × 2N). A bidirectional stack doubles D_ℓ per layer, so
            // the width is checked before it can overflow.
            var width = input
            for layer in 0..<layers {
                if layer > 0 {
                    width *= directions
                    try require(width <= Limits.width,
                                "a bidirectional lru doubles its width per layer (layer ℓ reads 2^ℓ·D values): layer \(layer) would read \(Limits.grouped(width)) values, above the limit \(Limits.grouped(Limits.width))",
                                at: ["model", "layers"])
                }
                total += directions * (4 * hidden * hidden + 4 * hidden * width + 3 * hidden + width)
                if total > Limits.parameters { break }
            }
        }
        for layer in 0..<layers where cell != .lru {
            let inputs = layer == 0 ? input : directions * hidden
            total += directions * cell.gateCount * hidden * (inputs + hidden + 2)
        }
        try require(total <= Limits.parameters,
                    "\(cell.rawValue), \(layers) layer\(layers == 1 ? "" : "s"), H = \(Limits.grouped(hidden)), D = \(Limits.grouped(input)): \(Limits.grouped(total)) weights and biases; a model is limited to \(Limits.grouped(Limits.parameters)) (2^30)",
                    at: ["model", "hidden"])
    }
}

extension DiagnosticsOptions {
    /// The step counts and lags against `Limits.steps`.
    func validateSizes() throws {
        let p = ["diagnostics"]
        try requireCount(logLags, from: 2, to: Limits.steps, at: p + ["log_lags"])
        switch lags {
        case .every(let n): try requireCount(n, from: 1, to: Limits.steps, at: p + ["lags"])
        case .log(let n): try requireCount(n, from: 2, to: Limits.steps, at: p + ["lags"])
        case .explicit(let list):
            for lag in list { try requireCount(lag, from: 0, to: Limits.steps, at: p + ["lags"]) }
        case .all: break
        }
        for (i, lag) in singularValueLags.enumerated() {
            try requireCount(lag, from: 0, to: Limits.steps, at: p + ["singular_value_lags", String(i)])
        }
        if case .top(let k) = lyapunov { try requireCount(k, from: 1, to: 2 * Limits.width, at: p + ["lyapunov"]) }
        try requireCount(transient, from: 0, to: Limits.steps, at: p + ["transient"])
        if case .every(let m) = reorthonormalize { try requireCount(m, from: 1, to: Limits.steps, at: p + ["reorthonormalize"]) }
        // Each truncation length costs one BPTT of the sequence: at most 100 of them.
        try require(truncation.count <= 100, "lists \(truncation.count) truncation lengths; at most 100", at: p + ["truncation"])
        for (i, k) in truncation.enumerated() { try requireCount(k, from: 1, to: Limits.steps, at: p + ["truncation", String(i)]) }
    }
}

extension TrainSpec {
    /// Every count of the train blocks against `Limits` (minimums are Training's own checks).
    func validateSizes() throws {
        let counts: [(path: [String], value: Int?, limit: Int)] = [
            (["task", "length"], task.length, Limits.steps),
            (["task", "values"], task.values, Limits.width),
            (["task", "positions"], task.positions, Limits.steps),
            (["schedule", "every"], schedule?.every, Limits.iterations),
            (["schedule", "period"], schedule?.period, Limits.iterations),
            (["training", "batch_size"], training?.batchSize, Limits.batch),
            (["training", "eval_batch_size"], training?.evalBatchSize, Limits.batch),
            (["training", "iterations"], training?.iterations, Limits.iterations),
            (["training", "eval_every"], training?.evalEvery, Limits.iterations),
            (["training", "eval_batches"], training?.evalBatches, Limits.iterations),
            (["training", "record_every"], training?.recordEvery, Limits.iterations),
            (["training", "spectral_every"], training?.spectralEvery, Limits.iterations),
            (["training", "snapshot_every"], training?.snapshotEvery, Limits.iterations),
        ]
        for (path, value, limit) in counts {
            guard let value else { continue }
            try require(value <= limit, "must be at most \(Limits.grouped(limit)) (the limit), got \(Limits.grouped(value))", at: path)
        }
    }
}
