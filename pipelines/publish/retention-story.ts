/**
 * The leadership page's sentences, one row per month, written in the configured locale
 * (`getvariable('clm_locale')`) so the page itself holds no language: what happened to active
 * customers, retention and revenue, against the month before and the same month last year.
 *
 * A customer counts as active for three months after an order, so nobody can lapse in the first
 * three months of the data: those months are flagged as warm-up (`is_warm_up`) and their retention
 * is not stated.
 */
const WARM_UP_MONTHS = 3;

/** "+12" / "-3", with thousands separators. */
const signed = (x: string) => `(case when ${x} >= 0 then '+' else '-' end || printf('%,d', abs(${x})::bigint))`;
const count = (x: string) => `printf('%,d', (${x})::bigint)`;
const points = (x: string) => `printf('%+.1f', ${x})`;
const moneyChange = (x: string) => `(case when ${x} >= 0 then '+' else '-' end || money_label(abs(${x})))`;
/** The same in Chinese words: 增加 12 / 减少 3, 上升 1.2 / 下降 0.4, 增加 ¥2.1万. */
const zhCount = (x: string) => `(case when ${x} >= 0 then '增加 ' else '减少 ' end || printf('%,d', abs(${x})::bigint))`;
const zhPoints = (x: string) => `(case when ${x} >= 0 then '上升 ' else '下降 ' end || printf('%.1f', abs(${x})))`;
const zhMoney = (x: string) => `(case when ${x} >= 0 then '增加 ' else '减少 ' end || money_label(abs(${x})))`;
const percentChange = (now: string, before: string) => `printf('%+.1f%%', 100.0 * (${now} - ${before}) / nullif(${before}, 0))`;

export const RETENTION_STORY_SQL = `
with months as (
    select
        k.*,
        r.customers_at_start,
        r.retained_customers,
        r.reactivated_customers,
        datediff('month', min(k.month) over (), k.month) < ${WARM_UP_MONTHS} as is_warm_up,
        lag(k.month_key) over (order by k.month) as previous_month_key,
        lead(k.month_key) over (order by k.month) as next_month_key,
        month_label(k.month) as month_name,
        month_label((k.month - interval 1 month)::date) as previous_month_name,
        month_label((k.month - interval 12 month)::date) as last_year_month_name
    from marts.kpi_monthly as k
    join marts.monthly_retention as r using (month_key)
),

zh as (
    select
        month_key,
        month_name || '，活跃客户 ' || ${count('active_customers')} || ' 人（近三个月内有购买）'
            || case when previous_active_customers is null then '' else '，比上月' || ${zhCount('active_customers - previous_active_customers')} || ' 人' end
            || case when last_year_active_customers is null then '，去年同期尚无数据。' else '，比去年同期' || ${zhCount('active_customers - last_year_active_customers')} || ' 人。' end
            as customers_sentence,
        case
            when is_warm_up then '数据的前 ${WARM_UP_MONTHS} 个月为预热期：客户在最后一次购买后三个月内都算活跃，这几个月还无法衡量留存。'
            else '月初活跃的 ' || ${count('customers_at_start')} || ' 人中，' || ${count('retained_customers')} || ' 人留存、'
                || ${count('churned_customers')} || ' 人流失，留存率 ' || printf('%.1f%%', retention_pct)
                || case when previous_retention_pct is null then '' else '（比上月' || ${zhPoints('retention_pct - previous_retention_pct')} || ' 个百分点'
                    || case when last_year_retention_pct is null then '' else '，比去年同期' || ${zhPoints('retention_pct - last_year_retention_pct')} || ' 个百分点' end || '）' end
                || '。'
        end as retention_sentence,
        '新客户 ' || ${count('new_customers')} || ' 人，回流客户 ' || ${count('reactivated_customers')} || ' 人。' as movement_sentence,
        '收入 ' || money_label(revenue)
            || case when previous_revenue is null then '' else '，比上月' || ${zhMoney('revenue - previous_revenue')} || '（' || ${percentChange('revenue', 'previous_revenue')} || '）' end
            || case when last_year_revenue is null then '，去年同期尚无数据' else '，比去年同期' || ${zhMoney('revenue - last_year_revenue')} || '（' || ${percentChange('revenue', 'last_year_revenue')} || '）' end
            || '。' as revenue_sentence
    from months
),

en as (
    select
        month_key,
        'In ' || month_name || ', ' || ${count('active_customers')} || ' customers were active (bought in the last three months)'
            || case when previous_active_customers is null then '' else ': ' || ${signed('active_customers - previous_active_customers')} || ' on ' || previous_month_name end
            || case when last_year_active_customers is null then ', with no data yet for ' || last_year_month_name || '.' else ' and ' || ${signed('active_customers - last_year_active_customers')} || ' on ' || last_year_month_name || '.' end
            as customers_sentence,
        case
            when is_warm_up then 'The first ${WARM_UP_MONTHS} months of the data are a warm-up: a customer counts as active for three months after an order, so retention cannot be measured yet.'
            else 'Of the ' || ${count('customers_at_start')} || ' customers active at the start of the month, ' || ${count('retained_customers')} || ' stayed and '
                || ${count('churned_customers')} || ' lapsed: retention ' || printf('%.1f%%', retention_pct)
                || case when previous_retention_pct is null then '' else ' (' || ${points('retention_pct - previous_retention_pct')} || ' points on ' || previous_month_name
                    || case when last_year_retention_pct is null then '' else ', ' || ${points('retention_pct - last_year_retention_pct')} || ' on ' || last_year_month_name end || ')' end
                || '.'
        end as retention_sentence,
        ${count('new_customers')} || ' customers bought for the first time and ' || ${count('reactivated_customers')} || ' came back after a lapse.' as movement_sentence,
        'Revenue was ' || money_label(revenue)
            || case when previous_revenue is null then '' else ': ' || ${moneyChange('revenue - previous_revenue')} || ' (' || ${percentChange('revenue', 'previous_revenue')} || ') on ' || previous_month_name end
            || case when last_year_revenue is null then ', with no data yet for ' || last_year_month_name else ' and ' || ${moneyChange('revenue - last_year_revenue')} || ' (' || ${percentChange('revenue', 'last_year_revenue')} || ') on ' || last_year_month_name end
            || '.' as revenue_sentence
    from months
)

select
    months.month_key,
    months.month,
    months.month_name,
    months.is_warm_up,
    months.is_latest_month,
    months.previous_month_key,
    months.next_month_key,
    months.active_customers,
    months.new_customers,
    months.churned_customers,
    months.reactivated_customers,
    months.retained_customers,
    case when months.is_warm_up then null else months.retention_pct end as retention_pct,
    months.revenue,
    months.previous_revenue,
    months.last_year_revenue,
    story.customers_sentence,
    story.retention_sentence,
    story.movement_sentence,
    story.revenue_sentence
from months
join (select * from zh where getvariable('clm_locale') = 'zh-CN'
      union all by name
      select * from en where getvariable('clm_locale') <> 'zh-CN') as story using (month_key)
`;
