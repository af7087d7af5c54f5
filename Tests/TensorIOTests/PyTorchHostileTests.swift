import Testing
import Foundation
@testable import TensorIO

/// Hostile and broken torch.save files: each is a one-line `TensorIOError` naming the file and the
/// offending item, nothing is executed, nothing traps.
@Suite("PyTorch hostile files")
struct PyTorchHostileTests {
    /// The file the os.system/eval payloads would create (scripts/make_torch_fixtures.py: MARKER).
    static let marker = "/tmp/gradlab-torch-fixture-executed"
    static let allowed = "(GradLab reads tensors only: collections.OrderedDict, torch._utils._rebuild_tensor_v2, "

    @Test(arguments: [
        ("hostile_os_system.pt", "data.pkl: global 'os.system' is not allowed \(allowed)"),
        ("hostile_eval.pt", "data.pkl: global 'builtins.eval' is not allowed \(allowed)"),
        ("hostile_stack_global.pt", "data.pkl: global 'os.system' is not allowed \(allowed)"),
        ("hostile_inst.pt", "data.pkl: opcode INST (0x69) at byte 49 is not allowed: it builds arbitrary objects"),
        ("hostile_opcode.pt", "data.pkl: unknown pickle opcode 0xff at byte 2"),
        ("hostile_offset.pt", "tensor 'w': size (2,), stride (1,), offset 10 reaches element 11 of storage data/0, which has 4 elements (points past the end)"),
        ("hostile_huge.pt", "tensor 'w': size (4611686018427387904,), stride (1,), offset 0 reaches element 4611686018427387903 of storage data/0"),
        ("hostile_overflow.pt", "tensor 'w': shape (4611686018427387904, 4611686018427387904) has too many elements"),
        ("hostile_expand.pt", "tensor 'w': 1099511627776 elements would exceed what GradLab reads from a file of this size"),
        ("hostile_missing.pt", "tensor 'w': its storage data/7 is missing from the archive"),
        ("hostile_ragged.pt", "tensor 'w': storage data/0 has 13 bytes, not a multiple of 4 (FloatStorage)"),
        ("hostile_numel.pt", "tensor 'w': header lies about sizes: storage data/0 has 4 elements but its persistent id says 9"),
        ("truncated.pt", "not a zip archive or truncated (no end-of-central-directory record)"),
    ])
    func refusedWithALocatedMessage(file: String, message: String) throws {
        try? FileManager.default.removeItem(atPath: PyTorchHostileTests.marker)
        let path = PyTorchFixtureTests.torch(file)
        let error = #expect(throws: TensorIOError.self) { try TensorArchive.load(path) }
        #expect(error?.file == path)
        #expect(error?.problem.hasPrefix(message) == true, "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: PyTorchHostileTests.marker), "a payload ran")
    }

    /// The handmade files' builder is sound: the same bytes with honest numbers load (torch.load does too).
    @Test func handmadeBuilderIsSound() throws {
        let a = try TensorArchive.load(PyTorchFixtureTests.torch("handmade.pt"))
        #expect(a["w"]?.values == [2, 3, 4] && a["w"]?.elementType == .float32)
    }

    @Test(arguments: ["torch/rnn_tanh.pt", "torch/views.pt"])
    func everyTruncationIsAnError(file: String) throws {
        let bytes = try Fixtures.bytes(file)
        for n in 0..<bytes.count {
            #expect(throws: TensorIOError.self, "prefix of \(n) bytes") { try PyTorchFormat.decode(Array(bytes[0..<n]), file: "m.pt") }
        }
    }

    /// Flipping any byte of the pickle (CRC fixed up so it reaches the machine) decodes or throws, never traps.
    @Test func everyPickleByteFlipIsHandled() throws {
        let bytes = try Fixtures.bytes("torch/checkpoint.pt")
        let members = try ZipArchive.read(bytes, file: "c.pt")
        let pickle = try #require(members.first { $0.name.hasSuffix("/data.pkl") })
        var failures = 0
        for k in pickle.bytes.indices {
            for flip: UInt8 in [0xFF, 0x01] {
                var p = pickle.bytes
                p[k] ^= flip
                let zip = try ZipArchive.write(members.map { $0.name == pickle.name ? .init(name: $0.name, bytes: p) : $0 }, compressed: false, file: "c.pt")
                do { _ = try PyTorchFormat.decode(zip, file: "c.pt") } catch is TensorIOError { failures += 1 }
            }
        }
        #expect(failures > 100)
    }
}

/// float16 → Float64 on all 65,536 bit patterns, against the platform's Float16 where it has one.
@Test func halfWideningIsExact() {
    #expect(TorchStorage.widenedHalf(0x0001) == 0x1p-24)      // smallest subnormal
    #expect(TorchStorage.widenedHalf(0x7BFF) == 65504)        // largest finite
    #expect(TorchStorage.widenedHalf(0x8000).sign == .minus && TorchStorage.widenedHalf(0x8000) == 0)
    #expect(TorchStorage.widenedHalf(0xFC00) == -.infinity && TorchStorage.widenedHalf(0x7E00).isNaN)
    #if !(os(macOS) && arch(x86_64))
    for h in UInt16.min...UInt16.max where !Float16(bitPattern: h).isNaN {
        #expect(TorchStorage.widenedHalf(h).bitPattern == Double(Float16(bitPattern: h)).bitPattern, "\(h)")
    }
    #endif
}

/// The pickle machine on hand-written opcode streams.
@Suite("Pickle machine")
struct PickleMachineTests {
    static func run(_ code: [UInt8]) throws -> PickleGraph { try PickleMachine.run(code, file: "m.pt") }

    static func problem(_ code: [UInt8]) -> String? {
        do { _ = try run(code); return nil } catch let e as TensorIOError { return e.problem } catch { return "\(error)" }
    }

    @Test func plainDataOfProtocolsTwoToFive() throws {
        // {'a': [1, -2, 2**64, 1.5, None, True, b'xy', (), frozenset()]} in protocol 4 with FRAME and MEMOIZE.
        let code: [UInt8] = [0x80, 0x04, 0x95, 40, 0, 0, 0, 0, 0, 0, 0, 0x7D, 0x94, 0x8C, 0x01, 0x61, 0x94, 0x5D, 0x94, 0x28,
                             0x4B, 0x01, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x8A, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
                             0x47, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0, 0x4E, 0x88, 0x43, 0x02, 0x78, 0x79, 0x29, 0x28, 0x91,
                             0x65, 0x73, 0x2E]
        let g = try PickleMachineTests.run(code)
        guard case .dict(let d) = g.root, case .list(let l)? = g.dicts[d][.string("a")] else { Issue.record("not {'a': [...]}"); return }
        let items = g.lists[l]
        #expect(items.count == 9)
        if case .int(1) = items[0], case .int(-2) = items[1], case .bigInt = items[2], case .float(1.5) = items[3],
           case .none = items[4], case .bool(true) = items[5], case .bytes([0x78, 0x79]) = items[6], case .tuple = items[7], case .list = items[8] {
        } else {
            Issue.record("items \(items.map(\.kind))")
        }
    }

    @Test(arguments: [
        ([0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x2E], "global 'os.system' is not allowed"),
        ([0x80, 0x02, 0x49, 0x31, 0x0A, 0x2E], "opcode INT (0x49) at byte 2 is a protocol-0/1 text opcode"),
        ([0x80, 0x02, 0x81, 0x2E], "opcode NEWOBJ (0x81) at byte 2 is not allowed"),
        ([0x80, 0x01, 0x2E], "pickle protocol 1 is not supported"),
        ([0x80, 0x02, 0x68, 0x05, 0x2E], "BINGET at byte 2 of memo entry 5, which was never stored"),
        ([0x80, 0x02, 0x2E], "stack underflow at byte 2"),
        ([0x80, 0x02, 0x4E, 0x4E, 0x2E], "STOP at byte 4 leaves 1 values on the stack"),
        ([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E], "truncated: a length of 2147483647 bytes"),
        ([0x80, 0x02, 0x4B], "truncated: needs 1 more bytes at byte 3"),
        ([0x80, 0x02, 0x7D, 0x29, 0x4E, 0x73, 0x2E], "dict key at byte 5 is a tuple"),
        ([0x80, 0x02, 0x5D, 0x7D, 0x62, 0x2E], "BUILD at byte 4 on a list is not allowed"),
        ([0x80, 0x02, 0x63] + Array("torch\nFloatStorage\n".utf8) + [0x29, 0x52, 0x2E], "torch.FloatStorage at byte 23 is called"),
        ([0x80, 0x02, 0x4E, 0x29, 0x52, 0x2E], "REDUCE at byte 4 calls None, not an allowed global"),
        ([0x80, 0x02, 0x63] + Array("torch\nShortStorage\n".utf8) + [0x2E], "storage type 'torch.ShortStorage' is not supported"),
        ([0x80, 0x02, 0x4E, 0x51, 0x2E], "persistent id at byte 3 is not a torch storage"),
        ([0x80, 0x02, 0x4E, 0x61, 0x2E], "stack underflow at byte 3"),
        ([0x80, 0x02, 0x28, 0x4E, 0x65, 0x2E], "stack underflow at byte 4"),
    ] as [([UInt8], String)])
    func refusals(code: [UInt8], message: String) {
        let p = PickleMachineTests.problem(code)
        #expect(p?.hasPrefix("data.pkl: " + message) == true, "\(String(describing: p))")
    }

    /// Tuples nested a million deep would overflow the stack when freed: capped at 64.
    @Test func deepNestingIsCapped() {
        let code: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
        #expect(PickleMachineTests.problem(code) == "data.pkl: tuples nest more than 64 deep")
    }

    /// Re-inserting one long key many times is charged to the work budget, not run quadratically.
    @Test func repeatedLongKeysHitTheWorkBudget() {
        var code: [UInt8] = [0x80, 0x02, 0x7D, 0x58, 0x00, 0x00, 0x10, 0x00] + [UInt8](repeating: 0x61, count: 1 << 20) + [0x71, 0x00, 0x30]
        for _ in 0..<200_000 { code += [0x68, 0x00, 0x4E, 0x73] }
        code.append(0x2E)
        #expect(PickleMachineTests.problem(code)?.hasPrefix("data.pkl: too much work for a pickle of") == true)
    }
}

/// State dicts written here opcode by opcode (as scripts/make_torch_fixtures.py does in Python), for the
/// checks that sit between the pickle and the storages.
@Suite("Handmade state dicts")
struct HandmadeStateDictTests {
    static func str(_ s: String) -> [UInt8] { var b: [UInt8] = [0x58]; appendLE(UInt32(s.utf8.count), &b); return b + Array(s.utf8) }
    static func int(_ i: Int64) -> [UInt8] { var b: [UInt8] = [0x8A, 8]; appendLE(UInt64(bitPattern: i), &b); return b }
    static func tuple(_ items: [[UInt8]]) -> [UInt8] { [0x28] + items.flatMap { $0 } + [0x74] }
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static let orderedDict = global("collections", "OrderedDict") + [0x29, 0x52]

    static func tensor(key: String, storage: String = "FloatStorage", numel: Int64, offset: Int64, size: [Int64], stride: [Int64]) -> [UInt8] {
        let pid = tuple([str("storage"), global("torch", storage), str(key), str("cpu"), int(numel)])
        return global("torch._utils", "_rebuild_tensor_v2") + [0x28] + pid + [0x51] + int(offset) + tuple(size.map(int))
            + tuple(stride.map(int)) + [0x89] + orderedDict + [0x74, 0x52]
    }

    /// `{name: tensor, …}` as an OrderedDict, then BUILD with `_metadata` as torch writes it.
    static func stateDict(_ entries: [(String, [UInt8])]) -> [UInt8] {
        [0x80, 0x02] + orderedDict + [0x28] + entries.flatMap { str($0.0) + $0.1 } + [0x75]
            + [0x7D] + str("_metadata") + orderedDict + [0x73, 0x62, 0x2E]
    }

    static func zip(_ pickle: [UInt8], storages: [String: [UInt8]], byteorder: String = "little", extra: [String] = []) throws -> [UInt8] {
        let members = [ZipArchive.Member(name: "m/data.pkl", bytes: pickle), .init(name: "m/byteorder", bytes: Array(byteorder.utf8))]
            + storages.sorted { $0.key < $1.key }.map { ZipArchive.Member(name: "m/data/" + $0.key, bytes: $0.value) }
            + extra.map { ZipArchive.Member(name: $0, bytes: []) }
        return try ZipArchive.write(members, compressed: false, file: "m.pt")
    }

    static let four: [UInt8] = [Float(1), 2, 3, 4].flatMap { f -> [UInt8] in var b: [UInt8] = []; appendLE(f.bitPattern, &b); return b }

    /// A transposed view and an offset view of one storage, in an OrderedDict with torch's BUILD of `_metadata`.
    @Test func stridesOffsetsAndSharedStorage() throws {
        let t = HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: 0, size: [2, 2], stride: [1, 2])
        let tail = HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: 1, size: [3], stride: [1])
        let pickle = HandmadeStateDictTests.stateDict([("layer.t", t), ("layer.tail", tail)])
        let a = try PyTorchFormat.decode(try HandmadeStateDictTests.zip(pickle, storages: ["0": HandmadeStateDictTests.four]), file: "m.pt")
        #expect(a.names == ["layer.t", "layer.tail"])
        #expect(a["layer.t"]?.values == [1, 3, 2, 4])
        #expect(a["layer.tail"]?.values == [2, 3, 4])
    }

    @Test(arguments: [
        (HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: -1, size: [2], stride: [1]), "storage_offset must be a non-negative int, got -1"),
        (HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: 0, size: [2], stride: [-1]), "sizes and strides must be non-negative ints"),
        (HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: 0, size: [2, 2], stride: [1]), "size (2, 2) and stride (1,) differ in rank"),
        (HandmadeStateDictTests.tensor(key: "0", numel: -4, offset: 0, size: [2], stride: [1]), "storage '0' has element count -4"),
        (HandmadeStateDictTests.tensor(key: "0", storage: "DoubleStorage", numel: 2, offset: 0, size: [2], stride: [1]), "tensor 'b': storage data/0 is declared as 4 FloatStorage elements and as 2 DoubleStorage"),
    ] as [([UInt8], String)])
    func inconsistentViewsAreRefused(second: [UInt8], message: String) throws {
        let first = HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: 0, size: [4], stride: [1])
        let bytes = try HandmadeStateDictTests.zip(HandmadeStateDictTests.stateDict([("a", first), ("b", second)]), storages: ["0": HandmadeStateDictTests.four])
        let error = #expect(throws: TensorIOError.self) { try PyTorchFormat.decode(bytes, file: "m.pt") }
        #expect(error?.file == "m.pt")
        #expect(error?.problem.contains(message) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("big", [], "byteorder is 'big'; GradLab reads little-endian checkpoints only"),
        ("little", ["m/code/__torch__.py"], "a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save model.state_dict() with torch.save"),
        ("little", ["n/data.pkl"], "the zip has 2 <archive>/data.pkl members; a torch.save checkpoint has one"),
    ] as [(String, [String], String)])
    func archiveLayoutIsChecked(byteorder: String, extra: [String], message: String) throws {
        let w = HandmadeStateDictTests.tensor(key: "0", numel: 4, offset: 0, size: [4], stride: [1])
        let bytes = try HandmadeStateDictTests.zip(HandmadeStateDictTests.stateDict([("w", w)]), storages: ["0": HandmadeStateDictTests.four],
                                                   byteorder: byteorder, extra: extra)
        let error = #expect(throws: TensorIOError.self) { try PyTorchFormat.decode(bytes, file: "m.pt") }
        #expect(error?.problem == message, "\(String(describing: error))")
    }
}
