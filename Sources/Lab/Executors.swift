import Linalg
import Sweeps

/// The executors of an experiment, by mode: the `SweepExecutor` the runner core calls. The core knows
/// no numerics; `standard` wires Diagnostics and Training (docs/architecture.md), tests register
/// synthetic ones.
public struct ExecutorRegistry: SweepExecutor {
    /// Runs one configuration (see `SweepExecutor.run`).
    public typealias Run = @Sendable (Configuration<ExperimentSpec>, inout RandomStream) throws -> ConfigurationResult

    public struct Entry: Sendable {
        public let run: Run
        /// Rough cost of one configuration in seconds on one core (for the time estimate).
        public let estimatedSeconds: @Sendable (ExperimentSpec) -> Double
        /// Throws `ConfigurationFailure` for a configuration this executor cannot run.
        public let check: @Sendable (ExperimentSpec) throws -> Void
    }

    private var entries: [Mode: Entry] = [:]

    public init() {}

    /// The executors `gradlab run` uses: gradient-flow and lyapunov (Diagnostics), train (Training).
    public static var standard: ExecutorRegistry {
        var registry = ExecutorRegistry()
        DiagnosticsExecutors.register(into: &registry)
        TrainExecutors.register(into: &registry)
        return registry
    }

    /// Registers `run` for `mode`; `estimatedSeconds` defaults to `flopEstimate`, `check` to none.
    public mutating func register(_ mode: Mode,
                                  estimatedSeconds: @escaping @Sendable (ExperimentSpec) -> Double = ExecutorRegistry.flopEstimate,
                                  check: @escaping @Sendable (ExperimentSpec) throws -> Void = { _ in },
                                  run: @escaping Run) {
        entries[mode] = Entry(run: run, estimatedSeconds: estimatedSeconds, check: check)
    }

    public subscript(mode: Mode) -> Entry? { entries[mode] }

    /// The modes with an executor.
    public var modes: [Mode] { Mode.allCases.filter { entries[$0] != nil } }

    public func run(_ configuration: Configuration<ExperimentSpec>, _ random: inout RandomStream) throws -> ConfigurationResult {
        try entry(configuration.spec).run(configuration, &random)
    }

    public func estimatedSeconds(_ spec: ExperimentSpec) -> Double {
        entries[spec.mode]?.estimatedSeconds(spec) ?? 0
    }

    public func check(_ spec: ExperimentSpec) throws {
        try entry(spec).check(spec)
    }

    /// The catalog's summary columns that every `runs` table starts with.
    public var summaryColumns: [(name: String, type: String)] {
        Metric.standardSummaryColumns.map { ($0.name, $0.sqlType ?? "REAL") }
    }

    private func entry(_ spec: ExperimentSpec) throws -> Entry {
        guard let entry = entries[spec.mode] else {
            let available = modes.isEmpty ? "no mode has one" : "available: " + modes.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationFailure("mode '\(spec.mode.rawValue)' has no executor in this build (\(available))")
        }
        return entry
    }

    /// A flop-count estimate at 2 GFLOP/s per core: per step, a state-size³ Jacobian-product gemm plus
    /// a QR (≈ 10/3 n³ flops, n = H or 2H for LSTM), plus the cell's forward pass.
    public static let flopEstimate: @Sendable (ExperimentSpec) -> Double = { spec in
        let n = Double(spec.model.cell == .lstm ? 2 * spec.model.hidden : spec.model.hidden)
        let gates = Double(spec.model.cell.gateCount)
        let perStep = 10.0 / 3.0 * n * n * n + 2 * gates * Double(spec.model.hidden) * (n + Double(spec.model.input))
        return Double(spec.sequence.length) * perStep / 2e9
    }
}

/// An experiment file decoded with the lab's schema.
public typealias Experiment = Sweep<ExperimentSpec>
