import Foundation
import Testing

/// `gradlab diagnose` on PyTorch models saved with `torch.save(model.state_dict(), …)` (no metadata,
/// no flags: the recurrent module, cell and head are inferred) against PyTorch autograd
/// (scripts/make_diagnose_fixtures.py, Tests/Fixtures/Diagnose/parity.json): ‖∂s_T/∂s_{T−k}‖₂ of every
/// layer and direction to 1e-10 relative, and JSON that parses for ReLU, LSTM and bidirectional models.
@Suite("diagnose parity with PyTorch autograd")
struct DiagnoseParityTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Diagnose").standardized

    struct Fixture {
        let model: String, input: String, cell: String, layers: Int, bidirectional: Bool
        /// `relu` for the ReLU RNN (a state dict does not record it; everything else is inferred).
        let activation: String?
        /// (layer, direction) → [(lag, norm)].
        let units: [String: [(Int, Double)]]
    }

    static func fixtures() throws -> [Fixture] {
        let data = try Data(contentsOf: directory.appendingPathComponent("parity.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(root["fixtures"] as? [[String: Any]])
        return try list.map { f in
            var units: [String: [(Int, Double)]] = [:]
            for u in try #require(f["units"] as? [[String: Any]]) {
                let key = "\(u["layer"] as? Int ?? -1)/\(u["direction"] as? String ?? "")"
                units[key] = try #require(u["norms"] as? [[Double]]).map { (Int($0[0]), $0[1]) }
            }
            return Fixture(model: try #require(f["model"] as? String), input: try #require(f["input"] as? String),
                           cell: try #require(f["cell"] as? String), layers: try #require(f["layers"] as? Int),
                           bidirectional: try #require(f["bidirectional"] as? Bool),
                           activation: f["activation"] as? String, units: units)
        }
    }

    /// `diagnose --format json` with h_0 = 0 and the fixture's input, parsed.
    static func diagnose(_ f: Fixture, _ extra: [String] = []) throws -> [String: Any] {
        let out = try gradlabOutput(["diagnose", "--model", directory.appendingPathComponent(f.model).path,
                                     "--input", directory.appendingPathComponent(f.input).path, "--h0", "zeros",
                                     "--format", "json"] + extra)
        return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
    }

    /// log10 of the measured norms by (layer/direction) and lag: a single-layer report's
    /// `jacobian_norm_log10`, a stacked one's `time_jacobian_norm_log10`.
    static func measured(_ json: [String: Any]) throws -> [String: [Int: Double]] {
        func table(_ rows: [[Any]]) -> [Int: Double] {
            Dictionary(rows.compactMap { r in (r[0] as? Int).flatMap { lag in (r[1] as? Double).map { (lag, $0) } } },
                       uniquingKeysWith: { a, _ in a })
        }
        if let single = json["jacobian_norm_log10"] as? [[Any]] { return ["0/forward": table(single)] }
        var out: [String: [Int: Double]] = [:]
        for u in try #require(json["time_jacobian_norm_log10"] as? [[String: Any]]) {
            out["\(u["layer"] as? Int ?? -1)/\(u["direction"] as? String ?? "")"] = table(try #require(u["norms"] as? [[Any]]))
        }
        return out
    }

    @Test func jacobianProductNormsEqualAutogradWithoutAnyFlag() throws {
        let fixtures = try Self.fixtures()
        #expect(fixtures.count == 4)
        for f in fixtures {
            let json = try Self.diagnose(f, f.activation == "relu" ? ["--activation", "relu"] : [])
            let model = try #require(json["model"] as? [String: Any])
            #expect(model["cell"] as? String == f.cell, "\(f.model)")
            #expect(model["layers"] as? Int == f.layers && model["bidirectional"] as? Bool == f.bidirectional, "\(f.model)")
            let ours = try Self.measured(json)
            #expect(ours.count == f.units.count, "\(f.model): units \(ours.keys.sorted())")
            var compared = 0
            for (unit, norms) in f.units {
                for (lag, norm) in norms where norm > 1e-300 {
                    let log10Ours = try #require(ours[unit]?[lag], "\(f.model) \(unit) lag \(lag)")
                    // 1e-10 relative = 4.3e-11 in log10.
                    #expect(abs(log10Ours - Foundation.log10(norm)) < 1e-10 / Foundation.log(10.0),
                            "\(f.model) \(unit) lag \(lag): 10^\(log10Ours) vs \(norm)")
                    compared += 1
                }
            }
            #expect(compared >= 4, "\(f.model)")
        }
    }

    @Test func modelInferenceIsStatedInTheReport() throws {
        let f = try #require(try Self.fixtures().first { $0.model == "relu_head.pt" })
        // Without --activation the report says it assumed tanh, PyTorch's default; with it, it is exact.
        let text = try gradlabOutput(["diagnose", "--model", Self.directory.appendingPathComponent(f.model).path,
                                      "--steps", "10", "--lags", "log:3"])
        #expect(text.contains("recurrent module 'rnn'"))
        #expect(text.contains("cell rnn, from the shape of 'rnn.weight_hh_l0' (6×6 = H×H, H = 6)"))
        #expect(text.contains("activation tanh, PyTorch's default"))
        #expect(text.contains("head 'fc': 'fc.weight' (2×6) and 'fc.bias'"))
        #expect(text.contains("∂L/∂h_T = W_headᵀu (head 'fc'"))
        // --head none leaves the read-out out; an unknown head is an error listing the candidates.
        let none = try gradlabOutput(["diagnose", "--model", Self.directory.appendingPathComponent(f.model).path,
                                      "--steps", "10", "--head", "none"])
        #expect(none.contains("a random unit vector over the 6 top-layer outputs (no head)"))
        let r = try gradlab(["diagnose", "--model", Self.directory.appendingPathComponent(f.model).path, "--head", "classifier"])
        #expect(r.status != 0 && r.stderr.contains("no module 'classifier'") && r.stderr.contains("'fc' (2×6)"), "\(r.stderr)")
        // A flag that contradicts the weights' shape is an error, not an override.
        let wrong = try gradlab(["diagnose", "--model", Self.directory.appendingPathComponent(f.model).path, "--cell", "lstm"])
        #expect(wrong.status != 0 && wrong.stderr.contains("a lstm cell needs 4·H × H") && wrong.stderr.contains("the shape says rnn"), "\(wrong.stderr)")
    }

    @Test func theHeadShapesTheAdjoint() throws {
        // With the head, ∂L/∂h_T = W_headᵀu; without it, a unit vector: the gradient norms at t = T differ.
        let f = try #require(try Self.fixtures().first { $0.model == "relu_head.pt" })
        let withHead = try Self.diagnose(f, ["--activation", "relu"])
        let without = try Self.diagnose(f, ["--activation", "relu", "--head", "none"])
        let a = try #require((withHead["grad_norm_log10"] as? [[Any]])?.last?[1] as? Double)
        let b = try #require((without["grad_norm_log10"] as? [[Any]])?.last?[1] as? Double)
        #expect(abs(b) < 1e-12, "a unit adjoint has norm 1 at t = T")
        #expect(abs(a) > 1e-3, "W_headᵀu is not a unit vector")
    }
}
