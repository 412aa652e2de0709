import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Real PostgreSQL and MariaDB servers for the extractor tests, from Debian's packages (`.ci/run`
 * installs them), each in a fresh data folder and listening on 127.0.0.1 only, stopped when the
 * tests end.
 */
export interface DatabaseServer {
  /** A connection URL for the server's superuser. */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `ready` succeeds (the server accepts connections), or fails after `seconds`. */
async function waitUntil(ready: () => Promise<unknown>, what: string, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await ready();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not accept connections within ${seconds} s: ${(error as Error).message}`);
      await sleep(200);
    }
  }
}

const asRoot = process.getuid?.() === 0;

export async function startPostgres(): Promise<DatabaseServer> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const bin = join('/usr/lib/postgresql', versions[versions.length - 1]!, 'bin');
  const dir = mkdtempSync(join(tmpdir(), 'clm-pg-'));
  // initdb refuses to run as root: the server runs as the postgres user Debian's package creates.
  const as = (command: string, args: string[]) => (asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' }) : execFileSync(command, args, { stdio: 'pipe' }));
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  as(join(bin, 'initdb'), ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--locale=C']);
  const port = await freePort();
  as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pg = (await import('pg')).default;
  await waitUntil(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.end();
  }, 'PostgreSQL');
  return {
    url,
    async stop() {
      try {
        as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export async function startMariadb(): Promise<DatabaseServer> {
  if (!existsSync('/usr/sbin/mariadbd')) throw new Error('MariaDB is not installed (apt-get install -y mariadb-server)');
  const dir = mkdtempSync(join(tmpdir(), 'clm-mariadb-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  if (asRoot) chownSync(dir, 0, 0);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  const port = await freePort();
  const server: ChildProcess = spawn(
    '/usr/sbin/mariadbd',
    ['--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'mysqld.sock')}`, `--port=${port}`, '--bind-address=127.0.0.1', `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-error=${join(dir, 'error.log')}`, '--user=root', '--skip-name-resolve', '--innodb-flush-log-at-trx-commit=0', '--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin'],
    { stdio: 'ignore' },
  );
  const { createConnection } = await import('mysql2/promise');
  await waitUntil(async () => {
    const connection = await createConnection({ uri: `mysql://root@127.0.0.1:${port}/mysql` });
    await connection.query('create database if not exists erp character set utf8mb4');
    await connection.end();
  }, 'MariaDB');
  const url = `mysql://root@127.0.0.1:${port}/erp`;
  return {
    url,
    async stop() {
      server.kill('SIGTERM');
      await new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
