/// <reference lib="dom" />
/**
 * The auditor's page (web/verify.html): reads the evidence and genesis JSON from two text
 * areas (pasted, or dropped as files), runs `verifyTransaction` or `verifyState` and shows the
 * verdict. The wasm is inlined in the page as base64 (scripts/build-verify.mjs), so the page
 * needs no server and no network.
 *
 * The verdict panel carries `data-state` (empty | ok | failed) and, on failure, `data-reason`
 * (the stable code), which test/verify/browser.test.ts reads.
 */
import {
  initVerifier,
  type StateVerdict,
  type TransactionVerdict,
  verifyState,
  verifyTransaction,
} from '../src/verify/index.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`verify.html: no #${id}`);
  return found as T;
}

const evidenceInput = element<HTMLTextAreaElement>('evidence');
const genesisInput = element<HTMLTextAreaElement>('genesis');
const button = element<HTMLButtonElement>('verify');
const status = element<HTMLElement>('status');
const panel = element<HTMLElement>('verdict');

function wasmBytes(): Uint8Array {
  const text = (element<HTMLElement>('verifier-wasm').textContent ?? '').trim();
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Replaces the panel's content with a heading and a body built from text nodes (no HTML is parsed). */
function show(state: 'empty' | 'ok' | 'failed', heading: string, body: Node[], reason?: string): void {
  panel.dataset.state = state;
  if (reason === undefined) delete panel.dataset.reason;
  else panel.dataset.reason = reason;
  const h2 = document.createElement('h2');
  h2.textContent = heading;
  panel.replaceChildren(h2, ...body);
}

function paragraph(text: string): HTMLParagraphElement {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

function table(rows: [string, string][]): HTMLTableElement {
  const t = document.createElement('table');
  for (const [name, value] of rows) {
    const tr = t.insertRow();
    tr.insertCell().textContent = name;
    const code = document.createElement('code');
    code.textContent = value;
    tr.insertCell().append(code);
  }
  return t;
}

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`the ${what} is not JSON: ${(error as Error).message}`);
  }
}

function render(verdict: TransactionVerdict | StateVerdict): void {
  if (!verdict.ok) {
    show('failed', `Not verified: ${verdict.reason}`, [paragraph(verdict.detail)], verdict.reason);
    return;
  }
  const f = verdict.facts;
  const certified: [string, string][] = [
    ['block', `${f.height}  ${f.blockHash}`],
    ['certificate', `${f.signers} of ${f.validators} validators signed (a quorum is ${f.quorum}), view ${f.view}`],
    ['chain', f.chainId],
  ];
  if ('txId' in f) {
    const receipt =
      f.receiptCode === null
        ? 'not in the evidence'
        : f.receiptCode === 0
          ? 'applied (code 0)'
          : `refused (code ${f.receiptCode})`;
    show('ok', 'Verified: the transaction is committed', [
      table([['tx id', f.txId], ['position', `index ${f.txIndex} in the block`], ['receipt', receipt], ...certified]),
    ]);
  } else {
    show('ok', f.value === null ? 'Verified: the key is absent' : 'Verified: the key holds this value', [
      table([['key', f.key], ['value', f.value ?? '(absent)'], ['state root', f.stateRoot], ...certified]),
    ]);
  }
}

function verify(): void {
  const evidenceText = evidenceInput.value.trim();
  const genesisText = genesisInput.value.trim();
  if (evidenceText === '' || genesisText === '') {
    show('empty', 'No evidence yet', [paragraph('Paste or drop the evidence and the genesis above.')]);
    return;
  }
  let evidence: unknown;
  let genesis: unknown;
  try {
    evidence = parse(evidenceText, 'evidence');
    genesis = parse(genesisText, 'genesis');
  } catch (error) {
    show('failed', 'Not verified: malformed input', [paragraph((error as Error).message)], 'malformed-evidence');
    return;
  }
  const isState = typeof evidence === 'object' && evidence !== null && 'key' in evidence && !('tx' in evidence);
  render(isState ? verifyState(evidence, genesis) : verifyTransaction(evidence, genesis));
}

function acceptDrops(area: HTMLTextAreaElement): void {
  area.addEventListener('dragover', (event) => {
    event.preventDefault();
    area.classList.add('drag');
  });
  area.addEventListener('dragleave', () => area.classList.remove('drag'));
  area.addEventListener('drop', (event) => {
    event.preventDefault();
    area.classList.remove('drag');
    const file = event.dataTransfer?.files[0];
    if (file === undefined) return;
    file.text().then((text) => {
      area.value = text;
      if (!button.disabled) verify();
    });
  });
}

acceptDrops(evidenceInput);
acceptDrops(genesisInput);
button.addEventListener('click', verify);
for (const area of [evidenceInput, genesisInput]) area.addEventListener('input', () => button.disabled || verify());

initVerifier({ wasm: wasmBytes() }).then(
  () => {
    button.disabled = false;
    status.textContent = 'Verifier ready (runs in this page, offline).';
    document.body.dataset.ready = 'true';
    if (evidenceInput.value.trim() !== '') verify();
  },
  (error: unknown) => {
    status.textContent = `The verifier did not load: ${(error as Error).message}`;
    document.body.dataset.ready = 'failed';
  },
);
