/**
 * The project: where things are and the one configuration file, `clm.config.yml` at the root.
 * This is the only module that reads environment variables; everything else is handed a
 * {@link Project}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { UsageError } from './errors.js';

export const CONFIG_FILE = 'clm.config.yml';

/** Everything `clm.config.yml` can set. */
export interface Settings {
  /** The DuckDB warehouse file (CLM_WAREHOUSE, --warehouse). */
  warehouse: string;
  /** One folder per source with its extracts (CLM_LANDING, --landing). */
  landing: string;
  /** The source files, one extractor each (CLM_SOURCES, --sources). */
  sources: string;
  currency: { code: string; symbol: string };
  /** zh-CN: amounts in 万/亿 and Chinese labels; en: K/M and English. */
  locale: 'zh-CN' | 'en';
  weekStart: 'monday' | 'sunday';
  /** The time zone schedules fire in (TZ). */
  timezone: string;
  clv: {
    horizonMonths: number;
    annualDiscountRate: number;
    /** With no cost in the data: margin = revenue × this rate; null leaves predicted CLV in revenue. */
    marginRate: number | null;
  };
  /** Lifecycle thresholds set by hand; null: derived from the data. */
  lifecycle: { activeDays: number | null; atRiskDays: number | null; dormantDays: number | null; loyalOrders: number | null };
  rfm: { scoreBins: number };
  freshnessSlaHours: number;
  runRetentionDays: number;
  /** title: the site's name, shown in its header and tab titles. */
  reports: { title: string; prerenderCustomers: number };
  /**
   * What a run's DuckDB may use: memoryLimit caps its memory (CLM_MEMORY_LIMIT, DuckDB's syntax:
   * '3GB', '80%'); work beyond it spills to tempDirectory (null: beside the warehouse); threads
   * null uses every core.
   */
  duckdb: { memoryLimit: string; tempDirectory: string | null; threads: number | null };
}

export const DEFAULT_SETTINGS: Settings = {
  warehouse: 'data/warehouse.duckdb',
  landing: 'data/sample',
  sources: 'pipelines/sources',
  currency: { code: 'CNY', symbol: '¥' },
  locale: 'zh-CN',
  weekStart: 'monday',
  timezone: 'UTC',
  clv: { horizonMonths: 12, annualDiscountRate: 0.1, marginRate: null },
  lifecycle: { activeDays: null, atRiskDays: null, dormantDays: null, loyalOrders: null },
  rfm: { scoreBins: 5 },
  freshnessSlaHours: 26,
  runRetentionDays: 90,
  reports: { title: 'Customer lifecycle', prerenderCustomers: 100 },
  duckdb: { memoryLimit: '3GB', tempDirectory: null, threads: null },
};

/** Where things are, and the settings. */
export interface Project {
  /** The folder with clm.config.yml, models/, pipelines/sources/ and reports/. */
  root: string;
  models: string;
  /** One extractor per file. */
  sources: string;
  warehouse: string;
  landing: string;
  /** The Evidence project. */
  reports: string;
  /** Where a run's DuckDB spills what does not fit its memory limit. */
  spill: string;
  settings: Settings;
}

export interface ProjectOverrides {
  root?: string;
  warehouse?: string;
  landing?: string;
  models?: string;
  sources?: string;
  reports?: string;
  /** Settings over the file's (tests, the bench). */
  settings?: DeepPartial<Settings>;
  /** The configuration file (CLM_CONFIG; default clm.config.yml in the root). */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The project root: the nearest folder above this file with a package.json. */
export function findProjectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/**
 * Reads the project: clm.config.yml (or CLM_CONFIG), then environment variables, then the
 * overrides (CLI flags, tests). Relative paths in the file are relative to the root.
 */
export function loadProject(overrides: ProjectOverrides = {}): Project {
  const env = overrides.env ?? process.env;
  const root = overrides.root ?? findProjectRoot();
  const configFile = overrides.configFile ?? env['CLM_CONFIG'] ?? join(root, CONFIG_FILE);
  const fromFile = existsSync(configFile) ? readSettingsFile(configFile) : {};
  const settings = merge(merge(merge(DEFAULT_SETTINGS, fromFile), fromEnv(env)), overrides.settings ?? {});
  validate(settings, configFile);
  const at = (path: string) => (isAbsolute(path) ? path : resolve(root, path));
  const warehouse = resolve(overrides.warehouse ?? at(settings.warehouse));
  return {
    root,
    models: overrides.models ?? join(root, 'models'),
    sources: resolve(overrides.sources ?? at(settings.sources)),
    warehouse,
    spill: settings.duckdb.tempDirectory === null ? `${warehouse}.tmp` : at(settings.duckdb.tempDirectory),
    landing: resolve(overrides.landing ?? at(settings.landing)),
    reports: overrides.reports ?? join(root, 'reports'),
    settings,
  };
}

/** The file's snake_case keys as {@link Settings}' camelCase. */
function readSettingsFile(file: string): DeepPartial<Settings> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file}: expected a mapping of settings`);
  return camelKeys(doc as Record<string, unknown>, file, DEFAULT_SETTINGS as unknown as Record<string, unknown>, '') as DeepPartial<Settings>;
}

function camelKeys(doc: Record<string, unknown>, file: string, shape: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const name = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(name in shape)) throw new UsageError(`${file}: unknown setting '${path}${key}'`);
    const expected = shape[name];
    out[name] = expected && typeof expected === 'object' && value && typeof value === 'object'
      ? camelKeys(value as Record<string, unknown>, file, expected as Record<string, unknown>, `${path}${key}.`)
      : value;
  }
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv): DeepPartial<Settings> {
  const number = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : Number(env[name]));
  const settings: DeepPartial<Settings> = {
    warehouse: env['CLM_WAREHOUSE'] || undefined,
    landing: env['CLM_LANDING'] || undefined,
    sources: env['CLM_SOURCES'] || undefined,
    currency: { code: env['CLM_CURRENCY'] || undefined, symbol: env['CLM_CURRENCY_SYMBOL'] || undefined },
    locale: (env['CLM_LOCALE'] || undefined) as Settings['locale'] | undefined,
    timezone: env['TZ'] || undefined,
    freshnessSlaHours: number('CLM_FRESHNESS_SLA_HOURS'),
    runRetentionDays: number('CLM_RUN_RETENTION_DAYS'),
    reports: { prerenderCustomers: number('CLM_PRERENDER_CUSTOMERS') },
    duckdb: { memoryLimit: env['CLM_MEMORY_LIMIT'] || undefined },
  };
  return settings;
}

function merge<T>(base: T, over: DeepPartial<T>): T {
  const out = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(over as Record<string, unknown>)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = current && typeof current === 'object' && value && typeof value === 'object' ? merge(current, value) : value;
  }
  return out as T;
}

function validate(s: Settings, file: string): void {
  const fail = (message: string): never => {
    throw new UsageError(`${file}: ${message}`);
  };
  if (!/^[A-Z]{3}$/.test(s.currency.code)) fail(`currency.code must be an ISO 4217 code like CNY or USD, not '${s.currency.code}'`);
  if (s.locale !== 'zh-CN' && s.locale !== 'en') fail(`locale must be zh-CN or en, not '${s.locale}'`);
  if (s.weekStart !== 'monday' && s.weekStart !== 'sunday') fail(`week_start must be monday or sunday, not '${s.weekStart}'`);
  const positive = { 'clv.horizon_months': s.clv.horizonMonths, 'rfm.score_bins': s.rfm.scoreBins };
  for (const [name, value] of Object.entries(positive)) if (!(Number.isFinite(value) && value > 0)) fail(`${name} must be a positive number, not '${value}'`);
  const notNegative = { freshness_sla_hours: s.freshnessSlaHours, run_retention_days: s.runRetentionDays };
  for (const [name, value] of Object.entries(notNegative)) if (!(Number.isFinite(value) && value >= 0)) fail(`${name} must be a number ≥ 0, not '${value}'`);
  if (!(s.clv.annualDiscountRate >= 0 && s.clv.annualDiscountRate < 1)) fail(`clv.annual_discount_rate must be from 0 to 1, not '${s.clv.annualDiscountRate}'`);
  if (s.clv.marginRate !== null && !(s.clv.marginRate > 0 && s.clv.marginRate <= 1)) fail(`clv.margin_rate must be null or from 0 to 1, not '${s.clv.marginRate}'`);
  if (typeof s.reports.title !== 'string' || s.reports.title.trim() === '') fail(`reports.title must be a name, not '${s.reports.title}'`);
  if (!(Number.isInteger(s.reports.prerenderCustomers) && s.reports.prerenderCustomers >= 0)) fail(`reports.prerender_customers must be a whole number, not '${s.reports.prerenderCustomers}'`);
  if (!/^\s*\d+(\.\d+)?\s*(%|[KMGT]i?B)\s*$/i.test(String(s.duckdb.memoryLimit))) fail(`duckdb.memory_limit must be an amount like 3GB, 512MiB or 80%, not '${s.duckdb.memoryLimit}'`);
  if (s.duckdb.threads !== null && !(Number.isInteger(s.duckdb.threads) && s.duckdb.threads > 0)) fail(`duckdb.threads must be null or a positive whole number, not '${s.duckdb.threads}'`);
  for (const [name, value] of Object.entries(s.lifecycle)) {
    if (value !== null && !(Number.isInteger(value) && value > 0)) fail(`lifecycle.${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} must be null or a positive whole number, not '${value}'`);
  }
}

/**
 * A secret or connection setting an extractor names (`CRM_TOKEN`, `ERP_DATABASE_URL`): read
 * from the environment when the extractor runs, never written in a source file.
 */
export function environmentVariable(name: string, purpose: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new UsageError(`${purpose} reads the environment variable ${name}, which is not set`);
  return value;
}
