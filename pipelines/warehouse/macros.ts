import { literal, type Warehouse } from './connection.js';
import type { Settings } from '../config.js';

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
  // Any value is masked, malformed ones included: a short number shows nothing, a value with no @
  // shows only its first character.
  mask_mobile: `(phone) as (
      case
          when phone is null then null
          when length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 7 then left(phone, 3) || '****' || right(phone, 4)
          else '****'
      end)`,
  mask_email: `(email) as (
      case
          when email is null then null
          when strpos(email, '@') > 1 then left(email, 1) || '***' || substr(email, strpos(email, '@'))
          else left(email, 1) || '***'
      end)`,
  // How many shards the report site splits per-customer data into (see publish/report-tables.ts):
  // 16, or the power of two that keeps a shard to about 2,000 customers.
  report_shards: `(customers) as greatest(16, (2 ** ceil(log2(greatest(customers, 1) / 2000)))::integer)`,
  // Which of the report shards a customer's profile data is published in.
  report_shard: `(customer_id, shards) as (hash(customer_id) % shards)`,
  // The address of a customer's profile page, which names its shard: /customers/07/C000123/.
  profile_link: `(customer_id, shards) as ('/customers/' || lpad(report_shard(customer_id, shards)::varchar, greatest(2, length((shards - 1)::varchar))::integer, '0') || '/' || customer_id || '/')`,
  // The customer finder's shard for a search key: from its first three characters (code points),
  // the same arithmetic as findBucket() in reports/pages/customers/index.md, which picks the shard
  // a search reads.
  find_bucket: `(key, buckets) as ((coalesce(unicode(nullif(substr(key, 1, 1), ''))::bigint, 0) * 1018081
      + coalesce(unicode(nullif(substr(key, 2, 1), ''))::bigint, 0) * 1009
      + coalesce(unicode(nullif(substr(key, 3, 1), ''))::bigint, 0)) % buckets)`,
  // Amounts in the project's currency as its locale says them: zh-CN ¥3,280 · ¥12.5万 · ¥1.23亿;
  // en $3,280 · $12.5K · $1.23M · $4.56B. The symbol and locale are settings (clm.config.yml).
  money_label: `(amount) as (
      case
          when amount is null then null
          when getvariable('clm_locale') = 'zh-CN' then
              case
                  when abs(amount) >= 100000000 then getvariable('clm_currency_symbol') || printf('%.2f', amount / 100000000) || '亿'
                  when abs(amount) >= 10000 then getvariable('clm_currency_symbol') || printf('%.1f', amount / 10000) || '万'
                  else getvariable('clm_currency_symbol') || printf('%,.0f', amount)
              end
          when abs(amount) >= 1000000000 then getvariable('clm_currency_symbol') || printf('%.2f', amount / 1000000000) || 'B'
          when abs(amount) >= 1000000 then getvariable('clm_currency_symbol') || printf('%.2f', amount / 1000000) || 'M'
          when abs(amount) >= 10000 then getvariable('clm_currency_symbol') || printf('%.1f', amount / 1000) || 'K'
          else getvariable('clm_currency_symbol') || printf('%,.0f', amount)
      end)`,
};

/**
 * The settings models read, as DuckDB variables (`getvariable('clm_rfm_score_bins')`), so the SQL
 * holds no number that belongs in clm.config.yml.
 */
export async function applySettings(warehouse: Warehouse, settings: Settings): Promise<void> {
  const integer = (value: number | null) => (value === null ? 'null::integer' : `${Math.trunc(value)}::integer`);
  const variables: Record<string, string> = {
    clm_currency_code: literal(settings.currency.code),
    clm_currency_symbol: literal(settings.currency.symbol),
    clm_locale: literal(settings.locale),
    clm_week_start: literal(settings.weekStart),
    clm_rfm_score_bins: integer(settings.rfm.scoreBins),
    clm_lifecycle_active_days: integer(settings.lifecycle.activeDays),
    clm_lifecycle_at_risk_days: integer(settings.lifecycle.atRiskDays),
    clm_lifecycle_dormant_days: integer(settings.lifecycle.dormantDays),
    clm_lifecycle_loyal_orders: integer(settings.lifecycle.loyalOrders),
    clm_margin_rate: settings.clv.marginRate === null ? 'null::double' : `${settings.clv.marginRate}::double`,
  };
  for (const [name, value] of Object.entries(variables)) await warehouse.run(`set variable ${name} = ${value}`);
}

export async function createMacros(warehouse: Warehouse): Promise<void> {
  for (const [name, body] of Object.entries(MACROS)) await warehouse.run(`create or replace macro main.${name}${body}`);
}
