import Linalg
import Recurrent

/// Where the fixed-point search starts: states the model itself visits, plus seeded noise.
///
/// The pool is a matrix whose rows are states (S entries each: h, or [h; c]). `sample` draws `count`
/// rows uniformly with replacement and adds N(0, noise²) to every entry, from `rng`.
public enum FixedPointStarts {
    /// The states of `batch` autonomous runs of `steps` steps under the constant input x*, each from
    /// h₀ ~ N(0, 1) per unit (an LSTM's c₀ = 0): rows s_1 … s_T of every run ((batch·steps) × S).
    /// Runs that leave the finite numbers contribute only their finite steps.
    public static func autonomousPool<C: RecurrentCell>(cell: C, input: [Double], batch: Int, steps: Int,
                                                        rng: inout RandomStream) throws -> Matrix {
        let s = cell.stateSize, d = cell.inputSize
        guard input.count == d else {
            throw RecurrentError("the constant input has \(input.count) entries, the model needs D = \(d)")
        }
        var rows: [Double] = []
        rows.reserveCapacity(batch * steps * s)
        var inputs = Matrix(rows: steps, cols: d)
        for t in 0..<steps { for k in 0..<d { inputs[t, k] = input[k] } }
        for _ in 0..<batch {
            let s0 = makeInitialState(.gaussian, hiddenSize: cell.hiddenSize, stateSize: s, rng: &rng)
            let run = try Trajectory(map: cell, initialState: s0, inputs: inputs)
            for t in stride(from: 1, through: run.steps, by: 1) { rows += run.states.row(t) }
        }
        guard !rows.isEmpty else { throw RecurrentError("every trajectory left the finite numbers in its first step; no states to start from") }
        return try Matrix(rows: rows.count / s, cols: s, elements: rows)
    }

    /// `count` rows of `pool` drawn uniformly with replacement, each plus N(0, noise²) per entry.
    public static func sample(pool: Matrix, count: Int, noise: Double, rng: inout RandomStream) -> [[Double]] {
        guard pool.rows > 0 else { return [] }
        return (0..<count).map { _ in
            var s = pool.row(rng.integer(below: pool.rows))
            if noise > 0 { for i in s.indices { s[i] += noise * rng.normal() } }
            return s
        }
    }
}
