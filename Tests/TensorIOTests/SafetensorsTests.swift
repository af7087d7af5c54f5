import Testing
import Foundation
import Linalg
@testable import TensorIO

@Suite("safetensors")
struct SafetensorsTests {
    @Test func readsFileWrittenByTheReferencePackage() throws {
        let a = try TensorArchive.load(Fixtures.path("model.safetensors"))
        #expect(a.metadata == ["cell": "lstm", "activation": "tanh"])
        #expect(Set(a.names) == ["weight_hh_l0", "bias_hh_l0", "targets"])
        #expect(a["weight_hh_l0"]?.shape == [8, 2] && a["weight_hh_l0"]?.values == Fixtures.floats(16))
        #expect(a["bias_hh_l0"]?.elementType == .float32 && a["bias_hh_l0"]?.values == Fixtures.floats32(8))
        #expect(a["targets"]?.shape == [2, 3] && a["targets"]?.integers == Fixtures.int64s(6))
    }

    @Test func roundTripKeepsOrderMetadataAndBits() throws {
        var a = TensorArchive()
        a.append(name: "weight_hh_l0", Tensor(try Matrix(rows: 2, cols: 3, elements: [1, -0.0, .pi, 1e-300, -7, 0.1])))
        a.append(name: "bias_hh_l0", try Tensor(shape: [3], values: [0.5, 0.25, 1.0 / 3], elementType: .float32))
        a.append(name: "y", try Tensor(shape: [2], integers: [Int64.min, Int64.max]))
        a.metadata = ["cell": "rnn", "activation": "leaky-relu", "note": "quote \" and \\ and \n"]
        let p = Fixtures.temporary("safetensors")
        defer { try? FileManager.default.removeItem(atPath: p) }
        try a.save(p)
        let b = try TensorArchive.load(p)
        #expect(b.names == a.names)
        #expect(b.metadata == a.metadata)
        #expect(b["weight_hh_l0"]?.values.map(\.bitPattern) == a["weight_hh_l0"]?.values.map(\.bitPattern))
        #expect(b["bias_hh_l0"]?.values == [0.5, 0.25, Double(Float(1.0 / 3))])
        #expect(b["y"]?.integers == [Int64.min, Int64.max])
        // The header is padded to a multiple of 8 bytes so the data is aligned.
        let bytes = try TensorArchive.readBytes(p)
        let headerLength = readLE(bytes[...], 0, as: UInt64.self)
        #expect(headerLength % 8 == 0)
    }
}
