// The /docs page: static HTML, script and style (separate files so the CSP can stay 'self')
// that render /openapi.json as a readable list of routes. Bundled: it works without internet.
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil API</title>
<link rel="stylesheet" href="/docs/docs.css">
<script src="/docs/docs.js" defer></script>
</head>
<body>
<header><h1>Vigil control plane API</h1><p id="info">Loading <a href="/openapi.json">/openapi.json</a>…</p></header>
<main id="routes"></main>
</body>
</html>
`;

export const DOCS_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1d2330}
h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:1px solid #d0d5dd;text-transform:capitalize}
details{border:1px solid #d0d5dd;border-radius:6px;margin:.4rem 0;background:#fafbfc}
summary{cursor:pointer;padding:.45rem .6rem;display:flex;gap:.7rem;align-items:baseline}
.m{font:600 12px ui-monospace,monospace;padding:.1rem .45rem;border-radius:4px;color:#fff;min-width:3.6rem;text-align:center}
.GET{background:#2f6fde}.POST{background:#1c8a4a}.PATCH{background:#b7791f}.PUT{background:#7a4fd1}.DELETE{background:#c53030}
.p{font-family:ui-monospace,monospace;font-weight:600}.role{margin-left:auto;font-size:12px;color:#596275}
.body{padding:.2rem 1rem 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e4e7ec;padding:.25rem .4rem;text-align:left;vertical-align:top}
pre{background:#f1f3f6;padding:.6rem;border-radius:4px;overflow:auto;max-height:24rem;font-size:12px}
`;

export const DOCS_JS = `'use strict';
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
};
const schemaText = (s) => JSON.stringify(s, null, 2);
function operation(path, method, op) {
  const body = el('div', { class: 'body' });
  if (op.description) body.append(el('p', {}, op.description));
  if (op.parameters && op.parameters.length) {
    const t = el('table', {}, el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'type'), el('th', {}, 'notes')));
    for (const p of op.parameters) {
      const type = p.schema.enum ? p.schema.enum.join(' | ') : p.schema.type || '';
      t.append(el('tr', {}, el('td', {}, p.name + (p.required ? ' *' : '')), el('td', {}, p.in), el('td', {}, String(type)), el('td', {}, p.description || (p.schema.default !== undefined ? 'default ' + p.schema.default : ''))));
    }
    body.append(t);
  }
  if (op.requestBody) body.append(el('h4', {}, 'Request body'), el('pre', {}, schemaText(op.requestBody.content['application/json'].schema)));
  for (const [code, r] of Object.entries(op.responses)) {
    const content = r.content && Object.values(r.content)[0];
    body.append(el('h4', {}, code + ' ' + r.description));
    if (content && code < '300') body.append(el('pre', {}, schemaText(content.schema)));
  }
  return el('details', {}, el('summary', {}, el('span', { class: 'm ' + method.toUpperCase() }, method.toUpperCase()), el('span', { class: 'p' }, path), el('span', {}, op.summary || ''), el('span', { class: 'role' }, op['x-vigil-role'] || '')), body);
}
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  document.getElementById('info').textContent = doc.info.description + ' Version ' + doc.info.version + '.';
  const byTag = new Map();
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const tag = (op.tags && op.tags[0]) || 'other';
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(operation(path, method, op));
  }
  const main = document.getElementById('routes');
  for (const [tag, ops] of byTag) main.append(el('h2', {}, tag), ...ops);
}).catch((e) => { document.getElementById('info').textContent = 'cannot load /openapi.json: ' + e.message; });
`;
