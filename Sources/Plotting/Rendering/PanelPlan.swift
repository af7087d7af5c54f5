import Foundation

/// One panel resolved for drawing: domains, ticks, labels, colours, legend and its place on the page.
struct PanelPlan {
    var axes: Axes
    var index: Int
    var row: Int
    var column: Int
    var xDomain: (lo: Double, hi: Double)
    var yDomain: (lo: Double, hi: Double)
    var xTicks: Ticks
    var yTicks: Ticks
    var xTickLabels: [Label]
    var yTickLabels: [Label]
    var showXTickLabels = true
    var showYTickLabels = true
    var markColors: [Color?]
    var legendEntries: [LegendEntry]
    var legendOutside = false
    var legendCorner: LegendPlacement = .upperRight
    /// The colour bar ends with an "exactly 0" swatch: a heatmap of this panel, or of another panel
    /// coloured by the same scale, holds −∞ (log10 of an exact zero).
    var showsZeroKey = false
    var plotRect = Rect(x: 0, y: 0, width: 1, height: 1)
    var margins = (left: 0.0, right: 0.0, top: 0.0, bottom: 0.0)

    var name: String { axes.title.map { "panel '\($0)'" } ?? "panel \(index + 1)" }

    var xMap: AxisMap { AxisMap(scale: axes.xScale, domain: xDomain, range: (plotRect.minX, plotRect.maxX)) }
    var yMap: AxisMap { AxisMap(scale: axes.yScale, domain: yDomain, range: (plotRect.maxY, plotRect.minY)) }
    var hasColorbar: Bool { axes.colorScale?.showsColorbar ?? false }
}

extension Axes {
    /// Colours for each mark: explicit, else from the colour scale, else cycling Okabe–Ito.
    /// A band without colour takes the colour the next line will get, so "band, then line" pairs match.
    func resolvedMarkColors() -> [Color?] {
        var next = 0
        var colors: [Color?] = []
        for mark in marks {
            switch mark {
            case .line(let m):
                if let c = m.color { colors.append(c) }
                else if let v = m.colorValue, let s = colorScale { colors.append(s.color(v)) }
                else { colors.append(Palette.categorical(next)); next += 1 }
            case .scatter(let m):
                if let c = m.color { colors.append(c) }
                else if m.values != nil && colorScale != nil { colors.append(nil) }
                else { colors.append(Palette.categorical(next)); next += 1 }
            case .band(let m):
                if let c = m.color { colors.append(c) }
                else if let v = m.colorValue, let s = colorScale { colors.append(s.color(v)) }
                else { colors.append(Palette.categorical(next)) }
            case .histogram(let m):
                if let c = m.color { colors.append(c) } else { colors.append(Palette.categorical(next)); next += 1 }
            default: colors.append(nil)
            }
        }
        return colors
    }

    /// Legend rows from labelled marks, then the explicit `legendEntries`.
    func legendRows(colors: [Color?]) -> [LegendEntry] {
        var rows: [LegendEntry] = []
        for (k, mark) in marks.enumerated() {
            let c = colors[k] ?? .gray(0.3)
            switch mark {
            case .line(let m): if let l = m.label { rows.append(.init(label: l, swatch: .line(color: c, width: m.width, dash: m.dash, marker: m.marker))) }
            case .scatter(let m): if let l = m.label { rows.append(.init(label: l, swatch: .marker(m.marker, c))) }
            case .band(let m): if let l = m.label { rows.append(.init(label: l, swatch: .area(c.withAlpha(max(m.opacity, 0.3))))) }
            case .histogram(let m): if let l = m.label { rows.append(.init(label: l, swatch: .area(c.withAlpha(0.6)))) }
            case .rule(let m): if let l = m.label { rows.append(.init(label: l, swatch: .line(color: m.color, width: m.width, dash: m.dash, marker: .none))) }
            case .circle(let m): if let l = m.label { rows.append(.init(label: l, swatch: .line(color: m.color, width: m.width, dash: m.dash, marker: .none))) }
            case .heatmap(let m): if let l = m.contourLabel, m.contourLevel != nil { rows.append(.init(label: l, swatch: .line(color: .black, width: 1.4, dash: [], marker: .none))) }
            case .text: break
            }
        }
        return rows + legendEntries
    }
}

extension Figure {
    /// Resolves domains (shared where asked), ticks and labels. Throws when a log axis has nothing positive.
    func plans(warnings: inout [String]) throws -> [PanelPlan] {
        var extents: [PanelExtents] = []
        for (k, axes) in panels.enumerated() {
            let e = axes.dataExtents()
            let name = axes.title.map { "panel '\($0)'" } ?? "panel \(k + 1)"
            for (axis, dropped, ext, scale) in [("x", e.droppedX, e.x, axes.xScale), ("y", e.droppedY, e.y, axes.yScale)] where dropped > 0 {
                if ext.isEmpty && scale.isLog { throw PlotError.noPositiveData(axis: axis, panel: name) }
                warnings.append("\(name): dropped \(dropped) non-positive \(axis) value\(dropped == 1 ? "" : "s") from the log axis.")
            }
            extents.append(e)
        }
        var sharedX = Extent(), sharedY = Extent()
        for e in extents { sharedX.formUnion(e.x); sharedY.formUnion(e.y) }
        let padX = extents.allSatisfy(\.padX), padY = extents.allSatisfy(\.padY)

        // Colour scales that must say how they draw exact zeros: those of a panel whose heatmap holds −∞.
        let zeroScales = panels.compactMap { axes -> ColorScale? in
            guard let cs = axes.colorScale, axes.marks.contains(where: { mark in
                if case .heatmap(let h) = mark { return h.values.contains(-.infinity) } else { return false }
            }) else { return nil }
            return cs
        }

        var plans: [PanelPlan] = []
        for (k, axes) in panels.enumerated() {
            let e = extents[k]
            var xd = displayDomain(shareX ? sharedX : e.x, scale: axes.xScale, pad: shareX ? padX : e.padX)
            var yd = displayDomain(shareY ? sharedY : e.y, scale: axes.yScale, pad: shareY ? padY : e.padY)
            if let d = axes.xDomain { xd = (d.lowerBound, d.upperBound) }
            if let d = axes.yDomain { yd = (d.lowerBound, d.upperBound) }
            let xt = axes.ticks(x: true, xd.lo, xd.hi)
            let yt = axes.ticks(x: false, yd.lo, yd.hi)
            let colors = axes.resolvedMarkColors()
            var plan = PanelPlan(axes: axes, index: k, row: k / columns, column: k % columns,
                                 xDomain: xd, yDomain: yd, xTicks: xt, yTicks: yt,
                                 xTickLabels: TickFormatter.labels(xt, scale: axes.xScale),
                                 yTickLabels: TickFormatter.labels(yt, scale: axes.yScale),
                                 markColors: colors, legendEntries: axes.legendRows(colors: colors))
            let lastRow = (panels.count - 1) / columns
            // With shared x, hide tick labels unless nothing sits below this panel.
            plan.showXTickLabels = !shareX || plan.row == lastRow || k + columns >= panels.count
            plan.showYTickLabels = !shareY || plan.column == 0
            plan.legendOutside = axes.legend == .outsideRight
            if let cs = axes.colorScale { plan.showsZeroKey = zeroScales.contains { $0.sameMapping(cs) } }
            if axes.legend == .hidden { plan.legendEntries = [] }
            plans.append(plan)
        }
        return plans
    }
}

extension Axes {
    /// The ticks of the x (or y) axis over [lo, hi]: whole numbers only when asked, on a linear scale.
    func ticks(x: Bool, _ lo: Double, _ hi: Double, target: Int = 6) -> Ticks {
        let scale = x ? xScale : yScale
        if scale == .linear && (x ? xIntegerTicks : yIntegerTicks) { return TickLocator.integer(lo, hi, target: target) }
        return TickLocator.ticks(for: scale, lo, hi, target: target)
    }
}
