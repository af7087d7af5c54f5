import Foundation
import Linalg
import Recurrent

/// Gradient flossing's pre-training phase (Engelken 2023, "flossing before training";
/// `training.flossing.before: N`): N iterations whose only loss is the flossing loss, run before the
/// first task iteration.
///
/// Phase iteration i = 1 … N: one fresh sequence from the task (batch of 1, stream
/// `rng.split("flossing-phase")`, so the task's training batches are those of a run without the phase);
/// ∇ = ∂L_floss/∂θ on its first T_f steps (`GradientFlossing.evaluate`); with the orthogonal
/// parametrization ∂L/∂W_hh becomes ∂L/∂X; the configured clipping; a step of a fresh copy of the
/// configured optimizer at its base learning rate (the phase's moment estimates do not carry over to
/// task training; no schedule); the weight constraint. λ_1 … λ_k are recorded per phase iteration (on
/// that iteration's sequence, before its update) and on one fixed probe sequence (the stream's first
/// draw) before and after the phase, so "before" and "after" differ only by the weights.
public struct FlossingPhaseResult: Sendable, Equatable {
    /// λ_1 … λ_k of phase iteration i = 1 … N (index i − 1), on its sequence before its update.
    public var lambdas: [[Double]]
    /// The flossing loss of each phase iteration.
    public var losses: [Double]
    /// λ_1 … λ_k on the probe sequence before the first and after the last phase iteration.
    public var before: [Double]
    public var after: [Double]
}

extension GradientFlossing {
    /// Runs the pre-training phase (`before` iterations) on `model` (and on X when the parametrization
    /// is on); a phase that makes the parameters non-finite is an error naming its iteration.
    func runPhase(_ model: inout RecurrentModel, orthogonalX: inout Matrix?, _ c: TrainingConfiguration,
                  recurrentIndex: Int, rng: RandomStream) throws -> FlossingPhaseResult {
        guard self.before > 0 else { throw TrainingError("the flossing phase needs before > 0") }
        var stream = rng.split("flossing-phase")
        let probe = c.task.makeBatch(batchSize: 1, rng: &stream)
        var optimizer = c.optimizer
        let before = try evaluate(model, batch: probe).exponents
        var lambdas: [[Double]] = [], losses: [Double] = []
        lambdas.reserveCapacity(self.before)
        losses.reserveCapacity(self.before)
        for i in 1...self.before {
            let batch = c.task.makeBatch(batchSize: 1, rng: &stream)
            var f = try evaluate(model, batch: batch)
            lambdas.append(f.exponents)
            losses.append(f.loss)
            if let x = orthogonalX, let p = c.parametrization {
                f.gradients[recurrentIndex] = try p.gradient(x, weightGradient: f.gradients[recurrentIndex])
            }
            if try c.clipping.apply(to: &f.gradients).skipStep { continue }
            var tensors = model.parameters.tensors
            if let x = orthogonalX { tensors[recurrentIndex] = x }
            try optimizer.step(&tensors, gradients: f.gradients)
            if let x = orthogonalX, let p = c.parametrization {
                // X ← X + f·(X_stepped − X); W_hh from the new X.
                let next = try x.adding(try tensors[recurrentIndex].adding(x, scaledBy: -1), scaledBy: p.lrFactor)
                guard next.isFinite else { throw TrainingError("gradient flossing's pre-training phase diverged at phase iteration \(i)") }
                orthogonalX = next
                tensors[recurrentIndex] = try p.weight(next)
            }
            guard tensors.allSatisfy(\.isFinite) else {
                throw TrainingError("gradient flossing's pre-training phase diverged at phase iteration \(i)")
            }
            try c.constraint.apply(to: &tensors[recurrentIndex], gateCount: model.cell.gateCount)
            try model.setTensors(tensors)
        }
        let after = try evaluate(model, batch: probe).exponents
        return FlossingPhaseResult(lambdas: lambdas, losses: losses, before: before, after: after)
    }
}
