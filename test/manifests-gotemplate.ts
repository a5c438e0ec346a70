// A stand-in for `helm template` where no helm binary exists (neither Debian nor npm packages
// it): Go's text/template syntax and the handful of Helm/Sprig functions Vigil's chart uses,
// enough to render the chart and check its YAML. An unknown function or syntax throws, so a
// template this subset cannot read fails the test instead of rendering wrongly.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';

type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; p: Pipe }
  | { t: 'if' | 'with'; p: Pipe; body: Node[]; els: Node[] }
  | { t: 'range'; vars: string[]; p: Pipe; body: Node[] }
  | { t: 'define'; name: string; body: Node[] };
interface Pipe {
  decl: string[];
  cmds: Operand[][];
}
type Operand = { k: 'lit'; v: unknown } | { k: 'field'; base: string; path: string[] } | { k: 'fn'; name: string } | { k: 'sub'; p: Pipe };

/** Splits text and actions, applying `{{-` / `-}}` trimming and dropping comments. */
function lex(src: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    out.push({ text: src.slice(i, open) });
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error('unclosed {{');
    let inner = src.slice(open + 2, close);
    if (inner.startsWith('-')) {
      const last = out.at(-1) as { text: string };
      last.text = last.text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    i = close + 2;
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      while (i < src.length && /\s/.test(src[i]!)) i++;
    }
    inner = inner.trim();
    if (!inner.startsWith('/*')) out.push({ action: inner });
  }
  return out;
}

function tokenize(s: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|:=|[(),|]|[^\s(),|]+)/gy;
  const toks: string[] = [];
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    toks.push(m[1]!);
    end = re.lastIndex;
  }
  if (s.slice(end).trim()) throw new Error(`cannot read action: ${s}`);
  return toks;
}

function parsePipe(toks: string[]): Pipe {
  let pos = 0;
  const decl: string[] = [];
  const assign = toks.indexOf(':=');
  if (assign > 0) {
    decl.push(...toks.slice(0, assign).filter((t) => t !== ','));
    pos = assign + 1;
  }
  const parseCmds = (): Operand[][] => {
    const cmds: Operand[][] = [[]];
    while (pos < toks.length) {
      const t = toks[pos++]!;
      if (t === ')') return cmds;
      if (t === '|') cmds.push([]);
      else if (t === '(') cmds.at(-1)!.push({ k: 'sub', p: { decl: [], cmds: parseCmds() } });
      else cmds.at(-1)!.push(operand(t));
    }
    return cmds;
  };
  return { decl, cmds: parseCmds() };
}

function operand(t: string): Operand {
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t) };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { k: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
  if (t === 'nil') return { k: 'lit', v: undefined };
  if (t.startsWith('.') || t.startsWith('$')) {
    const [base, ...path] = t.startsWith('.') ? ['.', ...t.slice(1).split('.').filter(Boolean)] : t.split('.');
    return { k: 'field', base: base!, path };
  }
  return { k: 'fn', name: t };
}

function parse(src: string): Node[] {
  const items = lex(src);
  let i = 0;
  const block = (ends: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < items.length) {
      const it = items[i++]!;
      if ('text' in it) {
        if (it.text) nodes.push({ t: 'text', s: it.text });
        continue;
      }
      const [word] = it.action.split(/\s+/, 1);
      const rest = it.action.slice(word!.length).trim();
      if (word === 'else' && rest) throw new Error(`{{ else ${rest} }} is not in this helm template stand-in`);
      if (ends.includes(word!)) return { nodes, end: word! };
      if (word === 'if' || word === 'with') {
        const body = block(['else', 'end']);
        const els = body.end === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: word, p: parsePipe(tokenize(rest)), body: body.nodes, els });
      } else if (word === 'range') {
        const p = parsePipe(tokenize(rest));
        nodes.push({ t: 'range', vars: p.decl, p: { decl: [], cmds: p.cmds }, body: block(['end']).nodes });
      } else if (word === 'define') {
        nodes.push({ t: 'define', name: JSON.parse(rest), body: block(['end']).nodes });
      } else if (word === 'end' || word === 'else') {
        throw new Error(`unexpected {{ ${word} }}`);
      } else {
        nodes.push({ t: 'action', p: parsePipe(tokenize(it.action)) });
      }
    }
    if (ends.length) throw new Error(`missing {{ ${ends.join(' / ')} }}`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && !v.length) || (typeof v === 'object' && !Array.isArray(v) && !Object.keys(v as object).length));

/** Go's %v for the values a chart prints; numbers are float64 as in Helm (10485760 → 1.048576e+07). */
function show(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (v === 0) return '0';
    const [mantissa, e] = v.toExponential().split('e') as [string, string];
    const exp = Number(e);
    const digits = mantissa.replace(/[-.]/g, '').length;
    const eprec = digits > 6 && digits >= exp + 1 ? digits : 6;
    if (exp < -4 || exp >= eprec) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return String(v);
  }
  throw new Error(`cannot print ${JSON.stringify(v)}`);
}

const indentLines = (n: number, s: string) => s.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

export class ChartRenderer {
  private defines = new Map<string, Node[]>();

  constructor(private readonly root: Record<string, unknown>) {}

  addTemplate(name: string, src: string): Node[] {
    const nodes = parse(src);
    for (const n of nodes) if (n.t === 'define') this.defines.set(n.name, n.body);
    this.defines.set(name, nodes);
    return nodes;
  }

  render(name: string, dot: unknown = this.root): string {
    const nodes = this.defines.get(name);
    if (!nodes) throw new Error(`no template "${name}"`);
    return this.exec(nodes, dot, [new Map([['$', this.root]])]);
  }

  private exec(nodes: Node[], dot: unknown, scopes: Array<Map<string, unknown>>): string {
    let out = '';
    const scope = new Map<string, unknown>();
    const vars = [...scopes, scope];
    for (const n of nodes) {
      switch (n.t) {
        case 'text':
          out += n.s;
          break;
        case 'define':
          break;
        case 'action': {
          const v = this.pipe(n.p, dot, vars);
          if (n.p.decl.length) scope.set(n.p.decl[0]!, v);
          else out += show(v);
          break;
        }
        case 'if':
        case 'with': {
          const v = this.pipe(n.p, dot, vars);
          if (truthy(v)) out += this.exec(n.body, n.t === 'with' ? v : dot, vars);
          else out += this.exec(n.els, dot, vars);
          break;
        }
        case 'range': {
          const v = this.pipe(n.p, dot, vars);
          const entries: Array<[unknown, unknown]> = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : Object.keys((v ?? {}) as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]);
          for (const [k, x] of entries) {
            const s = new Map<string, unknown>();
            if (n.vars.length === 2) s.set(n.vars[0]!, k).set(n.vars[1]!, x);
            else if (n.vars.length === 1) s.set(n.vars[0]!, x);
            out += this.exec(n.body, x, [...vars, s]);
          }
          break;
        }
      }
    }
    return out;
  }

  private pipe(p: Pipe, dot: unknown, vars: Array<Map<string, unknown>>): unknown {
    let prev: { v: unknown } | undefined;
    for (const cmd of p.cmds) {
      const [head, ...args] = cmd;
      if (!head) throw new Error('empty command');
      const argv = args.map((a) => this.value(a, dot, vars));
      if (prev) argv.push(prev.v);
      if (head.k === 'fn') prev = { v: this.call(head.name, argv) };
      else {
        if (argv.length) throw new Error('arguments given to a value');
        prev = { v: this.value(head, dot, vars) };
      }
    }
    return prev?.v;
  }

  private value(o: Operand, dot: unknown, vars: Array<Map<string, unknown>>): unknown {
    if (o.k === 'lit') return o.v;
    if (o.k === 'sub') return this.pipe(o.p, dot, vars);
    if (o.k === 'fn') return this.call(o.name, []);
    let v: unknown;
    if (o.base === '.') v = dot;
    else {
      const scope = [...vars].reverse().find((s) => s.has(o.base));
      if (!scope) throw new Error(`undefined variable ${o.base}`);
      v = scope.get(o.base);
    }
    for (const key of o.path) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[key];
    return v;
  }

  private call(name: string, a: unknown[]): unknown {
    const str = (i: number) => {
      if (typeof a[i] !== 'string') throw new Error(`${name}: argument ${i + 1} is not a string`);
      return a[i] as string;
    };
    switch (name) {
      case 'include':
        return this.render(str(0), a[1]);
      case 'dict': {
        const d: Record<string, unknown> = {};
        for (let i = 0; i < a.length; i += 2) d[str(i)] = a[i + 1];
        return d;
      }
      case 'set':
        (a[0] as Record<string, unknown>)[str(1)] = a[2];
        return a[0];
      case 'deepCopy':
        return structuredClone(a[0]);
      case 'toYaml':
        return a[0] === undefined ? 'null' : stringify(a[0], { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
      case 'nindent':
        return '\n' + indentLines(a[0] as number, str(1));
      case 'indent':
        return indentLines(a[0] as number, str(1));
      case 'quote':
        return JSON.stringify(a.length ? show(a[0]) : '');
      case 'toString':
        return show(a[0]);
      case 'default':
        return truthy(a[1]) ? a[1] : a[0];
      case 'printf': {
        let i = 1;
        return str(0).replace(/%[sdv]/g, () => show(a[i++]));
      }
      case 'print':
        return a.map(show).join('');
      case 'sha256sum':
        return createHash('sha256').update(str(0)).digest('hex');
      case 'ne':
        return a[0] !== a[1];
      case 'eq':
        return a[0] === a[1];
      default:
        throw new Error(`function "${name}" is not in this helm template stand-in`);
    }
  }
}

/** Sets a dotted path the way `--set a.b=c` does (true/false/numbers typed). */
function setPath(values: Record<string, unknown>, assignment: string): void {
  const [path, raw] = assignment.split(/=(.*)/s) as [string, string];
  const keys = path.split('.');
  let node = values;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

/** Renders every manifest template of a chart (as `helm template` would) and its NOTES.txt. */
export function renderChart(chartDir: string, opts: { releaseName: string; namespace: string; set?: string[] }): { manifests: string; notes: string } {
  const chart = readYaml(join(chartDir, 'Chart.yaml'));
  const values = readYaml(join(chartDir, 'values.yaml'));
  for (const s of opts.set ?? []) setPath(values, s);
  const basePath = `${chart.Name}/templates`;
  const root = {
    Values: values,
    Release: { Name: opts.releaseName, Namespace: opts.namespace, Service: 'Helm' },
    Chart: { Name: chart.Name, Version: chart.Version, AppVersion: chart.AppVersion },
    Template: { BasePath: basePath },
  };
  const renderer = new ChartRenderer(root);
  const files = readdirSync(join(chartDir, 'templates')).sort();
  for (const f of files) renderer.addTemplate(`${basePath}/${f}`, readFileSync(join(chartDir, 'templates', f), 'utf8'));
  const manifests = files
    .filter((f) => !f.startsWith('_') && /\.ya?ml$/.test(f))
    .map((f) => `---\n# Source: ${basePath}/${f}\n${renderer.render(`${basePath}/${f}`)}\n`)
    .join('');
  return { manifests, notes: files.includes('NOTES.txt') ? renderer.render(`${basePath}/NOTES.txt`) : '' };
}

function readYaml(file: string): Record<string, any> {
  const raw = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Record<string, any>;
  // Chart.yaml's keys are lower camel case; templates read them capitalised (.Chart.AppVersion).
  if (file.endsWith('Chart.yaml')) return { Name: raw.name, Version: raw.version, AppVersion: raw.appVersion };
  return raw;
}
