import Foundation
import Linalg
import Recurrent

extension RecurrentModel {
    /// ∂L/∂y_T for the loss L = ⟨u, W_head·y_T + b⟩ seen through the model's head: W_headᵀu (length
    /// dirs·H), with u a unit vector over the O outputs drawn from `rng`; nil without a head.
    ///
    /// With a head the diagnosis follows the gradient a trained read-out actually sends back (its
    /// directions and gain); without one, `Diagnosis` and `DepthTimeFlow` use a random unit vector on
    /// the top layer's outputs instead.
    ///
    /// An LRU's state is read through y_T = Re(C h_T) + D ⊙ x_T = C'·s_T + D ⊙ x_T (C' = [C_re, −C_im]),
    /// so its adjoint on the state s_T = [Re h_T; Im h_T] is C'ᵀg with g = W_headᵀu, or, without a head,
    /// g a unit vector over the D outputs of y_T (never nil). A stacked or bidirectional LRU returns g
    /// itself, on the top layer's read-outs [y_T^{fwd}; y_T^{bwd}] (`topWidth` values): `DepthTimeFlow`
    /// sends it through each top unit's read-out (C′ᵀ to the state, D ⊙ past it to the layer below).
    public func readoutAdjoint(rng: inout RandomStream) throws -> [Double]? {
        if cell == .lru {
            let w = parameters[ParameterName.headWeight]
            var u = rng.normals(w?.rows ?? topWidth)
            scal(1 / nrm2(u), &u)
            let g = try w.map { try matvec($0, u, trans: .transpose) } ?? u
            return isStacked ? g : try matvec(lruParameters().readoutMatrix, g, trans: .transpose)
        }
        guard let o = headSize, let w = parameters[ParameterName.headWeight] else { return nil }
        var u = rng.normals(o)
        scal(1 / nrm2(u), &u)
        return try matvec(w, u, trans: .transpose)
    }
}
