import Foundation
import Testing
@testable import TensorIO

/// `JSONValue`, the writer of every report: it must never fail, must parse with a standard JSON
/// parser, and must say what each non-finite number was.
@Suite("JSON writer")
struct JSONValueTests {
    @Test func nonFiniteNumbersBecomeNullWithASibling() throws {
        let tree: [String: Any] = [
            "lambda_max": -Double.infinity,
            "spread": Double.nan,
            "finite": 0.1,
            "lyapunov": [-0.25, -Double.infinity, Double.nan],
            "pairs": [[1, 0.5], [2, -Double.infinity]] as [[Any]],
            "units": [["layer": 0, "rate": Double.infinity] as [String: Any]],
            "name": "a \"quoted\" \\ name\n",
            "flag": true,
            "none": NSNull(),
        ]
        for pretty in [false, true] {
            let text = JSONValue(tree).rendered(pretty: pretty)
            let back = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
            #expect(back["lambda_max"] is NSNull && back["lambda_max_nonfinite"] as? String == "-inf")
            #expect(back["spread"] is NSNull && back["spread_nonfinite"] as? String == "nan")
            #expect(back["finite"] as? Double == 0.1 && back["finite_nonfinite"] == nil)
            #expect(back["lyapunov_nonfinite"] as? [String: String] == ["1": "-inf", "2": "nan"])
            #expect((back["lyapunov"] as? [Any])?.first as? Double == -0.25)
            #expect(back["pairs_nonfinite"] as? [String: String] == ["1/1": "-inf"])
            let unit = try #require((back["units"] as? [[String: Any]])?.first)
            #expect(unit["rate_nonfinite"] as? String == "inf" && unit["layer"] as? Int == 0)
            #expect(back["name"] as? String == "a \"quoted\" \\ name\n")
            #expect(back["flag"] as? Bool == true && back["none"] is NSNull)
            // Python's float() reads the words back.
            #expect(Double("-inf") == -.infinity && Double("nan")!.isNaN && Double("inf") == .infinity)
        }
    }

    @Test func numbersRoundTripBitForBit() throws {
        var rng = SystemRandomNumberGenerator()
        let xs = (0..<2000).map { _ in Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random() ? 1 : -1) }
            + [0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1, 1e-300]
        let text = JSONValue.numbers(xs).rendered()
        // Read each token with a correctly rounded parser (Swift's Double(String), as Python's json
        // does; swift-corelibs' JSONSerialization is off by an ulp on ~15% of random doubles).
        let tokens = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let back = tokens.compactMap(Double.init)
        #expect(back.count == xs.count)
        #expect(zip(back, xs).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
}
