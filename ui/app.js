// domo-emulator dashboard: plain ES module, no framework. Talks only to the emulator's own admin API
// (/_emulator/*, with X-Domo-Instance) and product API (/api/*, with the token chosen in the header).
const $ = (sel, root = document) => root.querySelector(sel);
const panel = $('#panel');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}
const btn = (label, onclick, cls = 'btn') => el('button', { class: cls, on: { click: onclick } }, label);

function headers(extra = {}) {
  return { 'X-Domo-Instance': $('#instance').value.trim() || 'default', 'X-DOMO-Developer-Token': $('#token').value.trim(), ...extra };
}
/** One call; answers {status, ok, json, text}. */
async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, ok: res.ok, json, text };
}
/** An admin route that may not exist yet: null when it answers 404 (the control is hidden). */
async function optional(method, path, body) {
  const r = await api(method, path, body);
  return r.status === 404 ? null : r;
}
/** The list inside an answer: the array itself, or its first array-valued property. */
function listOf(json) {
  if (Array.isArray(json)) return json;
  if (json && typeof json === 'object') for (const v of Object.values(json)) if (Array.isArray(v)) return v;
  return [];
}
const show = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const errorLine = (r) => el('p', { class: 'error' }, `${r.status}: ${r.json?.message ?? r.text.slice(0, 300)}`);

/** A table of objects (columns: the given keys, else the union of keys) or of arrays with named columns. */
function table(rows, { columns, onRow, id } = {}) {
  const objects = rows.length > 0 && !Array.isArray(rows[0]);
  const cols = columns ?? (objects ? [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 12) : []);
  const t = el('table', { id });
  t.append(el('thead', {}, el('tr', {}, cols.map((c) => el('th', {}, c)))));
  const tb = el('tbody');
  for (const r of rows) {
    const cells = objects ? cols.map((c) => r[c]) : r;
    const tr = el('tr', { class: onRow ? 'clickable' : undefined }, cells.map((v) => el('td', {}, show(v).slice(0, 200))));
    if (onRow) tr.addEventListener('click', () => { t.querySelectorAll('tr.selected').forEach((x) => x.classList.remove('selected')); tr.classList.add('selected'); onRow(r); });
    tb.append(tr);
  }
  t.append(tb);
  return t;
}

/** A bar chart (SVG, drawn here) of the first text column against the first numeric column. */
function chart(columns, rows) {
  // the last numeric column (an aggregate, in the usual GROUP BY query) against the first other column
  const numIdx = columns.findLastIndex((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  if (numIdx < 0) return el('p', { class: 'muted' }, 'No numeric column to chart.');
  const labelIdx = columns.findIndex((_, i) => i !== numIdx);
  const data = rows.slice(0, 30).map((r) => ({ label: labelIdx < 0 ? '' : show(r[labelIdx]), value: r[numIdx] }));
  const max = Math.max(...data.map((d) => Math.abs(d.value)), 1);
  const W = 520, bh = 18, gap = 4, left = 140;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('id', 'sql-chart');
  const H = data.length * (bh + gap) + 20;
  // scales to the space it has (the viewBox keeps the drawing's own units)
  svg.setAttribute('viewBox', `0 0 ${W + left + 80} ${H}`);
  svg.setAttribute('width', '100%');
  svg.setAttribute('style', `max-width:${W + left + 80}px`);
  data.forEach((d, i) => {
    const y = i * (bh + gap);
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', String(left - 6)); label.setAttribute('y', String(y + 13)); label.setAttribute('text-anchor', 'end');
    label.textContent = d.label.slice(0, 22);
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', String(left)); rect.setAttribute('y', String(y));
    rect.setAttribute('width', String(Math.max(1, Math.round((Math.abs(d.value) / max) * W)))); rect.setAttribute('height', String(bh));
    rect.setAttribute('data-label', d.label); rect.setAttribute('data-value', String(d.value));
    const v = document.createElementNS(ns, 'text');
    v.setAttribute('x', String(left + Math.round((Math.abs(d.value) / max) * W) + 4)); v.setAttribute('y', String(y + 13));
    v.textContent = d.value.toLocaleString('en-US');
    svg.append(label, rect, v);
  });
  return el('div', {}, el('h2', {}, `${columns[numIdx]} by ${labelIdx < 0 ? 'row' : columns[labelIdx]}`), svg);
}

// ---------- panels ----------
const panels = {};

panels.Instances = async () => {
  const s = el('section', {}, el('h2', {}, 'Instances'));
  const health = await api('GET', '/_emulator/health');
  const list = await optional('GET', '/_emulator/instances');
  if (list?.ok) s.append(table(listOf(list.json), { columns: ['name', 'from', 'createdAt', 'sizeBytes'] }));
  else s.append(table((health.json?.instances ?? []).map((name) => ({ name }))));
  const bar = el('div', { class: 'bar' }, btn('Reset this instance', async () => { await api('POST', '/_emulator/reset'); render(); }, 'btn secondary'));
  if (list) {
    const name = el('input', { placeholder: 'new instance name' });
    bar.append(name, btn('Fork from fixtures', async () => { await api('POST', '/_emulator/instances', { from: 'fixtures', name: name.value || undefined }); render(); }));
  }
  s.append(bar);
  const cps = await optional('GET', '/_emulator/checkpoints');
  if (cps) {
    const c = el('section', {}, el('h2', {}, 'Checkpoints'));
    const name = el('input', { placeholder: 'checkpoint name' });
    c.append(table(listOf(cps.json), { columns: ['name', 'instance', 'createdAt', 'sizeBytes'], onRow: async (cp) => { await api('POST', `/_emulator/checkpoints/${encodeURIComponent(cp.name)}/restore`); render(); } }),
      el('p', { class: 'muted' }, 'Click a checkpoint to restore it.'),
      el('div', { class: 'bar' }, name, btn('Checkpoint', async () => { await api('POST', '/_emulator/checkpoints', { name: name.value }); render(); })));
    return [s, c];
  }
  return [s];
};

panels.Datasets = async () => {
  // there is no dataset list route in Domo's product API: the search API lists them
  const r = await api('POST', '/api/search/v1/query', { query: '*', count: 200, entityList: [['dataset']] });
  const detail = el('div', { id: 'dataset-detail' });
  const s = el('section', {}, el('h2', {}, 'Datasets'));
  if (!r.ok) s.append(errorLine(r));
  else s.append(table(listOf(r.json?.searchObjects).map((d) => ({ id: d.databaseId, name: d.name, type: d.dataProviderType, owner: d.ownedByName, description: d.description })), { columns: ['id', 'name', 'type', 'owner', 'description'], id: 'datasets', onRow: (ds) => openDataset(ds, detail) }));
  return [s, detail];
};

async function openDataset(ds, detail) {
  detail.replaceChildren();
  const sr = await api('GET', `/api/data/v2/datasources/${ds.id}/schemas/latest`);
  const columns = listOf(sr.json?.schema ?? sr.json?.tables?.[0] ?? sr.json);
  const schema = el('section', {}, el('h2', {}, `Schema of ${ds.name}`), sr.ok ? table(columns, { columns: ['name', 'type'], id: 'schema' }) : errorLine(sr));
  const preview = el('section', {}, el('h2', {}, 'Data preview'));
  let offset = 0;
  const page = 20;
  const body = el('div');
  const load = async () => {
    const q = await api('POST', `/api/query/v1/execute/${ds.id}`, { sql: `SELECT * FROM t LIMIT ${page} OFFSET ${offset}` });
    body.replaceChildren(q.ok ? table(q.json.rows, { columns: q.json.columns, id: 'preview' }) : errorLine(q), el('p', { class: 'muted' }, `rows ${offset + 1}-${offset + (q.json?.rows?.length ?? 0)}`));
  };
  preview.append(el('div', { class: 'bar' }, btn('‹ Prev', () => { offset = Math.max(0, offset - page); load(); }, 'btn secondary'), btn('Next ›', () => { offset += page; load(); }, 'btn secondary')), body);
  const sql = el('textarea', { id: 'sql', rows: 3 });
  const firstCol = (columns.find((c) => c.type === 'STRING') ?? columns[0])?.name ?? 'id';
  sql.value = `SELECT \`${firstCol}\`, COUNT(*) AS n FROM t GROUP BY \`${firstCol}\` ORDER BY n DESC`;
  const out = el('div', { id: 'sql-result' });
  const run = async () => {
    const q = await api('POST', `/api/query/v1/execute/${ds.id}`, { sql: sql.value });
    out.replaceChildren(...(q.ok ? [el('p', { class: 'muted' }, `${q.json.numRows ?? q.json.rows.length} rows`), el('div', { class: 'row' }, table(q.json.rows, { columns: q.json.columns, id: 'sql-rows' }), chart(q.json.columns, q.json.rows))] : [errorLine(q)]));
  };
  const consoleSec = el('section', {}, el('h2', {}, 'SQL console (the dataset is table t)'), sql, el('div', { class: 'bar' }, el('button', { class: 'btn', id: 'run-sql', on: { click: run } }, 'Run')), out);
  detail.append(schema, preview, consoleSec);
  await load();
}

panels.AppDB = async () => {
  const r = await api('GET', '/api/datastores/v1/collections');
  const docs = el('div', { id: 'appdb-detail' });
  const s = el('section', {}, el('h2', {}, 'AppDB collections'));
  s.append(r.ok ? table(listOf(r.json), { columns: ['id', 'name', 'datastoreId', 'owner'], id: 'collections', onRow: (col) => openCollection(col, docs) }) : errorLine(r));
  return [s, docs];
};

async function openCollection(col, box) {
  const name = col.name ?? col.id;
  const q = el('textarea', { id: 'appdb-query', rows: 2 });
  q.value = '{}';
  const out = el('div', { id: 'documents' });
  const detail = el('pre', { id: 'document' });
  const showDocs = (list) => out.replaceChildren(table(list, { columns: ['id', 'owner', 'createdOn', 'content'], onRow: (d) => { detail.textContent = JSON.stringify(d, null, 2); } }), el('p', { class: 'muted' }, `${list.length} documents`));
  const all = await api('GET', `/api/datastores/v1/collections/${encodeURIComponent(name)}/documents`);
  if (all.ok) showDocs(listOf(all.json)); else out.replaceChildren(errorLine(all));
  const run = async () => {
    let body;
    try { body = JSON.parse(q.value || '{}'); } catch (e) { out.replaceChildren(el('p', { class: 'error' }, `Not JSON: ${e.message}`)); return; }
    const res = await api('POST', `/api/datastores/v2/collections/${encodeURIComponent(name)}/documents/query`, body);
    if (res.ok) showDocs(listOf(res.json)); else out.replaceChildren(errorLine(res));
  };
  box.replaceChildren(el('section', {}, el('h2', {}, `Documents in ${name}`), el('p', { class: 'muted' }, 'Query (MongoDB-style, e.g. {"content.status": "open"})'), q,
    el('div', { class: 'bar' }, el('button', { class: 'btn', id: 'run-appdb', on: { click: run } }, 'Query')), el('div', { class: 'row' }, out, detail)));
}

async function download(path, filename) {
  const res = await fetch(path, { headers: headers() });
  const blob = await res.blob();
  const a = el('a', { href: URL.createObjectURL(blob), download: filename });
  document.body.append(a); a.click(); a.remove();
}

panels.Files = async () => {
  const files = await api('GET', '/api/data/v1/data-files/details');
  const f = el('section', {}, el('h2', {}, 'Files (click to download)'));
  f.append(files.ok ? table(listOf(files.json), { columns: ['dataFileId', 'name', 'contentType', 'size'], onRow: (x) => download(`/api/data/v1/data-files/${x.dataFileId ?? x.id}`, x.name ?? 'file') }) : errorLine(files));
  const sets = await api('POST', '/api/files/v1/filesets/search', {});
  const fsBox = el('div');
  const s = el('section', {}, el('h2', {}, 'FileSets'));
  s.append(sets.ok ? table(listOf(sets.json), { columns: ['id', 'name', 'description', 'fileCount'], onRow: async (fs) => {
    const r = await api('POST', `/api/files/v1/filesets/${fs.id}/files/search`, {});
    fsBox.replaceChildren(r.ok ? table(listOf(r.json), { columns: ['id', 'path', 'size', 'contentType'], onRow: (x) => download(`/api/files/v1/filesets/${fs.id}/files/${x.id}/download`, (x.path ?? x.name ?? 'file').split('/').pop()) }) : errorLine(r));
  } }) : errorLine(sets), fsBox);
  return [f, s];
};

panels.People = async () => {
  const out = [];
  for (const [title, path, columns] of [
    ['Users', '/api/identity/v1/users?limit=100', ['id', 'displayName', 'emailAddress', 'roleId']],
    ['Groups', '/api/content/v2/groups', ['id', 'name', 'type', 'memberCount']],
    ['Roles', '/api/authorization/v1/roles', ['id', 'name', 'description', 'userCount']],
  ]) {
    const r = await api('GET', path);
    out.push(el('section', {}, el('h2', {}, title), r.ok ? table(listOf(r.json), { columns }) : errorLine(r)));
  }
  return out;
};

let journalTimer;
panels.Journal = async () => {
  const method = el('select', { id: 'j-method' }, ['', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => el('option', { value: m }, m || 'any method')));
  const path = el('input', { id: 'j-path', placeholder: 'path contains' });
  const status = el('input', { id: 'j-status', placeholder: 'status', size: 5 });
  const list = el('div', { id: 'journal' });
  const detail = el('pre', { id: 'journal-detail' }, 'Click a request for its detail.');
  const refresh = async () => {
    const r = await api('GET', '/_emulator/requests?limit=500');
    if (!r.ok) { list.replaceChildren(errorLine(r)); return; }
    const rows = listOf(r.json).filter((e) => !e.path.startsWith('/_emulator/'))
      .filter((e) => !method.value || e.method === method.value)
      .filter((e) => !path.value || e.path.includes(path.value))
      .filter((e) => !status.value || String(e.status).startsWith(status.value))
      .reverse().slice(0, 200);
    list.replaceChildren(table(rows.map((e) => ({ ...e, time: e.time ? new Date(e.time).toISOString().slice(11, 23) : '' })), { columns: ['time', 'method', 'path', 'status', 'ms', 'requestId'], id: 'journal-rows', onRow: (e) => { detail.textContent = JSON.stringify(e, null, 2); } }));
  };
  for (const c of [method, path, status]) c.addEventListener('input', refresh);
  await refresh();
  journalTimer = setInterval(refresh, 1000);
  return [el('section', {}, el('h2', {}, 'Request journal (live)'), el('div', { class: 'bar' }, method, path, status), el('div', { class: 'row' }, list, detail))];
};

panels.Outbox = async () => {
  const r = await api('GET', '/_emulator/outbox');
  const frame = el('iframe', { class: 'mail', id: 'mail', sandbox: '' });
  const meta = el('div', { id: 'mail-meta' });
  const open = (m) => {
    meta.replaceChildren(el('p', {}, el('b', {}, m.subject ?? ''), ` to ${show(m.recipients ?? m.to)}`));
    const html = m.html ?? m.body ?? '';
    frame.srcdoc = /<[a-z][\s\S]*>/i.test(html) ? html : `<pre style="white-space:pre-wrap;font:13px system-ui">${html.replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch])}</pre>`;
  };
  const rows = listOf(r.json).slice().reverse();
  const s = el('section', {}, el('h2', {}, `Outbox (${rows.length})`), r.ok ? table(rows, { columns: ['kind', 'subject', 'recipients', 'sentAt'], id: 'outbox', onRow: open }) : errorLine(r));
  return [s, el('section', {}, el('h2', {}, 'Message'), meta, frame)];
};

panels['Clock & jobs'] = async () => {
  const clock = await api('GET', '/_emulator/clock');
  const jobs = await api('GET', '/_emulator/jobs?limit=100');
  const dur = el('input', { value: 'PT1H', size: 8, id: 'advance' });
  const set = async (body) => { await api('POST', '/_emulator/clock', body); render(); };
  const c = el('section', {}, el('h2', {}, 'Clock'), el('p', { id: 'clock' }, `${clock.json?.now} ${clock.json?.frozen ? '(frozen)' : '(running)'}`),
    el('div', { class: 'bar' }, btn('Freeze now', () => set({ freeze: clock.json.now })), btn('Resume', () => set({ resume: true }), 'btn secondary'), dur, btn('Advance', () => set({ advance: dur.value }))));
  const j = el('section', {}, el('h2', {}, `Jobs (next due ${jobs.json?.nextDue ?? 'none'})`), table(listOf(jobs.json?.jobs), { columns: ['id', 'kind', 'state', 'dueAt', 'attempts'] }));
  return [c, j];
};

panels.Faults = async () => {
  const r = await optional('GET', '/_emulator/faults');
  if (!r) return [el('section', {}, el('h2', {}, 'Faults'), el('p', { class: 'muted' }, 'This emulator has no fault injection (/_emulator/faults answers 404).'))];
  const path = el('input', { placeholder: 'path, e.g. /api/data/v1/datasets*' });
  const status = el('input', { value: '503', size: 4 });
  return [el('section', {}, el('h2', {}, 'Faults'), table(listOf(r.json), { columns: ['id', 'method', 'path', 'status', 'probability', 'hits'], onRow: async (f) => { await api('DELETE', `/_emulator/faults/${f.id}`); render(); } }),
    el('p', { class: 'muted' }, 'Click a rule to delete it.'),
    el('div', { class: 'bar' }, path, status, btn('Add fault', async () => { await api('POST', '/_emulator/faults', { path: path.value, status: Number(status.value) }); render(); }), btn('Clear all', async () => { await api('DELETE', '/_emulator/faults'); render(); }, 'btn secondary')))];
};

// ---------- shell ----------
let current = location.hash ? decodeURIComponent(location.hash.slice(1)) : 'Datasets';
async function render() {
  clearInterval(journalTimer);
  $('#tabs').replaceChildren(...Object.keys(panels).map((name) => el('button', { class: name === current ? 'active' : undefined, 'data-tab': name, on: { click: () => { current = name; location.hash = name; render(); } } }, name)));
  try {
    const parts = await panels[current]();
    panel.replaceChildren(...parts);
  } catch (e) {
    panel.replaceChildren(el('p', { class: 'error' }, String(e)));
  }
  const clock = await api('GET', '/_emulator/clock');
  $('#clock-now').textContent = clock.ok ? `clock ${clock.json.now}${clock.json.frozen ? ' (frozen)' : ''}` : '';
}
for (const id of ['instance', 'token']) $('#' + id).addEventListener('change', render);
if (!panels[current]) current = 'Datasets';
render();
