-- Pairs of ids that share a normalised e-mail, mobile, member id or company registration number:
-- the evidence that they are one person. A value shared by more than five ids (a shop's default
-- number, a placeholder address) is not evidence and is left out.
with identities as (
    select * from intermediate.int_identities_unioned
),

keys as (
    select node_id, 'email' as matched_on, email as matched_value from identities where email is not null
    union all
    select node_id, 'mobile' as matched_on, mobile as matched_value from identities where mobile is not null
    union all
    select node_id, 'member_id' as matched_on, member_id as matched_value from identities where member_id is not null
    union all
    select node_id, 'company_id' as matched_on, company_id as matched_value from identities where company_id is not null
),

usable_keys as (
    select *
    from keys
    qualify count(*) over (partition by matched_on, matched_value) between 2 and 5
),

linked as (
    select
        a.node_id as node_a,
        b.node_id as node_b,
        a.matched_on,
        a.matched_value
    from usable_keys as a
    inner join usable_keys as b
        on a.matched_on = b.matched_on
        and a.matched_value = b.matched_value
        and a.node_id < b.node_id
)

select * from linked
