import { ident, literal } from '../warehouse/connection.js';
import { columnSpec, type ColumnSpec, type TableSpec } from './source.js';

/**
 * SQL that turns the landed text rows (`_landing`) into typed rows, each with the list of reasons
 * it cannot be loaded: `_reasons` is a list of `{column, reason}`; an empty list means the row
 * loads. Everything happens in one DuckDB statement; no row passes through JavaScript. The result
 * keeps each row's `_rowid` in `_landing`, where its text stays for the quarantine record.
 *
 * @param presentColumns declared column name → header in this file (absent: the column is missing
 *   from the file and loads as null, which the source allowed).
 * Each row's file line comes from `_data_lines` (see line-map.ts).
 */
export function validateSql(table: TableSpec, presentColumns: ReadonlyMap<string, string>): string {
  const declared = Object.entries(table.columns).map(([name, raw]) => ({ name, spec: columnSpec(raw) }));
  const keyed = (table.primaryKey?.length ?? 0) > 0;
  const required = new Set([...(table.primaryKey ?? []), ...declared.filter((c) => c.spec.required).map((c) => c.name)]);

  const textColumns = declared.map(({ name }) => {
    const header = presentColumns.get(name);
    return `${header === undefined ? 'null::varchar' : `nullif(trim(l.${ident(header)}), '')`} as ${ident(`_text_${name}`)}`;
  });
  const typedColumns = declared.map(({ name, spec }) => `${castExpression(ident(`_text_${name}`), spec)} as ${ident(name)}`);
  const parseReasons = declared.flatMap(({ name, spec }) => {
    const text = ident(`_text_${name}`);
    const reasons = [
      `case when ${text} is not null and ${ident(name)} is null then {'column': ${literal(name)}, 'reason': 'cannot parse ' || ${text} || ' as ${spec.type} exactly'} end`,
      `case when strpos(${text}, chr(0)) > 0 then {'column': ${literal(name)}, 'reason': 'contains a NUL byte'} end`,
    ];
    if (required.has(name)) reasons.push(`case when ${text} is null then {'column': ${literal(name)}, 'reason': 'required value is missing'} end`);
    return reasons;
  });
  const checkReasons = Object.entries(table.checks ?? {}).map(
    ([check, predicate]) =>
      `case when (${predicate}) = false then {'column': ${literal(firstColumnIn(predicate, declared.map((c) => c.name)) ?? '')}, 'reason': ${literal(`check ${check} failed (${predicate})`)}} end`,
  );
  // An exact copy of an earlier row of a keyed table is a duplicate, not a new version. Rows are
  // compared whole only where their hashes repeat, so a file of distinct rows costs one hash each.
  const copies = keyed
    ? `copies as (
    select l.rowid as _rowid, min(d.line) over (partition by to_json(l)::varchar) as _first_copy_line
    from _landing as l
    inner join _data_lines as d on d.landing_rowid = l.rowid
    where hash(l) in (select hash(l) from _landing as l group by 1 having count(*) > 1)
),`
    : `copies as (select null::bigint as _rowid, null::bigint as _first_copy_line where false),`;
  return `
create or replace temp table _validated as
with landed as (
    select
        d.line as _line,
        l.rowid as _rowid,
        ${textColumns.join(',\n        ')}
    from _landing as l
    inner join _data_lines as d on d.landing_rowid = l.rowid
),
typed as (
    select
        _line,
        _rowid,
        ${declared.map((c) => ident(`_text_${c.name}`)).join(', ')},
        ${typedColumns.join(',\n        ')}
    from landed
),
${copies}
checked as (
    select
        typed.*,
        list_filter([
            ${[...parseReasons, ...checkReasons].join(',\n            ')}
        ], r -> r is not null) as _reasons,
        copies._first_copy_line
    from typed
    left join copies using (_rowid)
)
select
    _line,
    _rowid,
    ${declared.map((c) => ident(c.name)).join(', ')},
    case
        when _first_copy_line < _line
            then [{'column': null::varchar, 'reason': 'exact duplicate of line ' || _first_copy_line}]
        else _reasons
    end as _reasons
from checked`;
}

/**
 * SQL for `_final`: `_validated` with two more reasons a valid row may not load. A row is
 * superseded when a later version of the same key stands in the same file, and stale when the
 * warehouse already holds a newer version (by the cursor column).
 */
export function resolveVersionsSql(table: TableSpec, rawTable: string): string {
  const primaryKey = table.primaryKey ?? [];
  // Without a key every row is an event of its own: nothing supersedes anything.
  if (primaryKey.length === 0) return 'create or replace temp table _final as select * from _validated';
  const keys = primaryKey.map(ident);
  const keyJoin = primaryKey.map((k) => `v.${ident(k)} = r.${ident(k)}`).join(' and ');
  const cursor = table.cursor ? ident(table.cursor) : undefined;
  const order = cursor ? `${cursor} desc nulls last, _line desc` : '_line desc';
  const staleReason = cursor
    ? `when r.${cursor} > v.${cursor}
            then [{'column': ${literal(table.cursor ?? '')}, 'reason': 'stale: the warehouse holds a newer version (' || r.${cursor} || ')'}]
        when v.${cursor} is null and r.${cursor} is not null
            then [{'column': ${literal(table.cursor ?? '')}, 'reason': 'no ${table.cursor} value, and the warehouse holds a dated version (' || r.${cursor} || ')'}]`
    : '';
  const keyList = keys.join(', ');
  return `
create or replace temp table _final as
with versions as (
    -- Only keys that occur more than once among the valid rows can supersede one another: the
    -- window runs over those few rows, not the whole file.
    select
        _line,
        first_value(_line) over latest as _latest_line,
        row_number() over latest as _version_rank
    from _validated
    where len(_reasons) = 0
        and (${keyList}) in (
            select (${keyList}) from _validated where len(_reasons) = 0 group by all having count(*) > 1
        )
    window latest as (partition by ${keyList} order by ${order})
)
select
    v.* exclude (_reasons),
    case
        when len(v._reasons) > 0 then v._reasons
        when s._version_rank > 1
            then [{'column': ${literal(primaryKey[0] ?? '')}, 'reason': 'superseded by line ' || s._latest_line || ' of the same file (same key, newer version)'}]
        ${staleReason}
        else []
    end as _reasons
from _validated as v
left join versions as s on s._line = v._line
${cursor ? `left join ${rawTable} as r on ${keyJoin}` : ''}`;
}

function castExpression(text: string, spec: ColumnSpec): string {
  if ((spec.type === 'DATE' || spec.type === 'TIMESTAMP') && Array.isArray(spec.formats) && spec.formats.length > 0) {
    const formats = `[${(spec.formats as readonly string[]).map(literal).join(', ')}]`;
    return `coalesce(try_cast(${text} as ${spec.type}), try_strptime(${text}, ${formats})::${spec.type})`;
  }
  if (spec.type === 'BOOLEAN') {
    // PostgreSQL writes t and f.
    return `case lower(${text}) when 'true' then true when 't' then true when '1' then true when 'yes' then true when 'false' then false when 'f' then false when '0' then false when 'no' then false end`;
  }
  if (spec.type === 'INTEGER' || spec.type === 'BIGINT') {
    // 1.5 is not an integer: no rounding, the row is quarantined instead.
    return `case when regexp_full_match(${text}, '[+-]?[0-9]+') then try_cast(${text} as ${spec.type}) end`;
  }
  if (spec.type.startsWith('DECIMAL')) {
    // 12.345 does not fit DECIMAL(12,2) exactly: no rounding, the row is quarantined instead. A
    // plain number with no more decimals than the scale (trailing zeros aside) is exact as it
    // stands; anything else (1e3, 12.345) is compared with its DECIMAL(38,18) reading, which is
    // exact but a hundred times slower, so only the odd values pay for it.
    const scale = /^DECIMAL\s*\(\s*\d+\s*,\s*(\d+)\s*\)$/i.exec(spec.type)?.[1];
    const exact = `when try_cast(${text} as ${spec.type}) = try_cast(${text} as DECIMAL(38, 18)) then try_cast(${text} as ${spec.type})`;
    const plain = scale === undefined ? '' : `when regexp_full_match(${text}, '[+-]?[0-9]*(\\.[0-9]{0,${scale}}0*)?') then try_cast(${text} as ${spec.type}) `;
    return `case ${plain}${exact} end`;
  }
  return `try_cast(${text} as ${spec.type})`;
}

function firstColumnIn(predicate: string, columns: readonly string[]): string | undefined {
  let best: { name: string; at: number } | undefined;
  for (const name of columns) {
    const at = predicate.search(new RegExp(`\\b${name}\\b`));
    if (at >= 0 && (best === undefined || at < best.at)) best = { name, at };
  }
  return best?.name;
}
