import Foundation

/// A dense Float64 matrix, row-major, with value semantics (copy-on-write).
///
/// Element (i, j) lives at `i * cols + j`. Storage is 64-byte aligned: OpenBLAS's gemv/ger run
/// measurably slower on 16-byte-aligned buffers (DESIGN.md). Vectors are plain `[Double]`;
/// a matrix with one column is a column vector where an operation needs a matrix.
///
/// Shapes are checked: operations that combine matrices throw `LinalgError.shapeMismatch`.
public struct Matrix: Sendable {
    public let rows: Int
    public let cols: Int
    @usableFromInline var storage: AlignedStorage

    /// A `rows × cols` matrix filled with `value` (zero by default).
    /// Negative sizes are a programming error in library code; user-facing sizes are validated
    /// by the caller before reaching here.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix size must be non-negative, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = AlignedStorage(count: rows * cols, repeating: value)
    }

    /// A matrix from row-major elements; throws when `elements.count ≠ rows·cols`.
    public init(rows: Int, cols: Int, elements: [Double]) throws {
        guard rows >= 0, cols >= 0, elements.count == rows * cols else {
            throw LinalgError.shapeMismatch(operation: "Matrix(rows:cols:elements:)",
                detail: "\(elements.count) elements cannot fill a \(shapeString(rows, cols)) matrix")
        }
        self.init(rows: rows, cols: cols)
        elements.withUnsafeBufferPointer { src in
            storage.pointer.update(from: src.baseAddress!, count: src.count)
        }
    }

    /// A matrix from nested rows; throws when rows have different lengths.
    public init(_ rowArrays: [[Double]]) throws {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        for (i, row) in rowArrays.enumerated() where row.count != c {
            throw LinalgError.shapeMismatch(operation: "Matrix([[Double]])",
                detail: "row 0 has \(c) entries but row \(i) has \(row.count)")
        }
        try self.init(rows: r, cols: c, elements: rowArrays.flatMap { $0 })
    }

    /// The n×n identity scaled by `scale`.
    public static func identity(_ n: Int, scale: Double = 1) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m[i, i] = scale }
        return m
    }

    /// A square matrix with `diagonal` on its diagonal.
    public static func diagonal(_ diagonal: [Double]) -> Matrix {
        var m = Matrix(rows: diagonal.count, cols: diagonal.count)
        for (i, d) in diagonal.enumerated() { m[i, i] = d }
        return m
    }

    public var count: Int { rows * cols }
    public var isSquare: Bool { rows == cols }
    /// "rows×cols", for error messages.
    public var shapeDescription: String { shapeString(rows, cols) }

    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < cols, "index (\(i), \(j)) out of range for \(rows)×\(cols)")
            return storage.pointer[i * cols + j]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < cols, "index (\(i), \(j)) out of range for \(rows)×\(cols)")
            makeUnique()
            storage.pointer[i * cols + j] = newValue
        }
    }

    /// The row-major elements as an array.
    public var elements: [Double] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] {
        Array(UnsafeBufferPointer(start: storage.pointer + i * cols, count: cols))
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }

    /// Nested rows, e.g. for JSON output.
    public var rowArrays: [[Double]] { (0..<rows).map(row) }

    /// The transpose (a copy).
    public var transposed: Matrix {
        let t = Matrix(rows: cols, cols: rows)
        let src = storage.pointer, dst = t.storage.pointer
        for i in 0..<rows { for j in 0..<cols { dst[j * rows + i] = src[i * cols + j] } }
        return t
    }

    /// Read access to the row-major storage (64-byte aligned).
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Write access to the row-major storage (copies first if shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Whether every element is finite.
    public var isFinite: Bool { withUnsafeBufferPointer { $0.allSatisfy { $0.isFinite } } }

    /// `self` with every element multiplied by `s`.
    public func scaled(by s: Double) -> Matrix {
        var m = self
        m.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= s } }
        return m
    }

    /// Element-wise sum; throws on a shape mismatch.
    public func adding(_ other: Matrix, scaledBy alpha: Double = 1) throws -> Matrix {
        guard rows == other.rows, cols == other.cols else {
            throw LinalgError.shapeMismatch(operation: "add", detail: "\(shapeDescription) + \(other.shapeDescription)")
        }
        var m = self
        m.withUnsafeMutableBufferPointer { p in
            other.withUnsafeBufferPointer { q in for i in p.indices { p[i] += alpha * q[i] } }
        }
        return m
    }

    /// The sub-matrix of rows `rowRange` (all columns), e.g. one gate block of an LSTM weight.
    public func rows(_ rowRange: Range<Int>) throws -> Matrix {
        guard rowRange.lowerBound >= 0, rowRange.upperBound <= rows else {
            throw LinalgError.shapeMismatch(operation: "rows(_:)", detail: "rows \(rowRange) of a \(shapeDescription) matrix")
        }
        return try Matrix(rows: rowRange.count, cols: cols,
                          elements: Array(UnsafeBufferPointer(start: storage.pointer + rowRange.lowerBound * cols,
                                                              count: rowRange.count * cols)))
    }
}

extension Matrix: Equatable {
    /// Exact element-wise equality (bit-level for finite values) and equal shapes.
    public static func == (a: Matrix, b: Matrix) -> Bool {
        a.rows == b.rows && a.cols == b.cols && a.elements == b.elements
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let body = rowArrays.map { r in r.map { String(format: "% .6g", $0) }.joined(separator: "  ") }
        return "Matrix \(shapeDescription)\n" + body.joined(separator: "\n")
    }
}

/// 64-byte-aligned heap storage for `Matrix`. Internal: only `Matrix` mutates it, after `makeUnique()`.
@usableFromInline
final class AlignedStorage: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Double>
    @usableFromInline let count: Int

    init(count: Int, repeating value: Double) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Double>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        pointer = raw.bindMemory(to: Double.self, capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }

    @usableFromInline func copy() -> AlignedStorage {
        let c = AlignedStorage(count: count, repeating: 0)
        c.pointer.update(from: pointer, count: count)
        return c
    }

    deinit { pointer.deallocate() }
}
