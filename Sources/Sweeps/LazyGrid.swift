/// Turns a grid index into a decoded grid point: the base tree (the experiment without `sweep:` and
/// `zip:`) with the point's swept values set (`Grid.point`, mixed-radix over the sweep lists, then the
/// zip position), decoded into `Spec`. Errors are located in the point's tree: at the swept value or the
/// sweep/zip key that put a value there, at the `--set` argument, or at the base key, and name the
/// configuration when the sweep is involved.
struct PointDecoder<Spec: SweepSpec>: Sendable {
    let base: ConfigNode
    let grid: Grid

    /// Throws, at the `sweep:` (or `zip:`) key, when checking every grid point would decode more than
    /// `Limits.checkedValues` values.
    init(tree: ConfigNode, grid: Grid) throws {
        var base = tree
        base.remove(at: ["sweep"])
        base.remove(at: ["zip"])
        self.base = base
        self.grid = grid
        let perPoint = (grid.product + grid.zip).reduce(base.nodeCount) { $0 + ($1.values.map(\.nodeCount).max() ?? 0) }
        if Limits.product([grid.count, perPoint], atMost: Limits.checkedValues) == nil {
            throw ExperimentError(tree.keyOrigin(at: [grid.product.isEmpty ? "zip" : "sweep"]),
                                  "\(Limits.grouped(grid.count)) grid points of \(Limits.grouped(perPoint)) values each are more than \(Limits.grouped(Limits.checkedValues)) values to check; an experiment is limited to \(Limits.grouped(Limits.checkedValues)) (sweep fewer values, or shorten the file)")
        }
    }

    /// The tree of grid point `index` and the (axis, value) pairs set on it.
    func tree(_ index: Int) throws -> (tree: ConfigNode, assignment: [(axis: SweepAxis, value: ConfigNode)]) {
        var tree = base
        let assignment = grid.point(index)
        for (axis, value) in assignment {
            try tree.set(value, at: axis.components, keyOrigin: axis.keyOrigin)
        }
        return (tree, assignment)
    }

    /// Grid point `index` decoded (and, with `validate`, checked by `Spec.validate`).
    func point(_ index: Int, validate: Bool) throws -> GridPoint<Spec> {
        let (tree, assignment) = try tree(index)
        let values = assignment.map { SweptValue(path: $0.axis.path, node: $0.value) }
        do {
            let spec = try decode(tree, validate: validate)
            return GridPoint(index: index, values: values, spec: spec)
        } catch {
            let swept = Set(assignment.flatMap { [$0.value.origin, $0.axis.keyOrigin] })
            let located = ExperimentError.locating(error, in: tree, preferring: [
                { if case .override = $0 { return true } else { return false } },
                { swept.contains($0) },
            ])
            // Name the configuration when the sweep is involved: a swept value is at fault, or the base
            // passed for earlier grid points.
            let involved = index > 0 || swept.contains(located.origin)
            let context = values.isEmpty || !involved ? "" : " (in configuration \(Self.named(values)))"
            throw ExperimentError(located.origin, located.message + context)
        }
    }

    /// `path=value, …` of a configuration for a message: at most 10 values of at most 60 characters.
    static func named(_ values: [SweptValue]) -> String {
        let shown = values.prefix(10).map { v in
            "\(v.path)=" + (v.text.count > 60 ? v.text.prefix(59) + "…" : v.text)
        }
        return shown.joined(separator: ", ") + (values.count > 10 ? ", … (\(values.count - 10) more)" : "")
    }

    /// A grid point already decoded and validated when the sweep was loaded: decoding the same tree
    /// again gives the same result, so a failure here is a bug of the decoder, not of the file.
    func loaded(_ index: Int) -> GridPoint<Spec> {
        do {
            return try point(index, validate: false)
        } catch {
            preconditionFailure("grid point \(index) decoded when the sweep was loaded but not now: \(error)")
        }
    }

    /// Checks every base value that a sweep or zip list replaces (so `activation: tahn` is an error even
    /// when `model.activation` is swept): grid point 0 with that one base value put back is decoded,
    /// and an error located in the base value is reported there. Errors elsewhere come from the
    /// combination, not from the base value, and are left to the grid points.
    func checkOverriddenBaseValues() throws {
        for axis in grid.product + grid.zip {
            guard let value = base.node(at: axis.components) else { continue }
            var (tree, _) = try tree(0)
            try tree.set(value, at: axis.components, keyOrigin: base.keyOrigin(at: axis.components))
            do {
                _ = try decode(tree, validate: true)
            } catch {
                let located = ExperimentError.locating(error, in: tree)
                guard value.origins.contains(located.origin) else { continue }
                let block = grid.product.contains { $0.path == axis.path } ? "sweep" : "zip"
                throw ExperimentError(located.origin, located.message + " (a base value that \(block) '\(axis.path)' at \(axis.keyOrigin) replaces; it must be valid too)")
            }
        }
    }

    private func decode(_ tree: ConfigNode, validate: Bool) throws -> Spec {
        let spec = try ConfigDecoder().decode(Spec.self, from: tree)
        if validate { try spec.validate(sweptPaths: grid.sweptPaths) }
        return spec
    }
}

/// The grid points of a sweep in grid order, each decoded when read (`Sweep.points`).
public struct GridPoints<Spec: SweepSpec>: RandomAccessCollection, Sendable {
    let decoder: PointDecoder<Spec>
    public var startIndex: Int { 0 }
    public var endIndex: Int { decoder.grid.count }
    public subscript(index: Int) -> GridPoint<Spec> { decoder.loaded(index) }
}

/// Configurations (grid point × replicate) in grid order then replicate, optionally of one shard,
/// computed from their position: position p is replicate p mod R of the shard's (p div R)-th grid point.
/// Iterating decodes each grid point once for all its replicates.
public struct Configurations<Spec: SweepSpec>: RandomAccessCollection, Sendable {
    let decoder: PointDecoder<Spec>
    let replicates: Int
    /// The first grid index and the step between grid indices (shard I/N: I − 1 and N).
    let first: Int, stride: Int
    /// The grid indices of a cost-balanced shard (`Shard.gridIndices`), instead of first and stride.
    let listed: [Int]?
    /// Grid points in this shard.
    let pointCount: Int

    init(decoder: PointDecoder<Spec>, replicates: Int, shard: Shard?) {
        self.decoder = decoder
        self.replicates = replicates
        first = (shard?.index ?? 1) - 1
        stride = shard?.count ?? 1
        let points = decoder.grid.count
        listed = shard?.gridIndices.map { $0.filter { (0..<points).contains($0) } }
        pointCount = listed?.count ?? (first < points ? (points - 1 - first) / stride + 1 : 0)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { pointCount * replicates }

    /// The grid index of the shard's `k`-th grid point.
    func gridIndex(_ k: Int) -> Int { listed?[k] ?? first + k * stride }

    public subscript(position: Int) -> Configuration<Spec> {
        Configuration(point: decoder.loaded(gridIndex(position / replicates)), replicate: position % replicates)
    }

    public func makeIterator() -> Iterator { Iterator(configurations: self) }

    /// Walks the configurations, decoding each grid point once for all its replicates.
    public struct Iterator: IteratorProtocol {
        let configurations: Configurations
        var position = 0
        var current: GridPoint<Spec>?

        public mutating func next() -> Configuration<Spec>? {
            guard position < configurations.endIndex else { return nil }
            let replicate = position % configurations.replicates
            if replicate == 0 || current == nil {
                current = configurations.decoder.loaded(configurations.gridIndex(position / configurations.replicates))
            }
            position += 1
            return current.map { Configuration(point: $0, replicate: replicate) }
        }
    }
}
