/// The result of running a pickle: the top-level value and the containers it refers to by id.
struct PickleGraph: Sendable {
    let root: PickleValue
    let lists: [[PickleValue]]
    let dicts: [PickleDict]
}

/// A restricted pickle interpreter for the `data.pkl` of a `torch.save` checkpoint: it rebuilds plain
/// data (None, bools, ints, floats, strings, bytes, tuples, lists, sets, dicts) and, from an allow-list
/// of names (`TorchGlobal`), ordered dicts, storages and tensor views — as the safetensors converter and
/// candle's `pickle.rs` do. It never imports, looks up or calls anything: a GLOBAL outside the allow-list,
/// an object-building opcode (INST, OBJ, NEWOBJ, EXT*), REDUCE on anything but an allowed callable and
/// BUILD on anything but a dict are errors at that opcode.
///
/// Opcodes: protocols 2–5 as they occur in plain data (protocol-0/1 text opcodes and out-of-band buffers
/// are refused). Bounds: every read is checked against the pickle's length; each opcode (≥ 1 byte) adds
/// at most one value, so the stack, memo and containers hold at most about one value per byte; tuples
/// nest at most `maxDepth` deep; dict-key hashing is charged to a work budget linear in the length.
struct PickleMachine {
    static let maxDepth = 64

    private let code: [UInt8]
    private let file: String, member: String
    private var pos = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var lists: [[PickleValue]] = []
    private var dicts: [PickleDict] = []
    private var work = 0
    private let workLimit: Int

    private init(_ code: [UInt8], file: String, member: String) {
        self.code = code
        self.file = file
        self.member = member
        workLimit = 64 * code.count + (1 << 20)
    }

    /// Runs `code` to its STOP. Errors are "<file>: <member>: …" and name the opcode and its byte offset.
    static func run(_ code: [UInt8], file: String, member: String = "data.pkl") throws -> PickleGraph {
        var m = PickleMachine(code, file: file, member: member)
        let root = try m.execute()
        return PickleGraph(root: root, lists: m.lists, dicts: m.dicts)
    }

    func fail(_ problem: String) -> TensorIOError { TensorIOError(file: file, problem: "\(member): \(problem)") }

    // MARK: Reading

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= code.count - pos else { throw fail("truncated: needs \(n) more bytes at byte \(pos) but \(code.count - pos) remain") }
        defer { pos += n }
        return code[pos..<(pos + n)]
    }

    private mutating func byte() throws -> Int { Int(try take(1).first ?? 0) }

    private mutating func uint(_ n: Int) throws -> UInt64 {
        let b = try take(n)
        var v: UInt64 = 0
        for (k, x) in b.enumerated() { v |= UInt64(x) << (8 * k) }
        return v
    }

    /// A length field of `n` bytes, which must fit in what remains of the pickle.
    private mutating func length(_ n: Int) throws -> Int {
        let v = try uint(n)
        guard v <= UInt64(code.count - pos) else { throw fail("truncated: a length of \(v) bytes at byte \(pos - n) runs past the end") }
        return Int(v)
    }

    private mutating func text(_ lengthBytes: Int) throws -> String {
        String(decoding: try take(try length(lengthBytes)), as: UTF8.self)
    }

    /// A newline-terminated ASCII line (GLOBAL's module and name), at most 256 bytes.
    private mutating func line() throws -> String {
        guard let end = code[pos...].prefix(257).firstIndex(of: 0x0A) else { throw fail("GLOBAL at byte \(pos) has no name line") }
        defer { pos = end + 1 }
        return String(decoding: code[pos..<end], as: UTF8.self)
    }

    // MARK: Stack

    private mutating func push(_ v: PickleValue) throws {
        guard v.depth <= PickleMachine.maxDepth else { throw fail("tuples nest more than \(PickleMachine.maxDepth) deep") }
        stack.append(v)
    }

    private mutating func pop(_ at: Int) throws -> PickleValue {
        guard let v = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow at byte \(at)") }
        return v
    }

    /// The top of the current frame (the values since the last MARK), as Python's unpickler sees it.
    private func top(_ at: Int) throws -> PickleValue {
        guard let v = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow at byte \(at)") }
        return v
    }

    private mutating func popToMark(_ at: Int) throws -> [PickleValue] {
        guard let m = marks.popLast() else { throw fail("no MARK for the opcode at byte \(at)") }
        defer { stack.removeSubrange(m...) }
        return Array(stack[m...])
    }

    private mutating func charge(_ units: Int, _ at: Int) throws {
        work += units
        guard work <= workLimit else { throw fail("too much work for a pickle of \(code.count) bytes (at byte \(at))") }
    }

    private mutating func appendItems(_ items: [PickleValue], to target: PickleValue, _ at: Int) throws {
        guard case .list(let id) = target else { throw fail("APPEND/ADDITEMS at byte \(at) on \(target.kind), not a list") }
        lists[id] += items
    }

    private mutating func setItems(_ items: [PickleValue], in target: PickleValue, _ at: Int) throws {
        guard case .dict(let id) = target else { throw fail("SETITEM at byte \(at) on \(target.kind), not a dict") }
        guard items.count % 2 == 0 else { throw fail("SETITEMS at byte \(at) has an odd number of items") }
        for k in stride(from: 0, to: items.count, by: 2) {
            guard let key = PickleKey(items[k]) else { throw fail("dict key at byte \(at) is \(items[k].kind); GradLab reads scalar keys only") }
            if case .string(let s) = key { try charge(s.utf8.count, at) }
            dicts[id].set(key, items[k + 1])
        }
    }

    private mutating func newList(_ items: [PickleValue]) -> PickleValue {
        lists.append(items)
        return .list(lists.count - 1)
    }

    mutating func newDict() -> PickleValue {
        dicts.append(PickleDict())
        return .dict(dicts.count - 1)
    }

    // MARK: Opcodes

    private mutating func execute() throws -> PickleValue {
        while true {
            let at = pos
            let op = try byte()
            try charge(1, at)
            switch op {
            case 0x80: // PROTO
                let v = try byte()
                guard (2...5).contains(v) else { throw fail("pickle protocol \(v) is not supported (torch.save writes 2; GradLab reads 2–5)") }
            case 0x95: _ = try uint(8) // FRAME: a length hint only
            case 0x2E: // STOP
                let v = try pop(at)
                guard stack.isEmpty, marks.isEmpty else { throw fail("STOP at byte \(at) leaves \(stack.count) values on the stack") }
                return v
            case 0x28: marks.append(stack.count) // MARK
            case 0x30: _ = try pop(at) // POP
            case 0x31: _ = try popToMark(at) // POP_MARK
            case 0x32: // DUP
                let v = try pop(at)
                stack += [v, v]
            case 0x4E: try push(.none)
            case 0x88: try push(.bool(true))
            case 0x89: try push(.bool(false))
            case 0x4A: try push(.int(Int64(Int32(truncatingIfNeeded: try uint(4))))) // BININT
            case 0x4B: try push(.int(Int64(try uint(1)))) // BININT1
            case 0x4D: try push(.int(Int64(try uint(2)))) // BININT2
            case 0x8A, 0x8B: try push(try long(op == 0x8A ? 1 : 4)) // LONG1, LONG4
            case 0x47: try push(.float(Double(bitPattern: UInt64(bigEndian: UInt64(littleEndian: try uint(8)))))) // BINFLOAT (big-endian)
            case 0x58: try push(.string(try text(4))) // BINUNICODE
            case 0x8C: try push(.string(try text(1))) // SHORT_BINUNICODE
            case 0x8D: try push(.string(try text(8))) // BINUNICODE8
            case 0x54: try push(.string(try text(4))) // BINSTRING (Python 2 str)
            case 0x55: try push(.string(try text(1))) // SHORT_BINSTRING
            case 0x42: try push(.bytes(Array(try take(try length(4))))) // BINBYTES
            case 0x43: try push(.bytes(Array(try take(try length(1))))) // SHORT_BINBYTES
            case 0x8E, 0x96: try push(.bytes(Array(try take(try length(8))))) // BINBYTES8, BYTEARRAY8
            case 0x29: try push(.tuple(PickleTuple([]))) // EMPTY_TUPLE
            case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
                let n = op - 0x84
                guard stack.count - (marks.last ?? 0) >= n else { throw fail("stack underflow at byte \(at)") }
                let items = Array(stack.suffix(n))
                stack.removeLast(n)
                try push(.tuple(PickleTuple(items)))
            case 0x74: try push(.tuple(PickleTuple(try popToMark(at)))) // TUPLE
            case 0x5D: try push(newList([])) // EMPTY_LIST
            case 0x6C: try push(newList(try popToMark(at))) // LIST
            case 0x8F: try push(newList([])) // EMPTY_SET
            case 0x91: try push(newList(try popToMark(at))) // FROZENSET
            case 0x61: // APPEND
                let v = try pop(at)
                try appendItems([v], to: try top(at), at)
            case 0x65, 0x90: // APPENDS, ADDITEMS
                let items = try popToMark(at)
                try appendItems(items, to: try top(at), at)
            case 0x7D: try push(newDict()) // EMPTY_DICT
            case 0x64: // DICT
                let items = try popToMark(at), d = newDict()
                try setItems(items, in: d, at)
                try push(d)
            case 0x73: // SETITEM
                let v = try pop(at), k = try pop(at)
                try setItems([k, v], in: try top(at), at)
            case 0x75: // SETITEMS
                let items = try popToMark(at)
                try setItems(items, in: try top(at), at)
            case 0x71, 0x72, 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
                let index = op == 0x94 ? memo.count : Int(try uint(op == 0x71 ? 1 : 4))
                memo[index] = try top(at)
            case 0x68, 0x6A: // BINGET, LONG_BINGET
                let index = Int(try uint(op == 0x68 ? 1 : 4))
                guard let v = memo[index] else { throw fail("BINGET at byte \(at) of memo entry \(index), which was never stored") }
                try push(v)
            case 0x63: // GLOBAL
                let module = try line(), name = try line()
                try push(.global(try global(module, name)))
            case 0x93: // STACK_GLOBAL
                guard case .string(let name) = try pop(at), case .string(let module) = try pop(at) else {
                    throw fail("STACK_GLOBAL at byte \(at) needs two strings")
                }
                try push(.global(try global(module, name)))
            case 0x52: // REDUCE
                let args = try pop(at), callable = try pop(at)
                try push(try reduce(callable, args, at))
            case 0x62: // BUILD
                let state = try pop(at)
                let target = try top(at)
                guard case .dict = target else {
                    throw fail("BUILD at byte \(at) on \(target.kind) is not allowed (only an OrderedDict's attributes may be set); state was \(state.kind)")
                }
            case 0x51: try push(.storage(try persistentID(try pop(at), at))) // BINPERSID
            default:
                throw fail(PickleMachine.refusal(op, at))
            }
        }
    }

    /// LONG1/LONG4: little-endian two's complement; beyond Int64 it is an opaque `.bigInt`.
    private mutating func long(_ lengthBytes: Int) throws -> PickleValue {
        let bytes = try take(try length(lengthBytes))
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt }
        var v: UInt64 = bytes.last.map { $0 & 0x80 != 0 } == true ? ~0 : 0
        for (k, b) in bytes.enumerated() {
            v &= ~(UInt64(0xFF) << (8 * k))
            v |= UInt64(b) << (8 * k)
        }
        return .int(Int64(bitPattern: v))
    }

    private func global(_ module: String, _ name: String) throws -> TorchGlobal {
        guard let g = TorchGlobal(module: module, name: name) else {
            if module == "torch", name.hasSuffix("Storage") {
                let known = TorchStorageType.allCases.map(\.storageName).joined(separator: ", ")
                throw fail("storage type 'torch.\(name)' is not supported (GradLab reads \(known))")
            }
            throw fail("global '\(module).\(name)' is not allowed (GradLab reads tensors only: \(TorchGlobal.allowedDescription))")
        }
        return g
    }

    /// Why `op` is refused: object-building and protocol-0/1 text opcodes by name, anything else as unknown.
    static func refusal(_ op: Int, _ at: Int) -> String {
        let hex = "0x" + String(op, radix: 16, uppercase: false)
        let building: [Int: String] = [0x69: "INST", 0x6F: "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x82: "EXT1", 0x83: "EXT2",
                                       0x84: "EXT4", 0x50: "PERSID", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER"]
        let textual: [Int: String] = [0x49: "INT", 0x4C: "LONG", 0x46: "FLOAT", 0x53: "STRING", 0x56: "UNICODE", 0x67: "GET", 0x70: "PUT"]
        if let name = building[op] {
            return "opcode \(name) (\(hex)) at byte \(at) is not allowed: it builds arbitrary objects; GradLab reads tensors and plain data only"
        }
        if let name = textual[op] {
            return "opcode \(name) (\(hex)) at byte \(at) is a protocol-0/1 text opcode; torch.save writes protocol 2, which GradLab reads"
        }
        return "unknown pickle opcode \(hex) at byte \(at)"
    }
}
