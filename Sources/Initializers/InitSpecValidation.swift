extension InitKind {
    /// The kind-specific keys each kind accepts (besides the universal `kind`, `gain`, `spectral_radius`,
    /// `spectral_norm`, `forget_bias`).
    public var ownKeys: [InitSpec.CodingKeys] {
        switch self {
        case .gaussian: [.std]
        case .uniform: [.a, .b]
        case .kaimingUniform, .kaimingNormal: [.mode, .nonlinearity, .negativeSlope]
        case .identity: [.scale]
        case .sparse: [.nonzeros, .std]
        case .file: [.path, .tensor]
        case .chain: [.diagonal]
        case .schur: [.eigenvalueModuli, .eigenvaluePhases, .offDiagonal]
        case .indrnn: [.steps, .minGain, .maxGain]
        case .ring: [.rMin, .rMax, .maxPhase]
        case .pytorchDefault, .xavierUniform, .xavierNormal, .orthogonal, .zeros: []
        }
    }

    /// Kinds whose PyTorch definition has a `gain` argument (for the others `gain` is a plain factor).
    var takesGain: Bool { self == .gaussian || self == .xavierUniform || self == .xavierNormal || self == .orthogonal || self == .chain }
}

extension InitSpec {
    static let universalKeys: Set<CodingKeys> = [.kind, .gain, .spectralRadius, .spectralNorm, .forgetBias]
    static let prescribedSpectrumKeys: Set<CodingKeys> = [.singularValues, .eigenvalueModuli, .eigenvaluePhases]

    /// Checks everything that does not depend on the matrix size. Each error is one line saying what to change.
    public func validate() throws {
        let present = Set(setKeys.compactMap(CodingKeys.init(rawValue:)))
        let prescribed = present.intersection(InitSpec.prescribedSpectrumKeys).subtracting(kind?.ownKeys ?? [])
        if let kind {
            if let p = prescribed.first {
                throw InitError("\(p.rawValue) builds the whole matrix from Haar orthogonal factors, so it cannot follow kind '\(kind.rawValue)'; remove kind or remove \(p.rawValue)")
            }
            let allowed = InitSpec.universalKeys.union(kind.ownKeys)
            if let extra = CodingKeys.allCases.first(where: { present.contains($0) && !allowed.contains($0) }) {
                let takes = kind.ownKeys.isEmpty ? "no options of its own" : kind.ownKeys.map(\.rawValue).joined(separator: ", ")
                throw InitError("\(extra.rawValue) does not apply to kind '\(kind.rawValue)' (it takes \(takes)); remove \(extra.rawValue)")
            }
        } else {
            guard !prescribed.isEmpty else {
                throw InitError("no kind given; set kind to one of: \(InitKind.list) (or give singular_values or eigenvalue_moduli/eigenvalue_phases)")
            }
            if let extra = CodingKeys.allCases.first(where: { present.contains($0) && !InitSpec.universalKeys.union(prescribed).contains($0) }) {
                throw InitError("\(extra.rawValue) needs a kind; with a prescribed spectrum only gain, spectral_radius and spectral_norm apply")
            }
            if singularValues != nil, prescribed.count > 1 {
                throw InitError("give either singular_values or eigenvalue_moduli/eigenvalue_phases, not both")
            }
        }
        try checkFinite()
        try checkRanges()
    }

    private func checkFinite() throws {
        let numbers: [(String, Double?)] = [("std", std), ("gain", gain), ("a", a), ("b", b), ("scale", scale),
                                            ("negative_slope", negativeSlope), ("spectral_radius", spectralRadius),
                                            ("spectral_norm", spectralNorm), ("forget_bias", forgetBias),
                                            ("diagonal", diagonal), ("off_diagonal", offDiagonal),
                                            ("min_gain", minGain), ("max_gain", maxGain),
                                            ("r_min", rMin), ("r_max", rMax), ("max_phase", maxPhase)]
        for case let (name, v?) in numbers where !v.isFinite {
            throw InitError("\(name) must be a finite number, got \(v)")
        }
        for case let (name, v?) in [("singular_values", singularValues), ("eigenvalue_moduli", eigenvalueModuli),
                                    ("eigenvalue_phases", eigenvaluePhases)] where !v.allIn(-Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) {
            throw InitError("\(name) must be finite numbers, got \(v)")
        }
    }

    private func checkRanges() throws {
        if let std, std <= 0 { throw InitError("std must be positive, got \(std)") }
        if let gain, gain <= 0 { throw InitError("gain must be positive, got \(gain)") }
        if let offDiagonal, offDiagonal < 0 { throw InitError("off_diagonal must be ≥ 0, got \(offDiagonal)") }
        if kind == .schur, eigenvalueModuli == nil {
            throw InitError("kind 'schur' needs eigenvalue_moduli (e.g. eigenvalue_moduli: 0.9, or uniform(0.5, 0.95))")
        }
        if kind == .gaussian, std != nil, gain != nil {
            throw InitError("kind 'gaussian' takes std (N(0, std²)) or gain (N(0, gain²/fan_in)), not both; remove one")
        }
        if kind == .uniform, (a ?? 0) >= (b ?? 1) {
            throw InitError("uniform needs a < b, got a = \(a ?? 0), b = \(b ?? 1)")
        }
        if let negativeSlope, (nonlinearity ?? .leakyRelu) != .leakyRelu {
            throw InitError("negative_slope \(negativeSlope) applies only with nonlinearity leaky-relu; remove it or set nonlinearity: leaky-relu")
        }
        if kind == .sparse {
            guard let nonzeros else { throw InitError("kind 'sparse' needs nonzeros (non-zero weights per row, e.g. nonzeros: 15)") }
            guard nonzeros >= 1 else { throw InitError("nonzeros must be at least 1, got \(nonzeros)") }
        }
        if kind == .indrnn {
            guard let steps else { throw InitError("kind 'indrnn' needs steps (the sequence length T over which |u|^T is bounded, e.g. steps: 1000)") }
            guard steps >= 1 else { throw InitError("steps must be at least 1, got \(steps)") }
            let lo = minGain ?? 0, hi = maxGain ?? 2
            guard lo >= 0, hi > 0, lo < hi else {
                throw InitError("indrnn needs 0 ≤ min_gain < max_gain, got min_gain = \(lo), max_gain = \(hi)")
            }
        }
        if kind == .ring {
            let lo = rMin ?? 0, hi = rMax ?? 0.99
            guard lo >= 0, hi > 0, lo <= hi, hi < 1 else {
                throw InitError("ring needs 0 ≤ r_min ≤ r_max < 1 and r_max > 0 (|λ| = exp(−exp(ν)) < 1), got r_min = \(lo), r_max = \(hi)")
            }
            if let maxPhase, maxPhase <= 0 { throw InitError("max_phase must be positive (θ = exp(theta_log) > 0), got \(maxPhase)") }
        }
        if kind == .file, path == nil { throw InitError("kind 'file' needs path (a .npy, .npz or .safetensors file)") }
        if spectralRadius != nil, spectralNorm != nil {
            throw InitError("give spectral_radius or spectral_norm, not both; remove one")
        }
        for case let (name, v?) in [("spectral_radius", spectralRadius), ("spectral_norm", spectralNorm)] where v <= 0 {
            throw InitError("\(name) must be positive, got \(v)")
        }
        if let gain, spectralRadius != nil || spectralNorm != nil {
            throw InitError("gain \(gain) has no effect when the matrix is rescaled to spectral_\(spectralRadius != nil ? "radius" : "norm"); remove gain")
        }
        if let s = singularValues, !s.allIn(0...Double.greatestFiniteMagnitude) {
            throw InitError("singular_values must be non-negative, got \(s)")
        }
        if let m = eigenvalueModuli, !m.allIn(0...Double.greatestFiniteMagnitude) {
            throw InitError("eigenvalue_moduli must be non-negative, got \(m)")
        }
        for case let (name, .uniform(lo, hi)?) in [("singular_values", singularValues), ("eigenvalue_moduli", eigenvalueModuli),
                                                  ("eigenvalue_phases", eigenvaluePhases)] where lo > hi {
            throw InitError("\(name) uniform(a, b) needs a ≤ b, got uniform(\(lo), \(hi))")
        }
        if case .list? = eigenvalueModuli {
            guard case .list? = eigenvaluePhases else {
                throw InitError("a list of eigenvalue_moduli needs a list of eigenvalue_phases of the same length (conjugate pairs share a modulus); or give moduli as a constant or uniform(a, b)")
            }
        }
        if case .list? = eigenvaluePhases, case .uniform? = eigenvalueModuli {
            throw InitError("with a list of eigenvalue_phases give eigenvalue_moduli as a list or a constant, not uniform(a, b)")
        }
    }
}
