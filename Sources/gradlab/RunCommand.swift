import ArgumentParser
import ExperimentPlots
import Sweeps
import Lab
import Foundation
import Recurrent

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

/// `--memory-budget SIZE` of run, slurm, diagnose and trace: a positive `MemoryBudget`.
enum MemoryBudgetOption {
    /// The budget `text` names; a `ValidationError` naming the option unless it is a positive size.
    static func parse(_ text: String) throws -> MemoryBudget {
        guard let budget = try? MemoryBudget(parsing: text), budget.bytes > 0 else {
            throw ValidationError("--memory-budget must be a positive size such as 4G, 512M, 1GiB or 200MB; got '\(text)'.")
        }
        return budget
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
        series.csv, experiment.yaml (as run), manifest.json and plots/. One run at a time owns a run \
        directory (run.lock). Each configuration is committed whole (its row and series in one transaction), \
        so a killed run loses only the configurations in flight or not yet committed; running the identical experiment again into the same directory (or \
        --resume) skips what is stored, and a changed experiment is refused (--fresh starts over in a new \
        directory). Ctrl-C (SIGINT) or SIGTERM stops gracefully: no new configuration starts, those in \
        flight finish, the CSVs are written and the --resume command is printed (exit 130 or 143); a \
        second Ctrl-C exits at once. Before running, each configuration's memory is checked against the \
        machine (or --memory-budget, which also replaces diagnostics.memory_budget: gradient-flow keeps the \
        full trajectory below it and checkpoints above it, with the same numbers), and an estimate above 24 h needs --yes. OpenBLAS runs one thread per \
        call by default (configurations are the parallel unit; --blas-threads changes that). Results are \
        bit-identical for any --jobs at a fixed --blas-threads. Exit code 1 when any configuration failed \
        or went non-finite.
        """
    )

    @OptionGroup var source: ExperimentOptions

    @Option(help: "The run directory (default: runs/<experiment name>).")
    var out: String?

    @Option(help: "Configurations run at once (the default is the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "OpenBLAS threads per BLAS call; 1 suits sweeps (configurations are the parallel unit). Results are bit-identical for any --jobs at a fixed --blas-threads.")
    var blasThreads: Int = 1

    @Flag(help: "Print the grid size, the time and memory estimates and the configurations, then stop.")
    var dryRun = false

    @Flag(help: "Continue the run in --out (it must exist and hold the identical experiment); stored configurations are skipped.")
    var resume = false

    @Flag(help: "Start over in a new directory: --out must be missing or empty; without --out, the first free of runs/<name>, runs/<name>-2, runs/<name>-3, …")
    var fresh = false

    @Option(help: ArgumentHelp("Run only the I-th of N disjoint slices of the grid (1 ≤ I ≤ N), e.g. 2/8; auto/N takes I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (0-based) + 1.", valueName: "I/N"))
    var shard: String?

    @Flag(help: "With --shard: slices balanced by estimated cost (as gradlab slurm's tasks run) instead of round robin.")
    var balanced = false

    @Option(help: "Progress display: auto (a bar on a terminal, periodic lines otherwise), bar, lines, none.")
    var progress: ProgressOption = .auto

    @Option(help: ArgumentHelp("Memory one configuration may use, e.g. 4G, 512M, 2GiB: gradient-flow keeps its full tape below it and checkpoints above it (replacing diagnostics.memory_budget, default 1GiB), and a configuration estimated above it is refused (default: the machine's physical memory).", valueName: "size"))
    var memoryBudget: String?

    @Flag(help: "Run even when the time estimate is above 24 hours (otherwise asked at a terminal, refused elsewhere).")
    var yes = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1; got \(jobs).") }
        guard blasThreads >= 1 else { throw ValidationError("--blas-threads must be at least 1; got \(blasThreads).") }
        if let shard { try ShardOption.check(shard) }
        if resume && fresh { throw ValidationError("--resume continues a run and --fresh starts over; give one of them.") }
        if let memoryBudget { _ = try MemoryBudgetOption.parse(memoryBudget) }
    }

    func run() async throws {
        let experiment = try source.load()
        let outDirectory = try runDirectory(experiment)
        let tapeBudget = try memoryBudget.map(MemoryBudgetOption.parse)
        let executor = ExecutorRegistry.standard(memoryBudget: tapeBudget)
        let shard = try self.shard.map { try ShardOption.resolve($0, balanced: balanced, experiment: experiment, executor: executor) }
        let budget = tapeBudget.map { Double($0.bytes) }

        print("experiment \(experiment.name) (\(experiment.source)): \(experiment.points.count) grid point\(experiment.points.count == 1 ? "" : "s") × \(experiment.replicates) replicate\(experiment.replicates == 1 ? "" : "s") = \(experiment.runCount) configurations")
        if !experiment.grid.sweptPaths.isEmpty { print("swept: \(experiment.grid.sweptPaths.joined(separator: ", "))") }
        let planned = experiment.configurations(shard: shard)
        if let shard { print("shard \(shard): \(planned.count) configurations") }
        if dryRun {
            try RunDirectory.check(experiment.tree, name: experiment.name, into: outDirectory, requireExistingRun: resume, fresh: fresh)
            let stored = try storedRunIDs(outDirectory)
            let pendingRuns = planned.filter { !stored.contains($0.runID) }
            printPlan(experiment, outDirectory, planned: planned.count, pending: pendingRuns, executor: executor, budget: budget)
            try Preflight.checkMemory(pendingRuns, executor: executor, budget: budget)
            for c in pendingRuns where c.replicate == 0 {
                let identity = c.point.identity.isEmpty ? "(no sweep)" : c.point.values.map { "\($0.path)=\($0.text)" }.joined(separator: " ")
                // GRADLAB_COST_FEATURES=1 adds the cost model's work counts (for scripts/calibrate_costs.py).
                let features = ProcessInfo.processInfo.environment["GRADLAB_COST_FEATURES"] == "1"
                    ? "  features \(CostModel.family(c.spec).rawValue) " + CostModel.features(c.spec).map { String($0) }.joined(separator: " ") : ""
                print(String(format: "%5d  ", c.point.index) + identity + "  × \(experiment.replicates)"
                      + "  ≈ \(CostModel.durationText(executor.estimatedSeconds(c.spec))), \(Preflight.bytesText(executor.estimatedBytes(c.spec)))" + features)
            }
            return
        }

        let stop = SignalStop.install(message: "gradlab: stopping — no new configuration starts; waiting for those in flight to finish (Ctrl-C again to abandon them and exit at once; --resume continues)")
        var options = RunOptions(outDirectory: outDirectory, jobs: jobs, blasThreads: blasThreads, shard: shard, requireExistingRun: resume,
                                 fresh: fresh, progress: progress.style, stop: stop, memoryBudget: budget)
        options.commandLine = CommandLine.arguments
        let prepared: PreparedRun<ExperimentSpec>
        do {
            prepared = try Runner.prepare(experiment, executor: executor, options: options)
        } catch {
            flushOutput()
            throw error
        }
        let estimate = printPlan(experiment, outDirectory, planned: planned.count, pending: prepared.pending, executor: executor, budget: budget)
        flushOutput()
        if estimate > Preflight.confirmationSeconds && !yes {
            guard confirmLongRun(estimate) else {
                prepared.abandon()
                throw UserError("the estimated time \(CostModel.durationText(estimate)) is above 24 h; pass --yes to run it anyway, or make the grid smaller (--shard I/N runs a slice)")
            }
        }

        let report = try await Runner.run(prepared, executor: executor, options: options)
        let counts = ConfigurationResult.Status.allCases.map { "\(report.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        if let signal = report.stoppedBy {
            print("stopped after \(ProgressReporter.clock(report.seconds)): \(counts)")
            flushOutput()
            let line = "gradlab: stopped; \(report.storedInShard) of \(report.planned) configurations stored in \(outDirectory.relativePath) (runs.csv, series.csv and manifest.json written). Continue with:\n  \(resumeCommand(outDirectory))\n"
            FileHandle.standardError.write(Data(line.utf8))
            Foundation.exit(signal == SIGTERM ? 143 : 130)
        }
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

    /// --out; else runs/<name>, or with --fresh the first of runs/<name>, runs/<name>-2, … that is missing
    /// or empty. A path that is a file is refused here, in the option's words.
    private func runDirectory(_ experiment: Experiment) throws -> URL {
        if let out {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw UserError("--out \(out): is a file, not a directory")
            }
            return URL(fileURLWithPath: out)
        }
        let base = "runs/\(experiment.name)"
        guard fresh else { return URL(fileURLWithPath: base) }
        for n in 1...10_000 {
            let candidate = URL(fileURLWithPath: n == 1 ? base : "\(base)-\(n)")
            switch try RunDirectory.contents(of: candidate) {
            case .missing, .empty: return candidate
            case .run, .other: continue
            }
        }
        throw UserError("--fresh: runs/\(experiment.name) to runs/\(experiment.name)-10000 are all taken; give --out")
    }

    /// Prints the run directory line and the estimates; returns the total time estimate in seconds.
    @discardableResult
    private func printPlan(_ experiment: Experiment, _ outDirectory: URL, planned: Int, pending: [Configuration<ExperimentSpec>],
                           executor: ExecutorRegistry, budget: Double?) -> Double {
        let workers = min(jobs, max(pending.count, 1))
        print("run directory \(outDirectory.relativePath): \(planned - pending.count) stored, \(pending.count) to run on \(workers) job\(workers == 1 ? "" : "s") × \(blasThreads) BLAS thread\(blasThreads == 1 ? "" : "s")")
        let estimate = Runner.estimatedSeconds(pending, executor: executor, jobs: jobs)
        let peak = pending.map { executor.estimatedBytes($0.spec) }.max() ?? 0
        print("estimated time ≈ \(CostModel.durationText(estimate)) on \(workers) job\(workers == 1 ? "" : "s") (per-mode cost model calibrated on one core; for mode train the whole iteration budget, an upper bound when runs stop once solved; progress shows the measured rate)")
        print("estimated memory ≤ \(Preflight.bytesText(peak)) per configuration (budget \(Preflight.bytesText(budget ?? Preflight.availableMemory))\(budget == nil ? ", the machine's memory" : "")); \(workers) at once ≤ \(Preflight.bytesText(peak * Double(workers)))")
        return estimate
    }

    /// Asks at a terminal whether to run an estimate above 24 h; false when standard input is not a terminal.
    private func confirmLongRun(_ estimate: Double) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else { return false }
        FileHandle.standardError.write(Data("the estimated time is \(CostModel.durationText(estimate)), above 24 h. Run it? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return answer == "y" || answer == "yes"
    }

    /// Run ids already in `directory`, read without writing (none if it holds no run).
    private func storedRunIDs(_ directory: URL) throws -> Set<String> {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("results.sqlite").path) else { return [] }
        return try ResultStore(existing: directory).storedRunIDs()
    }

    /// The command that continues this run: the same arguments with --out set to the run directory,
    /// --fresh dropped and --resume added (shell-quoted where needed).
    private func resumeCommand(_ directory: URL) -> String {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var kept: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--out" { i += 2; continue }
            if a.hasPrefix("--out=") || a == "--fresh" || a == "--resume" || a == "--dry-run" { i += 1; continue }
            kept.append(a)
            i += 1
        }
        arguments = kept + ["--out", directory.relativePath, "--resume"]
        return ([CommandLine.arguments.first ?? "gradlab"] + arguments).map(shellQuoted).joined(separator: " ")
    }

    private func shellQuoted(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !s.isEmpty && s.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func flushOutput() { fflush(nil) } // nil: every output stream, standard output included
}
