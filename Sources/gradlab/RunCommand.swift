import ArgumentParser
import ExperimentPlots
import Sweeps
import Lab
import Foundation

/// How `gradlab run` shows progress.
enum ProgressOption: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, lines, none
    var style: ProgressReporter.Style? {
        switch self {
        case .auto: return nil
        case .bar: return .bar
        case .lines: return .lines
        case .none: return .silent
        }
    }
}

/// Options shared by `run` and `validate`: the experiment file and its overrides.
struct ExperimentOptions: ParsableArguments {
    @Argument(help: "The experiment file (YAML or JSON).")
    var experiment: String

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Override a key, as Hydra does: --set model.hidden=64, --set 'sweep.model.activation=[tanh, relu]'. A swept key set this way is fixed.", valueName: "path=value"))
    var overrides: [String] = []

    /// Loads the experiment (its errors are located in the file or the `--set` argument).
    func load() throws -> Experiment {
        try Experiment.load(path: experiment, overrides: overrides)
    }
}

/// A one-line error printed as `gradlab: <message>` with exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment: expand its grid, run every configuration in parallel, store the results.",
        discussion: """
        Results go to --out (default runs/<name>): results.sqlite (tables runs and series), runs.csv, \
        series.csv, experiment.yaml (as run), manifest.json and plots/. Each configuration is committed on \
        its own, so a killed run loses only the configurations in flight; running again into the same \
        directory (or --resume) skips what is stored. OpenBLAS runs one thread per call by default \
        (configurations are the parallel unit; --blas-threads changes that). Results are bit-identical for \
        any --jobs at a fixed --blas-threads. Exit code 1 when \
        any configuration failed or went non-finite.
        """
    )

    @OptionGroup var source: ExperimentOptions

    @Option(help: "The run directory (default: runs/<experiment name>).")
    var out: String?

    @Option(help: "Configurations run at once (the default is the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "OpenBLAS threads per BLAS call; 1 suits sweeps (configurations are the parallel unit). Results are bit-identical for any --jobs at a fixed --blas-threads.")
    var blasThreads: Int = 1

    @Flag(help: "Print the grid size, the time estimate and the configurations, then stop.")
    var dryRun = false

    @Flag(help: "Continue the run in --out (it must exist); stored configurations are skipped.")
    var resume = false

    @Option(help: ArgumentHelp("Run only the I-th of N disjoint slices of the grid (1 ≤ I ≤ N), e.g. 2/8; auto/N takes I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (0-based) + 1.", valueName: "I/N"))
    var shard: String?

    @Flag(help: "With --shard: slices balanced by estimated cost (as gradlab slurm's tasks run) instead of round robin.")
    var balanced = false

    @Option(help: "Progress display: auto (a bar on a terminal, periodic lines otherwise), bar, lines, none.")
    var progress: ProgressOption = .auto

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1; got \(jobs).") }
        guard blasThreads >= 1 else { throw ValidationError("--blas-threads must be at least 1; got \(blasThreads).") }
        if let shard { try ShardOption.check(shard) }
    }

    func run() async throws {
        let experiment = try source.load()
        let outDirectory = URL(fileURLWithPath: out ?? "runs/\(experiment.name)")
        let executor = ExecutorRegistry.standard
        let shard = try self.shard.map { try ShardOption.resolve($0, balanced: balanced, experiment: experiment, executor: executor) }
        let stored = try storedRunIDs(outDirectory, experiment)
        let planned = experiment.configurations(shard: shard)
        let pendingRuns = Runner.pending(experiment, shard: shard, stored: stored)

        print("experiment \(experiment.name) (\(experiment.source)): \(experiment.points.count) grid point\(experiment.points.count == 1 ? "" : "s") × \(experiment.replicates) replicate\(experiment.replicates == 1 ? "" : "s") = \(experiment.runCount) configurations")
        if !experiment.grid.sweptPaths.isEmpty { print("swept: \(experiment.grid.sweptPaths.joined(separator: ", "))") }
        if let shard { print("shard \(shard): \(planned.count) configurations") }
        let workers = min(jobs, max(pendingRuns.count, 1))
        print("run directory \(outDirectory.relativePath): \(planned.count - pendingRuns.count) stored, \(pendingRuns.count) to run on \(workers) job\(workers == 1 ? "" : "s") × \(blasThreads) BLAS thread\(blasThreads == 1 ? "" : "s")")
        let estimate = Runner.estimatedSeconds(pendingRuns, executor: executor, jobs: jobs)
        print("estimated time ≈ \(ProgressReporter.clock(estimate)) (flop count per job; for mode train the whole iteration budget, an upper bound when runs stop once solved; progress shows the measured rate)")
        if dryRun {
            for c in pendingRuns where c.replicate == 0 {
                let identity = c.point.identity.isEmpty ? "(no sweep)" : c.point.values.map { "\($0.path)=\($0.text)" }.joined(separator: " ")
                print(String(format: "%5d  ", c.point.index) + identity + "  × \(experiment.replicates)")
            }
            return
        }

        let options = RunOptions(outDirectory: outDirectory, jobs: jobs, blasThreads: blasThreads, shard: shard, requireExistingRun: resume,
                                 progress: progress.style)
        let report = try await Runner.run(experiment, executor: executor, options: options)
        let counts = ConfigurationResult.Status.allCases.map { "\(report.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        print("done in \(ProgressReporter.clock(report.seconds)): \(counts)\(report.skipped > 0 ? " (\(report.skipped) already stored)" : "")")
        print("results: \(outDirectory.relativePath)/results.sqlite, runs.csv, series.csv, manifest.json")
        do {
            let plots = try RunPlots.render(runDirectory: outDirectory, recipe: nil, formats: [.png, .svg]) {
                warn($0)
            }
            if !plots.isEmpty { print("charts: \(outDirectory.relativePath)/plots/ (" + plots.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", ") + ")") }
        } catch {
            // The results are stored; a chart that cannot be drawn must not fail the run.
            warn("plots not drawn: \(error)")
        }
        if !report.allOK {
            let bad = report.storedCounts.filter { $0.key != "ok" }.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
            throw UserError("\(bad) configuration(s) in \(outDirectory.relativePath); see the status and reason columns of runs.csv")
        }
    }

    /// Run ids already in `directory` (none if it holds no run).
    private func storedRunIDs(_ directory: URL, _ experiment: Experiment) throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("results.sqlite").path) else { return [] }
        return try ResultStore(directory: directory, sweptPaths: experiment.grid.sweptPaths,
                               fingerprint: experiment.fingerprint).storedRunIDs()
    }
}
