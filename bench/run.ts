// `npm run bench [name...]`: runs every bench/*.bench.js module (or the named ones) in turn.
// Each module exports `run(): Promise<void>` and prints its own figures and ratios.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (modules.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ')}`);
  process.exit(2);
}
for (const file of modules) {
  console.log(`\n== ${file.replace('.bench.js', '')}`);
  const mod = (await import(`./${file}`)) as { run: () => Promise<void> };
  await mod.run();
}
