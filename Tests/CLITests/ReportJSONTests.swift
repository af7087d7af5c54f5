import Foundation
import Linalg
import Testing
import TensorIO

/// Every report's JSON parses, whatever the numbers (ReLU models with exactly zero products and
/// NaN Lyapunov exponents included); `trace` prints the probabilities its loss scores; `inspect`
/// breaks a whole model's state dict down by module.
@Suite("reports: JSON, probabilities, parameter counts")
struct ReportJSONTests {
    static let fixtures = DiagnoseParityTests.directory

    static func parse(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text.prefix(400))")
    }

    @Test func reluLSTMAndBidirectionalJSONParses() throws {
        // A ReLU RNN from h_0 = 0 with no input stays at 0: every product is exactly zero and the
        // Lyapunov exponents are non-finite — the JSON must still parse and say so.
        let relu = Self.fixtures.appendingPathComponent("relu_head.pt").path
        let dead = try Self.parse(gradlabOutput(["diagnose", "--model", relu, "--activation", "relu", "--h0", "zeros",
                                                 "--steps", "20", "--lyapunov", "3", "--format", "json"]))
        let lyapunov = try #require(dead["lyapunov"] as? [Any])
        let nonfinite = (dead["lyapunov_nonfinite"] as? [String: String]) ?? [:]
        #expect(lyapunov.count == 3)
        #expect(lyapunov.indices.allSatisfy { lyapunov[$0] is Double || nonfinite[String($0)] != nil }, "\(dead)")
        for model in ["embed_lstm2.pt", "gru_bi.pt", "tanh2.pt"] {
            let path = Self.fixtures.appendingPathComponent(model).path
            let json = try Self.parse(gradlabOutput(["diagnose", "--model", path, "--steps", "30", "--format", "json"]))
            #expect(json["model"] != nil, "\(model)")
        }
        let inspect = try Self.parse(gradlabOutput(["inspect", relu, "--format", "json"]))
        #expect(inspect["parameters"] != nil)
        // Finite entries whose σ_max overflows Float64: the number is null with its word beside it.
        let tmp = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let huge = tmp.appendingPathComponent("huge.npy").path
        try TensorArchive([("w", Tensor(try Matrix(rows: 2, cols: 2, elements: [1e308, 1e308, 1e308, 1e308])))]).save(huge)
        let big = try Self.parse(gradlabOutput(["inspect", huge, "--format", "json"]))
        let entry = try #require((big["tensors"] as? [[String: Any]])?.first)
        #expect(entry["sigma_max"] is NSNull && entry["sigma_max_nonfinite"] as? String == "inf", "\(entry)")
    }

    @Test func traceScoresProbabilities() throws {
        // bce: the worked example's sigmoid(y) = 0.685 (../shared/reference).
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/worked-example").standardized
        let text = try gradlabOutput(["trace", "--model", dir.appendingPathComponent("model.safetensors").path,
                                      "--input", dir.appendingPathComponent("sentence1.npy").path,
                                      "--target", dir.appendingPathComponent("label1.npy").path, "--loss", "bce", "--digits", "3"])
        #expect(text.contains("sigmoid(y_t)\n6  [ 0.685]"), "\(text)")
        // ce over two classes: softmax of the outputs, in text and JSON.
        let tmp = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let target = tmp.appendingPathComponent("class.npy").path
        try TensorArchive([("target", try Tensor(shape: [], integers: [1]))]).save(target)
        let model = Self.fixtures.appendingPathComponent("relu_head.pt").path
        let input = Self.fixtures.appendingPathComponent("relu_head-input.npy").path
        let json = try Self.parse(gradlabOutput(["trace", "--model", model, "--activation", "relu", "--input", input,
                                                 "--target", target, "--loss", "ce", "--format", "json"]))
        let y = try #require(json["outputs"] as? [Double])
        let p = try #require(json["probabilities"] as? [Double])
        let z = y.map { exp($0 - y.max()!) }, sum = z.reduce(0, +)
        #expect(p.count == 2 && zip(p, z).allSatisfy { abs($0 - $1 / sum) < 1e-15 })
        // The loss is −log p(class 1).
        #expect(abs(try #require(json["loss"] as? Double) + log(p[1])) < 1e-12)
        let traced = try gradlabOutput(["trace", "--model", model, "--activation", "relu", "--input", input,
                                        "--target", target, "--loss", "ce"])
        #expect(traced.contains("softmax(y_t)"))
    }

    @Test func inspectBreaksAWholeModelDown() throws {
        // Embedding(11, 5) + LSTM(5, 4, num_layers=2) + Linear(4, 3).
        let path = Self.fixtures.appendingPathComponent("embed_lstm2.pt").path
        let text = try gradlabOutput(["inspect", path])
        let h = 4, d = 5, g = 4
        let textbook = g * h * (d + h + 1) + g * h * (h + h + 1), pyTorch = g * h * (d + h + 2) + g * h * (h + h + 2)
        let total = 11 * 5 + pyTorch + 3 * 4 + 3
        #expect(text.contains("recurrent total ('rnn'): textbook \(textbook), PyTorch \(pyTorch), file \(pyTorch); other tensors \(total - pyTorch); model total \(total)"), "\(text)")
        #expect(text.contains("'rnn.weight_hh_l0' 16×4 (lstm: gates i, f, g, o)"))
        let only = try gradlabOutput(["inspect", path, "--prefix", "rnn"])
        #expect(!only.contains("embedding.weight") && !only.contains("fc.weight"))
        #expect(only.contains("model total \(pyTorch)"))
        let r = try gradlab(["inspect", path, "--prefix", "encoder"])
        #expect(r.status != 0 && r.stderr.contains("modules in the file: embedding, fc, rnn"), "\(r.stderr)")
    }
}
