import Foundation
import Linalg
import Recurrent

/// Per-unit × time gradient maps (`diagnose --unit-maps`): |∂L/∂h_t,i| for every unit i and step t, and
/// for gated cells |∂L/∂ of each gate's pre-activation|, in log10 so they span any range.
///
/// The state cotangent u_t = ∂L/∂s_t runs back from u_T = [g; 0] (g = ∂L/∂h_T) by the cell's exact
/// vector–Jacobian product u_{t−1} = J_tᵀ u_t (`RecurrentCell.vjp`), rescaled to unit norm every step
/// with the scale kept as a compensated sum of logs (so 10^−400 is a number here). Conventions:
/// - `hiddenLog10[t][i]` = log10 |∂L/∂h_t,i| for t = 0…T (−∞ for an exact zero); per step,
///   Σ_i 10^(2·hiddenLog10[t][i]) = ‖∂L/∂h_t‖² (the squared norm `BackwardFlow` reports).
/// - `gateLog10[g][t − 1][i]` for t = 1…T: log10 |∂L/∂z_t| of gate g's pre-activation row i (LSTM i, f,
///   g, o; GRU r, z and, for n, the hidden part W_hn h + b_hn inside the reset gate: the factor that
///   multiplies W_hn); empty for cells with a point-wise φ (RNN, IndRNN, LN-RNN: the one "gate" is z_t, the
///   pre-activation) and the LRU.
public struct UnitGradientMap: Sendable {
    public let steps: Int
    public let hiddenSize: Int
    public var hiddenLog10: [[Double]]
    public var gateNames: [String]
    public var gateLog10: [[[Double]]]

    /// Maps as computed before (e.g. read back from their files): `hiddenLog10` (T + 1) × H, each gate's (T × H).
    public init(hiddenLog10: [[Double]], gateNames: [String], gateLog10: [[[Double]]]) {
        steps = hiddenLog10.count - 1
        hiddenSize = hiddenLog10.first?.count ?? 0
        self.hiddenLog10 = hiddenLog10
        self.gateNames = gateNames
        self.gateLog10 = gateLog10
    }

    public init<C: RecurrentCell>(cell: C, family: CellFamily, trajectory: Trajectory, adjoint g: [Double]) throws {
        let h = cell.hiddenSize, s = cell.stateSize, d = cell.inputSize, gates = cell.weights.gateCount
        guard g.count == h else { throw RecurrentError("unit maps: the adjoint has \(g.count) entries, the model has H = \(h)") }
        let t = trajectory.steps
        steps = t
        hiddenSize = h
        // An LRU's pre-activation gradient is ∂L/∂s_t itself (identity map): no gate panel.
        gateNames = family.takesActivation || family == .lru ? [] : family.gateNames
        hiddenLog10 = [[Double]](repeating: [], count: t + 1)
        gateLog10 = gateNames.map { _ in [[Double]](repeating: [], count: t) }
        var ws = cell.makeWorkspace()
        var u = [Double](repeating: 0, count: s), next = u
        var factor = [Double](repeating: 0, count: gates * h)
        for i in 0..<h { u[i] = g[i] }
        var logScale = CompensatedSum()
        let ln10 = Foundation.log(10.0)
        func log10Units(_ v: [Double], count: Int) -> [Double] {
            (0..<count).map { v[$0] == 0 ? -.infinity : Foundation.log10(abs(v[$0])) + logScale.value / ln10 }
        }
        hiddenLog10[t] = log10Units(u, count: h)
        for step in stride(from: t, through: 1, by: -1) {
            let prev = trajectory.states.row(step - 1), x = trajectory.inputs.row(step - 1)
            if !gateNames.isEmpty {
                cell.hiddenWeightGradientFactor(prev, x, cotangent: u, into: &factor, workspace: &ws)
                for k in 0..<gates { gateLog10[k][step - 1] = log10Units(Array(factor[(k * h)..<((k + 1) * h)]), count: h) }
            }
            cell.vjp(prev, x, cotangent: u, into: &next, workspace: &ws)
            swap(&u, &next)
            let n = nrm2(u)
            if n > 0 && n.isFinite {
                scal(1 / n, &u)
                logScale.add(Foundation.log(n))
            }
            hiddenLog10[step - 1] = log10Units(u, count: h)
        }
        _ = d
    }

    /// log10 ‖∂L/∂h_t‖ from the unit map (log-sum-exp of 2·log10|·|), t = 0…T; nil for an all-zero step.
    public var normLog10: [Double?] {
        hiddenLog10.map { row in
            guard let m = row.filter(\.isFinite).max() else { return nil }
            let sum = row.reduce(0.0) { $0 + ($1.isFinite ? Foundation.pow(10, 2 * ($1 - m)) : 0) }
            return m + 0.5 * Foundation.log10(sum)
        }
    }

    /// Units in descending order of their total squared gradient Σ_t 10^(2·log10|∂L/∂h_t,i|), the
    /// ordering used to keep a large-H map readable (the first `limit` rows are drawn).
    public var unitsByTotalGradient: [Int] { Self.unitsByTotalGradient(hiddenLog10) }

    /// The units (columns) of a log10 |∂L/∂h_t,i| map (rows = steps) in descending order of Σ_t |·|²,
    /// ties by index.
    public static func unitsByTotalGradient(_ rows: [[Double]]) -> [Int] {
        let units = rows.first?.count ?? 0
        let peak = rows.flatMap { $0 }.filter(\.isFinite).max() ?? 0
        let totals = (0..<units).map { i in rows.reduce(0.0) { $0 + ($1[i].isFinite ? Foundation.pow(10, 2 * ($1[i] - peak)) : 0) } }
        return (0..<units).sorted { (totals[$0], -$0) > (totals[$1], -$1) }
    }
}
