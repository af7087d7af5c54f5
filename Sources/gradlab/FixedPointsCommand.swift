import ArgumentParser
import Diagnostics
import Foundation
import Linalg
import Plotting
import Recurrent
import TensorIO

/// `gradlab fixed-points`: fixed and slow points of a model's recurrent map under a constant input,
/// with the eigenvalues of the one-step Jacobian there (docs/dynamics.md).
struct FixedPointsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixed-points",
        abstract: "Find the fixed and slow points of a recurrent model and linearise there.",
        discussion: """
        Minimises q(s) = ½‖F(s, x*) − s‖² over the state s (h, or [h; c] for an LSTM) from --initial-states \
        starts sampled from the model's own trajectories plus Gaussian noise, by Levenberg–Marquardt with \
        the cell's exact one-step Jacobian and a line search. Points with q below --fixed-tolerance are \
        fixed, below --slow-tolerance slow; duplicates are merged. Each point is reported with q, its \
        location, the read-out there (when the model has a head) and the eigenvalues of ∂F/∂s: stable, \
        marginal (|λ| within --marginal-band of 1), saddle (with its number of unstable modes) or unstable. \
        Without --from-trajectories the starts come from --trajectories autonomous runs of \
        --trajectory-steps steps under x* from h_0 ~ N(0, 1).
        """
    )

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The constant input x*: one number for every entry, or D comma-separated numbers (default 0).")
    var inputConstant: String?
    @Option(help: "The constant input x* from a .npy of shape (D,).")
    var inputFile: String?
    @Option(help: "Number of starts.")
    var initialStates = 256
    @Option(help: "Recorded states to sample starts from: a .npy of shape (N, S) or (B, T, S), S = H (2H for an LSTM: [h, c]).")
    var fromTrajectories: String?
    @Option(help: "Autonomous runs that supply starts when there is no --from-trajectories.")
    var trajectories = 32
    @Option(help: "Steps of each autonomous run.")
    var trajectorySteps = 100
    @Option(help: "Std of the Gaussian noise added to every start.")
    var noise = 0.05
    @Option(help: "q below which a point is fixed.")
    var fixedTolerance = 1e-20
    @Option(help: "q below which a point is slow (larger minima are discarded).")
    var slowTolerance = 1e-6
    @Option(help: "Levenberg–Marquardt iterations per start.")
    var maxIterations = 200
    @Option(help: "Eigenvalues with ||λ| − 1| below this are marginal.")
    var marginalBand = 1e-3
    @Option(help: "Seed for the autonomous runs, the choice of starts and their noise.")
    var seed: UInt64 = 0
    @Option(help: "Write the report as JSON to this file.")
    var json: String?
    @Option(help: "Write one CSV row per point to this file.")
    var csv: String?
    @Option(help: "Draw trajectories and points in the top two principal components (.png, .svg, .pdf).")
    var plotStates: String?
    @Option(help: "Draw each point's eigenvalues against the unit circle (.png, .svg, .pdf).")
    var plotEigenvalues: String?

    func validate() throws {
        if inputConstant != nil && inputFile != nil { throw ValidationError("give --input-constant or --input-file, not both.") }
        guard (1...100_000).contains(initialStates) else { throw ValidationError("--initial-states must be between 1 and 100000, got \(initialStates).") }
        guard (1...10_000).contains(trajectories) else { throw ValidationError("--trajectories must be between 1 and 10000, got \(trajectories).") }
        guard (1...100_000).contains(trajectorySteps) else { throw ValidationError("--trajectory-steps must be between 1 and 100000, got \(trajectorySteps).") }
        guard trajectories * trajectorySteps <= 1_000_000 else {
            throw ValidationError("--trajectories × --trajectory-steps must be at most 1000000 states, got \(trajectories) × \(trajectorySteps).")
        }
        guard noise.isFinite, noise >= 0 else { throw ValidationError("--noise must be a finite number ≥ 0, got \(noise).") }
        guard fixedTolerance.isFinite, fixedTolerance > 0, slowTolerance.isFinite, slowTolerance >= fixedTolerance else {
            throw ValidationError("tolerances must be finite with 0 < --fixed-tolerance ≤ --slow-tolerance, got \(fixedTolerance) and \(slowTolerance).")
        }
        guard (1...10_000).contains(maxIterations) else { throw ValidationError("--max-iterations must be between 1 and 10000, got \(maxIterations).") }
        guard marginalBand.isFinite, marginalBand >= 0, marginalBand < 1 else { throw ValidationError("--marginal-band must be in [0, 1), got \(marginalBand).") }
        for path in [plotStates, plotEigenvalues].compactMap({ $0 }) where OutputFormat(rawValue: (path as NSString).pathExtension.lowercased()) == nil {
            throw ValidationError("a chart needs a file name ending in .png, .svg or .pdf, got '\(path)'.")
        }
    }

    func run() throws {
        let path = modelOptions.model
        try withModelContext(path) {
            let (model, _) = try modelOptions.load()
            guard !model.isStacked else {
                throw UserError("\(path): fixed points are found for a single-layer unidirectional model; this one has \(model.layers) layer(s)\(model.bidirectional ? ", bidirectional" : "")")
            }
            // Each iteration is an SVD of the S × S Jacobian (O(S³)); beyond S = 2048 one start takes minutes.
            guard model.stateSize <= 2048 else {
                throw UserError("\(path): the state has \(model.stateSize) entries; fixed-points works up to 2048 (each iteration is an SVD of the S × S Jacobian)")
            }
            try analyse(model.makeCell(), model: model)
        }
    }

    /// Opens the cell's type so the search runs on it directly.
    func analyse<C: RecurrentCell>(_ cell: C, model: RecurrentModel) throws {
        let x = try constantInput(size: model.inputSize)
        var rng = RandomStream(seed: seed)
        var poolStream = rng.split("pool"), startStream = rng.split("starts")
        let pool = try fromTrajectories.map { try recordedStates(path: $0, stateSize: cell.stateSize) }
            ?? FixedPointStarts.autonomousPool(cell: cell, input: x, batch: trajectories, steps: trajectorySteps, rng: &poolStream)
        var options = FixedPointOptions()
        options.fixedTolerance = fixedTolerance
        options.slowTolerance = slowTolerance
        options.maxIterations = maxIterations
        options.marginalBand = marginalBand
        var search = try FixedPointSearch(cell: cell, input: x, options: options)
        let starts = FixedPointStarts.sample(pool: pool, count: initialStates, noise: noise, rng: &startStream)
        let report = try search.run(starts: starts)
        let outputs = report.readouts(model: model)
        FileHandle.standardOutput.write(Data(report.text(outputs: outputs).utf8))
        if let json { try (report.json(outputs: outputs).rendered(pretty: true) + "\n").write(toFile: json, atomically: true, encoding: .utf8) }
        if let csv { try report.csv(outputs: outputs).write(toFile: csv, atomically: true, encoding: .utf8) }
        if let plotStates { try FixedPointCharts.states(report, pool: pool, trajectoryLength: fromTrajectories == nil ? trajectorySteps : nil,
                                                        title: (modelOptions.model as NSString).lastPathComponent).save(plotStates) }
        if let plotEigenvalues { try FixedPointCharts.eigenvalues(report, title: (modelOptions.model as NSString).lastPathComponent).save(plotEigenvalues) }
    }

    /// x* from --input-constant / --input-file (default zeros).
    func constantInput(size d: Int) throws -> [Double] {
        if let inputFile {
            let t = try TensorArchive.load(inputFile).tensor(named: nil, file: inputFile)
            try t.checkFinite(name: "input", file: inputFile)
            guard !t.elementType.isInteger, t.shape == [d] || t.shape == [1, d] else {
                throw UserError("\(inputFile): the constant input has shape \(t.shapeDescription) (\(t.elementType)), expected floating point (\(d),) for a model with D = \(d)")
            }
            return t.values
        }
        guard let text = inputConstant else { return [Double](repeating: 0, count: d) }
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ $0?.isFinite ?? false }), parts.count == 1 || parts.count == d else {
            throw UserError("--input-constant must be one finite number or \(d) comma-separated finite numbers (D = \(d)), got '\(text)'")
        }
        let values = parts.compactMap { $0 }
        return values.count == 1 ? [Double](repeating: values[0], count: d) : values
    }

    /// The states of a .npy (N, S) or (B, T, S) as rows.
    func recordedStates(path: String, stateSize s: Int) throws -> Matrix {
        let t = try TensorArchive.load(path).tensor(named: nil, file: path)
        try t.checkFinite(name: "states", file: path)
        guard !t.elementType.isInteger, t.shape.count == 2 || t.shape.count == 3, t.shape.last == s, t.shape.allSatisfy({ $0 > 0 }) else {
            throw UserError("\(path): states have shape \(t.shapeDescription) (\(t.elementType)), expected floating point (N, \(s)) or (B, T, \(s)) for this model's state of \(s) entries")
        }
        return try Matrix(rows: t.values.count / s, cols: s, elements: t.values)
    }
}
