import type { Asset } from '../orchestration/asset.js';
import { buildSite, exportReportData } from './publish.js';

/** The report site: exports the report tables as Arrow and builds the Evidence project. */
export function publishAsset(marts: readonly string[]): Asset {
  return {
    key: 'reports.site',
    kind: 'publish',
    group: 'reports',
    description: 'The Evidence site in reports/build/, built from the marts with no network',
    upstream: marts,
    tags: ['reports'],
    async materialise(context) {
      const exported = await exportReportData(context.warehouse, context.reportsDir, context.settings);
      context.log(`    exported ${exported.tables} report tables, ${fmt(exported.rows)} rows, ${fmt(exported.bytes / 1024)} KiB of Arrow`);
      const site = await buildSite(context.reportsDir, context.log);
      return {
        rows: exported.rows,
        summary: `${site.pages} pages, ${fmt(site.bytes / 1024 / 1024)} MiB in reports/build/, built in ${site.seconds.toFixed(1)}s`,
        metrics: { buildSeconds: site.seconds, siteBytes: site.bytes, sitePages: site.pages, dataBytes: exported.bytes },
      };
    },
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
