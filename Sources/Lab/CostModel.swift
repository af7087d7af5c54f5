import Foundation
import Sweeps

/// Time and memory estimates of one configuration, by mode, for `gradlab run`'s preflight and
/// `--dry-run` (docs/experiments.md, "Preflight").
///
/// Time: `fixed + blasFlops / blasRate + scalarWork / scalarRate` seconds on one core, where
/// `blasFlops` counts the BLAS/LAPACK work of the mode's algorithm (gemm, gemv, QR, SVD: e.g. a
/// Lyapunov step with k exponents of an S-dimensional state costs 2·S²·k for J·Q, not a full S³ QR)
/// and `scalarWork` the element-wise work done in Swift loops (Jacobian assembly, activations:
/// ∝ S² or G·H per step). The three constants are calibrated on the development machine (2 cores,
/// OpenBLAS, one thread per call) for the build configuration that runs (`#if DEBUG`: a debug build's
/// Swift loops are several times slower); the test `CostModelTests` checks every mode on small runs
/// to within a factor 2.
///
/// Memory: the arrays a configuration holds at its peak, 8 bytes per Float64 — trajectories (T + 1)
/// × S, Jacobian and product workspaces S × S, the training tape (batch × T × (G·H + H) per layer),
/// weights and optimizer state (3 × parameters).
public enum CostModel {
    struct Rates {
        var fixed: Double
        var blasRate: Double
        var scalarRate: Double
    }

    #if DEBUG
    static let rates = Rates(fixed: 2e-3, blasRate: 2e9, scalarRate: 2e8)
    #else
    static let rates = Rates(fixed: 1e-3, blasRate: 2e9, scalarRate: 1e9)
    #endif

    /// Work of one configuration: BLAS flops and scalar element operations.
    struct Work {
        var blas: Double = 0
        var scalar: Double = 0
        static func + (a: Work, b: Work) -> Work { Work(blas: a.blas + b.blas, scalar: a.scalar + b.scalar) }
        static func * (n: Double, w: Work) -> Work { Work(blas: n * w.blas, scalar: n * w.scalar) }
    }

    /// Estimated seconds of one configuration on one core.
    public static func seconds(_ spec: ExperimentSpec) -> Double {
        let w = work(spec)
        return rates.fixed + w.blas / rates.blasRate + w.scalar / rates.scalarRate
    }

    /// Sizes of a configuration: H, D, gates G, state size S (2H for LSTM), layers, directions.
    struct Sizes {
        let h: Double, d: Double, g: Double, s: Double, layers: Double, directions: Double
        init(_ spec: ExperimentSpec) {
            h = Double(spec.model.hidden)
            d = Double(spec.model.input)
            g = Double(spec.model.cell.gateCount)
            s = spec.model.cell == .lstm ? 2 * h : h
            layers = Double(spec.model.layers)
            directions = spec.model.bidirectional ? 2 : 1
        }
        /// One cell step: the gate pre-activations G·H × (H + D) as gemv (2 flops per multiply-add),
        /// and element-wise work ∝ G·H.
        var cellStep: Work { Work(blas: 2 * g * h * (h + d), scalar: 10 * g * h) }
        /// One S × S Jacobian assembled in Swift loops (∝ G·H·S element operations).
        var jacobian: Work { Work(blas: 0, scalar: g * h * s) }
    }

    static func work(_ spec: ExperimentSpec) -> Work {
        let z = Sizes(spec)
        let t = Double(spec.sequence.length)
        switch spec.mode {
        case .lyapunov:
            return lyapunovWork(spec, z, steps: t)
        case .gradientFlow:
            if spec.model.layers > 1 || spec.model.bidirectional { return stackedWork(spec, z, steps: t) }
            return gradientFlowWork(spec, z, steps: t)
        case .train:
            return trainWork(spec, z)
        }
    }

    /// Benettin's method with k exponents: per step a cell step, a Jacobian, Y = J·Q (2·S²·k), and
    /// every `reorthonormalize` steps a QR of S × k (≈ 4·S·k²), over transient + steps.
    static func lyapunovWork(_ spec: ExperimentSpec, _ z: Sizes, steps t: Double) -> Work {
        let k: Double = switch spec.diagnostics.lyapunov { case .all: z.s; case .top(let n): min(Double(n), z.s) }
        let m = Double(max(spec.diagnostics.reorthonormalize, 1))
        let total = t + Double(max(spec.diagnostics.transient, 0))
        let perStep = z.cellStep + z.jacobian + Work(blas: 2 * z.s * z.s * k + 4 * z.s * k * k / m, scalar: z.s * k)
        return total * perStep
    }

    /// One unrolled sequence: the trajectory (T cell steps), then backwards per step a Jacobian, the
    /// adjoint's gemv (2·S²) and, for jacobian_norm, the product's gemm (2·S³) with the largest
    /// singular value (≈ 10·S³) at each reported lag; the singular spectrum (a QR, ≈ 4·S³, per step up
    /// to the last requested lag), the Lyapunov spectrum and the contributions (≈ 2·H·S per step) when
    /// measured.
    static func gradientFlowWork(_ spec: ExperimentSpec, _ z: Sizes, steps t: Double) -> Work {
        var w = t * (z.cellStep + z.jacobian + Work(blas: 2 * z.s * z.s, scalar: z.s))
        if spec.measure.contains(.jacobianNorm) {
            let lags = Double(spec.diagnostics.lags.lags(upTo: spec.sequence.length).count)
            w = w + Work(blas: t * 2 * z.s * z.s * z.s + lags * 10 * z.s * z.s * z.s, scalar: t * z.s * z.s)
        }
        if spec.measure.contains(.singularValues) {
            let last = Double(spec.diagnostics.singularValueLags.filter { $0 <= spec.sequence.length }.max() ?? 0)
            w = w + Work(blas: last * 6 * z.s * z.s * z.s, scalar: 0)
        }
        if spec.measure.contains(.lyapunov) { w = w + lyapunovWork(spec, z, steps: t) }
        if spec.measure.contains(.contributions) { w = w + Work(blas: t * 2 * z.h * z.s, scalar: t * z.h * z.s) }
        return w
    }

    /// A stacked or bidirectional model: every layer and direction unrolls and goes back like a
    /// single layer of state H (input 2H or H above the first layer), plus the depth products.
    static func stackedWork(_ spec: ExperimentSpec, _ z: Sizes, steps t: Double) -> Work {
        let units = z.layers * z.directions
        var single = t * (z.cellStep + z.jacobian + Work(blas: 4 * z.s * z.s, scalar: 2 * z.s))
        if spec.measure.contains(.jacobianNorm) {
            let lags = Double(spec.diagnostics.lags.lags(upTo: spec.sequence.length).count)
            single = single + Work(blas: t * 2 * z.s * z.s * z.s + lags * 10 * z.s * z.s * z.s, scalar: t * z.s * z.s)
        }
        if spec.measure.contains(.contributions) { single = single + Work(blas: t * 2 * z.h * z.s, scalar: t * z.h * z.s) }
        let depth = Work(blas: 2 * z.layers * (2 * z.s * z.s * z.s + 10 * z.s * z.s * z.s), scalar: 0)
        return units * single + depth
    }

    /// BPTT for every training sequence (forward and backward ≈ 3 cell steps per step) and the
    /// evaluation sequences (forward only).
    static func trainWork(_ spec: ExperimentSpec, _ z: Sizes) -> Work {
        guard let train = spec.train, let c = try? train.configuration() else { return Work() }
        let t = Double(c.task.nominalLength)
        let perSequence = z.layers * z.directions * t * z.cellStep
        let training = Double(c.iterations) * Double(c.batchSize) * 3 * perSequence
        let evaluations = Double(c.iterations / max(c.evaluationInterval, 1) + 2) * Double(c.evaluationBatches * c.evaluationBatchSize)
        return training + evaluations * perSequence
    }

    /// Peak bytes of one configuration (8 per Float64; see the type's documentation).
    public static func bytes(_ spec: ExperimentSpec) -> Double {
        let z = Sizes(spec)
        let t = Double(spec.sequence.length)
        let parameters = z.layers * z.directions * z.g * z.h * (z.h + z.d + 2)
        let units = z.layers * z.directions
        var floats: Double
        switch spec.mode {
        case .lyapunov:
            floats = 3 * z.s * z.s + 4 * z.s
        case .gradientFlow:
            // Trajectory (T + 1) × S per unit, the Jacobian, the product and its copy, SVD workspace.
            floats = units * (t + 1) * (z.s + z.d) + 5 * z.s * z.s
            if spec.measure.contains(.singularValues) { floats += 3 * z.s * z.s }
        case .train:
            let c = spec.train.flatMap { try? $0.configuration() }
            let batch = Double(c?.batchSize ?? 1)
            let length = Double(c?.task.nominalLength ?? spec.sequence.length)
            // The tape: per step and sequence, the gates and the state, per layer and direction.
            floats = batch * (length + 1) * units * (z.g * z.h + 2 * z.h + z.d) + 3 * parameters
        }
        return 8 * (floats + parameters) + 16e6 // + the process's own working set
    }

    /// `1.2 s`, `4 min 12 s`, `3 h 05 min`, `2 d 4 h`.
    public static func durationText(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "unknown" }
        if seconds < 60 { return seconds < 10 ? String(format: "%.1f s", seconds) : String(format: "%.0f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86400 { return String(format: "%d h %02d min", s / 3600, s / 60 % 60) }
        return "\(s / 86400) d \(s / 3600 % 24) h"
    }
}
