import Testing
import Foundation
@testable import TensorIO

/// Damaged and lying files give one-line `TensorIOError`s, never crashes or header-sized allocations.
@Suite("Corrupt files")
struct CorruptFileTests {
    static let fixtures = ["f8_v1.npy", "f4_v2.npy", "i8_v3.npy", "stored.npz", "compressed.npz", "zip64.npz", "model.safetensors"]

    /// Decodes an in-memory image the way `TensorArchive.load` would for `name`'s extension.
    static func decode(_ bytes: [UInt8], like name: String) throws {
        switch try TensorFileFormat(path: name) {
        case .npy: _ = try NPYFormat.decode(bytes[...], file: name)
        case .npz: for m in try ZipArchive.read(bytes, file: name) { _ = try NPYFormat.decode(m.bytes[...], file: name) }
        case .safetensors: _ = try SafetensorsFormat.decode(bytes, file: name)
        case .pytorch: _ = try PyTorchFormat.decode(bytes, file: name)
        }
    }

    @Test(arguments: fixtures)
    func everyTruncationIsAnError(file: String) throws {
        let bytes = try Fixtures.bytes(file)
        for n in 0..<bytes.count {
            #expect(throws: TensorIOError.self, "prefix of \(n) bytes") { try CorruptFileTests.decode(Array(bytes[0..<n]), like: file) }
        }
    }

    /// Flipping any single byte either still decodes or throws a TensorIOError (never traps).
    @Test(arguments: fixtures)
    func everyByteFlipIsHandled(file: String) throws {
        let bytes = try Fixtures.bytes(file)
        var failures = 0
        for k in bytes.indices {
            var b = bytes
            b[k] ^= 0xFF
            do { try CorruptFileTests.decode(b, like: file) } catch is TensorIOError { failures += 1 }
        }
        #expect(failures > 0)
    }

    static func safetensors(header: String, dataBytes: Int) -> [UInt8] {
        var out: [UInt8] = []
        appendLE(UInt64(header.utf8.count), &out)
        return out + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
    }

    @Test(arguments: [
        (#"{"w":{"dtype":"F64","shape":[1048576,1048576],"data_offsets":[0,16]}}"#, "header lies about sizes"),
        (#"{"w":{"dtype":"F64","shape":[2305843009213693952,8],"data_offsets":[0,16]}}"#, "too many"),
        (#"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"v":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#, "overlap"),
        (#"{"w":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}}"#, "truncated"),
        (#"{"w":{"dtype":"F64","shape":[-2],"data_offsets":[0,16]}}"#, "negative dimension"),
        (#"{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#, "unsupported dtype BF16"),
        (#"{"w":{"dtype":"F64","shape":[2],"data_offsets":[16,0]}}"#, "go backwards"),
        (#"{"__metadata__":{"cell":3}}"#, "must be a string"),
        (#"{"w":{"dtype":"F64","shape":[2]"#, "not valid JSON"),
    ])
    func lyingSafetensorsHeaders(header: String, message: String) {
        let error = #expect(throws: TensorIOError.self) {
            try SafetensorsFormat.decode(CorruptFileTests.safetensors(header: header, dataBytes: 16), file: "m.safetensors")
        }
        #expect(error?.description.hasPrefix("m.safetensors: ") == true)
        #expect(error?.problem.contains(message) == true, "\(String(describing: error))")
    }

    @Test func safetensorsHeaderLengthBeyondFile() {
        var bytes = CorruptFileTests.safetensors(header: "{}", dataBytes: 0)
        bytes[7] = 0x7F
        let error = #expect(throws: TensorIOError.self) { try SafetensorsFormat.decode(bytes, file: "m.safetensors") }
        #expect(error?.problem.contains("header length") == true)
    }

    @Test func npyShapeLargerThanData() throws {
        let header = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (9999999999999,), }\n".utf8)
        var bytes = NPYFormat.magic + [1, 0]
        appendLE(UInt16(header.count), &bytes)
        bytes += header + [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: TensorIOError.self) { try NPYFormat.decode(bytes[...], file: "x.npy") }
        #expect(error?.problem.contains("truncated") == true, "\(String(describing: error))")
    }

    @Test func npyTrailingBytesAreALie() throws {
        let bytes = NPYFormat.encode(try Tensor(shape: [2], values: [1, 2])) + [0, 0, 0, 0, 0, 0, 0, 0]
        let error = #expect(throws: TensorIOError.self) { try NPYFormat.decode(bytes[...], file: "x.npy") }
        #expect(error?.problem.contains("header lies about sizes") == true)
    }

    /// A deflated member whose directory understates its size is stopped at the declared size.
    @Test func npzDeclaredSizeTooSmall() throws {
        var bytes = try Fixtures.bytes("compressed.npz")
        let cd = try #require((0..<bytes.count - 4).first { readLE(bytes[...], $0, as: UInt32.self) == 0x0201_4B50 })
        bytes[cd + 24] = 10; bytes[cd + 25] = 0; bytes[cd + 26] = 0; bytes[cd + 27] = 0 // uncompressed size = 10
        let error = #expect(throws: TensorIOError.self) { try ZipArchive.read(bytes, file: "c.npz") }
        #expect(error?.problem.contains("inflates to more than the declared 10 bytes") == true, "\(String(describing: error))")
    }

    /// Offsets near Int.max in ZIP64 fields are errors, not overflow traps.
    @Test func zip64OffsetsNearIntMax() throws {
        var bytes = try Fixtures.bytes("zip64.npz")
        let locator = try #require((0..<bytes.count - 4).reversed().first { readLE(bytes[...], $0, as: UInt32.self) == 0x0706_4B50 })
        for k in 0..<8 { bytes[locator + 8 + k] = k == 7 ? 0x7F : 0xFF }
        let error = #expect(throws: TensorIOError.self) { try ZipArchive.read(bytes, file: "z.npz") }
        #expect(error?.problem.contains("truncated zip structure") == true, "\(String(describing: error))")
    }

    /// Two directory entries pointing at one member (how overlapping zip bombs multiply their output).
    @Test func overlappingMembersAreRefused() throws {
        var bytes = try Fixtures.bytes("stored.npz")
        let cds = (0..<bytes.count - 4).filter { readLE(bytes[...], $0, as: UInt32.self) == 0x0201_4B50 }
        for k in 0..<4 { bytes[cds[1] + 42 + k] = bytes[cds[0] + 42 + k] } // second entry → first local header
        let error = #expect(throws: TensorIOError.self) { try ZipArchive.read(bytes, file: "s.npz") }
        #expect(error?.problem == "header lies about sizes: members 'W.npy' and 'b.npy' overlap", "\(String(describing: error))")
    }

    @Test func declaredSizesBeyondTheLimitAreRefusedBeforeInflating() throws {
        let bytes = try Fixtures.bytes("compressed.npz")
        #expect(try ZipArchive.read(bytes, file: "c.npz", maxTotalSize: 10_000).count == 3)
        let error = #expect(throws: TensorIOError.self) { try ZipArchive.read(bytes, file: "c.npz", maxTotalSize: 100) }
        #expect(error?.problem.hasPrefix("members would inflate to more than 100 bytes") == true)
    }

    @Test func npzCRCMismatch() throws {
        var bytes = try Fixtures.bytes("stored.npz")
        bytes[200] ^= 0x01 // inside the first member's data
        let error = #expect(throws: TensorIOError.self) { try ZipArchive.read(bytes, file: "s.npz") }
        #expect(error?.problem.contains("CRC-32") == true)
    }

    @Test func unknownExtensionAndMissingFile() {
        let e1 = #expect(throws: TensorIOError.self) { try TensorArchive.load("weights.h5") }
        #expect(e1?.description == "weights.h5: unknown extension '.h5'; use .npy, .npz, .safetensors or .pt/.pth/.bin")
        let e2 = #expect(throws: TensorIOError.self) { try TensorArchive.load("/nonexistent/w.npy") }
        #expect(e2?.description == "/nonexistent/w.npy: no such file")
    }

    @Test func nanInAWeightNamesTheTensorAndIndex() throws {
        let a = TensorArchive([("bias_hh_l0", Tensor([1, 2])),
                               ("weight_hh_l0", try Tensor(shape: [2, 3], values: [0, 1, 2, 3, .nan, 5]))])
        let error = #expect(throws: TensorIOError.self) { try a.checkFinite(file: "m.safetensors") }
        #expect(error?.description == "m.safetensors: tensor 'weight_hh_l0' has NaN at index (1, 1); weights must be finite")
        #expect(throws: Never.self) { try TensorArchive([("w", Tensor([1, 2]))]).checkFinite(file: "x") }
    }

    @Test func matrixAndVectorAccessorsCheckRankAndValues() throws {
        let a = TensorArchive([("w", try Tensor(shape: [2, 2], values: [1, 2, 3, .infinity])), ("b", Tensor([1, 2])),
                               ("ok", try Tensor(shape: [1, 2], values: [5, 6]))])
        #expect(try a.matrix(named: "ok", file: "m.npz").elements == [5, 6])
        #expect(try a.vector(named: "b", file: "m.npz") == [1, 2])
        let e1 = #expect(throws: TensorIOError.self) { try a.matrix(named: "b", file: "m.npz") }
        #expect(e1?.description == "m.npz: tensor 'b' must be a matrix (rank 2) but has shape (2,)")
        let e2 = #expect(throws: TensorIOError.self) { try a.matrix(named: "w", file: "m.npz") }
        #expect(e2?.description == "m.npz: tensor 'w' has inf at index (1, 1); weights must be finite")
        let e3 = #expect(throws: TensorIOError.self) { try a.vector(named: "ok", file: "m.npz") }
        #expect(e3?.description == "m.npz: tensor 'ok' must be a vector (rank 1) but has shape (1, 2)")
    }

    @Test func missingTensorListsTheAvailableOnes() throws {
        let a = try TensorArchive.load(Fixtures.path("stored.npz"))
        let error = #expect(throws: TensorIOError.self) { try a.tensor(named: "weight_hh_l0", file: "s.npz") }
        #expect(error?.description == "s.npz: no tensor named 'weight_hh_l0'; the file has 'W' (3, 4), 'b' (4,), 'y' (5,)")
        #expect(throws: TensorIOError.self) { try a.tensor(named: nil, file: "s.npz") }
    }
}
