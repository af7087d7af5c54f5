/// An error reading or writing a tensor file: one line, "<file>: <problem>".
///
/// Every failure of a file a user supplies (truncated, wrong dtype, a header that lies about
/// sizes, an unknown extension, NaN in a weight) is reported this way, never as a crash.
public struct TensorIOError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (as the user named it) or a tensor description when no file is involved.
    public let file: String
    /// What is wrong, as a sentence fragment that says what to change where possible.
    public let problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

extension TensorIOError {
    /// How many names a message lists before it summarises the rest.
    public static let listLimit = 20

    /// `items` joined with ", ", at most `limit` of them, then "… and 99,980 more": a file with 100,000
    /// tensors gives a readable one-line error, not every name.
    public static func list(_ items: some Collection<String>, limit: Int = listLimit) -> String {
        let shown = items.prefix(max(limit, 0)).joined(separator: ", ")
        let rest = items.count - min(items.count, max(limit, 0))
        guard rest > 0 else { return shown }
        return shown + ", … and \(grouped(rest)) more"
    }

    /// 99980 → "99,980".
    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n.magnitude)), out = ""
        while digits.count > 3 { out = "," + String(digits.suffix(3)) + out; digits.removeLast(3) }
        return (n < 0 ? "-" : "") + String(digits) + out
    }
}
