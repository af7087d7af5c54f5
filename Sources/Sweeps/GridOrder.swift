import Foundation

/// Where each stored run sits in its experiment's grid: a run id's stem (the run id without its
/// `-r<replicate>` suffix, `GridPoint.runStem`) → the grid point's index.
///
/// A store's rows are in the order configurations *finished*, which changes with `--jobs`, shards and
/// resumes. Readers that show runs in the experiment file's order — `gradlab table` (`RunTable`), a
/// run's charts (module ExperimentPlots) — sort by this order; runs it does not know keep the store's
/// order, after the known ones. It is empty (the store's order throughout) when the run's experiment
/// file is gone or no longer loads.
public struct GridOrder: Sendable {
    /// Run-id stem → grid index (0-based, `GridPoint.index`).
    public let indexByStem: [String: Int]

    public init(indexByStem: [String: Int] = [:]) {
        self.indexByStem = indexByStem
    }

    /// Every grid point of `experiment` (each point is decoded once, as `Sweep.points` does).
    public init<Spec>(_ experiment: Sweep<Spec>) {
        var order: [String: Int] = [:]
        for point in experiment.points { order[point.runStem] = point.index }
        indexByStem = order
    }

    /// The order of the experiment stored with a run, `runDirectory/experiment.yaml`, decoded as `Spec`;
    /// empty when that file is missing or no longer loads (e.g. a file it names was moved).
    public init<Spec: SweepSpec>(runDirectory: URL, spec: Spec.Type) {
        let path = runDirectory.appendingPathComponent("experiment.yaml").path
        self = (try? Sweep<Spec>.load(path: path)).map { GridOrder($0) } ?? GridOrder()
    }

    /// A run id without its replicate suffix (`3f9c0a1b22d4e871-r2` → `3f9c0a1b22d4e871`).
    public static func stem(ofRunID runID: String) -> String {
        guard let r = runID.range(of: "-r", options: .backwards) else { return runID }
        return String(runID[..<r.lowerBound])
    }

    /// The grid index of a stored run; nil for a run id of no grid point of the experiment.
    public func index(ofRun runID: String) -> Int? { indexByStem[Self.stem(ofRunID: runID)] }

    /// `items` in grid order of their runs. Stable: replicates of one grid point, and runs of no known
    /// grid point (placed last), keep their given order.
    public func sorted<T>(_ items: [T], runID: (T) -> String) -> [T] {
        items.enumerated()
            .map { (index(ofRun: runID($0.element)) ?? Int.max, $0.offset, $0.element) }
            .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            .map { $0.2 }
    }
}
