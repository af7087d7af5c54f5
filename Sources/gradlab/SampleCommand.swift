import ArgumentParser
import Foundation
import Lab
import Linalg
import Recurrent
import TensorIO
import Training

/// `gradlab sample RUN_DIR --run RUN_ID`: text from a char-lm model trained by `gradlab run`.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a char-lm model trained by 'gradlab run' (RUN_DIR/models/RUN_ID.safetensors).",
        discussion: """
        Reads the trained parameters and the vocabulary stored with them, feeds --prime (if any), then \
        draws --length characters, each from softmax(logits / temperature). --temperature 0 takes the \
        most likely character every step (deterministic, --seed unused). Run ids are the run_id column \
        of RUN_DIR/runs.csv. Prints the prime followed by the generated text.
        """
    )

    @Argument(help: "A run directory written by gradlab run (mode train, task char-lm).")
    var runDirectory: String
    @Option(name: .customLong("run"), help: "The run id (runs.csv's run_id).")
    var runID: String
    @Option(help: "Characters to generate.")
    var length: Int = 200
    @Option(help: "Softmax temperature τ ≥ 0 (0 = argmax).")
    var temperature: Double = 1
    @Option(help: "Seed of the draws.")
    var seed: UInt64 = 0
    @Option(help: "Text the model reads before generating (characters of its vocabulary).")
    var prime: String = ""

    func validate() throws {
        guard (0...CharacterSampler.maxLength).contains(length) else {
            throw ValidationError("--length must be between 0 and \(CharacterSampler.maxLength), got \(length).")
        }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be a finite number ≥ 0, got \(temperature).") }
        guard !runID.isEmpty, !runID.contains("/"), !runID.contains("..") else { throw ValidationError("--run must be a run id from runs.csv, got '\(runID)'.") }
    }

    func run() throws {
        let path = URL(fileURLWithPath: runDirectory).appendingPathComponent(TrainedModelStore.relativePath(runID: runID)).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw UserError("\(path): no trained model for run '\(runID)' (mode train writes models/<run id>.safetensors; run ids are in runs.csv)")
        }
        let archive = try TensorArchive.load(path)
        guard archive.metadata[TrainedModelStore.taskKey] == "char-lm", let vocabulary = archive.metadata[TrainedModelStore.vocabularyKey] else {
            throw UserError("\(path): not a char-lm model (its metadata has no vocabulary)")
        }
        let model = try RecurrentModel.read(path).model
        do {
            let sampler = try CharacterSampler(model: model, vocabulary: Array(vocabulary.unicodeScalars))
            var rng = RandomStream(seed: seed).split("sample")
            print(prime + (try sampler.sample(length: length, temperature: temperature, prime: prime, rng: &rng)))
        } catch let e as TrainingError {
            throw UserError("\(path): \(e.message)")
        }
    }
}
