import ArgumentParser
import Foundation
import Lab
import Sweeps

/// `gradlab status DIR`: each shard's stored/failed/total, the Slurm state of each array task, and the
/// command that resubmits only the unfinished tasks.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the shards of a gradlab slurm directory: stored/failed/total, Slurm state, and how to resubmit unfinished tasks.",
        discussion: """
        Slurm states come from squeue (tasks pending or running, found by the array's job name, so \
        resubmitted tasks are seen too) and scontrol show job (recently ended tasks of the recorded job \
        ids); sacct is not used (accounting is often off). Without squeue and scontrol only the stores \
        are read. A task is unfinished when its shard's store lacks configurations and Slurm has it \
        neither pending nor running.
        """
    )

    @Argument(help: "The directory written by gradlab slurm.")
    var directory: String

    /// Slurm states in which a task will still store results without being resubmitted.
    static let active: Set<String> = ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
                                      "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING"]

    func run() throws {
        let dir = try SlurmDirectory(directory, executor: ExecutorRegistry.standard)
        let shards = (0..<dir.manifest.shards).map(dir.shardDirectory)
        let progress = try ShardMerge.progress(dir.experiment, plan: dir.plan, shards: shards)
        let states = slurmStates(dir.manifest)
        print("experiment \(dir.manifest.experiment): \(dir.manifest.shards) shards, \(dir.experiment.runCount) configurations; job\(dir.manifest.jobIDs.count == 1 ? "" : "s") \(dir.manifest.jobIDs.isEmpty ? "(none recorded)" : dir.manifest.jobIDs.joined(separator: ", "))")
        print("shard  stored  failed   total  slurm")
        var unfinished: [Int] = []
        for (i, p) in progress.enumerated() {
            let state = states.byTask[i] ?? (states.available ? "-" : "?")
            // A finished shard is done whatever Slurm last said of an earlier attempt (e.g. CANCELLED).
            let shown = p.finished && !Self.active.contains(state) ? "done" : state
            print(String(format: "%5d %7d %7d %7d  ", i, p.stored, p.failed, p.total) + shown)
            if !p.finished && !Self.active.contains(state) { unfinished.append(i) }
        }
        let stored = progress.reduce(0) { $0 + $1.stored }, failed = progress.reduce(0) { $0 + $1.failed }
        print("total: \(stored) of \(dir.experiment.runCount) stored, \(failed) failed or non-finite")
        for note in states.notes { warn(note) }
        if unfinished.isEmpty {
            if progress.allSatisfy(\.finished) {
                print("every shard is finished; merge with: gradlab merge \(ExternalCommand.shellQuoted(dir.root.path))")
            } else {
                print("unfinished shards are pending or running in Slurm; nothing to resubmit")
            }
        } else {
            print("unfinished tasks (not pending or running): \(unfinished.map(String.init).joined(separator: ","))")
            print("resubmit them with:")
            print("  sbatch --array=\(unfinished.map(String.init).joined(separator: ",")) \(ExternalCommand.shellQuoted(dir.script.path))")
        }
    }

    /// Array task id → Slurm state, from `scontrol show job` of the recorded ids (ended tasks are kept
    /// there for MinJobAge) overlaid by `squeue` by job name (current, and sees resubmissions).
    private func slurmStates(_ manifest: SlurmManifest) -> (byTask: [Int: String], available: Bool, notes: [String]) {
        var states: [Int: String] = [:]
        var notes: [String] = []
        let haveScontrol = ExternalCommand.find("scontrol") != nil, haveSqueue = ExternalCommand.find("squeue") != nil
        if haveScontrol {
            for id in manifest.jobIDs {
                let command = ExternalCommand(arguments: ["scontrol", "--oneliner", "show", "job", id])
                guard let output = try? command.run() else { continue }
                // A job purged after MinJobAge is 'Invalid job id': nothing to learn, not an error.
                if output.status != 0 {
                    if !output.stderr.contains("Invalid job id") { notes.append("`\(command.text)` failed (exit \(output.status)): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))") }
                    continue
                }
                for line in output.stdout.split(separator: "\n") {
                    let fields = Dictionary(line.split(separator: " ").compactMap { f -> (String, String)? in
                        guard let eq = f.firstIndex(of: "=") else { return nil }
                        return (String(f[..<eq]), String(f[f.index(after: eq)...]))
                    }, uniquingKeysWith: { a, _ in a })
                    guard let tasks = fields["ArrayTaskId"], let state = fields["JobState"] else { continue }
                    for t in Self.taskIDs(tasks) { states[t] = state }
                }
            }
        }
        if haveSqueue {
            let command = ExternalCommand(arguments: ["squeue", "--noheader", "--array", "--name=\(manifest.jobName)", "--format=%i|%T"])
            do {
                let output = try command.run()
                if output.status == 0 {
                    for line in output.stdout.split(separator: "\n") {
                        let parts = line.split(separator: "|")
                        guard parts.count == 2, let underscore = parts[0].lastIndex(of: "_") else { continue }
                        for t in Self.taskIDs(String(parts[0][parts[0].index(after: underscore)...])) { states[t] = String(parts[1]) }
                    }
                } else {
                    notes.append("`\(command.text)` failed (exit \(output.status)): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            } catch {
                notes.append("\(error)")
            }
        }
        if !haveScontrol && !haveSqueue { notes.append("squeue and scontrol not found: Slurm states not shown (only the shard stores were read)") }
        return (states, haveScontrol || haveSqueue, notes)
    }

    /// Task ids of Slurm's `ArrayTaskId` / `%i` suffix: `3`, `1-3`, `[1,4-5%2]`.
    static func taskIDs(_ text: String) -> [Int] {
        let body = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: "%").first ?? ""
        var out: [Int] = []
        for part in body.split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            if ends.count == 1 { out.append(ends[0]) }
            else if ends.count == 2, ends[0] <= ends[1], ends[1] - ends[0] <= 100_000 { out += Array(ends[0]...ends[1]) }
        }
        return out
    }
}
