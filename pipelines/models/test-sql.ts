import { ident, literal } from '../warehouse/connection.js';
import type { TestSpec } from './model.js';

/** A short name for a test, as messages and records show it: `unique(customer_id)`. */
export function testName(test: TestSpec): string {
  switch (test.kind) {
    case 'unique':
    case 'not_null':
      return `${test.kind}(${test.column})`;
    case 'accepted_values':
      return `accepted_values(${test.column})`;
    case 'relationships':
      return `relationships(${test.column} → ${test.to}.${test.field})`;
    case 'expression':
      return `expression(${test.expression})`;
    case 'unique_combination':
      return `unique_combination(${test.columns.join(', ')})`;
  }
}

/**
 * The condition a failing row meets, for a test judged row by row (not null, accepted values, an
 * expression); undefined for one that compares rows (unique, relationships). Several such tests
 * are counted in one pass over the table: `count(*) filter (where <condition>)` each.
 */
export function failingRowCondition(test: TestSpec): string | undefined {
  switch (test.kind) {
    case 'not_null':
      return `${ident(test.column)} is null`;
    case 'accepted_values': {
      const values = test.values.map((v) => (typeof v === 'string' ? literal(v) : String(v))).join(', ');
      return `${ident(test.column)} is not null and ${ident(test.column)} not in (${values})`;
    }
    case 'expression':
      return `not (${test.expression})`;
    default:
      return undefined;
  }
}

/** SQL that returns a row per failure of a test on `table` (the columns it tests); the test passes when it returns none. */
export function failingRowsSql(table: string, test: TestSpec): string {
  switch (test.kind) {
    case 'unique':
      return `select ${ident(test.column)} from ${table} where ${ident(test.column)} is not null group by all having count(*) > 1`;
    case 'not_null':
    case 'accepted_values':
    case 'expression':
      return `select * from ${table} where ${failingRowCondition(test)}`;
    case 'relationships':
      // The tested column alone: a view need not compute its other columns to be counted.
      return `select child.${ident(test.column)} from ${table} as child
              left join ${test.to} as parent on child.${ident(test.column)} = parent.${ident(test.field)}
              where child.${ident(test.column)} is not null and parent.${ident(test.field)} is null`;
    case 'unique_combination':
      return `select ${test.columns.map(ident).join(', ')} from ${table} group by all having count(*) > 1`;
  }
}
