// Keeps the rules of one file in force: hot reload on change (debounced) and on `reload()`.
// A bad file is reported and the previous rules stay.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { logger } from '../../../lib/log.js';
import { RuleError, RuleSet, parseRules } from './engine.js';

const log = logger('rules');

export type ReloadResult = { ok: true; rules: number } | { ok: false; error: RuleError };

export class RulesWatcher {
  private rules: RuleSet;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  lastError?: RuleError;
  /** When the rules in force were read. */
  loadedAt = new Date();

  constructor(
    readonly path: string,
    initial: RuleSet,
    private readonly debounceMs = 200,
  ) {
    this.rules = initial;
  }

  /** Loads the file once; throws when the very first load fails (nothing to fall back to). */
  static async open(path: string, debounceMs?: number): Promise<RulesWatcher> {
    return new RulesWatcher(path, parseRules(await readFile(path, 'utf8')), debounceMs);
  }

  current(): RuleSet {
    return this.rules;
  }

  async reload(): Promise<ReloadResult> {
    try {
      this.rules = parseRules(await readFile(this.path, 'utf8'));
      this.loadedAt = new Date();
      this.lastError = undefined;
      log.info({ path: this.path, rules: this.rules.size }, 'rules reloaded');
      return { ok: true, rules: this.rules.size };
    } catch (err) {
      const error = err instanceof RuleError ? err : new RuleError('(file)', 'read', (err as Error).message);
      this.lastError = error;
      log.error({ path: this.path, rule: error.rule, field: error.field, err: error.message }, 'rules rejected; previous rules stay in force');
      return { ok: false, error };
    }
  }

  /** Watches the directory: editors and ConfigMap updates replace the file rather than write it. */
  start(onReload?: (r: ReloadResult) => void): void {
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, file) => {
      if (file !== null && file !== name && !file.startsWith('..')) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload().then((r) => onReload?.(r)), this.debounceMs);
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}
