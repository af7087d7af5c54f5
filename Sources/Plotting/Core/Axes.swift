/// Where the legend goes.
public enum LegendPlacement: Sendable, Equatable {
    /// Inside, at the corner covering the least data; outside on the right when every corner covers some.
    case best
    case upperRight, upperLeft, lowerLeft, lowerRight
    case outsideRight
    case hidden
}

/// One panel: marks over an x and a y scale, with titles, a legend and (when colour encodes a number) a colorbar.
public struct Axes: Sendable {
    public var marks: [Mark] = []
    public var title: String?
    /// Axis titles; `^{…}`/`_{…}` markup gives superscripts/subscripts.
    public var xLabel: String?
    public var yLabel: String?
    public var xScale: ScaleKind = .linear
    public var yScale: ScaleKind = .linear
    /// Fixed data limits (else the data's extent plus a small margin).
    public var xDomain: ClosedRange<Double>?
    public var yDomain: ClosedRange<Double>?
    /// The colour scale for `colorValue`s, scatter `values` and heatmaps; drawn as a colorbar on the right.
    public var colorScale: ColorScale?
    public var legend: LegendPlacement = .best
    public var legendEntries: [LegendEntry] = []
    /// One data unit is as long on x as on y (the plot box shrinks to fit).
    public var equalAspect: Bool = false
    /// Ticks at whole numbers only on a linear axis (counts, layer indices).
    public var xIntegerTicks = false
    public var yIntegerTicks = false
    public var grid: Bool = true

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                xScale: ScaleKind = .linear, yScale: ScaleKind = .linear, marks: [Mark] = []) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
        self.xScale = xScale; self.yScale = yScale; self.marks = marks
    }

    public mutating func add(_ mark: Mark) { marks.append(mark) }
    public mutating func line(_ m: LineMark) { marks.append(.line(m)) }
    public mutating func scatter(_ m: ScatterMark) { marks.append(.scatter(m)) }
    public mutating func band(_ m: BandMark) { marks.append(.band(m)) }
    public mutating func rule(_ m: RuleMark) { marks.append(.rule(m)) }
}

/// Sizes and colours shared by every chart (DejaVu Sans; light grid; no chart junk).
public struct Theme: Sendable {
    public var tickLabelSize = 8.5
    public var axisLabelSize = 9.5
    public var titleSize = 10.5
    public var suptitleSize = 12.0
    public var legendSize = 8.0
    public var textColor = Color.gray(0.15)
    public var axisColor = Color.gray(0.3)
    public var gridColor = Color.gray(0.88)
    public var gridWidth = 0.6
    public var spineWidth = 0.8
    public var majorTickLength = 3.5
    public var minorTickLength = 2.0
    public var padding = 4.0
    public var outerMargin = 8.0
    public var panelGap = 10.0
    public init() {}
    public static let standard = Theme()
}

/// A figure: a grid of panels (row-major), optionally sharing x and/or y, with a suptitle.
/// Sizes are in points (1/72 inch); PNG output scales by dpi/72.
public struct Figure: Sendable {
    public var width: Double
    public var height: Double
    public var rows: Int
    public var columns: Int
    public var panels: [Axes]
    /// All panels use one x domain; only the bottom row shows x tick labels and titles.
    public var shareX = false
    /// All panels use one y domain; only the first column shows y tick labels and titles.
    public var shareY = false
    public var title: String?
    /// Small print under the panels, wrapped to the figure's width: what a chart pools or averages, which
    /// colour scale its panels share, what a dashed line means. The panels give up the height it needs.
    public var note: String?
    public var theme = Theme.standard

    public init(width: Double = 480, height: Double = 320, rows: Int = 1, columns: Int = 1, panels: [Axes],
                shareX: Bool = false, shareY: Bool = false, title: String? = nil) {
        self.width = width; self.height = height; self.rows = max(rows, 1); self.columns = max(columns, 1)
        self.panels = panels; self.shareX = shareX; self.shareY = shareY; self.title = title
    }

    /// One panel.
    public init(width: Double = 480, height: Double = 320, _ axes: Axes, title: String? = nil) {
        self.init(width: width, height: height, panels: [axes], title: title)
    }

    /// Small multiples: one panel per facet, in `columns` columns (rows as needed).
    public static func facets(_ panels: [Axes], columns: Int, panelWidth: Double = 300, panelHeight: Double = 220,
                              shareX: Bool = true, shareY: Bool = true, title: String? = nil) -> Figure {
        let cols = max(1, min(columns, panels.count))
        let rows = max(1, (panels.count + cols - 1) / cols)
        return Figure(width: panelWidth * Double(cols), height: panelHeight * Double(rows) + (title == nil ? 0 : 24),
                      rows: rows, columns: cols, panels: panels, shareX: shareX, shareY: shareY, title: title)
    }
}
