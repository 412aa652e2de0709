import type { Warehouse } from './connection.js';

/** The warehouse's schemas, one per layer, plus `meta` for the pipeline's own records. */
export const LAYER_SCHEMAS = ['raw', 'staging', 'intermediate', 'marts', 'analytics', 'meta'] as const;

/**
 * Creates the schemas and the pipeline's record tables when they are missing. Safe to call on
 * every run.
 */
export async function ensureMetaSchema(warehouse: Warehouse): Promise<void> {
  for (const schema of LAYER_SCHEMAS) await warehouse.run(`create schema if not exists ${schema}`);
  await warehouse.run(`
    create table if not exists meta.loaded_files (
        source varchar not null,
        table_name varchar not null,
        file varchar not null,
        checksum varchar not null,
        size_bytes bigint not null,
        rows_read bigint not null,
        rows_loaded bigint not null,
        rows_quarantined bigint not null,
        run_id varchar not null,
        loaded_at timestamp not null
    )`);
  // A text file that does not end with a newline may be a cut transfer: loaded, but flagged.
  await warehouse.run('alter table meta.loaded_files add column if not exists ends_with_newline boolean');
  await warehouse.run(`
    create table if not exists meta.quarantine (
        run_id varchar not null,
        source varchar not null,
        table_name varchar not null,
        file varchar not null,
        line bigint not null,
        column_name varchar,
        reason varchar not null,
        record json,
        quarantined_at timestamp not null
    )`);
  await warehouse.run(`
    create table if not exists meta.runs (
        run_id varchar primary key,
        trigger varchar not null,
        selection varchar not null,
        status varchar not null,
        pid integer,
        started_at timestamp not null,
        finished_at timestamp,
        error varchar
    )`);
  await warehouse.run(`
    create table if not exists meta.asset_runs (
        run_id varchar not null,
        asset_key varchar not null,
        kind varchar not null,
        status varchar not null,
        attempt integer not null,
        started_at timestamp,
        finished_at timestamp,
        rows bigint,
        checks_passed integer,
        checks_failed integer,
        error varchar,
        partition varchar
    )`);
  await warehouse.run('alter table meta.asset_runs add column if not exists partition varchar');
  await warehouse.run(`
    create table if not exists meta.check_results (
        run_id varchar not null,
        asset_key varchar not null,
        check_name varchar not null,
        passed boolean not null,
        failing_rows bigint not null,
        checked_at timestamp not null,
        severity varchar
    )`);
  // error: a failure stops the asset's dependents; warn: recorded and shown only.
  await warehouse.run(`alter table meta.check_results add column if not exists severity varchar default 'error'`);
  // Where each extractor's incremental pull stands; written in the transaction that loads its pages.
  await warehouse.run(`
    create table if not exists meta.extract_state (
        source varchar not null,
        table_name varchar not null,
        cursor varchar,
        last_id varchar,
        records bigint not null,
        run_id varchar not null,
        updated_at timestamp not null,
        primary key (source, table_name)
    )`);
  // Each month's fingerprint of the inputs a month-partitioned model recomputes from, as of its
  // last build (see models/incremental.ts).
  await warehouse.run(`
    create table if not exists meta.month_fingerprints (
        model_key varchar not null,
        input_key varchar not null,
        month varchar not null, -- YYYY-MM-01, or "no month"
        fingerprint varchar not null,
        primary key (model_key, input_key, month)
    )`);
  // What each contract union was last built from, for the next build to merge only what changed
  // (see contract/union-merge.ts): its content sums, and as JSON its providers' code and each raw
  // table's rows per loading run.
  await warehouse.run(`
    create table if not exists meta.union_marks (
        model_key varchar not null,
        content_rows varchar not null,
        content_xor varchar not null,
        content_total varchar not null,
        marks json not null
    )`);
  // What each asset was last built from (see orchestration/data-versions.ts).
  await warehouse.run(`
    create table if not exists meta.data_versions (
        asset_key varchar primary key,
        data_version varchar not null,
        code_version varchar,
        inputs varchar not null,
        rows bigint,
        run_id varchar not null,
        updated_at timestamp not null
    )`);
  // A file's size and modification time, so a file loaded before is known without reading it.
  await warehouse.run('alter table meta.loaded_files add column if not exists modified_at timestamp');
}

/** Column types of the record tables, for Kysely. */
export interface MetaTables {
  'meta.loaded_files': {
    source: string;
    table_name: string;
    file: string;
    checksum: string;
    size_bytes: number;
    rows_read: number;
    rows_loaded: number;
    rows_quarantined: number;
    run_id: string;
    loaded_at: Date;
    ends_with_newline: boolean | null;
    modified_at: Date | null;
  };
  'meta.quarantine': {
    run_id: string;
    source: string;
    table_name: string;
    file: string;
    line: number;
    column_name: string | null;
    reason: string;
    record: string | null;
    quarantined_at: Date;
  };
  'meta.runs': {
    run_id: string;
    trigger: string;
    selection: string;
    status: string;
    pid: number | null;
    started_at: Date;
    finished_at: Date | null;
    error: string | null;
  };
  'meta.asset_runs': {
    run_id: string;
    asset_key: string;
    kind: string;
    status: string;
    attempt: number;
    started_at: Date | null;
    finished_at: Date | null;
    rows: number | null;
    checks_passed: number | null;
    checks_failed: number | null;
    error: string | null;
    partition: string | null;
  };
  'meta.extract_state': {
    source: string;
    table_name: string;
    cursor: string | null;
    last_id: string | null;
    records: number;
    run_id: string;
    updated_at: Date;
  };
  'meta.check_results': {
    run_id: string;
    asset_key: string;
    check_name: string;
    passed: boolean;
    failing_rows: number;
    checked_at: Date;
    severity: 'error' | 'warn';
  };
}
