/// A recurrent cell seen as a discrete dynamical system on its state:
///
///     s_t = F(s_{t−1}, x_t)
///
/// where the state s is h (RNN, GRU; size H) or the concatenation [h; c] (LSTM; size 2H, h first).
/// Diagnostics (Jacobian products, Lyapunov spectra) are generic over this protocol; every cell in
/// this module conforms.
///
/// Conventions: buffers are contiguous Float64; `stateSize` and `inputSize` give their lengths.
/// The Jacobian is J_t = ∂s_t/∂s_{t−1} evaluated at (s_{t−1}, x_t), written row-major
/// (`j[a * stateSize + b] = ∂s_t[a]/∂s_{t−1}[b]`). For a vanilla cell J_t = diag(φ'(z_t))·W_hh.
/// Implementations allocate nothing per call: scratch memory lives in the `Workspace`.
public protocol RecurrentMap: Sendable {
    /// Per-thread scratch memory for `step` and `jacobian` (one per concurrent caller).
    associatedtype Workspace

    /// D, the length of x_t.
    var inputSize: Int { get }
    /// H: the first `hiddenSize` entries of the state are h_t (gradient norms ‖∂L/∂h_t‖ read these).
    var hiddenSize: Int { get }
    /// The length of s_t: H, or 2H for LSTM.
    var stateSize: Int { get }

    func makeWorkspace() -> Workspace

    /// Writes F(s, x) to `next` (`stateSize` values). `s` and `next` must not overlap.
    func step(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
              into next: UnsafeMutablePointer<Double>, workspace: inout Workspace)

    /// Writes J = ∂F/∂s at (s, x) to `j` (row-major stateSize × stateSize).
    func jacobian(_ s: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                  into j: UnsafeMutablePointer<Double>, workspace: inout Workspace)
}
