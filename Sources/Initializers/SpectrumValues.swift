import Foundation
import Linalg

/// A list of spectrum values (singular values, eigenvalue moduli or phases) as a user gives them:
/// an explicit list, `constant(c)` (every value c; a bare number means the same), or `uniform(a, b)`
/// (i.i.d. draws from U[a, b) using the initializer's random stream).
///
/// YAML: `[1, 0.5, 0.25]`, `0.9`, `"constant(0.9)"`, `"uniform(0.5, 1.5)"`.
/// CLI: `--singular-values 1,0.5,0.25`, `--singular-values 'uniform(0.5, 1.5)'`.
public enum SpectrumValues: Codable, Sendable, Hashable, CustomStringConvertible {
    case list([Double])
    case constant(Double)
    case uniform(Double, Double)

    /// Parses the CLI/YAML text forms: comma- or space-separated numbers (optionally in brackets),
    /// `constant(c)` or `uniform(a, b)`.
    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        func numbers(_ s: Substring) throws -> [Double] {
            let parts = s.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.trimmingCharacters(in: .whitespaces) }
            return try parts.filter { !$0.isEmpty }.map { p in
                guard let v = Double(p) else { throw InitError("'\(p)' in '\(text)' is not a number") }
                return v
            }
        }
        let usage = "write a list like '1,0.5,0.25', 'constant(c)' or 'uniform(a, b)'"
        if t.hasPrefix("constant("), t.hasSuffix(")") {
            let v = try numbers(t.dropFirst(9).dropLast())
            guard v.count == 1 else { throw InitError("'\(text)': constant(c) takes one number; \(usage)") }
            self = .constant(v[0])
        } else if t.hasPrefix("uniform("), t.hasSuffix(")") {
            let v = try numbers(t.dropFirst(8).dropLast())
            guard v.count == 2 else { throw InitError("'\(text)': uniform(a, b) takes two numbers; \(usage)") }
            self = .uniform(v[0], v[1])
        } else {
            let body = t.hasPrefix("[") && t.hasSuffix("]") ? t.dropFirst().dropLast() : Substring(t)
            let v = try numbers(body)
            guard !v.isEmpty else { throw InitError("'\(text)' has no values; \(usage)") }
            self = v.count == 1 && !t.contains(",") && !t.hasPrefix("[") ? .constant(v[0]) : .list(v)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Double.self) { self = .constant(v); return }
        if let v = try? c.decode([Double].self) { self = .list(v); return }
        let s = try c.decode(String.self)
        do { self = try SpectrumValues(parsing: s) } catch let e as InitError {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: e.message)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .list(v): try c.encode(v)
        case .constant, .uniform: try c.encode(description)
        }
    }

    public var description: String {
        switch self {
        case let .list(v): "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
        case let .constant(c): "constant(\(c))"
        case let .uniform(a, b): "uniform(\(a), \(b))"
        }
    }

    /// `count` values: the list (whose length must be `count`), or draws. `what` names the key in errors.
    func values(_ count: Int, what: String, rng: inout RandomStream) throws -> [Double] {
        switch self {
        case let .list(v):
            guard v.count == count else { throw InitError("\(what) lists \(v.count) values but \(count) are needed") }
            return v
        case let .constant(c): return [Double](repeating: c, count: count)
        case let .uniform(a, b): return rng.uniforms(count, a, b)
        }
    }

    /// Every value the request can produce lies in `range` (bounds of a uniform, every listed value).
    func allIn(_ range: ClosedRange<Double>) -> Bool {
        switch self {
        case let .list(v): v.allSatisfy { range.contains($0) }
        case let .constant(c): range.contains(c)
        case let .uniform(a, b): range.contains(a) && range.contains(b)
        }
    }
}
