import Foundation
import Testing
import _TestSupport

/// `gradlab slurm`, `status`, `merge` and `run --shard auto/N --balanced`, without a Slurm cluster:
/// array tasks are played by running the batch script's command with the array index in the
/// environment (scripts/slurm-integration.sh does the same on a real single-node Slurm).
@Suite struct SlurmCLITests {
    static let experiment = """
    name: tiny-array
    mode: gradient-flow
    seed: 3
    model: {cell: rnn, activation: tanh, hidden: 4, input: 2}
    init:
      weight_hh: {kind: orthogonal, spectral_radius: 1.0}
    sequence: {length: 12, input: {kind: gaussian, std: 1.0}, h0: zeros}
    loss: {kind: adjoint}
    replicates: 2
    sweep:
      model.hidden: [3, 6, 12]
      init.weight_hh.spectral_radius: [0.9, 1.1]
    measure: [grad_norm]

    """

    /// `gradlab ARGUMENTS` with `environment` (PATH without Slurm's tools unless given).
    func gradlabEnv(_ arguments: [String], _ environment: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = try BuiltExecutable.url("gradlab")
        p.arguments = arguments
        p.environment = ["PATH": "/nonexistent", "HOME": NSTemporaryDirectory()].merging(environment) { $1 }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-out-\(UUID().uuidString)")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return CLIResult(stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8),
                         status: p.terminationStatus)
    }

    func scratch() throws -> (dir: URL, file: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-slurmcli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("tiny.yaml").path
        try Self.experiment.write(toFile: file, atomically: true, encoding: .utf8)
        return (dir, file)
    }

    @Test func dryRunPrintsTheArrayScriptAndWritesNothingAndBadOptionsAreRefused() throws {
        let (dir, file) = try scratch()
        let out = dir.appendingPathComponent("run").path
        let r = try gradlabEnv(["slurm", file, "--shards", "3", "--out", out, "--array-parallelism", "2", "--time", "00:05:00",
                                "--mem", "1G", "--sbatch-arg=--account=lab", "--dry-run"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in ["#SBATCH --array=0-2%2", "#SBATCH --output=\(out)/slurm/logs/%A_%a.out", "#SBATCH --time=00:05:00",
                     "#SBATCH --mem=1G", "#SBATCH --account=lab", "--shard auto/3 --balanced"] {
            #expect(r.stdout.contains(line), "missing \(line)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        let bad = try gradlabEnv(["slurm", file, "--shards", "7", "--out", out])
        #expect(bad.status == 1 && bad.stderr.contains("--shards 7 is more than the 6 grid points"))
        let time = try gradlabEnv(["slurm", file, "--shards", "2", "--time", "5h"])
        #expect(time.status != 0 && time.stderr.contains("--time must be"))
        let spaced = try gradlabEnv(["slurm", file, "--shards", "2", "--out", dir.appendingPathComponent("a b").path])
        #expect(spaced.status == 1 && spaced.stderr.contains("which an #SBATCH line cannot carry"))
        // --submit without sbatch: the files are written, the command is named.
        let noSbatch = try gradlabEnv(["slurm", file, "--shards", "2", "--out", out, "--submit"])
        #expect(noSbatch.status == 1 && noSbatch.stderr.contains("error: sbatch not found on PATH (needed for: sbatch --parsable \(out)/slurm/submit.sbatch)"),
                "\(noSbatch.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/slurm/submit.sbatch"))
    }

    @Test func tasksStatusAndMergeGiveTheSingleProcessRun() throws {
        let (dir, file) = try scratch()
        let root = dir.appendingPathComponent("run").path
        let written = try gradlabEnv(["slurm", file, "--shards", "3", "--out", root])
        #expect(written.status == 0, "\(written.stderr)")
        let script = try String(contentsOfFile: root + "/slurm/submit.sbatch", encoding: .utf8)
        #expect(script.contains("--array=0-2\n"))
        // Tasks 0 and 2 as Slurm would run them; task 1 as a Kubernetes Indexed Job would.
        for (i, variable) in [(0, "SLURM_ARRAY_TASK_ID"), (2, "SLURM_ARRAY_TASK_ID")] {
            let r = try gradlabEnv(["run", root + "/slurm/experiment.yaml", "--shard", "auto/3", "--balanced", "--out", root + "/shards/\(i)",
                                    "--jobs", "1", "--progress", "none"], [variable: "\(i)"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let status = try gradlabEnv(["status", root])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("sbatch --array=1 \(root)/slurm/submit.sbatch"), "\(status.stdout)")
        #expect(status.stderr.contains("squeue and scontrol not found"))
        let partial = try gradlabEnv(["merge", root])
        #expect(partial.status == 1 && partial.stderr.contains("configurations are still missing"), "\(partial.stderr)")

        let task1 = try gradlabEnv(["run", root + "/slurm/experiment.yaml", "--shard", "auto/3", "--balanced", "--out", root + "/shards/1",
                                    "--progress", "none"], ["JOB_COMPLETION_INDEX": "1"])
        #expect(task1.status == 0, "\(task1.stderr)")
        #expect(try gradlabEnv(["status", root]).stdout.contains("every shard is finished"))
        let merged = try gradlabEnv(["merge", root])
        #expect(merged.status == 0 && merged.stdout.contains("12 of 12 configurations present"), "\(merged.stderr)")
        let again = try gradlabEnv(["merge", root])
        #expect(again.stdout.contains("merged 0 new configurations"))

        let single = dir.appendingPathComponent("single").path
        #expect(try gradlabEnv(["run", file, "--out", single, "--progress", "none"]).status == 0)
        func lines(_ path: String, dropping columns: Set<String> = []) throws -> [String] {
            let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let drop = Set((rows.first ?? []).enumerated().filter { columns.contains(String($0.element)) }.map(\.offset))
            return rows.map { r in r.enumerated().filter { !drop.contains($0.offset) }.map(\.element).joined(separator: ",") }.sorted()
        }
        #expect(try lines(root + "/series.csv") == (try lines(single + "/series.csv")))
        let timings: Set<String> = ["seconds", "cpu_seconds"]
        #expect(try lines(root + "/runs.csv", dropping: timings) == (try lines(single + "/runs.csv", dropping: timings)))
    }

    /// `--memory-budget` reaches every task: the script passes it to `gradlab run` (and the manifest records
    /// it), and task 0 run from the script itself, as sbatch runs it, stores that budget in `memory_budget`
    /// (without the option a task stores the default, 256 MiB). A size that is not one is refused.
    @Test func memoryBudgetIsPassedToEveryTask() throws {
        let (dir, file) = try scratch()
        let root = dir.appendingPathComponent("run").path
        let written = try gradlabEnv(["slurm", file, "--shards", "2", "--out", root, "--memory-budget", "300MB"])
        #expect(written.status == 0, "\(written.stderr)")
        let script = try String(contentsOfFile: root + "/slurm/submit.sbatch", encoding: .utf8)
        #expect(script.contains("--progress lines --yes --memory-budget 300MB \"${resume[@]}\""), "\(script)")
        let manifest = try String(contentsOfFile: root + "/slurm/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"memory_budget\" : \"300MB\""), "\(manifest)")

        let task = Process()
        task.executableURL = URL(fileURLWithPath: "/bin/bash")
        task.arguments = [root + "/slurm/submit.sbatch"]
        task.environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "SLURM_ARRAY_TASK_ID": "0"]
        task.standardOutput = FileHandle.nullDevice
        try task.run()
        task.waitUntilExit()
        #expect(task.terminationStatus == 0)
        let lines = try String(contentsOfFile: root + "/shards/0/runs.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(lines.first?.firstIndex(of: "memory_budget"))
        #expect(lines.count > 1 && lines.dropFirst().allSatisfy { Double($0[column]) == 300_000_000 }, "\(lines)")

        let bad = try gradlabEnv(["slurm", file, "--shards", "2", "--out", root, "--memory-budget", "lots"])
        #expect(bad.status != 0 && bad.stderr.contains("--memory-budget must be a positive size"), "\(bad.stderr)")
    }

    @Test func shardAutoNeedsAnArrayIndex() throws {
        let (dir, file) = try scratch()
        let r = try gradlabEnv(["run", file, "--shard", "auto/2", "--out", dir.appendingPathComponent("x").path])
        #expect(r.status == 1 && r.stderr.contains("neither SLURM_ARRAY_TASK_ID"))
        let over = try gradlabEnv(["run", file, "--shard", "auto/2", "--out", dir.appendingPathComponent("x").path], ["SLURM_ARRAY_TASK_ID": "2"])
        #expect(over.status == 1 && over.stderr.contains("SLURM_ARRAY_TASK_ID=2 is not a task index below 2"))
        let notSlurm = try gradlabEnv(["merge", dir.path])
        #expect(notSlurm.status == 1 && notSlurm.stderr.contains("was not written by gradlab slurm"))
    }
}
