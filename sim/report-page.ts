/**
 * The fixed parts of the simulator's HTML report: the page's stylesheet and the browser script
 * that draws the charts. Both are plain text inlined by `renderReport` (sim/report.ts); neither
 * holds anything from a run; the run's data reaches the script only through the page's
 * `<script type="application/json" id="sim-data">` block.
 */

/** The page's own stylesheet (uPlot's is inlined before it): system font, light theme, one centred column. */
export const reportCss = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body {
  margin: 0;
  background: #f6f7f9;
  color: #1d2430;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1100px; margin: 0 auto; padding: 24px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #dde1e7; }
h3 { font-size: 15px; margin: 0 0 2px; }
p { margin: 6px 0; }
.verdict { margin: 8px 0 0; display: flex; gap: 8px; flex-wrap: wrap; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 600; }
.good { background: #e3f4e8; color: #17642f; }
.bad { background: #fbe4e4; color: #9b1c1c; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 32px; }
table.kv { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dde1e7; }
.kv th, .kv td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #eceff3; vertical-align: top; }
.kv th { font-weight: 600; color: #3b4452; width: 40%; }
.kv td { font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.kv tr:last-child th, .kv tr:last-child td { border-bottom: 0; }
.u-legend { font-size: 13px; }
ul.violations { margin: 6px 0; padding-left: 22px; color: #9b1c1c; }
ul.violations li { overflow-wrap: anywhere; }
pre { background: #fff; border: 1px solid #dde1e7; border-radius: 4px; padding: 10px 12px; overflow-x: auto; }
code { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
figure { margin: 0 0 20px; padding: 12px 12px 6px; background: #fff; border: 1px solid #dde1e7; border-radius: 4px; }
figcaption { color: #5a6475; font-size: 13px; margin: 0 0 6px; }
.chart { width: 100%; min-height: 40px; }
.chart .uplot { width: auto; }
.empty { color: #9b1c1c; font-size: 13px; margin: 0 0 4px; }
.muted { color: #5a6475; }
`;

/**
 * The browser script: parses the embedded run data and draws the four uPlot charts (commit
 * latency, throughput, highest honest view, messages per node). Every chart renders with empty
 * series too, with axes over a default range and a "no data" note. Plain ES2017, no imports.
 */
export const reportScript = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('sim-data').textContent);
  var series = data.series;
  var charts = [];
  var palette = { blue: '#2563eb', green: '#16a34a', orange: '#ea580c', purple: '#7c3aed', red: '#dc2626', grey: '#64748b' };

  function fade(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + alpha + ')';
  }
  function finite(v) { return typeof v === 'number' && isFinite(v); }
  // Two equal-length columns, x converted from simulated ms to simulated seconds.
  function columns(xs, ys) {
    var n = Math.min(xs.length, ys.length), x = [], y = [];
    for (var i = 0; i < n; i++) { x.push(finite(xs[i]) ? xs[i] / 1000 : null); y.push(finite(ys[i]) ? ys[i] : null); }
    return [x, y];
  }
  function num(v, digits) {
    if (v == null) return '–';
    return v.toLocaleString('en-US', { maximumFractionDigits: digits });
  }
  // From simulated time 0 (or the earliest point) to the last point, from the data itself:
  // uPlot pads a single point's x range widely before it asks.
  function timeRange(u) {
    var xs = u.data[0], lo = 0, hi = -Infinity;
    for (var i = 0; i < xs.length; i++) {
      if (finite(xs[i])) { lo = Math.min(lo, xs[i]); hi = Math.max(hi, xs[i]); }
    }
    return hi > lo ? [lo, hi] : [lo, lo + 1];
  }
  function fromZero(u, min, max) {
    if (!finite(max) || max <= 0) return [0, 1];
    return [Math.min(0, finite(min) ? min : 0), max * 1.08];
  }
  function integerRange(u, min, max) {
    if (!finite(max)) return [0, 1];
    return [Math.min(0, finite(min) ? min : 0), Math.max(1, Math.ceil(max) + 1)];
  }
  var integerIncrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6, 1e7, 1e8, 1e9];
  var axisFont = '12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  var labelFont = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';
  function axis(label, extra) {
    var a = { label: label, font: axisFont, labelFont: labelFont, stroke: '#3b4452', grid: { stroke: '#eceff3', width: 1 }, ticks: { stroke: '#dde1e7', width: 1 } };
    for (var k in extra) a[k] = extra[k];
    return a;
  }
  var timeAxis = axis('simulated time (s)', {});
  var timeSeries = { label: 'time', value: function (u, v) { return v == null ? '–' : num(v, 3) + ' s'; } };

  function chart(id, opts, cols) {
    var el = document.getElementById(id);
    if (cols[0].length === 0) {
      var note = document.createElement('p');
      note.className = 'empty';
      note.textContent = 'no data in this run';
      el.parentNode.insertBefore(note, el);
    }
    opts.width = Math.max(300, el.clientWidth);
    opts.height = 280;
    opts.legend = { live: true };
    opts.cursor = { drag: { x: true, y: false } };
    charts.push({ el: el, plot: new uPlot(opts, cols, el) });
  }

  // Commit latency per committed block over simulated time: points joined by a thin line.
  var latency = columns(series.commitLatency.timeMs, series.commitLatency.latencyMs);
  chart('chart-latency', {
    scales: { x: { time: false, range: timeRange }, y: { range: fromZero } },
    axes: [timeAxis, axis('commit latency (ms)', { size: 60 })],
    series: [timeSeries, {
      label: 'commit latency', stroke: palette.blue, width: 1,
      points: { show: true, size: 5, fill: palette.blue, stroke: palette.blue },
      value: function (u, v) { return v == null ? '–' : num(v, 2) + ' ms'; }
    }]
  }, latency);

  // Committed transactions per simulated second, one point per time bucket.
  var throughput = columns(series.throughput.timeMs, series.throughput.txsPerSec);
  chart('chart-throughput', {
    scales: { x: { time: false, range: timeRange }, y: { range: fromZero } },
    axes: [timeAxis, axis('txs / simulated s', { size: 60 })],
    series: [timeSeries, {
      label: 'throughput', stroke: palette.green, width: 1.5, fill: fade(palette.green, 0.12),
      points: { size: 5, fill: palette.green },
      value: function (u, v) { return v == null ? '–' : num(v, 1) + ' tx/s'; }
    }]
  }, throughput);

  // The highest view any honest replica is in: a step function of simulated time.
  var views = columns(series.views.timeMs, series.views.view);
  chart('chart-views', {
    scales: { x: { time: false, range: timeRange }, y: { range: integerRange } },
    axes: [timeAxis, axis('view', { size: 60, incrs: integerIncrs, values: function (u, splits) { return splits.map(function (v) { return num(v, 0); }); } })],
    series: [timeSeries, {
      label: 'highest honest view', stroke: palette.purple, width: 2, fill: fade(palette.purple, 0.08),
      paths: uPlot.paths.stepped({ align: 1 }),
      points: { size: 5, fill: palette.purple },
      value: function (u, v) { return v == null ? '–' : num(v, 0); }
    }]
  }, views);

  // Messages per node: three bars (sent, delivered to it, dropped on the way to it) per node.
  var m = series.messagesPerNode;
  var names = m.node.map(String);
  var count = names.length;
  var index = names.map(function (_, i) { return i; });
  function column(values) { return index.map(function (i) { return finite(values[i]) ? values[i] : null; }); }
  var group = 0.8, barWidth = group / 3;
  function bars(k) {
    return uPlot.paths.bars({
      disp: {
        x0: { unit: 1, values: function (u) { return u.data[0].map(function (i) { return i - group / 2 + k * barWidth; }); } },
        size: { unit: 1, values: function () { return [barWidth]; } }
      }
    });
  }
  function barSeries(label, color, k) {
    return { label: label, stroke: color, fill: fade(color, 0.75), width: 1, paths: bars(k), points: { show: false },
      value: function (u, v) { return v == null ? '–' : num(v, 0); } };
  }
  chart('chart-messages', {
    scales: {
      x: { time: false, range: function () { return [-0.5, Math.max(count, 1) - 0.5]; } },
      y: { range: fromZero }
    },
    axes: [
      axis('node', {
        splits: function () { return index; },
        values: function (u, splits) { return splits.map(function (i) { return names[i] == null ? '' : names[i]; }); },
        rotate: count > 16 ? -45 : 0,
        size: count > 16 ? 70 : 50,
        grid: { show: false }
      }),
      axis('messages', { size: 70, incrs: integerIncrs, values: function (u, splits) { return splits.map(function (v) { return num(v, 0); }); } })
    ],
    series: [
      { label: 'node', value: function (u, v) { return v == null || names[v] == null ? '–' : names[v]; } },
      barSeries('sent', palette.blue, 0),
      barSeries('delivered', palette.green, 1),
      barSeries('dropped', palette.red, 2)
    ]
  }, [index, column(m.sent), column(m.delivered), column(m.dropped)]);

  var pending = 0;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = requestAnimationFrame(function () {
      pending = 0;
      charts.forEach(function (c) { c.plot.setSize({ width: Math.max(300, c.el.clientWidth), height: 280 }); });
    });
  });
})();
`;
