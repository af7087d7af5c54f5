import Foundation
import Testing
import _TestSupport

/// A gradient-flow sweep of 40 small configurations (about 0.1 s each in a debug build).
private let sweepText = """
name: stoppable
mode: gradient-flow
seed: 3
model: {cell: rnn, activation: tanh, hidden: 24, input: 2}
init:
  weight_hh: {kind: orthogonal, spectral_radius: 1.0}
sequence: {length: 120, input: {kind: gaussian, std: 0.5}, h0: zeros}
loss: {kind: adjoint}
replicates: 2
sweep:
  init.weight_hh.spectral_radius: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
  model.activation: [linear, tanh]
measure: [grad_norm, jacobian_norm]
diagnostics: {lags: all}
"""

/// A `gradlab` child whose standard output and error are collected as they come.
private final class RunningGradLab: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private let group = DispatchGroup()

    init(_ arguments: [String]) throws {
        process.executableURL = try BuiltExecutable.url("gradlab")
        process.arguments = arguments
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            group.enter()
            DispatchQueue.global().async {
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    self.lock.lock()
                    if isOut { self.out.append(chunk) } else { self.err.append(chunk) }
                    self.lock.unlock()
                }
                self.group.leave()
            }
        }
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// Blocks until standard output contains `text` (false after `timeout` seconds).
    func waitForOutput(_ text: String, timeout: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) { return true }
            usleep(20_000)
        }
        return false
    }

    func finish() -> Int32 {
        process.waitUntilExit()
        group.wait()
        return process.terminationStatus
    }
}

/// The CSV's lines sorted, without the columns named in `dropping`.
private func sortedRows(_ url: URL, dropping: Set<String> = []) throws -> [String] {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return [] }
    let keep = header.indices.filter { !dropping.contains(header[$0]) }
    return lines.map { line in
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return keep.map { $0 < fields.count ? fields[$0] : "" }.joined(separator: ",")
    }.sorted()
}

@Suite struct RunCommandTests {
    /// SIGINT mid-run: the header reached the pipe, the stop line says how many are stored and prints
    /// the --resume command; running it completes a store whose CSVs equal an uninterrupted run's
    /// (runs.csv without its timing columns). A second Ctrl-C exits at once, and resume still completes.
    @Test func ctrlCStopsGracefullyAndResumeIsBitIdentical() throws {
        let dir = try InitCLITests.temporaryDirectory()
        let yaml = dir.appendingPathComponent("stoppable.yaml")
        try sweepText.write(to: yaml, atomically: true, encoding: .utf8)
        let reference = dir.appendingPathComponent("reference").path
        _ = try gradlabOutput(["run", yaml.path, "--out", reference, "--jobs", "2", "--progress", "none"])

        for signals in [1, 2] {
            let out = dir.appendingPathComponent("stopped-\(signals)").path
            let child = try RunningGradLab(["run", yaml.path, "--out", out, "--jobs", "1", "--progress", "none"])
            #expect(child.waitForOutput("estimated memory"))
            usleep(700_000)
            for i in 0..<signals {
                if i > 0 { usleep(100_000) }
                kill(child.process.processIdentifier, SIGINT)
            }
            let status = child.finish()
            #expect(status == 130)
            #expect(child.stdout.hasPrefix("experiment stoppable ("))
            let stderr = child.stderr
            #expect(stderr.contains("gradlab: stopping — no new configuration starts"))
            if signals == 1 {
                #expect(child.stdout.contains("stopped after "))
                let stored = try #require(stderr.firstMatch(of: #/stopped; (\d+) of 40 configurations stored in /#))
                #expect(Int(stored.1)! < 40)
                #expect(FileManager.default.fileExists(atPath: out + "/series.csv"))
            }
            // The printed command (or, after a second Ctrl-C, the same by hand) continues the run.
            let resume = ["run", yaml.path, "--jobs", "1", "--progress", "none", "--out", out, "--resume"]
            if signals == 1 {
                let line = try #require(stderr.split(separator: "\n").last { $0.hasPrefix("  ") && $0.hasSuffix("--resume") })
                #expect(Array(line.split(separator: " ").dropFirst().map(String.init)) == resume)
            }
            _ = try gradlabOutput(resume)
            #expect(try sortedRows(URL(fileURLWithPath: out + "/series.csv")) == sortedRows(URL(fileURLWithPath: reference + "/series.csv")))
            #expect(try sortedRows(URL(fileURLWithPath: out + "/runs.csv"), dropping: ["seconds", "cpu_seconds"])
                    == sortedRows(URL(fileURLWithPath: reference + "/runs.csv"), dropping: ["seconds", "cpu_seconds"]))
        }
    }

    @Test func runDirectoryErrorsSayWhatIsWrong() throws {
        let dir = try InitCLITests.temporaryDirectory()
        let yaml = dir.appendingPathComponent("small.yaml")
        try sweepText.replacingOccurrences(of: "[0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]", with: "[0.5]")
            .write(to: yaml, atomically: true, encoding: .utf8)
        let file = dir.appendingPathComponent("x").path
        try "not a directory".write(toFile: file, atomically: true, encoding: .utf8)
        let isFile = try gradlab(["run", yaml.path, "--out", file])
        #expect(isFile.status == 1)
        #expect(isFile.stderr == "error: --out \(file): is a file, not a directory\n")

        let missing = dir.appendingPathComponent("nonexistent").path
        let plot = try gradlab(["plot", missing])
        #expect(plot.status == 1)
        #expect(plot.stderr == "error: no run directory at \(missing)\n")

        let out = dir.appendingPathComponent("run").path
        _ = try gradlabOutput(["run", yaml.path, "--out", out, "--progress", "none"])
        let changed = try gradlab(["run", yaml.path, "--out", out, "--set", "replicates=3"])
        #expect(changed.status == 1)
        #expect(changed.stderr.contains("holds a run of a different experiment"))
        #expect(changed.stderr.contains("\n  replicates: 2 → 3\n"))
        let fresh = try gradlab(["run", yaml.path, "--out", out, "--fresh"])
        #expect(fresh.stderr.contains("already holds a run; --fresh starts over in a new directory"))
        let resumed = try gradlabOutput(["run", yaml.path, "--out", out, "--resume", "--progress", "none"])
        #expect(resumed.contains("run directory \(out): 4 stored, 0 to run"))
    }

    /// An estimate above 24 h is refused without --yes when standard input is not a terminal (here a
    /// pipe), before anything is written; --dry-run prints the estimate.
    @Test func aRunOfMoreThanADayNeedsYes() throws {
        let dir = try InitCLITests.temporaryDirectory()
        let yaml = dir.appendingPathComponent("long.yaml")
        try """
        name: long
        mode: lyapunov
        model: {cell: rnn, hidden: 2048, input: 1}
        sequence: {length: 1000000, input: {kind: zeros}, h0: gaussian}
        diagnostics: {lyapunov: all}
        """.write(to: yaml, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run").path
        let dry = try gradlabOutput(["run", yaml.path, "--out", out, "--dry-run"])
        #expect(dry.contains("estimated time ≈ ") && dry.contains(" d "))
        let refused = try gradlab(["run", yaml.path, "--out", out])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: the estimated time "))
        #expect(refused.stderr.contains("is above 24 h; pass --yes to run it anyway"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
