import Testing
import Linalg
@testable import TensorIO

/// Files written by NumPy (format 1.0/2.0/3.0, every supported dtype, np.savez and np.savez_compressed).
@Suite("NumPy fixtures")
struct NumpyFixtureTests {
    @Test func float64Version1() throws {
        let t = try TensorArchive.load(Fixtures.path("f8_v1.npy")).tensor(named: nil, file: "f8_v1.npy")
        #expect(t.shape == [3, 4] && t.elementType == .float64)
        #expect(t.values == Fixtures.floats(12))
        let m = try t.matrix()
        #expect(m[1, 2] == (6.0 - 3) / 7)
    }

    @Test func float32Version2() throws {
        let a = try TensorArchive.load(Fixtures.path("f4_v2.npy"))
        #expect(a.names == ["f4_v2"])
        let t = try #require(a["f4_v2"])
        #expect(t.shape == [2, 3, 4] && t.elementType == .float32)
        #expect(t.values == Fixtures.floats32(24))
    }

    @Test func int64Version3KeepsExactValues() throws {
        let t = try TensorArchive.load(Fixtures.path("i8_v3.npy")).tensor(named: nil, file: "")
        #expect(t.shape == [5] && t.elementType == .int64)
        #expect(t.integers == Fixtures.int64s(5))
    }

    @Test func int32AndUInt8() throws {
        let i4 = try TensorArchive.load(Fixtures.path("i4_v1.npy")).tensor(named: nil, file: "")
        #expect(i4.shape == [2, 2] && i4.integers == [-2, -1, 0, 1] && i4.values == [-2, -1, 0, 1])
        let u1 = try TensorArchive.load(Fixtures.path("u1_v1.npy")).tensor(named: nil, file: "")
        #expect(u1.shape == [6] && u1.integers == [0, 50, 100, 150, 200, 250])
    }

    @Test func scalarEmptyAndDefaultVersion() throws {
        let s = try TensorArchive.load(Fixtures.path("scalar_v1.npy")).tensor(named: nil, file: "")
        #expect(s.shape == [] && s.values == [2.5])
        let e = try TensorArchive.load(Fixtures.path("empty_v1.npy")).tensor(named: nil, file: "")
        #expect(e.shape == [0, 3] && e.values.isEmpty)
        let d = try TensorArchive.load(Fixtures.path("default.npy")).tensor(named: nil, file: "")
        #expect(try d.matrix() == Matrix(rows: 2, cols: 2, elements: Fixtures.floats(4)))
    }

    @Test(arguments: ["stored.npz", "compressed.npz", "zip64.npz"])
    func npzMembers(file: String) throws {
        let a = try TensorArchive.load(Fixtures.path(file))
        #expect(a.names == ["W", "b", "y"])
        #expect(a["W"]?.shape == [3, 4] && a["W"]?.values == Fixtures.floats(12))
        #expect(a["b"]?.elementType == .float32 && a["b"]?.values == Fixtures.floats32(4))
        #expect(a["y"]?.integers == Fixtures.int64s(5))
    }

    /// The fixture really is deflated (so the zlib path is exercised), and NumPy's local headers carry ZIP64 extras.
    @Test func compressedFixtureIsDeflatedWithZip64Headers() throws {
        let bytes = try Fixtures.bytes("compressed.npz")
        #expect(bytes[8] == 8) // method of the first local header
        #expect(Array(bytes[18..<26]) == [UInt8](repeating: 0xFF, count: 8)) // sizes deferred to the ZIP64 extra
    }

    /// zip64.npz reaches its central directory only through the ZIP64 end record (classic fields are sentinels).
    @Test func zip64FixtureUsesTheZip64EndRecord() throws {
        let bytes = try Fixtures.bytes("zip64.npz")
        let eocd = try #require((0...(bytes.count - 22)).reversed().first { readLE(bytes[...], $0, as: UInt32.self) == 0x0605_4B50 })
        #expect(readLE(bytes[...], eocd + 10, as: UInt16.self) == 0xFFFF && readLE(bytes[...], eocd + 16, as: UInt32.self) == 0xFFFF_FFFF)
        #expect(readLE(bytes[...], eocd - 20, as: UInt32.self) == 0x0706_4B50)
    }

    @Test(arguments: [
        ("fortran_v1.npy", "Fortran-order arrays are not supported"),
        ("bigendian_v1.npy", "unsupported dtype '>f8' (big-endian"),
        ("complex_v1.npy", "unsupported dtype '<c16'"),
    ])
    func refusedWithAClearMessage(file: String, message: String) throws {
        let error = #expect(throws: TensorIOError.self) { try TensorArchive.load(Fixtures.path(file)) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
        #expect(error?.file == Fixtures.path(file))
    }
}
