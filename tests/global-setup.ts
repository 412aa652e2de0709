import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** Child-process tests run the real `clm` binary, so dist/ must match the sources. */
export default function setup(): void {
  execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
