import Linalg
import Recurrent

/// The states s_0 … s_T of a recurrent map driven by inputs x_1 … x_T.
///
/// Shapes: `states` is (T+1)×S row-major (row t = s_t), `inputs` is T×D (row t−1 = x_t).
/// The run stops at the first non-finite state; `nonfiniteStep` is then that t and `steps` the
/// number of finite transitions computed before it.
public struct Trajectory: Sendable {
    public let stateSize: Int
    public let inputSize: Int
    /// T: the number of steps requested.
    public let length: Int
    /// (T+1)×S: s_0 … s_T (rows after a non-finite step are left at zero).
    public var states: Matrix
    /// T×D: x_1 … x_T.
    public let inputs: Matrix
    /// The first step t whose state s_t had a NaN or ±∞, if any.
    public var nonfiniteStep: Int?
    /// The number of finite steps: T, or `nonfiniteStep − 1`.
    public var steps: Int { nonfiniteStep.map { $0 - 1 } ?? length }

    /// Runs `map` from `initialState` (length S) over `inputs` (T×D).
    public init<M: RecurrentMap>(map: M, initialState: [Double], inputs: Matrix) throws {
        guard initialState.count == map.stateSize, inputs.cols == map.inputSize else {
            throw LinalgError.shapeMismatch(operation: "Trajectory",
                detail: "state has \(initialState.count) entries (map needs \(map.stateSize)); inputs are \(inputs.shapeDescription) (map needs D = \(map.inputSize))")
        }
        stateSize = map.stateSize
        inputSize = map.inputSize
        length = inputs.rows
        self.inputs = inputs
        states = Matrix(rows: inputs.rows + 1, cols: map.stateSize)
        var ws = map.makeWorkspace()
        let s = stateSize, d = inputSize
        var bad: Int? = nil
        states.withUnsafeMutableBufferPointer { st in
            let base = st.baseAddress!
            base.update(from: initialState, count: s)
            inputs.withUnsafeBufferPointer { xs in
                for t in stride(from: 1, through: inputs.rows, by: 1) {
                    let next = base + t * s
                    map.step(base + (t - 1) * s, xs.baseAddress! + (t - 1) * d, into: next, workspace: &ws)
                    var finite = true
                    for i in 0..<s where !next[i].isFinite { finite = false; break }
                    if !finite {
                        for i in 0..<s { next[i] = 0 }
                        bad = t
                        break
                    }
                }
            }
        }
        nonfiniteStep = bad
    }
}

/// How the input sequence and initial state of a diagnosis are made.
public enum InputSource: Sendable, Equatable {
    /// x_t = 0 (an autonomous run).
    case zeros
    /// x_t ~ N(0, std²) i.i.d. per entry and step.
    case gaussian(std: Double)
}

/// How s_0 is made.
public enum InitialState: String, Sendable, CaseIterable {
    /// s_0 = 0.
    case zeros
    /// h_0 ~ N(0, 1) per unit (the cell state c_0 of an LSTM stays 0).
    case gaussian
}

extension Matrix {
    /// A T×D input sequence from `source`, drawn row by row from `rng`.
    public static func inputSequence(steps t: Int, size d: Int, source: InputSource, rng: inout RandomStream) -> Matrix {
        switch source {
        case .zeros: return Matrix(rows: t, cols: d)
        case .gaussian(let std): return rng.normalMatrix(rows: t, cols: d, std: std)
        }
    }
}

/// s_0 for a map with `hiddenSize` h-entries leading a state of `stateSize` entries.
public func makeInitialState(_ kind: InitialState, hiddenSize: Int, stateSize: Int, rng: inout RandomStream) -> [Double] {
    var s = [Double](repeating: 0, count: stateSize)
    if kind == .gaussian { for i in 0..<hiddenSize { s[i] = rng.normal() } }
    return s
}
