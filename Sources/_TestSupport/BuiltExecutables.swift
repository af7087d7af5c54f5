import Foundation

/// Test support only: executables the package builds, found next to the running test bundle
/// (a test target that depends on an executable target gets it built into the same directory).
public enum BuiltExecutable {
    /// The executable `name` beside the test bundle; throws naming where it looked.
    public static func url(_ name: String) throws -> URL {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for dir in candidates {
            let url = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw NotFound(description: "\(name) not found next to \(CommandLine.arguments[0])")
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }
}
