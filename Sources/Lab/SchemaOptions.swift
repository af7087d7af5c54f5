import Diagnostics
import Recurrent
import Sweeps

/// The measurement blocks of the schema: `measure:`, `diagnostics:` and `plots:`.

/// A quantity an executor records.
public enum Measure: String, CaseIterable, SchemaChoice {
    case gradNorm = "grad_norm"
    case jacobianNorm = "jacobian_norm"
    case singularValues = "singular_values"
    case lyapunov
    case contributions
    case singularSpread = "singular_spread"
    case matrixPower = "matrix_power"
    case truncation
    case forward
    case gradUnits = "grad_units"

    public var explanation: String {
        switch self {
        case .gradNorm: return "series grad_norm_log10: log10 ‖∂L/∂h_t‖ by step t"
        case .jacobianNorm: return "series jacobian_norm_log10: log10 ‖∂h_T/∂h_t‖₂ by lag k = T − t"
        case .singularValues: return "series singular_value_log10 (and singular_value where representable): every singular value of ∂h_T/∂h_t at diagnostics.singular_value_lags"
        case .lyapunov: return "series lyapunov: the Lyapunov exponents, descending; summary lambda_max"
        case .forward: return "series hidden_norm, cell_norm, saturated_fraction, inactive_fraction, preactivation_q, gate_mean, gate_saturated_fraction by step t; summary forward_regime, forward_regime_step, mean_field_q, dead_units (stacked models: per layer and direction; docs/dynamics.md)"
        case .gradUnits: return "per-unit × time maps log10 |∂L/∂h_t,i| (and per gate of LSTM/GRU) as .npy sidecar files unit-maps/<run id>/ referenced by the column unit_maps (stacked models: one ∂L/∂h map per layer and direction; docs/dynamics.md)"
        case .contributions: return "series contribution_log10: log10 ‖(∂L/∂z_t)·h_{t−1}ᵀ‖_F, step t's term of ∂L/∂W_hh (they sum to ∂L/∂W_hh; per layer and direction in stacked models)"
        case .singularSpread: return "series singular_spread_log10 (log10 σ_max − log10 σ_median) and singular_kept_fraction (σ within two decades of σ_max) of ∂h_T/∂h_t at diagnostics.singular_value_lags; summaries at the largest"
        case .matrixPower: return "series matrix_power_norm_log10: log10 ‖W_hh^k‖₂ at the lags; summaries peak_matrix_power_norm, peak_lag (rnn cells)"
        case .truncation: return "series truncated_cosine and truncated_norm_ratio: ∂L/∂W_hh by BPTT through the last k steps against the exact one, for k in diagnostics.truncation (L = ⟨a, h_T⟩)"
        }
    }

    /// The modes in which this quantity is measured.
    public var modes: [Mode] {
        switch self {
        case .lyapunov: return [.lyapunov, .gradientFlow]
        case .gradNorm, .jacobianNorm, .singularValues, .contributions, .singularSpread, .matrixPower, .truncation, .forward, .gradUnits: return [.gradientFlow]
        }
    }

    static func defaults(for mode: Mode) -> [Measure] {
        switch mode {
        case .gradientFlow: return [.gradNorm, .jacobianNorm]
        case .lyapunov: return [.lyapunov]
        case .train, .fixedPoints: return []
        }
    }
}

/// How many Lyapunov exponents: all H (or 2H for LSTM), or the top K.
public enum ExponentCount: Decodable, Sendable, Equatable {
    case all
    case top(Int)

    public init(from decoder: Decoder) throws {
        switch try decoder.wordOrCount(words: ["all"], countHint: "K (top K)") {
        case .count(let k): self = .top(k)
        case .word: self = .all
        }
    }
}

/// A scalar that is one of a few words or a positive count (`lags: log` or `lags: 10`).
enum WordOrCount { case word(String), count(Int) }

extension Decoder {
    /// Decodes a word from `words` or an integer ≥ 1; `countHint` describes the integer in errors.
    func wordOrCount(words: [String], countHint: String) throws -> WordOrCount {
        let c = try singleValueContainer()
        if let n = try? c.decode(Int.self) {
            guard n >= 1 else { throw SchemaIssue.invalid("must be \(words.joined(separator: ", ")) or an integer ≥ 1", path: pathStrings(codingPath)) }
            return .count(n)
        }
        let text = try c.decode(String.self)
        guard words.contains(text) else { throw SchemaIssue.invalidChoice(text, choices: words + [countHint], path: pathStrings(codingPath)) }
        return .word(text)
    }
}

/// `diagnostics:` — options of the measurements.
public struct DiagnosticsOptions: Decodable, Sendable {
    /// Which lags k = T − t to measure: `all`, `log` (about `log_lags` lags spaced evenly in
    /// log(1 + k), always including 0, 1 and T) or N (every N-th lag, and T).
    public var lags: LagSelection
    /// Number of log-spaced lags when `lags: log`.
    public var logLags: Int
    /// Lags at which singular values of ∂h_T/∂h_t are recorded (lags beyond T are skipped).
    public var singularValueLags: [Int]
    public var lyapunov: ExponentCount
    /// Lyapunov: steps discarded before averaging.
    public var transient: Int
    /// Lyapunov mode: how often the tangent frame is re-orthonormalised (QR) — `N`: every N ≥ 1 steps,
    /// unguarded (`.every(N)`); `auto`: guarded blocks of 1 … 16 steps (`.automatic`, what `gradlab
    /// diagnose` runs). The default stays every step (1), so stored runs continue unchanged on resume.
    public var reorthonormalize: ReorthonormalizationInterval
    /// measure truncation: the truncation lengths k (each ≥ 1; k ≥ T is full BPTT).
    public var truncation: [Int]
    /// Memory the gradient-flow sweep's trajectory may keep: its full states below it, checkpoints
    /// every ⌈√T⌉ steps above it (`1GiB`, `200MB`, `512MiB` or bytes; default `MemoryBudget.standard`,
    /// 256 MiB). Mode gradient-flow only; `gradlab run --memory-budget` overrides it.
    public var memoryBudget: MemoryBudget
    /// Whether the file set `memory_budget` (other modes refuse it).
    public internal(set) var memoryBudgetGiven = false

    enum CodingKeys: String, CodingKey, CaseIterable {
        case lags, logLags = "log_lags", singularValueLags = "singular_value_lags", lyapunov, transient
        case reorthonormalize, truncation
        case memoryBudget = "memory_budget"
    }

    public init() {
        lags = .log(count: LagSelection.defaultLogCount); logLags = LagSelection.defaultLogCount; singularValueLags = [1, 10, 100]; lyapunov = .all
        transient = 100; reorthonormalize = .every(1); truncation = [1, 2, 5, 10, 20, 50, 100]
        memoryBudget = .standard
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DiagnosticsOptions()
        logLags = try c.value(.logLags, or: d.logLags)
        lags = .log(count: logLags)
        if let text = try c.decodeIfPresent(String.self, forKey: .lags) {
            guard let parsed = LagSelection(parsing: text), text != "0" else {
                throw SchemaIssue.invalidChoice(text, choices: ["all", "log", "log:N", "N (every N-th lag)"], path: ["diagnostics", "lags"])
            }
            if case .log = parsed, text == "log" { lags = .log(count: logLags) } else { lags = parsed }
        }
        singularValueLags = try c.value(.singularValueLags, or: d.singularValueLags)
        lyapunov = try c.value(.lyapunov, or: d.lyapunov)
        transient = try c.value(.transient, or: d.transient)
        reorthonormalize = d.reorthonormalize
        if c.contains(.reorthonormalize) {
            switch try c.superDecoder(forKey: .reorthonormalize).wordOrCount(words: ["auto"], countHint: "N (QR every N steps)") {
            case .count(let n): reorthonormalize = .every(n)
            case .word: reorthonormalize = .automatic
            }
        }
        truncation = try c.value(.truncation, or: d.truncation)
        memoryBudget = d.memoryBudget
        if c.contains(.memoryBudget) {
            memoryBudgetGiven = true
            let path = ["diagnostics", CodingKeys.memoryBudget.rawValue]
            let text: String
            if let n = try? c.decode(Int.self, forKey: .memoryBudget) { text = String(n) } else {
                guard let s = try? c.decode(String.self, forKey: .memoryBudget) else {
                    throw SchemaIssue.invalid("must be a memory size such as 1GiB, 200MB or 512MiB", path: path)
                }
                text = s
            }
            do { memoryBudget = try MemoryBudget(parsing: text) } catch {
                throw SchemaIssue.invalid("'\(text)' is not a memory size: expected a number of bytes with an optional unit B, KB, MB, GB, TB (or K, M, G, T), KiB, MiB, GiB or TiB (e.g. 1GiB, 200MB)", path: path)
            }
            if memoryBudget.bytes == 0 { throw SchemaIssue.invalid("must be more than 0 bytes", path: path) }
        }
    }
}

/// `plots:` — one chart of the run, drawn by a recipe (module ExperimentPlots).
public struct PlotSpec: Decodable, Sendable {
    public var recipe: PlotRecipe
    /// Swept path mapped to colour; swept path or recipe axis on x and y; swept path for small multiples.
    public var color: String?
    public var x: String?
    public var y: String?
    public var facet: String?
    /// Heatmaps: per-facet (default) or shared colour range (`PlotScale`); nil when not written.
    public var scale: PlotScale?
    /// `summary-vs-parameter`: a summary column drawn as the theory curve (mean over the runs at each x).
    public var theory: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case recipe, color, x, y, facet, scale, theory }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recipe = try c.decode(PlotRecipe.self, forKey: .recipe)
        color = try c.decodeIfPresent(String.self, forKey: .color)
        x = try c.decodeIfPresent(String.self, forKey: .x)
        y = try c.decodeIfPresent(String.self, forKey: .y)
        facet = try c.decodeIfPresent(String.self, forKey: .facet)
        scale = try c.decodeIfPresent(PlotScale.self, forKey: .scale)
        theory = try c.decodeIfPresent(String.self, forKey: .theory)
    }

    /// Every channel names something this experiment stores and the recipe reads there: a swept path,
    /// or (x, y) one of the recipe's own axes or catalog metrics that the mode and measures produce.
    func validate(at path: [String], sweptPaths: [String], mode: Mode, measures: [Measure]) throws {
        for (channel, value) in [(PlotRecipe.Channel.color, color), (.x, x), (.y, y), (.facet, facet), (.theory, theory)] {
            guard let value else { continue }
            let choices = recipe.choices(for: channel, sweptPaths: sweptPaths)
            if !choices.contains(value) {
                let why = choices.isEmpty ? " (\(recipe.rawValue) draws nothing on \(channel.rawValue); remove it)" : ""
                throw SchemaIssue.invalidChoice(value + why, choices: choices, path: path + [channel.rawValue])
            }
        }
        if scale != nil && !PlotScale.recipes.contains(recipe) {
            throw SchemaIssue.invalid("\(recipe.rawValue) colours no measured values, so scale does not apply; remove it (scale is for \(PlotScale.recipes.map(\.rawValue).joined(separator: ", ")))",
                                      path: path + ["scale"])
        }
        if let needs = recipe.unmetNeed(mode: mode, measures: measures, x: x, y: y) {
            throw SchemaIssue.invalid("\(recipe.rawValue) needs \(needs)", path: path + ["recipe"])
        }
    }
}
