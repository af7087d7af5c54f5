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

    static let stacked = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Cells/statedict-lru-L2-bi.safetensors").standardized.path

    /// A stacked bidirectional LRU experiment: `validate` accepts it in mode train, `run` trains it (loss
    /// recorded per iteration), and a gradient-flow file (two layers) validates and runs.
    @Test func validateAndRunAStackedBidirectionalLRU() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrucli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.yaml").path
        try """
        name: t
        mode: train
        model: {cell: lru, hidden: 4, layers: 2, bidirectional: true}
        task: {name: adding-le2015, length: 12}
        optimizer: {kind: adam, lr: 0.01}
        training: {batch_size: 8, iterations: 20, eval_every: 10}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let v = try gradlab(["validate", path])
        #expect(v.status == 0, "\(v.stderr)")
        let r = try gradlab(["run", path, "--out", dir.appendingPathComponent("run").path])
        #expect(r.status == 0, "\(r.stderr)")
        let flow = dir.appendingPathComponent("g.yaml").path
        try """
        name: g
        mode: gradient-flow
        model: {cell: lru, hidden: 4, input: 2, layers: 2}
        sequence: {length: 10}
        """.write(toFile: flow, atomically: true, encoding: .utf8)
        let g = try gradlab(["validate", flow])
        #expect(g.status == 0, "\(g.stderr)")
        let gr = try gradlab(["run", flow, "--out", dir.appendingPathComponent("flow").path])
        #expect(gr.status == 0, "\(gr.stderr)")
    }

    /// `trace` on a PyTorch file with two bidirectional LRU layers: per layer and direction s_t and ∂L/∂s_t,
    /// JSON with every unit; `diagnose` runs the depth × time diagnosis through the read-outs.
    @Test func traceAStackedBidirectionalLRUFile() throws {
        let x = Self.stacked.replacingOccurrences(of: ".safetensors", with: "-input.npy")
        let text = try gradlabOutput(["trace", "--model", Self.stacked, "--input", x])
        #expect(text.contains("Layer 1 reverse") && text.contains("read-outs y_t = Re(C h_t) + D ⊙ x_t [y_fwd; y_bwd]"))
        let json = try gradlabOutput(["trace", "--model", Self.stacked, "--input", x, "--format", "json"])
        #expect(json.contains("\"num_layers\": 2") || json.contains("\"num_layers\":2"))
        let inspect = try gradlabOutput(["inspect", Self.stacked])
        #expect(inspect.contains("2 layers, bidirectional (the lines above: layer 0, forward); layer ℓ reads D_ℓ = 3, 6; parameters in all layers 354"))
        // diagnose: the depth × time lattice through the read-outs, the stacks' Lyapunov spectra, charts.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lrudiag-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = try gradlab(["diagnose", "--model", Self.stacked, "--steps", "40", "--lyapunov", "4", "--lyapunov-steps", "200",
                             "--plot", dir.path])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(d.stdout.contains("lru, 2 layers, bidirectional") && d.stdout.contains("layer 1") && d.stdout.contains("Lyapunov"), "\(d.stdout)")
        #expect(d.stderr.contains("charts:"))
        let report = try gradlabOutput(["diagnose", "--model", Self.stacked, "--steps", "12", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any]
        #expect((object?["grad_norm_log10_map"] as? [Any])?.count == 4, "\(report.prefix(400))")
    }
}
