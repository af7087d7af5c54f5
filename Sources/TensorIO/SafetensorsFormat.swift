import Foundation

/// Hugging Face `.safetensors` files.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{"__metadata__": {"cell": "lstm"}, "weight_hh_l0": {"dtype": "F64", "shape": [4, 4], "data_offsets": [0, 128]}, …}`,
/// then the data buffer; `data_offsets` are [begin, end) byte offsets into that buffer.
///
/// Reading validates everything before touching data: N against the file size, the JSON (`JSONValue`:
/// strict, keys in order, nesting at most 64 deep), its shape,
/// dtypes (F64, F32, I64, I32, U8), non-negative dimensions with overflow-checked products,
/// `end − begin == product(shape)·itemsize`, offsets inside the buffer, and, as the reference implementation
/// requires, tensors that tile the data buffer exactly (no overlap, no gap, no trailing bytes). No name may
/// appear twice in the header. `__metadata__` must map strings to strings. Tensors are returned in order of their data offsets.
public enum SafetensorsFormat {
    /// Largest header accepted (the reference implementation's limit is 100 MB).
    static let maxHeaderLength = 100_000_000

    public static func decode(_ bytes: [UInt8], file: String) throws -> TensorArchive {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        guard bytes.count >= 8 else { throw fail("truncated: \(bytes.count) bytes is too short for a .safetensors header") }
        let claimed = readLE(bytes[...], 0, as: UInt64.self)
        guard claimed <= UInt64(bytes.count - 8) else {
            throw fail("truncated or header lies about sizes: the header length is \(claimed) bytes but the file has \(bytes.count - 8) after it")
        }
        let n = Int(claimed)
        guard n <= maxHeaderLength else { throw fail("header of \(n) bytes is larger than the 100 MB limit") }
        guard n >= 2, bytes[8] == UInt8(ascii: "{") else { throw fail("the header is not a JSON object") }
        guard let header = JSONValue.parse(bytes[8..<(8 + n)]) else {
            throw fail("the header is not valid JSON (or nests deeper than \(JSONValue.maxParseDepth) levels)")
        }
        guard let object = header.members else { throw fail("the header is not a JSON object") }
        // JSONSerialization would keep the last of two equal keys; a name given twice is refused instead.
        var seen = Set<String>()
        for (key, _) in object where !seen.insert(key).inserted {
            throw fail(key == "__metadata__" ? "the header has __metadata__ twice" : "the header names tensor '\(key)' twice")
        }
        let bufferStart = 8 + n, bufferLength = bytes.count - bufferStart

        var archive = TensorArchive()
        struct Entry { let name: String, type: ElementType, shape: [Int], begin: Int, end: Int }
        var entries: [Entry] = []
        entries.reserveCapacity(object.count)
        for (name, value) in object {
            if name == "__metadata__" {
                guard let dict = value.members else { throw fail("__metadata__ must be an object of strings") }
                for (k, v) in dict {
                    guard case .string(let s) = v else { throw fail("__metadata__ value for '\(k)' must be a string") }
                    guard archive.metadata.updateValue(s, forKey: k) == nil else { throw fail("__metadata__ has key '\(k)' twice") }
                }
                continue
            }
            guard let fields = value.members else { throw fail("entry '\(name)' is not an object") }
            var info: [String: JSONValue] = [:]
            for (k, v) in fields {
                guard info.updateValue(v, forKey: k) == nil else { throw fail("tensor '\(name)' has '\(k)' twice") }
            }
            guard case .string(let dtype)? = info["dtype"] else { throw fail("tensor '\(name)' has no dtype") }
            guard let type = ElementType(safetensorsName: dtype) else {
                throw fail("tensor '\(name)' has unsupported dtype \(dtype); GradLab reads F64, F32, I64, I32 and U8")
            }
            guard let shape = integers(info["shape"]) else { throw fail("tensor '\(name)' has no valid shape (a list of integers)") }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw fail("tensor '\(name)' has no valid data_offsets ([begin, end])")
            }
            let bytesNeeded = try Tensor.byteCount(shape, type, file: file)
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin else { throw fail("tensor '\(name)' has data_offsets [\(begin), \(end)] that go backwards") }
            guard end - begin == bytesNeeded else {
                throw fail("header lies about sizes: tensor '\(name)' of shape \(Tensor.describe(shape)) \(dtype) needs \(bytesNeeded) bytes but data_offsets span \(end - begin)")
            }
            guard end <= bufferLength else {
                throw fail("truncated: tensor '\(name)' ends at byte \(end) of the data but the data has \(bufferLength) bytes")
            }
            entries.append(Entry(name: name, type: type, shape: shape, begin: begin, end: end))
        }
        // As the reference implementation: the tensors tile the data exactly, [0, N) with no gap, overlap or tail.
        entries.sort { $0.begin != $1.begin ? $0.begin < $1.begin : $0.end != $1.end ? $0.end < $1.end : $0.name < $1.name }
        var covered = 0
        for (k, e) in entries.enumerated() {
            if e.begin < covered {
                throw fail("header lies about sizes: tensors '\(entries[k - 1].name)' and '\(e.name)' overlap")
            }
            guard e.begin == covered else {
                throw fail("bytes [\(covered), \(e.begin)) of the data, before tensor '\(e.name)', belong to no tensor")
            }
            covered = e.end
        }
        guard covered == bufferLength else {
            throw fail("\(bufferLength - covered) trailing bytes after the last tensor's data (the tensors cover \(covered) of \(bufferLength) bytes)")
        }
        for e in entries {
            let slice = bytes[(bufferStart + e.begin)..<(bufferStart + e.end)]
            archive.append(name: e.name, try ElementCoding.decode(slice, type: e.type, shape: e.shape))
        }
        return archive
    }

    /// Integers from a JSON array of exact integers (see `JSONValue.exactInteger`); nil otherwise.
    private static func integers(_ value: JSONValue?) -> [Int]? {
        guard case .array(let items)? = value else { return nil }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for v in items {
            guard let i = v.exactInteger, i > -(1 << 62), i < 1 << 62 else { return nil } // abs(Int.min) would trap
            out.append(i)
        }
        return out
    }

    /// The `.safetensors` image of `archive`: tensors in archive order, the header padded with spaces
    /// to a multiple of 8 bytes (as the reference writer does), `__metadata__` first when present.
    public static func encode(_ archive: TensorArchive) -> [UInt8] {
        var parts: [String] = []
        if !archive.metadata.isEmpty {
            let meta = archive.metadata.keys.sorted().map { "\(JSONValue.quoted($0)):\(JSONValue.quoted(archive.metadata[$0] ?? ""))" }
            parts.append("\"__metadata__\":{\(meta.joined(separator: ","))}")
        }
        var data: [UInt8] = []
        for entry in archive.entries {
            let (name, t) = (entry.name, entry.tensor)
            let begin = data.count
            ElementCoding.encode(t, into: &data)
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONValue.quoted(name)):{\"dtype\":\"\(t.elementType.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        var header = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        appendLE(UInt64(header.count), &out)
        return out + header + data
    }
}
