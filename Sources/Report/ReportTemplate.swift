/// The page of `gradlab report` as a Mustache template (swift-mustache), with its CSS and script.
///
/// The markup is well-formed XML as well as HTML (void elements closed, script and style wrapped in
/// commented CDATA), so tests parse it strictly. `{{…}}` escapes; `{{{…}}}` is used only for the
/// chart SVG and the constant `css`/`script` below.
enum ReportTemplate {
    static let page = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="generator" content="{{generator}}" />
    <title>{{title}}</title>
    <style>/*<![CDATA[*/{{{css}}}/*]]>*/</style>
    </head>
    <body>
    <header class="page">
    <h1>{{title}}</h1>
    <p class="generator">Written by {{generator}} from each run directory's results.sqlite; every number is a stored number. The page needs no network and no other file.</p>
    </header>
    {{#comparison}}
    <section id="comparison" aria-labelledby="comparison-h">
    <h2 id="comparison-h">Comparison</h2>
    <dl class="facts">{{#legend}}<dt>{{term}}</dt><dd>{{value}}</dd>{{/legend}}</dl>
    {{#charts}}
    <figure class="compare">
    <figcaption><strong>{{heading}}</strong>, {{arrangement}} (one per directory). {{caption}}</figcaption>
    <div class="side-by-side{{#wide}} wide{{/wide}}">
    {{#cells}}<div class="cell"><p class="run-label">{{label}}</p>{{#figure}}{{{svg}}}{{/figure}}{{#missing}}<p class="missing">{{.}}</p>{{/missing}}</div>
    {{/cells}}
    </div>
    </figure>
    {{/charts}}
    {{#table}}{{> table}}{{/table}}
    </section>
    {{/comparison}}
    {{#runs}}
    <section class="run" id="{{anchor}}" aria-labelledby="{{anchor}}-h">
    <h2 id="{{anchor}}-h">{{name}} <span class="label">({{label}})</span></h2>
    {{#description}}<p class="description">{{.}}</p>{{/description}}
    <dl class="facts">{{#facts}}<dt>{{term}}</dt><dd>{{value}}</dd>{{/facts}}</dl>
    <h3>Findings</h3>
    <div class="findings">{{#findings}}<p>{{.}}</p>{{/findings}}</div>
    {{#showFigures}}
    <h3>Charts</h3>
    {{#figures}}
    <figure id="{{id}}">
    {{{svg}}}
    <figcaption><strong>{{heading}}.</strong> {{caption}}</figcaption>
    </figure>
    {{/figures}}
    {{^figures}}<p class="note">No chart was drawn (the experiment declares no plots:, or they found nothing to draw).</p>{{/figures}}
    {{#emptyPlots}}<p class="note">{{.}}</p>{{/emptyPlots}}
    {{/showFigures}}
    {{#failures}}
    <h3>Failed and non-finite runs</h3>
    {{> table}}
    {{/failures}}
    <h3>Runs</h3>
    {{#table}}{{> table}}{{/table}}
    <details><summary>Resolved experiment file (experiment.yaml)</summary><pre>{{experimentText}}</pre></details>
    {{#manifestText}}<details><summary>Manifest (manifest.json)</summary><pre>{{.}}</pre></details>{{/manifestText}}
    </section>
    {{/runs}}
    <script>//<![CDATA[
    {{{script}}}
    //]]></script>
    </body>
    </html>
    """#

    /// One table (partial `table`): filters (shown by the script), a caption, headers with units, rows.
    static let table = #"""
    {{#hasFilters}}<form class="filters" data-table="{{id}}" hidden="hidden">{{#filters}}<label>{{label}} <select data-column="{{column}}"><option value="">all</option>{{#options}}<option>{{.}}</option>{{/options}}</select></label> {{/filters}}<output class="shown"></output></form>{{/hasFilters}}
    <div class="table-wrap"><table id="{{id}}" class="sortable">
    <caption>{{caption}}</caption>
    <thead><tr>{{#headers}}<th scope="col" title="{{name}}"{{#cls}} class="{{.}}"{{/cls}}>{{title}}{{#note}} <span class="unit">({{.}})</span>{{/note}}{{#unit}} <span class="unit">[{{.}}]</span>{{/unit}}</th>{{/headers}}</tr></thead>
    <tbody>
    {{#rows}}<tr class="status-{{status}}">{{#cells}}<td{{#cls}} class="{{.}}"{{/cls}}{{#sort}} data-sort="{{.}}" title="{{.}}"{{/sort}}>{{text}}</td>{{/cells}}</tr>
    {{/rows}}
    </tbody>
    </table></div>
    """#

    static let css = """
    :root { --ink: #1d232b; --muted: #5b6570; --rule: #d5dbe1; --band: #f4f6f8; --ok: #1a7f37; --bad: #b3261e; --warn: #9a6700; }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 1180px; padding: 1.2rem 1.5rem 3rem; color: var(--ink); background: #fff;
           font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
    h1 { font-size: 1.6rem; margin: 0.2rem 0; }
    h2 { font-size: 1.3rem; border-bottom: 2px solid var(--rule); padding-bottom: 0.2rem; margin-top: 2.2rem; }
    h2 .label { color: var(--muted); font-weight: normal; font-size: 1rem; }
    h3 { font-size: 1.05rem; margin: 1.6rem 0 0.5rem; }
    .generator, .note, .run-label, .missing { color: var(--muted); font-size: 0.9rem; }
    .description { font-style: italic; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.8rem 0; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; overflow-wrap: anywhere; }
    .findings p { margin: 0.3rem 0; padding-left: 0.7rem; border-left: 3px solid var(--rule); }
    figure { margin: 1rem 0 1.6rem; }
    figure svg { display: block; width: 100%; height: auto; max-height: 80vh; margin: 0 auto; }
    figcaption { font-size: 0.92rem; color: var(--ink); margin-top: 0.3rem; }
    .side-by-side { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); margin-top: 0.5rem; }
    .side-by-side.wide { grid-template-columns: 1fr; }
    .table-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
    table { border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
    caption { text-align: left; color: var(--muted); padding: 0.2rem 0; caption-side: top; }
    th, td { border-bottom: 1px solid var(--rule); padding: 0.2rem 0.55rem; text-align: left; vertical-align: top; }
    th { background: var(--band); font-weight: 600; white-space: nowrap; }
    th .unit { color: var(--muted); font-weight: normal; }
    td.num { text-align: right; white-space: nowrap; }
    td.point, td.id { white-space: nowrap; }
    td.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.78rem; color: var(--muted); }
    td.missing { color: var(--muted); text-align: center; }
    td.status-ok { color: var(--ok); }
    td.status-failed, td.nonfinite, td.status-nonfinite { color: var(--bad); font-weight: 600; }
    td.reason { max-width: 40rem; }
    td.changed { background: #fff4d6; }
    td.up { color: var(--bad); } td.down { color: #0b57d0; }
    button.sort { all: unset; cursor: pointer; }
    button.sort:focus-visible { outline: 2px solid #0b57d0; }
    th[aria-sort=ascending] button.sort::after { content: " \\25B2"; }
    th[aria-sort=descending] button.sort::after { content: " \\25BC"; }
    form.filters { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; font-size: 0.9rem; margin-top: 0.5rem; }
    form.filters output { color: var(--muted); }
    details { margin: 0.5rem 0; }
    summary { cursor: pointer; color: var(--muted); }
    pre { background: var(--band); padding: 0.7rem; overflow-x: auto; font-size: 0.8rem; white-space: pre-wrap; }
    @page { size: A4; margin: 12mm; }
    @media print {
      body { max-width: none; padding: 0; font-size: 10pt; }
      figure, tr, dl.facts, .findings p { break-inside: avoid; page-break-inside: avoid; }
      figure svg { max-height: 240mm; max-width: 100% !important; }
      .side-by-side { grid-template-columns: 1fr; }
      form.filters, button.sort::after, .id { display: none; }
      .table-wrap { overflow: visible; }
      table { font-size: 7pt; }
      th { white-space: normal; }
      details > pre { display: none; }
      h2 { break-before: auto; break-after: avoid; }
    }
    """

    /// Sorting (click a header; numbers by their exact stored value) and filtering by swept value. The
    /// page is complete without it.
    static let script = """
    (function () {
      "use strict";
      function key(row, i) {
        var c = row.cells[i];
        if (!c) return null;
        var s = c.getAttribute("data-sort");
        return s === null ? c.textContent.trim() : Number(s);
      }
      function compare(a, b) {
        if (a === b) return 0;
        if (a === null || a === "\\u2013") return 1;
        if (b === null || b === "\\u2013") return -1;
        if (typeof a === "number" && typeof b === "number") {
          if (isNaN(a)) return 1;
          if (isNaN(b)) return -1;
          return a - b;
        }
        return String(a).localeCompare(String(b), undefined, { numeric: true });
      }
      document.querySelectorAll("table.sortable").forEach(function (table) {
        var heads = table.tHead.rows[0].cells;
        Array.prototype.forEach.call(heads, function (th, i) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "sort";
          while (th.firstChild) button.appendChild(th.firstChild);
          th.appendChild(button);
          button.addEventListener("click", function () {
            var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
            Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) { return dir * compare(key(a, i), key(b, i)); });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });
      });
      document.querySelectorAll("form.filters").forEach(function (form) {
        var table = document.getElementById(form.getAttribute("data-table"));
        var selects = form.querySelectorAll("select");
        var output = form.querySelector("output");
        function apply() {
          var rows = table.tBodies[0].rows, shown = 0;
          Array.prototype.forEach.call(rows, function (row) {
            var keep = Array.prototype.every.call(selects, function (s) {
              return s.value === "" || row.cells[Number(s.getAttribute("data-column"))].textContent.trim() === s.value;
            });
            row.hidden = !keep;
            if (keep) shown += 1;
          });
          output.textContent = shown + " of " + rows.length + " runs shown";
        }
        selects.forEach(function (s) { s.addEventListener("change", apply); });
        form.hidden = false;
        apply();
      });
      document.documentElement.setAttribute("data-script", "ran");
    })();
    """
}
