import Testing
import Foundation
import Linalg
import Recurrent
import TensorIO

/// `gradlab diagnose` end to end on model files written to a temporary directory.
@Suite("diagnose command")
struct DiagnoseCommandTests {
    /// A linear RNN with W_hh = a·I saved with its cell metadata.
    static func scaledIdentityModel(a: Double, h: Int = 4, d: Int = 2, in dir: URL) throws -> String {
        var rng = RandomStream(seed: 1)
        let params = ParameterSet([("weight_ih_l0", rng.normalMatrix(rows: h, cols: d)), ("weight_hh_l0", .identity(h, scale: a))])
        let path = dir.appendingPathComponent("m.safetensors").path
        try RecurrentModel(cell: .rnn(.linear), parameters: params).save(path)
        return path
    }

    /// Parses `gradlab diagnose ARGS` and returns what it prints on standard output.
    static func run(_ args: [String]) throws -> String {
        try gradlabOutput(["diagnose"] + args)
    }

    @Test func jsonMatchesClosedFormAndTheory() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.scaledIdentityModel(a: 0.9, in: dir)
        let out = try Self.run(["--model", model, "--steps", "50", "--h0", "zeros", "--lags", "10", "--lyapunov", "4", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let norms = try #require(json["jacobian_norm_log10"] as? [[Double]])
        #expect(norms.map { $0[0] } == [0, 10, 20, 30, 40, 50])
        for pair in norms { #expect(abs(pair[1] - pair[0] * log10(0.9)) < 1e-12) }
        // Theory: σ_max = ρ = 0.9, γ = 1 ⇒ the Pascanu bound equals the measurement here.
        let bound = try #require(json["pascanu_bound_log10"] as? [[Double]])
        #expect(zip(bound, norms).allSatisfy { abs($0[1] - $1[1]) < 1e-12 })
        #expect(abs((json["spectral_radius"] as? Double ?? 0) - 0.9) < 1e-14)
        #expect(json["label"] as? String == "vanishing")
        #expect(json["horizon"] is NSNull)  // 0.9^50 ≈ 5e-3 > 1e-6
        let lyap = try #require(json["lyapunov"] as? [Double])
        #expect(lyap.count == 4 && lyap.allSatisfy { abs($0 - log(0.9)) < 1e-9 })
        for key in ["grad_norm_log10", "singular_values", "lambda_max", "kaplan_yorke_dimension", "sigma_max",
                    "slope_log10_per_step", "nonfinite_step"] {
            #expect(json[key] != nil, "missing key \(key)")
        }
    }

    @Test func textReportAndChartsAreWritten() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.scaledIdentityModel(a: 1.2, in: dir)
        let plots = dir.appendingPathComponent("charts").path
        let out = try Self.run(["--model", model, "--steps", "40", "--h0", "zeros", "--plot", plots])
        #expect(out.contains("EXPLODING"))
        // W = 1.2·I: every singular value of ∂h_T/∂h_{T−k} is 1.2^k, so all 4 directions are kept.
        let lag40 = try #require(out.split(separator: "\n").first { $0.hasPrefix("  40 ") && $0.contains(" of ") })
        #expect(lag40.contains(String(format: "%.2f", 40 * log10(1.2))) && lag40.hasSuffix("4 of 4"), "\(lag40)")
        let files = try FileManager.default.contentsOfDirectory(atPath: plots)
        for name in ["jacobian-norm-vs-lag", "grad-norm", "eigenvalues"] {
            #expect(files.contains("\(name).png") && files.contains("\(name).svg"), "missing \(name)")
        }
    }

    /// --singular-value-lags picks the spectra (W = 0.9·I: every σ of ∂h_T/∂h_{T−k} is 0.9^k); none drops them.
    @Test func singularValueLagsAreChosenOrSwitchedOff() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Self.scaledIdentityModel(a: 0.9, in: dir)
        let out = try Self.run(["--model", model, "--steps", "30", "--singular-value-lags", "3, 7", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let spectra = try #require(json["singular_values_log10"] as? [String: [Double]])
        #expect(Set(spectra.keys) == ["3", "7"])
        for (lag, values) in spectra { #expect(values.allSatisfy { abs($0 - Double(lag)! * log10(0.9)) < 1e-12 }) }
        let none = try Self.run(["--model", model, "--steps", "30", "--singular-value-lags", "none"])
        #expect(!none.contains("Singular values"))
        #expect(try gradlab(["diagnose", "--model", model, "--singular-value-lags", "3,x"]).status != 0)
    }

    @Test func badInputsAreOneLineErrors() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.safetensors").path
        let notFound = try gradlab(["diagnose", "--model", missing])
        #expect(notFound.status == 1 && notFound.stderr == "error: \(missing): no such file\n" && notFound.stdout.isEmpty)
        for bad in [["--lags", "sometimes"], ["--steps", "0"]] {
            let r = try gradlab(["diagnose", "--model", missing] + bad)
            #expect(r.status != 0 && r.stderr.hasPrefix("error: ") && r.stderr.split(separator: "\n").count == 2, "\(r.stderr)")
        }
    }
}

/// A whole model's state dict (embedding, rnn.*, fc.*) loads with --prefix and --head.
@Suite("whole-model state dicts")
struct WholeModelStateDictTests {
    @Test func prefixAndHeadSelectTheRecurrentPart() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RandomStream(seed: 3)
        let path = dir.appendingPathComponent("whole.safetensors").path
        let tensors: [(String, Tensor)] = [
            ("embedding.weight", Tensor(rng.normalMatrix(rows: 10, cols: 2))),
            ("rnn.weight_ih_l0", Tensor(rng.normalMatrix(rows: 4, cols: 2))),
            ("rnn.weight_hh_l0", Tensor(Matrix.identity(4, scale: 0.5))),
            ("rnn.bias_ih_l0", Tensor(rng.normals(4))),
            ("fc.weight", Tensor(rng.normalMatrix(rows: 3, cols: 4))),
            ("fc.bias", Tensor(rng.normals(3))),
        ]
        try TensorArchive(tensors, metadata: ["cell": "rnn", "activation": "linear"]).save(path)
        // The prefix and the head are inferred (and said); naming them gives the same model.
        let (inferred, reading) = try RecurrentModel.read(path)
        #expect(reading.prefix == "rnn." && reading.head == "fc")
        #expect(reading.notes.contains { $0.hasPrefix("recurrent module 'rnn'") } && reading.notes.contains { $0.hasPrefix("head 'fc'") })
        let m = try RecurrentModel.load(path, prefix: "rnn.", head: "fc")
        #expect(m.parameters == inferred.parameters)
        #expect(m.parameters.names == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "head.weight", "head.bias"])
        #expect(m.headSize == 3)
        #expect(try RecurrentModel.load(path, head: "none").headSize == nil)
        let out = try gradlabOutput(["diagnose", "--model", path, "--prefix", "rnn.", "--head", "fc",
                                                        "--steps", "20", "--h0", "zeros", "--lags", "10", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let norms = try #require(json["jacobian_norm_log10"] as? [[Double]])
        #expect(norms.allSatisfy { abs($0[1] - $0[0] * log10(0.5)) < 1e-12 })
        #expect(throws: RecurrentError.self) { try RecurrentModel.load(path, prefix: "lstm.") }
    }
}
