import { readdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceDefinition, TableSpec } from '../load/source.js';
import { rawTableName, sourceFolder } from '../load/source.js';

/** A file that landed (or changed) in a source's inbox, and the load asset it feeds. */
export interface LandedFile {
  file: string;
  assetKey: string;
}

/**
 * Watches each source's inbox folder by polling (reliable on every file system, unlike fs.watch).
 * A file counts as landed once its size and modification time have held still for one poll, so a
 * file still being copied is not picked up half-written.
 */
export class InboxSensor {
  private readonly seen = new Map<string, string>();
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly landingRoot: string,
    private readonly sources: readonly SourceDefinition[],
  ) {}

  /** Remembers what is there now, so only later arrivals trigger. */
  async prime(): Promise<void> {
    for (const file of await this.list()) this.seen.set(file.path, file.signature);
  }

  /** Files that landed since the last poll. */
  async poll(): Promise<LandedFile[]> {
    const landed: LandedFile[] = [];
    for (const file of await this.list()) {
      if (this.seen.get(file.path) === file.signature) continue;
      if (this.pending.get(file.path) !== file.signature) {
        this.pending.set(file.path, file.signature);
        continue;
      }
      this.pending.delete(file.path);
      this.seen.set(file.path, file.signature);
      landed.push({ file: file.path, assetKey: file.assetKey });
    }
    return landed;
  }

  private async list(): Promise<{ path: string; signature: string; assetKey: string }[]> {
    const files: { path: string; signature: string; assetKey: string }[] = [];
    for (const source of this.sources) {
      const dir = sourceFolder(this.landingRoot, source);
      if (!existsSync(dir)) continue;
      for (const name of await readdir(dir)) {
        const table = source.tables.find((t) => matchesGlob(name, t));
        if (!table || name.startsWith('.')) continue;
        const info = await stat(join(dir, name));
        files.push({ path: join(dir, name), signature: `${info.size}:${info.mtimeMs}`, assetKey: `raw.${rawTableName(source, table)}` });
      }
    }
    return files;
  }
}

function matchesGlob(name: string, table: TableSpec): boolean {
  const pattern = table.files.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${pattern}$`).test(name);
}
