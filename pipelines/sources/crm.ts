import { defineSource } from '../load/source.js';

/** The CRM: contacts, their touchpoints, survey answers and referrals. */
export default defineSource({
  name: 'crm',
  description: 'CRM extracts: contacts, interactions (touchpoints), NPS surveys, referrals',
  tables: [
    {
      name: 'contacts',
      description: 'One row per CRM contact; the same person may appear under two ids',
      files: 'contacts*.csv',
      format: 'csv',
      columns: {
        contact_id: 'VARCHAR',
        full_name: 'VARCHAR',
        email: 'VARCHAR',
        mobile: 'VARCHAR',
        city: 'VARCHAR',
        lead_source: 'VARCHAR',
        tags: 'VARCHAR',
        created_at: { type: 'TIMESTAMP', required: true },
        updated_at: 'TIMESTAMP',
      },
      primaryKey: ['contact_id'],
      cursor: 'updated_at',
      provides: {
        entity: 'customers',
        map: {
          customer_id: 'contact_id',
          customer_name: 'full_name',
          email: 'email',
          mobile: 'mobile',
          city: 'city',
          acquisition_channel: 'lead_source',
          tags: "string_split(nullif(tags, ''), ';')",
          created_at: 'created_at',
        },
      },
    },
    {
      name: 'interactions',
      description: 'Every touchpoint: campaign e-mails sent and opened, web visits, calls, meetings, tickets',
      files: 'interactions_*.ndjson',
      format: 'ndjson',
      columns: {
        interaction_id: 'VARCHAR',
        contact_id: { type: 'VARCHAR', required: true },
        interaction_type: { type: 'VARCHAR', required: true },
        campaign: 'VARCHAR',
        channel: 'VARCHAR',
        occurred_at: { type: 'TIMESTAMP', required: true },
      },
      primaryKey: ['interaction_id'],
      provides: {
        entity: 'touchpoints',
        map: {
          touchpoint_id: 'interaction_id',
          customer_id: 'contact_id',
          touchpoint_type: 'interaction_type',
          funnel_stage: `case
              when interaction_type in ('web_visit', 'email_sent') then 'awareness'
              when interaction_type in ('email_opened', 'call', 'meeting') then 'consideration'
              when interaction_type = 'support_ticket' then 'service'
              else 'other'
          end`,
          campaign: 'campaign',
          channel: 'channel',
          occurred_at: 'occurred_at',
        },
      },
    },
    {
      name: 'surveys',
      description: 'NPS answers (0–10)',
      files: 'surveys*.csv',
      format: 'csv',
      columns: {
        survey_id: 'VARCHAR',
        contact_id: { type: 'VARCHAR', required: true },
        survey_type: 'VARCHAR',
        score: { type: 'INTEGER', required: true },
        answered_at: { type: 'TIMESTAMP', required: true },
      },
      primaryKey: ['survey_id'],
      checks: { score_in_range: 'score between 0 and 10' },
      provides: {
        entity: 'surveys',
        map: { survey_id: 'survey_id', customer_id: 'contact_id', survey_type: 'survey_type', score: 'score', answered_at: 'answered_at' },
      },
    },
    {
      name: 'referrals',
      description: 'Who referred whom',
      files: 'referrals*.csv',
      format: 'csv',
      columns: {
        referral_id: 'VARCHAR',
        referrer_contact_id: { type: 'VARCHAR', required: true },
        referred_contact_id: { type: 'VARCHAR', required: true },
        referred_at: 'TIMESTAMP',
      },
      primaryKey: ['referral_id'],
      provides: {
        entity: 'referrals',
        map: {
          referral_id: 'referral_id',
          referrer_customer_id: 'referrer_contact_id',
          referred_customer_id: 'referred_contact_id',
          referred_at: 'referred_at',
        },
      },
    },
  ],
});
