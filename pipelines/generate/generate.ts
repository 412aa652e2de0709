import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withWarehouse, literal } from '../warehouse/connection.js';
import { makeCatalog, type Product } from './catalog.js';
import { WriterSet } from './file-writer.js';
import { makePerson, messyEmail, messyMobile, type Person } from './people.js';
import { Random } from './random.js';
import { BAD_ROW_RATES, LEAD_SOURCES, TRUE_PARAMETERS } from './truth.js';

export interface GenerateOptions {
  customers: number;
  seed: number;
  out: string;
  /** The last day of the extract (inclusive), `YYYY-MM-DD`. */
  end?: string;
  /** How many years of history. */
  years?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Manifest {
  seed: number;
  customers: number;
  start: string;
  end: string;
  files: Record<string, number>;
  injected: {
    orders_bad_date: string[];
    order_lines_negative_quantity: number;
    order_lines_exact_duplicate: number;
    order_lines_orphan: number;
    contacts_exact_duplicate: number;
  };
  truth: typeof TRUE_PARAMETERS;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/**
 * Writes CRM and ERP extracts for `customers` people, drawn from the known process in truth.ts,
 * with the mess real extracts have. Returns the manifest it also writes to `out/manifest.json`.
 */
export async function generateSample(options: GenerateOptions): Promise<Manifest> {
  const random = new Random(options.seed);
  const endMs = Date.parse(`${options.end ?? '2026-10-31'}T23:59:59Z`);
  const startMs = Date.UTC(new Date(endMs).getUTCFullYear() - (options.years ?? 3), new Date(endMs).getUTCMonth() + 1, 1);
  // Replace only what a previous generation wrote; anything else in the folder stays.
  for (const owned of ['crm', 'erp', 'truth', 'manifest.json']) rmSync(join(options.out, owned), { recursive: true, force: true });
  mkdirSync(options.out, { recursive: true });
  const files = new WriterSet(options.out);
  const catalog = makeCatalog(random);
  const injected: Manifest['injected'] = {
    orders_bad_date: [],
    order_lines_negative_quantity: 0,
    order_lines_exact_duplicate: 0,
    order_lines_orphan: 0,
    contacts_exact_duplicate: 0,
  };
  const year = (ms: number) => new Date(ms).getUTCFullYear();
  const converted: string[] = [];
  let orderSeq = 0;
  let lineSeq = 0;
  let erpSeq = 0;
  let interactionSeq = 0;

  const contacts = files.get('crm/contacts.csv', ['contact_id', 'full_name', 'email', 'mobile', 'city', 'lead_source', 'tags', 'created_at', 'updated_at']);
  const erpCustomers = files.get('erp/customers.csv', ['客户编号', '客户名称', '电子邮箱', '手机号码', '城市', '注册时间', '更新时间']);
  const truth = files.get('truth/customers.csv', ['person_index', 'contact_id', 'erp_customer_ids', 'lead_source', 'will_buy', 'lambda_per_week', 'dropout_p', 'spend_nu', 'first_purchase_at', 'dropout_at', 'alive_at_end', 'purchases']);

  for (let i = 1; i <= options.customers; i++) {
    const person = makePerson(random, i);
    const [leadSource, , conversion] = random.weighted(LEAD_SOURCES.map((s) => [s, s[1]] as const));
    const createdMs = startMs + random.next() * (endMs - 14 * DAY - startMs);
    const erpOnly = leadSource === 'store' && random.chance(0.3);
    const contactId = `C${String(i).padStart(6, '0')}`;
    const { r, alpha, a, b } = TRUE_PARAMETERS.bgnbd;
    const lambda = random.gamma(r, alpha);
    const dropout = random.beta(a, b);
    const nu = random.gamma(TRUE_PARAMETERS.gammaGamma.q, TRUE_PARAMETERS.gammaGamma.gamma);
    const willBuy = random.chance(conversion);

    // Purchase times: the first after a conversion lag, then BG/NBD while alive.
    const purchases: number[] = [];
    let dropoutMs: number | undefined;
    if (willBuy) {
      let t = createdMs + (leadSource === 'store' ? 0 : random.exponential(1 / 10) * DAY);
      // BG/NBD: a customer may drop out after each repeat purchase (never right after the first).
      while (t <= endMs) {
        purchases.push(t);
        if (purchases.length > 1 && random.chance(dropout)) {
          dropoutMs = t;
          break;
        }
        t += random.exponential(lambda) * WEEK;
      }
    }

    // Identities: a CRM contact (unless a walk-in), one or two ERP ids for buyers.
    const tags = [leadSource === 'wechat' ? 'wechat_follower' : '', random.chance(0.1) ? 'vip' : '', random.chance(0.2) ? 'newsletter' : ''].filter(Boolean).join(';');
    if (!erpOnly) {
      const row = [contactId, person.name, person.email, messyMobile(random, person.mobile), person.city, leadSource, tags, iso(createdMs), iso(createdMs + random.int(0, 30) * DAY)];
      contacts.write(row);
      if (random.chance(BAD_ROW_RATES.contactExactDuplicate)) {
        contacts.write(row);
        injected.contacts_exact_duplicate += 1;
      }
      if (random.chance(0.03)) {
        // The same person entered again later: other id, other spelling of the same address.
        contacts.write([`C${String(options.customers + i).padStart(6, '0')}`, person.name, messyEmail(random, person.email), messyMobile(random, person.mobile), person.city, leadSource, '', iso(createdMs + 30 * DAY), iso(createdMs + 30 * DAY)]);
      }
      interactionSeq = writeTouchpoints(files, random, contactId, createdMs, purchases, endMs, interactionSeq);
      if (leadSource === 'referral' && converted.length > 0) {
        files.get('crm/referrals.csv', ['referral_id', 'referrer_contact_id', 'referred_contact_id', 'referred_at']).write([`R${i}`, random.pick(converted), contactId, iso(createdMs)]);
      }
    }

    const erpIds: string[] = [];
    const newErpId = (person: Person, atMs: number) => {
      const id = `E${String(++erpSeq).padStart(7, '0')}`;
      const email = random.chance(0.1) ? '' : messyEmail(random, person.email);
      const phone = email && random.chance(0.05) ? '' : messyMobile(random, person.mobile);
      erpCustomers.write([id, person.name, email, phone, person.city, iso(atMs), iso(atMs)]);
      erpIds.push(id);
      return id;
    };
    const splitAt = random.chance(0.08) && purchases.length > 2 ? random.int(1, purchases.length - 1) : -1;
    for (const [k, at] of purchases.entries()) {
      const erpId = k === 0 ? newErpId(person, at) : k === splitAt ? newErpId(person, at) : erpIds[erpIds.length - 1]!;
      const orderId = `SO${String(++orderSeq).padStart(8, '0')}`;
      const targetCny = random.gamma(TRUE_PARAMETERS.gammaGamma.p, nu);
      lineSeq = writeOrder(files, random, catalog, injected, { orderId, erpId, at, targetCny, store: leadSource === 'store' && random.chance(0.6), year: year(at), lineSeq });
      if (k === 0) converted.push(contactId);
    }

    truth.write([i, erpOnly ? '' : contactId, erpIds.join(';'), leadSource, willBuy ? 1 : 0, lambda.toFixed(6), dropout.toFixed(6), nu.toFixed(8), purchases[0] ? iso(purchases[0]) : '', dropoutMs ? iso(dropoutMs) : '', willBuy && dropoutMs === undefined ? 1 : 0, purchases.length]);
    if (i % 10_000 === 0) options.onProgress?.(i, options.customers);
  }

  // Orphan order lines: lines whose order never reached the extract.
  const orphanCount = Math.round(lineSeq * BAD_ROW_RATES.lineOrphan);
  for (let k = 0; k < orphanCount; k++) {
    const product = random.pick(catalog);
    files.get(`erp/order_lines_${year(endMs)}.csv`, ORDER_LINE_COLUMNS).write([`L${String(++lineSeq).padStart(9, '0')}`, `SO9${String(k).padStart(8, '0')}`, product.productId, 1, product.listPriceCny, 0]);
  }
  injected.order_lines_orphan = orphanCount;

  const counts = files.closeAll();
  await writeProducts(options.out, catalog);
  counts.set('erp/products.parquet', catalog.length);
  const manifest: Manifest = {
    seed: options.seed,
    customers: options.customers,
    start: iso(startMs).slice(0, 10),
    end: iso(endMs).slice(0, 10),
    files: Object.fromEntries([...counts].sort()),
    injected,
    truth: TRUE_PARAMETERS,
  };
  writeFileSync(join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const ORDER_COLUMNS = ['order_id', 'erp_customer_id', 'ordered_at', 'channel', 'status', 'updated_at'];
const ORDER_LINE_COLUMNS = ['order_line_id', 'order_id', 'product_id', 'quantity', 'unit_price_cny', 'discount_cny'];

interface OrderDraft {
  orderId: string;
  erpId: string;
  at: number;
  targetCny: number;
  store: boolean;
  year: number;
  lineSeq: number;
}

function writeOrder(files: WriterSet, random: Random, catalog: readonly Product[], injected: Manifest['injected'], order: OrderDraft): number {
  const badDate = random.chance(BAD_ROW_RATES.orderBadDate);
  const orderedAt = badDate ? random.pick(['N/A', '2025-02-30 10:00:00', '31/12/2024', '']) : iso(order.at);
  if (badDate) injected.orders_bad_date.push(order.orderId);
  const cancelled = random.chance(0.02);
  files.get(`erp/orders_${order.year}.csv`, ORDER_COLUMNS).write([order.orderId, order.erpId, orderedAt, order.store ? 'store' : 'online', cancelled ? 'cancelled' : 'completed', iso(order.at + random.int(1, 72) * 3_600_000)]);

  // Lines: products that fit the order's value until it is spent.
  let remaining = order.targetCny;
  let lineSeq = order.lineSeq;
  let totalCny = 0;
  const lines = files.get(`erp/order_lines_${order.year}.csv`, ORDER_LINE_COLUMNS);
  do {
    // Baskets: mostly items well under what is left to spend, so an order has a few lines.
    const small = catalog.filter((p) => p.listPriceCny <= remaining / 2.5);
    const product = random.pick(small.length >= 3 ? small : catalog.filter((p) => p.listPriceCny <= Math.max(remaining, catalog[0]!.listPriceCny)));
    const quantity = Math.max(1, Math.min(2, Math.floor(remaining / product.listPriceCny)));
    const discount = random.chance(0.2) ? Math.round(product.listPriceCny * quantity * 0.1 * 100) / 100 : 0;
    const lineId = `L${String(++lineSeq).padStart(9, '0')}`;
    const negative = random.chance(BAD_ROW_RATES.lineNegativeQuantity);
    const row = [lineId, order.orderId, product.productId, negative ? -quantity : quantity, product.listPriceCny, discount];
    lines.write(row);
    if (negative) injected.order_lines_negative_quantity += 1;
    if (random.chance(BAD_ROW_RATES.lineExactDuplicate)) {
      lines.write(row);
      injected.order_lines_exact_duplicate += 1;
    }
    const lineCny = product.listPriceCny * quantity - discount;
    totalCny += lineCny;
    remaining -= lineCny;
    if (!cancelled && random.chance(0.04)) {
      files.get('erp/returns.csv', ['return_id', 'order_line_id', 'returned_at', 'quantity', 'refund_cny', 'reason']).write([`RT${lineId.slice(1)}`, lineId, iso(order.at + random.int(2, 20) * DAY), 1, Math.round(((product.listPriceCny * quantity - discount) / quantity) * 100) / 100, random.pick(['质量问题', '不喜欢', 'wrong item', '过敏'])]);
    }
  } while (remaining > catalog[0]!.listPriceCny * 0.8 && random.chance(0.95));

  if (!cancelled) {
    const payments = files.get(`erp/payments_${order.year}.csv`, ['payment_id', 'order_id', 'paid_at', 'method', 'amount_cny']);
    const method = order.store ? random.pick(['unionpay', 'cash', 'wechat_pay']) : random.pick(['alipay', 'wechat_pay', 'alipay', 'unionpay']);
    const total = Math.round(totalCny * 100) / 100;
    if (random.chance(0.1) && total > 100) {
      const gift = Math.round(total * 0.3 * 100) / 100;
      payments.write([`PM${order.orderId.slice(2)}A`, order.orderId, iso(order.at), 'gift_card', gift]);
      payments.write([`PM${order.orderId.slice(2)}B`, order.orderId, iso(order.at), method, Math.round((total - gift) * 100) / 100]);
    } else {
      payments.write([`PM${order.orderId.slice(2)}A`, order.orderId, iso(order.at), method, total]);
    }
  }
  return lineSeq;
}

const CAMPAIGNS = ['618大促', '双11', '新年礼遇', '会员日', 'spring_launch', '七夕限定'];

/** CRM touchpoints: discovery before sign-up, nurturing before the first order, campaigns and service after. */
function writeTouchpoints(files: WriterSet, random: Random, contactId: string, createdMs: number, purchases: readonly number[], endMs: number, seq: number): number {
  const touch = (type: string, at: number, campaign = '', channel = '') => {
    if (at > endMs) return;
    files.get(`crm/interactions_${new Date(at).getUTCFullYear()}.ndjson`, ['interaction_id', 'contact_id', 'interaction_type', 'campaign', 'channel', 'occurred_at'], 'ndjson').write([`I${String(++seq).padStart(9, '0')}`, contactId, type, campaign || null, channel || null, iso(at)]);
  };
  touch('web_visit', createdMs - random.int(1, 20) * DAY, '', random.pick(['search', 'social', 'direct']));
  const firstPurchase = purchases[0] ?? endMs;
  for (let k = random.int(0, 3); k > 0; k--) {
    const at = createdMs + random.next() * Math.max(DAY, firstPurchase - createdMs);
    touch(random.pick(['email_opened', 'web_visit', 'call']), at, random.pick(CAMPAIGNS));
  }
  if (purchases.length > 0 && random.chance(0.3)) touch('meeting', firstPurchase - DAY);
  const last = purchases[purchases.length - 1] ?? createdMs;
  for (let at = createdMs + 20 * DAY; at < Math.min(endMs, last + 240 * DAY); at += random.int(25, 60) * DAY) {
    const campaign = random.pick(CAMPAIGNS);
    touch('email_sent', at, campaign, 'email');
    if (random.chance(0.35)) touch('email_opened', at + random.int(0, 3) * DAY, campaign, 'email');
  }
  for (const [k, at] of purchases.entries()) {
    if (random.chance(0.05)) touch('support_ticket', at + random.int(1, 15) * DAY, '', random.pick(['phone', 'wechat', 'email']));
    if (random.chance(0.2)) {
      const surveys = files.get('crm/surveys.csv', ['survey_id', 'contact_id', 'survey_type', 'score', 'answered_at']);
      const nps = Math.max(0, Math.min(10, Math.round(7.5 + 2 * random.normal())));
      surveys.write([`S${contactId.slice(1)}-${k + 1}`, contactId, 'nps', nps, iso(at + random.int(3, 10) * DAY)]);
    }
  }
  return seq;
}

async function writeProducts(out: string, catalog: readonly Product[]): Promise<void> {
  const csv = join(out, 'erp', '.products.csv');
  const writer = new WriterSet(out).get('erp/.products.csv', ['product_id', 'product_name', 'category', 'list_price_cny', 'unit_cost_cny']);
  for (const p of catalog) writer.write([p.productId, p.name, p.category, p.listPriceCny, p.unitCostCny]);
  writer.flush();
  await withWarehouse(':memory:', async (db) => {
    await db.run(`copy (select * from read_csv(${literal(csv)}, header = true, all_varchar = true)) to ${literal(join(out, 'erp', 'products.parquet'))} (format parquet)`);
  });
  rmSync(csv);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
