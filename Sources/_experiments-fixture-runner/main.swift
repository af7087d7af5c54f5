// A child process for the runner's kill-and-resume test: runs an experiment file with the
// synthetic executor (`ExperimentsFixtures`), slowly, into a run directory.
//
//     experiments-fixture-runner EXP.yaml OUT_DIR JOBS DELAY_SECONDS
import Sweeps
import Lab
import _ExperimentsFixtures
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 5, let jobs = Int(arguments[3]), let delay = Double(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: experiments-fixture-runner EXP.yaml OUT_DIR JOBS DELAY_SECONDS\n".utf8))
    exit(2)
}
do {
    let experiment = try Experiment.load(path: arguments[1])
    let options = RunOptions(outDirectory: URL(fileURLWithPath: arguments[2]), jobs: jobs, progress: .silent)
    let report = try await Runner.run(experiment, executor: SyntheticExecutor.registry(delay: delay), options: options)
    print("ran \(report.counts.values.reduce(0, +)), skipped \(report.skipped)")
} catch {
    FileHandle.standardError.write(Data("experiments-fixture-runner: \(error)\n".utf8))
    exit(1)
}
