import Linalg

/// B sequences of T steps with F features each, stored **time-major**: element (t, b, f) at
/// `(t·B + b)·F + f` (t, b, f from 0). Inputs (F = D), float targets (F = O) and adjoints (F = H)
/// all use it. Files and PyTorch's `batch_first=True` tensors are (B, T, F): convert with
/// `init(batchFirst:…)` and `batchFirstValues`.
public struct SequenceBatch: Sendable, Equatable {
    public let steps: Int
    public let batchSize: Int
    public let featureSize: Int
    /// Time-major values (T·B·F).
    public var values: [Double]

    /// From time-major values; throws when the count is not T·B·F.
    public init(steps: Int, batchSize: Int, featureSize: Int, timeMajor values: [Double]) throws {
        guard steps >= 0, batchSize > 0, featureSize > 0, values.count == steps * batchSize * featureSize else {
            throw RecurrentError("a sequence batch of T = \(steps), B = \(batchSize), F = \(featureSize) needs \(steps * batchSize * featureSize) values, got \(values.count)")
        }
        self.steps = steps
        self.batchSize = batchSize
        self.featureSize = featureSize
        self.values = values
    }

    /// For slices of an already valid batch (count T·B·F guaranteed by the caller).
    private init(unchecked steps: Int, batchSize: Int, featureSize: Int, values: [Double]) {
        self.steps = steps
        self.batchSize = batchSize
        self.featureSize = featureSize
        self.values = values
    }

    /// From batch-first values (B, T, F) in C order.
    public init(steps: Int, batchSize: Int, featureSize: Int, batchFirst values: [Double]) throws {
        guard values.count == steps * batchSize * featureSize else {
            throw RecurrentError("a sequence batch of B = \(batchSize), T = \(steps), F = \(featureSize) needs \(steps * batchSize * featureSize) values, got \(values.count)")
        }
        var tm = [Double](repeating: 0, count: values.count)
        for b in 0..<batchSize { for t in 0..<steps { for f in 0..<featureSize {
            tm[(t * batchSize + b) * featureSize + f] = values[(b * steps + t) * featureSize + f]
        } } }
        try self.init(steps: steps, batchSize: batchSize, featureSize: featureSize, timeMajor: tm)
    }

    /// One sequence (B = 1) from a T × F matrix.
    public init(_ sequence: Matrix) throws {
        try self.init(steps: sequence.rows, batchSize: 1, featureSize: sequence.cols, timeMajor: sequence.elements)
    }

    /// The values in (B, T, F) C order.
    public var batchFirstValues: [Double] {
        var bf = [Double](repeating: 0, count: values.count)
        for b in 0..<batchSize { for t in 0..<steps { for f in 0..<featureSize {
            bf[(b * steps + t) * featureSize + f] = values[(t * batchSize + b) * featureSize + f]
        } } }
        return bf
    }

    /// Steps `range` (0-based) of every sequence.
    public func slice(steps range: Range<Int>) -> SequenceBatch {
        let w = batchSize * featureSize
        // The count is range.count·B·F by construction, so the unchecked initialiser is safe.
        return SequenceBatch(unchecked: range.count, batchSize: batchSize, featureSize: featureSize,
                             values: Array(values[range.lowerBound * w ..< range.upperBound * w]))
    }

    /// The B × F block of step t (0-based), as a matrix.
    public func step(_ t: Int) -> Matrix {
        let w = batchSize * featureSize
        var m = Matrix(rows: batchSize, cols: featureSize)
        m.withUnsafeMutableBufferPointer { p in
            values.withUnsafeBufferPointer { v in p.baseAddress!.update(from: v.baseAddress! + t * w, count: w) }
        }
        return m
    }
}
