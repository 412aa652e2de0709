#!/usr/bin/env node
// The `clm` command. The TypeScript sources compile to dist/ on `npm install` (the prepare script).
import { main } from '../dist/pipelines/cli.js';

process.exitCode = await main(process.argv.slice(2));
