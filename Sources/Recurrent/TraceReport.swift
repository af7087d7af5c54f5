import Foundation
import Linalg
import TensorIO

/// The data of `gradlab trace`: one forward pass and one (possibly truncated) BPTT, rendered as a
/// lecture's hand calculation (`text`) or as one JSON object (`json`).
public struct TraceReport: Sendable {
    public let model: RecurrentModel
    public let inputs: SequenceBatch
    /// Whether the input had a batch axis (B, T, D); JSON arrays then lead with B.
    public let batched: Bool
    public let outputMode: OutputMode
    public let lossName: String
    public let truncation: Truncation
    public let gradients: Gradients
    /// The tape BPTT kept: always the full tape (a trace holds and prints every step's vectors).
    public let memory: TapeMemory

    /// Throws, before running, when the full tape exceeds `memoryBudget`: a trace is not checkpointed,
    /// since what it prints is every step's vectors (as large as the tape).
    public init(model: RecurrentModel, inputs: SequenceBatch, batched: Bool, outputs: OutputMode,
                objective: Objective, truncation: Truncation, memoryBudget: MemoryBudget = .standard) throws {
        memory = TraceReport.memory(model: model, steps: inputs.steps, batch: inputs.batchSize, budget: memoryBudget)
        if memory.exceedsBudget {
            throw RecurrentError("trace keeps the full BPTT tape and prints every step's vectors (it is not checkpointed): T = \(inputs.steps), B = \(inputs.batchSize) needs \(TapeMemory.bytesText(memory.tapeBytes)) for the tape alone, more than --memory-budget \(memoryBudget); raise --memory-budget, trace a shorter input, or use gradlab diagnose (checkpointed) for long sequences")
        }
        self.model = model
        self.inputs = inputs
        self.batched = batched
        outputMode = outputs
        lossName = objective.name
        self.truncation = truncation
        gradients = try model.gradients(inputs, outputs: outputs, objective: objective, truncation: truncation)
    }

    /// The full tape of every layer and direction (`RecurrentCell.tapeBytes`) under `budget`.
    public static func memory(model: RecurrentModel, steps t: Int, batch b: Int, budget: MemoryBudget) -> TapeMemory {
        var bytes = 0.0
        for layer in 0..<model.layers { for reverse in (model.bidirectional ? [false, true] : [false]) {
            bytes += model.makeCell(layer: layer, reverse: reverse).tapeBytes(steps: t, batch: b)
        } }
        return TapeMemory(strategy: .fullTape, tapeBytes: bytes, fullTapeBytes: bytes, budget: budget, what: "the BPTT tape")
    }

    var steps: Int { inputs.steps }
    var batch: Int { inputs.batchSize }
    var h: Int { model.hiddenSize }
    /// The width of `forward.hidden` and `gradients.hidden`: H, or dirs·H for the top layer of a stacked model.
    var w: Int { gradients.forward.hiddenSize }

    /// Row `b` of step `t` (1-based) of a time-major T × B × width array.
    func row(_ a: [Double], _ t: Int, _ b: Int, _ width: Int) -> [Double] {
        let lo = ((t - 1) * batch + b) * width
        return Array(a[lo ..< lo + width])
    }

    var truncationDescription: String {
        switch truncation {
        case .none: "full BPTT"
        case .chunks(let k): "truncated BPTT, chunks of \(k) (PyTorch recipe)"
        case let .williamsPeng(k1, k2): "truncated BPTT(k1 = \(k1), k2 = \(k2)) (Williams & Peng)"
        }
    }

    /// The probabilities the loss scores, when it scores probabilities: sigmoid(y) per output for bce,
    /// softmax(y) over the outputs for ce (the header word and the map); nil for mse and no loss.
    var outputProbabilities: (name: String, map: ([Double]) -> [Double])? {
        switch lossName {
        case "bce": ("sigmoid(y_t)", { $0.map(logistic) })
        case "ce": ("softmax(y_t)", softmax)
        default: nil
        }
    }

    // MARK: JSON

    /// One JSON object: `loss`, `hidden`, `cell` (LSTM), `outputs`, `probabilities` (bce: sigmoid(y),
    /// ce: softmax(y), shaped like `outputs`), `dL_dh`, `dL_dh_norm`, `grads`
    /// (parameter names and `input`), plus `dL_dc`, `dL_dc_norm` (LSTM), `dW_hh_step_log10_norm`,
    /// `segment_losses`. Per-step arrays are (T, …), with a leading B when the input was batched.
    /// Stacked models: `hidden`, `dL_dh` … are the top layer's outputs (width dirs·H, [fwd; bwd]);
    /// `num_layers`, `bidirectional` and `layers` (per layer and direction: `layer`, `direction`,
    /// `hidden`, `dL_dh`, `dL_dh_norm`, LSTM `cell_state`, `dL_dc`, `dL_dc_norm`, `dW_hh_step_log10_norm`)
    /// are added.
    public func json() -> String {
        let g = gradients, f = g.forward
        func perStep(_ a: [Double], width: Int, steps t: Int) -> JSONValue {
            let seqs = (0..<batch).map { b in JSONValue.array((1...t).map { s in
                let lo = ((s - 1) * batch + b) * width
                return .numbers(Array(a[lo ..< lo + width]))
            }) }
            return batched ? .array(seqs) : seqs[0]
        }
        let tOut = outputMode == .last ? 1 : steps
        var outputs = perStep(f.outputs, width: f.outputSize, steps: tOut)
        if outputMode == .last {   // drop the T axis
            if batched, case .array(let seqs) = outputs { outputs = .array(seqs.map { if case .array(let r) = $0 { r[0] } else { $0 } }) }
            else if case .array(let r) = outputs { outputs = r[0] }
        }
        var grads: [(String, JSONValue)] = g.parameters.pairs.map { p in
            (p.name, p.tensor.cols == 1 && p.name.contains("bias") ? .numbers(p.tensor.elements) : .array(p.tensor.rowArrays.map(JSONValue.numbers)))
        }
        grads.append(("input", perStep(g.input, width: model.inputSize, steps: steps)))
        var fields: [(String, JSONValue)] = [
            ("cell", .string(model.cell.name)),
            ("loss_name", .string(lossName)),
            ("outputs_mode", .string(outputMode.rawValue)),
            ("truncation", .string(truncationDescription)),
            ("memory", memory.jsonValue),
            ("loss", .number(g.loss)),
            ("hidden", perStep(f.hidden, width: w, steps: steps)),
        ]
        if let c = f.cell { fields.append(("cell_state", perStep(c, width: w, steps: steps))) }
        fields.append(("outputs", outputs))
        if let (_, probabilities) = outputProbabilities {
            // The same nesting as `outputs`, each output vector mapped.
            func mapped(_ v: JSONValue) -> JSONValue {
                guard case .array(let items) = v else { return v }
                if items.allSatisfy({ if case .number = $0 { true } else { false } }) {
                    return .numbers(probabilities(items.map { if case .number(let x) = $0 { x } else { .nan } }))
                }
                return .array(items.map(mapped))
            }
            fields.append(("probabilities", mapped(outputs)))
        }
        fields += [
            ("dL_dh", perStep(g.hidden, width: w, steps: steps)),
            ("dL_dh_norm", .numbers(g.hiddenNorms)),
        ]
        if let c = g.cell, let n = g.cellNorms { fields += [("dL_dc", perStep(c, width: w, steps: steps)), ("dL_dc_norm", .numbers(n))] }
        if model.isStacked {
            fields += [("num_layers", .number(Double(model.layers))), ("bidirectional", .bool(model.bidirectional))]
            fields.append(("layers", .array(zip(f.layers, g.layers).map { states, flow in
                var unit: [(String, JSONValue)] = [
                    ("layer", .number(Double(flow.layer))), ("direction", .string(flow.reverse ? "reverse" : "forward")),
                    ("hidden", perStep(states.hidden, width: h, steps: steps)),
                    ("dL_dh", perStep(flow.hidden, width: h, steps: steps)),
                    ("dL_dh_norm", .numbers(flow.hiddenNorms)),
                ]
                if let c = states.cell, let dc = flow.cell, let n = flow.cellNorms {
                    unit += [("cell_state", perStep(c, width: h, steps: steps)), ("dL_dc", perStep(dc, width: h, steps: steps)), ("dL_dc_norm", .numbers(n))]
                }
                unit.append(("dW_hh_step_log10_norm", .numbers(flow.recurrentWeightStepLog10Norms)))
                return .object(unit)
            })))
        }
        fields += [
            ("dW_hh_step_log10_norm", .numbers(g.recurrentWeightStepLog10Norms)),
            ("segment_losses", .numbers(g.segmentLosses)),
            ("grads", .object(grads)),
        ]
        return JSONValue.object(fields).rendered()
    }
}
