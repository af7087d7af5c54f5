import Foundation
import Testing

/// `gradlab sample`: text from a char-lm run, argmax at τ = 0 whatever the seed, errors that say what is wrong.
@Suite struct SampleCommandTests {
    static let yaml = """
    name: sample-test
    mode: train
    seed: 3
    model: {cell: rnn, hidden: 8}
    task: {name: char-lm, length: 10, generator: dyck}
    training: {iterations: 30, eval_every: 15, eval_batches: 1, eval_batch_size: 10, batch_size: 4}
    """

    @Test func samplesFromATrainedRun() throws {
        let dir = try InitCLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.yaml")
        try Self.yaml.write(to: file, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("run").path
        _ = try gradlabOutput(["run", file.path, "--out", out, "--progress", "none"])
        let csv = try String(contentsOfFile: out + "/runs.csv", encoding: .utf8)
        let header = csv.split(separator: "\n")[0].split(separator: ",").map(String.init)
        let column = try #require(header.firstIndex(of: "run_id"))
        let runID = String(csv.split(separator: "\n")[1].split(separator: ",")[column])
        let a = try gradlabOutput(["sample", out, "--run", runID, "--length", "40", "--temperature", "0", "--seed", "1", "--prime", "(["])
        let b = try gradlabOutput(["sample", out, "--run", runID, "--length", "40", "--temperature", "0", "--seed", "2", "--prime", "(["])
        #expect(a == b && a.hasPrefix("([") && a.unicodeScalars.count == 43)
        #expect(a.unicodeScalars.dropLast().allSatisfy { "()[]".unicodeScalars.contains($0) })
        let warm = try gradlabOutput(["sample", out, "--run", runID, "--length", "40", "--temperature", "1", "--seed", "1"])
        #expect(warm.unicodeScalars.count == 41)

        let missing = try gradlab(["sample", out, "--run", "nope"])
        #expect(missing.status == 1 && missing.stderr.hasPrefix("error: ") && missing.stderr.contains("no trained model for run 'nope'"))
        let badPrime = try gradlab(["sample", out, "--run", runID, "--prime", "x"])
        #expect(badPrime.status == 1 && badPrime.stderr.contains("not in the model's vocabulary"), "\(badPrime.stderr)")
        let badTemperature = try gradlab(["sample", out, "--run", runID, "--temperature=-1"])
        #expect(badTemperature.status != 0 && badTemperature.stderr.contains("--temperature must be a finite number ≥ 0"))
    }
}
