/// Reading JSON: a strict parser (RFC 8259) for tensor file headers, small on purpose, producing the
/// same `JSONValue` tree the reports are written with.
///
/// Objects keep their keys in file order with duplicates (so the safetensors reader can refuse a name
/// given twice, which `JSONSerialization` silently resolves to the last), integer tokens that fit become
/// `.integer` (read exactly, never through a Double), other numbers `.number`, nesting is limited to
/// `maxParseDepth` (so no header can exhaust the native stack), and a value costs a few words (a header of
/// 100,000 tensors parses in one pass and a few tens of megabytes). Errors are nil: the caller says "the
/// header is not valid JSON".
extension JSONValue {
    /// The members of an object in file order (duplicates kept), else nil.
    var members: [(key: String, value: JSONValue)]? {
        if case .object(let m) = self { m.map { (key: $0.0, value: $0.1) } } else { nil }
    }

    /// An exact integer: `.integer`, or a `.number` that is an integer below 2⁶² in magnitude (`2.0`,
    /// `1e3`); nil otherwise.
    var exactInteger: Int? {
        switch self {
        case .integer(let i): i
        case .number(let d): d == d.rounded() && abs(d) < 0x1p62 ? Int(d) : nil
        default: nil
        }
    }

    static let maxParseDepth = 64

    /// Parses a whole document (surrounding whitespace allowed); nil if it is not valid JSON or nests deeper than `maxParseDepth`.
    static func parse(_ bytes: ArraySlice<UInt8>) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var p = Parser(b: buffer, i: 0)
            guard let v = p.value(depth: 0) else { return nil }
            p.skipSpace()
            return p.i == buffer.endIndex ? v : nil
        }
    }

    /// Reads through a buffer pointer: no reference counting per byte, so a debug build parses a
    /// 100,000-tensor header in about a second too.
    private struct Parser {
        let b: UnsafeBufferPointer<UInt8>
        var i: Int

        mutating func skipSpace() { while i < b.endIndex, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }

        mutating func eat(_ c: UInt8) -> Bool {
            skipSpace()
            guard i < b.endIndex, b[i] == c else { return false }
            i += 1
            return true
        }

        mutating func literal(_ word: String, _ v: JSONValue) -> JSONValue? {
            let w = Array(word.utf8)
            guard b.endIndex - i >= w.count, b[i..<(i + w.count)].elementsEqual(w) else { return nil }
            i += w.count
            return v
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard depth < JSONValue.maxParseDepth else { return nil }
            skipSpace()
            guard i < b.endIndex else { return nil }
            switch b[i] {
            case 0x7B: // {
                i += 1
                var members: [(String, JSONValue)] = []
                if eat(0x7D) { return .object(members) }
                repeat {
                    skipSpace()
                    guard let k = string(), eat(0x3A), let v = value(depth: depth + 1) else { return nil }
                    members.append((k, v))
                } while eat(0x2C)
                return eat(0x7D) ? .object(members) : nil
            case 0x5B: // [
                i += 1
                var items: [JSONValue] = []
                if eat(0x5D) { return .array(items) }
                repeat {
                    guard let v = value(depth: depth + 1) else { return nil }
                    items.append(v)
                } while eat(0x2C)
                return eat(0x5D) ? .array(items) : nil
            case 0x22: return string().map(JSONValue.string)
            case 0x74: return literal("true", .bool(true))
            case 0x66: return literal("false", .bool(false))
            case 0x6E: return literal("null", .null)
            default: return number()
            }
        }

        /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() -> JSONValue? {
            let start = i
            func digits() -> Int { let s = i; while i < b.endIndex, (0x30...0x39).contains(b[i]) { i += 1 }; return i - s }
            if i < b.endIndex, b[i] == 0x2D { i += 1 }
            guard i < b.endIndex else { return nil }
            if b[i] == 0x30 { i += 1 } else { guard digits() > 0 else { return nil } }
            if i < b.endIndex, b[i] == 0x2E { i += 1; guard digits() > 0 else { return nil } }
            if i < b.endIndex, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if i < b.endIndex, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                guard digits() > 0 else { return nil }
            }
            let text = String(decoding: b[start..<i], as: UTF8.self)
            if let n = Int(text) { return .integer(n) }
            return Double(text).map(JSONValue.number)
        }

        /// A string at the quote at `i`, escapes decoded (a lone surrogate becomes U+FFFD); raw control
        /// characters and invalid UTF-8 are errors.
        mutating func string() -> String? {
            guard i < b.endIndex, b[i] == 0x22 else { return nil }
            i += 1
            var out: [UInt8] = []
            func scalar(_ v: UInt32) { out.append(contentsOf: Array(String(Unicode.Scalar(v).map(Character.init) ?? "\u{FFFD}").utf8)) }
            func hex4() -> UInt32? {
                guard b.endIndex - i >= 4 else { return nil }
                var v: UInt32 = 0
                for _ in 0..<4 {
                    let c = b[i]
                    let d: UInt8
                    switch c {
                    case 0x30...0x39: d = c - 0x30
                    case 0x41...0x46: d = c - 0x41 + 10
                    case 0x61...0x66: d = c - 0x61 + 10
                    default: return nil
                    }
                    v = v << 4 | UInt32(d)
                    i += 1
                }
                return v
            }
            while i < b.endIndex {
                let c = b[i]
                i += 1
                switch c {
                case 0x22:
                    guard let s = String(validating: out, as: UTF8.self) else { return nil }
                    return s
                case 0x00..<0x20: return nil
                case 0x5C:
                    guard i < b.endIndex else { return nil }
                    let e = b[i]
                    i += 1
                    switch e {
                    case 0x22, 0x5C, 0x2F: out.append(e)     // \" \\ \/
                    case 0x62: out.append(0x08)              // \b
                    case 0x66: out.append(0x0C)              // \f
                    case 0x6E: out.append(0x0A)              // \n
                    case 0x72: out.append(0x0D)              // \r
                    case 0x74: out.append(0x09)              // \t
                    case 0x75:                               // \u and four hex digits; surrogate pairs joined
                        guard let v = hex4() else { return nil }
                        if (0xD800...0xDBFF).contains(v), b.endIndex - i >= 6, b[i] == 0x5C, b[i + 1] == 0x75 {
                            let save = i
                            i += 2
                            if let low = hex4(), (0xDC00...0xDFFF).contains(low) {
                                scalar(0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00))
                                continue
                            }
                            i = save
                        }
                        scalar(v)
                    default: return nil
                    }
                default: out.append(c)
                }
            }
            return nil
        }
    }
}
