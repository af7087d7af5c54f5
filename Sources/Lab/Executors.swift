import Linalg
import Recurrent
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
        /// Peak memory of one configuration in bytes (for the preflight check).
        public let estimatedBytes: @Sendable (ExperimentSpec) -> Double
        /// Throws `ConfigurationFailure` for a configuration this executor cannot run.
        public let check: @Sendable (ExperimentSpec) throws -> Void
    }

    private var entries: [Mode: Entry] = [:]

    public init() {}

    /// The executors `gradlab run` uses: gradient-flow, lyapunov and fixed-points (Diagnostics), train (Training).
    public static var standard: ExecutorRegistry { standard(memoryBudget: nil) }

    /// The standard executors, with `memoryBudget` (`gradlab run --memory-budget`) replacing every
    /// gradient-flow configuration's `diagnostics.memory_budget` when given.
    public static func standard(memoryBudget: MemoryBudget?) -> ExecutorRegistry {
        var registry = ExecutorRegistry()
        DiagnosticsExecutors.register(into: &registry, memoryBudget: memoryBudget)
        TrainExecutors.register(into: &registry)
        FixedPointsExecutor.register(into: &registry)
        return registry
    }

    /// Registers `run` for `mode`; the estimates default to `CostModel`'s, `check` to none.
    public mutating func register(_ mode: Mode,
                                  estimatedSeconds: @escaping @Sendable (ExperimentSpec) -> Double = CostModel.seconds,
                                  estimatedBytes: @escaping @Sendable (ExperimentSpec) -> Double = CostModel.bytes,
                                  check: @escaping @Sendable (ExperimentSpec) throws -> Void = { _ in },
                                  run: @escaping Run) {
        entries[mode] = Entry(run: run, estimatedSeconds: estimatedSeconds, estimatedBytes: estimatedBytes, check: check)
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

    public func estimatedBytes(_ spec: ExperimentSpec) -> Double {
        entries[spec.mode]?.estimatedBytes(spec) ?? 0
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
}

/// An experiment file decoded with the lab's schema.
public typealias Experiment = Sweep<ExperimentSpec>
