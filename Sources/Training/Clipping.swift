import Linalg

/// What global-norm clipping does when the total gradient norm is NaN or ±∞.
/// - `error`: throw `ClippingError.nonFiniteNorm` (PyTorch's `error_if_nonfinite=True`), gradients untouched;
/// - `skipStep`: leave the gradients untouched and report `skipStep = true`: the caller skips the update;
/// - `followPyTorch`: do what `clip_grad_norm_` does by default: multiply by max_norm/(total + 1e−6)
///   anyway — 0 for an infinite total (so finite entries become 0 and infinite ones NaN), NaN for a
///   NaN total (every entry becomes NaN).
public enum NonFiniteNormPolicy: String, Sendable, Equatable, CaseIterable {
    case error, skipStep = "skip-step", followPyTorch = "follow-pytorch"
}

public enum ClippingError: Error, CustomStringConvertible, Equatable {
    case nonFiniteNorm(Double)
    case invalidThreshold(String)
    public var description: String {
        switch self {
        case .nonFiniteNorm(let n): "gradient clipping: the total gradient norm is \(n) (non-finite)"
        case .invalidThreshold(let message): message
        }
    }
}

/// What a clipping call did.
public struct ClippingReport: Sendable, Equatable {
    /// ‖g‖ over all gradients as one vector, before clipping (NaN if any entry is NaN, ∞ if any is ±∞).
    public var normBefore: Double
    /// The same norm after clipping.
    public var normAfter: Double
    /// Whether any gradient entry was changed by clipping.
    public var clipped: Bool
    /// Whether the caller should skip this update (`NonFiniteNormPolicy.skipStep` on a non-finite norm).
    public var skipStep: Bool
}

/// Gradient clipping methods. Gradients are `[Matrix]` in parameter order.
///
/// - `globalNorm(maxNorm:nonFinite:)`: `torch.nn.utils.clip_grad_norm_` with norm_type 2:
///   total = sqrt(Σ_i ‖g_i‖_F²); coef = max_norm/(total + 1e−6) clamped at 1; every g_i ← coef·g_i.
///   At total == max_norm the coefficient is slightly below 1, as in PyTorch.
/// - `perTensorNorm(maxNorm:)`: the same rule applied to each tensor on its own:
///   g_i ← min(1, max_norm/(‖g_i‖_F + 1e−6))·g_i (a NaN norm makes that tensor NaN).
/// - `value(_:)`: `clip_grad_value_`: every entry clamped to [−c, c]; NaN entries stay NaN.
public enum GradientClipping: Sendable, Equatable {
    case none
    case globalNorm(maxNorm: Double, nonFinite: NonFiniteNormPolicy)
    case perTensorNorm(maxNorm: Double)
    case value(Double)

    /// Throws unless thresholds are positive and finite (a zero or negative bound would zero or
    /// flip every gradient).
    public func validate() throws {
        switch self {
        case .none: return
        case .globalNorm(let bound, _), .perTensorNorm(let bound), .value(let bound):
            guard bound > 0, bound.isFinite else {
                throw ClippingError.invalidThreshold("gradient clipping: the threshold must be positive and finite, got \(bound)")
            }
        }
    }

    /// Clips `gradients` in place and reports the norms before and after.
    public func apply(to gradients: inout [Matrix]) throws -> ClippingReport {
        let before = Linalg.globalNorm(gradients)
        var clipped = false, skip = false
        switch self {
        case .none:
            break
        case .globalNorm(let maxNorm, let policy):
            if !before.isFinite {
                switch policy {
                case .error: throw ClippingError.nonFiniteNorm(before)
                case .skipStep: skip = true
                case .followPyTorch: break
                }
            }
            if !skip {
                let coef = clampAtOne(maxNorm / (before + 1e-6))
                if !(coef == 1) {
                    clipped = true
                    for i in gradients.indices { gradients[i].scaleInPlace(by: coef) }
                }
            }
        case .perTensorNorm(let maxNorm):
            for i in gradients.indices {
                let coef = clampAtOne(maxNorm / (gradients[i].frobeniusNormPropagatingNonFinite + 1e-6))
                if !(coef == 1) {
                    clipped = true
                    gradients[i].scaleInPlace(by: coef)
                }
            }
        case .value(let c):
            for i in gradients.indices {
                gradients[i].withUnsafeMutableBufferPointer { p in
                    for k in p.indices where p[k] > c || p[k] < -c {
                        p[k] = p[k] > c ? c : -c
                        clipped = true
                    }
                }
            }
        }
        let after = clipped ? Linalg.globalNorm(gradients) : before
        return ClippingReport(normBefore: before, normAfter: after, clipped: clipped, skipStep: skip)
    }
}

/// Pascanu et al. (2013)'s guard against a numerically untrustworthy gradient (their `RNN.py`): when
/// the total norm is NaN, ±∞ or above `threshold` (1e10), the gradient is replaced by
/// `scale`·W_hh (0.02) for the recurrent matrix and 0 for every other parameter, so the update
/// shrinks W_hh by the factor (1 − lr·scale) and changes nothing else.
public struct NonFiniteGuard: Sendable, Equatable {
    public var threshold: Double
    public var scale: Double
    /// Index of W_hh in the parameter list.
    public var recurrentIndex: Int

    public init(recurrentIndex: Int, threshold: Double = 1e10, scale: Double = 0.02) {
        self.recurrentIndex = recurrentIndex
        self.threshold = threshold
        self.scale = scale
    }

    /// Whether the guard fires for this total norm.
    public func fires(totalNorm: Double) -> Bool { !totalNorm.isFinite || totalNorm > threshold || totalNorm < 0 }

    /// Replaces `gradients` when the guard fires; returns whether it did.
    public func apply(to gradients: inout [Matrix], parameters: [Matrix], totalNorm: Double) -> Bool {
        guard fires(totalNorm: totalNorm) else { return false }
        for i in gradients.indices {
            gradients[i] = i == recurrentIndex
                ? parameters[i].scaled(by: scale)
                : Matrix(rows: gradients[i].rows, cols: gradients[i].cols)
        }
        return true
    }
}

extension Matrix {
    /// Every element times `s`, in place (what `scaled(by:)` computes, without a new matrix).
    mutating func scaleInPlace(by s: Double) {
        withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= s } }
    }
}

/// min(x, 1), propagating NaN like torch.clamp.
@inline(__always) func clampAtOne(_ x: Double) -> Double { x.isNaN ? x : Swift.min(x, 1) }
