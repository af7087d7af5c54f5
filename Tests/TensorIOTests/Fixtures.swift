import Foundation
@testable import TensorIO

/// Paths and closed-form values of the committed fixtures (scripts/make_tensorio_fixtures.py).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/TensorIO")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// v[k] = (k − 3)/7 in Float64.
    static func floats(_ n: Int) -> [Double] { (0..<n).map { (Double($0) - 3) / 7 } }
    /// The same rounded to Float32 and widened back.
    static func floats32(_ n: Int) -> [Double] { floats(n).map { Double(Float($0)) } }
    /// v[k] = (−1)^k (2⁶⁰ + k): beyond 2⁵³, so only exact integer storage keeps them.
    static func int64s(_ n: Int) -> [Int64] { (0..<n).map { ($0 % 2 == 0 ? 1 : -1) * ((1 << 60) + Int64($0)) } }

    /// A fresh temporary file path with the given extension, removed by the caller's `defer`.
    static func temporary(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tensorio-\(UUID().uuidString).\(ext)").path
    }

    static func bytes(_ name: String) throws -> [UInt8] { try TensorArchive.readBytes(path(name)) }

    /// Writes raw bytes to a temporary file with extension `ext` and returns its path.
    static func write(_ bytes: [UInt8], ext: String) throws -> String {
        let p = temporary(ext)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}
