import Foundation
import Linalg
import Recurrent

/// Theory to set beside every measurement.
public enum Theory {
    /// log10 of Pascanu et al.'s (2013) upper bound on ‖∂h_T/∂h_{T−k}‖: (γ·σ_max(W_hh))^k, where
    /// γ = sup|φ'| bounds the activation's derivative (tanh 1, sigmoid 1/4, relu and linear 1).
    /// Their bound is on ‖∏ diag(φ')·W_hh‖ ≤ ∏ ‖diag(φ')‖·‖W_hh‖, so it holds at every lag.
    public static func pascanuBoundLog10(lag k: Int, gamma: Double, sigmaMax: Double) -> Double {
        Double(k) * Foundation.log10(gamma * sigmaMax)
    }

    /// log10 of the linear rate ρ(W_hh)^k (the asymptotic growth of a linear network's products).
    public static func linearRateLog10(lag k: Int, spectralRadius rho: Double) -> Double {
        Double(k) * Foundation.log10(rho)
    }

    /// The LRU's closed form per complex unit (Orvieto et al. 2023): the Jacobian is the complex
    /// diagonal λ (in real form, 2 × 2 rotation-scaling blocks), so ∂h_T/∂h_t = diag(λ^k) and
    /// log10 |∂h_{T,j}/∂h_{t,j}| = k·log10|λ_j| for every unit j, k = T − t, independent of the inputs;
    /// ‖∂h_T/∂h_t‖₂ = max_j |λ_j|^k. `rotation` is [Re λ (N); Im λ (N)] (`CellWeights.recurrentRotation`).
    public static func lruUnitGradientLog10(lag k: Int, rotation: [Double]) -> [Double] {
        let n = rotation.count / 2
        return (0..<n).map { j in Double(k) * Foundation.log10(hypot(rotation[j], rotation[n + j])) }
    }

    /// E[f(z)] for z ~ N(0, 1), by composite Simpson on [−12, 12] with 4000 intervals (error far
    /// below 1e-12 for the smooth, bounded integrands used here; the tails beyond 12σ weigh < 1e-32).
    public static func gaussianExpectation(_ f: (Double) -> Double) -> Double {
        let n = 4000, a = -12.0, b = 12.0, h = (b - a) / Double(n)
        var sum = 0.0
        for i in 0...n {
            let z = a + Double(i) * h
            let w: Double = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2)
            sum += w * f(z) * Foundation.exp(-0.5 * z * z)
        }
        return sum * h / 3 / (2 * Double.pi).squareRoot()
    }

    /// The mean-field fixed point and top Lyapunov exponent of h_t = tanh(W h_{t−1}) with
    /// W_ij ~ N(0, g²/N), N → ∞ (Molgedey, Schuster & Ritter 1992; Poole et al. 2016):
    ///
    ///     q* = g²·E[tanh²(√q*·z)],   λ_max = ½·ln(g²·E[tanh'(√q*·z)²]),   z ~ N(0, 1);
    ///
    /// for g ≤ 1 the only fixed point is q* = 0 and λ_max = ln g. The fixed point is found by
    /// iterating the variance map from q = 1 until it moves less than 1e-14.
    public static func meanFieldTanh(gain g: Double) -> (qStar: Double, lambdaMax: Double) {
        guard g > 1 else { return (0, Foundation.log(g)) }
        var q = 1.0
        for _ in 0..<100_000 {
            let root = q.squareRoot()
            let next = g * g * gaussianExpectation { z in let t = Foundation.tanh(root * z); return t * t }
            if abs(next - q) < 1e-14 { q = next; break }
            q = next
        }
        let root = q.squareRoot()
        let slope = g * g * gaussianExpectation { z in let t = Foundation.tanh(root * z); let d = 1 - t * t; return d * d }
        return (q, 0.5 * Foundation.log(slope))
    }
}

extension RecurrentModel {
    /// What theory needs from this model: W_hh and γ for a vanilla cell (an IndRNN's W_hh = diag(u), for
    /// which the Pascanu bound (γ·max|u_j|)^k holds but the mean-field prediction for Gaussian W_hh does
    /// not apply); an LRU's real-form W_hh with γ = 1; nothing for gated cells and the LN-RNN, where neither
    /// applies as stated.
    public var theoryInputs: TheoryInputs {
        // An LRU is linear (γ = 1): its bound (max_j |λ_j|)^k is attained, the linear rate ρ^k exact.
        if cell == .lru { return TheoryInputs(recurrentWeight: cellWeights.hiddenWeight, derivativeBound: 1, isTanh: false) }
        // An LN-RNN's Jacobian carries the normalisation (g/σ_t and a projector): neither line applies.
        guard let activation = cell.activation, !cell.family.hasLayerNorm else { return TheoryInputs() }
        return TheoryInputs(recurrentWeight: cellWeights.hiddenWeight, derivativeBound: activation.derivativeBound,
                            isTanh: activation == .tanh && cell.family == .rnn)
    }
}

// MARK: - Diagonal recurrences: the closed form per unit

extension Theory {
    /// The closed form of a diagonal recurrence's Jacobian product, per unit: with one-step Jacobian
    /// diag(m_j) (a linear diagonal cell; an LRU's |λ_j|; an IndRNN's |u_j| on a path where every
    /// φ' = 1, e.g. a relu unit that stays on), |∂h_{T,j}/∂h_{T−k,j}| = |m_j|^k, as log10: k·log10|m_j|
    /// (−∞ for m_j = 0 at k ≥ 1; 0 at k = 0).
    public static func diagonalUnitPowersLog10(lag k: Int, moduli: [Double]) -> [Double] {
        moduli.map { m in k == 0 ? 0 : (m == 0 ? -.infinity : Double(k) * Foundation.log10(abs(m))) }
    }

    /// log10 ‖diag(m)^k‖₂ = k·log10 max_j |m_j|: the spectral norm of the product is its largest unit
    /// (nil for no units). For an IndRNN with |φ'| ≤ 1 (relu, tanh) it bounds the measured product from
    /// above, with equality while the largest-|u_j| unit keeps φ' = 1.
    public static func diagonalPowerLog10(lag k: Int, moduli: [Double]) -> Double? {
        diagonalUnitPowersLog10(lag: k, moduli: moduli).max()
    }
}

extension RecurrentModel {
    /// The per-unit moduli |m_j| of a diagonal recurrence (layer 0's forward cell), the input of
    /// `Theory.diagonalPowerLog10`: an IndRNN's |u_j|, an LRU's |λ_j| = hypot(Re λ_j, Im λ_j) (N complex
    /// units, not the 2N real state entries); nil for cells whose recurrence is not diagonal.
    public var diagonalModuli: [Double]? {
        if let u = cellWeights.recurrentDiagonal { return u.map(abs) }
        guard let r = cellWeights.recurrentRotation else { return nil }
        let n = r.count / 2
        return (0..<n).map { Foundation.hypot(r[$0], r[n + $0]) }
    }
}
