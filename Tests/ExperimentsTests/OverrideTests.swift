import Initializers
import Testing
@testable import Sweeps
@testable import Lab

@Suite struct OverrideTests {
    @Test func setChangesAValueAndAddsMissingKeys() throws {
        let e = try Experiment(text: baseYAML, source: "exp.yaml",
                               overrides: ["model.hidden=64", "diagnostics.lags=all", "init.weight_ih={kind: xavier-uniform}"])
        let spec = e.points[0].spec
        #expect(spec.model.hidden == 64)
        #expect(spec.diagnostics.lags == .all)
        #expect(spec.initialization.weightIH?.kind == .xavierUniform)
        #expect(try e.resolvedYAML().contains("# overrides: model.hidden=64 diagnostics.lags=all"))
    }

    @Test func setOnASweptPathFixesIt() throws {
        let e = try Experiment(text: sweepYAML, source: "exp.yaml", overrides: ["model.activation=linear", "model.hidden=9"])
        #expect(e.grid.sweptPaths == ["init.weight_hh.spectral_radius", "sequence.length"])
        #expect(e.points.count == 6)
        #expect(e.points.allSatisfy { $0.spec.model.activation == .linear && $0.spec.model.hidden == 9 })
    }

    @Test func setCanAddASweep() throws {
        let e = try Experiment(text: baseYAML, source: "exp.yaml", overrides: ["sweep.model.hidden=[8, 16, 32]"])
        #expect(e.grid.sweptPaths == ["model.hidden"])
        #expect(e.points.map(\.spec.model.hidden) == [8, 16, 32])
    }

    @Test func badOverridesNameTheArgument() throws {
        let unknown = try #require(loadError(baseYAML, overrides: ["model.hiden=3"]))
        #expect(unknown.description == "--set model.hiden=3: unknown key 'hiden' in model (did you mean 'hidden'?)")
        let wrongType = try #require(loadError(baseYAML, overrides: ["model.hidden=lots"]))
        #expect(wrongType.description == "--set model.hidden=lots: model.hidden must be an integer, found 'lots'")
        let noEquals = try #require(loadError(baseYAML, overrides: ["model.hidden"]))
        #expect(noEquals.description == "--set model.hidden: expected path=value, e.g. model.hidden=64")
        let throughScalar = try #require(loadError(baseYAML, overrides: ["name.x=1"]))
        #expect(throughScalar.message.contains("its parent is not a mapping"))
    }

    @Test func quotedValuesStayText() throws {
        let error = try #require(loadError(baseYAML, overrides: ["model.hidden='4'"]))
        #expect(error.message.contains("must be an integer"))
    }
}
