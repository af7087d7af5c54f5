import Foundation
import Testing

/// `gradlab table` over small real runs: its means and sample sds against the same numbers computed here
/// from the run's own `runs.csv`, its errors, and the copy task's stored baseline against 10·ln 8/(T + 20).
@Suite(.serialized) struct TableCommandTests {
    /// Two methods × two lengths × 3 replicates of a tiny adding-problem run (a few seconds in debug).
    static let trainText = """
    name: table-probe
    mode: train
    seed: 7
    model: {cell: rnn, activation: tanh, hidden: 4}
    task: {name: adding-arjovsky2016, length: 6}
    optimizer: {kind: adam, lr: 0.01}
    training: {batch_size: 4, iterations: 30, eval_every: 10, eval_batches: 1, eval_batch_size: 8}
    replicates: 3
    sweep:
      task.length: [8, 4]
    zip:
      method: [plain, clipped]
      clipping: [{kind: none}, {kind: global-norm, threshold: 0.5}]
    """

    /// A run directory holding `trainText`'s run (made once per test process).
    static let run: Result<URL, Error> = Result {
        let dir = try scratch("probe")
        let file = dir.appendingPathComponent("probe.yaml")
        try trainText.write(to: file, atomically: true, encoding: .utf8)
        _ = try gradlabOutput(["run", file.path, "--out", dir.appendingPathComponent("run").path, "--jobs", "1", "--progress", "none"])
        return dir.appendingPathComponent("run")
    }

    /// A fresh empty directory `gradlab-table-<label>-<pid>` in the temporary directory.
    static func scratch(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-table-\(label)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// CSV text (RFC 4180: quoted fields may hold commas and doubled quotes) as rows of column → field.
    static func csvRows(_ text: String) -> [[String: String]] {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field); field = ""
            } else if c == "\n" {
                record.append(field); field = ""
                records.append(record); record = []
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        guard let header = records.first else { return [] }
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func meansAndSampleDeviationsMatchTheStoredRuns() throws {
        let dir = try Self.run.get()
        let runs = Self.csvRows(try String(contentsOf: dir.appendingPathComponent("runs.csv"), encoding: .utf8))
        #expect(runs.count == 12)
        let out = try gradlabOutput(["table", dir.path, "--columns", "final_eval_loss,final_loss", "--by", "task.length,method",
                                     "--format", "csv", "--digits", "17"])
        let table = Self.csvRows(out)
        #expect(table.map { "\($0["task.length"]!) \($0["method"]!)" } == ["4 plain", "4 clipped", "8 plain", "8 clipped"])
        for row in table {
            let members = runs.filter { $0["task.length"] == row["task.length"] && $0["method"] == row["method"] }
            #expect(row["n"] == "3" && members.count == 3)
            for column in ["final_eval_loss", "final_loss"] {
                let x = members.map { Double($0[column]!)! }
                let mean = x.reduce(0, +) / 3
                let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
                let gotMean = try #require(Double(row[column + "_mean"]!)), gotSD = try #require(Double(row[column + "_sd"]!))
                #expect(abs(gotMean - mean) <= 1e-15 * max(1, abs(mean)))
                #expect(abs(gotSD - sd) <= 1e-12 * max(1, sd))
                #expect(row[column + "_n"] == "3")
            }
        }
    }

    /// Rows follow the grid order of the run's experiment.yaml, not the order in which configurations
    /// were stored: shard 2/2 first (grid points 1 and 3, method `clipped`), then `--resume` the rest,
    /// stores every `clipped` row before any `plain` one, yet the table lists plain, clipped as the
    /// file's zip does. Without the experiment file the store's order is kept.
    @Test func rowsFollowTheGridOrderNotTheStoredOrder() throws {
        let dir = try Self.scratch("order")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("probe.yaml")
        try Self.trainText.replacingOccurrences(of: "replicates: 3", with: "replicates: 1").write(to: file, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("run")
        _ = try gradlabOutput(["run", file.path, "--out", run.path, "--shard", "2/2", "--jobs", "1", "--progress", "none"])
        _ = try gradlabOutput(["run", file.path, "--out", run.path, "--resume", "--jobs", "1", "--progress", "none"])
        let stored = Self.csvRows(try String(contentsOf: run.appendingPathComponent("runs.csv"), encoding: .utf8))
        #expect(stored.map { $0["method"]! } == ["clipped", "clipped", "plain", "plain"])
        func rows() throws -> [String] {
            Self.csvRows(try gradlabOutput(["table", run.path, "--columns", "final_loss", "--format", "csv"]))
                .map { "\($0["task.length"]!) \($0["method"]!)" }
        }
        #expect(try rows() == ["4 plain", "4 clipped", "8 plain", "8 clipped"])
        let byMethod = Self.csvRows(try gradlabOutput(["table", run.path, "--columns", "final_loss", "--by", "method", "--format", "csv"]))
        #expect(byMethod.map { $0["method"]! } == ["plain", "clipped"])
        // `gradlab report`'s runs table too: the run-id cells (`<td class="id">…</td>`), in grid order.
        let page = dir.appendingPathComponent("report.html")
        _ = try gradlabOutput(["report", run.path, "-o", page.path])
        let html = try String(contentsOf: page, encoding: .utf8)
        let placed = try stored.map { row -> (Int, String) in
            let id = try #require(row["run_id"])
            let at = try #require(html.range(of: "<td class=\"id\">\(id)</td>"), "run \(id) is not in the report's runs table")
            return (html.distance(from: html.startIndex, to: at.lowerBound), "\(row["task.length"]!) \(row["method"]!)")
        }
        // The file's grid order: task.length [8, 4] × the (plain, clipped) zip (the table above sorts
        // numbers ascending; the report keeps the grid order).
        #expect(placed.sorted { $0.0 < $1.0 }.map(\.1) == ["8 plain", "8 clipped", "4 plain", "4 clipped"])
        try FileManager.default.removeItem(at: run.appendingPathComponent("experiment.yaml"))
        #expect(try rows() == ["4 clipped", "4 plain", "8 clipped", "8 plain"])
    }

    @Test func markdownHasCatalogTitlesAndFilters() throws {
        let dir = try Self.run.get()
        let out = try gradlabOutput(["table", dir.path, "--columns", "final_eval_loss,baseline_loss", "--by", "method",
                                     "--where", "task.length=8", "--where", "method=clipped"])
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "| method | n | final held-out loss | baseline |")
        #expect(lines[1] == "| --- | ---: | ---: | ---: |")
        #expect(lines[2].hasPrefix("| clipped | 3 | ") && lines[2].contains(" ± "))
        // The adding problem's baseline is 1/6 in every run: sd 0.
        #expect(lines[2].hasSuffix("| 0.167 ± 0 |"))
    }

    @Test func unknownNamesAreLocatedWithASuggestion() throws {
        let dir = try Self.run.get()
        let cases: [([String], String)] = [
            (["--columns", "final_evl_loss"], "error: --columns final_evl_loss: \(dir.path) has no summary column 'final_evl_loss' (did you mean 'final_eval_loss'?)"),
            (["--by", "task.lenght"], "error: --by task.lenght: \(dir.path) has no swept path 'task.lenght' (did you mean 'task.length'?)"),
            (["--where", "methd=plain"], "error: --where methd=plain: \(dir.path) has no swept path 'methd' (did you mean 'method'?)"),
            (["--where", "method=clippd"], "error: --where method=clippd: no run of \(dir.path) has method = clippd (did you mean 'clipped'?)"),
            (["--where", "task.length"], "error: --where task.length: expected PATH=VALUE"),
            (["--columns", "a,,b"], "error: --columns a,,b: an empty name in the list"),
        ]
        for (arguments, expected) in cases {
            let r = try gradlab(["table", dir.path] + arguments)
            #expect(r.status == 1, "\(arguments)")
            #expect(r.stderr.hasPrefix(expected), "\(arguments): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let missing = try gradlab(["table", dir.appendingPathComponent("nowhere").path])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("error: no run directory at "))
    }

    /// Copy memory's memoryless baseline as stored by real runs: 10·ln 8/(T + 20) to 1e-12 (the charts draw this column).
    @Test func copyMemoryBaselineIsTheMemorylessLoss() throws {
        let dir = try Self.scratch("copy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("copy.yaml")
        try """
        name: copy-baseline
        mode: train
        model: {cell: rnn, activation: tanh, hidden: 2}
        task: {name: copy-memory, length: 10}
        training: {batch_size: 1, iterations: 1, eval_every: 1, eval_batches: 1, eval_batch_size: 1}
        sweep:
          task.length: [1, 50, 100, 480]
        """.write(to: file, atomically: true, encoding: .utf8)
        let run = dir.appendingPathComponent("run").path
        _ = try gradlabOutput(["run", file.path, "--out", run, "--jobs", "1", "--progress", "none"])
        let rows = Self.csvRows(try gradlabOutput(["table", run, "--columns", "baseline_loss", "--format", "csv", "--digits", "17"]))
        #expect(rows.map { $0["task.length"]! } == ["1", "50", "100", "480"])
        for row in rows {
            let t = try #require(Double(row["task.length"]!)), stored = try #require(Double(row["baseline_loss_mean"]!))
            #expect(abs(stored - 10 * log(8) / (t + 20)) <= 1e-12, "T = \(t)")
        }
    }

    /// Two columns whose short titles agree (λ_max measured and its mean-field value) keep their
    /// parentheticals, so the header never shows the same title twice.
    @Test func headersThatWouldReadTheSameKeepTheirParenthetical() throws {
        let dir = try Self.scratch("lyap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("lyap.yaml")
        try """
        name: lyap-probe
        mode: lyapunov
        model: {cell: rnn, activation: tanh, hidden: 8, input: 1, bias: false}
        init: {weight_hh: {kind: gaussian, gain: 1.5}, weight_ih: {kind: zeros}}
        sequence: {length: 50, input: {kind: zeros}, h0: gaussian}
        diagnostics: {lyapunov: 1, transient: 10}
        """.write(to: file, atomically: true, encoding: .utf8)
        _ = try gradlabOutput(["run", file.path, "--out", dir.appendingPathComponent("run").path, "--progress", "none"])
        let out = try gradlabOutput(["table", dir.appendingPathComponent("run").path, "--columns", "lambda_max,mean_field_lambda_max"])
        #expect(out.split(separator: "\n").first.map(String.init) == "| n | λ_max | λ_max (mean field) |")
    }
}
