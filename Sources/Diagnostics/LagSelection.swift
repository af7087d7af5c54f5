import Foundation

/// Which lags k = T − t to report Jacobian-product norms at.
public enum LagSelection: Sendable, Equatable, CustomStringConvertible {
    /// Every lag 0 … T.
    case all
    /// Every n-th lag (0, n, 2n, …) and T.
    case every(Int)
    /// About `count` lags spaced evenly in log(1 + k), always including 0, 1 and T.
    case log(count: Int)
    /// Exactly these lags (those above T are dropped).
    case explicit([Int])

    /// The number of lags of a plain `log` selection (the command line's `--lags log` and an
    /// experiment's `diagnostics.lags: log` alike).
    public static let defaultLogCount = 50

    /// Parses `all`, `log`, `log:N` or a positive integer N (= every N-th).
    public init?(parsing text: String) {
        switch text {
        case "all": self = .all
        case "log": self = .log(count: LagSelection.defaultLogCount)
        default:
            if text.hasPrefix("log:"), let n = Int(text.dropFirst(4)), n >= 2 { self = .log(count: n) }
            else if let n = Int(text), n >= 1 { self = .every(n) }
            else { return nil }
        }
    }

    public var description: String {
        switch self {
        case .all: return "all"
        case .every(let n): return "\(n)"
        case .log(let n): return n == LagSelection.defaultLogCount ? "log" : "log:\(n)"
        case .explicit(let ks): return ks.map(String.init).joined(separator: ",")
        }
    }

    /// The selected lags in 0 … maxLag, ascending and unique.
    public func lags(upTo maxLag: Int) -> [Int] {
        guard maxLag >= 0 else { return [] }
        var set = Set<Int>()
        switch self {
        case .all:
            return Array(0...maxLag)
        case .every(let n):
            for k in stride(from: 0, through: maxLag, by: max(n, 1)) { set.insert(k) }
            set.insert(maxLag)
        case .log(let count):
            let top = Foundation.log(Double(maxLag) + 1)
            for i in 0..<max(count, 2) {
                let k = Int((Foundation.exp(top * Double(i) / Double(max(count, 2) - 1)) - 1).rounded())
                set.insert(min(max(k, 0), maxLag))
            }
            set.formUnion([0, min(1, maxLag), maxLag])
        case .explicit(let ks):
            set = Set(ks.filter { $0 >= 0 && $0 <= maxLag })
        }
        return set.sorted()
    }
}
