import Foundation
import Testing
import Training
@testable import Sweeps
@testable import Lab

/// `task.file` and `init.<parameter>.path` are read relative to the experiment file's directory.
@Suite struct FilePathResolutionTests {
    /// A fresh directory holding `data/corpus.txt` and `other.txt`; removed by the caller.
    func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradlab-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        for name in ["data/corpus.txt", "other.txt"] {
            try String(repeating: "abcab(ba)\n", count: 40).write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir
    }

    func yaml(file: String, extra: String = "") -> String {
        """
        name: paths
        mode: train
        model: {cell: rnn, hidden: 4}
        task: {name: char-lm, length: 10, file: \(file)}
        training: {iterations: 2}
        \(extra)
        """
    }

    /// Loaded from a file in another directory than the working one, `file: data/corpus.txt` names
    /// <file's directory>/data/corpus.txt (the task reads it while the experiment is validated), in the
    /// base tree and in a swept list alike; an absolute path is kept.
    @Test func relativeToTheExperimentFile() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("data/corpus.txt").standardizedFileURL.path
        #expect(FileManager.default.currentDirectoryPath != dir.path)
        let url = dir.appendingPathComponent("x.yaml")
        try yaml(file: "data/corpus.txt").write(to: url, atomically: true, encoding: .utf8)
        let e = try Experiment.load(path: url.path)
        #expect(e.points.first?.spec.train?.task.file == corpus)
        #expect(try e.resolvedYAML().contains(corpus))

        try yaml(file: corpus).write(to: url, atomically: true, encoding: .utf8)
        #expect(try Experiment.load(path: url.path).points.first?.spec.train?.task.file == corpus)

        let other = dir.appendingPathComponent("other.txt").standardizedFileURL.path
        try yaml(file: "data/corpus.txt", extra: "sweep: {task.file: [data/corpus.txt, \(other)]}").write(to: url, atomically: true, encoding: .utf8)
        let swept = try Experiment.load(path: url.path)
        #expect(swept.points.map { $0.spec.train?.task.file } == [corpus, other])
    }

    /// A `--set` value is relative to the working directory, where it was typed: a path relative to the
    /// experiment's directory is then not found, and the error says which file.
    @Test func overridesStayRelativeToTheWorkingDirectory() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.yaml")
        try yaml(file: "data/corpus.txt").write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: ExperimentError.self) { try Experiment.load(path: url.path, overrides: ["task.file=data/corpus.txt"]) }
        let tree = try ConfigNode.parse(yaml: yaml(file: "c.txt"), path: "/a/b/x.yaml").resolvingFilePaths(ExperimentSpec.filePathKeys)
        #expect(tree.node(at: ["task", "file"])?.canonical == "/a/b/c.txt")
        let initTree = try ConfigNode.parse(yaml: "init: {weight_hh: {kind: file, path: ../w.npy}}\nsweep: {init.weight_ih: [{kind: file, path: u.npy}]}", path: "/a/b/x.yaml")
            .resolvingFilePaths(ExperimentSpec.filePathKeys)
        #expect(initTree.node(at: ["init", "weight_hh", "path"])?.canonical == "/a/w.npy")
        #expect(initTree.node(at: ["sweep", "init.weight_ih", "0", "path"])?.canonical == "/a/b/u.npy")
    }
}
