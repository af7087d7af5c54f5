import Foundation

/// NumPy `.npy` files, format versions 1.0, 2.0 and 3.0 (numpy.lib.format).
///
/// Layout: the magic `\x93NUMPY`, major and minor version bytes, the header length (UInt16 LE in 1.0,
/// UInt32 LE in 2.0/3.0), then the header — a Python dict literal
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and ended by `\n`
/// so the data starts on a 64-byte boundary — then the raw C-order elements. 3.0 differs from 2.0 only
/// in allowing UTF-8 in the header. Only C order is read; `fortran_order: True` is refused with a message.
public enum NPYFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59] // \x93NUMPY

    /// Parses a whole `.npy` file image; `file` names it in errors.
    public static func decode(_ bytes: ArraySlice<UInt8>, file: String) throws -> Tensor {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        guard bytes.count >= 10 else { throw fail("truncated: \(bytes.count) bytes is too short for a .npy header") }
        guard Array(bytes.prefix(6)) == magic else { throw fail("not a .npy file (missing the \\x93NUMPY magic)") }
        let major = bytes[bytes.startIndex + 6], minor = bytes[bytes.startIndex + 7]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerLength = Int(readLE(bytes, 8, as: UInt16.self)); headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated: the version \(major).\(minor) header length is cut off") }
            headerLength = Int(readLE(bytes, 8, as: UInt32.self)); headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(minor) (GradLab reads 1.0, 2.0 and 3.0)")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw fail("truncated: the header claims \(headerLength) bytes but only \(bytes.count - headerStart) follow")
        }
        let headerBytes = bytes[(bytes.startIndex + headerStart)..<(bytes.startIndex + headerStart + headerLength)]
        guard let text = String(validating: headerBytes, as: UTF8.self) else {
            throw fail("the .npy header is not valid text")
        }
        let header = try NPYHeader(parsing: text, file: file)
        let dataStart = headerStart + headerLength
        let need = try Tensor.byteCount(header.shape, header.type, file: file)
        let have = bytes.count - dataStart
        guard have == need else {
            let verb = have < need ? "truncated" : "header lies about sizes"
            throw fail("\(verb): shape \(Tensor.describe(header.shape)) of \(header.type.numpyDescr) needs \(need) data bytes but the file has \(have)")
        }
        return try ElementCoding.decode(bytes[(bytes.startIndex + dataStart)...], type: header.type, shape: header.shape)
    }

    /// The `.npy` image of `tensor`: version 1.0 when the header fits in 65,535 bytes, else 2.0.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)"
            : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var dict = Array("{'descr': '\(tensor.elementType.numpyDescr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let v1 = dict.count + 10 + 1 <= 65_535
        let prefix = v1 ? 10 : 12
        let total = (prefix + dict.count + 1 + 63) / 64 * 64
        dict += [UInt8](repeating: 0x20, count: total - prefix - dict.count - 1) + [0x0A]
        var out = magic + [v1 ? 1 : 2, 0]
        if v1 { appendLE(UInt16(dict.count), &out) } else { appendLE(UInt32(dict.count), &out) }
        out += dict
        ElementCoding.encode(tensor, into: &out)
        return out
    }
}

/// The three keys of a `.npy` header, parsed from its Python-literal dict.
struct NPYHeader {
    let type: ElementType
    let shape: [Int]

    init(parsing text: String, file: String) throws {
        func fail(_ p: String) -> TensorIOError { TensorIOError(file: file, problem: p) }
        var p = PythonLiteralParser(text)
        guard case let .dict(entries)? = try? p.parseValue() else {
            throw fail("the .npy header is not a Python dict literal: \(text.prefix(80).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        var descr: PythonLiteral?, fortran: PythonLiteral?, shape: PythonLiteral?
        for (k, v) in entries {
            switch k {
            case "descr": descr = v
            case "fortran_order": fortran = v
            case "shape": shape = v
            default: throw fail("unexpected key '\(k)' in the .npy header")
            }
        }
        guard case let .string(d)? = descr else {
            throw fail("the .npy header has no simple 'descr' (structured dtypes are not supported)")
        }
        guard let t = ElementType(numpyDescr: d) else {
            let hint = d.hasPrefix(">") ? " (big-endian; convert with arr.astype('<f8'))" : ""
            throw fail("unsupported dtype '\(d)'\(hint); GradLab reads <f8, <f4, <i8, <i4 and |u1")
        }
        guard case let .bool(f)? = fortran else { throw fail("the .npy header has no 'fortran_order'") }
        guard !f else {
            throw fail("Fortran-order arrays are not supported; save a C-order copy (np.ascontiguousarray(a))")
        }
        guard case let .tuple(dims)? = shape else { throw fail("the .npy header has no 'shape' tuple") }
        self.type = t
        self.shape = dims
        _ = try Tensor.elementCount(dims, file: file)
    }
}

/// The subset of Python literals a `.npy` header uses: dicts with string keys, strings, booleans and
/// tuples of non-negative integers.
enum PythonLiteral: Equatable {
    case dict([(String, PythonLiteral)])
    case string(String)
    case bool(Bool)
    case tuple([Int])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): x == y
        case let (.bool(x), .bool(y)): x == y
        case let (.tuple(x), .tuple(y)): x == y
        case let (.dict(x), .dict(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }
}

struct PythonLiteralParser {
    struct SyntaxError: Error {}
    private let chars: [Character]
    private var i = 0

    init(_ text: String) { chars = Array(text) }

    private mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < chars.count, chars[i] == c else { throw SyntaxError() }
        i += 1
    }

    private mutating func peek() -> Character? { skipSpace(); return i < chars.count ? chars[i] : nil }

    mutating func parseValue() throws -> PythonLiteral {
        switch peek() {
        case "{":
            i += 1
            var entries: [(String, PythonLiteral)] = []
            while peek() != "}" {
                guard case let .string(key) = try parseValue() else { throw SyntaxError() }
                try expect(":")
                entries.append((key, try parseValue()))
                if peek() == "," { i += 1 } else { break }
            }
            try expect("}")
            return .dict(entries)
        case "'", "\"":
            let q = chars[i]; i += 1
            var s = ""
            while i < chars.count, chars[i] != q { s.append(chars[i]); i += 1 }
            try expect(q)
            return .string(s)
        case "(":
            i += 1
            var dims: [Int] = []
            while peek() != ")" {
                var digits = ""
                while i < chars.count, chars[i].isASCII, chars[i].isNumber { digits.append(chars[i]); i += 1 }
                if i < chars.count, chars[i] == "L" { i += 1 } // Python 2 longs
                guard let d = Int(digits) else { throw SyntaxError() }
                dims.append(d)
                if peek() == "," { i += 1 } else { break }
            }
            try expect(")")
            return .tuple(dims)
        case "T", "F":
            for (word, value) in [("True", true), ("False", false)] where String(chars[i..<min(i + word.count, chars.count)]) == word {
                i += word.count
                return .bool(value)
            }
            throw SyntaxError()
        default:
            throw SyntaxError()
        }
    }
}
