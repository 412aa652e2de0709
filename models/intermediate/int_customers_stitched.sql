-- One person per connected group of linked ids. The person's id is the smallest key of the group
-- (`<source>:<customer id>`), so it says which source and id it came from.
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
        components.root_node_id as customer_id,
        identities.*
    from identities
    inner join components using (node_id)
)

select * from stitched
