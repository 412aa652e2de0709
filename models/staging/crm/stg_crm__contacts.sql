with source as (
    select * from raw.crm__contacts
),

renamed as (
    select
        contact_id,
        trim(full_name) as full_name,
        normalise_email(email) as email,
        normalise_mobile(mobile) as mobile,
        city,
        coalesce(lead_source, 'unknown') as lead_source,
        coalesce(string_split(nullif(tags, ''), ';'), []) as tags,
        created_at,
        updated_at
    from source
)

select * from renamed
