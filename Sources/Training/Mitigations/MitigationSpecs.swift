/// `training.constraint:` — `kind` `none` (default), `elementwise` (W_hh entries clamped to
/// [−threshold, threshold]) or `spectral` (σ_max(W_hh) ≤ threshold, per gate block for LSTM/GRU).
///
/// ```yaml
/// training: {constraint: {kind: spectral, threshold: 1.0}}
/// ```
public struct ConstraintSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case none, elementwise, spectral }
    public var kind: Kind?
    public var threshold: Double?

    public init(kind: Kind? = nil, threshold: Double? = nil) { self.kind = kind; self.threshold = threshold }
    public static let knownKeys: Set<String> = ["kind", "threshold"]

    public func make() throws -> WeightConstraint {
        let kind = kind ?? .none
        if kind == .none {
            guard threshold == nil else { throw TrainingError("training.constraint kind 'none' takes no threshold") }
            return .none
        }
        guard let threshold else { throw TrainingError("training.constraint kind '\(kind.rawValue)' needs a threshold") }
        let constraint: WeightConstraint = kind == .elementwise ? .elementwise(limit: threshold) : .spectral(maxNorm: threshold)
        do { try constraint.validate() } catch { throw TrainingError("training.\(error)") }
        return constraint
    }
}

/// `training.dropout:` — Gal & Ghahramani's variational dropout (`kind: variational`, the only
/// kind): drop probabilities `input`, `recurrent` and `output` (each 0 by default, in [0, 1)).
///
/// ```yaml
/// training: {dropout: {kind: variational, input: 0.1, recurrent: 0.25, output: 0.1}}
/// ```
public struct DropoutSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case variational }
    public var kind: Kind?
    public var input: Double?
    public var recurrent: Double?
    public var output: Double?

    public init(kind: Kind? = nil, input: Double? = nil, recurrent: Double? = nil, output: Double? = nil) {
        self.kind = kind; self.input = input; self.recurrent = recurrent; self.output = output
    }
    public static let knownKeys: Set<String> = ["kind", "input", "recurrent", "output"]

    public func make() throws -> RecurrentDropout {
        let d = RecurrentDropout(input: input ?? 0, recurrent: recurrent ?? 0, output: output ?? 0)
        do { try d.validate() } catch { throw TrainingError("training.\(error)") }
        return d
    }
}

/// `training.flossing:` — gradient flossing (Engelken 2023): `exponents` k (1), `weight` α (1; 0 =
/// off, so a sweep can switch it), `window` T_f (50, cut to the sequence length), `every` n (1; 0 =
/// not during task training), `target` (0), `before` N (0: flossing-only iterations before training).
///
/// ```yaml
/// training: {flossing: {exponents: 1, weight: 0.1, window: 50, every: 1, target: 0, before: 500}}
/// ```
public struct FlossingSpec: Codable, Sendable, Hashable {
    public var exponents: Int?
    public var weight: Double?
    public var window: Int?
    public var every: Int?
    public var target: Double?
    public var before: Int?

    public init(exponents: Int? = nil, weight: Double? = nil, window: Int? = nil, every: Int? = nil, target: Double? = nil, before: Int? = nil) {
        self.exponents = exponents; self.weight = weight; self.window = window; self.every = every; self.target = target
        self.before = before
    }
    public static let knownKeys: Set<String> = ["exponents", "weight", "window", "every", "target", "before"]

    public func make() throws -> GradientFlossing {
        let f = GradientFlossing(exponents: exponents ?? 1, weight: weight ?? 1, window: window ?? 50, every: every ?? 1,
                                 target: target ?? 0, before: before ?? 0)
        do { try f.validate() } catch { throw TrainingError("training.\(error)") }
        return f
    }
}
