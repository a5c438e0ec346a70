// Tetragon's alignchecker habit: user space's idea of every shared struct must match the BTF of
// the compiled probe object, field by field (name, offset, size) and in total size.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYOUTS } from './layout.js';

const OBJECT = resolve(dirname(fileURLToPath(import.meta.url)), '../../build/vigil.bpf.o');

interface BtfType {
  id: number;
  kind: string;
  name?: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: Array<{ name: string; type_id: number; bits_offset: number }>;
}

function loadBtf(): Map<number, BtfType> {
  if (!existsSync(OBJECT)) throw new Error(`${OBJECT} is missing: build the probes first (make -C probe)`);
  const out = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', OBJECT], { maxBuffer: 64 << 20 }).toString();
  const types = (JSON.parse(out) as { types: BtfType[] }).types;
  return new Map(types.map((t) => [t.id, t]));
}

function sizeOf(btf: Map<number, BtfType>, id: number): number {
  const t = btf.get(id);
  if (!t) throw new Error(`BTF type ${id} missing`);
  switch (t.kind) {
    case 'INT':
    case 'STRUCT':
    case 'UNION':
    case 'ENUM':
      return t.size!;
    case 'PTR':
      return 8;
    case 'ARRAY':
      return (t.nr_elems ?? 0) * sizeOf(btf, t.type_id!);
    case 'TYPEDEF':
    case 'CONST':
    case 'VOLATILE':
      return sizeOf(btf, t.type_id!);
    default:
      throw new Error(`no size rule for BTF kind ${t.kind}`);
  }
}

describe('kernel/user record layouts', () => {
  const btf = loadBtf();
  const structs = new Map([...btf.values()].filter((t) => t.kind === 'STRUCT' && t.name).map((t) => [t.name!, t]));

  it.each(Object.entries(LAYOUTS))('%s matches the BTF of the built object', (name, layout) => {
    const s = structs.get(name);
    expect(s, `struct ${name} not in the object's BTF`).toBeDefined();
    expect(s!.size).toBe(layout.size);
    const fromBtf = Object.fromEntries(
      s!.members!.map((m) => [m.name, { offset: m.bits_offset / 8, size: sizeOf(btf, m.type_id) }]),
    );
    expect(layout.fields).toEqual(fromBtf);
  });

  it('every record struct in the object is mirrored', () => {
    const inObject = [...structs.keys()].filter((n) => n.startsWith('vigil_')).sort();
    expect(Object.keys(LAYOUTS).sort()).toEqual(inObject);
  });
});
