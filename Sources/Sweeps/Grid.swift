import Foundation

/// Grid expansion: `sweep:` is a Cartesian product over dotted paths, `zip:` lists vary together.
///
/// Order: the grid index runs over the product (row-major: the last sweep key varies fastest) and,
/// within each product point, over the zip positions. With P product points and Z zip positions the
/// grid has P·Z points (Z = 1 without `zip:`); every point is then run `replicates` times.

/// One swept key and its values.
public struct SweepAxis: Sendable {
    /// The dotted path, e.g. `init.weight_hh.spectral_radius`.
    public let path: String
    /// Where the key was written (sweep:/zip: entry).
    public let keyOrigin: Origin
    public let values: [ConfigNode]

    var components: [String] { path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
}

/// The sweep of an experiment file.
public struct Grid: Sendable {
    public let product: [SweepAxis]
    public let zip: [SweepAxis]

    /// Top-level keys that cannot be swept (they shape the run, not a configuration).
    static let unsweepable: Set<String> = ["name", "sweep", "zip", "replicates", "plots", "description"]

    /// Every swept path, sweep keys first, in written order.
    public var sweptPaths: [String] { (product + zip).map(\.path) }

    var zipLength: Int { zip.first?.values.count ?? 1 }

    /// The number of grid points (configurations before replicates), at most `Limits.gridPoints`.
    public let count: Int

    /// The (axis, value) pairs of grid point `index` (0 ≤ index < count), sweep axes then zip axes.
    public func point(_ index: Int) -> [(axis: SweepAxis, value: ConfigNode)] {
        var rest = index / zipLength
        let z = index % zipLength
        var chosen: [(SweepAxis, ConfigNode)] = []
        for axis in product.reversed() {
            chosen.append((axis, axis.values[rest % axis.values.count]))
            rest /= axis.values.count
        }
        chosen.reverse()
        return chosen + zip.map { ($0, $0.values[z]) }
    }

    /// Reads `sweep:` and `zip:` from an experiment tree and checks them: lists must be non-empty
    /// without repeated values, zip lists of equal length, no path in both blocks or overlapping
    /// another, no unsweepable key. Paths that name no schema key are caught when configurations
    /// are decoded (the error points at the sweep key).
    public init(tree: ConfigNode) throws {
        let keys = (tree["sweep"]?.entries ?? []) + (tree["zip"]?.entries ?? [])
        if keys.count > Limits.sweptPaths {
            throw ExperimentError(keys[Limits.sweptPaths].keyOrigin, "more than \(Limits.sweptPaths) swept keys in sweep: and zip: together; an experiment is limited to \(Limits.sweptPaths)")
        }
        product = try Grid.axes(tree["sweep"], block: "sweep")
        zip = try Grid.axes(tree["zip"], block: "zip")
        if let first = zip.first {
            for axis in zip.dropFirst() where axis.values.count != first.values.count {
                throw ExperimentError(axis.keyOrigin, "zip lists must have equal lengths: '\(first.path)' has \(first.values.count) values, '\(axis.path)' has \(axis.values.count)")
            }
        }
        if let first = zip.first {
            var seen: [String: Int] = [:]
            for i in first.values.indices {
                let key = zip.map { $0.values[i].canonical }.joined(separator: "\u{1}")
                if let earlier = seen[key] {
                    throw ExperimentError(first.values[i].origin, "zip positions \(earlier + 1) and \(i + 1) are the same configuration (every zip list has equal values there)")
                }
                seen[key] = i
            }
        }
        let lengths = product.map(\.values.count) + (zip.isEmpty ? [] : [zip[0].values.count])
        guard let count = Limits.product(lengths, atMost: Limits.gridPoints) else {
            let at = tree.keyOrigin(at: [product.isEmpty ? "zip" : "sweep"])
            throw ExperimentError(at, Grid.tooLarge(lengths))
        }
        self.count = count
        let all = product + zip
        for (i, a) in all.enumerated() {
            for b in all[..<i] {
                if a.path == b.path {
                    throw ExperimentError(a.keyOrigin, "'\(a.path)' is swept twice (also at \(b.keyOrigin)); a key belongs to either sweep or zip")
                }
                if a.path.hasPrefix(b.path + ".") || b.path.hasPrefix(a.path + ".") {
                    throw ExperimentError(a.keyOrigin, "'\(a.path)' overlaps '\(b.path)' (at \(b.keyOrigin)); sweep a block or its keys, not both")
                }
            }
        }
    }

    /// "the grid has 3,163 × 3,163 = 10,004,569 points; …", the product written exactly or, past
    /// Int.max, as a power of ten.
    static func tooLarge(_ lengths: [Int]) -> String {
        let factors = lengths.map { Limits.grouped($0) }.joined(separator: " × ")
        let exact = lengths.reduce(Optional(1)) { total, n in
            total.flatMap { t in let (p, o) = t.multipliedReportingOverflow(by: n); return o ? nil : p }
        }
        let total = exact.map(Limits.grouped) ?? "about 10^\(Int(lengths.reduce(0.0) { $0 + log10(Double($1)) }))"
        return "the grid has \(factors) = \(total) points; a grid is limited to \(Limits.grouped(Limits.gridPoints)) points (sweep fewer values, or split the sweep into several files or runs with --set)"
    }

    private static func axes(_ node: ConfigNode?, block: String) throws -> [SweepAxis] {
        guard let node else { return [] }
        guard let entries = node.entries else {
            throw ExperimentError(node.origin, "\(block) must be a mapping of dotted paths to lists of values")
        }
        return try entries.map { entry in
            let parts = entry.key.split(separator: ".", omittingEmptySubsequences: false)
            if parts.contains(where: \.isEmpty) {
                throw ExperimentError(entry.keyOrigin, "'\(entry.key)' is not a dotted path (empty component)")
            }
            if parts.count > Limits.depth {
                throw ExperimentError(entry.keyOrigin, "a path of \(parts.count) keys; paths, like the file, are limited to \(Limits.depth) levels")
            }
            if let top = parts.first, unsweepable.contains(String(top)) {
                throw ExperimentError(entry.keyOrigin, "'\(top)' cannot be swept")
            }
            guard case let .sequence(values, _) = entry.value, !values.isEmpty else {
                throw ExperimentError(entry.value.origin, "\(block) '\(entry.key)' must be a non-empty list of values, e.g. [0.5, 1.0]")
            }
            // A zip list may repeat a value (`model.cell: [rnn, rnn, lstm]`): positions are told apart by
            // all zip lists together, checked below.
            var seen: [String: Origin] = [:]
            for v in values where block == "sweep" {
                if let earlier = seen[v.canonical] {
                    throw ExperimentError(v.origin, "\(block) '\(entry.key)' lists \(v.canonical) twice (also at \(earlier))")
                }
                seen[v.canonical] = v.origin
            }
            return SweepAxis(path: entry.key, keyOrigin: entry.keyOrigin, values: values)
        }
    }
}
