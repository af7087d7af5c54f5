import Foundation
import Linalg
import Recurrent

/// How to initialise one weight matrix: a kind (PyTorch's definitions where PyTorch has one) with its
/// options, then spectrum control. The experiment runner decodes it from YAML (`init.weight_hh: {…}`),
/// `gradlab init` builds it from flags named like the keys in kebab-case (`--spectral-radius`).
///
/// Order of application in `make(rows:cols:rng:)` (docs/initializers.md):
/// 1. the kind — or, with no kind, a prescribed spectrum (`singular_values`, or
///    `eigenvalue_moduli`/`eigenvalue_phases`) built from Haar orthogonal matrices;
/// 2. `spectral_radius` or `spectral_norm`: W ← W·(target / current);
/// 3. `gain` as a scalar factor, for kinds that do not take a gain themselves (for `gaussian`,
///    `xavier-*` and `orthogonal` it is PyTorch's gain argument, which has the same effect).
public struct InitSpec: Codable, Sendable, Hashable {
    public var kind: InitKind?
    /// gaussian: N(0, std²); sparse: std of the non-zeros (default 1, Martens 2010).
    public var std: Double?
    /// gaussian: N(0, gain²/fan_in); xavier/orthogonal: PyTorch's gain; other kinds: a scalar factor.
    public var gain: Double?
    /// uniform: U[a, b) (PyTorch defaults a = 0, b = 1).
    public var a: Double?
    public var b: Double?
    /// identity: scale·I.
    public var scale: Double?
    /// kaiming: fan_in (default) or fan_out.
    public var mode: FanMode?
    /// kaiming: the nonlinearity whose gain is used (default leaky-relu, as PyTorch).
    public var nonlinearity: Nonlinearity?
    /// kaiming with leaky-relu: the negative slope (PyTorch's `a`, default 0).
    public var negativeSlope: Double?
    /// sparse: non-zeros per row (incoming connections per unit).
    public var nonzeros: Int?
    /// file: a .npy/.npz/.safetensors file and, for archives with several tensors, the tensor's name.
    public var path: String?
    public var tensor: String?
    /// Rescale to this spectral radius ρ(W) (square matrices).
    public var spectralRadius: Double?
    /// Rescale to this spectral norm σ_max(W).
    public var spectralNorm: Double?
    /// Build U·diag(s)·Vᵀ with Haar U, V (no kind).
    public var singularValues: SpectrumValues?
    /// Build Q·D·Qᵀ with Haar Q and D of 2×2 rotation–scaling blocks (no kind): |λ| and arg λ (radians).
    public var eigenvalueModuli: SpectrumValues?
    public var eigenvaluePhases: SpectrumValues?
    /// LSTM: the forget-gate bias (rows H..<2H of the bias; see `CellFamily`).
    public var forgetBias: Double?
    /// chain: the self-connection d of W = d·I + gain·S (S the shift, S_{i+1,i} = 1; default 0).
    public var diagonal: Double?
    /// schur: the scale s of the strictly upper-triangular part N of Q·(D + N)·Qᵀ, N_ij ~ N(0, s²/n) (default 1).
    public var offDiagonal: Double?
    /// indrnn (Li et al. 2018, IndRNN's recurrent vector u): |u_j|^steps ∈ [min_gain, max_gain], i.e.
    /// u_j ~ U[min_gain^(1/steps), max_gain^(1/steps)) (defaults min_gain 0, max_gain 2 as their code).
    public var steps: Int?
    public var minGain: Double?
    public var maxGain: Double?
    /// ring (Orvieto et al. 2023, the LRU's λ): |λ_j| = sqrt(U(r_min², r_max²)), arg λ_j = U(0, max_phase)
    /// (defaults r_min 0, r_max 0.99, max_phase 2π).
    public var rMin: Double?
    public var rMax: Double?
    public var maxPhase: Double?

    public init(kind: InitKind? = nil, std: Double? = nil, gain: Double? = nil, a: Double? = nil, b: Double? = nil,
                scale: Double? = nil, mode: FanMode? = nil, nonlinearity: Nonlinearity? = nil,
                negativeSlope: Double? = nil, nonzeros: Int? = nil, path: String? = nil, tensor: String? = nil,
                spectralRadius: Double? = nil, spectralNorm: Double? = nil, singularValues: SpectrumValues? = nil,
                eigenvalueModuli: SpectrumValues? = nil, eigenvaluePhases: SpectrumValues? = nil,
                forgetBias: Double? = nil, diagonal: Double? = nil, offDiagonal: Double? = nil,
                steps: Int? = nil, minGain: Double? = nil, maxGain: Double? = nil,
                rMin: Double? = nil, rMax: Double? = nil, maxPhase: Double? = nil) {
        self.kind = kind; self.std = std; self.gain = gain; self.a = a; self.b = b; self.scale = scale
        self.mode = mode; self.nonlinearity = nonlinearity; self.negativeSlope = negativeSlope
        self.nonzeros = nonzeros; self.path = path; self.tensor = tensor
        self.spectralRadius = spectralRadius; self.spectralNorm = spectralNorm
        self.singularValues = singularValues; self.eigenvalueModuli = eigenvalueModuli
        self.eigenvaluePhases = eigenvaluePhases; self.forgetBias = forgetBias
        self.diagonal = diagonal; self.offDiagonal = offDiagonal
        self.steps = steps; self.minGain = minGain; self.maxGain = maxGain
        self.rMin = rMin; self.rMax = rMax; self.maxPhase = maxPhase
    }

    /// The YAML keys, exactly.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, std, gain, a, b, scale, mode, nonlinearity
        case negativeSlope = "negative_slope"
        case nonzeros, path, tensor
        case spectralRadius = "spectral_radius"
        case spectralNorm = "spectral_norm"
        case singularValues = "singular_values"
        case eigenvalueModuli = "eigenvalue_moduli"
        case eigenvaluePhases = "eigenvalue_phases"
        case forgetBias = "forget_bias"
        case diagonal
        case offDiagonal = "off_diagonal"
        case steps
        case minGain = "min_gain"
        case maxGain = "max_gain"
        case rMin = "r_min"
        case rMax = "r_max"
        case maxPhase = "max_phase"
    }

    /// Every key a YAML mapping for an InitSpec may contain (for unknown-key errors with suggestions).
    public static let knownKeys: Set<String> = Set(CodingKeys.allCases.map(\.rawValue))

    /// The keys that are set, in declaration order (for messages and reports).
    public var setKeys: [String] {
        let present: [(CodingKeys, Bool)] = [
            (.kind, kind != nil), (.std, std != nil), (.gain, gain != nil), (.a, a != nil), (.b, b != nil),
            (.scale, scale != nil), (.mode, mode != nil), (.nonlinearity, nonlinearity != nil),
            (.negativeSlope, negativeSlope != nil), (.nonzeros, nonzeros != nil), (.path, path != nil),
            (.tensor, tensor != nil), (.spectralRadius, spectralRadius != nil), (.spectralNorm, spectralNorm != nil),
            (.singularValues, singularValues != nil), (.eigenvalueModuli, eigenvalueModuli != nil),
            (.eigenvaluePhases, eigenvaluePhases != nil), (.forgetBias, forgetBias != nil),
            (.diagonal, diagonal != nil), (.offDiagonal, offDiagonal != nil),
            (.steps, steps != nil), (.minGain, minGain != nil), (.maxGain, maxGain != nil),
            (.rMin, rMin != nil), (.rMax, rMax != nil), (.maxPhase, maxPhase != nil),
        ]
        return present.filter(\.1).map(\.0.rawValue)
    }
}

/// The initializer kinds. Raw values are the YAML/CLI spellings.
public enum InitKind: String, Codable, Sendable, Hashable, CaseIterable {
    case gaussian, uniform
    case pytorchDefault = "pytorch-default"
    case xavierUniform = "xavier-uniform", xavierNormal = "xavier-normal"
    case kaimingUniform = "kaiming-uniform", kaimingNormal = "kaiming-normal"
    case orthogonal, identity, sparse, file, zeros
    /// Non-normal matrices with prescribed eigenvalues (docs/initializers.md, *Non-normal kinds*).
    case chain, schur
    /// IndRNN's recurrent vector by Li et al.'s (2018) rule (`steps`, `min_gain`, `max_gain`).
    case indrnn
    /// The LRU's eigenvalues λ on a ring of the complex plane (`r_min`, `r_max`, `max_phase`; Orvieto et al. 2023).
    case ring

    /// "gaussian, uniform, pytorch-default, …" for error messages and help.
    public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Parses a kind; the error lists every kind.
    public init(parsing text: String) throws {
        guard let k = InitKind(rawValue: text) ?? InitKind(rawValue: text.replacingOccurrences(of: "_", with: "-")) else {
            throw InitError("unknown kind '\(text)'; use one of: \(InitKind.list)")
        }
        self = k
    }

    public init(from decoder: Decoder) throws { self = try decodeParsing(decoder, InitKind.init(parsing:)) }
}

/// Which fan Kaiming initialisation preserves (PyTorch's `mode`): fan_in = cols, fan_out = rows.
public enum FanMode: String, Codable, Sendable, Hashable, CaseIterable {
    case fanIn = "fan_in", fanOut = "fan_out"

    public init(parsing text: String) throws {
        guard let m = FanMode(rawValue: text.replacingOccurrences(of: "-", with: "_")) else {
            throw InitError("unknown mode '\(text)'; use fan_in or fan_out")
        }
        self = m
    }

    public init(from decoder: Decoder) throws { self = try decodeParsing(decoder, FanMode.init(parsing:)) }
}

/// Nonlinearities with PyTorch's `calculate_gain` values.
public enum Nonlinearity: String, Codable, Sendable, Hashable, CaseIterable {
    case linear, sigmoid, tanh, relu
    case leakyRelu = "leaky-relu"

    public init(parsing text: String) throws {
        guard let n = Nonlinearity(rawValue: text.replacingOccurrences(of: "_", with: "-")) else {
            throw InitError("unknown nonlinearity '\(text)'; use one of: \(Nonlinearity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = n
    }

    public init(from decoder: Decoder) throws { self = try decodeParsing(decoder, Nonlinearity.init(parsing:)) }

    /// torch.nn.init.calculate_gain: linear, sigmoid → 1; tanh → 5/3; relu → √2;
    /// leaky-relu → √(2/(1 + slope²)).
    public func gain(negativeSlope: Double = 0.01) -> Double {
        switch self {
        case .linear, .sigmoid: 1
        case .tanh: 5.0 / 3
        case .relu: 2.0.squareRoot()
        case .leakyRelu: (2.0 / (1 + negativeSlope * negativeSlope)).squareRoot()
        }
    }
}

/// Decodes a string through `parse`, turning its `InitError` into a `DecodingError` with the same message
/// (so the runner's YAML errors read "unknown kind 'gausian'; use one of: …").
func decodeParsing<T>(_ decoder: Decoder, _ parse: (String) throws -> T) throws -> T {
    let c = try decoder.singleValueContainer()
    do { return try parse(try c.decode(String.self)) } catch let e as InitError {
        throw DecodingError.dataCorruptedError(in: c, debugDescription: e.message)
    }
}
