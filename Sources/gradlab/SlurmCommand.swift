import ArgumentParser
import Foundation
import Lab
import Sweeps

/// `gradlab slurm`: writes a Slurm array job whose task i runs shard i of a cost-balanced plan into
/// its own store, and optionally submits it.
struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write (and with --submit, submit) a Slurm job array running an experiment in N cost-balanced shards.",
        discussion: """
        Writes DIR/slurm/submit.sbatch (an array job --array=0-(N−1)[%K]; task i runs \
        'gradlab run DIR/slurm/experiment.yaml --shard auto/N --balanced --out DIR/shards/i --yes' (and \
        --memory-budget SIZE when given), with --resume when its store exists, so a requeued or resubmitted \
        task continues its own shard), \
        DIR/slurm/experiment.yaml (the resolved experiment, --set applied) and DIR/slurm/manifest.json; \
        logs go to DIR/slurm/logs/%A_%a.out. Shards are balanced by the executors' estimated cost \
        (greedy longest-processing-time), a pure function of the experiment. Then: gradlab status DIR, \
        gradlab merge DIR. See docs/cluster.md.
        """
    )

    @OptionGroup var source: ExperimentOptions

    @Option(help: "Number of shards (array tasks), 1…10000.")
    var shards: Int

    @Option(help: "The run directory (default: runs/<experiment name>).")
    var out: String?

    @Option(help: "Slurm partition (#SBATCH --partition).")
    var partition: String?

    @Option(help: ArgumentHelp("Time limit per task (#SBATCH --time), e.g. 02:00:00 or 1-00:00:00.", valueName: "HH:MM:SS"))
    var time: String?

    @Option(help: "CPUs per task (#SBATCH --cpus-per-task); the task runs that many configurations at once.")
    var cpusPerTask: Int?

    @Option(help: "Memory per task (#SBATCH --mem), e.g. 4G.")
    var mem: String?

    @Option(help: ArgumentHelp("Passed to every task's gradlab run --memory-budget: memory one configuration may use, e.g. 4G (gradient-flow checkpoints above it and stores it as memory_budget; a configuration estimated above it is refused). Slurm's own limit is --mem.", valueName: "size"))
    var memoryBudget: String?

    @Option(help: "At most K tasks running at once (--array=0-(N−1)%K).")
    var arrayParallelism: Int?

    @Option(parsing: .singleValue, help: ArgumentHelp("Another #SBATCH option, verbatim (repeatable), e.g. --sbatch-arg=--account=lab.", valueName: "--option=value"))
    var sbatchArg: [String] = []

    @Option(help: "The gradlab executable the tasks run (default: this one).")
    var gradlab: String?

    @Flag(help: "Submit with sbatch --parsable and record the job id.")
    var submit = false

    @Flag(help: "Print the plan and the batch script; write nothing.")
    var dryRun = false

    func validate() throws {
        guard (1...10_000).contains(shards) else { throw ValidationError("--shards must be 1…10000; got \(shards).") }
        if let k = arrayParallelism, k < 1 { throw ValidationError("--array-parallelism must be at least 1; got \(k).") }
        if let c = cpusPerTask, c < 1 { throw ValidationError("--cpus-per-task must be at least 1; got \(c).") }
        if let time, time.range(of: #"^(\d+-)?\d{1,3}(:\d{2}){0,2}$"#, options: .regularExpression) == nil {
            throw ValidationError("--time must be Slurm's [D-]HH:MM:SS (or MM, MM:SS, HH:MM:SS); got '\(time)'.")
        }
        if let mem, mem.range(of: #"^\d+[KMGT]?$"#, options: .regularExpression) == nil {
            throw ValidationError("--mem must be a number with an optional K, M, G or T suffix, e.g. 4G; got '\(mem)'.")
        }
        if let partition, partition.range(of: #"^[A-Za-z0-9_.,-]+$"#, options: .regularExpression) == nil {
            throw ValidationError("--partition must be a partition name (letters, digits, _ . , -); got '\(partition)'.")
        }
        if let memoryBudget { _ = try MemoryBudgetOption.parse(memoryBudget) }
        for a in sbatchArg where !a.hasPrefix("--") || a.contains(where: \.isNewline) {
            throw ValidationError("--sbatch-arg must be one long sbatch option on one line, e.g. --sbatch-arg=--account=lab; got '\(a)'.")
        }
    }

    func run() throws {
        let experiment = try source.load()
        // The tasks' executors: configurations are checked against the budget they will run under.
        let executor = ExecutorRegistry.standard(memoryBudget: try memoryBudget.map(MemoryBudgetOption.parse))
        guard shards <= experiment.points.count else {
            throw UserError("--shards \(shards) is more than the \(experiment.points.count) grid point\(experiment.points.count == 1 ? "" : "s") of \(experiment.source); a shard is made of whole grid points, so give at most \(experiment.points.count)")
        }
        for point in experiment.points {
            do { try executor.check(point.spec) } catch let failure as ConfigurationFailure {
                throw UserError("\(experiment.source): \(failure.reason)" + (point.identity.isEmpty ? "" : " (configuration \(point.identity))"))
            }
        }
        let root = URL(fileURLWithPath: out ?? "runs/\(experiment.name)").standardizedFileURL
        // #SBATCH lines are split on white space, and Slurm expands % in --output.
        if let bad = root.path.first(where: { $0.isWhitespace || "%'\"\\$`".contains($0) }) {
            throw UserError("the run directory \(root.path) contains '\(bad)', which an #SBATCH line cannot carry; choose an --out without white space, quotes, %, $, ` or \\")
        }
        let costs = experiment.pointCosts(executor)
        let slices = ShardPlan.balanced(costs: costs, shards: shards)
        let loads = ShardPlan.loads(slices, costs: costs)
        let roundRobin = ShardPlan.loads((0..<shards).map { s in Array(stride(from: s, to: costs.count, by: shards)) }, costs: costs)
        let hash = experiment.resolvedHash
        var manifest = SlurmManifest(
            experiment: experiment.name, source: experiment.source, overrides: source.overrides, experimentHash: hash,
            shards: shards, gridPoints: experiment.points.count, replicates: experiment.replicates,
            configurationsPerShard: slices.map { $0.count * experiment.replicates }, estimatedSecondsPerShard: loads,
            jobName: Self.jobName(experiment.name, hash: hash), gradlab: try gradlabPath(), memoryBudget: memoryBudget, created: Date())
        let script = batchScript(root: root, manifest: manifest)

        print("experiment \(experiment.name) (\(experiment.source)): \(experiment.points.count) grid points × \(experiment.replicates) replicate\(experiment.replicates == 1 ? "" : "s") = \(experiment.runCount) configurations in \(shards) shards")
        let longest = loads.max() ?? 0
        print("estimated time of the longest shard ≈ \(Self.seconds(longest)) on one core (round robin's would be \(Self.seconds(roundRobin.max() ?? 0)))")
        if dryRun {
            for (i, slice) in slices.enumerated() {
                print("  shard \(i): \(slice.count * experiment.replicates) configurations, ≈ \(Self.seconds(loads[i]))")
            }
            print("--- \(root.path)/slurm/submit.sbatch (not written: --dry-run)")
            print(script, terminator: "")
            return
        }

        let fm = FileManager.default
        let slurm = root.appendingPathComponent("slurm")
        if fm.fileExists(atPath: SlurmManifest.url(root).path) {
            let old = try SlurmManifest.read(root)
            guard old.experimentHash == hash && old.shards == shards else {
                throw UserError("\(root.path) already holds a Slurm array of \(old.experimentHash == hash ? "the same experiment in \(old.shards) shards" : "a different experiment (\(old.source))"); its shards would not match. Choose another --out")
            }
            manifest.jobIDs = old.jobIDs
            manifest.created = old.created
        }
        for d in ["slurm/logs", "shards"] { try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true) }
        try experiment.resolvedYAML().write(to: slurm.appendingPathComponent("experiment.yaml"), atomically: true, encoding: .utf8)
        try script.write(to: slurm.appendingPathComponent("submit.sbatch"), atomically: true, encoding: .utf8)
        try manifest.write(to: root)
        print("wrote \(slurm.path)/submit.sbatch, experiment.yaml, manifest.json")

        guard submit else {
            print("submit with: sbatch \(ExternalCommand.shellQuoted(slurm.appendingPathComponent("submit.sbatch").path))  (or gradlab slurm … --submit)")
            return
        }
        let output = try ExternalCommand(arguments: ["sbatch", "--parsable", slurm.appendingPathComponent("submit.sbatch").path]).runChecked()
        // --parsable prints `jobid` or `jobid;cluster`.
        let id = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw UserError("sbatch --parsable printed '\(output.trimmingCharacters(in: .whitespacesAndNewlines))', not a job id")
        }
        manifest.jobIDs.append(id)
        try manifest.write(to: root)
        print("submitted job \(id) (array 0-\(shards - 1)); watch with: gradlab status \(ExternalCommand.shellQuoted(root.path))")
    }

    /// `gradlab-<name>-<8 hex of the hash>`, the name cut to 40 characters of [A-Za-z0-9_.-] (others
    /// become `_`): `status` finds the array's tasks by it, also after a resubmission.
    static func jobName(_ name: String, hash: String) -> String {
        let safe = String(name.prefix(40).map { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) ? $0 : "_" })
        return "gradlab-\(safe)-\(hash.prefix(8))"
    }

    /// An estimate for people: `0.42 s` below a minute, else `h:mm:ss`.
    static func seconds(_ s: Double) -> String { s < 60 ? String(format: "%.2g s", s) : ProgressReporter.clock(s) }

    /// The absolute path of the gradlab the tasks run: --gradlab, else this executable.
    private func gradlabPath() throws -> String {
        if let gradlab { return URL(fileURLWithPath: gradlab).standardizedFileURL.path }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return exe }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// The batch script: #SBATCH lines, then one `gradlab run` of this task's shard.
    func batchScript(root: URL, manifest: SlurmManifest) -> String {
        let q = ExternalCommand.shellQuoted
        let slurm = root.appendingPathComponent("slurm").path
        var lines = ["#!/bin/bash",
                     "# Written by gradlab slurm from \(manifest.source) (experiment \(manifest.experiment), hash \(manifest.experimentHash)).",
                     "# Task i runs shard i of \(manifest.shards) (cost-balanced, the same plan in every task) into shards/i.",
                     "#SBATCH --job-name=\(manifest.jobName)",
                     "#SBATCH --array=0-\(manifest.shards - 1)" + (arrayParallelism.map { "%\($0)" } ?? ""),
                     "#SBATCH --output=\(slurm)/logs/%A_%a.out",
                     "#SBATCH --ntasks=1"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(cpusPerTask)") }
        if let mem { lines.append("#SBATCH --mem=\(mem)") }
        lines += sbatchArg.map { "#SBATCH \($0)" }
        lines += [
            "set -euo pipefail",
            "shard_dir=\(q(root.path))/shards/\"$SLURM_ARRAY_TASK_ID\"",
            "resume=()",
            "# A requeued or resubmitted task continues its own store.",
            "if [ -e \"$shard_dir/results.sqlite\" ]; then resume=(--resume); fi",
            "exec \(q(manifest.gradlab)) run \(q(slurm + "/experiment.yaml")) --shard auto/\(manifest.shards) --balanced \\",
            "  --out \"$shard_dir\" --jobs \"${SLURM_CPUS_PER_TASK:-1}\" --progress lines --yes"
                + (manifest.memoryBudget.map { " --memory-budget \(q($0))" } ?? "") + " \"${resume[@]}\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
