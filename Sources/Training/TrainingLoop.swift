import Foundation
import Linalg
import Recurrent

/// Trains `model` on fresh minibatches of `configuration.task` until the task is solved on the
/// held-out set or the iteration budget is spent, and returns the per-iteration records.
///
/// Before iteration 1: with the orthogonal parametrization, W_hh from X's initial value; with
/// `flossing.before` = N > 0, N flossing-only iterations (`GradientFlossing.runPhase`).
/// Per iteration i = 1 … budget:
/// 1. lr ← schedule(base lr, i − 1); a fresh batch from the stream `rng.split("train")`;
/// 2. loss and exact BPTT gradients from the recurrent core (mean loss over scored steps), or, with
///    dropout on, from `DropoutWorkspace` under masks drawn from `rng.split("dropout")`;
/// 3. with Ω on (vanilla cells): ∂L/∂W_hh += α·∂Ω/∂W_hh (`VanishingGradientRegularizer`); with the
///    flossing (every n iterations), + ∂L_floss on the batch's first sequence; with the
///    orthogonal parametrization, ∂L/∂W_hh becomes ∂L/∂X and the optimizer updates X, W_hh = exp(A(X))
///    or its Cayley transform, per gate block;
/// 4. Pascanu's guard (if on) replaces a NaN/∞/huge gradient; otherwise the clipping method runs;
/// 5. the optimizer updates the parameters (unless clipping asked to skip the step), then the weight
///    constraint (if any) projects W_hh;
/// 6. every `evaluationInterval` iterations (and at the end) the held-out set — generated once from
///    `rng.split("evaluation")` — gives `evalLoss` and `accuracy`; the run stops when the task's
///    criterion is met (`stopWhenSolved`) or when the parameters become non-finite (`diverged`).
/// Same model, configuration and stream ⇒ bit-identical results.
///
/// Buffers live for the whole run (`TrainingBuffers`): a one-layer core with batches scored uniformly
/// (last step or every step), without dropout or Ω, runs BPTT on a `GradientWorkspace` tape, writes its
/// gradients into one `[Matrix]`, clips them in place, and the optimizer steps a second parameter set
/// that is then exchanged with the model's; held-out batches run forward on a workspace of their own.
/// Bit-identical to the allocating path (`batchGradients`, `RecurrentModel.forward`), which the other
/// cases still take.
public func train(_ initialModel: RecurrentModel, _ configuration: TrainingConfiguration,
                  rng: RandomStream) throws -> TrainingResult {
    let c = configuration, task = c.task
    var model = initialModel
    var optimizer = c.optimizer
    let baseRate = optimizer.learningRate
    try validate(model, c)
    // An LRU has no W_hh: its recurrence is nu_log/theta_log (validate refuses what would act on W_hh).
    guard let recurrentIndex = model.parameters.index(of: model.cell == .lru ? LRUName.name("nu_log") : ParameterName.weightHH) else {
        throw TrainingError("the model has no '\(ParameterName.weightHH)'")
    }
    let guardrail = c.nonFiniteGuard ? NonFiniteGuard(recurrentIndex: recurrentIndex) : nil

    var trainStream = rng.split("train"), evalStream = rng.split("evaluation"), dropoutStream = rng.split("dropout")
    var dropoutWorkspace: DropoutWorkspace? = nil
    let heldOut = (0..<c.evaluationBatches).map { _ in
        task.makeEvaluationBatch(batchSize: c.evaluationBatchSize, rng: &evalStream)
    }
    var records: [TrainingRecord] = [], snapshots: [GradientFlowSnapshot] = []
    var solvedAt: Int? = nil, diverged = false, lastLoss = Double.nan, iterationsRun = 0

    // Orthogonal parametrization: X is trained in W_hh's optimizer slot, W_hh = W(X) per gate block.
    var orthogonalX: Matrix? = nil
    if let p = c.parametrization {
        var stream = rng.split("parametrization")
        let x = p.initialParameter(hidden: model.hiddenSize, blocks: model.cell.gateCount, rng: &stream)
        var tensors = model.parameters.tensors
        tensors[recurrentIndex] = try p.weight(x)
        try model.setTensors(tensors)
        orthogonalX = x
    }
    // Gradient flossing's pre-training phase (FlossingPhase.swift).
    var flossingPhase: FlossingPhaseResult? = nil
    if let floss = c.flossing, floss.before > 0 {
        flossingPhase = try floss.runPhase(&model, orthogonalX: &orthogonalX, c, recurrentIndex: recurrentIndex, rng: rng)
    }

    var buffers = TrainingBuffers(usesWorkspace: !c.dropout.isActive && c.omegaWeight == 0 && GradientWorkspace.supports(model))
    var step = BatchStep(loss: .nan, gradients: [], hiddenNorms: [], core: nil)

    var initial = TrainingRecord(iteration: 0)
    (initial.evalLoss, initial.accuracy) = try evaluate(model, heldOut, task.criterion, workspace: buffers.evaluation(model, heldOut, trainingBatch: c.batchSize))
    try describeRecurrentWeight(model, into: &initial)
    initial.evaluationProbe = try probe(c, model, heldOut)
    records.append(initial)
    if let e = initial.evalLoss,
       TaskLoss.isSolved(loss: e, accuracy: initial.accuracy ?? 0, criterion: task.criterion) {
        solvedAt = 0
    }

    var iteration = 0
    while !(c.stopWhenSolved && solvedAt != nil), iteration < c.iterations {
        iteration += 1
        iterationsRun = iteration
        var record = TrainingRecord(iteration: iteration)
        record.learningRate = c.schedule.rate(base: baseRate, step: iteration - 1)
        optimizer.learningRate = record.learningRate

        let batch = task.makeBatch(batchSize: c.batchSize, rng: &trainStream)
        if c.dropout.isActive {
            let workspace = dropoutWorkspace.flatMap { $0.steps == batch.length && $0.batch == batch.batchSize ? $0 : nil }
                ?? DropoutWorkspace(model: model, steps: batch.length, batch: batch.batchSize)
            dropoutWorkspace = workspace
            workspace.drawMasks(c.dropout, rng: &dropoutStream)
            let loss = try workspace.step(model, batch)
            step = BatchStep(loss: loss, gradients: workspace.gradients, hiddenNorms: workspace.hiddenNorms, core: nil)
        } else if let mode = batch.uniformOutputMode, let workspace = try buffers.training(model, batch) {
            step.core = nil
            step.loss = try workspace.gradients(model, batchFirstInputs: batch.inputs, steps: batch.length, outputs: mode,
                                                objective: batch.objective(mode), into: &step.gradients, hiddenNorms: &step.hiddenNorms)
        } else {
            step = try batchGradients(model, batch)
        }
        record.loss = step.loss
        lastLoss = step.loss
        if c.omegaWeight > 0 {
            let omega = try regularizer(model, step)
            record.omega = omega.value
            step.gradients[recurrentIndex] = try step.gradients[recurrentIndex].adding(omega.gradient, scaledBy: c.omegaWeight)
        }

        if let floss = c.flossing, floss.applies(at: iteration) {
            let f = try floss.evaluate(model, batch: batch)
            (record.flossLoss, record.flossLambda1) = (f.loss, f.exponents.first ?? .nan)
            step.gradients = try zip(step.gradients, f.gradients).map { try $0.adding($1) }
        }
        if let x = orthogonalX, let p = c.parametrization {
            step.gradients[recurrentIndex] = try p.gradient(x, weightGradient: step.gradients[recurrentIndex])
        }

        let norm = globalNorm(step.gradients)
        if let guardrail, guardrail.apply(to: &step.gradients, parameters: model.parameters.tensors, totalNorm: norm) {
            record.guarded = true
            record.gradNorm = norm
            record.gradNormClipped = globalNorm(step.gradients)
        } else {
            let report = try c.clipping.apply(to: &step.gradients)
            (record.gradNorm, record.gradNormClipped) = (report.normBefore, report.normAfter)
            record.clipped = report.clipped
            record.skipped = report.skipStep
        }
        if !record.skipped, orthogonalX == nil {
            // The optimizer steps a copy of the parameters (buffers kept for the run), which the model
            // then takes in exchange for its previous set; a diverged step leaves the model as it was.
            buffers.copyParameters(of: model)
            try optimizer.step(&buffers.parameters, gradients: step.gradients)
            diverged = !buffers.parameters.allSatisfy(\.isFinite)
            if !diverged, c.constraint != .none {
                if iteration % c.spectralInterval == 0 || iteration % c.evaluationInterval == 0 || iteration == c.iterations {
                    (record.spectralRadiusBefore, record.sigmaMaxBefore) = try describe(buffers.parameters[recurrentIndex])
                }
                record.constrained = try c.constraint.apply(to: &buffers.parameters[recurrentIndex], gateCount: model.cell.gateCount)
            }
            if !diverged { try model.exchangeTensors(&buffers.parameters) }
        } else if !record.skipped {
            var tensors = model.parameters.tensors
            if let x = orthogonalX { tensors[recurrentIndex] = x }
            try optimizer.step(&tensors, gradients: step.gradients)
            var steppedX: Matrix? = nil
            if let x = orthogonalX, let p = c.parametrization {
                let next = p.lrFactor == 1 ? tensors[recurrentIndex]
                    : try x.adding(try tensors[recurrentIndex].adding(x, scaledBy: -1), scaledBy: p.lrFactor)
                tensors[recurrentIndex] = next.isFinite ? try p.weight(next) : next
                steppedX = next
            }
            diverged = !tensors.allSatisfy(\.isFinite)
            if !diverged, let steppedX { orthogonalX = steppedX }
            if !diverged, c.constraint != .none {
                if iteration % c.spectralInterval == 0 || iteration % c.evaluationInterval == 0 || iteration == c.iterations {
                    (record.spectralRadiusBefore, record.sigmaMaxBefore) = try describe(tensors[recurrentIndex])
                }
                record.constrained = try c.constraint.apply(to: &tensors[recurrentIndex], gateCount: model.cell.gateCount)
            }
            if !diverged { try model.setTensors(tensors) }
        }

        let norms = step.hiddenNorms, last = norms.last ?? 0
        record.gradientReach = Double(norms.filter { $0 > c.reachThreshold * last }.count) / Double(max(norms.count, 1))
        if c.snapshotInterval > 0, iteration % c.snapshotInterval == 0 {
            snapshots.append(GradientFlowSnapshot(iteration: iteration, log10Norms: norms.map { Foundation.log10($0) }))
        }
        let evaluateNow = iteration % c.evaluationInterval == 0 || iteration == c.iterations || diverged
        if evaluateNow {
            (record.evalLoss, record.accuracy) = try evaluate(model, heldOut, task.criterion, workspace: buffers.evaluation(model, heldOut, trainingBatch: c.batchSize))
            record.evaluationProbe = try probe(c, model, heldOut)
            if let e = record.evalLoss, TaskLoss.isSolved(loss: e, accuracy: record.accuracy ?? 0, criterion: task.criterion) {
                if solvedAt == nil { solvedAt = iteration }
            }
        }
        if evaluateNow || iteration % c.recordInterval == 0 {
            if evaluateNow || iteration % c.spectralInterval == 0 { try describeRecurrentWeight(model, into: &record) }
            records.append(record)
        }
        if diverged { break }
    }

    let final = records.last { $0.evalLoss != nil }
    return TrainingResult(records: records, snapshots: snapshots, solved: solvedAt != nil, iterationsToSolve: solvedAt,
                          iterations: iterationsRun, diverged: diverged, finalLoss: lastLoss,
                          finalEvalLoss: final?.evalLoss ?? .nan, finalAccuracy: final?.accuracy,
                          baselineLoss: task.baselineLoss, model: model, flossingPhase: flossingPhase)
}

private func validate(_ model: RecurrentModel, _ c: TrainingConfiguration) throws {
    let task = c.task
    guard model.inputSize == task.inputSize else {
        throw TrainingError("task '\(task.name)' has \(task.inputSize) inputs per step but the model expects \(model.inputSize)")
    }
    guard model.outputSize == task.output.size else {
        throw TrainingError("task '\(task.name)' needs \(task.output.size) outputs per step but the model has \(model.outputSize)")
    }
    guard c.batchSize > 0, c.iterations >= 0, c.evaluationInterval > 0, c.recordInterval > 0, c.spectralInterval > 0,
          c.evaluationBatches > 0, c.evaluationBatchSize > 0, c.snapshotInterval >= 0 else {
        throw TrainingError("batch sizes and intervals must be positive and the budget non-negative")
    }
    try c.clipping.validate()
    try c.schedule.validate()
    try c.constraint.validate()
    var isVanilla = false
    if case .rnn = model.cell { isVanilla = true }
    guard c.omegaWeight == 0 || isVanilla else {
        throw TrainingError("the Ω regularizer is defined for vanilla (rnn) cells, not \(model.cell)")
    }
    try c.dropout.validate()
    if let floss = c.flossing {
        try floss.validate(hidden: model.hiddenSize)
        guard case .rnn(.tanh) = model.cell, !model.isStacked else {
            throw TrainingError("gradient flossing is implemented for one-layer tanh rnn cells, not \(model.cell)")
        }
    }
    if let p = c.parametrization {
        try p.validate(hidden: model.hiddenSize)
        guard !model.cell.family.hasDiagonalRecurrence, !model.isStacked else {
            throw TrainingError("the orthogonal parametrization is implemented for one-layer rnn, lstm and gru cells, not \(model.cell)")
        }
        guard c.constraint == .none, !c.nonFiniteGuard else {
            throw TrainingError("the orthogonal parametrization keeps W_hh orthogonal itself; remove training.constraint and clipping.nan_guard")
        }
    }
    if model.cell == .lru {
        guard c.constraint == .none, !c.nonFiniteGuard else {
            throw TrainingError("training.constraint and clipping.nan_guard act on W_hh, which an lru cell does not have (its eigenvalues are λ = exp(−exp(nu_log) + i·exp(theta_log)), |λ| < 1 by construction)")
        }
    }
    if c.dropout.isActive {
        guard isVanilla, !model.isStacked, model.headSize != nil else {
            throw TrainingError("dropout is implemented for one-layer rnn cells with a read-out, not \(model.cell)")
        }
        guard c.omegaWeight == 0 else { throw TrainingError("dropout and the Ω regularizer cannot be combined (Ω reads the core's tape)") }
    }
}

/// Loss, gradients (parameter order) and the core's BPTT internals for one batch.
struct BatchStep {
    var loss: Double
    var gradients: [Matrix]
    /// ‖∂L/∂h_t‖ over the batch, t = 1 … T.
    var hiddenNorms: [Double]
    /// The core's full result (nil when the batch had to be split per sequence).
    var core: Gradients?
}

func batchGradients(_ model: RecurrentModel, _ batch: TaskBatch) throws -> BatchStep {
    if let mode = batch.uniformOutputMode {
        let g = try model.gradients(batch.sequenceBatch(), outputs: mode, objective: batch.objective(mode))
        return BatchStep(loss: g.loss, gradients: g.parameters.tensors, hiddenNorms: g.hiddenNorms, core: g)
    }
    // Sequences scored at different last steps (sentiment corpus): one pass per sequence, cut after
    // its scored step; loss and gradients are the mean over sequences (one scored entry each).
    var sum: BatchStep? = nil
    var longest = -1
    for b in 0..<batch.batchSize {
        let scored = batch.scoredSteps(of: b)
        guard scored.count == 1, let end = scored.first else {
            throw TrainingError("sequence \(b) has \(scored.count) scored steps; mixed batches need one scored step per sequence")
        }
        let one = batch.prefix(of: b, through: end)
        let g = try model.gradients(one.sequenceBatch(), outputs: .last, objective: one.objective(.last))
        let scale = 1 / Double(batch.batchSize)
        if var s = sum {
            s.loss += scale * g.loss
            s.gradients = try zip(s.gradients, g.parameters.tensors).map { try $0.adding($1, scaledBy: scale) }
            if end > longest { s.hiddenNorms = g.hiddenNorms }
            sum = s
        } else {
            sum = BatchStep(loss: scale * g.loss, gradients: g.parameters.tensors.map { $0.scaled(by: scale) },
                            hiddenNorms: g.hiddenNorms, core: nil)
        }
        longest = max(longest, end)
    }
    guard let result = sum else { throw TrainingError("empty batch") }
    return result
}

/// Ω from the core's tape: δ_t = `Gradients.hidden`, φ'(z_t) from the cached z_t and h_t.
private func regularizer(_ model: RecurrentModel, _ step: BatchStep) throws -> VanishingGradientRegularizer {
    guard case .rnn(let activation) = model.cell, let g = step.core,
          let w = model.parameters[ParameterName.weightHH] else {
        throw TrainingError("the Ω regularizer needs a vanilla cell and a batch scored uniformly (last step or all steps)")
    }
    let z = g.forward.cache, h = g.forward.hidden
    let phi = (0..<z.count).map { activation.derivative(z: z[$0], h: h[$0]) }
    return try VanishingGradientRegularizer(recurrentWeight: w, stateGradients: g.hidden, activationDerivatives: phi,
                                            batchSize: g.forward.batchSize)
}

/// Held-out loss (mean over scored entries of all batches) and accuracy (fraction of correct
/// sequences; nil when the criterion defines none).
/// `workspace` (one-layer models, batches of its size) runs the forward passes on buffers of its own.
func evaluate(_ model: RecurrentModel, _ batches: [TaskBatch], _ criterion: SuccessCriterion,
              workspace: GradientWorkspace? = nil) throws -> (Double, Double?) {
    var lossSum = 0.0, scored = 0, correct = 0, sequences = 0
    for batch in batches {
        let result = try TaskLoss(outputs: try batchFirstOutputs(model, batch, workspace: workspace), batch: batch, criterion: criterion)
        lossSum += result.loss * Double(batch.scoredCount)
        scored += batch.scoredCount
        correct += result.sequenceCorrect.filter { $0 }.count
        sequences += batch.batchSize
    }
    let accuracy = criterion.definesAccuracy ? Double(correct) / Double(max(sequences, 1)) : nil
    return (lossSum / Double(max(scored, 1)), accuracy)
}

/// The configuration's evaluation probe on the first held-out batch (empty without one).
private func probe(_ c: TrainingConfiguration, _ model: RecurrentModel, _ heldOut: [TaskBatch]) throws -> [Double] {
    guard let probe = c.evaluationProbe, let batch = heldOut.first else { return [] }
    return try probe(model, batch)
}

/// ρ(W_hh) (square W_hh only) and σ_max(W_hh).
private func describeRecurrentWeight(_ model: RecurrentModel, into record: inout TrainingRecord) throws {
    // An IndRNN's W_hh = diag(u): σ_max = ρ = max_j |u_j|, without an O(H³) factorisation.
    if model.cell.family.hasDiagonalRecurrence, let u = model.parameters[ParameterName.weightHH], u.isFinite {
        let top = u.elements.reduce(0) { max($0, abs($1)) }
        record.sigmaMax = top
        record.spectralRadius = top
        return
    }
    // An LRU's real-form W_hh is normal: σ_max = ρ = max_j |λ_j| = max_j exp(−exp(nu_log_j)).
    if model.cell == .lru, let nu = model.parameters[LRUName.name("nu_log")], nu.isFinite {
        let top = nu.elements.reduce(0) { max($0, Foundation.exp(-Foundation.exp($1))) }
        record.sigmaMax = top
        record.spectralRadius = top
        return
    }
    guard let w = model.parameters[ParameterName.weightHH] else { return }
    (record.spectralRadius, record.sigmaMax) = try describe(w)
}

/// (ρ(w), σ_max(w)); ρ is NaN for a non-square w, both NaN for a non-finite one.
private func describe(_ w: Matrix) throws -> (rho: Double, sigma: Double) {
    guard w.isFinite else { return (.nan, .nan) }
    return (w.isSquare ? try w.spectralRadius() : .nan, try w.spectralNorm())
}
