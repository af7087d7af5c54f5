import Foundation
import Lab
import Sweeps

/// `DIR/slurm/manifest.json`, written by `gradlab slurm`, read by `gradlab status` and `gradlab merge`:
/// which experiment the array runs (its resolved hash), the plan's shard sizes and estimates, the
/// Slurm job name and the ids of submitted jobs.
///
/// The plan itself (which grid points each shard holds) is not trusted from this file: it is
/// recomputed from `DIR/slurm/experiment.yaml` by `ShardPlan` (a pure function of the experiment),
/// exactly as every array task computes it; the sizes here are for people.
struct SlurmManifest: Codable {
    var gradlabVersion = GradLabInfo.version
    var experiment: String
    /// The experiment file `gradlab slurm` was given.
    var source: String
    var overrides: [String]
    /// `Sweep.resolvedHash` of `slurm/experiment.yaml`.
    var experimentHash: String
    var shards: Int
    /// `cost`: `ShardPlan.balanced` over the executors' estimated seconds.
    var balance = "cost"
    var gridPoints: Int
    var replicates: Int
    /// Configurations (grid points × replicates) per shard, by array task id.
    var configurationsPerShard: [Int]
    /// Estimated seconds on one core per shard, by array task id.
    var estimatedSecondsPerShard: [Double]
    var jobName: String
    /// The `gradlab` executable the tasks run.
    var gradlab: String
    /// `--memory-budget` as given, passed to every task's `gradlab run` (absent: the run's default).
    var memoryBudget: String?
    /// Job ids returned by `sbatch --parsable` (`--submit`), oldest first.
    var jobIDs: [String] = []
    var created: Date

    enum CodingKeys: String, CodingKey {
        case gradlabVersion = "gradlab_version", experiment, source, overrides, experimentHash = "experiment_hash", shards, balance
        case gridPoints = "grid_points", replicates, configurationsPerShard = "configurations_per_shard"
        case estimatedSecondsPerShard = "estimated_seconds_per_shard", jobName = "job_name", gradlab, memoryBudget = "memory_budget", jobIDs = "job_ids", created
    }

    static func url(_ directory: URL) -> URL { directory.appendingPathComponent("slurm/manifest.json") }

    func write(to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: Self.url(directory), options: .atomic)
    }

    static func read(_ directory: URL) throws -> SlurmManifest {
        let url = url(directory)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw UserError("\(url.path) not found: \(directory.path) was not written by gradlab slurm")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let manifest: SlurmManifest
        do { manifest = try decoder.decode(SlurmManifest.self, from: data) } catch {
            throw UserError("\(url.path): not a gradlab slurm manifest (\(error))")
        }
        guard (1...10_000).contains(manifest.shards) else {
            throw UserError("\(url.path): shards is \(manifest.shards); gradlab slurm writes 1…10000")
        }
        return manifest
    }
}

/// A directory written by `gradlab slurm`, opened: its manifest, its resolved experiment (checked
/// against the manifest's hash) and the cost-balanced plan every task runs.
struct SlurmDirectory {
    let root: URL
    let manifest: SlurmManifest
    let experiment: Experiment
    let plan: [Shard]

    var script: URL { root.appendingPathComponent("slurm/submit.sbatch") }
    var experimentFile: URL { root.appendingPathComponent("slurm/experiment.yaml") }
    /// The store directory of array task `i` (0-based).
    func shardDirectory(_ i: Int) -> URL { root.appendingPathComponent("shards/\(i)") }

    init(_ path: String, executor: ExecutorRegistry) throws {
        root = URL(fileURLWithPath: path).standardizedFileURL
        manifest = try SlurmManifest.read(root)
        experiment = try Experiment.load(path: root.appendingPathComponent("slurm/experiment.yaml").path)
        guard experiment.resolvedHash == manifest.experimentHash else {
            throw UserError("\(root.path)/slurm/experiment.yaml has changed since gradlab slurm wrote it (hash \(experiment.resolvedHash), manifest says \(manifest.experimentHash)); its shards ran the old one. Write a new directory with gradlab slurm --out")
        }
        plan = experiment.balancedShards(manifest.shards, executor: executor)
    }
}
