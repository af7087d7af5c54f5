// _gradlab-fuzz: the seeded fuzz suite of issue 22.8 (test support: the underscore says so).
//
// Mutates experiment files (experiments/*.yaml, Tests/Fixtures/Fuzz/experiments/*.yaml) and tensor files
// (Tests/Fixtures/TensorIO/**: .npy, .npz, .safetensors, .pt), runs each case through `gradlab validate`
// or `gradlab inspect` as a child process under an address-space limit and a timeout, and fails on a
// crash, a hang, the memory limit or an unlocated error. docs/fuzzing.md says how to run and reproduce.
import Foundation
import _FuzzMutators

struct Options {
    var gradlab = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gradlab").path
    var root = FileManager.default.currentDirectoryPath
    var seed: UInt64 = 1
    var cases: [FuzzFormat: Int] = Dictionary(uniqueKeysWithValues: FuzzFormat.allCases.map { ($0, 2_000) })
    var seconds = 360.0
    var workers = 2
    var timeout = 5.0
    var memoryMiB = 1_024
    var out = "runs/fuzz-failures"
    var long = false
    var only: (FuzzFormat, Int)? = nil
    var formats = FuzzFormat.allCases

    static let usage = """
    usage: _gradlab-fuzz [--gradlab PATH] [--root DIR] [--seed N] [--cases N] [--seconds S] [--long]
                         [--formats experiment,npy,npz,safetensors,pt] [--workers N] [--timeout S]
                         [--memory-mib N] [--out DIR] [--case FORMAT:INDEX]
      --cases N      cases per format (default 2000; --long: 10000 experiment files, 2500 per tensor format)
      --seconds S    wall-clock budget for the whole run (default 360; --long: 1800); formats interleave
      --case F:I     regenerate and run one case (what a failure report's reproduce line does)
    """

    init(_ args: [String]) throws {
        var i = 0
        var explicitCases: Int? = nil, explicitSeconds: Double? = nil
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw UsageError("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--gradlab": gradlab = try value()
            case "--root": root = try value()
            case "--seed": guard let v = UInt64(try value()) else { throw UsageError("--seed needs an integer") }; seed = v
            case "--cases": guard let v = Int(try value()), v >= 0 else { throw UsageError("--cases needs a count") }; explicitCases = v
            case "--seconds": guard let v = Double(try value()), v > 0 else { throw UsageError("--seconds needs a number") }; explicitSeconds = v
            case "--workers": guard let v = Int(try value()), (1...64).contains(v) else { throw UsageError("--workers needs 1…64") }; workers = v
            case "--timeout": guard let v = Double(try value()), v > 0 else { throw UsageError("--timeout needs seconds") }; timeout = v
            case "--memory-mib": guard let v = Int(try value()), v >= 64 else { throw UsageError("--memory-mib needs at least 64") }; memoryMiB = v
            case "--out": out = try value()
            case "--long": long = true
            case "--formats":
                formats = try value().split(separator: ",").map {
                    guard let f = FuzzFormat(rawValue: String($0)) else { throw UsageError("unknown format '\($0)'") }
                    return f
                }
            case "--case":
                let parts = try value().split(separator: ":")
                guard parts.count == 2, let f = FuzzFormat(rawValue: String(parts[0])), let k = Int(parts[1]) else {
                    throw UsageError("--case needs FORMAT:INDEX, e.g. experiment:17")
                }
                only = (f, k)
                formats = [f]
            case "-h", "--help": print(Options.usage); exit(0)
            default: throw UsageError("unknown argument '\(args[i])'")
            }
            i += 1
        }
        if long {
            cases = Dictionary(uniqueKeysWithValues: FuzzFormat.allCases.map { ($0, $0 == .experiment ? 10_000 : 2_500) })
            seconds = 1_800
        }
        if let explicitCases { for f in FuzzFormat.allCases { cases[f] = explicitCases } }
        if let explicitSeconds { seconds = explicitSeconds }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Per-format tallies.
struct Tally {
    var cases = 0, accepted = 0, refused = 0, failures = 0
    var seconds = 0.0, slowest = 0.0, peakRSS = 0
}

/// The run's shared state: the queue of cases, tallies and failures, behind one lock.
final class Run: @unchecked Sendable {
    let options: Options
    let corpus: FuzzCorpus
    let deadline: Date
    private let lock = NSLock()
    private var queue: [(FuzzFormat, Int)]
    private var next = 0
    var tallies: [FuzzFormat: Tally] = [:]
    var failures: [(FuzzCase, Verdict, ChildResult, String)] = []
    let environment = Child.environment

    init(options: Options, corpus: FuzzCorpus) {
        self.options = options
        self.corpus = corpus
        deadline = Date().addingTimeInterval(options.seconds)
        if let (f, k) = options.only {
            queue = [(f, k)]
        } else {
            // Round-robin over formats, so a run stopped by --seconds has covered every format alike.
            let most = options.formats.map { options.cases[$0] ?? 0 }.max() ?? 0
            queue = (0..<most).flatMap { k in options.formats.filter { k < (options.cases[$0] ?? 0) }.map { ($0, k) } }
        }
    }

    func take() -> (FuzzFormat, Int)? {
        lock.lock(); defer { lock.unlock() }
        guard next < queue.count, Date() < deadline || options.only != nil else { return nil }
        next += 1
        if next % 1_000 == 0 {
            FileHandle.standardError.write(Data("fuzz: \(next) cases started, \(failures.count) failing so far\n".utf8))
        }
        return queue[next - 1]
    }

    func record(_ c: FuzzCase, _ v: Verdict, _ r: ChildResult, file: String) {
        lock.lock(); defer { lock.unlock() }
        var t = tallies[c.format, default: Tally()]
        t.cases += 1
        if v == .accepted { t.accepted += 1 } else if v == .refused { t.refused += 1 } else { t.failures += 1 }
        t.seconds += r.seconds
        t.slowest = max(t.slowest, r.seconds)
        t.peakRSS = max(t.peakRSS, r.peakRSS)
        tallies[c.format] = t
        if v.isFailure { failures.append((c, v, r, file)) }
    }

    /// One worker: generate, write, run, judge, until the queue or the budget is exhausted.
    func work(_ worker: Int, directory: URL) {
        let dir = directory.appendingPathComponent("w\(worker)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let stderrPath = dir.appendingPathComponent("stderr.txt").path
        while let (format, index) = take() {
            let c = corpus.makeCase(format, index: index, seed: options.seed, long: options.long)
            let file = dir.appendingPathComponent("case-\(format.rawValue)-\(index).\(format.fileExtension)").path
            guard FileManager.default.createFile(atPath: file, contents: Data(c.bytes)) else { continue }
            let r = Child.run([options.gradlab, format.command, file], memoryLimitKiB: options.memoryMiB * 1024,
                              timeout: options.timeout, stderrPath: stderrPath, environment: environment)
            let v = Verdict(r, format: format, file: file, memoryLimit: options.memoryMiB << 20)
            record(c, v, r, file: file)
            if v.isFailure { save(c, v, r, file: file) }
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// Writes a failing case's file and a report with the one-line reproductions.
    func save(_ c: FuzzCase, _ v: Verdict, _ r: ChildResult, file: String) {
        let out = URL(fileURLWithPath: options.out)
        try? FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let stem = "\(c.format.rawValue)-seed\(options.seed)-\(c.index)"
        let kept = out.appendingPathComponent("\(stem).\(c.format.fileExtension)")
        _ = FileManager.default.createFile(atPath: kept.path, contents: Data(c.bytes))
        let report = """
        verdict: \(v.kind)\(v.detail.isEmpty ? "" : ": " + v.detail)
        case: \(c.format.rawValue):\(c.index), seed \(options.seed), from \(c.seedName)
        mutations: \(c.operations.joined(separator: "; "))
        exit: \(r.exitCode.map(String.init) ?? "signal \(r.signal ?? 0)")\(r.timedOut ? " (killed at the \(options.timeout) s timeout)" : ""), \(String(format: "%.2f", r.seconds)) s, peak RSS \(r.peakRSS >> 20) MiB
        reproduce: (ulimit -v \(options.memoryMiB * 1024); timeout \(Int(options.timeout)) \(options.gradlab) \(c.format.command) \(kept.path))
        regenerate: swift run _gradlab-fuzz --seed \(options.seed) --case \(c.format.rawValue):\(c.index) --gradlab \(options.gradlab)
        stderr (as run on \(file)):
        \(r.stderr.prefix(4_000))
        """
        try? report.write(to: out.appendingPathComponent("\(stem).txt"), atomically: true, encoding: .utf8)
    }
}

func mebibytes(_ b: Int) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }

do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    guard FileManager.default.isExecutableFile(atPath: options.gradlab) else {
        throw UsageError("no gradlab executable at \(options.gradlab); build it (swift build) or pass --gradlab PATH")
    }
    let corpus = try FuzzCorpus(root: URL(fileURLWithPath: options.root))
    let run = Run(options: options, corpus: corpus)
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-fuzz-\(getpid())")
    defer { try? FileManager.default.removeItem(at: work) }
    let seeds = FuzzFormat.allCases.map { "\(corpus.seeds[$0]?.count ?? 0) \($0.rawValue)" }.joined(separator: ", ")
    print("fuzz: \(options.gradlab), seed \(options.seed), \(options.only.map { "case \($0.0.rawValue):\($0.1)" } ?? "up to \(options.formats.map { "\(options.cases[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")) cases within \(Int(options.seconds)) s"), \(options.workers) workers, timeout \(options.timeout) s, address space \(options.memoryMiB) MiB; seeds: \(seeds)")
    let started = Date()
    let group = DispatchGroup()
    for w in 0..<(options.only == nil ? options.workers : 1) {
        group.enter()
        Thread { run.work(w, directory: work); group.leave() }.start()
    }
    group.wait()
    let elapsed = Date().timeIntervalSince(started)

    var short: [String] = []
    for f in options.formats {
        let t = run.tallies[f, default: Tally()]
        let wanted = options.only == nil ? options.cases[f] ?? 0 : 1
        if t.cases < wanted { short.append("\(f.rawValue) \(t.cases)/\(wanted)") }
        print("  \(f.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(t.cases).leftPad(6)) cases: \(t.accepted) accepted, \(t.refused) refused, \(t.failures) failing; "
              + String(format: "mean %.0f ms, slowest %.2f s, peak RSS %@", t.cases > 0 ? 1000 * t.seconds / Double(t.cases) : 0, t.slowest, mebibytes(t.peakRSS)))
    }
    let total = run.tallies.values.reduce(0) { $0 + $1.cases }
    print(String(format: "fuzz: %d cases in %.1f s (%.0f/s); peak RSS of any child %@ (sampled VmHWM), %@ by RUSAGE_CHILDREN (which counts the runner's own too)", total, elapsed, Double(total) / max(elapsed, 1e-9), mebibytes(run.tallies.values.map(\.peakRSS).max() ?? 0), mebibytes(Child.childrenPeakRSS)))
    if !short.isEmpty { print("fuzz: the \(Int(options.seconds)) s budget ended before every case ran (\(short.joined(separator: ", ")))") }

    if options.only != nil, let (c, v, r, _) = run.failures.first ?? nil {
        print("verdict: \(v.kind): \(v.detail)\nmutations: \(c.operations.joined(separator: "; "))\nstderr:\n\(r.stderr)")
    } else if let only = options.only {
        print("verdict: \(run.tallies[only.0]?.accepted == 1 ? "accepted" : "refused with a located error")")
    }
    guard !run.failures.isEmpty else { print("fuzz: no failures"); exit(0) }
    var classes: [String: [(FuzzCase, Verdict)]] = [:]
    for (c, v, _, file) in run.failures { classes["\(c.format.rawValue) \(v.kind): \(Verdict.shape(v.detail, file: file))", default: []].append((c, v)) }
    print("fuzz: \(run.failures.count) failing cases in \(classes.count) classes; files and reports in \(options.out)/")
    for (key, members) in classes.sorted(by: { $0.value.count > $1.value.count }) {
        let first = members[0].0
        print("  \(String(members.count).leftPad(5))× \(key)\n         e.g. \(first.format.rawValue):\(first.index) (\(first.operations.joined(separator: "; ").prefix(140)))")
    }
    exit(1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n\(Options.usage)\n".utf8))
    exit(2)
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
