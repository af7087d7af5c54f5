import Recurrent

/// The sizes of a model as `ExperimentSpec.makeModel` builds it and its tapes hold them, from the
/// schema alone: what `CostModel`'s memory and time estimates count (checked against the built model and
/// the allocated tape by `CostModelSizeTests`).
extension CostModel {
    /// H as the model's arrays have it: `model.hidden`, or an LRU's real width 2N (N = `model.hidden`
    /// complex units, state [Re h; Im h]).
    static func realWidth(_ model: ModelSpec) -> Double {
        Double(model.hidden) * (model.cell == .lru ? 2 : 1)
    }

    /// S, the state of one layer and direction: 2H for an LSTM (h and c), 2N for an LRU, else H.
    static func stateSize(_ model: ModelSpec) -> Int {
        model.cell == .lstm || model.cell == .lru ? 2 * model.hidden : model.hidden
    }

    /// D_ℓ, ℓ = 0 … L − 1: the width layer ℓ reads (docs/recurrent.md) — D for ℓ = 0, above it the layer
    /// below's outputs, dirs·H; an LRU layer's read-out is as wide as its input, so an LRU stack has
    /// D_ℓ = dirs·D_{ℓ−1} = dirs^ℓ·D (a bidirectional one doubles its width per layer).
    public static func inputWidths(_ model: ModelSpec) -> [Double] {
        let dirs = Double(model.bidirectional ? 2 : 1)
        var widths = [Double(model.input)]
        for _ in 1..<max(model.layers, 1) {
            widths.append(dirs * (model.cell == .lru ? widths[widths.count - 1] : Double(model.hidden)))
        }
        return widths
    }

    /// The scalars of the model's parameters as `ExperimentSpec.makeModel` holds them, without a head.
    /// Per layer ℓ and direction: G·H·(D_ℓ + H) weights (an IndRNN's recurrent weight is H values), 2·G·H
    /// biases b_ih, b_hh (none with `bias: false`), an LN-RNN's gain H and shift H (with biases); an LRU's
    /// 4N·D_ℓ (B_re, B_im, C_re, C_im) + 3N (ν, θ, γ) + D_ℓ (D), N = `model.hidden`, D_ℓ from `inputWidths`.
    public static func parameterCount(_ model: ModelSpec) -> Double {
        let h = Double(model.hidden), g = Double(model.cell.gateCount), dirs = Double(model.bidirectional ? 2 : 1)
        let biases = model.bias ? 2 * g * h : 0
        return dirs * inputWidths(model).reduce(0) { total, d in
            switch model.cell {
            case .lru: return total + 4 * h * d + 3 * h + d
            case .indrnn: return total + h * d + h + biases
            case .lnrnn: return total + h * (d + h) + biases + h + (model.bias ? h : 0)
            case .rnn, .lstm, .gru: return total + g * h * (d + h) + biases
            }
        }
    }

    /// Doubles per step and sequence that a stacked or bidirectional model's BPTT tape (`StackedTape`)
    /// holds beside its units' own tapes, with o_ℓ the width of one direction's output (H, or an LRU's
    /// read-out D_ℓ): the layers' outputs Σ_ℓ dirs·o_ℓ, their inputs reversed in time (bidirectional,
    /// Σ_ℓ D_ℓ), the gradients into the current layer and the one below (2·dirs·max o_ℓ), a G·H snapshot,
    /// one window's input gradient (max D_ℓ); an LRU's read-out rows (max o_ℓ), state injection (S) and
    /// skip gradients (dirs·D).
    static func stackedTapeWidth(_ model: ModelSpec) -> Double {
        let dirs = Double(model.bidirectional ? 2 : 1), widths = inputWidths(model)
        let h = realWidth(model), s = Double(stateSize(model))
        let lru = model.cell == .lru
        let outputs = lru ? widths : widths.map { _ in Double(model.hidden) }
        let widest = outputs.max() ?? 0
        var w = dirs * outputs.reduce(0, +) + 2 * dirs * widest + Double(model.cell.gateCount) * h + (widths.max() ?? 0)
        if model.bidirectional { w += widths.reduce(0, +) }
        if lru { w += widest + s + dirs * Double(model.input) }
        return w
    }
}
