import Testing
import Foundation

/// `gradlab diagnose --lyapunov K` on the PyTorch fixtures as saved (.pt): stacked, bidirectional,
/// LSTM/GRU and ReLU models, autonomous or driven by --input.
@Suite("Lyapunov spectra on the command line")
struct LyapunovCLITests {
    static let torch = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/TensorIO/torch").standardized
    static let input = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Stacked/statedict-lstm-L2-bi-input.npy").standardized.path

    static func diagnose(_ file: String, _ args: [String]) throws -> String {
        try gradlabOutput(["diagnose", "--model", torch.appendingPathComponent(file).path, "--steps", "20", "--lyapunov-steps", "200",
                           "--lyapunov-transient", "20"] + args)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The README's recipe on a 2-layer LSTM: the whole stack's state [h⁰; c⁰; h¹; c¹] (N = 16), K clamped.
    @Test func stackedLSTMGetsTheWholeStacksSpectrum() throws {
        let text = try Self.diagnose("lstm2.pt", ["--cell", "lstm", "--lags", "log", "--lyapunov", "20"])
        #expect(text.contains("Lyapunov exponents of the forward stack (layers 0–1; nats/step, 16 of N = 16 computed; 20 transient + 200 measured steps, autonomous (x_t = 0))"))
        #expect(text.contains("block lower-triangular"))
        let json = try Self.json(Self.diagnose("lstm2.pt", ["--cell", "lstm", "--lyapunov", "5", "--format", "json"]))
        let directions = try #require(json["lyapunov"] as? [[String: Any]])
        #expect(directions.count == 1 && directions[0]["direction"] as? String == "forward" && directions[0]["state_size"] as? Int == 16)
        let exponents = try #require(directions[0]["exponents"] as? [Double])
        #expect(exponents.count == 5 && exponents == exponents.sorted(by: >) && exponents.allSatisfy(\.isFinite))
        #expect(json["lyapunov_drive"] as? String == "autonomous" && json["lyapunov_negative_infinite_count"] as? Int == 0)
        #expect(json["lyapunov_run_steps"] as? Int == 220 && directions[0]["measured_steps"] as? Int == 200)
    }

    /// A bidirectional GRU driven by --input: both directions, said so, and the input changes the spectrum.
    @Test func bidirectionalGRUDrivenByTheInput() throws {
        let text = try Self.diagnose("gru_bi_f64.pt", ["--cell", "gru", "--lyapunov", "4", "--input", Self.input])
        #expect(text.contains("Lyapunov exponents of the forward stack") && text.contains("Lyapunov exponents of the reverse stack"))
        #expect(text.contains("driven by statedict-lstm-L2-bi-input.npy (T = 6, cycled over the 220 steps of the run)"))
        #expect(text.contains("Directions: the backward units depend on future inputs"))
        let driven = try Self.json(Self.diagnose("gru_bi_f64.pt", ["--cell", "gru", "--lyapunov", "4", "--input", Self.input, "--format", "json"]))
        let autonomous = try Self.json(Self.diagnose("gru_bi_f64.pt", ["--cell", "gru", "--lyapunov", "4", "--format", "json"]))
        #expect(driven["lyapunov_drive"] as? String == "sequence" && autonomous["lyapunov_drive"] as? String == "autonomous")
        let a = try #require(driven["lyapunov"] as? [[String: Any]]), b = try #require(autonomous["lyapunov"] as? [[String: Any]])
        #expect(a.map { $0["direction"] as? String } == ["forward", "reverse"])
        #expect((a[0]["exponents"] as? [Double]) != (b[0]["exponents"] as? [Double]))
    }

    /// A single-layer model follows --input too (it used to ignore it), and says so.
    @Test func singleLayerRunFollowsTheInput() throws {
        let driven = try Self.diagnose("rnn_tanh.pt", ["--cell", "rnn", "--activation", "tanh", "--lyapunov", "4", "--input", Self.input])
        let autonomous = try Self.diagnose("rnn_tanh.pt", ["--cell", "rnn", "--activation", "tanh", "--lyapunov", "4", "--h0", "gaussian"])
        #expect(driven.contains("driven by statedict-lstm-L2-bi-input.npy (T = 6, cycled over the 220 steps of the run)"))
        #expect(autonomous.contains("autonomous (x_t = 0)"))
        let noise = try Self.diagnose("rnn_tanh.pt", ["--cell", "rnn", "--activation", "tanh", "--lyapunov", "4", "--input-noise", "0.5"])
        #expect(noise.contains("driven by Gaussian noise (std 0.5)"))
    }

    /// ReLU with dead units: −∞ with a count, never a round-off exponent such as −35, never NaN.
    @Test func reluDeadUnitsAreNegativeInfinity() throws {
        let text = try Self.diagnose("rnn_relu_f64.pt", ["--cell", "rnn", "--activation", "relu", "--lyapunov", "4"])
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Lyapunov exponents") })
        #expect(line.hasSuffix("−∞, −∞, −∞"), "\(line)")
        #expect(text.contains("3 exponents are −∞: the Jacobian has exactly zero directions"))
        #expect(!text.lowercased().contains("nan"))
    }

    /// JSON of a ReLU model with −∞ exponents parses: null in `lyapunov`, "-inf" in `lyapunov_nonfinite`,
    /// the count and the per-exponent singular steps beside them.
    @Test func reluJSONCarriesTheNegativeInfiniteCount() throws {
        let json = try Self.json(Self.diagnose("rnn_relu_f64.pt", ["--activation", "relu", "--lyapunov", "4", "--format", "json"]))
        let exponents = try #require(json["lyapunov"] as? [Any])
        #expect(exponents.count == 4 && exponents[0] is Double && exponents.dropFirst().allSatisfy { $0 is NSNull })
        #expect(json["lyapunov_nonfinite"] as? [String: String] == ["1": "-inf", "2": "-inf", "3": "-inf"])
        #expect(json["lyapunov_negative_infinite_count"] as? Int == 3)
        #expect(json["lyapunov_singular_steps"] as? [Int] == [0, 200, 200, 200])
        #expect(json["lyapunov_measured_steps"] as? Int == 200 && json["lyapunov_drive"] as? String == "autonomous")
    }

    /// The README's recipe as printed, on `torch.save(model.state_dict(), "m.pt")` of an Embedding +
    /// 2-layer LSTM + Linear (no --cell, no --prefix): the stack's spectrum and its chart.
    @Test func readmeRecipeOnATorchSavedStackedModel() throws {
        let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/Diagnose/embed_lstm2.pt").standardized.path
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try gradlabOutput(["diagnose", "--model", model, "--steps", "300", "--lags", "log", "--lyapunov", "20", "--plot", dir.path])
        #expect(text.contains("Lyapunov exponents of the forward stack (layers 0–1; nats/step, 16 of N = 16 computed"))
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("lyapunov.png").path)[.size] as? Int ?? 0
        #expect(size > 1000)
    }
}
