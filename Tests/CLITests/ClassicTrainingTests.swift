import Foundation
import Testing

/// The gallery's training classics (experiments/classic/{copy-memory,adding-problem,temporal-order}.yaml):
/// each file's header `--set` line for the paper's scale is a valid experiment, and a reduced run of the
/// file itself (a few iterations, one replicate) runs every method and length and stores the task's
/// baseline, which `gradlab table` prints.
@Suite(.serialized) struct ClassicTrainingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// name → (grid points, the baseline of each swept T).
    static let classics: [(name: String, points: Int, baseline: @Sendable (Double) -> Double)] = [
        ("copy-memory", 8, { t in 10 * log(8) / (t + 20) }),
        ("adding-problem", 9, { _ in 1.0 / 6 }),
        ("temporal-order", 12, { _ in log(4) }),
    ]

    /// The `--set` arguments of the header's `gradlab run experiments/classic/<name>.yaml …` lines.
    static func paperScaleArguments(_ text: String) throws -> [String] {
        let comment = text.split(separator: "\n").filter { $0.hasPrefix("#") }.map { String($0.dropFirst()) }
        guard let start = comment.firstIndex(where: { $0.contains("gradlab run experiments/classic/") }) else {
            throw CLIError("no paper-scale `gradlab run` line in the header")
        }
        var command = ""
        for line in comment[start...] {
            command += line.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\\", with: "") + " "
            if !line.hasSuffix("\\") { break }
        }
        // Split on spaces outside single quotes, dropping the quotes.
        var words: [String] = [], word = "", quoted = false
        for c in command {
            if c == "'" { quoted.toggle() } else if c == " " && !quoted { if !word.isEmpty { words.append(word); word = "" } } else { word.append(c) }
        }
        var sets: [String] = []
        for (i, w) in words.enumerated() where w == "--set" && i + 1 < words.count { sets += ["--set", words[i + 1]] }
        return sets
    }

    @Test(arguments: classics.map(\.name))
    func paperScaleLineIsValid(name: String) throws {
        let file = Self.root.appendingPathComponent("experiments/classic/\(name).yaml")
        let sets = try Self.paperScaleArguments(try String(contentsOf: file, encoding: .utf8))
        #expect(sets.count >= 4, "\(sets)")
        let out = try gradlabOutput(["validate", file.path] + sets)
        #expect(out.contains(": ok — \(name), mode train"))
    }

    @Test(arguments: classics.map(\.name))
    func reducedRunStoresEveryMethodAndBaseline(name: String) throws {
        let classic = try #require(Self.classics.first { $0.name == name })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-classic-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = Self.root.appendingPathComponent("experiments/classic/\(name).yaml")
        _ = try gradlabOutput(["run", file.path, "--out", dir.path, "--jobs", "2", "--progress", "none",
                               "--set", "replicates=1", "--set", "training.iterations=3", "--set", "training.eval_every=3",
                               "--set", "training.eval_batches=1", "--set", "training.eval_batch_size=4", "--set", "training.batch_size=2"])
        let csv = try gradlabOutput(["table", dir.path, "--columns", "baseline_loss,iterations", "--format", "csv", "--digits", "17"])
        let rows = TableCommandTests.csvRows(csv)
        #expect(rows.count == classic.points)
        for row in rows {
            let t = try #require(Double(row["task.length"] ?? ""))
            let baseline = try #require(Double(row["baseline_loss_mean"] ?? ""))
            #expect(abs(baseline - classic.baseline(t)) <= 1e-12, "\(name) T = \(t)")
            #expect(row["n"] == "1" && row["not_ok"] == "0")
        }
    }
}
