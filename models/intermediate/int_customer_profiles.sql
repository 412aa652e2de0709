-- One row per real person: what they first told anyone, every system id that is them and the
-- evidence that joined those ids. Kept apart from their orders so that a day of new orders, which
-- leaves the people as they were, does not gather everyone's identities again.
with stitched as (
    select * from intermediate.int_customers_stitched
),

links as (
    select * from intermediate.int_identity_links_matched
),

identities as (
    -- Each attribute from the earliest identity that has it: what the person first told anyone.
    -- Aggregated over a window rather than grouped: a grouped list() cannot spill to disk, a
    -- window's partitions can, so millions of people fit the memory cap.
    select
        customer_id,
        list_sort(list(node_id) over person) as source_ids,
        list_sort(list_distinct(list(source) over person)) as sources,
        arg_min(person_name, (created_at, node_id)) filter (where person_name is not null) over person as customer_name,
        arg_min(email, (created_at, node_id)) filter (where email is not null) over person as email,
        arg_min(mobile, (created_at, node_id)) filter (where mobile is not null) over person as mobile,
        arg_min(city, (created_at, node_id)) filter (where city is not null) over person as city,
        arg_min(region, (created_at, node_id)) filter (where region is not null) over person as region,
        arg_min(country, (created_at, node_id)) filter (where country is not null) over person as country,
        coalesce(arg_min(acquisition_channel, (created_at, node_id)) filter (where acquisition_channel is not null) over person, 'unknown') as acquisition_channel,
        list_sort(list_distinct(flatten(list(tags) over person))) as tags,
        min(created_at) over person as first_seen_at
    from stitched
    window person as (partition by customer_id)
    qualify row_number() over person = 1
),

evidence as (
    select
        stitched.customer_id,
        list_sort(list_distinct(list(links.matched_on) over person)) as matched_on,
        list_transform(
            list_sort(list({node_a: links.node_a, node_b: links.node_b, matched_on: links.matched_on}) over person),
            link -> link.node_a || ' = ' || link.node_b || ' (' || link.matched_on || ')'
        ) as match_evidence
    from links
    inner join stitched on stitched.node_id = links.node_a
    window person as (partition by stitched.customer_id)
    qualify row_number() over person = 1
),

final as (
    select
        identities.customer_id,
        identities.customer_name,
        identities.email,
        identities.mobile,
        identities.city,
        identities.region,
        identities.country,
        identities.acquisition_channel,
        identities.tags,
        identities.source_ids,
        identities.sources,
        coalesce(evidence.matched_on, []) as matched_on,
        coalesce(evidence.match_evidence, []) as match_evidence,
        identities.first_seen_at
    from identities
    left join evidence using (customer_id)
)

select * from final
