import Foundation
import Testing
import Yams
@testable import Sweeps
@testable import Lab

/// `ConfigDecoder` against Yams' `YAMLDecoder` (the decoder it replaced, the oracle): the same values
/// from the same trees, scalar by scalar, and the same kind of error at the same coding path.
@Suite struct ConfigDecoderTests {
    struct Inner: Decodable, Equatable {
        var name: String
        var values: [Double]
        var flags: [Bool]?
    }

    struct Everything: Decodable, Equatable {
        var int: Int
        var hex: Int
        var octal: Int
        var underscored: Int
        var negative: Int
        var double: Double
        var exponent: Double
        var integerAsDouble: Double
        var infinity: Double
        var text: String
        var quotedNumber: String
        var numberAsText: String
        var yes: Bool
        var off: Bool
        var missing: Double?
        var null: Double?
        var tilde: String?
        var quotedNull: String?
        var list: [Int]
        var optionals: [Int?]
        var nested: Inner
        var nestedList: [Inner]
        var map: [String: Double]
    }

    static let text = """
    int: 42
    hex: 0x1F
    octal: 0o17
    underscored: 1_000
    negative: -7
    double: 0.25
    exponent: 1e-3
    integerAsDouble: 3
    infinity: .inf
    text: hello world
    quotedNumber: "5"
    numberAsText: 12
    yes: yes
    off: Off
    null: null
    tilde: ~
    quotedNull: "null"
    list: [1, 2, 3]
    optionals: [1, null, 3]
    nested: {name: a, values: [1, 2.5], flags: [true, no]}
    nestedList:
      - {name: b, values: []}
      - name: c
        values: [.nan]
    map: {x: 1, y: -2.5}
    """

    static func both<T: Decodable>(_ type: T.Type, _ yaml: String) throws -> (ours: Result<T, Error>, yams: Result<T, Error>) {
        let tree = try ConfigNode.parse(yaml: yaml, path: "t.yaml")
        return (Result { try ConfigDecoder().decode(T.self, from: tree) },
                Result { try YAMLDecoder().decode(T.self, from: tree.yamsNode) })
    }

    @Test func everyScalarRuleDecodesAsYamsDecodesIt() throws {
        let (ours, yams) = try Self.both(Everything.self, Self.text)
        let a = try ours.get(), b = try yams.get()
        #expect(a.nestedList[1].values[0].isNaN && b.nestedList[1].values[0].isNaN)
        var a2 = a, b2 = b
        a2.nestedList[1].values = []; b2.nestedList[1].values = []
        #expect(a2 == b2)
        #expect(a.hex == 31 && a.octal == 15 && a.underscored == 1000 && a.quotedNumber == "5" && a.numberAsText == "12")
        #expect(a.yes && !a.off && a.missing == nil && a.null == nil && a.tilde == nil && a.quotedNull == "null")
        #expect(a.optionals == [1, nil, 3] && a.infinity == .infinity && a.integerAsDouble == 3)
    }

    /// Each bad value fails in both decoders with the same error kind at the same coding path.
    @Test func errorsHaveTheSameKindAndPath() throws {
        struct Small: Decodable { var n: Int; var x: Double; var b: Bool; var l: [Int]; var m: Inner }
        let good = ["n: 1", "x: 1.5", "b: true", "l: [1]", "m: {name: a, values: [1]}"]
        let bad = ["n: 1.5", "n: \"3\"", "x: abc", "x: [1]", "b: 1", "b: \"true\"", "l: 3", "l: [1, x]",
                   "m: 3", "m: {values: [1]}", "m: {name: a, values: {a: 1}}"]
        func describe(_ error: Error) -> String {
            switch error {
            case let DecodingError.typeMismatch(_, c): return "type " + pathStrings(c.codingPath).joined(separator: ".")
            case let DecodingError.keyNotFound(k, c): return "key \(k.stringValue) " + pathStrings(c.codingPath).joined(separator: ".")
            case let DecodingError.valueNotFound(_, c): return "value " + pathStrings(c.codingPath).joined(separator: ".")
            default: return "other \(error)"
            }
        }
        for line in bad {
            let key = String(line.prefix(while: { $0 != ":" }))
            let yaml = (good.filter { !$0.hasPrefix(key + ":") } + [line]).joined(separator: "\n")
            let (ours, yams) = try Self.both(Small.self, yaml)
            guard case let .failure(e1) = ours, case let .failure(e2) = yams else {
                Issue.record("\(line): expected both to fail")
                continue
            }
            #expect(describe(e1) == describe(e2), "\(line)")
        }
    }

    /// Every grid point of every shipped experiment decodes to the same `ExperimentSpec` in both
    /// decoders (compared by its full reflected description, every field and nested value).
    @Test func everyShippedGridPointDecodesTheSame() throws {
        let dir = LazyGridTests.experiments
        var compared = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".yaml") {
            let path = dir.appendingPathComponent(file).path
            let tree = try ConfigNode.parse(yaml: String(contentsOfFile: path, encoding: .utf8), path: path)
            let decoder = try PointDecoder<ExperimentSpec>(tree: tree, grid: Grid(tree: tree))
            for index in 0..<decoder.grid.count {
                let point = try decoder.tree(index).tree
                let ours = try ConfigDecoder().decode(ExperimentSpec.self, from: point)
                let yams = try YAMLDecoder().decode(ExperimentSpec.self, from: point.yamsNode)
                #expect(String(reflecting: ours) == String(reflecting: yams), "\(file) point \(index)")
                compared += 1
            }
        }
        #expect(compared > 50)
    }
}
