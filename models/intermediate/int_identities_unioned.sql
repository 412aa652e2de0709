-- Every id a person can have, in every source, with the keys they can be matched on. A person's
-- key is `<source>:<customer id>`. Ids that appear only on orders (a transaction log with no
-- customer table, an order whose customer is missing from the master) are identities too, first
-- seen at their first order.
with customers as (
    select * from intermediate.int_customers_unioned
),

orders as (
    select * from intermediate.int_orders_unioned
),

known as (
    select
        source || ':' || customer_id as node_id,
        source,
        customer_id as source_id,
        nullif(trim(customer_name), '') as person_name,
        normalise_email(email) as email,
        normalise_mobile(mobile) as mobile,
        nullif(trim(member_id), '') as member_id,
        nullif(trim(company_id), '') as company_id,
        city,
        region,
        country,
        acquisition_channel,
        coalesce(tags, []) as tags,
        created_at
    from customers
),

seen_on_orders as (
    select
        coalesce(customer_source, source) || ':' || customer_id as node_id,
        coalesce(customer_source, source) as source,
        customer_id as source_id,
        min(ordered_at) as created_at
    from orders
    group by all
),

unioned as (
    select * from known

    union all by name

    select
        node_id,
        source,
        source_id,
        []::varchar[] as tags,
        created_at
    from seen_on_orders
    where node_id not in (select node_id from known)
)

select * from unioned
