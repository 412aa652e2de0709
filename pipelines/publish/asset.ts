import { formatCount as fmt } from '../cli-format.js';
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Asset } from '../orchestration/asset.js';
import { buildSite, exportReportData } from './publish.js';
import { copyReportsProject } from './reports-copy.js';

/**
 * The report site: exports the report tables as Arrow and builds the Evidence project, in a copy
 * of it under `reports/.builds/<run>/`. Only a finished build goes live, by replacing the
 * `reports/build` link in one rename, so a failed or killed build leaves the previous site in place.
 */
export function publishAsset(marts: readonly string[]): Asset {
  return {
    key: 'reports.site',
    kind: 'publish',
    group: 'reports',
    description: 'The Evidence site in reports/build/, built from the marts with no network',
    upstream: marts,
    tags: ['reports'],
    async materialise(context) {
      const builds = join(context.reportsDir, '.builds');
      const staging = join(builds, context.runId);
      rmSync(staging, { recursive: true, force: true });
      copyReportsProject(context.reportsDir, staging);
      try {
        const exported = await exportReportData(context.warehouse, staging, context.settings, context.runId);
        context.log(`    exported ${exported.tables} report tables, ${fmt(exported.rows)} rows, ${fmt(exported.bytes / 1024)} KiB of Arrow`);
        // The log sits beside the copy, so it outlives a failed build (the error message names it).
        const site = await buildSite(staging, context.log, { title: context.settings.reports.title, logFile: `${staging}.log`, reuseFrom: liveBuildProject(context.reportsDir) });
        goLive(context.reportsDir, join(staging, 'build'));
        removeOtherBuilds(builds, context.runId);
        return {
          rows: exported.rows,
          summary: `${site.pages} pages, ${fmt(site.bytes / 1024 / 1024)} MiB in reports/build/, built in ${site.seconds.toFixed(1)}s${site.compile === 'reused' ? ' (pages compiled by the previous build)' : ''}`,
          metrics: { buildSeconds: site.seconds, siteBytes: site.bytes, sitePages: site.pages, dataBytes: exported.bytes },
        };
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        throw error;
      }
    },
  };
}

/** The build copy the live site came from (`reports/.builds/<run>`), if the site is a link to one. */
function liveBuildProject(reportsDir: string): string | undefined {
  const live = join(reportsDir, 'build');
  if (!existsSync(live) || !lstatSync(live).isSymbolicLink()) return undefined;
  return dirname(realpathSync(live));
}

/** Points `reports/build` at a finished build with one atomic rename of a link. */
function goLive(reportsDir: string, build: string): void {
  const live = join(reportsDir, 'build');
  const next = join(reportsDir, `build.next-${process.pid}`);
  rmSync(next, { force: true });
  symlinkSync(relative(reportsDir, build), next);
  // A site built in place by an older clm is a folder, which a link cannot replace: set it aside.
  if (existsSync(live) && !lstatSync(live).isSymbolicLink()) {
    mkdirSync(join(reportsDir, '.builds'), { recursive: true });
    renameSync(live, join(reportsDir, '.builds', `in-place-${Date.now()}`));
  }
  renameSync(next, live);
}

function removeOtherBuilds(builds: string, current: string): void {
  for (const entry of readdirSync(builds)) if (entry !== current) rmSync(join(builds, entry), { recursive: true, force: true });
}
