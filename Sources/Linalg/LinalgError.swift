/// An error from a linear-algebra operation: always names the operation and the shapes involved,
/// so a user can act on it. Linalg never traps on bad shapes or LAPACK failures; it throws these.
public enum LinalgError: Error, CustomStringConvertible, Equatable {
    /// Operand shapes that do not fit the operation, e.g. `gemm: A is 3×4 but B is 5×2`.
    case shapeMismatch(operation: String, detail: String)
    /// A LAPACK routine returned `info ≠ 0`; `info < 0` is an illegal argument, `info > 0` a numerical failure.
    case lapackFailure(routine: String, info: Int32, shape: String)
    /// An argument outside its domain (a negative size, a non-finite entry where none is allowed …).
    case invalidArgument(operation: String, detail: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(operation, detail):
            return "\(operation): shape mismatch: \(detail)"
        case let .lapackFailure(routine, info, shape):
            let kind = info < 0 ? "illegal value in argument \(-info)" : "did not converge or matrix is singular (info = \(info))"
            return "\(routine) on a \(shape) matrix failed: \(kind)"
        case let .invalidArgument(operation, detail):
            return "\(operation): \(detail)"
        }
    }
}

@inline(__always)
func shapeString(_ rows: Int, _ cols: Int) -> String { "\(rows)×\(cols)" }
