import Linalg

/// The element type of a tensor as stored in a file.
///
/// | case | NumPy `descr` | safetensors | values |
/// |---|---|---|---|
/// | `float64` | `<f8` | `F64` | exact |
/// | `float32` | `<f4` | `F32` | widened to Float64 on read, rounded to nearest on write |
/// | `int64` | `<i8` | `I64` | kept exactly in `Tensor.integers` |
/// | `int32` | `<i4` | `I32` | kept exactly in `Tensor.integers` |
/// | `uint8` | `|u1` | `U8` | kept exactly in `Tensor.integers` |
public enum ElementType: String, Sendable, Hashable, CaseIterable {
    case float64, float32, int64, int32, uint8

    /// Bytes per element on disk.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .uint8: 1
        }
    }

    /// Whether values are integers (kept exactly in `Tensor.integers`).
    public var isInteger: Bool { self == .int64 || self == .int32 || self == .uint8 }

    /// The NumPy dtype string (`descr`) for this type, little-endian.
    public var numpyDescr: String {
        switch self {
        case .float64: "<f8"
        case .float32: "<f4"
        case .int64: "<i8"
        case .int32: "<i4"
        case .uint8: "|u1"
        }
    }

    /// The safetensors dtype name.
    public var safetensorsName: String {
        switch self {
        case .float64: "F64"
        case .float32: "F32"
        case .int64: "I64"
        case .int32: "I32"
        case .uint8: "U8"
        }
    }

    /// The type for a NumPy `descr`, accepting `=`/`<` (little-endian on every machine GradLab runs on)
    /// and `|` for one-byte types; nil for anything else.
    public init?(numpyDescr: String) {
        switch numpyDescr {
        case "<f8", "=f8": self = .float64
        case "<f4", "=f4": self = .float32
        case "<i8", "=i8": self = .int64
        case "<i4", "=i4": self = .int32
        case "|u1", "<u1", "=u1": self = .uint8
        default: return nil
        }
    }

    /// The type for a safetensors dtype name; nil for anything else.
    public init?(safetensorsName: String) {
        guard let t = ElementType.allCases.first(where: { $0.safetensorsName == safetensorsName }) else { return nil }
        self = t
    }
}

/// An n-dimensional array in C (row-major) order: the unit every tensor file holds.
///
/// `values` always holds the elements as Float64 (row-major, `product(shape)` of them). Integer
/// tensors (class targets) also keep their exact values in `integers`, since Int64 beyond 2⁵³
/// does not survive a trip through Double. `elementType` is what the tensor was read as and what
/// `save` writes. A rank-0 tensor (shape `[]`) has one element.
public struct Tensor: Sendable, Equatable {
    public let shape: [Int]
    public let elementType: ElementType
    /// Row-major elements as Float64; `values.count == elementCount`.
    public let values: [Double]
    /// Exact row-major elements for integer element types; nil for floating types.
    public let integers: [Int64]?

    /// A floating tensor (`.float64` or `.float32`); throws when `values.count ≠ product(shape)`.
    public init(shape: [Int], values: [Double], elementType: ElementType = .float64) throws {
        guard !elementType.isInteger else {
            throw TensorIOError(file: "tensor", problem: "element type \(elementType) needs integer values; use Tensor(shape:integers:)")
        }
        let n = try Tensor.elementCount(shape, file: "tensor")
        guard n == values.count else {
            throw TensorIOError(file: "tensor", problem: "\(values.count) values cannot fill shape \(Tensor.describe(shape))")
        }
        self.shape = shape
        self.values = values
        self.elementType = elementType
        self.integers = nil
    }

    /// An integer tensor (`.int64` by default); throws on a count mismatch or a value out of the type's range.
    public init(shape: [Int], integers: [Int64], elementType: ElementType = .int64) throws {
        guard elementType.isInteger else {
            throw TensorIOError(file: "tensor", problem: "element type \(elementType) is not an integer type")
        }
        let n = try Tensor.elementCount(shape, file: "tensor")
        guard n == integers.count else {
            throw TensorIOError(file: "tensor", problem: "\(integers.count) integers cannot fill shape \(Tensor.describe(shape))")
        }
        let range: ClosedRange<Int64> = switch elementType {
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        case .uint8: 0...255
        default: Int64.min...Int64.max
        }
        if let bad = integers.first(where: { !range.contains($0) }) {
            throw TensorIOError(file: "tensor", problem: "integer \(bad) does not fit element type \(elementType)")
        }
        self.shape = shape
        self.integers = integers
        self.values = integers.map { Double($0) }
        self.elementType = elementType
    }

    /// A rank-2 Float64 tensor holding `matrix` (row-major, shape [rows, cols]).
    public init(_ matrix: Matrix) {
        shape = [matrix.rows, matrix.cols]
        values = matrix.elements
        elementType = .float64
        integers = nil
    }

    /// A rank-1 Float64 tensor holding `vector`.
    public init(_ vector: [Double]) {
        shape = [vector.count]
        values = vector
        elementType = .float64
        integers = nil
    }

    public var rank: Int { shape.count }
    public var elementCount: Int { values.count }
    /// "(3, 4)"-style shape text for messages, as NumPy prints it.
    public var shapeDescription: String { Tensor.describe(shape) }

    /// The tensor as a matrix; throws unless rank is 2.
    public func matrix(name: String = "tensor") throws -> Matrix {
        guard rank == 2 else {
            throw TensorIOError(file: name, problem: "expected a matrix (rank 2) but the tensor has shape \(shapeDescription)")
        }
        return try Matrix(rows: shape[0], cols: shape[1], elements: values)
    }

    /// The tensor as a vector; throws unless rank is 1.
    public func vector(name: String = "tensor") throws -> [Double] {
        guard rank == 1 else {
            throw TensorIOError(file: name, problem: "expected a vector (rank 1) but the tensor has shape \(shapeDescription)")
        }
        return values
    }

    /// The same elements as another element type (e.g. `.float64` before saving a float32 tensor at full
    /// precision). Float → integer requires every value to be an integer in range.
    public func converted(to type: ElementType) throws -> Tensor {
        if type == elementType { return self }
        if type.isInteger {
            var ints = [Int64]()
            ints.reserveCapacity(values.count)
            for v in values {
                guard v.isFinite, v.rounded() == v, abs(v) < 0x1p63 else {
                    throw TensorIOError(file: "tensor", problem: "value \(v) is not an integer; cannot convert to \(type)")
                }
                ints.append(Int64(v))
            }
            return try Tensor(shape: shape, integers: integers ?? ints, elementType: type)
        }
        let rounded = type == .float32 ? values.map { Double(Float($0)) } : values
        return try Tensor(shape: shape, values: rounded, elementType: type)
    }

    /// Throws "<file>: tensor '<name>' has NaN at index (i, j)" (or ±inf) when any element is not finite.
    /// The recurrent core calls this on every weight it loads.
    public func checkFinite(name: String, file: String) throws {
        guard let k = values.firstIndex(where: { !$0.isFinite }) else { return }
        var index = [Int](repeating: 0, count: shape.count), rest = k
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        let what = values[k].isNaN ? "NaN" : "\(values[k])"
        let at = shape.isEmpty ? "" : " at index (\(index.map(String.init).joined(separator: ", ")))"
        throw TensorIOError(file: file, problem: "tensor '\(name)' has \(what)\(at); weights must be finite")
    }

    /// product(shape) with overflow and sign checks: header claims never reach an allocation unchecked.
    static func elementCount(_ shape: [Int], file: String) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw TensorIOError(file: file, problem: "negative dimension \(d) in shape \(describe(shape))") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { throw TensorIOError(file: file, problem: "shape \(describe(shape)) has too many elements") }
            n = p
        }
        return n
    }

    /// Byte count of `shape` at `type`, overflow-checked.
    static func byteCount(_ shape: [Int], _ type: ElementType, file: String) throws -> Int {
        let (b, overflow) = try elementCount(shape, file: file).multipliedReportingOverflow(by: type.byteCount)
        guard !overflow else { throw TensorIOError(file: file, problem: "shape \(describe(shape)) has too many bytes") }
        return b
    }

    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
