import Foundation

/// A learning rate as a function of the step index s = 0, 1, 2, … (PyTorch's `last_epoch` after s
/// calls of `scheduler.step()`), in PyTorch's closed forms:
///
/// - `constant`: lr₀.
/// - `step(every: k, gamma: γ)`: lr₀·γ^⌊s/k⌋ (torch.optim.lr_scheduler.StepLR).
/// - `cosine(period: T_max, minimum: η_min)`: η_min + (lr₀ − η_min)·(1 + cos(π·s/T_max))/2
///   (CosineAnnealingLR's closed form; for s > T_max the cosine keeps going, as in PyTorch).
public enum LearningRateSchedule: Sendable, Equatable {
    case constant
    case step(every: Int, gamma: Double)
    case cosine(period: Int, minimum: Double)

    /// Throws `TrainingError` unless `every` / `period` are positive and γ, η_min are finite and ≥ 0.
    public func validate() throws {
        switch self {
        case .constant: return
        case .step(let every, let gamma):
            guard every > 0, gamma >= 0, gamma.isFinite else {
                throw TrainingError("step schedule: 'every' must be a positive number of steps and gamma ≥ 0, got \(every) and \(gamma)")
            }
        case .cosine(let period, let minimum):
            guard period > 0, minimum >= 0, minimum.isFinite else {
                throw TrainingError("cosine schedule: the period must be positive and the minimum ≥ 0, got \(period) and \(minimum)")
            }
        }
    }

    /// The learning rate at step `s` for base rate `base`.
    public func rate(base: Double, step s: Int) -> Double {
        switch self {
        case .constant:
            return base
        case .step(let every, let gamma):
            return base * Foundation.pow(gamma, Double(s / max(every, 1)))
        case .cosine(let period, let minimum):
            return minimum + (base - minimum) * (1 + Foundation.cos(Double.pi * Double(s) / Double(max(period, 1)))) / 2
        }
    }
}
