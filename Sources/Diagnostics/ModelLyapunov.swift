import Foundation
import Linalg
import Recurrent

/// What drove a Lyapunov run (every report says it).
public enum LyapunovDrive: Sendable, Equatable {
    /// x_t = 0.
    case autonomous
    /// x_t ~ N(0, std²) i.i.d., drawn for the run.
    case noise(std: Double)
    /// A given sequence of `length` steps (`name`: the file it came from), cycled when the run is longer.
    case sequence(name: String, length: Int)

    /// The drive of `options`: its input sequence (named `options.inputName`), else its `input`.
    public init(_ options: DiagnosisOptions) {
        if let x = options.inputs {
            self = .sequence(name: options.inputName ?? "the given inputs", length: x.rows)
        } else if case .gaussian(let std) = options.input, std > 0 {
            self = .noise(std: std)
        } else {
            self = .autonomous
        }
    }

    /// "driven by x.npy (T = 50, cycled over the 1200 steps of the run)", "driven by Gaussian noise
    /// (std 0.5)" or "autonomous (x_t = 0)", for a run of `runSteps` steps.
    public func description(runSteps: Int) -> String {
        switch self {
        case .autonomous: return "autonomous (x_t = 0)"
        case .noise(let std): return "driven by Gaussian noise (std \(String(format: "%g", std)))"
        case .sequence(let name, let length):
            return "driven by \(name) (T = \(length)" + (runSteps > length ? ", cycled over the \(runSteps) steps of the run)" : ")")
        }
    }

    /// The JSON value of `lyapunov_driven_by`: "autonomous", "noise" or "sequence".
    public var kind: String {
        switch self {
        case .autonomous: "autonomous"
        case .noise: "noise"
        case .sequence: "sequence"
        }
    }
}

/// The spectrum of one direction's system: the forward stack, or the reverse stack in reversed time.
public struct DirectionLyapunov: Sendable {
    /// Whether this is the backward units' stack (run over the time-reversed inputs).
    public let reverse: Bool
    /// N = L·S, the dimension of the system's state.
    public let stateSize: Int
    public let spectrum: LyapunovSpectrum
}

/// The Lyapunov spectra of a whole model (any layer count, either direction layout, any cell).
///
/// **The system.** The forward units of all layers form one dynamical system on [s^0; …; s^{L−1}]
/// (`StackedMap`): layer ℓ at step t reads h_t^{ℓ−1} and its own s_{t−1}^ℓ, so the Jacobian is block
/// lower-triangular and its spectrum is that of the whole stack (LSTM: h and c of every layer).
/// A bidirectional model's backward units are not a causal system forward in time (h_t^{bwd} depends
/// on x_t … x_T); they form their own stack run over the reversed inputs. Above layer 0 each direction
/// also reads the other direction's outputs; those are computed by one forward pass of the whole model
/// over the run's input sequence and held fixed (given inputs, not state), so each direction's spectrum
/// is that of its own stack along the model's actual trajectory. A bidirectional model therefore gets
/// two spectra, `forward` and `reverse`.
///
/// **The run.** transient + steps steps from one s_0 per unit (k = ℓ·dirs + dir, drawn in that order
/// from `rng` as `options.initialState` says), driven by `options.inputs` (row (t−1) mod T: cycled) or
/// `options.input`; exponents as `LyapunovSpectrum` (automatic guarded QR intervals; −∞ for exactly singular factors).
public struct ModelLyapunov: Sendable {
    public let drive: LyapunovDrive
    /// transient + measured steps: the length of the run's input sequence.
    public let runSteps: Int
    public let transient: Int
    /// `forward`, then `reverse` for a bidirectional model.
    public let directions: [DirectionLyapunov]

    /// The most Float64 values a bidirectional run may hold for its sequence, trajectories and drives (1 GiB).
    public static let bidirectionalBudget = 1 << 27

    /// How many exponents are −∞ over all directions.
    public var negativeInfiniteCount: Int { directions.reduce(0) { $0 + $1.spectrum.negativeInfiniteCount } }

    /// K = min(`options.lyapunovCount`, N) exponents per direction; every unit's s_0 drawn from `rng`
    /// (k = ℓ·dirs + dir, as `options.initialState` says), then the run's noise and Q_0 from the same stream.
    public init(model: RecurrentModel, options o: DiagnosisOptions, rng: RandomStream) throws {
        var rng = rng
        let starts = (0..<(model.layers * model.directions)).map { _ in
            makeInitialState(o.initialState, hiddenSize: model.hiddenSize, stateSize: model.stateSize, rng: &rng)
        }
        try self.init(model: model, initialStates: starts, options: o, rng: &rng)
    }

    /// The run from given s_0 of every unit (k = ℓ·dirs + dir, S values each).
    public init(model: RecurrentModel, initialStates starts: [[Double]], options o: DiagnosisOptions, rng: inout RandomStream) throws {
        guard o.lyapunovSteps <= LyapunovSpectrum.maximumSteps, o.lyapunovTransient <= LyapunovSpectrum.maximumSteps else {
            throw RecurrentError("--lyapunov-steps and --lyapunov-transient must each be at most \(LyapunovSpectrum.maximumSteps)")
        }
        let transient = max(o.lyapunovTransient, 0), total = transient + o.lyapunovSteps
        let h = model.hiddenSize
        guard starts.count == model.layers * model.directions, starts.allSatisfy({ $0.count == model.stateSize }) else {
            throw RecurrentError("initial states: expected \(model.layers * model.directions) vectors of \(model.stateSize) values")
        }
        guard o.lyapunovCount >= 1, o.lyapunovSteps >= 1 else {
            throw RecurrentError("a Lyapunov run needs at least one exponent and one measured step (got \(o.lyapunovCount) and \(o.lyapunovSteps))")
        }
        if let x = o.inputs, x.cols != model.inputSize || x.rows < 1 {
            throw RecurrentError("the inputs are \(x.shapeDescription); the model needs T × \(model.inputSize) with T ≥ 1")
        }
        drive = LyapunovDrive(o)
        runSteps = total
        self.transient = transient
        func options(_ k: Int, start: [Double], inputs: Matrix?) -> LyapunovOptions {
            var lo = LyapunovOptions(count: k, steps: o.lyapunovSteps, transient: transient, input: o.input, initialState: o.initialState)
            lo.start = start
            lo.inputs = inputs
            return lo
        }
        if !model.bidirectional {
            let map = try model.stackedMap()
            let spectrum = try LyapunovSpectrum(map: map, options: options(min(o.lyapunovCount, map.stateSize), start: starts.flatMap { $0 },
                                                                           inputs: o.inputs), rng: &rng)
            directions = [DirectionLyapunov(reverse: false, stateSize: map.stateSize, spectrum: spectrum)]
            return
        }
        // The run's inputs in full (the backward units need the whole sequence), then one forward pass:
        // memory grows with the run, so it is bounded before anything is allocated.
        let d = model.inputSize
        let perStep = model.cell == .lru
            ? 2 * (d + model.topWidth) + model.layers * 2 * (model.stateSize + 2 * model.topWidth) + d
            : 2 * (d + (model.layers - 1) * h) + model.layers * 2 * (model.stateSize + 2 * h) + d
        let (needed, overflow) = total.multipliedReportingOverflow(by: perStep)
        guard !overflow, needed <= Self.bidirectionalBudget else {
            throw RecurrentError("a bidirectional Lyapunov run keeps its whole sequence: \(total) steps × \(perStep) values exceeds "
                                 + "\(Self.bidirectionalBudget) values (1 GiB); lower --lyapunov-steps or --lyapunov-transient")
        }
        var x = Matrix(rows: total, cols: d)
        if let given = o.inputs {
            for t in 0..<total { for i in 0..<d { x[t, i] = given[t % given.rows, i] } }
        } else if case .gaussian = o.input {
            x = Matrix.inputSequence(steps: total, size: d, source: o.input, rng: &rng)
        }
        var outputs: [Matrix] = []   // per unit k: total × o_ℓ, row t − 1 = h_t, or an LRU's read-out y_t (time order)
        let readouts = model.unitReadouts
        let widths = (0..<model.layers).map { readouts?[$0 * 2].width ?? h }
        var layerInput = x
        for layer in 0..<model.layers {
            let o = widths[layer]
            var next = Matrix(rows: total, cols: 2 * o)
            for dir in 0..<2 {
                let k = layer * 2 + dir
                let traj = try Trajectory(map: model.makeCell(layer: layer, reverse: dir == 1), initialState: starts[k],
                                          inputs: dir == 0 ? layerInput : layerInput.reversedRows())
                if let bad = traj.nonfiniteStep {
                    throw RecurrentError("the Lyapunov run's forward pass became non-finite in layer \(layer)\(dir == 1 ? " (reverse)" : "") at step \(dir == 0 ? bad : total + 1 - bad)")
                }
                var own = Matrix(rows: total, cols: o)
                var y = [Double](repeating: 0, count: o)
                for t in 1...total {
                    let tau = dir == 0 ? t : total + 1 - t
                    if let r = readouts?[k] {
                        traj.states.withUnsafeBufferPointer { st in traj.inputs.withUnsafeBufferPointer { xs in
                            r.apply(state: st.baseAddress! + tau * model.stateSize, input: xs.baseAddress! + (tau - 1) * traj.inputs.cols, into: &y)
                        } }
                    } else {
                        for j in 0..<h { y[j] = traj.states[tau, j] }
                    }
                    for j in 0..<o { own[t - 1, j] = y[j]; next[t - 1, dir * o + j] = y[j] }
                }
                outputs.append(own)
            }
            layerInput = next
        }
        var result: [DirectionLyapunov] = []
        for dir in 0..<2 {
            // Input row at the direction's step τ: [x; the other direction's h^0 (y^0); …; h^{L−2} (y^{L−2})] at time t(τ).
            let width = d + widths.dropLast().reduce(0, +)
            var drive = Matrix(rows: total, cols: width)
            for tau in 1...total {
                let t = dir == 0 ? tau : total + 1 - tau
                for i in 0..<d { drive[tau - 1, i] = x[t - 1, i] }
                var at = d
                for l in 0..<(model.layers - 1) {
                    for j in 0..<widths[l] { drive[tau - 1, at + j] = outputs[l * 2 + (1 - dir)][t - 1, j] }
                    at += widths[l]
                }
            }
            let map = try model.stackedMap(reverse: dir == 1)
            let start = (0..<model.layers).flatMap { starts[$0 * 2 + dir] }
            let spectrum = try LyapunovSpectrum(map: map, options: options(min(o.lyapunovCount, map.stateSize), start: start, inputs: drive),
                                                rng: &rng)
            result.append(DirectionLyapunov(reverse: dir == 1, stateSize: map.stateSize, spectrum: spectrum))
        }
        directions = result
    }
}
