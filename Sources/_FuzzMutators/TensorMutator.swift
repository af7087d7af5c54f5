import Foundation

/// Mutations of a tensor file: byte-level (flips, truncation, insertions, deletions, duplicated ranges,
/// interesting integers, trailing bytes) and format-aware ones that keep the file parseable enough to
/// reach deeper checks: the `.npy` header dict and the safetensors JSON header (with their length fields
/// fixed up), zip members rewritten with correct CRCs (duplicated, renamed, dropped, content mutated,
/// pickle opcodes inserted into a checkpoint's `data.pkl`), and lies in zip directory fields.
struct TensorMutator {
    var random: FuzzRandom
    let format: FuzzFormat
    let long: Bool

    static let interesting: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                        0xFFFF_FFFE, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 46, 64]
    static let hugeNumbers = ["9223372036854775807", "9223372036854775808", "-1", "4294967296", "1e308", "1e400", "1.5",
                              "2305843009213693952", "65536", "0", "-9223372036854775808", "18446744073709551616"]
    static let dtypes = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "U8", "BOOL", "F8_E4M3", "", "f64", "<f8", "5"]
    static let descrs = ["'<f8'", "'>f8'", "'<f4'", "'<i8'", "'|u1'", "'<c16'", "'|b1'", "'<U5'", "'O'", "[('a', '<f8')]", "1", "None"]

    mutating func mutate(_ bytes: inout [UInt8]) -> String {
        if random.chance(0.45) { return generic(&bytes) }
        switch format {
        case .npy: return npyHeader(&bytes)
        case .safetensors: return safetensorsHeader(&bytes)
        case .npz, .pt: return zip(&bytes)
        case .experiment: return generic(&bytes)
        }
    }

    // MARK: byte level

    mutating func generic(_ b: inout [UInt8]) -> String {
        guard !b.isEmpty else { b = (0..<random.int(1...64)).map { _ in UInt8(random.below(256)) }; return "random bytes" }
        let at = random.below(b.count)
        switch random.below(8) {
        case 0, 1:
            let k = random.int(1...8)
            for _ in 0..<k { let i = random.below(b.count); b[i] ^= UInt8(random.int(1...255)) }
            return "flip \(k) bytes"
        case 2:
            b.removeSubrange(at...)
            return "truncate at byte \(at)"
        case 3:
            let n = random.int(1...64)
            b.insert(contentsOf: (0..<n).map { _ in UInt8(random.below(256)) }, at: at)
            return "insert \(n) random bytes at \(at)"
        case 4:
            let n = min(random.int(1...256), b.count - at)
            b.removeSubrange(at..<(at + n))
            return "delete \(n) bytes at \(at)"
        case 5:
            let n = min(random.int(1...512), b.count - at)
            b.insert(contentsOf: b[at..<(at + n)], at: random.below(b.count + 1))
            return "duplicate \(n) bytes from \(at)"
        case 6:
            let width = random.pick([2, 4, 8]), value = random.pick(Self.interesting)
            for k in 0..<width where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
            return "write \(value) (\(width) bytes) at \(at)"
        default:
            let n = random.int(1...64)
            b += (0..<n).map { _ in UInt8(random.below(256)) }
            return "append \(n) trailing bytes"
        }
    }

    // MARK: text headers

    /// Edits of a header's text: a number made huge, a value swapped, a key repeated, deep nesting.
    mutating func editHeader(_ text: inout String, values: [String]) -> String {
        var chars = Array(text)
        switch random.below(5) {
        case 0, 1:
            // Replace one run of digits.
            let starts = chars.indices.filter { chars[$0].isNumber && ($0 == 0 || !chars[$0 - 1].isNumber) }
            guard !starts.isEmpty else { return "no number in header" }
            let s = random.pick(starts)
            var e = s
            while e < chars.count, chars[e].isNumber { e += 1 }
            let value = random.pick(Self.hugeNumbers)
            chars.replaceSubrange(s..<e, with: Array(value))
            text = String(chars)
            return "header number \(String(chars[s..<min(s + value.count, chars.count)])) at \(s)"
        case 2:
            // Replace a quoted token by another value.
            let quotes = chars.indices.filter { chars[$0] == "\"" || chars[$0] == "'" }
            guard quotes.count >= 2 else { return "no string in header" }
            let k = random.below(quotes.count - 1)
            let value = random.pick(values)
            chars.replaceSubrange(quotes[k]...quotes[k + 1], with: Array(value))
            text = String(chars)
            return "header token → \(value)"
        case 3:
            // Deep nesting in place of a list.
            let opens = chars.indices.filter { chars[$0] == "[" || chars[$0] == "(" }
            guard let at = opens.isEmpty ? nil : random.pick(opens) else { return "no list in header" }
            let depth = random.magnitude(1...(long ? 5 : 4))
            let open = chars[at], close: Character = open == "[" ? "]" : ")"
            chars.replaceSubrange(at...at, with: Array(String(repeating: open, count: depth + 1)))
            if let end = chars[(at + depth)...].firstIndex(of: close) {
                chars.insert(contentsOf: Array(String(repeating: close, count: depth)), at: end)
            }
            text = String(chars)
            return "nesting of depth \(depth) at \(at)"
        default:
            // Repeat the first key (and its value) right after the opening brace.
            guard let open = chars.firstIndex(of: "{"), let colon = chars[open...].firstIndex(of: ":") else { return "no key in header" }
            var depth = 0, end = colon
            while end < chars.count {
                let c = chars[end]
                if c == "{" || c == "[" || c == "(" { depth += 1 }
                if c == "}" || c == "]" || c == ")" { if depth == 0 { break }; depth -= 1 }
                if c == ",", depth == 0 { break }
                end += 1
            }
            let entry = String(chars[(open + 1)..<end]).trimmingCharacters(in: .whitespaces)
            chars.insert(contentsOf: Array(entry + ","), at: open + 1)
            text = String(chars)
            return "duplicate key \(entry.prefix(30))"
        }
    }

    mutating func npyHeader(_ b: inout [UInt8]) -> String {
        guard b.count >= 10, b[0] == 0x93 else { return generic(&b) }
        let wide = b[6] >= 2
        let lengthBytes = wide ? 4 : 2, start = 8 + lengthBytes
        var length = 0
        for k in 0..<lengthBytes { length |= Int(b[8 + k]) << (8 * k) }
        guard start + length <= b.count else { return generic(&b) }
        var text = String(decoding: b[start..<(start + length)], as: UTF8.self)
        let op = editHeader(&text, values: Self.descrs + ["True", "False", "()", "(1,)", "(-1,)"])
        let header = Array(text.utf8)
        var out = Array(b[0..<8])
        if !wide, header.count > 0xFFFF { out[6] = 2 }
        let width = out[6] >= 2 ? 4 : 2
        for k in 0..<width { out.append(UInt8(truncatingIfNeeded: header.count >> (8 * k))) }
        b = out + header + b[(start + length)...]
        return "npy " + op
    }

    mutating func safetensorsHeader(_ b: inout [UInt8]) -> String {
        guard b.count >= 8 else { return generic(&b) }
        var n = 0
        for k in 0..<8 { n |= Int(b[k]) << (8 * k) }
        guard n >= 0, n <= b.count - 8 else { return generic(&b) }
        var text = String(decoding: b[8..<(8 + n)], as: UTF8.self)
        var data = Array(b[(8 + n)...])
        let op: String
        switch random.below(6) {
        case 0:
            let extra = random.int(1...64)
            data += [UInt8](repeating: 0, count: extra)
            op = "\(extra) trailing data bytes"
        case 1:
            if !data.isEmpty { data.removeLast(random.int(1...data.count)) }
            op = "data cut short"
        default:
            op = editHeader(&text, values: Self.dtypes.map { "\"\($0)\"" } + ["{}", "[]", "null", "\"__metadata__\"", "\"w\""])
        }
        let header = Array(text.utf8)
        var out: [UInt8] = []
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: header.count >> (8 * k))) }
        b = out + header + data
        return "safetensors " + op
    }

    // MARK: zip

    mutating func zip(_ b: inout [UInt8]) -> String {
        guard var image = ZipImage(b), !image.members.isEmpty else { return generic(&b) }
        let i = random.below(image.members.count)
        var op: String
        switch random.below(7) {
        case 0:
            image.members.insert(image.members[i], at: random.below(image.members.count + 1))
            op = "member '\(String(decoding: image.members[i].name, as: UTF8.self))' twice"
        case 1:
            let old = String(decoding: image.members[i].name, as: UTF8.self)
            let other = String(decoding: random.pick(image.members).name, as: UTF8.self)
            let name = random.pick([other, String(old.dropLast(4)), old + ".npy", "../" + old, "", "a/b/data.pkl", "x/data.pkl", old.uppercased()])
            image.members[i].name = Array(name.utf8)
            op = "rename '\(old)' → '\(name)'"
        case 2:
            image.members.remove(at: i)
            op = "drop member \(i)"
        case 3:
            return zipFieldLie(&b)
        default:
            guard image.members[i].method == 0 else { return zipFieldLie(&b) }
            var content = image.members[i].data
            let name = String(decoding: image.members[i].name, as: UTF8.self)
            if name.hasSuffix("data.pkl") {
                op = pickle(&content)
            } else if content.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
                var inner = TensorMutator(random: random, format: .npy, long: long)
                op = inner.random.chance(0.6) ? inner.npyHeader(&content) : inner.generic(&content)
                random = inner.random
            } else {
                op = generic(&content)
            }
            op = "member '\(name)': " + op
            image.members[i].data = content
            image.members[i].uncompressed = content.count
            image.members[i].crc = ZipImage.crc32(content)
        }
        b = image.bytes
        return op
    }

    /// An interesting value written into a field of the end record or a central directory entry.
    mutating func zipFieldLie(_ b: inout [UInt8]) -> String {
        let eocds = (0..<max(0, b.count - 3)).filter { b[$0] == 0x50 && b[$0 + 1] == 0x4B && (b[$0 + 2], b[$0 + 3]) == (5, 6) }
        let centrals = (0..<max(0, b.count - 3)).filter { b[$0] == 0x50 && b[$0 + 1] == 0x4B && (b[$0 + 2], b[$0 + 3]) == (1, 2) }
        let value = random.pick(Self.interesting)
        let (at, width, label): (Int, Int, String)
        if let e = eocds.last, random.chance(0.5) || centrals.isEmpty {
            let field = random.pick([(4, 2, "disk"), (8, 2, "entries on disk"), (10, 2, "entries"), (12, 4, "directory size"), (16, 4, "directory offset"), (20, 2, "comment length")])
            (at, width, label) = (e + field.0, field.1, "end record " + field.2)
        } else if let c = centrals.isEmpty ? nil : random.pick(centrals) {
            let field = random.pick([(10, 2, "method"), (20, 4, "compressed size"), (24, 4, "size"), (28, 2, "name length"), (30, 2, "extra length"), (42, 4, "local offset")])
            (at, width, label) = (c + field.0, field.1, "central entry " + field.2)
        } else {
            return generic(&b)
        }
        for k in 0..<width where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        return "zip \(label) = \(value)"
    }

    /// Pickle-level edits of a checkpoint's data.pkl: opcodes that build deep or huge structures, lengths
    /// that point past the end, memo lookups that miss, globals outside the allow-list, truncation.
    mutating func pickle(_ p: inout [UInt8]) -> String {
        let at = p.isEmpty ? 0 : random.below(p.count)
        let n = random.magnitude(1...(long ? 5 : 4))
        let insert: [UInt8], label: String
        switch random.below(8) {
        case 0: insert = [UInt8](repeating: 0x28, count: n); label = "\(n) MARKs"                         // (
        case 1: insert = [0x5D, 0x71, 0x00] + [UInt8](repeating: 0x32, count: n); label = "list + \(n) DUPs" // EMPTY_LIST, BINPUT 0, DUP…
        case 2: insert = [0x58, 0xFF, 0xFF, 0xFF, 0x7F]; label = "BINUNICODE of 2^31 bytes"              // X
        case 3: insert = [0x8B] + [0xFF, 0xFF, 0xFF, 0x7F] + [0x01]; label = "LONG4 of 2^31 bytes"
        case 4: insert = [0x6A, 0xFF, 0xFF, 0xFF, 0x7F]; label = "LONG_BINGET of a missing memo"          // j
        case 5: insert = Array("cos\nsystem\n".utf8); label = "GLOBAL os.system"
        case 6: insert = [0x4A, 0xFF, 0xFF, 0xFF, 0x7F]; label = "BININT 2^31−1"                           // J
        default:
            p.removeSubrange(at...)
            return "data.pkl truncated at \(at)"
        }
        p.insert(contentsOf: insert, at: at)
        return "data.pkl: \(label) at \(at)"
    }
}
