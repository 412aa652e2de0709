with stitched as (
    select * from intermediate.int_customers_stitched
),

links as (
    select * from intermediate.int_identity_links_matched
),

orders as (
    select * from marts.orders
),

identities as (
    select
        customer_id,
        list(source_id order by source_id) filter (where system = 'crm') as crm_contact_ids,
        list(source_id order by source_id) filter (where system = 'erp') as erp_customer_ids,
        coalesce(
            arg_min(person_name, created_at) filter (where system = 'crm'),
            arg_min(person_name, created_at)
        ) as customer_name,
        arg_min(email, created_at) filter (where email is not null) as email,
        arg_min(mobile, created_at) filter (where mobile is not null) as mobile,
        arg_min(city, created_at) filter (where city is not null) as city,
        coalesce(arg_min(lead_source, created_at) filter (where system = 'crm'), 'erp_only') as acquisition_channel,
        list_sort(list_distinct(flatten(list(tags)))) as tags,
        min(created_at) as first_seen_at
    from stitched
    group by customer_id
),

evidence as (
    select
        stitched.customer_id,
        list_sort(list_distinct(list(links.matched_on))) as matched_on,
        list(links.node_a || ' = ' || links.node_b || ' (' || links.matched_on || ')' order by links.node_a, links.node_b, links.matched_on) as match_evidence
    from links
    inner join stitched on stitched.node_id = links.node_a
    group by stitched.customer_id
),

order_totals as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as order_count,
        sum(net_revenue_cny) as revenue_cny,
        sum(margin_cny) as margin_cny
    from orders
    group by customer_id
),

final as (
    select
        identities.customer_id,
        identities.customer_name,
        identities.email,
        identities.mobile,
        identities.city,
        identities.acquisition_channel,
        identities.tags,
        identities.crm_contact_ids,
        identities.erp_customer_ids,
        coalesce(evidence.matched_on, []) as matched_on,
        coalesce(evidence.match_evidence, []) as match_evidence,
        identities.first_seen_at,
        order_totals.first_order_at,
        order_totals.last_order_at,
        date_trunc('month', order_totals.first_order_at)::date as cohort_month,
        coalesce(order_totals.order_count, 0) as order_count,
        coalesce(order_totals.revenue_cny, 0) as revenue_cny,
        coalesce(order_totals.margin_cny, 0) as margin_cny,
        order_totals.customer_id is not null as is_buyer
    from identities
    left join evidence using (customer_id)
    left join order_totals using (customer_id)
)

select * from final
