import Foundation
import Testing
@testable import Sweeps
@testable import Lab

/// Bounded parsing and stated limits (docs/experiments.md, "Limits"): every refusal is located and comes
/// before work proportional to the offending size.
@Suite struct LimitsTests {
    @Test func anchorsAndAliasesAreRefusedAtTheirPosition() throws {
        let bomb = (["a1: &a1 [x, x]"] + (2...19).map { "a\($0): &a\($0) [*a\($0 - 1), *a\($0 - 1)]" }).joined(separator: "\n")
        let e = try #require(loadError(bomb))
        #expect(e.origin == .file(path: "exp.yaml", line: 1, column: 5))
        #expect(e.message.contains("YAML anchors (&a1) and aliases are not supported"))
        // A merge key is an alias too; the alias itself is located when no anchor came first.
        let alias = try #require(loadError(baseYAML + "\nextra: *nowhere"))
        #expect(alias.origin == .file(path: "exp.yaml", line: 11, column: 8))
        #expect(alias.message.contains("YAML aliases (*name) are not supported"))
    }

    @Test func nestingDepthIsBounded() throws {
        let deep = baseYAML + "\nextra: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let e = try #require(loadError(deep))
        #expect(e.message.contains("nested more than 32 levels deep"))
        #expect(e.origin == .file(path: "exp.yaml", line: 11, column: 8 + 31))
        // Past libyaml's own bound (1,000) the scanner stops first: the same refusal.
        let deeper = "name: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        #expect(try #require(loadError(deeper)).message.contains("nested more than 32 levels deep"))
    }

    @Test func longValuesAndLongListsAreRefused() throws {
        let name = try #require(loadError(edited("name: unit", "name: " + String(repeating: "a", count: 5_000))))
        #expect(name.origin == .file(path: "exp.yaml", line: 1, column: 7))
        #expect(name.message == "a value of 5,000 bytes; values are limited to 4,096 bytes")
        let list = try #require(loadError(baseYAML + "\nsweep:\n  init.weight_hh.gain: [" + (1...10_001).map(String.init).joined(separator: ", ") + "]"))
        #expect(list.origin == .file(path: "exp.yaml", line: 12, column: 24))
        #expect(list.message.contains("a list of more than 10,000 entries"))
    }

    @Test func nodeCountIsBounded() throws {
        let lists = (0..<11).map { k in "k\(k): [" + Array(repeating: "1", count: 9_999).joined(separator: ",") + "]" }
        let e = try #require(loadError(lists.joined(separator: "\n")))
        #expect(e.message.contains("more than 100,000 values in all"))
    }

    @Test func largeFilesAreRefusedBeforeReading() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("limits-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(("name: " + String(repeating: "a", count: 2 << 20)).utf8).write(to: url)
        #expect(throws: ExperimentError(.file(path: url.path, line: 1, column: 1),
                                        "the file is 2,097,158 bytes; experiment files are limited to 1 MiB (1,048,576 bytes)")) {
            try Experiment.load(path: url.path)
        }
        #expect(loadError(String(repeating: "#", count: Limits.fileBytes + 1))?.message
                == "the file is 1,048,577 bytes; experiment files are limited to 1 MiB (1,048,576 bytes)")
    }

    @Test func overrideValuesAreBoundedToo() throws {
        let e = try #require(loadError(baseYAML, overrides: ["model.hidden=&h 3"]))
        #expect(e.origin == .override("model.hidden=&h 3"))
        #expect(e.message.contains("anchors"))
    }

    @Test func gridSizeIsCheckedWithoutExpandingIt() throws {
        let values = "[" + (1...3_163).map(String.init).joined(separator: ", ") + "]"
        let e = try #require(loadError(baseYAML + "\nsweep:\n  model.hidden: \(values)\n  sequence.length: \(values)"))
        #expect(e.origin == .file(path: "exp.yaml", line: 11, column: 1))
        #expect(e.message.hasPrefix("the grid has 3,163 × 3,163 = 10,004,569 points; a grid is limited to 100,000 points"))
        #expect(Grid.tooLarge([10_000, 10_000, 10_000, 10_000, 10_000]).contains("= about 10^20 points"))
        #expect(Limits.product([Int.max, 2], atMost: 10) == nil && Limits.product([3, 0, Int.max], atMost: 10) == 0)
    }

    @Test func replicatesAndConfigurationsAreBounded() throws {
        let huge = try #require(loadError(edited("replicates: 2", "replicates: 9223372036854775807") + "\nsweep:\n  model.hidden: [2, 3]"))
        #expect(huge.description == "exp.yaml:9:13: replicates: must be at most 1,000,000 (the limit), got 9,223,372,036,854,775,807")
        let product = try #require(loadError(edited("replicates: 2", "replicates: 1000000") + "\nsweep:\n  model.hidden: [2, 3]"))
        #expect(product.description == "exp.yaml:9:13: 2 grid points × 1,000,000 replicates is more than 1,000,000 configurations, the limit of one experiment")
    }

    @Test(arguments: [
        ("hidden: 4,", "hidden: 4294967296,", "model.hidden: must be at most 65,536 (the limit), got 4,294,967,296"),
        ("input: 2}", "input: 70000}", "model.input: must be at most 65,536 (the limit), got 70,000"),
        ("input: 2}", "input: 2, layers: 65}", "model.layers: must be at most 64 (the limit), got 65"),
        ("hidden: 4,", "hidden: 40000,", "model.hidden: rnn, 1 layer, H = 40,000, D = 2: 1,600,160,000 weights and biases; a model is limited to 1,073,741,824 (2^30)"),
        ("{length: 10,", "{length: 10000001,", "sequence.length: must be at most 10,000,000 (the limit), got 10,000,001"),
    ])
    func modelAndSequenceSizesAreBounded(original: String, replacement: String, message: String) throws {
        let e = try #require(loadError(edited(original, replacement)))
        #expect(e.message == message)
        guard case .file(_, 4...7, _) = e.origin else { Issue.record("not located in the file: \(e)"); return }
    }

    @Test func diagnosticsCountsAreBounded() throws {
        let e = try #require(loadError(baseYAML + "\ndiagnostics: {transient: 100000000}"))
        #expect(e.description == "exp.yaml:11:26: diagnostics.transient: must be at most 10,000,000 (the limit), got 100,000,000")
        let lags = try #require(loadError(baseYAML + "\ndiagnostics: {lags: log:99999999}"))
        #expect(lags.message.hasPrefix("diagnostics.lags: must be at most 10,000,000"))
    }

    @Test(arguments: [
        ("training: {iterations: 100000001}", "training.iterations: must be at most 100,000,000 (the limit), got 100,000,001"),
        ("training: {batch_size: 70000}", "training.batch_size: must be at most 65,536 (the limit), got 70,000"),
        ("task: {name: adding-pascanu2013, length: 20000000}", "task.length: must be at most 10,000,000 (the limit), got 20,000,000"),
    ])
    func trainingCountsAreBounded(block: String, message: String) throws {
        var yaml = "name: t\nmode: train\nmodel: {hidden: 4}\n"
        if !block.hasPrefix("task") { yaml += "task: {name: adding-pascanu2013, length: 10}\n" }
        yaml += block + "\n"
        let e = try #require(loadError(yaml))
        #expect(e.message == message)
    }
}

extension LimitsTests {
    @Test func sweptKeysAreBounded() throws {
        let keys = (0..<150).map { "  init.x\($0): [1]" }.joined(separator: "\n")
        let e = try #require(loadError(baseYAML + "\nsweep:\n" + keys))
        #expect(e.origin == .file(path: "exp.yaml", line: 112, column: 3))
        #expect(e.message == "more than 100 swept keys in sweep: and zip: together; an experiment is limited to 100")
    }

    @Test func aConfigurationIsNamedInAtMostTenValues() throws {
        let keys = (0..<12).map { "  init.weight_hh.x\($0): [1]" }.joined(separator: "\n")
        let e = try #require(loadError(baseYAML + "\nsweep:\n" + keys))
        #expect(e.message.hasSuffix("init.weight_hh.x9=1, … (2 more))"))
    }
}

extension LimitsTests {
    @Test func gridTimesConfigurationSizeIsBounded() throws {
        let padding = "\npadding: [" + Array(repeating: "1", count: 5_000).joined(separator: ", ") + "]"
        let sweep = "\nsweep:\n  model.hidden: [" + (1...3_000).map(String.init).joined(separator: ", ") + "]"
        let e = try #require(loadError(baseYAML + padding + sweep))
        #expect(e.origin == .file(path: "exp.yaml", line: 12, column: 1))
        #expect(e.message.hasPrefix("3,000 grid points of 5,050 values each"))
        #expect(e.message.contains("values each are more than 10,000,000 values to check"))
    }
}

extension LimitsTests {
    @Test func dottedPathsAreAsShallowAsTheFile() throws {
        let path = (0..<40).map { "k\($0)" }.joined(separator: ".")
        let swept = try #require(loadError(baseYAML + "\nsweep:\n  \(path): [1]"))
        #expect(swept.origin == .file(path: "exp.yaml", line: 12, column: 3))
        #expect(swept.message == "a path of 40 keys; paths, like the file, are limited to 32 levels")
        let set = try #require(loadError(baseYAML, overrides: ["\(path)=1"]))
        #expect(set.origin == .override("\(path)=1"))
    }
}
