import Testing
import Foundation
@testable import _FuzzMutators

/// The fuzz suite's cases are a function of (seed, format, index): a failure report's reproduce line
/// regenerates the same bytes on any machine.
@Suite("Fuzz mutators")
struct MutatorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func casesAreDeterministicForASeed() throws {
        let corpus = try FuzzCorpus(root: MutatorTests.root)
        for format in FuzzFormat.allCases {
            #expect(!(corpus.seeds[format]?.isEmpty ?? true), "no \(format) seeds")
            var distinct = Set<[UInt8]>()
            for index in 0..<40 {
                let a = corpus.makeCase(format, index: index, seed: 7), b = corpus.makeCase(format, index: index, seed: 7)
                #expect(a.bytes == b.bytes && a.operations == b.operations && a.seedName == b.seedName, "\(format):\(index)")
                distinct.insert(a.bytes)
            }
            #expect(distinct.count > 30, "\(format): only \(distinct.count) distinct cases of 40")
            let other = (0..<10).map { corpus.makeCase(format, index: $0, seed: 8).bytes }
            #expect(other != (0..<10).map { corpus.makeCase(format, index: $0, seed: 7).bytes })
        }
    }

    @Test func randomStreamIsFixed() {
        var r = FuzzRandom(seed: 1)
        // SplitMix64's published first output for state 1.
        #expect(r.next() == 0x910A_2DEC_8902_5CC1)
    }

    @Test func zipImageRoundTripsASeedArchive() throws {
        let bytes = try Data(contentsOf: MutatorTests.root.appendingPathComponent("Tests/Fixtures/TensorIO/stored.npz"))
        let image = try #require(ZipImage([UInt8](bytes)))
        #expect(image.members.map { String(decoding: $0.name, as: UTF8.self) } == ["W.npy", "b.npy", "y.npy"])
        for m in image.members { #expect(ZipImage.crc32(m.data) == m.crc) }
        #expect(ZipImage(image.bytes)?.members.map(\.data) == image.members.map(\.data))
    }
}
