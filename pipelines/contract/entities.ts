/**
 * The customer-data contract: the entities the intermediate layer and the marts read, and nothing
 * else. A source provides an entity by mapping one of its tables onto it (in its source file) or
 * with a staging model whose YAML says `provides: <entity>`. Every provider of an entity is unioned
 * into `intermediate.int_<entity>_unioned`, with a `source` column naming the provider's source.
 *
 * Customer ids are the source's own: a person's key is `<source>:<customer_id>`, where the source
 * is the providing source unless a row's `customer_source` names another (an order in a shop
 * system that refers to the CRM's contact ids).
 */

/** A contract column's kind; the union casts every provider's column to its DuckDB type. */
export type ContractType = 'text' | 'timestamp' | 'money' | 'number' | 'boolean' | 'text_list';

export const DUCKDB_TYPE: Record<ContractType, string> = {
  text: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  money: 'DECIMAL(18,4)',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  text_list: 'VARCHAR[]',
};

export interface ContractColumn {
  name: string;
  type: ContractType;
  required?: boolean;
  description: string;
}

export interface Entity {
  name: EntityName;
  description: string;
  /** Columns that identify a row within one source, when the entity has such a key. */
  key?: readonly string[];
  columns: readonly ContractColumn[];
}

export type EntityName = 'customers' | 'orders' | 'order_lines' | 'products' | 'returns' | 'touchpoints' | 'surveys' | 'referrals';

const CUSTOMER_SOURCE: ContractColumn = {
  name: 'customer_source',
  type: 'text',
  description: 'whose customer ids customer_id holds, when not the providing source',
};

export const ENTITIES: readonly Entity[] = [
  {
    name: 'customers',
    description: 'identities: one row per customer id in a source',
    key: ['customer_id'],
    columns: [
      { name: 'customer_id', type: 'text', required: true, description: "the source's own customer id" },
      { name: 'customer_name', type: 'text', description: 'name as the source spells it' },
      { name: 'email', type: 'text', description: 'matched without case and surrounding spaces' },
      { name: 'mobile', type: 'text', description: 'matched on its digits (mainland numbers in any spelling)' },
      { name: 'city', type: 'text', description: 'city' },
      { name: 'region', type: 'text', description: 'region, province or state' },
      { name: 'country', type: 'text', description: 'country' },
      { name: 'acquisition_channel', type: 'text', description: 'where the person came from (lead source)' },
      { name: 'created_at', type: 'timestamp', description: 'when the source first knew the person' },
      { name: 'tags', type: 'text_list', description: 'labels, e.g. string_split(tags, \';\')' },
      { name: 'member_id', type: 'text', description: 'a membership id shared across systems: a match key' },
      { name: 'company_id', type: 'text', description: "a company's registration number (统一社会信用代码) for B2B: a match key" },
    ],
  },
  {
    name: 'orders',
    description: 'purchases; rows with the same order_id are lines of one order and are summed',
    columns: [
      { name: 'order_id', type: 'text', description: 'the order; absent: every row is an order of its own' },
      { name: 'customer_id', type: 'text', required: true, description: 'who bought' },
      CUSTOMER_SOURCE,
      { name: 'ordered_at', type: 'timestamp', required: true, description: 'when' },
      { name: 'status', type: 'text', description: 'the source\'s status' },
      { name: 'is_cancelled', type: 'boolean', description: 'a cancelled order counts for nothing' },
      { name: 'channel', type: 'text', description: 'sales channel' },
      { name: 'currency', type: 'text', description: 'ISO code; the project currency when absent' },
      { name: 'item_count', type: 'number', description: 'units bought (net of returns)' },
      { name: 'net_revenue', type: 'money', required: true, description: 'revenue after discounts and refunds' },
      { name: 'gross_revenue', type: 'money', description: 'before discounts (default: net revenue)' },
      { name: 'discount', type: 'money', description: 'discounts given' },
      { name: 'refunds', type: 'money', description: 'refunded on returns' },
      { name: 'cost', type: 'money', description: 'cost of goods; absent: margins are null' },
    ],
  },
  {
    name: 'order_lines',
    description: 'products on orders (detail; orders carry the totals)',
    key: ['order_line_id'],
    columns: [
      { name: 'order_line_id', type: 'text', required: true, description: 'the line' },
      { name: 'order_id', type: 'text', required: true, description: 'its order' },
      { name: 'product_id', type: 'text', description: 'product' },
      { name: 'category', type: 'text', description: 'product category' },
      { name: 'quantity', type: 'number', description: 'units' },
      { name: 'revenue', type: 'money', description: 'net revenue of the line' },
      { name: 'cost', type: 'money', description: 'cost of the line' },
    ],
  },
  {
    name: 'products',
    description: 'the product catalogue',
    key: ['product_id'],
    columns: [
      { name: 'product_id', type: 'text', required: true, description: 'product' },
      { name: 'product_name', type: 'text', description: 'name' },
      { name: 'category', type: 'text', description: 'category' },
      { name: 'list_price', type: 'money', description: 'list price' },
      { name: 'unit_cost', type: 'money', description: 'cost per unit' },
    ],
  },
  {
    name: 'returns',
    description: 'returned goods (detail; orders carry refunds in their totals)',
    key: ['return_id'],
    columns: [
      { name: 'return_id', type: 'text', required: true, description: 'the return' },
      { name: 'order_id', type: 'text', description: 'its order' },
      { name: 'order_line_id', type: 'text', description: 'its order line' },
      { name: 'returned_at', type: 'timestamp', description: 'when' },
      { name: 'quantity', type: 'number', description: 'units returned' },
      { name: 'refund', type: 'money', description: 'refunded' },
      { name: 'reason', type: 'text', description: 'why' },
    ],
  },
  {
    name: 'touchpoints',
    description: 'every CRM interaction: campaigns, visits, calls, tickets',
    key: ['touchpoint_id'],
    columns: [
      { name: 'touchpoint_id', type: 'text', required: true, description: 'the interaction' },
      { name: 'customer_id', type: 'text', required: true, description: 'with whom' },
      CUSTOMER_SOURCE,
      { name: 'touchpoint_type', type: 'text', required: true, description: 'e.g. email_sent, web_visit, call, support_ticket' },
      { name: 'funnel_stage', type: 'text', description: 'awareness, consideration, service or other (default other)' },
      { name: 'campaign', type: 'text', description: 'campaign' },
      { name: 'channel', type: 'text', description: 'channel' },
      { name: 'occurred_at', type: 'timestamp', required: true, description: 'when' },
    ],
  },
  {
    name: 'surveys',
    description: 'survey answers: NPS (0–10) or CSAT',
    key: ['survey_id'],
    columns: [
      { name: 'survey_id', type: 'text', required: true, description: 'the answer' },
      { name: 'customer_id', type: 'text', required: true, description: 'who answered' },
      CUSTOMER_SOURCE,
      { name: 'survey_type', type: 'text', description: 'nps (default) or csat' },
      { name: 'score', type: 'number', required: true, description: 'the score' },
      { name: 'answered_at', type: 'timestamp', required: true, description: 'when' },
    ],
  },
  {
    name: 'referrals',
    description: 'who referred whom',
    key: ['referral_id'],
    columns: [
      { name: 'referral_id', type: 'text', required: true, description: 'the referral' },
      { name: 'referrer_customer_id', type: 'text', required: true, description: 'who referred' },
      { name: 'referred_customer_id', type: 'text', required: true, description: 'who was referred' },
      CUSTOMER_SOURCE,
      { name: 'referred_at', type: 'timestamp', description: 'when' },
    ],
  },
];

export function entity(name: string): Entity | undefined {
  return ENTITIES.find((e) => e.name === name);
}

/** The union of every provider of an entity: `intermediate.int_<entity>_unioned`. */
export function unionModelKey(entityName: EntityName): string {
  return `intermediate.int_${entityName}_unioned`;
}
