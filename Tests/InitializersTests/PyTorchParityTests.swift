import Testing
import Foundation
import Linalg
@testable import Initializers

/// Parity with torch.nn.init (2.13) on committed fixtures (scripts/make_init_fixtures.py).
@Suite("PyTorch parity")
struct PyTorchParityTests {
    struct Fixture: Decodable {
        struct Distribution: Decodable {
            let kind: String, spec: [String: JSONValue], rows: Int, cols: Int, distribution: String, parameters: [Double]
        }
        struct ModuleBound: Decodable { let cell: String, hidden: Int, bounds: [Double] }
        struct Orthogonal: Decodable { let rows: Int, cols: Int, gain: Double, gaussian: [Double], q: [Double] }
        let distributions: [Distribution]
        let module_bounds: [ModuleBound]
        let orthogonal: [Orthogonal]
        let gains: [String: Double]
    }

    /// A JSON scalar from the fixture's spec objects, re-encoded to build an InitSpec through its Decodable.
    enum JSONValue: Codable {
        case number(Double), string(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self { case let .number(d): try c.encode(d); case let .string(s): try c.encode(s) }
        }
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Initializers/torch_init.json")
        do { return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)) } catch {
            Issue.record("cannot read \(url.path): \(error)")
            return Fixture(distributions: [], module_bounds: [], orthogonal: [], gains: [:])
        }
    }()

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-15 * max(1, abs(b)) }

    @Test func elementDistributionsMatchTorch() throws {
        #expect(PyTorchParityTests.fixture.distributions.count == 36)
        for d in PyTorchParityTests.fixture.distributions {
            var object = d.spec
            object["kind"] = .string(d.kind)
            let spec = try JSONDecoder().decode(InitSpec.self, from: JSONEncoder().encode(object))
            try spec.validate()
            let kind = try #require(spec.kind)
            let ours = try #require(spec.elementDistribution(kind, rows: d.rows, cols: d.cols))
            switch (ours, d.distribution) {
            case let (.uniform(lo, hi), "uniform"):
                #expect(Self.close(lo, d.parameters[0]) && Self.close(hi, d.parameters[1]), "\(d.kind) \(d.spec) \(d.rows)×\(d.cols)")
            case let (.normal(std), "normal"):
                #expect(d.parameters[0] == 0 && Self.close(std, d.parameters[1]), "\(d.kind) \(d.spec) \(d.rows)×\(d.cols)")
            default:
                Issue.record("\(d.kind): ours \(ours), torch \(d.distribution)")
            }
        }
    }

    /// nn.RNN/LSTM/GRU draw every parameter from U(−1/√H, 1/√H); our pytorch-default for an H-row block does too.
    @Test func pytorchDefaultMatchesModuleReset() throws {
        #expect(PyTorchParityTests.fixture.module_bounds.count == 6)
        for m in PyTorchParityTests.fixture.module_bounds {
            let d = InitSpec(kind: .pytorchDefault).elementDistribution(.pytorchDefault, rows: m.hidden, cols: 3)
            guard case let .uniform(lo, hi)? = d else { Issue.record("not uniform"); continue }
            #expect(Self.close(lo, m.bounds[0]) && Self.close(hi, m.bounds[1]), "\(m.cell) H=\(m.hidden)")
        }
    }

    @Test func orthogonalMatchesTorchOnTheSameGaussian() throws {
        #expect(PyTorchParityTests.fixture.orthogonal.count == 4)
        for o in PyTorchParityTests.fixture.orthogonal {
            let g = try Matrix(rows: o.rows, cols: o.cols, elements: o.gaussian)
            let q = try orthogonalFactor(of: g).scaled(by: o.gain)
            let diff = zip(q.elements, o.q).map { abs($0 - $1) }.max() ?? .infinity
            #expect(diff < 1e-12, "\(o.rows)×\(o.cols): max difference \(diff)")
        }
    }

    @Test func calculateGainMatchesTorch() {
        let g = PyTorchParityTests.fixture.gains
        for n in Nonlinearity.allCases where n != .leakyRelu { #expect(n.gain() == g[n.rawValue], "\(n)") }
        #expect(Nonlinearity.leakyRelu.gain() == g["leaky-relu"])
        #expect(Nonlinearity.leakyRelu.gain(negativeSlope: 0.2) == g["leaky-relu(0.2)"])
        #expect(Nonlinearity.leakyRelu.gain(negativeSlope: 0) == g["leaky-relu(0)"])
    }
}
