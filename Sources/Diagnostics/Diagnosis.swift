import Foundation
import Linalg
import Recurrent

/// Facts about a cell's recurrent weight that theory needs (vanilla cells; nil parts are skipped).
public struct TheoryInputs: Sendable {
    /// W_hh (H×H) of a vanilla cell.
    public var recurrentWeight: Matrix?
    /// γ = sup|φ'| of the activation (tanh 1, sigmoid 1/4, relu, leaky-relu and linear 1).
    public var derivativeBound: Double?
    /// Whether the cell is tanh, so the mean-field prediction for Gaussian W_hh applies.
    public var isTanh: Bool

    public init(recurrentWeight: Matrix? = nil, derivativeBound: Double? = nil, isTanh: Bool = false) {
        self.recurrentWeight = recurrentWeight
        self.derivativeBound = derivativeBound
        self.isTanh = isTanh
    }
}

/// Everything `gradlab diagnose` and the runner's gradient-flow mode measure on one configuration.
public struct DiagnosisOptions: Sendable {
    /// The input sequence (T×D); nil = generate `steps` steps from `input`. The Lyapunov run follows
    /// it too (cycled when transient + steps > T).
    public var inputs: Matrix?
    /// Where `inputs` came from (a file name), for the reports: "driven by x.npy".
    public var inputName: String?
    public var steps: Int
    public var input: InputSource
    public var initialState: InitialState
    public var lags: LagSelection
    /// Lags at which the whole singular spectrum of ∂s_T/∂s_{T−k} is reported; nil = a few log-spaced lags.
    public var singularValueLags: [Int]?
    /// ∂L/∂h_T (length H); nil = a seeded random unit vector.
    public var adjoint: [Double]?
    /// Number of Lyapunov exponents (0 = none).
    public var lyapunovCount: Int
    public var lyapunovSteps: Int
    public var lyapunovTransient: Int
    /// Whether to measure each step's term of ∂L/∂W_hh (`WeightGradientContributions`; cells only).
    public var contributions = false
    /// The memory the backward sweeps' trajectory may keep: the full tape when its states fit, else
    /// checkpoints every ⌈√T⌉ steps (`Trajectory.strategy`; the same numbers either way).
    public var memoryBudget = MemoryBudget.standard

    public init(inputs: Matrix? = nil, steps: Int = 200, input: InputSource = .zeros, initialState: InitialState = .gaussian,
                lags: LagSelection = .all, singularValueLags: [Int]? = nil, adjoint: [Double]? = nil,
                lyapunovCount: Int = 0, lyapunovSteps: Int = 1000, lyapunovTransient: Int = 200) {
        self.inputs = inputs
        self.steps = steps
        self.input = input
        self.initialState = initialState
        self.lags = lags
        self.singularValueLags = singularValueLags
        self.adjoint = adjoint
        self.lyapunovCount = lyapunovCount
        self.lyapunovSteps = lyapunovSteps
        self.lyapunovTransient = lyapunovTransient
    }
}

/// The result of a diagnosis. JSON keys are those documented in docs/diagnostics.md; log10 values
/// that are −∞ (an exactly zero product) are `null`.
public struct Diagnosis: Sendable {
    public var steps: Int
    public var stateSize: Int
    public var jacobianNorms: [LagNorm]
    public var gradNormLog10: [Double?]
    public var singularValuesLog10: [Int: [Double]]
    /// λ_1 ≥ … ≥ λ_K (nats/step; −∞ for exactly singular directions), empty without a Lyapunov run.
    public var lyapunov: [Double]
    /// The whole Lyapunov result (−∞ count, singular steps, measured steps), when run.
    public var lyapunovSpectrum: LyapunovSpectrum?
    /// What drove the Lyapunov run, its transient and its length (transient + measured steps).
    public var lyapunovDrive: LyapunovDrive?
    public var lyapunovTransient = 0
    public var lyapunovRunSteps = 0
    public var lambdaMax: Double?
    public var kaplanYorkeDimension: Double?
    public var spectralRadius: Double?
    public var sigmaMax: Double?
    public var derivativeBound: Double?
    public var meanFieldLambdaMax: Double?
    public var summary: FlowSummary
    public var nonfiniteStep: Int?
    /// log10 ‖g_t·h_{t−1}ᵀ‖_F, step t's term of ∂L/∂W_hh, for t = 1 … T (index t − 1; nil = exactly
    /// zero); empty unless `options.contributions` and the map is a cell.
    public var contributionLog10: [Double?] = []
    /// How the trajectory of the backward sweeps was kept (full or checkpointed) under the budget.
    public var memory: TapeMemory

    /// Pascanu et al.'s bound at the reported lags (log10), when σ_max and γ are known.
    public var pascanuBoundLog10: [(lag: Int, value: Double)] {
        guard let s = sigmaMax, let g = derivativeBound else { return [] }
        return jacobianNorms.map { ($0.lag, Theory.pascanuBoundLog10(lag: $0.lag, gamma: g, sigmaMax: s)) }
    }

    /// ρ(W_hh)^k at the reported lags (log10), when ρ is known and positive.
    public var linearRateLog10: [(lag: Int, value: Double)] {
        guard let r = spectralRadius, r > 0 else { return [] }
        return jacobianNorms.map { ($0.lag, Theory.linearRateLog10(lag: $0.lag, spectralRadius: r)) }
    }

    /// Runs every measurement on `map`. Randomness (inputs, h_0, adjoint, Lyapunov) comes from
    /// named children of `rng`, so adding or removing one measurement does not change the others.
    public init<M: RecurrentMap>(map: M, theory: TheoryInputs, options o: DiagnosisOptions, rng: RandomStream) throws {
        var inputRng = rng.split("inputs"), stateRng = rng.split("h0"), adjointRng = rng.split("adjoint"), lyapRng = rng.split("lyapunov")
        let inputs = o.inputs ?? Matrix.inputSequence(steps: o.steps, size: map.inputSize, source: o.input, rng: &inputRng)
        let s0 = makeInitialState(o.initialState, hiddenSize: map.hiddenSize, stateSize: map.stateSize, rng: &stateRng)
        let strategy = Trajectory.strategy(steps: inputs.rows, stateSize: map.stateSize, budget: o.memoryBudget)
        let traj = try Trajectory(map: map, initialState: s0, inputs: inputs, strategy: strategy)
        memory = TapeMemory(strategy: traj.strategy,
                            tapeBytes: Trajectory.stateBytes(steps: inputs.rows, stateSize: map.stateSize, strategy: traj.strategy),
                            fullTapeBytes: Trajectory.stateBytes(steps: inputs.rows, stateSize: map.stateSize, strategy: .fullTape),
                            budget: o.memoryBudget, what: "the trajectory's states")
        var adjoint = o.adjoint ?? adjointRng.normals(map.hiddenSize)
        if o.adjoint == nil { let n = nrm2(adjoint); scal(1 / n, &adjoint) }
        let svLags = o.singularValueLags ?? LagSelection.log(count: 4).lags(upTo: traj.steps).filter { $0 > 0 }
        let flow = try BackwardFlow(map: map, trajectory: traj,
                                    options: .init(jacobianLags: o.lags, singularValueLags: svLags, adjoint: adjoint))
        steps = traj.steps
        stateSize = map.stateSize
        jacobianNorms = flow.jacobianNorms
        gradNormLog10 = flow.gradNormLog10
        singularValuesLog10 = flow.singularValuesLog10
        summary = FlowSummary(norms: flow.jacobianNorms)
        nonfiniteStep = traj.nonfiniteStep
        if o.contributions, let cell = map as? any RecurrentCell {
            let terms = try WeightGradientContributions(cell: cell, trajectory: traj, adjoint: adjoint)
            contributionLog10 = terms.log10Norms
            if nonfiniteStep == nil { nonfiniteStep = terms.nonfiniteStep }
        }

        if o.lyapunovCount > 0 {
            var lo = LyapunovOptions(count: min(o.lyapunovCount, map.stateSize), steps: o.lyapunovSteps,
                                     transient: o.lyapunovTransient, input: o.input, initialState: o.initialState)
            lo.inputs = o.inputs
            let spectrum = try LyapunovSpectrum(map: map, options: lo, rng: &lyapRng)
            lyapunov = spectrum.exponents
            lyapunovSpectrum = spectrum
            lyapunovDrive = LyapunovDrive(o)
            lyapunovTransient = max(o.lyapunovTransient, 0)
            lyapunovRunSteps = lyapunovTransient + o.lyapunovSteps
            lambdaMax = spectrum.maximum
            kaplanYorkeDimension = spectrum.exponents.isEmpty ? nil : spectrum.kaplanYorkeDimension
            if nonfiniteStep == nil { nonfiniteStep = spectrum.nonfiniteStep }
        } else {
            lyapunov = []
        }

        derivativeBound = theory.derivativeBound
        if let w = theory.recurrentWeight {
            spectralRadius = try w.spectralRadius()
            sigmaMax = try w.spectralNorm()
            if theory.isTanh {
                // The gain g of a Gaussian W with entries N(0, g²/N) is ‖W‖_F/√N (an estimate for any W).
                let g = w.frobeniusNorm / Double(w.rows).squareRoot()
                meanFieldLambdaMax = Theory.meanFieldTanh(gain: g).lambdaMax
            }
        }
    }
}
