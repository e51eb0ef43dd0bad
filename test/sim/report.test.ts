/**
 * The simulator's HTML report: everything from the run is on the page (escaped), the embedded
 * JSON reads back to the exact input, uPlot is inlined, nothing is loaded from elsewhere, and a
 * run with no commits renders too.
 */
import { describe, expect, it } from 'vitest';
import { renderReport, type SimReportData } from '../../sim/report.js';

const hostile = '"</script><img src=x onerror=alert(1)>';

function sample(): SimReportData {
  return {
    title: 'consortium-ledger simulation, seed 42',
    parameters: { nodes: 7, byzantine: 2, seed: 42, faults: 'partition 4s-6s; drop 1%', checkpoints: true },
    summary: { blocks: 3, txs: 192, tps: 2113.4, 'p50 latency (ms)': 11.25, 'p99 latency (ms)': 142.7 },
    safetyViolations: ['height 3: n1 committed 0xab12, n2 committed 0xcd34'],
    liveness: 'ok',
    replay: 'npx tsx sim/run.ts --seed 42 --nodes 7 --byzantine 2 --faults "partition@4s-6s,drop=0.01"',
    series: {
      commitLatency: { timeMs: [20, 45, 90], latencyMs: [9.5, 11.25, 142.7] },
      throughput: { timeMs: [0, 500, 1000], txsPerSec: [2000, 2200.5, 0] },
      views: { timeMs: [0, 100, 200], view: [0, 0, 1] },
      messagesPerNode: {
        node: ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6'],
        sent: [900, 910, 905, 899, 903, 0, 901],
        delivered: [880, 881, 879, 870, 875, 0, 882],
        dropped: [3, 1, 0, 9, 2, 0, 4],
      },
    },
  };
}

function emptyRun(): SimReportData {
  return {
    ...sample(),
    summary: { blocks: 0, txs: 0 },
    safetyViolations: [],
    liveness: 'no commit in 10000 ms of simulated time',
    series: {
      commitLatency: { timeMs: [], latencyMs: [] },
      throughput: { timeMs: [], txsPerSec: [] },
      views: { timeMs: [], view: [] },
      messagesPerNode: { node: [], sent: [], delivered: [], dropped: [] },
    },
  };
}

const escapeHtml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The text of the page's sim-data script element (from its opening tag to the first `</script`). */
function simDataText(page: string): string {
  const open = '<script type="application/json" id="sim-data">';
  const start = page.indexOf(open);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(page.indexOf(open, start + 1)).toBe(-1);
  const end = page.indexOf('</script', start);
  return page.slice(start + open.length, end);
}

/** The page with the inlined uPlot script and stylesheet cut out, so only our own markup is left. */
function ownMarkup(page: string): string {
  return page
    .replace(/<script>\/\*! https:\/\/github\.com\/leeoniya\/uPlot[\s\S]*?<\/script>/, '')
    .replace(/<style>\.uplot[\s\S]*?<\/style>/, '');
}

describe('renderReport', () => {
  it('shows the title, every parameter and summary entry, the violations, the liveness verdict and the replay command', () => {
    const data = sample();
    const page = renderReport(data);
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(`<title>${data.title}</title>`);
    expect(page).toContain(`<h1>${data.title}</h1>`);
    for (const [key, value] of [...Object.entries(data.parameters), ...Object.entries(data.summary)]) {
      expect(page).toContain(`<th scope="row">${escapeHtml(key)}</th><td>${escapeHtml(String(value))}</td>`);
    }
    for (const violation of data.safetyViolations) expect(page).toContain(`<li>${escapeHtml(violation)}</li>`);
    expect(page).toContain(`<pre><code>${escapeHtml(data.replay)}</code></pre>`);
    expect(page).toContain('liveness: ok');
    expect(page).toContain('safety: violated');
  });

  it('says "none" for a safe run and gives the reason for a run that was not live', () => {
    const data = emptyRun();
    const page = renderReport(data);
    expect(page).toMatch(/<h2>Safety<\/h2>\s*<p><span class="badge good">none<\/span><\/p>/);
    expect(page).not.toContain('class="violations"');
    expect(page).toContain(data.liveness);
    expect(page).toContain('liveness: failed');
  });

  it('embeds the data as JSON that parses back to the input', () => {
    for (const data of [sample(), emptyRun()]) {
      const page = renderReport(data);
      expect(JSON.parse(simDataText(page))).toEqual(data);
      expect(page).toContain("JSON.parse(document.getElementById('sim-data').textContent)");
    }
  });

  it('inlines uPlot and draws four charts with it', () => {
    const page = renderReport(sample());
    expect(page).toContain('/*! https://github.com/leeoniya/uPlot');
    expect(page).toContain('var uPlot=function()');
    expect(page).toContain('.uplot {');
    expect(page).toContain('new uPlot(');
    expect(page).toContain('uPlot.paths.stepped(');
    expect(page).toContain('uPlot.paths.bars(');
    for (const id of ['chart-latency', 'chart-throughput', 'chart-views', 'chart-messages']) {
      expect(page).toContain(`<div class="chart" id="${id}"></div>`);
      expect(page).toContain(`chart('${id}'`);
    }
  });

  it('loads nothing from elsewhere', () => {
    const page = renderReport(sample());
    const loads = [
      /src\s*=\s*["']?\s*(https?:)?\/\//i,
      /href\s*=\s*["']?\s*(https?:)?\/\//i,
      /url\(\s*["']?\s*(https?:)?\/\//i,
      /@import/i,
      /<link/i,
      /<script[^>]*\ssrc/i,
      /<img/i,
      /<iframe/i,
      /fetch\(/,
      /import\(\s*["'`]https?:/,
      /XMLHttpRequest/,
    ];
    for (const pattern of loads) expect(page).not.toMatch(pattern);
    // The only URL anywhere is the one in uPlot's license banner comment.
    expect(page.match(/https?:\/\//g)).toEqual(['https://']);
    expect(page).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"`);
  });

  it('escapes text from the data everywhere it goes into HTML', () => {
    const data: SimReportData = {
      ...sample(),
      title: hostile,
      parameters: { faults: hostile, [hostile]: 1 },
      summary: { note: hostile },
      safetyViolations: [hostile],
      liveness: hostile,
      replay: `npx tsx sim/run.ts --faults '${hostile}' && echo <b>`,
      series: { ...sample().series, messagesPerNode: { node: [hostile], sent: [1], delivered: [1], dropped: [0] } },
    };
    const page = renderReport(data);
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>');
    expect(page).toContain(escapeHtml(hostile));
    const own = ownMarkup(page);
    // Every <script is one of the page's three (data, uPlot, the charts); every </script closes one.
    expect(own.match(/<script/g)).toHaveLength(2);
    expect(page.match(/<script/g)).toHaveLength(3);
    expect(page.match(/<\/script/gi)).toHaveLength(3);
    // The JSON block holds no `<` at all, so nothing in it can close it, and it still reads back.
    const json = simDataText(page);
    expect(json).not.toContain('<');
    expect(json).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(json)).toEqual(data);
  });

  it('cannot be broken out of by a comment opener or line separators in the data', () => {
    const data: SimReportData = { ...sample(), title: '<!-- <script> a\u2028b\u2029c &amp;' };
    const page = renderReport(data);
    const json = simDataText(page);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(data);
    expect(page).toContain('<h1>&lt;!-- &lt;script&gt; a\u2028b\u2029c &amp;amp;</h1>');
  });

  it('renders a run with zero commits and empty series', () => {
    const page = renderReport(emptyRun());
    expect(page).toContain('new uPlot(');
    expect(page).toContain('<h1>consortium-ledger simulation, seed 42</h1>');
    expect(page).toContain('<th scope="row">blocks</th><td>0</td>');
    expect(JSON.parse(simDataText(page)).series.commitLatency.timeMs).toEqual([]);
  });

  it('renders empty parameter and summary tables as "none", and the same data to the same page', () => {
    const data: SimReportData = { ...emptyRun(), parameters: {}, summary: {} };
    const first = renderReport(data);
    expect(first).toMatch(/<h2>Parameters<\/h2>\s*<p class="muted">none<\/p>/);
    expect(first).toMatch(/<h2>Summary<\/h2>\s*<p class="muted">none<\/p>/);
    expect(renderReport(data)).toBe(first);
  });
});
