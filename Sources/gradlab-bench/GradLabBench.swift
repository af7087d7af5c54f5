import ArgumentParser

/// `gradlab-bench`: timings side by side with ../shared/bench/peers.py. Not a test.
/// One subcommand per workload; add yours to `subcommands`.
@main
struct GradLabBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradlab-bench",
        abstract: "Time GradLab's kernels against the NumPy/JAX/PyTorch peers (build with -c release).",
        subcommands: [AllBenchmark.self, BPTTBenchmark.self, ProductBenchmark.self, TanhBenchmark.self, LyapunovBenchmark.self, JacprodBenchmark.self, TrainingBenchmark.self, StackedBenchmark.self]
    )
}

/// Options every workload shares.
struct PeerOptions: ParsableArguments {
    @Option(help: "Timed repetitions (after one warm-up); the median is reported.")
    var reps = 3
    @Option(help: "BLAS threads for GradLab and the peers.")
    var threads = 1
    @Option(help: "Seed of the peers' input generator.")
    var seed = 42
    @Option(parsing: .upToNextOption, help: "Peer implementations to run in the same session (none to skip).")
    var peers: [String] = ["numpy", "torch"]
    @Option(help: "The peers' script.")
    var peersScript = "/work/shared/bench/peers.py"

    func validate() throws {
        guard reps >= 1 else { throw ValidationError("--reps must be at least 1.") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
    }
}
