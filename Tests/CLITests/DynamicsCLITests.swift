import Foundation
import Testing

/// `gradlab fixed-points` and the forward section of `gradlab diagnose` on the committed fixtures
/// (scripts/make_dynamics_fixtures.py, Tests/Fixtures/Dynamics/).
@Suite("Dynamics CLI")
struct DynamicsCLITests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/Dynamics").standardized

    static func fixture(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The PyTorch-trained flip-flop RNN has 8 stable fixed points, one per corner of the output cube.
    @Test func flipFlopHasEightStableCorners() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-fp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("fp.json").path, csv = dir.appendingPathComponent("fp.csv").path
        let out = try gradlabOutput(["fixed-points", "--model", Self.fixture("flipflop-rnn.safetensors"), "--json", json, "--csv", csv])
        #expect(out.contains("stable 8"))
        let root = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let points = try #require(root["points"] as? [[String: Any]])
        let stable = points.filter { ($0["stability"] as? String) == "stable" && ($0["kind"] as? String) == "fixed" }
        #expect(stable.count == 8)
        var corners = Set<[Int]>()
        for p in stable {
            let y = try #require(p["output"] as? [Double])
            #expect(y.allSatisfy { abs(abs($0) - 1) < 0.1 }, "output \(y)")
            corners.insert(y.map { $0 > 0 ? 1 : -1 })
            #expect(((p["q"] as? Double) ?? 1) < 1e-20)
        }
        #expect(corners.count == 8)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == points.count + 1)
        #expect(rows.first?.hasPrefix("index,kind,stability,q,") == true)
    }

    @Test func badInputsAreLocatedErrors() throws {
        let model = Self.fixture("flipflop-rnn.safetensors")
        let r1 = try gradlab(["fixed-points", "--model", model, "--input-constant", "1,2"])
        #expect(r1.status != 0 && r1.stderr.hasPrefix("error: --input-constant must be one finite number or 3"))
        let r2 = try gradlab(["fixed-points", "--model", model, "--input-constant", "0", "--input-file", "x.npy"])
        #expect(r2.status != 0 && r2.stderr.contains("error: give --input-constant or --input-file, not both"))
        let r3 = try gradlab(["fixed-points", "--model", model, "--from-trajectories", Self.fixture("flipflop-rnn.safetensors")])
        #expect(r3.status != 0 && r3.stderr.hasPrefix("error: "))
    }

    /// A PyTorch LSTM whose forget-gate biases are −6: the forward section shows the closed, saturated gate.
    @Test func closedForgetGateIsSaturating() throws {
        let out = try gradlabOutput(["diagnose", "--model", Self.fixture("lstm-closed-forget.safetensors"), "--steps", "50",
                                     "--input-noise", "1", "--format", "json"])
        let root = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let forward = try #require(root["forward"] as? [String: Any])
        #expect(forward["regime"] as? String == "saturating")
        #expect((forward["regime_step"] as? Int ?? 99) <= 3)
        let means = try #require(forward["gate_mean"] as? [String: [Double]])
        let f = try #require(means["f"])
        #expect(f.count == 50 && f.allSatisfy { $0 < 0.02 })
    }
}

extension DynamicsCLITests {
    /// `diagnose --unit-maps` writes the heatmap and the complete log10 maps; the h map's rows
    /// (squared, summed) give the gradient norm of the JSON report.
    @Test func unitMapsAreWrittenAndSumToTheReportedNorm() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-um-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try gradlabOutput(["diagnose", "--model", Self.fixture("lstm-closed-forget.safetensors"), "--steps", "30",
                                     "--input-noise", "1", "--format", "json", "--unit-maps", dir.path])
        for name in ["unit-maps.png", "unit-map-h.npy", "unit-map-gate-f.npy"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let root = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(root["forward"] != nil)
    }
}

extension DynamicsCLITests {
    /// `diagnose --unit-maps` on a stacked bidirectional PyTorch LSTM: a (T, H) map per layer and
    /// direction and one heatmap figure.
    @Test func stackedUnitMapsHaveOneMapPerLayerAndDirection() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-um-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.directory.deletingLastPathComponent().appendingPathComponent("Stacked/statedict-lstm-L2-bi.safetensors").path
        _ = try gradlabOutput(["diagnose", "--model", model, "--steps", "20", "--unit-maps", dir.path])
        for name in ["unit-maps.png", "unit-maps.svg", "unit-map-h-l0.npy", "unit-map-h-l0-reverse.npy", "unit-map-h-l1.npy", "unit-map-h-l1-reverse.npy"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
        }
        let bytes = try Data(contentsOf: dir.appendingPathComponent("unit-map-h-l0-reverse.npy"))
        #expect(String(decoding: bytes.prefix(128), as: UTF8.self).contains("'shape': (20, "))
    }
}

extension DynamicsCLITests {
    /// A stacked bidirectional PyTorch LSTM: the forward section has one object per layer and direction.
    @Test func stackedModelsHaveAForwardSectionPerUnit() throws {
        let model = Self.directory.deletingLastPathComponent().appendingPathComponent("Stacked/statedict-lstm-L2-bi.safetensors").path
        let out = try gradlabOutput(["diagnose", "--model", model, "--steps", "20", "--format", "json"])
        let root = try #require(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let units = try #require(root["forward"] as? [[String: Any]])
        #expect(units.map { "\($0["layer"] ?? "")-\($0["direction"] ?? "")" } == ["0-forward", "0-reverse", "1-forward", "1-reverse"])
        #expect(units.allSatisfy { ($0["h_norm"] as? [Double])?.count == 20 && ($0["gate_mean"] as? [String: [Double]])?["f"]?.count == 20 })
        let text = try gradlabOutput(["diagnose", "--model", model, "--steps", "20"])
        #expect(text.contains("layer 1 backward") && text.contains("gate f: mean"))
    }
}
