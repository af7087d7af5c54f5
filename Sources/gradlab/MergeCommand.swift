import ArgumentParser
import ExperimentPlots
import Foundation
import Lab
import Sweeps

/// `gradlab merge DIR`: the shards' stores into DIR/results.sqlite, every configuration exactly once.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard stores of a gradlab slurm directory into DIR/results.sqlite (+ CSVs, manifest, charts).",
        discussion: """
        Every configuration is stored once; merging again (or after more shards finished) adds only what \
        is new. A shard of a different experiment is refused. The merged store holds what a single \
        'gradlab run' of the experiment stores (same run ids, seeds and numbers; only the timings seconds and cpu_seconds \
        differ). Exit code 1 while configurations are missing (they are listed; gradlab status DIR \
        prints the command that resubmits their tasks).
        """
    )

    @Argument(help: "The directory written by gradlab slurm.")
    var directory: String

    func run() throws {
        let executor = ExecutorRegistry.standard
        let dir = try SlurmDirectory(directory, executor: executor)
        let shardsRoot = dir.root.appendingPathComponent("shards")
        // Every directory under shards/ (a stray one is checked too, and refused if foreign).
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: shardsRoot.path)) ?? [])
            .filter { var isDir: ObjCBool = false; return FileManager.default.fileExists(atPath: shardsRoot.appendingPathComponent($0).path, isDirectory: &isDir) && isDir.boolValue }
            .sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
        let report: ShardMerge.Report
        do {
            report = try ShardMerge.merge(dir.experiment, executor: executor, shards: names.map { shardsRoot.appendingPathComponent($0) },
                                          into: dir.root)
        } catch let foreign as ShardMerge.ForeignShard {
            throw UserError(foreign.description)
        }
        print("merged \(report.merged) new configuration\(report.merged == 1 ? "" : "s") into \(dir.root.path)/results.sqlite (\(report.alreadyMerged) already there); \(report.present) of \(report.total) configurations present")
        do {
            let plots = try RunPlots.render(runDirectory: dir.root, recipe: nil, formats: [.png, .svg]) { warn($0) }
            if !plots.isEmpty { print("charts: \(dir.root.path)/plots/") }
        } catch {
            warn("plots not drawn: \(error)")
        }
        guard report.missing.isEmpty else {
            let shown = report.missing.prefix(20).map { "  " + $0 }.joined(separator: "\n")
            let more = report.missing.count > 20 ? "\n  … and \(report.missing.count - 20) more" : ""
            throw UserError("\(report.missing.count) of \(report.total) configurations are still missing:\n\(shown)\(more)\n(gradlab status \(ExternalCommand.shellQuoted(dir.root.path)) prints the command that resubmits their tasks)")
        }
        print("complete: every configuration merged once; results: \(dir.root.path)/results.sqlite, runs.csv, series.csv, manifest.json")
    }
}
