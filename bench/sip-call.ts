/**
 * `npm run bench:sip`: only the SIP calls of `npm run bench:call` (bench/sip-calls.ts), for a quick
 * look. BENCH_SIP_CALLS=N (default 10) calls after 1 warm-up.
 */
import { cpus, totalmem } from 'node:os';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/chromium.js';
import { formatTable } from './call-report.js';
import { sipCalls, sipFigures, sipUnavailable } from './sip-calls.js';

const BUILD_DIR = process.env.BENCH_BUILD_DIR ?? 'dist/renderer';
const CALLS = Number(process.env.BENCH_SIP_CALLS ?? 10);
if (!Number.isInteger(CALLS) || CALLS < 1) throw new Error(`BENCH_SIP_CALLS must be a positive whole number, got "${process.env.BENCH_SIP_CALLS}"`);

const unavailable = sipUnavailable();
if (unavailable !== null) throw new Error(unavailable);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const calls = await sipCalls(browser, BUILD_DIR, CALLS, 1, (line) => console.log(line));
  const cpu = cpus();
  console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, Chromium ${browser.version()} headless; ${CALLS} SIP calls after 1 warm-up`);
  console.log(formatTable(sipFigures(calls)));
} finally {
  await browser.close();
}
