import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Plotting

/// `Figure.svgDocument()`: the SVG a file would hold, in memory (for pages that inline charts).
@Suite struct SVGDocumentTests {
    @Test func inMemorySVGIsTheFileSVG() throws {
        let path = OutputFileTests.tempPath("svg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let figure = OutputFileTests.demoFigure()
        try figure.write(to: path, format: .svg)
        let file = try String(contentsOfFile: path, encoding: .utf8)
        let memory = try figure.svgDocument()
        // Same document: Cairo numbers its surfaces process-wide, so compare with those ids masked.
        let mask = { (s: String) in s.replacingOccurrences(of: #"surface\d+"#, with: "surface", options: .regularExpression) }
        #expect(mask(memory) == mask(file))
        let doc = try XMLDocument(xmlString: memory, options: [])
        #expect(doc.rootElement()?.name == "svg")
        #expect(memory.contains("viewBox=\"0 0 300 200\""))
    }
}
