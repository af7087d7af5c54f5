import ArgumentParser
import Diagnostics
import Foundation
import Linalg
import Plotting
import Recurrent
import TensorIO

/// `gradlab diagnose`: gradient flow, Jacobian-product spectra, Lyapunov exponents and theory for a model file.
struct DiagnoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose",
        abstract: "Diagnose vanishing and exploding gradients in a recurrent model file.",
        discussion: """
        Runs the model (typically a trained PyTorch nn.RNN/LSTM/GRU exported with its own parameter names) \
        over an input sequence and measures exactly, in log space: ‖∂h_T/∂h_t‖ at every lag, the singular \
        values of ∂h_T/∂h_t, ‖∂L/∂h_t‖ for a random unit ∂L/∂h_T, the Lyapunov spectrum, and beside them the \
        Pascanu et al. (2013) bound, ρ(W_hh)^k and (tanh) the mean-field prediction. Stacked and \
        bidirectional models (weight_ih_l1, …_reverse) get the depth × time diagnosis instead: \
        log10 ‖∂L/∂h_t^ℓ‖ for every layer and step, products along time and depth, the dominant path. \
        docs/diagnostics.md defines every number.
        """
    )


    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Input sequence .npy of shape (T, D); without it, --steps steps are generated.")
    var input: String?
    @Option(help: "Steps to generate when there is no --input.")
    var steps = 200
    @Option(help: "Std of i.i.d. Gaussian input noise when there is no --input (0 = autonomous run).")
    var inputNoise = 0.0
    @Option(help: "Initial state h_0 (gaussian: N(0, 1) per unit).")
    var h0: InitialState = .gaussian
    @Option(help: "Seed for generated inputs, h_0, the adjoint ∂L/∂h_T and the Lyapunov run.")
    var seed: UInt64 = 0
    @Option(help: "Lags to report: all, log, log:N, or N (every N-th).")
    var lags = "all"
    @Option(help: ArgumentHelp("Lags k whose whole singular spectrum of ∂h_T/∂h_{T−k} is reported: comma-separated, or none (default: about four log-spaced lags up to T).",
                               discussion: "Each spectrum is exact to high relative accuracy however far below σ_max it lies; it costs about 2–3 times the plain product per step up to the largest lag."))
    var singularValueLags: String?
    @Option(help: "Number of Lyapunov exponents (0 = none).")
    var lyapunov = 0
    @Option(help: "Measured steps of the Lyapunov run (after a transient of --lyapunov-transient).")
    var lyapunovSteps = 1000
    @Option(help: "Transient steps discarded before measuring Lyapunov exponents.")
    var lyapunovTransient = 200
    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text
    @Option(help: "Write the diagnosis charts (PNG and SVG) into this directory.")
    var plot: String?
    @Option(help: ArgumentHelp("Memory the backward sweep's trajectory may keep, e.g. 1GiB, 200MB, 512MiB (default 256MiB): the full states below it, a checkpoint every ⌈√T⌉ steps above it (segments recomputed; the same numbers bit for bit).", valueName: "size"))
    var memoryBudget = MemoryBudget.standard.description
    @Option(help: "Write per-unit × time gradient maps (heatmaps and log10 .npy files, docs/dynamics.md) into this directory (stacked and bidirectional models: one ∂L/∂h map per layer and direction).")
    var unitMaps: String?

    /// "none" → [], "1,10,100" → [1, 10, 100]; nil when malformed.
    static func parseLagList(_ text: String) -> [Int]? {
        if text.trimmingCharacters(in: .whitespaces) == "none" { return [] }
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return parts.compactMap { $0 }
    }

    func validate() throws {
        if let list = singularValueLags, Self.parseLagList(list) == nil {
            throw ValidationError("--singular-value-lags must be none or comma-separated whole numbers ≥ 0; got '\(list)'.")
        }
        if LagSelection(parsing: lags) == nil {
            throw ValidationError("--lags must be all, log, log:N (N ≥ 2) or a positive whole number N (every N-th lag); got '\(lags)'.")
        }
        if steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps).") }
        if !(inputNoise >= 0) || !inputNoise.isFinite { throw ValidationError("--input-noise must be a finite number ≥ 0, got \(inputNoise).") }
        if lyapunov < 0 { throw ValidationError("--lyapunov must be 0 (none) or a positive number of exponents, got \(lyapunov).") }
        if lyapunovSteps < 1 { throw ValidationError("--lyapunov-steps must be at least 1, got \(lyapunovSteps).") }
        if lyapunovTransient < 0 { throw ValidationError("--lyapunov-transient must be ≥ 0, got \(lyapunovTransient).") }
        _ = try MemoryBudgetOption.parse(memoryBudget)
        if input != nil && inputNoise != 0 { throw ValidationError("--input-noise generates inputs; it cannot be combined with --input.") }
    }

    func run() throws {
        try withModelContext(modelOptions.model) {
            FileHandle.standardOutput.write(Data((try output() + "\n").utf8))
        }
    }

    /// Runs the diagnosis, writes the charts if asked, and returns the report (text or JSON).
    func output() throws -> String {
        let (m, reading) = try modelOptions.load()
        var options = DiagnosisOptions(steps: steps, input: inputNoise > 0 ? .gaussian(std: inputNoise) : .zeros,
                                       initialState: h0,
                                       lags: LagSelection(parsing: lags) ?? .all,
                                       singularValueLags: singularValueLags.flatMap(Self.parseLagList), lyapunovCount: lyapunov,
                                       lyapunovSteps: lyapunovSteps, lyapunovTransient: lyapunovTransient)
        if let input {
            let (x, batched) = try SequenceBatch.loadInputs(input, featureSize: m.inputSize)
            if batched && x.batchSize > 1 {
                throw RecurrentError("\(input): diagnose follows one sequence; give shape (T, D) (this file holds \(x.batchSize) sequences)")
            }
            options.inputs = try Matrix(rows: x.steps, cols: x.featureSize, elements: x.values)
            options.inputName = URL(fileURLWithPath: input).lastPathComponent
        }
        options.memoryBudget = try MemoryBudgetOption.parse(memoryBudget)
        try checkFullTapes(m, steps: options.inputs?.rows ?? steps, budget: options.memoryBudget)
        var adjointRng = RandomStream(seed: seed).split("readout")
        let readout = try m.readoutAdjoint(rng: &adjointRng)
        options.adjoint = readout
        let context = DiagnosisContext(command: self, model: m, reading: reading, readout: readout)
        if m.isStacked {
            return try stackedOutput(m, options, context)
        }
        let diagnosis = try Diagnosis(map: m.makeCell(), theory: m.theoryInputs, options: options, rng: RandomStream(seed: seed))
        if let plot {
            let written = try DiagnosisCharts(diagnosis: diagnosis, model: m, title: context.title).write(to: plot)
            FileHandle.standardError.write(Data("charts: \(written.joined(separator: ", "))\n".utf8))
        }
        let forward = try ForwardDynamics(model: m, options: options, rng: RandomStream(seed: seed))
        if let unitMaps { try writeUnitMaps(m, options, to: unitMaps, title: context.title) }
        guard format == .json else { return diagnosis.textReport(title: context.heading, notes: context.notes) + "\n" + forward.textSection() }
        var object = diagnosis.jsonObject()
        object["model"] = context.jsonObject
        object["forward"] = forward.jsonObject()
        return JSONValue(object).rendered(pretty: true)
    }
}

extension DiagnoseCommand {
    /// What keeps a full tape — a stacked or bidirectional model's trajectories, the unit maps — is
    /// refused when that tape ((T+1)·S states per layer and direction, a lower bound) exceeds the budget.
    func checkFullTapes(_ m: RecurrentModel, steps t: Int, budget: MemoryBudget) throws {
        let bytes = Double(m.layers * m.directions) * Trajectory.stateBytes(steps: t, stateSize: m.stateSize, strategy: .fullTape)
        guard bytes > Double(budget.bytes) else { return }
        let need = "at least \(TapeMemory.bytesText(bytes)) for T = \(t), more than --memory-budget \(budget); raise --memory-budget or give a shorter sequence"
        if m.isStacked {
            throw RecurrentError("\(modelOptions.model): a stacked or bidirectional model keeps the full tape of its \(m.layers * m.directions) layers and directions (only single-layer models are checkpointed): \(need)")
        }
        if unitMaps != nil {
            throw RecurrentError("--unit-maps keeps the full trajectory (the maps are T × H themselves; the rest of the diagnosis is checkpointed): \(need)")
        }
    }

    /// The unit maps on the diagnosis's own trajectory (its named streams "inputs", "h0") and adjoint.
    func writeUnitMaps(_ m: RecurrentModel, _ o: DiagnosisOptions, to directory: String, title: String) throws {
        let maps = try UnitGradientMap(model: m, options: o, rng: RandomStream(seed: seed))
        let written = try UnitMapCharts.write(maps, to: directory, title: title)
        FileHandle.standardError.write(Data("unit maps: \(written.joined(separator: ", "))\n".utf8))
    }

    /// Stacked or bidirectional models: the depth × time diagnosis (inputs and h_0 of every unit drawn
    /// from the same named seeds as a single-layer diagnosis), with the stacks' Lyapunov spectra.
    func stackedOutput(_ m: RecurrentModel, _ options: DiagnosisOptions, _ context: DiagnosisContext) throws -> String {
        let shape = "this one has \(Plural.count(m.layers, "layer"))\(m.bidirectional ? ", bidirectional" : "")"
        if singularValueLags != nil { throw RecurrentError("\(modelOptions.model): --singular-value-lags is for single-layer models (\(shape))") }
        let flow = try DepthTimeFlow(model: m, options: options, rng: RandomStream(seed: seed), unitMaps: unitMaps != nil)
        let memory = TapeMemory(strategy: .fullTape, tapeBytes: Double(m.layers * m.directions) * Trajectory.stateBytes(steps: flow.steps, stateSize: m.stateSize, strategy: .fullTape),
                                fullTapeBytes: Double(m.layers * m.directions) * Trajectory.stateBytes(steps: flow.steps, stateSize: m.stateSize, strategy: .fullTape),
                                budget: options.memoryBudget, what: "every layer's and direction's trajectory")
        if let unitMaps {
            let written = try UnitMapCharts.write(stacked: flow, to: unitMaps, title: context.title)
            FileHandle.standardError.write(Data("unit maps: \(written.joined(separator: ", "))\n".utf8))
        }
        if let plot {
            let written = try StackedDiagnosisCharts(flow: flow, title: context.title).write(to: plot)
            FileHandle.standardError.write(Data("charts: \(written.joined(separator: ", "))\n".utf8))
        }
        let forward = try StackedForward(model: m, options: options, rng: RandomStream(seed: seed))
        guard format == .json else {
            return flow.textReport(title: context.heading, notes: context.notes + [memory.line], adjoint: context.adjointPhrase) + "\n" + forward.textSection()
        }
        var object = flow.jsonObject()
        object["memory"] = memory.jsonValue
        object["model"] = context.jsonObject
        object["forward"] = forward.jsonObject()
        return JSONValue(object).rendered(pretty: true)
    }
}

/// What a diagnosis report says about its model and set-up, beside the measurements: the title, what
/// was inferred from the file, and what the inputs, h_0 and ∂L/∂(top output at T) were.
struct DiagnosisContext {
    let title: String
    let heading: String
    let notes: [String]
    let adjointPhrase: String
    let jsonObject: [String: Any]

    init(command c: DiagnoseCommand, model m: RecurrentModel, reading: ModelFileReading, readout: [Double]?) {
        let shape = m.isStacked ? ", \(m.layers) layer\(m.layers == 1 ? "" : "s")\(m.bidirectional ? ", bidirectional" : "")" : ""
        title = "\(m.cell)\(shape), H = \(m.hiddenSize)"
        heading = "\(URL(fileURLWithPath: c.modelOptions.model).lastPathComponent) (\(title))"
        let width = m.topWidth
        if m.cell == .lru && m.isStacked, let readout {
            let g = reading.head.map { "W_headᵀu (head '\($0)', u a random unit vector over its \(m.headSize ?? 0) outputs)" } ?? "a random unit vector"
            adjointPhrase = "\(g) on the \(width) top read-outs \(m.bidirectional ? "[y_T^fwd; y_T^bwd]" : "y_T") (y = Re(C h) + D ⊙ x), sent to each top state through C′ᵀ and past the layer through D; ‖g‖ = \(String(format: "%.4g", nrm2(readout)))"
        } else if m.cell == .lru, let readout {
            let g = reading.head.map { "W_headᵀu (head '\($0)', u a random unit vector over its \(m.headSize ?? 0) outputs)" } ?? "a random unit vector over the \(width) outputs of y_T"
            adjointPhrase = "[C_re, −C_im]ᵀg on the state [Re h_T; Im h_T], the gradient the read-out y_T = Re(C h_T) + D ⊙ x_T sends back, g = \(g); ‖∂L/∂h_T‖ = \(String(format: "%.4g", nrm2(readout)))"
        } else if let head = reading.head, let readout, let o = m.headSize {
            adjointPhrase = "W_headᵀu (head '\(head)', u a random unit vector over its \(o) outputs; ‖g‖ = \(String(format: "%.4g", nrm2(readout))))"
        } else {
            adjointPhrase = "a random unit vector over the \(width) top-layer outputs (no head)"
        }
        let inputs = c.input.map { "inputs from \($0)" }
            ?? (c.inputNoise > 0 ? "inputs i.i.d. N(0, \(c.inputNoise)²) for \(c.steps) steps" : "no input (x_t = 0) for \(c.steps) steps")
        notes = reading.notes + [
            "\(inputs); h_0 \(c.h0.rawValue); seed \(c.seed)",
            (m.isStacked ? "g = ∂L/∂(top output at T) = " : "∂L/∂h_T = ") + adjointPhrase,
        ]
        jsonObject = [
            "file": c.modelOptions.model,
            "cell": m.cell.name,
            "activation": m.cell.activation.map { $0.name as Any } ?? NSNull(),
            "layers": m.layers,
            "bidirectional": m.bidirectional,
            "hidden_size": m.hiddenSize,
            "input_size": m.inputSize,
            "prefix": reading.prefix,
            "head": reading.head.map { $0 as Any } ?? NSNull(),
            "adjoint": adjointPhrase,
            "notes": notes,
        ]
    }
}

extension InitialState: ExpressibleByArgument {}
