import Foundation
import Recurrent
import Training

/// Where a `mode: train` run keeps its trained parameters: `models/<run id>.safetensors` in the run
/// directory, PyTorch state-dict names (`weight_ih_l0`, …, `head.weight`, `head.bias`) as
/// `RecurrentModel.save` writes them, with `cell`/`activation` metadata. A char-lm run adds
/// `task = char-lm` and `vocabulary` (the characters in class order, as one UTF-8 string), which
/// `gradlab sample` reads back.
public enum TrainedModelStore {
    /// The path of a run's model relative to the run directory.
    public static func relativePath(runID: String) -> String { "models/\(runID).safetensors" }

    /// Metadata keys beside the model's own.
    public static let taskKey = "task", vocabularyKey = "vocabulary"

    /// The file of a trained model for the runner to write.
    static func file(runID: String, model: RecurrentModel, task: any SequenceTask) -> (String, Data) {
        var meta = [taskKey: task.name]
        if let lm = task as? CharacterLM { meta[vocabularyKey] = lm.vocabularyString }
        return (relativePath(runID: runID), Data(model.safetensorsBytes(extraMetadata: meta)))
    }
}
