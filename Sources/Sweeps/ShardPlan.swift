import Foundation
import Linalg

/// Cost-balanced shards: N slices of a grid whose estimated costs are as even as greedy
/// longest-processing-time (LPT) makes them, as a pure function of the experiment.
///
/// Algorithm: grid points are taken in decreasing estimated cost (cost × replicates; ties by grid
/// index, smaller first) and each goes to the shard with the least cost so far (ties by fewer grid
/// points, then by shard index: points of equal or unknown (0) cost are dealt out evenly). LPT's makespan is at most 4/3 − 1/(3N) of the optimum (Graham 1969); round robin
/// has no such bound (a grid whose costly points line up with N gets them all in one shard).
///
/// Every array task and `gradlab merge`/`status` recompute the same plan from the same experiment and
/// executor estimate, so a shard's configurations are fixed by the experiment: a re-queued task
/// resumes exactly its own store. A cost that is not finite or is negative counts as 0.
public enum ShardPlan {
    /// The grid indices of each of `shards` slices (ascending within a slice) for grid points of
    /// `costs[i]` each. Every index in `0..<costs.count` appears in exactly one slice.
    public static func balanced(costs: [Double], shards: Int) -> [[Int]] {
        let n = max(1, shards)
        let order = costs.indices.sorted { a, b in
            let ca = clean(costs[a]), cb = clean(costs[b])
            return ca != cb ? ca > cb : a < b
        }
        var heap = LoadHeap(count: n)
        var slices = Array(repeating: [Int](), count: n)
        for i in order {
            let shard = heap.takeLightest(adding: clean(costs[i]))
            slices[shard].append(i)
        }
        return slices.map { $0.sorted() }
    }

    /// The estimated cost of each slice (the sum of its grid points' costs).
    public static func loads(_ slices: [[Int]], costs: [Double]) -> [Double] {
        slices.map { $0.reduce(0) { $0 + clean(costs[$1]) } }
    }

    private static func clean(_ c: Double) -> Double { c.isFinite && c > 0 ? c : 0 }

    /// A binary min-heap of (load, points, shard index): the lightest shard, ties by fewer points,
    /// then by smaller index.
    private struct LoadHeap {
        typealias Item = (load: Double, points: Int, shard: Int)
        var items: [Item]
        init(count: Int) { items = (0..<count).map { (0, 0, $0) } }

        static func less(_ a: Item, _ b: Item) -> Bool {
            a.load != b.load ? a.load < b.load : a.points != b.points ? a.points < b.points : a.shard < b.shard
        }

        /// The lightest shard; its load grows by `cost` and it sinks to its place.
        mutating func takeLightest(adding cost: Double) -> Int {
            let shard = items[0].shard
            items[0].load += cost
            items[0].points += 1
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
            return shard
        }
    }
}

extension Sweep {
    /// The `count` cost-balanced shards of this experiment (1-based `Shard`s carrying their grid
    /// indices), the cost of a grid point being `executor.estimatedSeconds(spec) × replicates`.
    public func balancedShards<E: SweepExecutor>(_ count: Int, executor: E) -> [Shard] where E.Spec == Spec {
        let slices = ShardPlan.balanced(costs: pointCosts(executor), shards: count)
        return slices.enumerated().map { Shard(index: $0.offset + 1, count: slices.count, gridIndices: $0.element) }
    }

    /// The estimated seconds of each grid point on one core, all replicates included.
    public func pointCosts<E: SweepExecutor>(_ executor: E) -> [Double] where E.Spec == Spec {
        points.map { executor.estimatedSeconds($0.spec) * Double(replicates) }
    }

    /// 16 hex digits of a stable hash of the resolved experiment (the whole tree after overrides, sweep
    /// and plots included): shards merge only into the experiment they ran.
    public var resolvedHash: String { Self.hash(of: tree) }

    /// `resolvedHash` of a parsed experiment tree (e.g. a shard's `experiment.yaml`).
    public static func hash(of tree: ConfigNode) -> String {
        let h = String(RandomStream.stableHash(tree.canonical), radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h
    }
}
