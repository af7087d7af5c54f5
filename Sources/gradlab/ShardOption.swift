import Foundation
import Lab
import Sweeps

/// `gradlab run --shard`: `I/N` (1-based), or `auto/N` / `auto` taking the index from the array
/// scheduler's environment, optionally cost-balanced (`--balanced`, as `gradlab slurm`'s tasks run).
///
/// `auto` reads `SLURM_ARRAY_TASK_ID` (Slurm job arrays) or else `JOB_COMPLETION_INDEX` (Kubernetes
/// Indexed Jobs); both are 0-based, so task i runs shard i+1 of N. `auto` alone takes N from
/// `SLURM_ARRAY_TASK_COUNT`; `gradlab slurm` writes `auto/N`, because a resubmitted subset
/// (`sbatch --array=1,3`) has a smaller task count but the same N.
enum ShardOption {
    /// Checks the syntax (`I/N` with 1 ≤ I ≤ N, `auto/N` with N ≥ 1, or `auto`).
    static func check(_ text: String) throws {
        if text == "auto" { return }
        if text.hasPrefix("auto/"), let n = Int(text.dropFirst(5)), n >= 1 { return }
        guard Shard(text) != nil else {
            throw UserError("--shard must be I/N with 1 ≤ I ≤ N (e.g. 2/8), auto/N or auto; got '\(text)'")
        }
    }

    /// The shard to run: round robin, or with `balanced` slice I of `ShardPlan`'s cost-balanced plan.
    static func resolve(_ text: String, balanced: Bool, experiment: Experiment, executor: ExecutorRegistry,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard {
        try check(text)
        let round: Shard
        if text.hasPrefix("auto") {
            let (variable, value) = try index(environment)
            let count: Int
            if text == "auto" {
                guard let c = environment["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }), c >= 1 else {
                    throw UserError("--shard auto needs SLURM_ARRAY_TASK_COUNT (set in a Slurm array task); elsewhere give auto/N")
                }
                count = c
            } else {
                count = Int(text.dropFirst(5)) ?? 1
            }
            guard value < count, let shard = Shard("\(value + 1)/\(count)") else {
                throw UserError("--shard \(text): \(variable)=\(value) is not a task index below \(count)")
            }
            round = shard
        } else {
            guard let shard = Shard(text) else { throw UserError("--shard must be I/N with 1 ≤ I ≤ N; got '\(text)'") }
            round = shard
        }
        guard balanced else { return round }
        // A balanced plan holds every shard in memory; more shards than grid points would only add empty ones.
        guard round.count <= experiment.points.count else {
            throw UserError("--shard \(text) --balanced: \(round.count) shards is more than the \(experiment.points.count) grid points of \(experiment.source); a shard is made of whole grid points")
        }
        return experiment.balancedShards(round.count, executor: executor)[round.index - 1]
    }

    /// The 0-based array index from `SLURM_ARRAY_TASK_ID` or `JOB_COMPLETION_INDEX`.
    private static func index(_ environment: [String: String]) throws -> (String, Int) {
        for variable in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
            guard let text = environment[variable] else { continue }
            guard let i = Int(text), i >= 0 else { throw UserError("--shard auto: \(variable)='\(text)' is not a task index (0, 1, …)") }
            return (variable, i)
        }
        throw UserError("--shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm array task) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard I/N")
    }
}
