/**
 * Error classes that carry their context. Every message says what failed and where, so that a
 * person reading a log line knows which file, row, column, model or run to look at.
 */

/** Base class: `exitCode` is what the CLI returns when this error ends a command. */
export class ClmError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong use of the command line or of a configuration value. */
export class UsageError extends ClmError {
  override readonly exitCode = 2;
}

/** An extract file's columns differ from what its source declares. */
export class SchemaDriftError extends ClmError {
  constructor(
    readonly file: string,
    readonly table: string,
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
  ) {
    const parts = [
      missing.length > 0 ? `missing columns: ${missing.join(', ')}` : '',
      unexpected.length > 0 ? `unexpected columns: ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    super(`Schema changed: ${file} (${table}): ${parts.join('; ')}`);
  }
}

/** A file could not be read at all. */
export class ExtractError extends ClmError {}

/** A model's SQL failed in DuckDB. */
export class ModelError extends ClmError {
  constructor(
    readonly model: string,
    readonly file: string,
    cause: unknown,
  ) {
    super(`Model failed: ${model} (${file}): ${errorMessage(cause)}`, { cause });
  }
}

/** A model test found failing rows. */
export class ModelTestError extends ClmError {
  constructor(
    readonly model: string,
    readonly test: string,
    readonly failingRows: number,
  ) {
    super(`Test failed: ${model} ${test}: ${failingRows} failing ${failingRows === 1 ? 'row' : 'rows'}`);
  }
}

/** The model files do not form a valid graph (unknown table, cycle, duplicate name). */
export class GraphError extends ClmError {}

/** Another run holds the warehouse. */
export class WarehouseLockedError extends ClmError {
  override readonly exitCode = 75; // EX_TEMPFAIL: try again later
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
