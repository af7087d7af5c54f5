import Testing
import Foundation
import Linalg
import Recurrent

/// `gradlab trace` (and `inspect`, `diagnose`) on a PyTorch `nn.LSTM(num_layers=2, bidirectional=True)`
/// state dict saved as it is (scripts/make_stacked_fixtures.py).
@Suite("stacked models on the command line")
struct StackedCLITests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Stacked").standardized
    static var model: String { directory.appendingPathComponent("statedict-lstm-L2-bi.safetensors").path }
    static var input: String { directory.appendingPathComponent("statedict-lstm-L2-bi-input.npy").path }
    struct Expected: Decodable { let loss: Double; let input_grad: [Double]; let weight_hh_l1_reverse: [Double]; let names: [String] }

    static func trace(_ args: [String]) throws -> String {
        try gradlabOutput(["trace", "--model", model, "--input", input, "--cell", "lstm"] + args)
    }

    @Test func pyTorchStateDictLoadsUnchangedAndTracesToAutograd() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.directory.appendingPathComponent("statedict-lstm-L2-bi-expected.json")))
        let m = try RecurrentModel.load(Self.model, cell: "lstm")
        #expect(m.layers == 2 && m.bidirectional && m.parameters.names == expected.names)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(Self.trace(["--format", "json"]).utf8)) as? [String: Any])
        #expect(abs((json["loss"] as? Double ?? .nan) - expected.loss) < 1e-10)
        let grads = try #require(json["grads"] as? [String: Any])
        let dx = try #require(grads["input"] as? [[Double]]).flatMap { $0 }
        #expect(zip(dx, expected.input_grad).allSatisfy { abs($0 - $1) < 1e-10 } && dx.count == expected.input_grad.count)
        let dw = try #require(grads["weight_hh_l1_reverse"] as? [[Double]]).flatMap { $0 }
        #expect(zip(dw, expected.weight_hh_l1_reverse).allSatisfy { abs($0 - $1) < 1e-10 } && dw.count == 16 * 4)
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.map { $0["direction"] as? String } == ["forward", "reverse", "forward", "reverse"])
        #expect((layers[0]["dL_dh_norm"] as? [Double])?.count == 6)
        #expect(json["num_layers"] as? Double == 2 && json["bidirectional"] as? Bool == true)
    }

    @Test func textShowsEveryLayerAndTheDepthTimeMap() throws {
        let text = try Self.trace(["--outputs", "all", "--truncate", "3"])
        for needle in ["2 layers, bidirectional", "Layer 0 forward", "Layer 1 reverse", "Depth × time", "ℓ = 1 bwd", "∂L/∂weight_ih_l1_reverse"] {
            #expect(text.contains(needle), "missing '\(needle)'")
        }
    }

    @Test func williamsPengOnABidirectionalModelIsAnError() throws {
        #expect { try Self.trace(["--k1", "1", "--k2", "2"]) } throws: { "\($0)".contains("error: BPTT(k1, k2) needs a unidirectional model") }
    }
}

extension StackedCLITests {
    static func diagnose(_ args: [String]) throws -> String {
        try gradlabOutput(["diagnose", "--model", model, "--cell", "lstm"] + args)
    }

    @Test func diagnoseReportsTheDepthTimeMap() throws {
        let out = try Self.diagnose(["--steps", "30", "--input-noise", "1", "--lags", "log:8", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let map = try #require(json["grad_norm_log10_map"] as? [[String: Any]])
        #expect(map.count == 4 && map.allSatisfy { ($0["grad_norm_log10"] as? [Any])?.count == 30 })
        #expect(map.map { $0["direction"] as? String } == ["forward", "reverse", "forward", "reverse"])
        let path = try #require(json["dominant_path"] as? [[Any]])
        #expect(path.first?.first as? Int == 1 && path.last?.first as? Int == 30)
        #expect((json["dominant_path_time_moves"] as? Int ?? 0) + (json["dominant_path_depth_moves"] as? Int ?? 0) == path.count - 1)
        for key in ["time_jacobian_norm_log10", "depth_jacobian_norm_log10", "time_slope_log10_per_step", "depth_slope_log10_per_layer", "layers", "bidirectional"] {
            #expect(json[key] != nil, "missing key \(key)")
        }
        let text = try Self.diagnose(["--steps", "30", "--input-noise", "1"])
        #expect(text.contains("log10 ‖∂L/∂h_t^ℓ‖") && text.contains("ℓ = 1 bwd") && text.contains("Dominant path"))
        #expect(try Self.diagnose(["--steps", "10", "--lyapunov", "3", "--lyapunov-steps", "50"]).contains("Lyapunov exponents of the reverse stack"))
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Self.diagnose(["--steps", "20", "--plot", dir.path])
        for name in ["depth-time-heatmap", "time-products", "depth-products"].flatMap({ ["\($0).png", "\($0).svg"] }) {
            let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(name).path)[.size] as? Int ?? 0
            #expect(size > 1000, "\(name) is \(size) bytes")
        }
    }
}

extension StackedCLITests {
    struct Numel: Decodable { let rnn_numel: Int; let head_numel: Int }

    /// Counts against PyTorch's `sum(p.numel())` and the formulas: LSTM, H = 4, D = 3, two layers, two
    /// directions: 4H(D+H+1) = 128 and 4H(D+H+2) = 144 for layer 0, 4H(2H+H+2) = 224 for layer 1.
    @Test func inspectCountsParametersLikePyTorch() throws {
        let numel = try JSONDecoder().decode(Numel.self, from: Data(contentsOf: Self.directory.appendingPathComponent("statedict-lstm-L2-bi-expected.json")))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try gradlabOutput(["inspect", Self.model, "--format", "json"]).utf8)) as? [String: Any])
        let p = try #require(json["parameters"] as? [String: Any])
        #expect(p["total"] as? Int == numel.rnn_numel + numel.head_numel)
        #expect(p["recurrent_pytorch"] as? Int == numel.rnn_numel && p["recurrent_count"] as? Int == numel.rnn_numel)
        let units = try #require(p["units"] as? [[String: Any]])
        #expect(units.map { $0["textbook"] as? Int } == [128, 128, 208, 208])
        #expect(units.map { $0["pytorch"] as? Int } == [144, 144, 224, 224])
        let text = try gradlabOutput(["inspect", Self.model])
        #expect(text.contains("total                                  754") && text.contains("one more H per gate block"))
    }

    @Test(arguments: [(1, 3, 5, 7), (3, 3, 2, 6), (4, 2, 4, 1)])
    func formulasMatchTheirTextbookForms(gates: Int, d: Int, h: Int, layers: Int) {
        var names: [String] = [], shapes: [[Int]] = []
        for l in 0..<layers {
            names += ["weight_ih_l\(l)", "weight_hh_l\(l)", "bias_ih_l\(l)", "bias_hh_l\(l)"]
            shapes += [[gates * h, l == 0 ? d : h], [gates * h, h], [gates * h], [gates * h]]
        }
        let c = ParameterCounts(names: names, shapes: shapes)
        #expect(c.units.count == layers)
        #expect(c.units[0].textbook == gates * h * (d + h + 1) && c.units[0].pyTorch == c.units[0].count)
        #expect(c.recurrentPyTorch == c.total && c.recurrentTextbook + layers * gates * h == c.total)
    }
}
