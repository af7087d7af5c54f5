/// The keys of a JSON document's top-level object, decoded and in file order, duplicates included.
///
/// `JSONSerialization` keeps only the last of two equal keys, so a safetensors header naming a tensor
/// twice would load silently with one of them; this scan lets `SafetensorsFormat` refuse it. It runs on
/// text `JSONSerialization` has already accepted, reads each byte at most twice (no recursion, so no
/// nesting depth can exhaust the stack) and returns nil on anything it does not expect.
enum JSONObjectKeys {
    static func topLevel(_ b: ArraySlice<UInt8>) -> [String]? {
        let (quote, backslash, colon, comma): (UInt8, UInt8, UInt8, UInt8) = (0x22, 0x5C, 0x3A, 0x2C) // " \ : ,
        let (openBrace, closeBrace, openBracket, closeBracket): (UInt8, UInt8, UInt8, UInt8) = (0x7B, 0x7D, 0x5B, 0x5D) // { } [ ]
        var i = b.startIndex
        let end = b.endIndex
        func skipSpace() { while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }

        /// A string starting at the quote at `i`, escapes decoded; `i` ends after the closing quote.
        func string() -> String? {
            guard i < end, b[i] == quote else { return nil }
            i += 1
            var out: [UInt8] = []
            var pendingHigh: UInt32? = nil // a high surrogate waiting for its low half
            func append(_ scalar: UInt32) {
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            }
            while i < end {
                let c = b[i]
                if c == quote {
                    if pendingHigh != nil { append(0xFFFD) }
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                guard c == backslash else {
                    if pendingHigh != nil { append(0xFFFD); pendingHigh = nil }
                    out.append(c)
                    i += 1
                    continue
                }
                guard i + 1 < end else { return nil }
                let e = b[i + 1]
                i += 2
                if e == 0x75 { // \uXXXX
                    guard i + 4 <= end, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
                    i += 4
                    if let high = pendingHigh {
                        pendingHigh = nil
                        if (0xDC00...0xDFFF).contains(v) { append(0x10000 + ((high - 0xD800) << 10) + (v - 0xDC00)); continue }
                        append(0xFFFD)
                    }
                    if (0xD800...0xDBFF).contains(v) { pendingHigh = v } else { append(v) }
                    continue
                }
                if pendingHigh != nil { append(0xFFFD); pendingHigh = nil }
                switch e {
                case quote, backslash, 0x2F: out.append(e) // \" \\ \/; then \b \f \n \r \t
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                default: return nil
                }
            }
            return nil
        }

        /// Moves `i` past one value, to the `,` or `}` that follows it at the top level.
        func skipValue() -> Bool {
            var depth = 0
            while i < end {
                let c = b[i]
                if c == quote {
                    i += 1
                    while i < end, b[i] != quote { i += b[i] == backslash ? 2 : 1 }
                    guard i < end else { return false }
                } else if c == openBrace || c == openBracket {
                    depth += 1
                } else if c == closeBrace || c == closeBracket {
                    if depth == 0 { return true }
                    depth -= 1
                } else if c == comma, depth == 0 {
                    return true
                }
                i += 1
            }
            return false
        }

        skipSpace()
        guard i < end, b[i] == openBrace else { return nil }
        i += 1
        skipSpace()
        var keys: [String] = []
        if i < end, b[i] == closeBrace { return keys }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            keys.append(key)
            skipSpace()
            guard i < end, b[i] == colon else { return nil }
            i += 1
            guard skipValue() else { return nil }
            if b[i] == closeBrace { return keys }
            i += 1 // the comma
        }
    }
}
