import Foundation
import Linalg

/// A value of the `runs` table: summary metrics and swept values.
public enum StoredValue: Sendable, Equatable, CustomStringConvertible,
    ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case number(Double)
    case integer(Int64)
    case text(String)

    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(stringLiteral value: String) { self = .text(value) }

    public var description: String {
        switch self {
        case let .number(d): return String(d)
        case let .integer(i): return String(i)
        case let .text(s): return s
        }
    }

    /// The value as a Double, if numeric.
    public var number: Double? {
        switch self {
        case let .number(d): return d
        case let .integer(i): return Double(i)
        case .text: return nil
        }
    }
}

/// One point of a long-format series: `metric` at `step` (a time step, a lag or an index, per metric),
/// `component` numbering several values at one step (singular values: 0 = largest), 0 otherwise.
public struct SeriesPoint: Sendable, Equatable {
    public var metric: String
    public var step: Int
    public var component: Int
    public var value: Double
    /// The layer ℓ of a stacked model (0 for single-layer models).
    public var layer: Int
    /// `forward`, or `reverse` for the backward direction of a bidirectional layer.
    public var direction: String

    public init(_ metric: String, step: Int, component: Int = 0, value: Double, layer: Int = 0, direction: String = "forward") {
        self.metric = metric
        self.step = step
        self.component = component
        self.value = value
        self.layer = layer
        self.direction = direction
    }
}

/// What an executor returns for one configuration and replicate.
public struct ConfigurationResult: Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case ok, failed, nonfinite
    }

    public var status: Status
    /// Why it failed or went non-finite (nil when ok).
    public var reason: String?
    /// The time step (or lag) at which it went wrong, if known.
    public var failedStep: Int?
    /// Summary metrics, one column each in `runs`: `spectral_radius`, `sigma_max`,
    /// `slope_log10_per_step`, `label`, `horizon`, `lambda_max`, … (unknown keys get new columns).
    public var summary: [String: StoredValue]
    /// Long-format series: `grad_norm_log10` by step, `jacobian_norm_log10` by lag, `singular_value`
    /// by lag and component, `lyapunov` by index, `contribution_log10` by step.
    public var series: [SeriesPoint]
    /// Files the runner writes into the run directory (atomically) with the result, by path relative
    /// to it: e.g. a trained model as `models/<run id>.safetensors`.
    public var files: [String: Data] = [:]

    public init(status: Status = .ok, reason: String? = nil, failedStep: Int? = nil,
                summary: [String: StoredValue] = [:], series: [SeriesPoint] = [], files: [String: Data] = [:]) {
        self.status = status
        self.reason = reason
        self.failedStep = failedStep
        self.summary = summary
        self.series = series
        self.files = files
    }

    /// A failed configuration.
    public static func failed(_ reason: String, step: Int? = nil) -> ConfigurationResult {
        ConfigurationResult(status: .failed, reason: reason, failedStep: step)
    }

    /// This result, marked `nonfinite` if it claims `ok` but holds a NaN (or an infinite summary
    /// number): the first such series point names the step.
    func checkedForNonFinite() -> ConfigurationResult {
        guard status == .ok else { return self }
        var r = self
        if let bad = series.first(where: { $0.value.isNaN }) {
            r.status = .nonfinite
            r.reason = "\(bad.metric) is NaN at step \(bad.step)"
            r.failedStep = bad.step
        } else if let (key, _) = summary.sorted(by: { $0.key < $1.key }).first(where: { !($0.value.number?.isFinite ?? true) }) {
            r.status = .nonfinite
            r.reason = "summary \(key) is not finite"
        }
        return r
    }
}

/// Thrown by an executor to fail a configuration at a known step; the sweep goes on.
public struct ConfigurationFailure: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public let step: Int?
    public init(_ reason: String, step: Int? = nil) {
        self.reason = reason
        self.step = step
    }
    public var description: String { reason }
}

/// Runs the configurations of a sweep. The runner core knows no numerics: module Lab provides the
/// executors of `gradlab` (by mode), tests provide synthetic ones.
///
/// `run` reads `configuration.spec`, draws only from `random` (seeded from the experiment seed, the
/// configuration identity and the replicate) and returns its measurements. It is called concurrently
/// from several tasks and must not touch shared mutable state.
public protocol SweepExecutor<Spec>: Sendable {
    associatedtype Spec: SweepSpec
    func run(_ configuration: Configuration<Spec>, _ random: inout RandomStream) throws -> ConfigurationResult
    /// Rough cost of one configuration in seconds on one core (for the time estimate).
    func estimatedSeconds(_ spec: Spec) -> Double
    /// Peak memory of one configuration in bytes (tapes, workspaces), for the preflight check
    /// (`Preflight.checkMemory`); 0 when unknown (the default).
    func estimatedBytes(_ spec: Spec) -> Double
    /// Throws `ConfigurationFailure` for a configuration this executor cannot run (checked for every
    /// grid point before anything runs).
    func check(_ spec: Spec) throws
    /// Summary columns every `runs` table of this executor's sweeps has, in order, with their SQL
    /// types (`REAL`, `INTEGER`, `TEXT`); other summary keys get a column when first reported.
    var summaryColumns: [(name: String, type: String)] { get }
}

extension SweepExecutor {
    public func estimatedBytes(_ spec: Spec) -> Double { 0 }
}
