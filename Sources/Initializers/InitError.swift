/// A bad initializer request or a failure to build the matrix: one line that says what to change.
public struct InitError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
