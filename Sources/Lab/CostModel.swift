import Diagnostics
import Foundation
import Recurrent
import Sweeps

/// Time and memory estimates of one configuration, by mode, for `gradlab run`'s preflight and
/// `--dry-run` (docs/experiments.md, "Preflight").
///
/// Time: a linear model in the work counts of the mode's algorithm, `seconds = Σ cᵢ·fᵢ(spec)`, with
/// `features` (T steps, H hidden — an LRU's N complex units —, G gates, S state size = 2H for LSTM and
/// 2N for an LRU, k Lyapunov exponents; `ModelSizes.swift`):
/// - gradient-flow (single layer): 1, T·G·H (element-wise), T·G·H·S (Jacobian assembly, gemv),
///   T·S³ (the product's gemm), lags·S³ (its largest singular value at each reported lag) — the
///   singular spectrum, Lyapunov and contributions extras add to these counts;
/// - gradient-flow (stacked/bidirectional): the same per layer and direction with S = state of one unit;
///   an LRU adds its input and read-out products 2·D_ℓ·S per unit and step (D_ℓ = dirs^ℓ·D doubles per
///   layer of a bidirectional stack, `inputWidths`);
/// - lyapunov: 1, N·G·H, N·G·H·S, N·S²·k (Y = J·Q), N·S·k² (QR), N = transient + steps — a top-2
///   spectrum of S = 512 is ≈ 2·S²·2 per step, not a full S³ QR;
/// - train: 1, trained sequence-steps × H and × H², evaluated sequence-steps × H and × H² — for the
///   whole iteration budget.
/// Each count has its own coefficient per cell family (`features`).
/// The coefficients are fit on this machine (2 cores, OpenBLAS, one thread per call) by
/// `scripts/calibrate_costs.py` for each build configuration (`#if DEBUG`: a debug build's Swift loops
/// are several times slower) and checked by `CostModelTests` on small runs of every mode (within a
/// factor 2).
///
/// Memory: the arrays a configuration holds at its peak, 8 bytes per Float64 — trajectories (T + 1)
/// × S and the layers' input (and LRU read-out) sequences of width D_ℓ, Jacobian and product workspaces
/// S × S, the training and evaluation tapes (`tapeWidth`, and a stack's `stackedTapeWidth`), weights
/// (`parameterCount`; an LRU's dense W_hh too) and optimizer state (3 × parameters).
public enum CostModel {
    /// Fitted seconds per unit of each feature, by mode family.
    struct Coefficients {
        var gradientFlow: [Double]
        var stacked: [Double]
        var lyapunov: [Double]
        var train: [Double]
    }

    // Fitted by scripts/calibrate_costs.py: [fixed, rnn × 4 counts, gru × 4, lstm × 4].
    #if DEBUG
    // Debug build, CPU seconds, fitted by scripts/calibrate_costs.py (scripts/calibration/debug.txt) on the
    // 2-core Zen 3 machine after the C tanh kernel and the one-pass CholeskyQR: measured/estimated
    // gradient-flow 0.72–2.77 (the worst the extras at H = 16), lyapunov 0.79–1.24, stacked 0.81–1.47,
    // train 0.87–1.18. Thread CPU time on this VM moves by up to 2× with the host's load (the same
    // configurations measured 1.4–1.9× apart an hour apart), which CostModelTests allows for.
    static let coefficients = Coefficients(
        gradientFlow: [0.00191, 6.17e-07, 1.42e-08, 0, 7.11e-10, 1.53e-07, 1.29e-08, 1.34e-10, 1.23e-10, 2.05e-07, 1.04e-08, 3.98e-11, 2.11e-10],
        stacked: [0.00136, 2.28e-06, 0, 1.55e-10, 0, 8.31e-07, 0, 5.18e-10, 0, 9.99e-07, 0, 2.23e-10, 0],
        lyapunov: [0.009, 1.58e-07, 1.56e-08, 0, 2.87e-10, 0, 1.01e-08, 0, 0, 0, 6.5e-09, 0, 0],
        train: [0, 2.79e-07, 8.34e-09, 2.39e-07, 2.33e-09, 2.67e-07, 3.75e-08, 3.87e-07, 1.1e-08, 2.92e-07, 4.85e-08, 4.87e-07, 1.86e-08])
    #else
    // Release build, CPU seconds; the fit's measured/estimated ratios: gradient-flow 0.74–2.43 (the
    // worst a 0.01 s configuration), stacked 0.77–1.50, lyapunov 0.78–1.77, train 0.84–1.41.
    static let coefficients = Coefficients(
        gradientFlow: [0.000923, 1.04e-07, 1.44e-08, 0, 3.68e-10, 6.02e-08, 4.98e-09, 0, 3.35e-10, 6.87e-08, 6.95e-09, 2.28e-11, 2.13e-10],
        stacked: [0.00188, 4.25e-07, 0, 2.93e-10, 0, 2.22e-07, 0, 3.98e-10, 0, 3.32e-07, 0, 1.9e-10, 0],
        lyapunov: [0.00215, 0, 4.21e-09, 0, 5.9e-10, 0, 2.17e-09, 0, 0, 0, 1.73e-09, 0, 0],
        train: [0.00587, 5.74e-08, 0, 2.7e-08, 0, 8.83e-08, 1.19e-09, 7.95e-08, 0, 2.31e-07, 0, 1.42e-07, 0])
    #endif

    /// Which coefficient set a configuration uses.
    public enum Family: String, Sendable { case gradientFlow = "gradient-flow", stacked, lyapunov, train, fixedPoints = "fixed-points" }

    public static func family(_ spec: ExperimentSpec) -> Family {
        switch spec.mode {
        case .lyapunov: return .lyapunov
        case .train: return .train
        case .fixedPoints: return .fixedPoints
        case .gradientFlow: return spec.model.layers > 1 || spec.model.bidirectional ? .stacked : .gradientFlow
        }
    }

    /// Estimated seconds of one configuration on one core.
    public static func seconds(_ spec: ExperimentSpec) -> Double {
        if spec.mode == .fixedPoints { return fixedPointSeconds(spec) }
        let c: [Double] = switch family(spec) {
        case .gradientFlow: coefficients.gradientFlow
        case .stacked: coefficients.stacked
        case .lyapunov: coefficients.lyapunov
        case .train: coefficients.train
        case .fixedPoints: []
        }
        return contentionCorrection * zip(c, features(spec)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The coefficients were fitted at load average 10–14, where a configuration's CPU seconds stretch
    /// (cache and memory-bandwidth contention between processes). On the same machine lightly loaded
    /// (one test suite running), `CostModelTests` measured/estimated 0.49–0.93 over its 12 configurations
    /// (geometric mean 0.66), so the fitted values are scaled by 0.7 to centre the estimate where CI and
    /// most users run.
    static let contentionCorrection = 0.7

    /// The work counts of one configuration, in the order of its family's coefficients: the fixed
    /// term 1, then each count once per cell family (rnn, gru, lstm; zero for the other two), so every
    /// cell gets its own fitted cost per unit (a vanilla cell's element-wise work is not 1/4 of an
    /// LSTM's).
    public static func features(_ spec: ExperimentSpec) -> [Double] {
        let counts = workCounts(spec)
        let cells: [CellFamily] = [.rnn, .gru, .lstm]
        // An IndRNN is priced as an Elman cell (the same work, minus the dense recurrent product), an
        // LN-RNN too (the same products, plus O(H) normalisation work per step), and an LRU as an Elman
        // cell of N units whose state is 2N wide (`workCounts`; debug runs measured 0.25–0.53 of that estimate).
        let own: CellFamily = [.indrnn, .lnrnn, .lru].contains(spec.model.cell) ? .rnn : spec.model.cell
        return [1] + cells.flatMap { cell in counts.map { cell == own ? $0 : 0 } }
    }

    /// The work counts of the type's documentation, without the fixed term.
    static func workCounts(_ spec: ExperimentSpec) -> [Double] {
        // An LRU: H = N complex units (its recurrence is element-wise), S = 2N (its Jacobians are dense).
        let h = Double(spec.model.hidden)
        let g = Double(spec.model.cell.gateCount)
        let s = Double(stateSize(spec.model))
        // An LRU unit's products with its input and its read-out, B, C′ (2N × D_ℓ and D_ℓ × 2N) per step:
        // D_ℓ doubles per layer in a bidirectional stack (`inputWidths`), so they can outgrow the state's.
        let readoutWork = spec.model.cell == .lru ? inputWidths(spec.model).reduce(0) { $0 + 2 * $1 * s } * (spec.model.bidirectional ? 2 : 1) : 0
        let t = Double(spec.sequence.length)
        let lags = Double(spec.diagnostics.lags.lags(upTo: spec.sequence.length).count)
        func k(_ state: Double) -> Double {
            switch spec.diagnostics.lyapunov { case .all: return state; case .top(let n): return min(Double(n), state) }
        }
        let lyapunovSteps = t + Double(max(spec.diagnostics.transient, 0))
        switch family(spec) {
        case .lyapunov:
            let m = Double(qrInterval(spec.diagnostics.reorthonormalize))
            return [lyapunovSteps * g * h, lyapunovSteps * g * h * s, lyapunovSteps * s * s * k(s), lyapunovSteps * s * k(s) * k(s) / m]
        case .gradientFlow:
            var f = [t * g * h, t * (g * h * s + readoutWork), 0, 0]
            if spec.measure.contains(.jacobianNorm) {
                f[2] += t * s * s * s
                f[3] += lags * s * s * s
            }
            if spec.measure.contains(.singularValues) {
                let last = Double(spec.diagnostics.singularValueLags.filter { $0 <= spec.sequence.length }.max() ?? 0)
                f[3] += 3 * last * s * s * s
            }
            if spec.measure.contains(.lyapunov) {
                // Benettin's pass: a cell step and a Jacobian (which recomputes the step) per step.
                f[0] += 2 * lyapunovSteps * g * h
                f[1] += lyapunovSteps * (g * h * s + 2 * s * k(s))
            }
            if spec.measure.contains(.contributions) { f[1] += t * h * s }
            return f
        case .stacked:
            let units = Double(spec.model.layers) * (spec.model.bidirectional ? 2 : 1)
            var f = [units * t * g * h, units * t * (g * h * s) + t * readoutWork, 0, 0]
            if spec.measure.contains(.jacobianNorm) {
                f[2] += units * t * s * s * s
                f[3] += units * lags * s * s * s
            }
            if spec.measure.contains(.contributions) { f[1] += units * t * h * s }
            return f
        case .fixedPoints:
            return [0, 0, 0, 0]
        case .train:
            guard let train = spec.train, let c = try? train.configuration() else { return [0, 0, 0, 0] }
            let units = Double(spec.model.layers) * (spec.model.bidirectional ? 2 : 1)
            let length = Double(c.task.nominalLength)
            let trained = Double(c.iterations) * Double(c.batchSize) * length * units
            let evaluations = Double(c.iterations / max(c.evaluationInterval, 1) + 2)
            let evaluated = evaluations * Double(c.evaluationBatches * c.evaluationBatchSize) * length * units
            // Per sequence-step and unit: H and H² (an LRU: its element-wise recurrence and the read-out
            // products of its widths, averaged over units).
            let perUnit = spec.model.cell == .lru ? readoutWork / units : h * h
            return [trained * h, trained * perUnit, evaluated * h, evaluated * perUnit]
        }
    }

    /// The steps per QR the estimate assumes: m for `every m`; 1 for `auto`, whose block lengths (1 … 16)
    /// depend on the spectrum the run measures (long blocks only while λ_1 − λ_K is small): a QR every step
    /// is what it does at worst without refused blocks, and a refused block (redone one step at a time)
    /// costs at most about twice its steps, so `auto` is never estimated far below what it runs.
    static func qrInterval(_ interval: ReorthonormalizationInterval) -> Int {
        switch interval {
        case .every(let m): return max(m, 1)
        case .automatic: return 1
        }
    }

    /// Peak bytes of one configuration (8 per Float64; see the type's documentation).
    public static func bytes(_ spec: ExperimentSpec) -> Double { bytes(spec, memoryBudget: nil) }

    /// Peak bytes with the gradient-flow trajectory kept as `memoryBudget` (default the spec's
    /// `diagnostics.memory_budget`) chooses: full, or checkpoints and one segment (`Trajectory.strategy`).
    public static func bytes(_ spec: ExperimentSpec, memoryBudget: MemoryBudget?) -> Double {
        let d = Double(spec.model.input)
        let s = Double(stateSize(spec.model))
        let t = Double(spec.sequence.length)
        let dirs = Double(spec.model.bidirectional ? 2 : 1)
        let units = Double(spec.model.layers) * dirs
        let widths = inputWidths(spec.model)
        // The parameters, and an LRU cell's dense real-form W_hh (2N × 2N) per layer and direction.
        let parameters = parameterCount(spec.model) + (spec.model.cell == .lru ? units * s * s : 0)
        // Per step and sequence, what every layer's input and output sequences hold beyond the states:
        // Σ_ℓ dirs·D_ℓ inputs, and an LRU layer's read-outs y (dirs·D_ℓ) besides its states.
        let sequenceWidth = dirs * widths.reduce(0, +) * (spec.model.cell == .lru ? 2 : 1)
        var floats: Double
        switch spec.mode {
        case .lyapunov:
            floats = 3 * s * s + 4 * s
        case .gradientFlow:
            // Trajectory (T + 1) × S per unit and its inputs (and read-outs), the Jacobian, the product and
            // its copy, SVD workspace.
            floats = (t + 1) * (units * s + sequenceWidth) + 5 * s * s
            if units == 1 {
                // The inputs T × D, and the states as the budget keeps them (a full stacked tape is kept).
                let steps = spec.sequence.length, state = Int(s)
                let strategy = Trajectory.strategy(steps: steps, stateSize: state, budget: memoryBudget ?? spec.diagnostics.memoryBudget)
                floats = t * d + Trajectory.stateBytes(steps: steps, stateSize: state, strategy: strategy) / 8 + 5 * s * s
            }
            if spec.measure.contains(.singularValues) { floats += 3 * s * s }
        case .train:
            let c = spec.train.flatMap { try? $0.configuration() }
            let batch = c?.batchSize ?? 1, heldOut = c?.evaluationBatchSize ?? 100
            let length = Double(c?.task.nominalLength ?? spec.sequence.length)
            // The tapes held at the peak: the training batch's and one evaluation chunk's (as many
            // sequences as the training batch on a workspace, `TrainingBuffers.evaluationChunk`; 32
            // at most otherwise, `evaluationChunk`), each (T + 1) steps × units × a width per cell
            // family measured on release-build peaks (T = 400, B = 20, held-out batches of 100).
            let workspace = units == 1 && [CellFamily.rnn, .indrnn, .lstm, .gru].contains(spec.model.cell)
            let evaluated = workspace ? min(heldOut, batch) : min(heldOut, 32)
            // A stack's sequences between layers (`StackedTape`) are beyond one unit's tape: for an LRU
            // they double per layer of a bidirectional stack.
            let stacked = units > 1 ? stackedTapeWidth(spec.model) : 0
            floats = Double(batch + evaluated) * (length + 1) * (units * Self.tapeWidth(spec.model.cell) * Double(spec.model.hidden) + stacked)
                + 3 * parameters
        case .fixedPoints:
            // The start pool, the starts, and per iteration the Jacobian, A = J − I and its SVD (U, Vᵀ).
            let f = spec.fixedPoints ?? FixedPointsSpec()
            floats = Double(f.trajectories * f.trajectorySteps + f.initialStates) * s + 6 * s * s
        }
        return 8 * (floats + parameters) + 16e6 // + the process's own working set
    }

    /// Float64 values per step, sequence and hidden unit (H; the LRU's N complex units) that training
    /// holds, measured as (peak RSS − 45 MB) / ((B + evaluation chunk)·(T + 1)·8·H) on release builds
    /// (2026-12-03; T = 400, B = 20): RNN 7.5 (H = 900), IndRNN 7.2 (H = 900), LSTM 16.7 (H = 300),
    /// GRU 15.7 (H = 400), LN-RNN 8.8 (H = 400), LRU 10.4 (N = 200); rounded up.
    static func tapeWidth(_ family: CellFamily) -> Double {
        switch family {
        case .rnn, .indrnn: 8
        case .lstm: 17
        case .gru: 16
        case .lnrnn: 9
        case .lru: 11
        }
    }

    /// `mode: fixed-points`, not fitted: per start about 20 Levenberg–Marquardt iterations of one SVD
    /// (≈ 22·S³ flops) and one Jacobian (G·H·S), plus the pool's trajectories' steps (G·H·(H + D)), at
    /// an assumed 10⁹ flops per second (a debug build on a loaded core is slower; the estimate is a floor).
    static func fixedPointSeconds(_ spec: ExperimentSpec) -> Double {
        let f = spec.fixedPoints ?? FixedPointsSpec()
        let h = Double(spec.model.hidden), d = Double(spec.model.input), g = Double(spec.model.cell.gateCount)
        let s = Double(stateSize(spec.model))
        let search = Double(f.initialStates) * 20 * (22 * s * s * s + 2 * g * h * s)
        let pool = Double(f.trajectories * f.trajectorySteps) * 2 * g * h * (h + d)
        return 0.005 + (search + pool) * 1e-9
    }

    /// `1.2 s`, `4 min 12 s`, `3 h 05 min`, `2 d 4 h`.
    public static func durationText(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "unknown" }
        if seconds < 60 { return seconds < 10 ? String(format: "%.3g s", seconds) : String(format: "%.0f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86400 { return String(format: "%d h %02d min", s / 3600, s / 60 % 60) }
        return "\(s / 86400) d \(s / 3600 % 24) h"
    }
}
