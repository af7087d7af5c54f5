import Linalg
import Recurrent

/// The states s_0 … s_T of a recurrent map driven by inputs x_1 … x_T: the tape of the backward
/// sweeps (`BackwardFlow`, `WeightGradientContributions`).
///
/// Shapes: `inputs` is T×D (row t−1 = x_t). With the full tape (`strategy` `.fullTape`) `states` is
/// (T+1)×S row-major (row t = s_t). Checkpointed (`.checkpointed(interval: K)`) it holds every K-th
/// state only — row i = s_{iK} for i < ⌈T/K⌉, the last row s_T — and `reverseSweep` recomputes each
/// segment s_{iK+1} … s_{(i+1)K−1} from its checkpoint with the same `map.step` calls the forward
/// run made, so every state it hands out is bit-identical to the full tape's (O(√T·S) memory for
/// one extra forward pass; docs/diagnostics.md, "Memory").
/// The run stops at the first non-finite state; `nonfiniteStep` is then that t and `steps` the
/// number of finite transitions computed before it.
public struct Trajectory: Sendable {
    public let stateSize: Int
    public let inputSize: Int
    /// T: the number of steps requested.
    public let length: Int
    /// Full tape: (T+1)×S, s_0 … s_T (rows after a non-finite step are left at zero). Checkpointed:
    /// (⌈T/K⌉+1)×S, s_0, s_K, s_2K, … and s_T last (rows after a non-finite step at zero).
    public var states: Matrix
    /// T×D: x_1 … x_T.
    public let inputs: Matrix
    /// The first step t whose state s_t had a NaN or ±∞, if any.
    public var nonfiniteStep: Int?
    /// Whether every state is kept or every K-th.
    public let strategy: BPTTStrategy
    /// The number of finite steps: T, or `nonfiniteStep − 1`.
    public var steps: Int { nonfiniteStep.map { $0 - 1 } ?? length }

    /// Runs `map` from `initialState` (length S) over `inputs` (T×D), keeping the states `strategy` says.
    public init<M: RecurrentMap>(map: M, initialState: [Double], inputs: Matrix, strategy: BPTTStrategy = .fullTape) throws {
        guard initialState.count == map.stateSize, inputs.cols == map.inputSize else {
            throw LinalgError.shapeMismatch(operation: "Trajectory",
                detail: "state has \(initialState.count) entries (map needs \(map.stateSize)); inputs are \(inputs.shapeDescription) (map needs D = \(map.inputSize))")
        }
        stateSize = map.stateSize
        inputSize = map.inputSize
        length = inputs.rows
        self.inputs = inputs
        let k = max(1, min(strategy.interval ?? 1, max(inputs.rows, 1)))
        self.strategy = k == 1 ? .fullTape : .checkpointed(interval: k)
        let segments = (inputs.rows + k - 1) / k
        states = Matrix(rows: k == 1 ? inputs.rows + 1 : segments + 1, cols: map.stateSize)
        var ws = map.makeWorkspace()
        let s = stateSize, d = inputSize, t0 = inputs.rows
        var bad: Int? = nil
        // Checkpointed: s_{t−1} and s_t alternate between two rows of `pair`, every K-th is copied out.
        var pair = [Double](repeating: 0, count: k == 1 ? 0 : 2 * s)
        states.withUnsafeMutableBufferPointer { st in
            let base = st.baseAddress!
            base.update(from: initialState, count: s)
            pair.withUnsafeMutableBufferPointer { pp in
                if k > 1 { pp.baseAddress!.update(from: initialState, count: s) }
                inputs.withUnsafeBufferPointer { xs in
                    for t in stride(from: 1, through: t0, by: 1) {
                        let previous = k == 1 ? base + (t - 1) * s : pp.baseAddress! + ((t - 1) % 2) * s
                        let next = k == 1 ? base + t * s : pp.baseAddress! + (t % 2) * s
                        map.step(previous, xs.baseAddress! + (t - 1) * d, into: next, workspace: &ws)
                        var finite = true
                        for i in 0..<s where !next[i].isFinite { finite = false; break }
                        if !finite {
                            for i in 0..<s { next[i] = 0 }
                            bad = t
                            break
                        }
                        if k > 1 && (t % k == 0 || t == t0) { (base + (t == t0 ? segments : t / k) * s).update(from: next, count: s) }
                    }
                }
            }
        }
        nonfiniteStep = bad
    }

    /// Bytes of the states a trajectory of T steps keeps: (T+1)·S·8 for the full tape; (⌈T/K⌉+1)·S·8
    /// checkpoints and a K-row segment buffer checkpointed (in Double: no overflow for any T).
    public static func stateBytes(steps t: Int, stateSize s: Int, strategy: BPTTStrategy) -> Double {
        guard let k = strategy.interval, k > 1 else { return 8 * (Double(t) + 1) * Double(s) }
        return 8 * (Double((t + k - 1) / k) + 1 + Double(k)) * Double(s)
    }

    /// The full tape when its states fit in `budget`, else a checkpoint every ⌈√T⌉ steps (the least
    /// memory checkpointing reaches; used even when that exceeds the budget too).
    public static func strategy(steps t: Int, stateSize s: Int, budget: MemoryBudget) -> BPTTStrategy {
        if stateBytes(steps: t, stateSize: s, strategy: .fullTape) <= Double(budget.bytes) || t < 4 { return .fullTape }
        return .checkpointed(interval: BPTTStrategy.defaultInterval(steps: t))
    }

    /// Visits t = T' … 1 (T' = `steps`, the finite part) with pointers to s_{t−1} (S) and x_t (D),
    /// valid during the call; `body` returns false to stop. A checkpointed trajectory recomputes each
    /// segment from its checkpoint with `map` — the map it was run with — before visiting it.
    public func reverseSweep<M: RecurrentMap>(map: M, _ body: (_ t: Int, _ previous: UnsafePointer<Double>, _ input: UnsafePointer<Double>) throws -> Bool) rethrows {
        let s = stateSize, d = inputSize, last = steps
        guard last >= 1 else { return }
        try states.withUnsafeBufferPointer { st in
            try inputs.withUnsafeBufferPointer { xs in
                let base = st.baseAddress!, x = xs.baseAddress!
                guard let k = strategy.interval else {
                    for t in stride(from: last, through: 1, by: -1) where try !body(t, base + (t - 1) * s, x + (t - 1) * d) { return }
                    return
                }
                // segment[j] = s_{iK+j}, j = 0 … K−1: the states steps iK+1 … (i+1)K start from.
                var segment = [Double](repeating: 0, count: k * s)
                var ws = map.makeWorkspace()
                try segment.withUnsafeMutableBufferPointer { sp in
                    let buffer = sp.baseAddress!
                    for i in stride(from: (last - 1) / k, through: 0, by: -1) {
                        let first = i * k, end = min(first + k, last)
                        buffer.update(from: base + i * s, count: s)
                        for j in stride(from: 1, to: end - first, by: 1) {
                            map.step(buffer + (j - 1) * s, x + (first + j - 1) * d, into: buffer + j * s, workspace: &ws)
                        }
                        for t in stride(from: end, through: first + 1, by: -1) where try !body(t, buffer + (t - 1 - first) * s, x + (t - 1) * d) { return }
                    }
                }
            }
        }
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
