import type { Warehouse } from './connection.js';

/**
 * SQL helpers the models share, stored in the warehouse so views that use them also work in
 * `clm query` and in other DuckDB clients.
 */
export const MACROS: Record<string, string> = {
  // Mainland mobile numbers in any spelling (+86 138-0013-8000, 0086…, 138 0013 8000) → 13800138000.
  normalise_mobile: `(phone) as (
      case
          when regexp_matches(right(regexp_replace(phone, '[^0-9]', '', 'g'), 11), '^1[3-9][0-9]{9}$')
              and length(regexp_replace(phone, '[^0-9]', '', 'g')) in (11, 13, 15)
              then right(regexp_replace(phone, '[^0-9]', '', 'g'), 11)
      end)`,
  // E-mail addresses compare without case and surrounding spaces.
  normalise_email: `(email) as (nullif(lower(trim(email)), ''))`,
  // 138****8000 / z***@163.com: what pages show by default.
  mask_mobile: `(phone) as (case when phone is not null then left(phone, 3) || '****' || right(phone, 4) end)`,
  mask_email: `(email) as (case when email is not null then left(email, 1) || '***' || substr(email, strpos(email, '@')) end)`,
  // Which of the report shards a customer's profile data is published in (see publish/report-tables.ts).
  report_shard: `(customer_id) as (hash(customer_id) % 16)`,
  // The address of a customer's profile page, which names its shard: /customers/07/C000123/.
  profile_link: `(customer_id) as ('/customers/' || lpad(report_shard(customer_id)::varchar, 2, '0') || '/' || customer_id || '/')`,
  // Amounts as Chinese readers say them: ¥3,280 · ¥12.5万 · ¥1.23亿.
  cny_label: `(amount) as (
      case
          when amount is null then null
          when abs(amount) >= 100000000 then '¥' || printf('%.2f', amount / 100000000) || '亿'
          when abs(amount) >= 10000 then '¥' || printf('%.1f', amount / 10000) || '万'
          else '¥' || printf('%,.0f', amount)
      end)`,
};

export async function createMacros(warehouse: Warehouse): Promise<void> {
  for (const [name, body] of Object.entries(MACROS)) await warehouse.run(`create or replace macro main.${name}${body}`);
}
