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
    },
  ],
});
