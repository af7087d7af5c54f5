import Foundation
import Linalg

/// One swept value of a grid point: its dotted path, its canonical text (`0.9`, `tanh`, `{kind: …}`;
/// configuration identities are made of it) and its typed value as stored in the `runs` column named
/// by the path (an unquoted integer or number stays numeric, anything else is text).
public struct SweptValue: Sendable, Equatable {
    public let path: String
    public let text: String
    public let value: StoredValue

    init(path: String, node: ConfigNode) {
        self.path = path
        text = node.canonical
        if case let .scalar(s) = node, !s.quoted, let i = Int64(text) {
            value = .integer(i)
        } else if case let .scalar(s) = node, !s.quoted, let d = Double(text), text.contains(where: \.isNumber) {
            value = .number(d)
        } else {
            value = .text(text)
        }
    }
}

/// A grid point: the decoded, validated configuration with its swept values substituted.
public struct GridPoint<Spec: SweepSpec>: Sendable {
    /// Position in the grid (0-based, see `Grid`).
    public let index: Int
    /// Swept values in `Grid.sweptPaths` order.
    public let values: [SweptValue]
    /// The decoded configuration, shared by the point's replicates (a `Configuration` stays small).
    private let box: Box
    public var spec: Spec { box.spec }

    init(index: Int, values: [SweptValue], spec: Spec) {
        self.index = index
        self.values = values
        box = Box(spec)
    }

    private final class Box: Sendable {
        let spec: Spec
        init(_ spec: Spec) { self.spec = spec }
    }

    /// The configuration identity: `path=value` pairs sorted by path, joined by `,` (empty without a
    /// sweep). Seeds and run ids derive from it, so they do not depend on the grid's order.
    public var identity: String {
        values.sorted { $0.path < $1.path }.map { "\($0.path)=\($0.text)" }.joined(separator: ",")
    }

    /// 16 hex digits of the identity's hash: the run ids of this point's replicates without their
    /// `-r<replicate>` suffix (`GridOrder` maps it back to the point's index).
    public var runStem: String {
        let hash = String(RandomStream.stableHash(identity), radix: 16)
        return String(repeating: "0", count: 16 - hash.count) + hash
    }
}

/// A unit of work: a grid point and one replicate.
public struct Configuration<Spec: SweepSpec>: Sendable {
    public let point: GridPoint<Spec>
    /// 0-based replicate number.
    public let replicate: Int

    public init(point: GridPoint<Spec>, replicate: Int) {
        self.point = point
        self.replicate = replicate
    }

    public var spec: Spec { point.spec }

    /// Stable key of this configuration and replicate: 16 hex digits of the identity's hash, `-r`,
    /// the replicate (e.g. `3f9c0a1b22d4e871-r2`).
    public var runID: String { point.runStem + "-r\(replicate)" }

    /// The random stream of this configuration and replicate:
    /// `RandomStream(seed: spec.seed).split(identity).split(replicate)`. Executors split it further
    /// by purpose (`split("init.weight_hh")`, `split("input")`) so adding a draw in one place does not
    /// shift the others.
    public var randomStream: RandomStream {
        RandomStream(seed: spec.seed).split(point.identity).split(UInt64(replicate))
    }

    /// The swept value at a dotted path, if that path is swept.
    public func sweptValue(_ path: String) -> SweptValue? { point.values.first { $0.path == path } }
}

/// What the runner core needs of one decoded configuration (module Lab's `ExperimentSpec` is the
/// one `gradlab` uses). Decoding rejects unknown keys and misspelt choices with coding paths
/// (`SchemaIssue`), which `Sweep` locates in the file.
public protocol SweepSpec: Decodable, Sendable {
    /// The experiment's name (it names the run directory).
    var name: String { get }
    /// The experiment seed; each configuration and replicate derives its own stream from it.
    var seed: UInt64 { get }
    /// Independent draws per grid point.
    var replicates: Int { get }
    /// Checks ranges and combinations of one decoded grid point; throws `SchemaIssue` with the
    /// offending path (or an `ExperimentError`).
    func validate(sweptPaths: [String]) throws
    /// Keys whose values are file paths, resolved against the experiment file's directory
    /// (`ConfigNode.resolvingFilePaths`; default none).
    static var filePathKeys: [String] { get }
}

/// An experiment file, loaded: overrides applied, limits checked, every grid point decoded and
/// validated once, one at a time. Nothing proportional to the grid is kept: `points` and
/// `configurations` decode a grid point when it is read (from its index, `Grid.point`), so the size of
/// any grid is known in constant memory.
public struct Sweep<Spec: SweepSpec>: Sendable {
    /// The file it came from.
    public let source: String
    /// The experiment tree after overrides (still holding `sweep:` and `zip:`).
    public let tree: ConfigNode
    public let grid: Grid
    public let overrides: [Override]
    public let name: String
    public let replicates: Int
    private let decoder: PointDecoder<Spec>

    /// The grid points in grid order, each decoded when read.
    public var points: GridPoints<Spec> { GridPoints(decoder: decoder) }
    /// Grid points × replicates (at most `Limits.configurations`).
    public var runCount: Int { grid.count * replicates }

    /// Loads an experiment file (YAML or JSON, at most `Limits.fileBytes`). Errors are `ExperimentError`s
    /// located in the file (or in the `--set` argument).
    public static func load(path: String, overrides: [String] = []) throws -> Sweep {
        try Sweep(text: try readExperimentFile(path), source: path, overrides: overrides)
    }

    /// Parses and checks experiment text; `source` names it in errors.
    public init(text: String, source: String, overrides: [String] = []) throws {
        var tree = try ConfigNode.parse(yaml: text, path: source)
        guard tree.entries != nil else { throw ExperimentError(tree.origin, "an experiment file is a mapping of keys (name:, mode:, model:, …)") }
        let parsed = try overrides.map(Override.init)
        for o in parsed { try o.apply(to: &tree) }
        tree = tree.resolvingFilePaths(Spec.filePathKeys)
        let grid = try Grid(tree: tree)
        let decoder = try PointDecoder<Spec>(tree: tree, grid: grid)
        let first = try decoder.point(0, validate: true)
        let replicates = first.spec.replicates
        guard Limits.product([grid.count, replicates], atMost: Limits.configurations) != nil else {
            throw ExperimentError(tree["replicates"]?.origin ?? tree.origin,
                                  "\(Limits.grouped(grid.count)) grid point\(grid.count == 1 ? "" : "s") × \(Limits.grouped(replicates)) replicates is more than \(Limits.grouped(Limits.configurations)) configurations, the limit of one experiment")
        }
        try decoder.checkOverriddenBaseValues()
        for index in 1..<max(grid.count, 1) { _ = try decoder.point(index, validate: true) }
        self.source = source
        self.tree = tree
        self.grid = grid
        self.overrides = parsed
        self.decoder = decoder
        name = first.spec.name
        self.replicates = replicates
    }

    /// Every configuration (grid point × replicate), grid order then replicate.
    public var configurations: Configurations<Spec> { configurations(shard: nil) }

    /// The configurations of shard `index` (1-based) of `count`: grid points i with i mod count =
    /// index − 1 (or the shard's `gridIndices`), with all their replicates. The shards of one plan are
    /// disjoint and cover the grid.
    public func configurations(shard: Shard?) -> Configurations<Spec> {
        Configurations(decoder: decoder, replicates: replicates, shard: shard)
    }

    /// What identifies the experiment apart from its swept values, replicate count, plots and
    /// description: a run directory only continues a run with the same fingerprint.
    public var fingerprint: String {
        var t = tree
        for key in ["sweep", "zip", "plots", "description", "replicates"] { t.remove(at: [key]) }
        for path in grid.sweptPaths { t.remove(at: path.split(separator: ".").map(String.init)) }
        return t.canonical + " | swept: " + grid.sweptPaths.sorted().joined(separator: ", ")
    }

    /// The resolved experiment as YAML (overrides applied), for the run directory.
    public func resolvedYAML() throws -> String {
        var header = "# Resolved experiment, as run by gradlab \(GradLabInfo.version) from \(source)\n"
        if !overrides.isEmpty { header += "# overrides: " + overrides.map(\.text).joined(separator: " ") + "\n" }
        return header + (try tree.yamlText())
    }
}

/// `--shard I/N`: the I-th (1-based) of N disjoint slices of the grid. Round robin (grid points i with
/// i mod N = I − 1) unless `gridIndices` lists the slice's grid points (a cost-balanced plan,
/// `ShardPlan`).
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int
    /// The grid indices of this slice, ascending, when it is not round robin.
    public let gridIndices: [Int]?

    /// Parses `I/N` with 1 ≤ I ≤ N (round robin).
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(i) else { return nil }
        index = i
        count = n
        gridIndices = nil
    }

    /// Slice `index` (1-based) of `count` holding exactly `gridIndices` (sorted here).
    public init(index: Int, count: Int, gridIndices: [Int]) {
        self.index = index
        self.count = count
        self.gridIndices = gridIndices.sorted()
    }

    public var description: String { "\(index)/\(count)" + (gridIndices == nil ? "" : " (cost-balanced)") }
}

/// Program facts recorded in manifests.
public enum GradLabInfo {
    public static let version = "0.1.0"
}
