import Foundation
import Recurrent
import TensorIO

extension InspectCommand {
    /// For each LRU module among `entries` (docs/recurrent.md, "LRU"): N, D, the eigenvalues
    /// λ = exp(−exp(nu_log) + i·exp(theta_log)) (range of |λ| and arg λ), how far γ = exp(gamma_log) is
    /// from the normalisation √(1 − |λ|²), and the parameter count 4N·D + 3N + D. Empty without one.
    func lruText(_ entries: [TensorArchive.Entry]) -> String {
        let byName = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var out = ""
        for p in ModelFileReading.lruModules(in: entries.map(\.name)) {
            let bare = byName[p + "nu_log"] != nil
            func t(_ stem: String) -> Tensor? { byName[p + (bare ? stem : LRUName.name(stem))] }
            guard let nu = t("nu_log"), let theta = t("theta_log"), nu.values.count == theta.values.count, !nu.values.isEmpty else {
                out += "lru module '\(p)': nu_log or theta_log missing or of different lengths\n"
                continue
            }
            let n = nu.values.count
            let moduli = nu.values.map { Foundation.exp(-Foundation.exp($0)) }
            let phases = theta.values.map { Foundation.exp($0) }
            let d = t("B_re").flatMap { $0.shape.count == 2 ? $0.shape[1] : nil }
            let name = p.isEmpty ? "" : " '\(p.dropLast())'"
            out += "lru module\(name): N = \(n) complex units (real state 2N = \(2 * n))\(d.map { ", D = \($0)" } ?? ""); λ = exp(−exp(nu_log) + i·exp(theta_log))\n"
            out += "  |λ| from \(number(moduli.min())) to \(number(moduli.max())) (ρ = σ_max of the real-form W_hh = \(number(moduli.max())))\n"
            out += "  arg λ from \(number(phases.min())) to \(number(phases.max())) rad\n"
            if let gamma = t("gamma_log"), gamma.values.count == n {
                let gap = (0..<n).map { abs(Foundation.exp(gamma.values[$0]) - (1 - moduli[$0] * moduli[$0]).squareRoot()) }.max() ?? 0
                out += "  γ = exp(gamma_log) − √(1 − |λ|²): max |difference| \(number(gap))\(gap < 1e-12 ? " (normalised)" : "")\n"
            }
            if let d { out += "  parameters 4N·D + 3N + D = \(4 * n * d + 3 * n + d)\n" }
            // A stack: the lines above are layer 0's forward direction; each layer ℓ reads D_ℓ values.
            let shape = LRUName.architecture(of: entries.map(\.name).filter { $0.hasPrefix(p) }.map { String($0.dropFirst(p.count)) })
            if !bare, shape.layers > 1 || shape.bidirectional {
                let widths = (0..<shape.layers).map { l in byName[p + LRUName.name("B_re", layer: l)].flatMap { $0.shape.count == 2 ? $0.shape[1] : nil } }
                let dirs = shape.bidirectional ? 2 : 1
                let total = widths.reduce(0) { $0 + dirs * ($1.map { 4 * n * $0 + 3 * n + $0 } ?? 0) }
                out += "  \(shape.layers) layer\(shape.layers == 1 ? "" : "s")\(shape.bidirectional ? ", bidirectional" : "") (the lines above: layer 0\(shape.bidirectional ? ", forward" : "")); "
                    + "layer ℓ reads D_ℓ = \(widths.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")); parameters in all layers \(total)\n"
            }
        }
        return out
    }

    private func number(_ x: Double?) -> String { InspectText(digits: digits).number(x) }
}
