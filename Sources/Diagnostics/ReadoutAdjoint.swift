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
    public func readoutAdjoint(rng: inout RandomStream) throws -> [Double]? {
        guard let o = headSize, let w = parameters[ParameterName.headWeight] else { return nil }
        var u = rng.normals(o)
        scal(1 / nrm2(u), &u)
        return try matvec(w, u, trans: .transpose)
    }
}
