/**
 * `npm run bench:sip`: a browser phone calling a SIP softphone through the gateway, on loopback:
 * the real signalling server (in process, with --sip-proxy at Kamailio), rtpengine and a baresip that
 * rings (tests/sip/rig.ts). Times click "Call" -> "Ringing…" (baresip's 180 shown) in the page, and
 * baresip answering -> the first inbound audio energy in the page. BENCH_SIP_CALLS=N (default 10) after 1.
 */
import { cpus, totalmem } from 'node:os';
import { chromium, type Page } from 'playwright-core';
import { startSignalServer } from '../signal-server/server.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/chromium.js';
import { PROBE_SCRIPT } from '../tests/e2e/media.js';
import { EventLog } from '../tests/sip/event-log.js';
import { Baresip, Kamailio, Rtpengine } from '../tests/sip/rig.js';
import { formatTable, latencyFigure } from './call-report.js';

const BUILD_DIR = process.env.BENCH_BUILD_DIR ?? 'dist/renderer';
const CALLS = Number(process.env.BENCH_SIP_CALLS ?? 10);
if (!Number.isInteger(CALLS) || CALLS < 1) throw new Error(`BENCH_SIP_CALLS must be a positive whole number, got "${process.env.BENCH_SIP_CALLS}"`);
const USERS = { '1001': 'secret-1001', gateway: 'gateway-secret' };

// The page scripts go as text: tsx wraps functions written here in a helper the page does not have.

/** Clicks the dial field's "Call" and resolves, in the page's clock, when the status says it rings. */
function clickToRinging(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const status = document.querySelector('[role="status"]');
    const observer = new MutationObserver(() => {
      if (!status.textContent.includes('Ringing')) return;
      observer.disconnect();
      resolve(performance.now() - clicked);
    });
    observer.observe(status, { childList: true, subtree: true, characterData: true });
    const clicked = performance.now();
    document.querySelector('form[aria-label="Dial a number"] button[type="submit"]').click();
  })`);
}

/** Resolves with Date.now() in the page when inbound audio energy first rises (polled every 5 ms). */
function firstAudio(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const timer = setInterval(() => {
      window.__leanphoneProbe.inbound().then((inbound) => {
        if (inbound.audioEnergy <= 0) return;
        clearInterval(timer);
        resolve(Date.now());
      });
    }, 5);
  })`);
}

async function oneCall(page: Page, baresip: Baresip): Promise<{ ring: number; audio: number }> {
  const ring = await clickToRinging(page);
  await baresip.event('CALL_INCOMING');
  const heard = firstAudio(page);
  const answered = Date.now();
  await baresip.command('accept');
  const audio = (await heard) - answered;
  await page.getByRole('button', { name: 'Hang up', exact: true }).click();
  await baresip.event('CALL_CLOSED');
  await page.getByRole('button', { name: 'Hang up', exact: true }).waitFor({ state: 'hidden' });
  return { ring, audio };
}

async function main(): Promise<void> {
  const rtpengine = await Rtpengine.start();
  const kamailio = await Kamailio.start({ users: USERS, rtpengine });
  const baresip = await Baresip.start({ user: '1001', password: USERS['1001'], kamailio, answermode: 'manual' });
  const log = new EventLog();
  const server = await startSignalServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: BUILD_DIR,
    logger: log,
    sip: { proxy: kamailio.wsUrl, domain: kamailio.domain, authUser: 'gateway', authPassword: USERS.gateway },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ permissions: ['microphone', 'camera'] });
    // tsx (esbuild keepNames) calls __name inside the probe's functions; the page needs a stand-in.
    await context.addInitScript('globalThis.__name = (target) => target;');
    await context.addInitScript(PROBE_SCRIPT);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    const registered = log.until('sip-registered', { user: 'Ada' });
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ada');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await registered;
    await page.getByRole('textbox', { name: 'Dial', exact: true }).fill('1001');

    await oneCall(page, baresip); // warm-up
    const calls: { ring: number; audio: number }[] = [];
    for (let i = 0; i < CALLS; i += 1) calls.push(await oneCall(page, baresip));

    const cpu = cpus();
    console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, Chromium ${browser.version()} headless; ${CALLS} SIP calls after 1 warm-up`);
    console.log(
      formatTable([
        latencyFigure('SIP: click "Call" (dial 1001) -> "Ringing…" (baresip\'s 180)', calls.map((c) => c.ring), null),
        latencyFigure('SIP: baresip answers -> first inbound audio energy in the page', calls.map((c) => c.audio), null),
      ]),
    );
  } finally {
    await browser.close();
    await server.close();
    await baresip.stop();
    await kamailio.stop();
    await rtpengine.stop();
  }
}

await main();
