-- One person per connected group of linked ids. The person's id is the smallest id of the group,
-- so a CRM id (crm:…) wins over an ERP id (erp:…).
with recursive identities as (
    select * from intermediate.int_identities_unioned
),

links as (
    select * from intermediate.int_identity_links_matched
),

edges as (
    select node_a as from_node, node_b as to_node from links
    union
    select node_b as from_node, node_a as to_node from links
),

reachable(node_id, reached_id) as (
    select node_id, node_id from identities
    union
    select edges.to_node, reachable.reached_id
    from reachable
    inner join edges on edges.from_node = reachable.node_id
),

components as (
    select node_id, min(reached_id) as root_node_id
    from reachable
    group by node_id
),

stitched as (
    select
        split_part(components.root_node_id, ':', 2) as customer_id,
        identities.*
    from identities
    inner join components using (node_id)
)

select * from stitched
