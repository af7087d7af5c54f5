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
