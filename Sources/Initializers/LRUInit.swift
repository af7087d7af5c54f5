import Foundation
import Linalg
import Recurrent

extension InitSpec {
    /// An LRU layer's parameters from `init.lambda` (docs/initializers.md, "LRU"): the eigenvalues λ_j
    /// (j = 1 … N) by
    /// - kind `ring` (Orvieto et al. 2023): |λ_j| = sqrt(U(r_min², r_max²)) — uniform on the ring
    ///   r_min ≤ |λ| ≤ r_max — and arg λ_j = U(0, max_phase) (defaults 0, 0.99, 2π); r_min = r_max = r
    ///   prescribes every modulus;
    /// - no kind, `eigenvalue_moduli` (a list of N, a constant or uniform(a, b), each in (0, 1)) and
    ///   optionally `eigenvalue_phases` (default uniform(0, 2π); each in [0, ∞)): prescribed eigenvalues.
    /// Then γ_j = √(1 − |λ_j|²) (gamma_log), B, C and D as the paper's code (`LRUParameters.ring`).
    /// Options of matrix kinds (spectral_radius, gain, …) are errors that say what to use.
    public func makeLRU(units n: Int, inputSize d: Int, rng: inout RandomStream) throws -> LRUParameters {
        try validateLambda()
        guard n > 0, d > 0 else { throw InitError("sizes must be positive, got N = \(n), D = \(d)") }
        if kind == .ring {
            return LRUParameters.ring(units: n, inputSize: d, rMin: rMin ?? 0, rMax: rMax ?? 0.99, maxPhase: maxPhase ?? 2 * Double.pi, rng: &rng)
        }
        // validateLambda guarantees eigenvalue_moduli here.
        let moduli = try (eigenvalueModuli ?? .constant(0.9)).values(n, what: "eigenvalue_moduli", rng: &rng)
        let phases = try (eigenvaluePhases ?? .uniform(0, 2 * Double.pi)).values(n, what: "eigenvalue_phases", rng: &rng)
        guard moduli.allSatisfy({ $0 > 0 && $0 < 1 }) else {
            throw InitError("an LRU's eigenvalue_moduli must lie in (0, 1) (|λ| = exp(−exp(ν))), got \(eigenvalueModuli.map(\.description) ?? "")")
        }
        return LRUParameters.withEigenvalues(moduli: moduli, phases: phases, inputSize: d, rng: &rng)
    }

    /// `validate()`, then what `init.lambda` accepts: kind `ring`, or a prescribed spectrum by
    /// eigenvalue_moduli (and eigenvalue_phases); each error says what to use instead.
    public func validateLambda() throws {
        try validate()
        if let k = setKeys.first(where: { ["gain", "spectral_radius", "spectral_norm", "forget_bias", "singular_values"].contains($0) }) {
            throw InitError("\(k) does not apply to an LRU's eigenvalues λ; use kind ring (r_min, r_max, max_phase) or eigenvalue_moduli (and eigenvalue_phases)")
        }
        if let kind, kind != .ring {
            throw InitError("kind '\(kind.rawValue)' does not apply to an LRU's eigenvalues λ; use kind ring (r_min, r_max, max_phase) or eigenvalue_moduli (and eigenvalue_phases)")
        }
        if kind == nil {
            guard let m = eigenvalueModuli else {
                throw InitError("an LRU's λ without kind ring needs eigenvalue_moduli (e.g. eigenvalue_moduli: 0.99)")
            }
            guard m.allIn(Double.leastNonzeroMagnitude...(1 - Double.ulpOfOne / 2)) else {
                throw InitError("an LRU's eigenvalue_moduli must lie in (0, 1) (|λ| = exp(−exp(ν)) < 1), got \(m)")
            }
            if let p = eigenvaluePhases, !p.allIn(0...Double.greatestFiniteMagnitude) {
                throw InitError("an LRU's eigenvalue_phases must be ≥ 0 (θ = exp(theta_log) > 0), got \(p)")
            }
        }
    }
}
