import Testing
import Foundation
import Linalg
@testable import TensorIO

@Suite("Round trips")
struct RoundTripTests {
    static let tensors: [(String, Tensor)] = {
        let f = { (shape: [Int]) in try! Tensor(shape: shape, values: Fixtures.floats(shape.reduce(1, *))) }
        return [("a", f([2, 3])), ("scalar", f([])), ("cube", f([2, 0, 4])), ("v", f([7])),
                ("f32", try! Tensor(shape: [2, 2], values: Fixtures.floats32(4), elementType: .float32)),
                ("ids", try! Tensor(shape: [3], integers: Fixtures.int64s(3))),
                ("i32", try! Tensor(shape: [2], integers: [-5, 7], elementType: .int32)),
                ("bytes", try! Tensor(shape: [3], integers: [0, 128, 255], elementType: .uint8))]
    }()

    @Test(arguments: ["npz", "safetensors"], [false, true])
    func archiveRoundTrip(ext: String, compressed: Bool) throws {
        let a = TensorArchive(RoundTripTests.tensors)
        let p = Fixtures.temporary(ext)
        defer { try? FileManager.default.removeItem(atPath: p) }
        try a.save(p, compressed: compressed)
        #expect(try TensorArchive.load(p) == a)
    }

    @Test(arguments: RoundTripTests.tensors.map(\.1))
    func npyRoundTrip(tensor: Tensor) throws {
        let bytes = NPYFormat.encode(tensor)
        #expect(bytes.count % 64 == (tensor.elementCount * tensor.elementType.byteCount) % 64) // data 64-aligned
        #expect(try NPYFormat.decode(bytes[...], file: "x.npy") == tensor)
    }

    /// Our .npy and .npz output is identical to what NumPy wrote for the same arrays (header text and padding too).
    @Test func npyBytesMatchNumPy() throws {
        let ours = NPYFormat.encode(try Tensor(shape: [3, 4], values: Fixtures.floats(12)))
        #expect(ours == (try Fixtures.bytes("f8_v1.npy")))
        let u1 = NPYFormat.encode(try Tensor(shape: [6], integers: [0, 50, 100, 150, 200, 250], elementType: .uint8))
        #expect(u1 == (try Fixtures.bytes("u1_v1.npy")))
    }

    @Test func largeHeaderUsesVersion2() throws {
        let t = try Tensor(shape: [Int](repeating: 1, count: 30_000), values: [4])
        let bytes = NPYFormat.encode(t)
        #expect(bytes[6] == 2)
        #expect(try NPYFormat.decode(bytes[...], file: "big.npy") == t)
    }

    @Test func matrixAndVectorConversions() throws {
        let m = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(try Tensor(m).matrix() == m)
        #expect(try Tensor([1, 2]).vector() == [1, 2])
        #expect(throws: TensorIOError.self) { try Tensor([1, 2]).matrix() }
        #expect(throws: TensorIOError.self) { try Tensor(m).vector() }
        #expect(throws: TensorIOError.self) { try Tensor(shape: [2, 2], values: [1, 2, 3]) }
    }

    @Test func conversionsBetweenElementTypes() throws {
        let f = try Tensor(shape: [3], values: [1, -2, 0.1])
        #expect(try f.converted(to: .float32).values == [1, -2, Double(Float(0.1))])
        #expect(throws: TensorIOError.self) { try f.converted(to: .int64) } // 0.1 is not an integer
        let i = try Tensor(shape: [2], values: [3, -4]).converted(to: .int32)
        #expect(i.integers == [3, -4] && i.elementType == .int32)
        #expect(try i.converted(to: .float64).values == [3, -4])
        #expect(throws: TensorIOError.self) { try Tensor(shape: [1], integers: [256], elementType: .uint8) }
        #expect(throws: TensorIOError.self) { try Tensor(shape: [1], integers: [1 << 40], elementType: .int32) }
    }

    @Test func npyHoldsExactlyOneTensor() throws {
        let p = Fixtures.temporary("npy")
        defer { try? FileManager.default.removeItem(atPath: p) }
        let e = #expect(throws: TensorIOError.self) { try TensorArchive(RoundTripTests.tensors).save(p) }
        #expect(e?.problem.contains("holds one tensor") == true)
    }
}
