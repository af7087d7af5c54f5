import Foundation
import Linalg
import TensorIO

extension InitSpec {
    /// IndRNN's recurrent vector u (H values; W_hh = diag(u), so u is at once its eigenvalues and its
    /// singular values up to sign). Kinds:
    /// - `uniform` (a, b): u_j ~ U[a, b);
    /// - `indrnn` (Li et al. 2018): u_j ~ U[min_gain^(1/steps), max_gain^(1/steps)), so that every unit's
    ///   |u_j|^steps — the recurrent factor of ‖∂h_{T,j}/∂h_{T−steps,j}‖ — lies in [min_gain, max_gain];
    ///   their code uses max_gain 2 and min_gain 0 (1/2 for the last layer);
    /// - `pytorch-default`: U(−1/√H, 1/√H), the default of every other tensor;
    /// - `gaussian` with `std`; `identity` (`scale`, default 1): every u_j = scale; `zeros`;
    /// - `file`: a tensor of H values (shape (H,) or (H, 1)).
    /// Then `spectral_radius` (or `spectral_norm`, the same for a diagonal) rescales u so max_j |u_j|
    /// is the target, and `gain` multiplies. Matrix-only options (orthogonal, prescribed spectra, …) are
    /// errors that say so.
    public func makeRecurrentVector(hidden h: Int, rng: inout RandomStream) throws -> [Double] {
        try validateRecurrentVector()
        guard h > 0 else { throw InitError("size must be positive, got hidden size \(h); use a size of at least 1") }
        var u: [Double]
        switch kind {
        case .uniform?: u = rng.uniforms(h, a ?? 0, b ?? 1)
        case .indrnn?:
            let t = Double(steps ?? 1)
            u = rng.uniforms(h, Foundation.pow(minGain ?? 0, 1 / t), Foundation.pow(maxGain ?? 2, 1 / t))
        case .pytorchDefault?:
            let bound = 1 / Double(h).squareRoot()
            u = rng.uniforms(h, -bound, bound)
        case .gaussian? where std != nil: u = rng.normals(h, std: std ?? 1)
        case .identity?: u = [Double](repeating: scale ?? 1, count: h)
        case .zeros?: u = [Double](repeating: 0, count: h)
        case .file?: u = try fileTensor(shapes: [[h], [h, 1]], needed: "an IndRNN's u has \(h) values").values
        default:
            throw InitError("kind '\(kind?.rawValue ?? "none")' does not apply to an IndRNN's recurrent vector u") // refused by validateRecurrentVector
        }
        if let target = spectralRadius ?? spectralNorm {
            let top = u.reduce(0) { max($0, abs($1)) }
            guard top > 0 else { throw InitError("cannot rescale u to \(spectralRadius != nil ? "spectral_radius" : "spectral_norm") \(target): every u_j is 0") }
            u = u.map { $0 * (target / top) }
        }
        if let gain { u = u.map { $0 * gain } }
        guard u.allSatisfy(\.isFinite) else { throw InitError("the initialised u has non-finite entries; lower gain or the bounds") }
        return u
    }

    /// `validate()`, then what a vector u accepts (the kinds and options of `makeRecurrentVector`);
    /// each error says what to use instead.
    public func validateRecurrentVector() throws {
        try validate()
        if let p = setKeys.first(where: { ["singular_values", "eigenvalue_moduli", "eigenvalue_phases", "forget_bias"].contains($0) }) {
            throw InitError("\(p) does not apply to an IndRNN's recurrent vector u (its eigenvalues are the u_j themselves); use kind uniform (a, b) or indrnn (steps, min_gain, max_gain)")
        }
        let accepted: [InitKind] = [.uniform, .indrnn, .pytorchDefault, .gaussian, .identity, .zeros, .file]
        guard let kind, accepted.contains(kind), kind != .gaussian || std != nil else {
            let what = kind == .gaussian ? "kind 'gaussian' without std" : "kind '\(kind?.rawValue ?? "none")'"
            throw InitError("\(what) does not apply to an IndRNN's recurrent vector u; use uniform, indrnn, pytorch-default, gaussian with std, identity, zeros or file")
        }
    }
}
