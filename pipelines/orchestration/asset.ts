import type { Warehouse } from '../warehouse/connection.js';
import type { Settings } from '../config.js';
import type { CheckOutcome } from '../models/materialise.js';

export type AssetKind = 'load' | 'model' | 'analytics' | 'publish';

/** What one materialisation produced: rows, checks and anything worth recording. */
export interface AssetResult {
  rows?: number;
  checks?: CheckOutcome[];
  /** A one-line summary for the progress log, e.g. `2,965 read · 2,948 loaded · 17 quarantined`. */
  summary?: string;
  /** Numbers worth keeping with the run (seconds spent building vs testing, …). */
  metrics?: Record<string, number>;
  /** false: nothing new was found (a load with no new file), so what depends on it need not change. */
  changed?: boolean;
  /** A month-partitioned table rebuilt from `month` (YYYY-MM-01) on, in `column`: the rows before it are as they were. */
  builtFrom?: { month: string; column: string };
  /** The table's content version (`contentVersion` in data-versions.ts), when the asset knows it without reading the table again. */
  content?: string;
}

/** What the runner knows about an asset's inputs and its last build (incremental builds start from it). */
export interface BuildHistory {
  /** Upstream key → its data version now. */
  inputs: ReadonlyMap<string, string>;
  /** The same at the asset's last build; absent when that build had other code or its table is gone. */
  previousInputs?: ReadonlyMap<string, string>;
  /** Upstreams rebuilt in this run from a month on (YYYY-MM-01); their months before it are as they were. */
  changedFrom: ReadonlyMap<string, string>;
}

export interface AssetContext {
  warehouse: Warehouse;
  runId: string;
  landingRoot: string;
  projectRoot: string;
  /** The Evidence project (reports/). */
  reportsDir: string;
  /** The project configuration (clm.config.yml). */
  settings: Settings;
  /** For a partitioned asset: the month (YYYY-MM) to materialise (a backfill). */
  partition?: string;
  history?: BuildHistory;
  log: (line: string) => void;
}

/** One named, materialisable object in the graph. The key is the table it writes. */
export interface Asset {
  key: string;
  kind: AssetKind;
  group: string;
  description: string;
  upstream: readonly string[];
  tags: readonly string[];
  /** The file that declares it, relative to the project root, for messages (a model's SQL file). */
  file?: string;
  /** Extract assets are retried with backoff; models are not (the same SQL fails the same way). */
  retries?: number;
  /**
   * The asset commits its work itself, in parts that each leave the warehouse whole (a load, file
   * by file), so the runner does not hold it in one transaction: a failure keeps the parts done.
   */
  commitsInParts?: boolean;
  /**
   * What the output depends on besides the upstream data (a model's SQL and tests). An asset
   * with a code version is not rebuilt when neither it nor any upstream data changed since its
   * last build (see data-versions.ts); one without runs every time.
   */
  codeVersion?(context: AssetContext): Promise<string>;
  materialise(context: AssetContext): Promise<AssetResult>;
}
