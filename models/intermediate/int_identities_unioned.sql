-- Every id a person can have, from both systems, with the keys they can be matched on.
with contacts as (
    select * from staging.stg_crm__contacts
),

erp_customers as (
    select * from staging.stg_erp__customers
),

unioned as (
    select
        'crm:' || contact_id as node_id,
        'crm' as system,
        contact_id as source_id,
        full_name as person_name,
        email,
        mobile,
        city,
        lead_source,
        tags,
        created_at
    from contacts

    union all

    select
        'erp:' || erp_customer_id as node_id,
        'erp' as system,
        erp_customer_id as source_id,
        customer_name as person_name,
        email,
        mobile,
        city,
        null as lead_source,
        [] as tags,
        registered_at as created_at
    from erp_customers
)

select * from unioned
