import Foundation

/// The kinds of file the fuzz suite mutates: experiment files (run through `gradlab validate`) and the
/// four tensor formats (run through `gradlab inspect`).
public enum FuzzFormat: String, CaseIterable, Sendable {
    case experiment, npy, npz, safetensors, pt

    /// The extension of the case file.
    public var fileExtension: String { self == .experiment ? "yaml" : rawValue }

    /// The `gradlab` subcommand a case goes through.
    public var command: String { self == .experiment ? "validate" : "inspect" }
}

/// One generated file: which seed it came from, the mutations applied (for the failure report) and its bytes.
public struct FuzzCase: Sendable {
    public let format: FuzzFormat
    public let index: Int
    public let seedName: String
    public let operations: [String]
    public let bytes: [UInt8]
}

/// The seed files: experiments/*.yaml and Tests/Fixtures/Fuzz/experiments/*.yaml for experiment files,
/// Tests/Fixtures/TensorIO/** for tensor files (by extension), each list sorted by path so that a case
/// index names the same mutation of the same seed on every machine.
public struct FuzzCorpus: Sendable {
    public let seeds: [FuzzFormat: [(name: String, bytes: [UInt8])]]

    public init(seeds: [FuzzFormat: [(name: String, bytes: [UInt8])]]) { self.seeds = seeds }

    /// Reads the seeds under the repository `root`; throws when a format has none.
    public init(root: URL) throws {
        let fm = FileManager.default
        func files(_ dir: String, recursive: Bool) -> [String] {
            let base = root.appendingPathComponent(dir).path
            let names = (recursive ? fm.enumerator(atPath: base)?.allObjects as? [String] : try? fm.contentsOfDirectory(atPath: base)) ?? []
            return names.map { dir + "/" + $0 }
        }
        let all = files("experiments", recursive: false) + files("Tests/Fixtures/Fuzz/experiments", recursive: false)
            + files("Tests/Fixtures/TensorIO", recursive: true)
        var seeds: [FuzzFormat: [(name: String, bytes: [UInt8])]] = [:]
        for path in all.sorted() {
            let ext = (path as NSString).pathExtension
            guard let format = ext == "yaml" ? .experiment : FuzzFormat(rawValue: ext), format != .experiment || ext == "yaml",
                  let data = fm.contents(atPath: root.appendingPathComponent(path).path) else { continue }
            seeds[format, default: []].append((path, [UInt8](data)))
        }
        for format in FuzzFormat.allCases where seeds[format]?.isEmpty ?? true {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no \(format.rawValue) seeds under \(root.path)"])
        }
        self.seeds = seeds
    }

    /// Case `index` of `format` under `seed`: a seed file and one to three mutations, all drawn from
    /// `FuzzRandom(seed:format:index:)`, so the same triple always gives the same bytes.
    public func makeCase(_ format: FuzzFormat, index: Int, seed: UInt64, long: Bool = false) -> FuzzCase {
        var random = FuzzRandom(seed: seed, format: format, index: index)
        let pool = seeds[format] ?? []
        guard !pool.isEmpty else { return FuzzCase(format: format, index: index, seedName: "(none)", operations: [], bytes: []) }
        let (name, original) = random.pick(pool)
        var bytes = original
        var operations: [String] = []
        for _ in 0..<random.int(1...3) {
            let op: String
            if format == .experiment {
                var m = ExperimentMutator(random: random, others: pool.map(\.bytes), long: long)
                op = m.mutate(&bytes)
                random = m.random
            } else {
                var m = TensorMutator(random: random, format: format, long: long)
                op = m.mutate(&bytes)
                random = m.random
            }
            operations.append(op)
        }
        return FuzzCase(format: format, index: index, seedName: name, operations: operations, bytes: bytes)
    }
}
