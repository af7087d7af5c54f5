import Foundation

/// Mutations of an experiment file's text: byte flips, truncation, line edits, type swaps, huge numbers,
/// alias bombs, nested structures, duplicated keys, long lists and strings, and swept keys. Each returns
/// a short description ("huge number: replicates: 2 → 9223372036854775807") for the failure report.
struct ExperimentMutator {
    var random: FuzzRandom
    /// The other seeds, for lines borrowed from another file.
    let others: [[UInt8]]
    /// Long mode: bigger bombs, lists and strings.
    let long: Bool

    static let values = ["null", "~", "true", "false", "0", "-1", "1.5", "-0.0", ".nan", ".inf", "-.inf", "\"\"", "''",
                         "[]", "{}", "[1, 2]", "{a: 1}", "x", "\"\\u0000\"", "!!binary AAAA", "2001-12-14", "0x10", "0o17",
                         "1e3", "!!str 5", "&anchor 3", "*undefined", "!!map {}", "[[1], {b: 2}]", "\"é\"", "?", "-", "|", ">"]
    static let hugeNumbers = ["9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
                              "4294967296", "2147483648", "1e308", "1e309", "-1e400", "1e-400", "100000000", "1000000",
                              "3163", "65536", "1.7976931348623157e308", "4.9e-324", "123456789012345678901234567890",
                              "-0", "0", "-1", "1e18", "0.0000001"]
    static let paths = ["model.hidden", "model.input", "model.layers", "model.cell", "model.activation", "model.bias",
                        "init.weight_hh.spectral_radius", "init.weight_hh.kind", "init.weight_ih.kind", "sequence.length",
                        "sequence.input.std", "replicates", "seed", "clipping.threshold", "clipping.kind", "training.iterations",
                        "training.batch_size", "task.length", "task.name", "optimizer.lr", "optimizer.kind", "diagnostics.lags",
                        "loss.kind", "nonexistent.path", "model", "measure", "name", "mode", "sweep", "zip"]

    mutating func mutate(_ bytes: inout [UInt8]) -> String {
        switch random.below(14) {
        case 0: return flipBytes(&bytes)
        case 1:
            let n = random.below(bytes.count + 1)
            bytes.removeSubrange(n...)
            return "truncate at byte \(n)"
        case 2: return editLines(&bytes)
        case 3: return editLines(&bytes)
        case 4: return typeSwap(&bytes)
        case 5: return typeSwap(&bytes)
        case 6: return hugeNumber(&bytes)
        case 7: return hugeNumber(&bytes)
        case 8: return aliasBomb(&bytes)
        case 9: return nested(&bytes)
        case 10: return duplicateKey(&bytes)
        case 11: return bigValue(&bytes)
        default: return sweepKey(&bytes)
        }
    }

    private mutating func flipBytes(_ bytes: inout [UInt8]) -> String {
        guard !bytes.isEmpty else { return "flip: empty file" }
        let k = random.int(1...8)
        for _ in 0..<k {
            let at = random.below(bytes.count)
            bytes[at] = random.chance(0.5) ? bytes[at] ^ (1 << UInt8(random.below(8))) : UInt8(random.below(256))
        }
        return "flip \(k) bytes"
    }

    /// The lines of `bytes`, split at every newline byte (linear; `components(separatedBy:)` was the
    /// runner's bottleneck on the megabyte files of long mode).
    private static func lines(_ bytes: [UInt8]) -> [String] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func join(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }

    private mutating func editLines(_ bytes: inout [UInt8]) -> String {
        var lines = Self.lines(bytes)
        let i = random.below(lines.count), j = random.below(lines.count)
        let op: String
        switch random.below(5) {
        case 0: lines.remove(at: i); op = "delete line \(i + 1)"
        case 1: lines.insert(lines[i], at: j); op = "copy line \(i + 1) to \(j + 1)"
        case 2: lines.swapAt(i, j); op = "swap lines \(i + 1) and \(j + 1)"
        case 3:
            let other = Self.lines(random.pick(others))
            lines.insert(random.pick(other), at: j)
            op = "insert a line from another seed at \(j + 1)"
        default:
            let indent = String(repeating: " ", count: random.pick([0, 1, 2, 3, 4, 8]))
            lines[i] = indent + lines[i].drop { $0 == " " }
            op = "re-indent line \(i + 1) to \(indent.count)"
        }
        bytes = Self.join(lines)
        return op
    }

    /// `key: value` pairs, block or flow style: (range of the value, key).
    private static let pair = try? NSRegularExpression(pattern: #"([A-Za-z_][\w.]*):[ ]+(\[[^\[\]\n]*\]|\{[^{}\n]*\}|[^,{}\[\]\n#]+)"#)
    private static let number = try? NSRegularExpression(pattern: #"-?\b\d+(\.\d+)?([eE][-+]?\d+)?\b"#)

    private static func matches(_ regex: NSRegularExpression?, _ text: String) -> [NSTextCheckingResult] {
        regex?.matches(in: text, range: NSRange(text.startIndex..., in: text)) ?? []
    }

    /// Replaces the value of one `key: value` pair (chosen at random) by `make(key)`.
    private mutating func replaceValue(_ bytes: inout [UInt8], _ label: String, _ make: (inout FuzzRandom, String) -> String) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let found = Self.matches(Self.pair, text)
        guard !found.isEmpty else { return "\(label): no key/value pair" }
        let m = random.pick(found)
        guard let keyRange = Range(m.range(at: 1), in: text), let valueRange = Range(m.range(at: 2), in: text) else { return "\(label): no match" }
        let key = String(text[keyRange])
        let value = make(&random, key)
        bytes = Array((text[..<valueRange.lowerBound] + value + text[valueRange.upperBound...]).utf8)
        return "\(label): \(key): \(text[valueRange].prefix(40)) → \(value.prefix(60))\(value.utf8.count > 60 ? "… (\(value.utf8.count) bytes)" : "")"
    }

    private mutating func typeSwap(_ bytes: inout [UInt8]) -> String {
        replaceValue(&bytes, "type swap") { r, _ in r.pick(Self.values) }
    }

    private mutating func hugeNumber(_ bytes: inout [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let found = Self.matches(Self.number, text)
        if found.isEmpty || random.chance(0.3) {
            return replaceValue(&bytes, "huge number") { r, _ in r.pick(Self.hugeNumbers) }
        }
        guard let range = Range(random.pick(found).range, in: text) else { return "huge number: no match" }
        let value = random.pick(Self.hugeNumbers)
        bytes = Array((text[..<range.lowerBound] + value + text[range.upperBound...]).utf8)
        return "huge number: \(text[range]) → \(value)"
    }

    /// The billion-laughs pattern: anchors x0…xN, each a list of two aliases of the one before (2^N nodes
    /// once expanded), referenced from a real key or left as unknown top-level keys.
    private mutating func aliasBomb(_ bytes: inout [UInt8]) -> String {
        let n = random.int(3...(long ? 30 : 24))
        var bomb = "x0: &x0 [lol, lol, lol]\n"
        for k in 1...n { bomb += "x\(k): &x\(k) [*x\(k - 1), *x\(k - 1)]\n" }
        bytes = Array(bomb.utf8) + bytes
        if random.chance(0.5) {
            _ = replaceValue(&bytes, "alias") { _, _ in "*x\(n)" }
        }
        return "alias bomb of depth \(n) (2^\(n) nodes)"
    }

    private mutating func nested(_ bytes: inout [UInt8]) -> String {
        let depth = random.magnitude(1...(long ? 5 : 4))
        let style = random.below(3)
        return replaceValue(&bytes, "nested \(["lists", "maps", "mixed"][style]) of depth \(depth)") { r, _ in
            switch style {
            case 0: return Self.repeated("[", depth) + "1" + Self.repeated("]", depth)
            case 1: return Self.repeated("{a: ", depth) + "1" + Self.repeated("}", depth)
            default:
                // Level k wraps levels 0..<k (level 0 innermost), built in linear time.
                let lists = (0..<depth).map { _ in r.chance(0.5) }
                return lists.reversed().map { $0 ? "[" : "{k: " }.joined() + "1" + lists.map { $0 ? "]" : "}" }.joined()
            }
        }
    }

    private mutating func duplicateKey(_ bytes: inout [UInt8]) -> String {
        var lines = Self.lines(bytes)
        let candidates = lines.indices.filter { lines[$0].range(of: #"^\s*[A-Za-z_][\w.]*:"#, options: .regularExpression) != nil }
        guard let i = candidates.isEmpty ? nil : random.pick(candidates) else { return "duplicate key: none" }
        let line = lines[i]
        let key = line.prefix { $0 != ":" }
        lines.insert(key + ": " + random.pick(Self.values + Self.hugeNumbers), at: i + 1)
        bytes = Self.join(lines)
        return "duplicate key '\(key.trimmingCharacters(in: .whitespaces))' on line \(i + 2)"
    }

    /// A long sweep list or a long string.
    private mutating func bigValue(_ bytes: inout [UInt8]) -> String {
        let n = random.magnitude(2...(long ? 5 : 4))
        if random.chance(0.5) {
            let path = random.pick(Self.paths)
            let list = "[" + (0..<n).map { random.chance(0.9) ? String($0 + 1) : random.pick(Self.values) }.joined(separator: ", ") + "]"
            bytes += Array("\n\(random.chance(0.7) ? "sweep" : "zip"):\n  \(path): \(list)\n".utf8)
            return "sweep '\(path)' over \(n) values"
        }
        let s = Self.repeated(random.pick(["x", "é", "\\", "'"]), n * 10)
        return replaceValue(&bytes, "long string of \(n * 10) characters") { _, _ in "\"\(s)\"" }
    }

    /// `unit` repeated `count` times, built as bytes (`String(repeating:count:)` checks grapheme
    /// boundaries at every append: the long mode's bottleneck).
    private static func repeated(_ unit: String, _ count: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(unit.utf8.count * count)
        for _ in 0..<count { bytes.append(contentsOf: unit.utf8) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func sweepKey(_ bytes: inout [UInt8]) -> String {
        let count = random.int(1...3)
        var block = "\n\(random.chance(0.7) ? "sweep" : "zip"):\n"
        var paths: [String] = []
        for _ in 0..<count {
            let path = random.pick(Self.paths)
            let values = (0..<random.int(1...4)).map { _ in random.pick(Self.values + Self.hugeNumbers) }
            block += "  \(path): [\(values.joined(separator: ", "))]\n"
            paths.append(path)
        }
        bytes += Array(block.utf8)
        return "sweep/zip over \(paths.joined(separator: ", "))"
    }
}
