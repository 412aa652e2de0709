// REST extractors against a real HTTP server on loopback that serves recorded contacts in each
// paging style and injects faults. After every fault the warehouse must hold exactly the
// server's records: none lost, none twice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project } from '../../pipelines/config.js';
import { rest, type Paging } from '../../pipelines/extract/rest.js';
import { loadAssets } from '../../pipelines/load/assets.js';
import { defineSource, type SourceDefinition } from '../../pipelines/load/source.js';
import { runPipeline } from '../../pipelines/orchestration/runner.js';
import { CrmServer, type Contact, type Fault } from '../helpers/crm-server.js';
import { clm } from '../helpers/cli.js';
import { freshProject, projectWithSources, query, run, tempDir } from '../helpers/warehouse.js';

process.env['TEST_CRM_TOKEN'] = 'test-token';

const servers: CrmServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function crm(options: ConstructorParameters<typeof CrmServer>[0] = {}): Promise<CrmServer> {
  const server = await new CrmServer(options).start();
  servers.push(server);
  return server;
}

function contactsSource(server: CrmServer, endpoint: string, paging: Paging, extra: { requestsPerSecond?: number } = {}): SourceDefinition {
  return defineSource({
    name: 'crm_api',
    description: 'contacts over REST',
    tables: [
      {
        name: 'contacts',
        columns: { id: 'VARCHAR', name: 'VARCHAR', email: 'VARCHAR', last_modified_time: 'BIGINT', is_deleted: 'BOOLEAN' },
        primaryKey: ['id'],
        cursor: 'last_modified_time',
        extract: rest({
          url: `${server.url}${endpoint}`,
          auth: { env: 'TEST_CRM_TOKEN' },
          records: endpoint === '/offset' ? 'data.dataList' : 'data',
          id: 'id',
          cursor: 'last_modified_time',
          paging,
          timeoutMs: 1000,
          backoffMs: 50,
          ...extra,
        }),
      },
    ],
  });
}

async function pull(project: ReturnType<typeof freshProject>, source: SourceDefinition) {
  const log: string[] = [];
  const summary = await runPipeline({ paths: project, assets: loadAssets(source), log: (line) => log.push(line) });
  expect(summary.status, log.join('\n')).toBe('success');
  return log;
}

async function warehouseContacts(project: Project): Promise<Contact[]> {
  return query<Contact & Record<string, unknown>>(project, 'select id, name, email, last_modified_time, is_deleted from raw.crm_api__contacts order by id');
}

const STYLES: [string, string, Paging][] = [
  ['offset/limit over a modified-time filter (纷享销客)', '/offset', { style: 'offset', limit: 100 }],
  ['keyset on an ascending id (简道云)', '/keyset', { style: 'keyset', limit: 100 }],
];

describe.each(STYLES)('REST, %s', (_label, endpoint, paging) => {
  it('pulls everything, with 250 records sharing one cursor value across page edges, through 429, 500, a stalled page and a cut connection', async () => {
    const server = await crm({ stallMs: 3000 });
    server.insert(120);
    server.insert(250, { at: server.now() }); // one modification time for all 250
    server.insert(80);
    const faults: [number, Fault][] = [[1, '429'], [3, '500'], [4, 'stall'], [6, 'cut']];
    for (const [request, fault] of faults) server.faults.set(request, fault);
    const project = freshProject();

    const log = await pull(project, contactsSource(server, endpoint, paging));

    expect(await warehouseContacts(project)).toEqual(server.rows());
    expect(log.join('\n')).toMatch(/HTTP 429.*retrying in 1\.0 s/);
    expect(log.join('\n')).toMatch(/HTTP 500/);
    expect(log.join('\n')).toMatch(/no complete response within 1000 ms/);
    expect(await query(project, 'select count(*) as n from meta.quarantine')).toEqual([{ n: 0 }]);
  });

  it('pulls only what changed on the next run: inserts, updates and soft deletes', async () => {
    const server = await crm();
    server.insert(300, { at: Date.UTC(2025, 5, 1) }); // last modified months ago
    const project = freshProject();
    const source = contactsSource(server, endpoint, paging);
    await pull(project, source);
    const requestsForFull = server.requests;

    server.insert(30);
    server.update('K000007', { name: '张伟（已更新）' });
    server.update('K000150', { is_deleted: true });
    server.requests = 0;
    await pull(project, source);

    expect(await warehouseContacts(project)).toEqual(server.rows());
    expect(server.requests).toBeLessThan(requestsForFull);
    // The second run landed and read the 32 changed records only.
    expect(await query(project, `select sum(rows_read)::int as rows from meta.loaded_files group by run_id order by min(loaded_at)`)).toEqual([{ rows: 300 }, { rows: 32 }]);
    const [state] = await query<{ cursor: string }>(project, `select cursor from meta.extract_state where source = 'crm_api' and table_name = 'contacts'`);
    // Past the old records, and not past the last change: the next pull starts about when this one did.
    expect(Number(state?.cursor)).toBeGreaterThan(Date.UTC(2025, 5, 1));
    expect(Number(state?.cursor)).toBeLessThanOrEqual(Math.max(...server.rows().map((c) => c.last_modified_time)));
  });

  it('catches a record updated between two pages in the same run', async () => {
    const server = await crm();
    server.insert(350);
    // After the second page: a record already pulled on the first page changes.
    server.afterRequest = (request) => {
      if (request === 2) server.update('K000010', { email: 'changed-mid-pull@example.cn' });
    };
    const project = freshProject();

    await pull(project, contactsSource(server, endpoint, paging));

    expect(await warehouseContacts(project)).toEqual(server.rows());
    expect((await warehouseContacts(project)).find((c) => c.id === 'K000010')?.email).toBe('changed-mid-pull@example.cn');
  });
});

describe('REST, the keyset API allows about 30 requests a second', () => {
  it('is never refused for going faster', async () => {
    const server = await crm({ requestsPerSecond: 30 });
    server.insert(400);
    const project = freshProject();
    await pull(project, contactsSource(server, '/keyset', { style: 'keyset', limit: 10 }, { requestsPerSecond: 25 }));
    expect(await warehouseContacts(project)).toEqual(server.rows());
    expect(server.requests).toBeGreaterThan(40);
    expect(server.rateLimited).toBe(0);
  });
});

describe('REST, page tokens with If-Modified-Since (Zoho)', () => {
  it('pulls everything, then only what changed', async () => {
    const server = await crm();
    server.insert(250);
    const project = freshProject();
    const source = contactsSource(server, '/pages', { style: 'page_token' });
    await pull(project, source);
    expect(await warehouseContacts(project)).toEqual(server.rows());

    server.update('K000001', { name: '改名' });
    server.insert(5);
    await pull(project, source);
    expect(await warehouseContacts(project)).toEqual(server.rows());
  });
});

/** A source file as an engineer writes it: the CRM's address and token come from the environment. */
const crmSourceFile = (style: 'offset' | 'keyset') => `import { defineSource } from '../load/source.js';
import { rest } from '../extract/rest.js';

export default defineSource({
  name: 'crm_api',
  description: 'CRM contacts over REST',
  tables: [
    {
      name: 'contacts',
      columns: { id: 'VARCHAR', name: 'VARCHAR', email: 'VARCHAR', last_modified_time: 'BIGINT', is_deleted: 'BOOLEAN' },
      primaryKey: ['id'],
      cursor: 'last_modified_time',
      extract: rest({
        url: '\${TEST_CRM_URL}/${style}',
        auth: { env: 'TEST_CRM_TOKEN' },
        records: '${style === 'offset' ? 'data.dataList' : 'data'}',
        id: 'id',
        cursor: 'last_modified_time',
        paging: { style: '${style}', limit: 50 },
      }),
      provides: {
        entity: 'customers',
        map: { customer_id: 'id', customer_name: 'name', email: 'email' },
        where: 'not is_deleted', // a contact deleted in the CRM leaves the reports
      },
    },
  ],
});
`;

describe('REST, as a source file run by clm', () => {
  function project(style: 'offset' | 'keyset' = 'offset'): Project {
    const dir = tempDir();
    const file = join(dir, 'crm-api.ts');
    writeFileSync(file, crmSourceFile(style));
    return projectWithSources([file]);
  }
  const args = (p: Project) => ['--sources', p.sources, '--warehouse', p.warehouse, '--landing', p.landing];

  // The page to kill at is drawn at random in each style's range (8 pages of 50).
  const page = () => 2 + Math.floor(Math.random() * 6);
  it.each([
    ['offset', page()],
    ['keyset', page()],
  ] as const)('resumes a pull with %s paging killed at page %i: the next run ends with exactly the server’s records', async (style, killAt) => {
    const server = await crm();
    server.insert(400, { at: Date.UTC(2025, 0, 1) });
    const p = project(style);
    const env = { TEST_CRM_URL: server.url, TEST_CRM_TOKEN: 'test-token' };

    const killed = await clm(['run', '--select', 'raw.crm_api__contacts', ...args(p)], {
      env,
      onStderr: (text, kill) => {
        if (text.includes(`-p${String(killAt).padStart(6, '0')}.ndjson:`)) kill();
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    server.update('K000003', { name: '改名' });
    server.insert(10);

    const resumed = await clm(['run', '--select', 'raw.crm_api__contacts', ...args(p)], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await warehouseContacts(p)).toEqual(server.rows());
  });

  it('takes a contact deleted in the CRM out of the marts', async () => {
    const server = await crm();
    server.insert(60, { at: Date.UTC(2025, 0, 1) });
    process.env['TEST_CRM_URL'] = server.url;
    const p = project();
    const first = await run(p);
    expect(first.status, first.log.join('\n')).toBe('success');
    expect(await query(p, `select count(*) as n from marts.customers where customer_id = 'crm_api:K000042'`)).toEqual([{ n: 1 }]);

    server.update('K000042', { is_deleted: true });
    expect((await run(p)).status).toBe('success');
    expect(await query(p, `select count(*) as n from marts.customers where customer_id = 'crm_api:K000042'`)).toEqual([{ n: 0 }]);
    expect(await query(p, 'select count(*) as n from marts.customers')).toEqual([{ n: 59 }]);
  });
});
