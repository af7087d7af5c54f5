import Foundation
import Glibc
import Testing
import _TestSupport

/// One `gradlab` run with what it cost: wall time, CPU time and peak resident memory of that one child
/// (so tests running at the same time do not mix in), as `/usr/bin/time` reports them; without it, from
/// `wait4`, whose peak memory then includes the test process's own (`posix_spawn` shares its memory
/// until `exec`), so it is not reported. The child runs under `ulimit -v` 4 GiB and `ulimit -t` 20 s,
/// so a regression fails the test instead of the machine.
struct MeasuredRun {
    let result: CLIResult
    let wallSeconds: Double
    let cpuSeconds: Double
    let maxRSSMiB: Double?
}

/// Runs `gradlab ARGUMENTS` in `directory` (where its output files go too).
func measuredGradlab(_ arguments: [String], directory: URL) throws -> MeasuredRun {
    let executable = try BuiltExecutable.url("gradlab").path
    let file = { (name: String) in directory.appendingPathComponent("\(name)-\(UUID().uuidString)").path }
    let (out, err, times) = (file("stdout"), file("stderr"), file("time"))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let timer = FileManager.default.isExecutableFile(atPath: "/usr/bin/time")
        ? ["/usr/bin/time", "-o", times, "-f", "%e %U %S %M"] : []
    let argv = timer + ["/bin/sh", "-c", "ulimit -v 4194304; ulimit -t 20; cd \"$0\" && exec \"$@\"", directory.path, executable] + arguments
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let clock = ContinuousClock()
    let start = clock.now
    let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
    guard spawned == 0 else { throw CLIError("posix_spawn failed: \(spawned)") }
    var status: Int32 = 0
    var usage = rusage()
    guard wait4(pid, &status, 0, &usage) == pid else { throw CLIError("wait4 failed: \(errno)") }
    let wall = clock.now - start
    let signal = status & 0x7f
    var exit = signal == 0 ? (status >> 8) & 0xff : 128 + signal
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    var run = (wall: Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18,
               cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime), rss: Double?.none)
    if !timer.isEmpty {
        // /usr/bin/time writes "Command exited with non-zero status N" first, then the format line.
        let lines = ((try? String(contentsOfFile: times, encoding: .utf8)) ?? "").split(separator: "\n")
        let fields = (lines.last ?? "").split(separator: " ").compactMap { Double($0) }
        if fields.count == 4 { run = (fields[0], fields[1] + fields[2], fields[3] / 1024) }
        if let line = lines.first(where: { $0.hasPrefix("Command terminated by signal") }), let n = Int32(line.split(separator: " ").last ?? "") {
            exit = 128 + n
        }
    }
    let result = CLIResult(stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", status: exit)
    return MeasuredRun(result: result, wallSeconds: run.wall, cpuSeconds: run.cpu, maxRSSMiB: run.rss)
}

/// The reproducers of issue 22 (and the `--set`/base-value ones of issue 14): each is refused with a
/// located error and exit code 1, in under 1 s of CPU and 200 MiB.
@Suite(.serialized) struct FrontDoorCLITests {
    /// (name, file text or nil for the quickstart experiment, arguments before the file, after it, the
    /// expected start of standard error after `error: `).
    static func cases(_ dir: URL) -> [(name: String, text: String?, command: [String], extra: [String], expected: String)] {
        let head = "name: big\nmode: gradient-flow\nmodel: {hidden: 4}\nsequence: {length: 10}\n"
        let bomb = (["a1: &a1 [x, x]"] + (2...19).map { "a\($0): &a\($0) [*a\($0 - 1), *a\($0 - 1)]" }).joined(separator: "\n")
        let values = "[" + (1...3_163).map(String.init).joined(separator: ", ") + "]"
        let train = "name: t\nmode: train\nmodel: {hidden: 4}\ntraining: {iterations: 2}\n"
        return [
            ("bomb", bomb, ["validate"], [], "bomb.yaml:1:5: YAML anchors (&a1)"),
            ("name50MB", "name: " + String(repeating: "a", count: 50 << 20) + "\n", ["validate"], [],
             "name50MB.yaml:1:1: the file is 52,428,807 bytes; experiment files are limited to 1 MiB"),
            ("sweep1M", head + "sweep:\n  init.weight_hh.gain: [" + (1...1_000_000).map(String.init).joined(separator: ",") + "]\n",
             ["validate"], [], "sweep1M.yaml:1:1: the file is "),
            ("replicatesMax", head + "replicates: 9223372036854775807\nsweep:\n  model.hidden: [2, 3]\n", ["validate"], [],
             "replicatesMax.yaml:5:13: replicates: must be at most 1,000,000 (the limit)"),
            ("grid1e7", head + "sweep:\n  model.hidden: \(values)\n  sequence.length: \(values)\n", ["validate"], [],
             "grid1e7.yaml:5:1: the grid has 3,163 × 3,163 = 10,004,569 points"),
            ("grid1e7", head + "sweep:\n  model.hidden: \(values)\n  sequence.length: \(values)\n", ["run", "--dry-run"], [],
             "grid1e7.yaml:5:1: the grid has 3,163 × 3,163 = 10,004,569 points"),
            ("replicates1e8", head + "replicates: 100000000\n", ["run", "--dry-run"], [],
             "replicates1e8.yaml:5:13: replicates: must be at most 1,000,000 (the limit), got 100,000,000"),
            ("hidden4G", "name: big\nmode: gradient-flow\nmodel: {hidden: 4294967296}\nsequence: {length: 10}\n", ["run", "--dry-run"], [],
             "hidden4G.yaml:3:17: model.hidden: must be at most 65,536 (the limit), got 4,294,967,296"),
            ("setHidden", nil, ["validate"], ["--set", "model.hidden=1000000"],
             "--set model.hidden=1000000: model.hidden: must be at most 65,536 (the limit), got 1,000,000"),
            ("noKind", head + "sweep:\n  init.weight_hh.spectral_radius: [0.5, 1.0]\n", ["validate"], [],
             "noKind.yaml:6:3: init.weight_hh: no kind given"),
            ("zipClipping", train + "task: {name: adding-pascanu2013, length: 10}\nzip:\n  clipping.threshold: [null, 1.0]\n", ["validate"], [],
             "zipClipping.yaml:7:3: clipping: clipping kind 'none' takes no threshold (in configuration clipping.threshold=1)"),
            ("taskName", train + "sweep:\n  task.length: [10, 20]\n", ["validate"], [],
             "taskName.yaml:6:3: missing key 'name' in task (in configuration task.length=10)"),
            ("setActivation", nil, ["validate"], ["--set", "model.activation=tahn"],
             "--set model.activation=tahn: 'tahn' is not a valid model.activation: expected one of tanh, relu, sigmoid, linear, leaky-relu; did you mean 'tanh'?"),
            ("baseActivation", "name: t\nmode: gradient-flow\nmodel: {hidden: 4, activation: tahn}\nsequence: {length: 10}\nsweep:\n  model.activation: [tanh, relu]\n",
             ["validate"], [], "baseActivation.yaml:3:32: 'tahn' is not a valid model.activation"),
        ]
    }

    @Test func reproducersAreRefusedLocatedQuicklyAndInLittleMemory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("frontdoor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let quickstart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments/quickstart.yaml").path
        for c in Self.cases(dir) {
            var file = quickstart
            if let text = c.text {
                file = dir.appendingPathComponent(c.name + ".yaml").path
                try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            }
            // Relative names, as a user types them, so messages start with the file name.
            let relative = c.text == nil ? file : c.name + ".yaml"
            let run = try measuredGradlab(c.command + [relative] + c.extra, directory: dir)
            #expect(run.result.status == 1, "\(c.name): exit \(run.result.status)")
            #expect(run.result.stderr.hasPrefix("error: " + c.expected), "\(c.name): \(run.result.stderr.prefix(300))")
            #expect(!run.result.stderr.contains("<generated>"))
            #expect(run.cpuSeconds < 1, "\(c.name): \(run.cpuSeconds) s of CPU")
            // Wall time includes waiting for a core on a loaded machine; the bound is for a hang.
            #expect(run.wallSeconds < 10, "\(c.name): \(run.wallSeconds) s")
            #expect((run.maxRSSMiB ?? 0) < 200, "\(c.name): \(run.maxRSSMiB ?? 0) MiB")
            print("frontdoor \(c.name) \(c.command.joined(separator: " ")): \(String(format: "%.2f s wall, %.2f s CPU", run.wallSeconds, run.cpuSeconds)), \(run.maxRSSMiB.map { String(format: "%.0f MiB", $0) } ?? "memory not measured")")
        }
    }

    @Test func dryRunReportsTheGridSizeAndTheShard() throws {
        let quickstart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("experiments/quickstart.yaml").path
        let out = try gradlabOutput(["run", quickstart, "--dry-run", "--shard", "2/5", "--out", "/nonexistent/x"])
        #expect(out.contains("14 grid points × 3 replicates = 42 configurations"))
        #expect(out.contains("shard 2/5: 9 configurations"))
        #expect(out.split(separator: "\n").filter { $0.hasPrefix("    1  ") || $0.hasPrefix("    6  ") || $0.hasPrefix("   11  ") }.count == 3)
    }
}
