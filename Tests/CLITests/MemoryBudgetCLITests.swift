import Foundation
import Linalg
import Recurrent
import TensorIO
import Testing

/// `--memory-budget` of `gradlab diagnose`, `trace` and `run`: the strategy line, the same numbers under
/// a checkpointing budget, the honest refusal of what keeps a full tape, the manifest entry.
@Suite("memory budget")
struct MemoryBudgetCLITests {
    /// A tanh LSTM (the state is [h; c]) saved to `dir`.
    static func lstm(in dir: URL) throws -> String {
        var rng = RandomStream(seed: 12)
        let m = try RecurrentModel.initialized(cell: .lstm, inputSize: 2, hiddenSize: 6, headSize: nil, rng: &rng)
        let path = dir.appendingPathComponent("lstm.safetensors").path
        try m.save(path)
        return path
    }

    @Test func diagnoseCheckpointsWithTheSameNumbers() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.lstm(in: dir)
        let common = ["diagnose", "--model", model, "--steps", "300", "--input-noise", "0.5", "--lags", "all", "--singular-value-lags", "1,50,300", "--format", "json"]
        func parse(_ s: String) throws -> [String: Any] { try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any]) }
        var full = try parse(try gradlabOutput(common))
        var small = try parse(try gradlabOutput(common + ["--memory-budget", "2KiB"]))
        let fullMemory = try #require(full.removeValue(forKey: "memory") as? [String: Any])
        let smallMemory = try #require(small.removeValue(forKey: "memory") as? [String: Any])
        #expect(fullMemory["strategy"] as? String == "full-tape" && fullMemory["budget_bytes"] as? Int == 256 << 20)
        #expect(smallMemory["strategy"] as? String == "checkpointed" && smallMemory["interval"] as? Int == 18 && smallMemory["budget_bytes"] as? Int == 2048)
        #expect((smallMemory["tape_bytes"] as? Double ?? .infinity) < (fullMemory["tape_bytes"] as? Double ?? 0))
        // Everything else — every lag's norm, ‖∂L/∂h_t‖ at every step, the spectra — is the same text.
        let a = String(decoding: try JSONSerialization.data(withJSONObject: full, options: [.sortedKeys]), as: UTF8.self)
        let b = String(decoding: try JSONSerialization.data(withJSONObject: small, options: [.sortedKeys]), as: UTF8.self)
        #expect(a == b)
        #expect(a.count > 10_000)
        let text = try gradlabOutput(["diagnose", "--model", model, "--steps", "300", "--memory-budget", "2KiB"])
        #expect(text.contains("memory: checkpointed, a state every 18 steps (the trajectory's states:") && text.contains("budget 2KiB"), "\(text)")
        #expect(try gradlabOutput(["diagnose", "--model", model, "--steps", "30"]).contains("memory: full tape (the trajectory's states, 2.98 kB; budget 256MiB)"))
    }

    @Test func badSizesAndFullTapesAreRefused() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.lstm(in: dir)
        let bad = try gradlab(["diagnose", "--model", model, "--memory-budget", "lots"])
        #expect(bad.status != 0 && bad.stderr.contains("--memory-budget must be a positive size"), "\(bad.stderr)")
        let maps = try gradlab(["diagnose", "--model", model, "--steps", "300", "--memory-budget", "2KiB", "--unit-maps", dir.appendingPathComponent("maps").path])
        #expect(maps.status != 0 && maps.stderr.contains("error:") && maps.stderr.contains("--unit-maps keeps the full trajectory"), "\(maps.stderr)")
        // trace keeps (and prints) every step: above the budget it is refused, saying what it needs.
        let x = dir.appendingPathComponent("x.npy").path
        var rng = RandomStream(seed: 1)
        try TensorArchive([("x", Tensor(rng.normalMatrix(rows: 40, cols: 2)))]).save(x)
        let traced = try gradlabOutput(["trace", "--model", model, "--input", x])
        #expect(traced.contains("memory: full tape (the BPTT tape, "), "\(traced.prefix(400))")
        let refused = try gradlab(["trace", "--model", model, "--input", x, "--memory-budget", "1KiB"])
        #expect(refused.status != 0 && refused.stderr.contains("trace keeps the full BPTT tape") && refused.stderr.contains("more than --memory-budget 1KiB"), "\(refused.stderr)")
    }

    /// The file's key checkpoints (columns say so); `--memory-budget` replaces it (and is the preflight's
    /// limit) and goes to the manifest.
    @Test func runRecordsTheBudgetInTheManifestAndColumns() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("b.yaml")
        try """
        name: b
        mode: gradient-flow
        model: {cell: gru, hidden: 4, input: 1}
        sequence: {length: 100}
        diagnostics: {memory_budget: 1KiB}
        """.write(to: yaml, atomically: true, encoding: .utf8)
        // (The store keeps summary columns beyond the standard ones as REAL or TEXT: 10.0.)
        func columns(_ out: URL) throws -> [String: String] {
            let csv = try String(contentsOf: out.appendingPathComponent("runs.csv"), encoding: .utf8)
            let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = try #require(lines.first), row = try #require(lines.dropFirst().first)
            return Dictionary(uniqueKeysWithValues: zip(header, row).map { ($0, $1) })
        }
        func manifest(_ out: URL) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any])
        }
        let keyed = dir.appendingPathComponent("keyed")
        _ = try gradlabOutput(["run", yaml.path, "--out", keyed.path, "--progress", "none"])
        let k = try columns(keyed)
        #expect(k["bptt_strategy"] == "checkpointed" && k["bptt_interval"] == "10.0" && k["memory_budget"] == "1024.0", "\(k)")
        #expect(try manifest(keyed)["memory_budget"] is NSNull || (try manifest(keyed)["memory_budget"]) == nil)
        let given = dir.appendingPathComponent("given")
        _ = try gradlabOutput(["run", yaml.path, "--out", given.path, "--memory-budget", "100M", "--progress", "none"])
        let g = try columns(given)
        #expect(g["bptt_strategy"] == "full-tape" && g["memory_budget"] == "100000000.0", "\(g)")
        #expect(try manifest(given)["memory_budget"] as? Double == 100_000_000)
        // Bit-identical numbers either way.
        #expect(try String(contentsOf: keyed.appendingPathComponent("series.csv"), encoding: .utf8)
                == String(contentsOf: given.appendingPathComponent("series.csv"), encoding: .utf8))
    }
}
