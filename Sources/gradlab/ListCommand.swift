import ArgumentParser
import ExperimentPlots
import Sweeps
import Lab
import Diagnostics
import Recurrent
import Training
import Initializers

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List what experiment files can name: modes, cells, activations, initializers, spectrum options, losses, measures, plot recipes."
    )

    func run() {
        for (title, rows) in List.sections {
            print("\(title):")
            let width = rows.map(\.0.count).max() ?? 0
            for (name, explanation) in rows {
                print("  " + name + String(repeating: " ", count: width - name.count) + "  " + explanation)
            }
            print("")
        }
    }

    static func choices<C: SchemaChoice>(_ type: C.Type) -> [(String, String)] {
        C.choices.map { ($0.word, $0.explanation) }
    }

    static var sections: [(String, [(String, String)])] {
        [
            ("modes (mode:)", choices(Mode.self)),
            ("cells (model.cell:)", choices(CellFamily.self)),
            ("activations (model.activation:)", choices(Activation.self)),
            ("initializers (init.<parameter>.kind:)", InitKind.allCases.map { ($0.rawValue, initializerExplanation($0)) }),
            ("spectrum options (init.<parameter>.*)", [
                ("spectral_radius", "rescale W so that max |λ_i(W)| equals the value (square matrices)"),
                ("spectral_norm", "rescale W so that σ_max(W) equals the value"),
                ("gain", "PyTorch's gain for gaussian/xavier/orthogonal; a scalar factor otherwise"),
                ("singular_values", "W = U·diag(s)·Vᵀ with Haar U, V (no kind)"),
                ("eigenvalue_moduli", "W = Q·D·Qᵀ with Haar Q and 2×2 rotation–scaling blocks of these |λ| (no kind)"),
                ("eigenvalue_phases", "the arguments of those eigenvalues, in radians"),
            ]),
            ("inputs (sequence.input.kind:)", choices(InputKind.self)),
            ("initial states (sequence.h0:)", choices(InitialState.self)),
            ("losses (loss.kind:)", choices(LossKind.self)),
            ("measures (measure:)", choices(Measure.self)),
            ("lag selections (diagnostics.lags:)", [
                ("all", "every lag 0…T"),
                ("log", "diagnostics.log_lags lags spaced evenly in log k, including 0 and T"),
                ("N", "every N-th lag, and T"),
            ]),
            ("re-orthonormalisation (mode lyapunov, diagnostics.reorthonormalize:)", [
                ("N", "QR every N steps, unguarded (default 1: every step)"),
                ("auto", "guarded blocks of 1…16 steps, as gradlab diagnose runs; the exponents of every step to round-off"),
            ]),
            ("tasks (mode train, task.name:)", TaskCatalog.names.map { ($0, "docs/tasks.md") }
                + TaskCatalog.aliases.sorted { $0.key < $1.key }.map { ($0.key, "alias of \($0.value)") }),
            ("optimizers (optimizer.kind:)", [
                ("sgd", "torch.optim.SGD: lr (1e-3), momentum, dampening, nesterov, weight_decay"),
                ("rmsprop", "torch.optim.RMSprop: lr (1e-2), alpha, eps, momentum, centered, weight_decay"),
                ("adam", "torch.optim.Adam (default): lr (1e-3), betas, eps, amsgrad, weight_decay"),
            ]),
            ("schedules (schedule.kind:)", [
                ("constant", "lr throughout (default)"), ("step", "lr·gamma^⌊s/every⌋ (StepLR)"),
                ("cosine", "CosineAnnealingLR over period, down to minimum"),
            ]),
            ("clipping (clipping.kind:)", [
                ("none", "no clipping (default)"),
                ("global-norm", "torch clip_grad_norm_: all gradients as one vector, norm ≤ threshold"),
                ("per-tensor-norm", "each tensor's norm ≤ threshold"),
                ("value", "torch clip_grad_value_: entries clamped to [−threshold, threshold]"),
            ]),
            ("plot recipes (plots: - recipe:)", choices(PlotRecipe.self)),
            ("plot colour ranges (plots: - scale:)", choices(PlotScale.self)),
            ("stored metrics (series.csv metric / runs.csv columns; plots: y)", Metric.all.map { m in
                let table = [m.index.map { "series by \($0.rawValue)" }, m.sqlType.map { _ in "runs column" }].compactMap { $0 }.joined(separator: ", ")
                return (m.name, "\(m.plainTitle)\(m.unit.isEmpty ? "" : " [\(m.unit)]") — \(table); \(m.producedBy)")
            }),
        ]
    }

    static func initializerExplanation(_ kind: InitKind) -> String {
        switch kind {
        case .gaussian: return "N(0, std²), or N(0, gain²/fan_in) with gain"
        case .uniform: return "U[a, b)"
        case .pytorchDefault: return "PyTorch's RNN default U(−1/√H, 1/√H)"
        case .xavierUniform: return "Glorot uniform, bound gain·√(6/(fan_in + fan_out))"
        case .xavierNormal: return "Glorot normal, std gain·√(2/(fan_in + fan_out))"
        case .kaimingUniform: return "He uniform (mode, nonlinearity, negative_slope as PyTorch)"
        case .kaimingNormal: return "He normal (mode, nonlinearity, negative_slope as PyTorch)"
        case .orthogonal: return "Haar-random orthogonal (times gain)"
        case .identity: return "scale·I"
        case .sparse: return "nonzeros N(0, std²) entries per row, the rest 0"
        case .file: return "a tensor from a .npy/.npz/.safetensors file (path, tensor)"
        case .zeros: return "all zeros"
        case .chain: return "feed-forward chain diagonal·I + gain·S (S the shift): every eigenvalue = diagonal, non-normal"
        case .schur: return "Q(D + N)Qᵀ: eigenvalues from eigenvalue_moduli/eigenvalue_phases, strictly upper N ~ N(0, off_diagonal²/n)"
        case .indrnn: return "IndRNN's u (cell indrnn): |u_j|^steps in [min_gain, max_gain] (Li et al. 2018)"
        case .ring: return "LRU's λ (cell lru, init.lambda): |λ| = sqrt(U(r_min², r_max²)), arg λ = U(0, max_phase) (Orvieto et al. 2023)"
        }
    }
}
