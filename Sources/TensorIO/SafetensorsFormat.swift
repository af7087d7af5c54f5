import Foundation

/// Hugging Face `.safetensors` files.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON
/// `{"__metadata__": {"cell": "lstm"}, "weight_hh_l0": {"dtype": "F64", "shape": [4, 4], "data_offsets": [0, 128]}, …}`,
/// then the data buffer; `data_offsets` are [begin, end) byte offsets into that buffer.
///
/// Reading validates everything before touching data: N against the file size, the JSON's shape,
/// dtypes (F64, F32, I64, I32, U8), non-negative dimensions with overflow-checked products,
/// `end − begin == product(shape)·itemsize`, offsets inside the buffer, and no two tensors overlapping.
/// `__metadata__` must map strings to strings. Tensors are returned in order of their data offsets.
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
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)]))
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("the header is not a JSON object") }
        let bufferStart = 8 + n, bufferLength = bytes.count - bufferStart

        var archive = TensorArchive()
        if let meta = object["__metadata__"] {
            guard let dict = meta as? [String: Any] else { throw fail("__metadata__ must be an object of strings") }
            for (k, v) in dict {
                guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' must be a string") }
                archive.metadata[k] = s
            }
        }
        var entries: [(name: String, type: ElementType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in object where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("entry '\(name)' is not an object") }
            guard let dtype = info["dtype"] as? String else { throw fail("tensor '\(name)' has no dtype") }
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
            entries.append((name, type, shape, begin, end))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        for (a, b) in zip(entries, entries.dropFirst()) where b.begin < a.end {
            throw fail("header lies about sizes: tensors '\(a.name)' and '\(b.name)' overlap")
        }
        for e in entries {
            let slice = bytes[(bufferStart + e.begin)..<(bufferStart + e.end)]
            archive.append(name: e.name, try ElementCoding.decode(slice, type: e.type, shape: e.shape))
        }
        return archive
    }

    /// Integers from a JSON array (NSNumber values that are exact integers); nil otherwise.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for v in array {
            guard let num = v as? NSNumber else { return nil }
            let d = num.doubleValue
            guard d == d.rounded(), abs(d) < 0x1p62, let i = Int(exactly: num.int64Value), Double(i) == d else { return nil }
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
