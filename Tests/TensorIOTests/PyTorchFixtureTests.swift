import Testing
import Foundation
@testable import TensorIO

/// torch.save checkpoints written by torch 2.13 (scripts/make_torch_fixtures.py) against the safetensors
/// export of the same tensors: same names, shapes and Float64 bits.
@Suite("PyTorch checkpoints")
struct PyTorchFixtureTests {
    static func torch(_ name: String) -> String { Fixtures.path("torch/" + name) }

    /// Every tensor of `a` equals the one of the same name in `b`, bit for bit (integers exactly).
    static func expectSameTensors(_ a: TensorArchive, _ b: TensorArchive, _ what: String) {
        #expect(Set(a.names) == Set(b.names), "\(what)")
        for e in a.entries {
            let other = b[e.name]
            #expect(e.tensor.shape == other?.shape, "\(what) \(e.name)")
            #expect(e.tensor.values.map(\.bitPattern) == other?.values.map(\.bitPattern), "\(what) \(e.name)")
            #expect(e.tensor.integers == other?.integers, "\(what) \(e.name)")
        }
    }

    @Test(arguments: ["rnn_tanh", "rnn_relu_f64", "lstm2", "gru_bi_f64", "gru_f16", "rnn_bf16", "model", "checkpoint", "views", "shared"])
    func matchesTheSafetensorsExport(name: String) throws {
        let pt = try TensorArchive.load(PyTorchFixtureTests.torch(name + ".pt"))
        let st = try TensorArchive.load(PyTorchFixtureTests.torch(name + ".safetensors"))
        #expect(!pt.isEmpty)
        #expect(pt.metadata.isEmpty)
        PyTorchFixtureTests.expectSameTensors(pt, st, name)
    }

    @Test func elementTypesAndFileOrder() throws {
        let lstm = try TensorArchive.load(PyTorchFixtureTests.torch("lstm2.pt"))
        #expect(lstm.names == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                               "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"])
        #expect(lstm["weight_hh_l0"]?.shape == [16, 4] && lstm["weight_hh_l0"]?.elementType == .float32)
        let gru = try TensorArchive.load(PyTorchFixtureTests.torch("gru_bi_f64.pt"))
        #expect(gru.names.contains("weight_hh_l0_reverse") && gru["weight_hh_l0_reverse"]?.elementType == .float64)
        // float16 and bfloat16 widen exactly and are held as float32 (every such value is a float32 value).
        for half in ["gru_f16.pt", "rnn_bf16.pt"] {
            let a = try TensorArchive.load(PyTorchFixtureTests.torch(half))
            #expect(a.entries.allSatisfy { $0.tensor.elementType == .float32 && $0.tensor.values.allSatisfy { Double(Float($0)) == $0 } })
        }
        let model = try TensorArchive.load(PyTorchFixtureTests.torch("model.pt"))
        #expect(model.names == ["embedding.weight", "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                                "fc.weight", "fc.bias"])
    }

    /// A transposed view, a strided slice with an offset, a stride-0 broadcast, int64 beyond 2⁵³, a bool
    /// mask, and three tensors sharing one storage, against values computed here.
    @Test func viewsGatherByStrides() throws {
        let a = try TensorArchive.load(PyTorchFixtureTests.torch("views.pt"))
        let base: [Double] = (0..<24).map { (k: Int) -> Double in Double(k) / 7 - 1 } // 4×6, row-major
        let transposed: [Double] = (0..<24).map { (k: Int) -> Double in base[(k % 4) * 6 + k / 4] }
        var slice: [Double] = []
        for r in 1..<4 { for c in stride(from: 0, to: 6, by: 2) { slice.append(base[r * 6 + c]) } }
        let broadcast: [Double] = [0.5, -1.25, 3, 0.5, -1.25, 3]
        let steps: [Int64] = [(1 << 60) + 1, -(1 << 60) - 3]
        #expect(a["transposed"]?.shape == [6, 4])
        #expect(a["transposed"]?.values == transposed)
        #expect(a["slice"]?.shape == [3, 3])
        #expect(a["slice"]?.values == slice)
        #expect(a["broadcast"]?.shape == [2, 3])
        #expect(a["broadcast"]?.values == broadcast)
        #expect(a["steps"]?.integers == steps && a["steps"]?.elementType == .int64)
        #expect(a["mask"]?.integers == [1, 0, 1] && a["mask"]?.elementType == .uint8)

        let s = try TensorArchive.load(PyTorchFixtureTests.torch("shared.pt"))
        let whole: [Double] = (0..<12).map { (k: Int) -> Double in Double(Float(k) / 3) }
        #expect(s["whole"]?.values == whole)
        #expect(s["rows"]?.shape == [2, 4] && s["rows"]?.values == Array(whole[4...]))
        #expect(s["column"]?.shape == [3] && s["column"]?.values == [whole[2], whole[6], whole[10]])
    }

    @Test func checkpointDictFindsTheModel() throws {
        let path = PyTorchFixtureTests.torch("checkpoint.pt")
        let auto = try TensorArchive.load(path)
        #expect(auto.names.first == "embedding.weight" && auto.names.count == 7)
        #expect(try TensorArchive.load(path, checkpointKey: "model") == auto)
        let e1 = #expect(throws: TensorIOError.self) { try TensorArchive.load(path, checkpointKey: "optimizer") }
        #expect(e1?.problem == "the checkpoint's 'optimizer' holds a dict that is not all tensors, not a state dict")
        let e2 = #expect(throws: TensorIOError.self) { try TensorArchive.load(path, checkpointKey: "ema") }
        #expect(e2?.problem == "the checkpoint has no key 'ema'; its keys are 'model', 'optimizer', 'epoch', 'note', 'losses', 'big'")
        let e3 = #expect(throws: TensorIOError.self) { try TensorArchive.load(PyTorchFixtureTests.torch("rnn_tanh.pt"), checkpointKey: "model") }
        #expect(e3?.problem == "the file is a bare state dict (4 tensors), not a checkpoint; drop the checkpoint key 'model'")
        let e4 = #expect(throws: TensorIOError.self) { try TensorArchive.load(Fixtures.path("stored.npz"), checkpointKey: "model") }
        #expect(e4?.problem.contains("applies to PyTorch checkpoints (.pt, .pth, .bin) only") == true)
    }

    @Test func ambiguousCheckpointListsTheCandidates() throws {
        let path = PyTorchFixtureTests.torch("ambiguous.pt")
        let error = #expect(throws: TensorIOError.self) { try TensorArchive.load(path) }
        #expect(error?.problem == "ambiguous checkpoint: 'model' and 'ema' both hold state dicts; choose one with the checkpoint key (TensorArchive.load(path, checkpointKey:))")
        #expect(try TensorArchive.load(path, checkpointKey: "ema").names.count == 7)
    }

    @Test func parameterIsATensor() throws {
        let a = try TensorArchive.load(PyTorchFixtureTests.torch("parameter.pt"))
        #expect(a["p"]?.shape == [2, 2] && a["p"]?.values == [1, 2, 3, 4])
    }

    /// .pth and .bin read the same; content that disagrees with the extension says what it looks like.
    @Test func extensionsAndMisnamedFiles() throws {
        let bytes = try Fixtures.bytes("torch/rnn_tanh.pt"), reference = try TensorArchive.load(PyTorchFixtureTests.torch("rnn_tanh.pt"))
        for ext in ["pth", "bin", "PT"] {
            let p = try Fixtures.write(bytes, ext: ext)
            defer { try? FileManager.default.removeItem(atPath: p) }
            #expect(try TensorArchive.load(p) == reference)
        }
        let cases: [([UInt8], String, String)] = [
            (bytes, "safetensors", "looks like a PyTorch zip checkpoint (torch.save), not safetensors; rename it to .pt"),
            (bytes, "npy", "looks like a PyTorch zip checkpoint (torch.save), not .npy; rename it to .pt"),
            (bytes, "npz", "looks like a PyTorch zip checkpoint (torch.save), not .npz; rename it to .pt"),
            (try Fixtures.bytes("stored.npz"), "pt", "looks like a NumPy .npz archive, not a torch.save checkpoint; rename it to .npz"),
            (try Fixtures.bytes("model.safetensors"), "pt", "looks like a safetensors file, not a torch.save checkpoint; rename it to .safetensors"),
            (try Fixtures.bytes("f8_v1.npy"), "pt", "looks like a NumPy .npy file, not a torch.save checkpoint; rename it to .npy"),
            (try Fixtures.bytes("torch/legacy.pt"), "safetensors", "looks like a legacy PyTorch checkpoint (a pickle stream), not safetensors; \(PyTorchFormat.conversion)"),
        ]
        for (data, ext, message) in cases {
            let p = try Fixtures.write(data, ext: ext)
            defer { try? FileManager.default.removeItem(atPath: p) }
            let error = #expect(throws: TensorIOError.self) { try TensorArchive.load(p) }
            #expect(error?.problem == message, "\(ext)")
        }
    }

    /// A safetensors header of 128 bytes makes the file start with 0x80, like a pickle: still safetensors.
    @Test func safetensorsStartingWith0x80IsNotAPickle() throws {
        let json = #"{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#
        let bytes = CorruptFileTests.safetensors(header: json.padding(toLength: 128, withPad: " ", startingAt: 0), dataBytes: 8)
        #expect(bytes[0] == 0x80)
        let p = try Fixtures.write(bytes, ext: "safetensors")
        defer { try? FileManager.default.removeItem(atPath: p) }
        #expect(try TensorArchive.load(p)["w"]?.values == [0])
        let pt = try Fixtures.write(bytes, ext: "pt")
        defer { try? FileManager.default.removeItem(atPath: pt) }
        let error = #expect(throws: TensorIOError.self) { try TensorArchive.load(pt) }
        #expect(error?.problem == "looks like a safetensors file, not a torch.save checkpoint; rename it to .safetensors")
    }

    @Test func writingPtIsRefused() throws {
        let error = #expect(throws: TensorIOError.self) { try TensorArchive([("w", Tensor([1]))]).save("out.pt") }
        #expect(error?.description == "out.pt: GradLab does not write .pt; use .safetensors/.npz")
    }

    @Test func legacyFormatNamesTheConversion() throws {
        let error = #expect(throws: TensorIOError.self) { try TensorArchive.load(PyTorchFixtureTests.torch("legacy.pt")) }
        #expect(error?.problem.hasPrefix("a legacy (PyTorch < 1.6, non-zip) torch.save file; GradLab reads the zip format only: re-save it with torch.save(obj, path) on PyTorch ≥ 1.6") == true)
        #expect(error?.problem.contains("safetensors.torch.save_file") == true)
    }
}
