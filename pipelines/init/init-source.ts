import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { withWarehouse } from '../warehouse/connection.js';
import { guessRoles, type Role } from './guess.js';
import { inspectCsv, type CsvInspection, type InspectedColumn } from './inspect.js';

export interface InitSourceOptions {
  /** Lowercase snake_case: the source's name and its file's name. */
  name: string;
  /** A CSV extract; its folder becomes the source's landing folder. */
  from: string;
  /** The sources folder (pipelines/sources). */
  sourcesDir: string;
  /** Replace an existing source file. */
  force?: boolean;
}

export interface InitSourceResult {
  file: string;
  entities: string[];
  /** Choices the data could not make: `clm run` refuses the source until each is set. */
  openChoices: string[];
}

/**
 * `clm init source NAME --from FILE`: reads the file with DuckDB, guesses the entity and the
 * mapping from its headers and values, and writes `pipelines/sources/NAME.ts`, ready to run, with
 * each guess commented. What the data cannot decide is written as an open choice.
 */
export async function initSource(options: InitSourceOptions): Promise<InitSourceResult> {
  if (!/^[a-z][a-z0-9_]*$/.test(options.name)) throw new UsageError(`A source name is lowercase snake_case, not '${options.name}'`);
  const from = resolve(options.from);
  if (!existsSync(from)) throw new UsageError(`--from ${options.from}: no such file`);
  const file = join(options.sourcesDir, `${options.name.replace(/_/g, '-')}.ts`);
  if (existsSync(file) && !options.force) throw new UsageError(`${file} exists; pass --force to replace it`);
  const inspection = await withWarehouse(':memory:', (w) => inspectCsv(w, from));
  const plan = planSource(options.name, from, inspection);
  await writeFile(file, plan.text);
  return { file, entities: plan.entities, openChoices: plan.openChoices };
}

interface Declared {
  name: string;
  column: InspectedColumn;
  role?: Role;
}

/** The source file's text, and what it provides and leaves open. */
export function planSource(name: string, from: string, inspection: CsvInspection): { text: string; entities: string[]; openChoices: string[] } {
  const roles = guessRoles(inspection.columns.map((c) => c.header));
  const roleOf = new Map([...roles].map(([role, header]) => [header, role]));
  const taken = new Set<string>();
  const declared: Declared[] = inspection.columns.map((column, i) => {
    let columnName = snake(column.header) || roleOf.get(column.header) || `column_${i + 1}`;
    while (taken.has(columnName)) columnName = `${columnName}_${i + 1}`;
    taken.add(columnName);
    return { name: columnName, column, role: roleOf.get(column.header) };
  });
  const byRole = new Map(declared.filter((d) => d.role).map((d) => [d.role!, d]));
  const openChoices: string[] = [];

  const columnLines = declared.map((d) => `        ${key(d.name)}: ${columnSpec(d, openChoices)},${comment(d)}`);

  const order = orderMapping(byRole, openChoices);
  const customer = customerMapping(byRole);
  const hasDate = order.some(([column]) => column === 'ordered_at');
  const providesOrders = hasDate || !customer;
  const provides: string[] = [];
  const idColumn = byRole.get('customer_id');
  const where = idColumn ? `\n        where: '${idColumn.name} is not null', // rows without a customer (guest purchases) stay in raw, out of the marts` : '';
  if (providesOrders) provides.push(providesBlock('orders', order, where));
  if (customer && idColumn) provides.push(providesBlock('customers', customer, where));
  const rowId = byRole.get('row_id');
  const keyLine = rowId
    ? `      primaryKey: [${literal(rowId.name)}], // '${rowId.column.header}' numbers the rows: a row with the same number replaces the older one`
    : '      // No primary key: every row is an event of its own and is appended (a file is loaded once, by its checksum).';
  const entities = [...(providesOrders ? ['orders'] : []), ...(customer && idColumn ? ['customers'] : [])];

  const text = `import { defineSource${openChoices.length > 0 ? ', openChoice' : ''} } from '../load/source.js';

/**
 * ${name}: written by \`clm init source ${name} --from ${basename(from)}\` from ${inspection.rows.toLocaleString('en-US')} rows
 * (${inspection.lineEnding}, ${inspection.encoding ? `${inspection.encoding.description}, converted to UTF-8 as it loads` : inspection.bom ? 'UTF-8 with BOM' : 'UTF-8'}, delimiter ${JSON.stringify(inspection.delimiter)}). Each guess is commented: check them, then \`clm run\`.${openChoices.length > 0 ? `\n * Open choices (clm run refuses this source until each is set):\n${openChoices.map((c) => ` * - ${c}`).join('\n')}` : ''}
 */
export default defineSource({
  name: ${literal(name)},
  description: ${literal(`Extracts like ${basename(from)}`)},
  directory: ${literal(dirname(from))}, // where the extracts land: the folder of ${basename(from)}
  tables: [
    {
      name: ${literal(entities[0] ?? 'rows')},
      files: ${literal(filePattern(basename(from)))}, // files like ${basename(from)} in that folder
      format: 'csv',${inspection.encoding ? `\n      encoding: ${literal(inspection.encoding.setting)}, // not UTF-8: the bytes look like ${inspection.encoding.description.replace(/ \(.*/, '')}` : ''}${inspection.delimiter !== ',' ? `\n      csv: { delimiter: ${literal(inspection.delimiter)} },` : ''}
      columns: {
${columnLines.join('\n')}
      },
${keyLine}
      provides: [
${provides.join(',\n')}
      ],
    },
  ],
});
`;
  return { text, entities, openChoices };
}

function columnSpec(d: Declared, openChoices: string[]): string {
  const from = d.column.header === d.name ? '' : `, from: ${literal(d.column.header)}`;
  const date = d.column.date;
  if (date?.kind === 'iso') return `{ type: 'TIMESTAMP'${from} }`;
  if (date?.kind === 'formats') return `{ type: 'TIMESTAMP'${from}, formats: [${date.formats.map(literal).join(', ')}] }`;
  if (date?.kind === 'ambiguous') {
    const question = `every value of '${d.column.header}' (e.g. ${date.examples.join(', ')}) reads both as day/month and as month/day: set formats to ['${date.dayFirst}'] or ['${date.monthFirst}']`;
    openChoices.push(question);
    return `{ type: 'TIMESTAMP'${from}, formats: openChoice(${literal(question)}) }`;
  }
  const isId = d.role === 'customer_id' || d.role === 'order_id' || d.role === 'product_id' || d.role === 'row_id';
  const type = isId ? 'VARCHAR' : d.column.sniffed === 'BIGINT' ? 'BIGINT' : d.column.sniffed === 'DOUBLE' ? 'DOUBLE' : d.column.sniffed === 'BOOLEAN' ? 'BOOLEAN' : 'VARCHAR';
  return `{ type: '${type}'${from}${d.role === 'customer_id' ? ', required: true' : ''} }`;
}

function comment(d: Declared): string {
  const parts: string[] = [];
  if (d.role) parts.push(`looks like ${d.role.replace(/_/g, ' ')}`);
  if (d.column.date?.kind === 'formats') parts.push('dates read from every value');
  if ((d.role === 'customer_id' || d.role === 'order_id') && d.column.sniffed !== 'VARCHAR') parts.push(`ids are text (DuckDB sniffed ${d.column.sniffed})`);
  if (d.column.examples.length > 0) parts.push(`e.g. ${d.column.examples.map((e) => JSON.stringify(e)).join(', ')}`);
  return parts.length > 0 ? ` // ${parts.join('; ')}` : '';
}

/** orders' contract column → [SQL, why]. */
function orderMapping(byRole: Map<Role, Declared>, openChoices: string[]): [string, string, string][] {
  const map: [string, string, string][] = [];
  const add = (column: string, role: Role) => {
    const d = byRole.get(role);
    if (d) map.push([column, d.name, `from '${d.column.header}'`]);
  };
  const required = (column: string, role: Role, what: string) => {
    const d = byRole.get(role);
    if (d) map.push([column, d.name, `from '${d.column.header}'`]);
    else {
      const question = `no column looks like the ${what}: map ${column} to one`;
      openChoices.push(question);
      map.push([column, `openChoice(${literal(question)})`, 'open choice']);
    }
  };
  add('order_id', 'order_id');
  if (!byRole.has('order_id')) map.push(['// order_id', '', 'not mapped: every row is an order of its own']);
  required('customer_id', 'customer_id', 'customer id');
  required('ordered_at', 'ordered_at', 'order date');
  const amount = byRole.get('net_revenue');
  const quantity = byRole.get('quantity');
  const price = byRole.get('unit_price');
  let revenue: string | undefined;
  if (amount) {
    revenue = amount.name;
    map.push(['net_revenue', amount.name, `from '${amount.column.header}'`]);
  } else if (quantity && price) {
    revenue = `${quantity.name} * ${price.name}`;
    map.push(['net_revenue', `${quantity.name} * ${price.name}`, `'${quantity.column.header}' × '${price.column.header}'`]);
  } else {
    const question = 'no column looks like the amount: map net_revenue to a column or an expression';
    openChoices.push(question);
    map.push(['net_revenue', `openChoice(${literal(question)})`, 'open choice']);
  }
  const cost = byRole.get('cost');
  const profit = byRole.get('profit');
  if (cost) map.push(['cost', cost.name, `from '${cost.column.header}'`]);
  else if (profit && revenue) map.push(['cost', `${revenue} - ${profit.name}`, `revenue − '${profit.column.header}'`]);
  else map.push(['// cost', '', 'no cost column: margins stay empty and CLV uses clv.margin_rate']);
  add('item_count', 'quantity');
  add('channel', 'channel');
  add('status', 'status');
  return map;
}

/** customers' contract column → [SQL, why], when the file names anything about the customer. */
function customerMapping(byRole: Map<Role, Declared>): [string, string, string][] | undefined {
  const attributes: Role[] = ['customer_name', 'email', 'mobile', 'city', 'region', 'country'];
  const present = attributes.filter((r) => byRole.has(r));
  if (present.length === 0) return undefined;
  const id = byRole.get('customer_id');
  return [
    ...(id ? [['customer_id', id.name, `from '${id.column.header}'`] as [string, string, string]] : []),
    ...present.map((role) => {
      const d = byRole.get(role)!;
      return [role, d.name, `from '${d.column.header}'`] as [string, string, string];
    }),
  ];
}

function providesBlock(entity: string, map: [string, string, string][], where: string): string {
  const lines = map.map(([column, sql, why]) => {
    if (column.startsWith('//')) return `          ${column}: ${why}`;
    const value = sql.startsWith('openChoice(') ? sql : literal(sql);
    return `          ${column}: ${value}, // ${why}`;
  });
  return `        {
          entity: '${entity}',
          map: {
${lines.map((l) => `  ${l}`).join('\n')}
          },${where.replace(/\n {8}/, '\n          ')}
        }`;
}

/** `Customer ID` → `customer_id`; '' for a header with no ASCII letters (客户编号). */
function snake(header: string): string {
  return header
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(\d)/, 'c_$1');
}

/** Digits (dates, sequence numbers) in a file name become `*`: `2010-12-01.csv` → `*-*-*.csv`. */
function filePattern(name: string): string {
  return name.replace(/\d+/g, '*');
}

function key(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : literal(name);
}

function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
