import Foundation
import Testing

/// The LRU from the command line: `diagnose` and `inspect` on a reference module's bare state dict
/// (Tests/Fixtures/Cells/statedict-lru.safetensors), and `validate`'s located refusal of a stacked lru.
@Suite struct LRUCLITests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Cells/statedict-lru.safetensors").standardized.path

    /// The linear LRU's ‖∂h_T/∂h_t‖₂ is ρ^k exactly, ρ = max_j |λ_j| = 0.984268 for this file; the
    /// Lyapunov exponents are ln|λ_j| in pairs.
    @Test func diagnoseAndInspectAnLRUFile() throws {
        let text = try gradlabOutput(["diagnose", "--model", Self.model, "--steps", "300", "--lyapunov", "8"])
        #expect(text.contains("(lru, H = 8)") && text.contains("cell lru, from 'nu_log'"))
        #expect(text.contains("spectral radius ρ = 0.9843"))
        #expect(text.contains("[C_re, −C_im]ᵀg on the state"))
        #expect(text.contains("-0.01586, -0.01586"))
        let inspect = try gradlabOutput(["inspect", Self.model])
        #expect(inspect.contains("lru module: N = 4 complex units (real state 2N = 8), D = 3"))
        #expect(inspect.contains("(normalised)") && inspect.contains("4N·D + 3N + D = 63"))
    }

    @Test func validateRefusesAStackedLRU() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrucli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.yaml").path
        try """
        name: e
        mode: gradient-flow
        model: {cell: lru, hidden: 4, input: 2, layers: 2}
        sequence: {length: 10}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try gradlab(["validate", path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("e.yaml:3:") && r.stderr.contains("error:") && r.stderr.contains("an lru model is one layer here"))
    }
}
