import Foundation

extension Figure {
    var noteFont: FontSpec { FontSpec(size: theme.legendSize) }
    var noteLineHeight: Double { theme.legendSize * 1.35 }

    /// The note's lines, broken between words so each fits the figure's width inside the outer margins.
    func noteLines(_ r: Renderer) -> [String] {
        guard let note, !note.isEmpty else { return [] }
        let available = width - 2 * theme.outerMargin
        var lines: [String] = [], current = ""
        for word in note.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if !current.isEmpty && Label(candidate).measure(r, noteFont).width > available {
                lines.append(current); current = word
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// The height the note takes below the panels (0 without a note).
    func noteBlock(_ r: Renderer) -> Double {
        let n = noteLines(r).count
        return n == 0 ? 0 : theme.padding + noteLineHeight * Double(n)
    }

    /// Draws the note left-aligned at the bottom of the figure.
    func drawNote(_ r: Renderer) {
        let lines = noteLines(r)
        guard !lines.isEmpty else { return }
        r.beginGroup("note")
        var y = height - theme.outerMargin - noteLineHeight * Double(lines.count)
        for line in lines {
            Label(line).draw(r, at: Point(theme.outerMargin, y), font: noteFont, color: .gray(0.3), hAlign: 0, vAnchor: .top)
            y += noteLineHeight
        }
        r.endGroup()
    }
}
