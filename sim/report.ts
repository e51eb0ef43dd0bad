/**
 * The simulator's report: one self-contained HTML page per run. Parameters, summary, the safety
 * and liveness verdicts and the replay command as text; commit latency, throughput, the highest
 * honest view and messages per node as uPlot charts. uPlot's script and stylesheet are inlined
 * and the run's data is embedded as JSON, so the page loads nothing (a Content-Security-Policy
 * of `default-src 'none'` says so to the browser too) and works from a file, offline.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { reportCss, reportScript } from './report-page.js';

/** What a simulation run hands to the report. */
export interface SimReportData {
  /** The page's title and heading, e.g. "consortium-ledger simulation, seed 42". */
  readonly title: string;
  /** The run's inputs (nodes, byzantine, seed, faults, …), shown as a table in this order. */
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  /** The run's results (blocks, txs, tps, p50/p99, …), shown as a table in this order. */
  readonly summary: Readonly<Record<string, string | number>>;
  /** Every safety violation found, one sentence each; empty when the run was safe. */
  readonly safetyViolations: readonly string[];
  /** `"ok"`, or the reason the run was not live. */
  readonly liveness: string;
  /** The exact command that replays the run. */
  readonly replay: string;
  /**
   * The charts' data. Each pair of arrays is one chart's columns and should be of equal length
   * (the page draws the common prefix); values must be finite numbers, since JSON has no NaN or
   * Infinity (they would embed as `null` and draw as gaps).
   */
  readonly series: {
    /** One point per committed block (first honest commit): simulated time and commit latency, ms. */
    readonly commitLatency: { readonly timeMs: readonly number[]; readonly latencyMs: readonly number[] };
    /** Committed transactions per simulated second, per time bucket. */
    readonly throughput: { readonly timeMs: readonly number[]; readonly txsPerSec: readonly number[] };
    /** The highest view any honest replica is in, sampled over simulated time. */
    readonly views: { readonly timeMs: readonly number[]; readonly view: readonly number[] };
    /** Per node: messages sent, delivered to it, dropped on the way to it. */
    readonly messagesPerNode: {
      readonly node: readonly string[];
      readonly sent: readonly number[];
      readonly delivered: readonly number[];
      readonly dropped: readonly number[];
    };
  };
}

/** uPlot's minified browser build and stylesheet, read from node_modules on first use. */
interface UplotAssets {
  readonly js: string;
  readonly css: string;
}

let uplotAssets: UplotAssets | undefined;

function loadUplot(): UplotAssets {
  if (uplotAssets === undefined) {
    const require = createRequire(import.meta.url);
    const read = (file: string) => readFileSync(require.resolve(file), 'utf8');
    const js = read('uplot/dist/uPlot.iife.min.js');
    const css = read('uplot/dist/uPlot.min.css');
    // Inlined raw, so neither may contain what would end its element early.
    if (/<\/script/i.test(js) || /<!--/.test(js) || /<\/style/i.test(css)) {
      throw new Error('uPlot build contains a closing tag and cannot be inlined');
    }
    uplotAssets = { js, css };
  }
  return uplotAssets;
}

const htmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` safe to place in HTML text or a quoted attribute. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);
}

/**
 * `value` as JSON for a `<script type="application/json">` element: `<`, `>` and `&` as `\u` escapes
 * so no `</script>` or `<!--` can end or change the element, and U+2028/U+2029 escaped too. JSON.parse
 * reads the escapes back, so the page gets exactly the data.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function table(rows: Readonly<Record<string, string | number | boolean>>): string {
  const entries = Object.entries(rows);
  if (entries.length === 0) return '<p class="muted">none</p>';
  const body = entries
    .map(([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td>${escapeHtml(String(value))}</td></tr>`)
    .join('\n');
  return `<table class="kv">\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function figure(id: string, title: string, caption: string): string {
  return `<figure>
<h3>${title}</h3>
<figcaption>${caption}</figcaption>
<div class="chart" id="${id}"></div>
</figure>`;
}

/**
 * One self-contained HTML page for a simulation run: no external URL (uPlot's JS and CSS are
 * inlined, the data is embedded as JSON in `<script type="application/json" id="sim-data">`).
 * Every string from `data` is HTML-escaped where it is put into HTML; the embedded JSON has `<`
 * escaped as `\u003c`, so no string in the data can close the script element.
 */
export function renderReport(data: SimReportData): string {
  const { js, css } = loadUplot();
  const title = escapeHtml(data.title);
  const safe = data.safetyViolations.length === 0;
  const live = data.liveness === 'ok';
  const violations = safe
    ? '<p><span class="badge good">none</span></p>'
    : `<p><span class="badge bad">${data.safetyViolations.length} violation${data.safetyViolations.length === 1 ? '' : 's'}</span></p>
<ul class="violations">
${data.safetyViolations.map((v) => `<li>${escapeHtml(v)}</li>`).join('\n')}
</ul>`;
  const liveness = live
    ? '<p><span class="badge good">ok</span></p>'
    : `<p><span class="badge bad">not live</span> ${escapeHtml(data.liveness)}</p>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>${title}</title>
<style>${css}</style>
<style>${reportCss}</style>
</head>
<body>
<main>
<h1>${title}</h1>
<div class="verdict"><span class="badge ${safe ? 'good' : 'bad'}">safety: ${safe ? 'ok' : 'violated'}</span><span class="badge ${live ? 'good' : 'bad'}">liveness: ${live ? 'ok' : 'failed'}</span></div>
<div class="tables">
<section>
<h2>Parameters</h2>
${table(data.parameters)}
</section>
<section>
<h2>Summary</h2>
${table(data.summary)}
</section>
</div>
<section>
<h2>Safety</h2>
${violations}
<h2>Liveness</h2>
${liveness}
</section>
<section>
<h2>Replay</h2>
<pre><code>${escapeHtml(data.replay)}</code></pre>
</section>
<section>
<h2>Charts</h2>
<noscript><p class="muted">The charts need JavaScript.</p></noscript>
${figure('chart-latency', 'Commit latency', 'One point per committed block (first honest commit), at its simulated commit time.')}
${figure('chart-throughput', 'Throughput', 'Committed transactions per simulated second, per time bucket.')}
${figure('chart-views', 'View', 'The highest view any honest replica is in, over simulated time.')}
${figure('chart-messages', 'Messages per node', 'Messages each node sent, messages delivered to it, and messages dropped on the way to it.')}
</section>
</main>
<script type="application/json" id="sim-data">${scriptJson(data)}</script>
<script>${js}</script>
<script>${reportScript}</script>
</body>
</html>
`;
}
