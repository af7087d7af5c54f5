import Linalg

/// What a task's network outputs and which loss scores it.
///
/// - `regression(size:)`: O = `size` real outputs, squared error Σ_o (y_o − target_o)² per scored step.
/// - `classification(classes:)`: O = `classes` logits, softmax cross-entropy against a class index.
/// - `binary`: O = 1 logit, sigmoid binary cross-entropy against a label 0 or 1.
public enum TaskOutput: Sendable, Equatable {
    case regression(size: Int)
    case classification(classes: Int)
    case binary

    /// O, the number of network outputs per step.
    public var size: Int {
        switch self {
        case .regression(let size): size
        case .classification(let classes): classes
        case .binary: 1
        }
    }
}

/// The targets of a batch: real values (B, T, O) for regression, class indices (B, T) otherwise.
/// Entries at steps that carry no loss are 0 (real) or −1 (class).
public enum TaskTargets: Sendable, Equatable {
    case real([Double])
    case classes([Int])
}

/// One minibatch of sequences: inputs (B, T, D), targets, and which steps carry a loss.
///
/// Layout is row-major (B, T, D): input `d` of sequence `b` at step `t` (0-based) is
/// `inputs[(b·T + t)·D + d]`. `lossMask[b·T + t]` is true where the loss is scored: the last step
/// only (`scoredSteps == .last`), every step (`.all`), or a per-sequence last step (sentiment corpus,
/// whose sentences have different lengths and are padded with zero inputs at the end; padding after
/// a sequence's scored step cannot influence its loss).
public struct TaskBatch: Sendable, Equatable {
    public let batchSize: Int
    public let length: Int
    public let inputSize: Int
    public let output: TaskOutput
    public var inputs: [Double]
    public var targets: TaskTargets
    public var lossMask: [Bool]

    /// A batch from its parts; throws `TaskError.invalidParameter` when a count does not match the shape.
    public init(batchSize: Int, length: Int, inputSize: Int, output: TaskOutput,
                inputs: [Double], targets: TaskTargets, lossMask: [Bool]) throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw TaskError.invalidParameter(task: "batch", detail: what) }
        }
        try check(batchSize >= 0 && length >= 0 && inputSize >= 0, "negative shape B = \(batchSize), T = \(length), D = \(inputSize)")
        try check(inputs.count == batchSize * length * inputSize, "\(inputs.count) inputs cannot fill (B, T, D) = (\(batchSize), \(length), \(inputSize))")
        try check(lossMask.count == batchSize * length, "a loss mask of \(lossMask.count) entries for (B, T) = (\(batchSize), \(length))")
        switch targets {
        case .real(let v):
            try check(v.count == batchSize * length * output.size, "\(v.count) real targets for (B, T, O) = (\(batchSize), \(length), \(output.size))")
        case .classes(let c):
            try check(c.count == batchSize * length, "\(c.count) class targets for (B, T) = (\(batchSize), \(length))")
            try check(c.indices.allSatisfy { !lossMask[$0] || (c[$0] >= 0 && c[$0] < max(output.size, 2)) },
                      "a scored class target outside 0..<\(max(output.size, 2))")
        }
        self.init(unchecked: batchSize, length, inputSize, output, inputs, targets, lossMask)
    }

    private init(unchecked b: Int, _ t: Int, _ d: Int, _ output: TaskOutput, _ inputs: [Double],
                 _ targets: TaskTargets, _ lossMask: [Bool]) {
        self.batchSize = b
        self.length = t
        self.inputSize = d
        self.output = output
        self.inputs = inputs
        self.targets = targets
        self.lossMask = lossMask
    }

    /// A zero batch of the given shape (targets zero / −1, no scored steps), for generators to fill.
    init(zeroBatchSize b: Int, length t: Int, inputSize d: Int, output: TaskOutput) {
        let targets: TaskTargets
        switch output {
        case .regression(let o): targets = .real([Double](repeating: 0, count: b * t * o))
        case .classification, .binary: targets = .classes([Int](repeating: -1, count: b * t))
        }
        self.init(unchecked: b, t, d, output, [Double](repeating: 0, count: b * t * d), targets,
                  [Bool](repeating: false, count: b * t))
    }

    /// x_t for every sequence: a B×D matrix (row b = sequence b), e.g. for X_t·W_ihᵀ by gemm.
    public func inputs(atStep t: Int) -> Matrix {
        var m = Matrix(rows: batchSize, cols: inputSize)
        m.withUnsafeMutableBufferPointer { p in
            for b in 0..<batchSize {
                let src = (b * length + t) * inputSize
                for d in 0..<inputSize { p[b * inputSize + d] = inputs[src + d] }
            }
        }
        return m
    }

    /// Sequence b as a T×D matrix (row t = x_t).
    public func sequence(_ b: Int) -> Matrix {
        let start = b * length * inputSize
        // Count matches by construction, so this cannot throw.
        return (try? Matrix(rows: length, cols: inputSize,
                            elements: Array(inputs[start..<start + length * inputSize])))
            ?? Matrix(rows: length, cols: inputSize)
    }

    /// Steps of sequence b that carry a loss, ascending.
    public func scoredSteps(of b: Int) -> [Int] { (0..<length).filter { lossMask[b * length + $0] } }

    /// The number of (b, t) entries that carry a loss: the denominator of the batch loss.
    public var scoredCount: Int { lossMask.reduce(0) { $0 + ($1 ? 1 : 0) } }

    // Writers used by the generators.
    mutating func setInput(_ b: Int, _ t: Int, _ d: Int, _ value: Double) {
        inputs[(b * length + t) * inputSize + d] = value
    }
    func input(_ b: Int, _ t: Int, _ d: Int) -> Double { inputs[(b * length + t) * inputSize + d] }
    mutating func setClass(_ b: Int, _ t: Int, _ c: Int) {
        guard case .classes(var classes) = targets else { preconditionFailure("not a class-target batch") }
        targets = .real([]) // release the buffer so the mutation below does not copy
        classes[b * length + t] = c
        targets = .classes(classes)
        lossMask[b * length + t] = true
    }
    mutating func setReal(_ b: Int, _ t: Int, _ values: [Double]) {
        guard case .real(var v) = targets else { preconditionFailure("not a real-target batch") }
        targets = .classes([])
        let o = output.size
        for k in 0..<o { v[(b * length + t) * o + k] = values[k] }
        targets = .real(v)
        lossMask[b * length + t] = true
    }
    /// One-hot input: channel `symbol` of sequence b at step t is 1, the others 0.
    mutating func setOneHot(_ b: Int, _ t: Int, _ symbol: Int) {
        let base = (b * length + t) * inputSize
        for d in 0..<inputSize { inputs[base + d] = 0 }
        inputs[base + symbol] = 1
    }
}
