import Diagnostics
import Foundation
import Linalg
import Recurrent
import Sweeps

/// The runner's executor for `mode: fixed-points`: `FixedPointSearch` (Diagnostics) on the
/// configuration's model — from `init:`, or a trained model's file (`fixed_points.model_file`) — as
/// `gradlab fixed-points` runs it; counts by class become `runs` columns, every point's q,
/// linearisation, location and read-out become `series` rows indexed by point (docs/dynamics.md).
///
/// Random streams, split by purpose from the configuration's stream: `init.<parameter>` for the
/// weights (as in the other modes), `fixed_points.pool` for the autonomous runs' h_0,
/// `fixed_points.starts` for the choice of starts and their noise.
enum FixedPointsExecutor {
    static func register(into registry: inout ExecutorRegistry) {
        registry.register(.fixedPoints) { configuration, random in try run(configuration.spec, random) }
    }

    /// The model a configuration analyses: the file's (its architecture checked against `model:`) or
    /// the one `init:` draws.
    static func model(_ spec: ExperimentSpec, _ random: RandomStream) throws -> RecurrentModel {
        guard let path = spec.fixedPoints?.modelFile else { return try spec.makeModel(random) }
        let m: RecurrentModel
        do { m = try RecurrentModel.read(path).model } catch { throw ConfigurationFailure("fixed_points.model_file: \(error)") }
        let stated = CellKind(spec.model.cell, activation: spec.model.activation)
        let mismatches = [
            m.cell != stated ? "cell \(m.cell) (model: says \(stated))" : nil,
            m.hiddenSize != spec.model.hidden ? "H = \(m.hiddenSize) (model.hidden: \(spec.model.hidden))" : nil,
            m.inputSize != spec.model.input ? "D = \(m.inputSize) (model.input: \(spec.model.input))" : nil,
            m.isStacked ? "\(m.layers) layer(s)\(m.bidirectional ? ", bidirectional" : "") (a single-layer unidirectional model is needed)" : nil,
        ].compactMap { $0 }
        if !mismatches.isEmpty {
            throw ConfigurationFailure("\(path): the file's model has \(mismatches.joined(separator: ", "))")
        }
        return m
    }

    static func run(_ spec: ExperimentSpec, _ random: RandomStream) throws -> ConfigurationResult {
        let block = spec.fixedPoints ?? FixedPointsSpec()
        let m = try model(spec, random)
        let (report, pool) = try search(m.makeCell(), block: block, input: block.constantInput(size: m.inputSize), random)
        var rows = series(report, outputs: report.readouts(model: m))
        try rows += projections(report, pool: pool, runs: block.trajectories, runLength: block.trajectorySteps)
        var result = ConfigurationResult(summary: summary(report), series: rows)
        if case .rnn = m.cell, let w = m.theoryInputs.recurrentWeight {
            result.summary[Metric.spectralRadius] = .number(try w.spectralRadius())
            result.summary[Metric.sigmaMax] = .number(try w.spectralNorm())
        }
        return result
    }

    /// Opens the cell's type: the pool, the starts, the search.
    static func search<C: RecurrentCell>(_ cell: C, block: FixedPointsSpec, input: [Double], _ random: RandomStream) throws -> (FixedPointReport, Matrix) {
        var poolStream = random.split("fixed_points.pool"), startStream = random.split("fixed_points.starts")
        let pool: Matrix
        do {
            pool = try FixedPointStarts.autonomousPool(cell: cell, input: input, batch: block.trajectories, steps: block.trajectorySteps, rng: &poolStream)
        } catch let e as RecurrentError { throw ConfigurationFailure(e.message) }
        let starts = FixedPointStarts.sample(pool: pool, count: block.initialStates, noise: block.noise, rng: &startStream)
        return (try FixedPointSearch(cell: cell, input: input, options: block.options).run(starts: starts), pool)
    }

    /// What the state-space chart draws, as `gradlab fixed-points --plot-states` draws it: the start
    /// pool's top two principal components (`pool_explained_variance`, step = j), every point in them
    /// (`point_pc`) and the first 8 autonomous runs (`trajectory_pc`, step = t, component = 2·r + j; a
    /// run whose state left the finite numbers is shorter in the pool, so runs are drawn only when every
    /// one of the `runs` is complete).
    static func projections(_ r: FixedPointReport, pool: Matrix, runs: Int, runLength: Int) throws -> [SeriesPoint] {
        let pca = try PrincipalComponents(states: pool, count: 2)
        var rows = pca.explainedVariance.enumerated().map { SeriesPoint(.poolExplainedVariance, step: $0.offset, value: $0.element) }
        for (k, p) in r.points.enumerated() {
            for (j, v) in pca.project(p.state).enumerated() { rows.append(SeriesPoint(.pointPC, step: k, component: j, value: v)) }
        }
        guard runLength > 1, pool.rows == runs * runLength else { return rows }
        for run in 0..<min(8, pool.rows / runLength) {
            for t in 0..<runLength {
                for (j, v) in pca.project(pool.row(run * runLength + t)).enumerated() {
                    rows.append(SeriesPoint(.trajectoryPC, step: t + 1, component: 2 * run + j, value: v))
                }
            }
        }
        return rows
    }

    /// Counts by kind and class, and the discarded starts.
    static func summary(_ r: FixedPointReport) -> [String: StoredValue] {
        func count(_ n: Int) -> StoredValue { .integer(Int64(n)) }
        var s: [String: StoredValue] = [:]
        s[Metric.fixedPointCount] = count(r.points.filter(\.isFixed).count)
        s[Metric.slowPointCount] = count(r.points.filter { !$0.isFixed }.count)
        for (metric, stability) in [(Metric.stablePoints, PointStability.stable), (.marginalPoints, .marginal), (.saddlePoints, .saddle), (.unstablePoints, .unstable)] {
            s[metric] = count(r.points.filter { $0.stability == stability }.count)
        }
        s[Metric.discardedStarts] = count(r.discarded)
        return s
    }

    /// One row per point and scalar (step = point index, the report's order), and per entry of the
    /// state, the read-out and the eigenvalues (component = entry). `point_stability` is the index of
    /// the class in `PointStability.allCases` (0 stable, 1 marginal, 2 saddle, 3 unstable).
    static func series(_ r: FixedPointReport, outputs: [[Double]]?) -> [SeriesPoint] {
        var rows: [SeriesPoint] = []
        for (k, p) in r.points.enumerated() {
            let scalars: [(Metric, Double)] = [
                (.pointQ, p.q), (.pointFixed, p.isFixed ? 1 : 0),
                (.pointStability, Double(PointStability.allCases.firstIndex(of: p.stability) ?? 0)),
                (.pointSpectralRadius, p.spectralRadius), (.pointUnstableModes, Double(p.unstableModes)),
                (.pointMarginalModes, Double(p.marginalModes)), (.pointHits, Double(p.hits)),
            ]
            for (metric, value) in scalars { rows.append(SeriesPoint(metric, step: k, value: value)) }
            for (i, v) in p.state.enumerated() { rows.append(SeriesPoint(.pointState, step: k, component: i, value: v)) }
            if let outputs, k < outputs.count {
                for (o, v) in outputs[k].enumerated() { rows.append(SeriesPoint(.pointOutput, step: k, component: o, value: v)) }
            }
            for (i, λ) in p.eigenvalues.enumerated() {
                rows.append(SeriesPoint(.pointEigenvalueRe, step: k, component: i, value: λ.re))
                rows.append(SeriesPoint(.pointEigenvalueIm, step: k, component: i, value: λ.im))
            }
        }
        return rows
    }
}

extension Metric {
    /// The class named by a `point_stability` value (`PointStability` order: stable, marginal, saddle,
    /// unstable); nil for any other value.
    public static func pointStabilityName(_ value: Double) -> String? {
        let k = Int(exactly: value) ?? -1
        return PointStability.allCases.indices.contains(k) ? PointStability.allCases[k].rawValue : nil
    }

    /// Every class name, in `point_stability` order.
    public static var pointStabilityNames: [String] { PointStability.allCases.map(\.rawValue) }
}
