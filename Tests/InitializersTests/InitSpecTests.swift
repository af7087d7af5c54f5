import Testing
import Foundation
import Linalg
@testable import Initializers

/// The spec type the runner decodes and the CLI builds: keys, decoding, validation messages.
@Suite("InitSpec")
struct InitSpecTests {
    @Test func knownKeysAreTheYAMLKeys() {
        #expect(InitSpec.knownKeys == ["kind", "std", "gain", "a", "b", "scale", "mode", "nonlinearity", "negative_slope",
                                       "nonzeros", "path", "tensor", "spectral_radius", "spectral_norm", "singular_values",
                                       "eigenvalue_moduli", "eigenvalue_phases", "forget_bias", "diagonal", "off_diagonal", "steps", "min_gain", "max_gain",
                                       "r_min", "r_max", "max_phase"])
    }

    @Test func decodesSnakeCaseKeysAndSpectrumForms() throws {
        let json = #"""
        {"kind": "kaiming-normal", "mode": "fan_out", "nonlinearity": "leaky_relu", "negative_slope": 0.2,
         "spectral_radius": 0.9, "forget_bias": 1}
        """#
        let s = try JSONDecoder().decode(InitSpec.self, from: Data(json.utf8))
        #expect(s == InitSpec(kind: .kaimingNormal, mode: .fanOut, nonlinearity: .leakyRelu, negativeSlope: 0.2,
                              spectralRadius: 0.9, forgetBias: 1))
        let t = try JSONDecoder().decode(InitSpec.self, from: Data(#"{"singular_values": "uniform(0.5, 1.5)", "eigenvalue_moduli": [1, 2]}"#.utf8))
        #expect(t.singularValues == .uniform(0.5, 1.5) && t.eigenvalueModuli == .list([1, 2]))
        let u = try JSONDecoder().decode(InitSpec.self, from: Data(#"{"eigenvalue_moduli": 0.9, "eigenvalue_phases": "constant(0.5)"}"#.utf8))
        #expect(u.eigenvalueModuli == .constant(0.9) && u.eigenvaluePhases == .constant(0.5))
        // Round trip through the encoder.
        #expect(try JSONDecoder().decode(InitSpec.self, from: JSONEncoder().encode(t)) == t)
    }

    @Test func unknownKindInDecodingListsTheKinds() {
        #expect {
            try JSONDecoder().decode(InitSpec.self, from: Data(#"{"kind": "gausian"}"#.utf8))
        } throws: { error in
            guard case let DecodingError.dataCorrupted(ctx) = error else { return false }
            return ctx.debugDescription == "unknown kind 'gausian'; use one of: \(InitKind.list)"
        }
        #expect(InitKind.list.hasPrefix("gaussian, uniform, pytorch-default, xavier-uniform"))
    }

    @Test(arguments: [
        ("1,0.5,0.25", SpectrumValues.list([1, 0.5, 0.25])), ("[2, 3]", .list([2, 3])), ("0.9", .constant(0.9)),
        ("constant(0.9)", .constant(0.9)), ("uniform(0.5, 1.5)", .uniform(0.5, 1.5)), ("[4]", .list([4])),
    ])
    func spectrumValuesParse(text: String, expected: SpectrumValues) throws {
        #expect(try SpectrumValues(parsing: text) == expected)
    }

    @Test(arguments: [
        (InitSpec(), "no kind given; set kind to one of: \(InitKind.list) (or give singular_values or eigenvalue_moduli/eigenvalue_phases)"),
        (InitSpec(kind: .orthogonal, std: 1), "std does not apply to kind 'orthogonal' (it takes no options of its own); remove std"),
        (InitSpec(kind: .gaussian, std: 1, gain: 2), "kind 'gaussian' takes std (N(0, std²)) or gain (N(0, gain²/fan_in)), not both; remove one"),
        (InitSpec(kind: .uniform, a: 1, b: 1), "uniform needs a < b, got a = 1.0, b = 1.0"),
        (InitSpec(kind: .sparse), "kind 'sparse' needs nonzeros (non-zero weights per row, e.g. nonzeros: 15)"),
        (InitSpec(kind: .file), "kind 'file' needs path (a .npy, .npz or .safetensors file)"),
        (InitSpec(kind: .gaussian, spectralRadius: 1, spectralNorm: 1), "give spectral_radius or spectral_norm, not both; remove one"),
        (InitSpec(kind: .orthogonal, gain: 2, spectralRadius: 1), "gain 2.0 has no effect when the matrix is rescaled to spectral_radius; remove gain"),
        (InitSpec(kind: .gaussian, spectralRadius: -1), "spectral_radius must be positive, got -1.0"),
        (InitSpec(kind: .gaussian, singularValues: .constant(1)), "singular_values builds the whole matrix from Haar orthogonal factors, so it cannot follow kind 'gaussian'; remove kind or remove singular_values"),
        (InitSpec(singularValues: .list([1, -1])), "singular_values must be non-negative, got [1.0, -1.0]"),
        (InitSpec(eigenvalueModuli: .list([1, 1])), "a list of eigenvalue_moduli needs a list of eigenvalue_phases of the same length (conjugate pairs share a modulus); or give moduli as a constant or uniform(a, b)"),
        (InitSpec(kind: .kaimingNormal, nonlinearity: .tanh, negativeSlope: 0.1), "negative_slope 0.1 applies only with nonlinearity leaky-relu; remove it or set nonlinearity: leaky-relu"),
        (InitSpec(kind: .gaussian, std: .nan), "std must be a finite number, got nan"),
    ])
    func badSpecsSayWhatToChange(spec: InitSpec, message: String) {
        let e = #expect(throws: InitError.self) { try spec.validate() }
        #expect(e?.message == message)
    }

    @Test func sizeMustBePositive() {
        var rng = RandomStream(seed: 1)
        let e = #expect(throws: InitError.self) { try InitSpec(kind: .orthogonal).make(rows: 0, cols: 3, rng: &rng) }
        #expect(e?.message == "size must be positive, got 0×3; use a size of at least 1")
    }
}
