import Foundation

/// A JSON tree with a fixed key order, the one writer of every GradLab report (`diagnose`, `inspect`,
/// `trace`), so JSON output never fails on a number.
///
/// **Non-finite numbers** (JSON has no ±∞ or NaN) are written as `null`, and the object field that
/// holds them gets a sibling `"<key>_nonfinite"` saying what they were:
/// - a number field: `"lambda_max": null, "lambda_max_nonfinite": "-inf"`;
/// - an array field: `null` in place, and the sibling maps each position to its value, positions
///   written as indices joined by `/` for nested arrays:
///   `"lyapunov": [0.1, null, null], "lyapunov_nonfinite": {"1": "-inf", "2": "nan"}`.
/// Objects inside arrays carry their own siblings. The words are `inf`, `-inf` and `nan`, as NumPy and
/// pandas print them (`float("-inf")` reads them back). Numbers print in Swift's shortest round-trip
/// form, so a Float64 survives a JSON round trip bit for bit.
public enum JSONValue: Sendable, Equatable {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.rendered() == b.rendered() }

    /// A vector of numbers.
    public static func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map(JSONValue.number)) }

    /// From a Foundation tree (`[String: Any]`, `[Any]`, numbers, strings, `Bool`, `NSNull`, optionals
    /// already unwrapped): object keys sorted, as `JSONSerialization`'s `.sortedKeys` would.
    public init(_ any: Any) {
        switch any {
        case let v as JSONValue: self = v
        case let b as Bool: self = .bool(b)
        case let i as Int: self = .integer(i)
        case let x as Double: self = .number(x)
        case let s as String: self = .string(s)
        case let a as [Any]: self = .array(a.map(JSONValue.init))
        case let o as [String: Any]: self = .object(o.keys.sorted().map { ($0, JSONValue(o[$0] as Any)) })
        default: self = .null
        }
    }

    /// The text: indented two spaces per level when `pretty`, else on one line.
    public func rendered(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    /// "inf", "-inf" or "nan" for a non-finite number.
    static func word(_ x: Double) -> String { x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }

    /// The non-finite numbers inside arrays (not inside objects, which report their own), by position.
    func nonfinitePositions(path: String = "") -> [(String, String)] {
        switch self {
        case .number(let x) where !x.isFinite: return [(path, Self.word(x))]
        case .array(let a):
            return a.enumerated().flatMap { i, v in v.nonfinitePositions(path: path.isEmpty ? String(i) : path + "/" + String(i)) }
        default: return []
        }
    }

    private func write(to out: inout String, pretty: Bool, indent: Int) {
        let pad = pretty ? "\n" + String(repeating: "  ", count: indent + 1) : ""
        let close = pretty ? "\n" + String(repeating: "  ", count: indent) : ""
        switch self {
        case .number(let x): out += x.isFinite ? "\(x)" : "null"
        case .integer(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .string(let s): out += Self.quoted(s)
        case .array(let a):
            // Vectors of scalars stay on one line even when pretty.
            let flat = a.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += flat ? ", " : "," }
                if !flat { out += pad }
                v.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            out += (flat || a.isEmpty ? "" : close) + "]"
        case .object(let fields):
            var all: [(String, JSONValue)] = []
            for (k, v) in fields {
                all.append((k, v))
                if case .number(let x) = v, !x.isFinite {
                    all.append((k + "_nonfinite", .string(Self.word(x))))
                } else if case .array = v {
                    let positions = v.nonfinitePositions()
                    if !positions.isEmpty { all.append((k + "_nonfinite", .object(positions.map { ($0.0, .string($0.1)) }))) }
                }
            }
            out += "{"
            for (i, (k, v)) in all.enumerated() {
                if i > 0 { out += "," }
                out += pad + Self.quoted(k) + (pretty ? ": " : ":")
                v.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            out += (all.isEmpty ? "" : close) + "}"
        }
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
