/**
 * The SIP calls of `npm run bench:call` and `npm run bench:sip`: a browser phone calling a SIP
 * softphone through the gateway, on loopback: the real signalling server (in process, with
 * --sip-proxy at Kamailio), rtpengine and a baresip that rings (tests/sip/rig.ts). Times click "Call"
 * -> "Ringing…" (baresip's 180 shown) in the page, and baresip answering -> the first inbound audio
 * energy in the page. Every step has a deadline: a stuck call fails the run, saying where.
 */
import type { Browser, Page } from 'playwright-core';
import { startSignalServer } from '../signal-server/server.js';
import { PROBE_SCRIPT } from '../tests/e2e/media.js';
import { EventLog } from '../tests/sip/event-log.js';
import { Baresip, Kamailio, missingPackages, Rtpengine } from '../tests/sip/rig.js';
import { STEP_TIMEOUT_MS } from './call-pages.js';
import { latencyFigure, type Figure } from './call-report.js';
import { ROOMY_LIMITS } from './call-server.js';

const USERS = { '1001': 'secret-1001', gateway: 'gateway-secret' };

export interface SipCallTimes {
  ring: number;
  audio: number;
}

/** Why the SIP calls cannot run here (the packages missing), or null when they can. */
export function sipUnavailable(): string | null {
  const missing = missingPackages();
  return missing.length === 0 ? null : `SIP calls skipped (not installed: ${missing.join(', ')}; .ci/run installs them)`;
}

export function sipFigures(calls: readonly SipCallTimes[]): Figure[] {
  return [
    latencyFigure('SIP: click "Call" (dial 1001) -> "Ringing…" (baresip\'s 180)', calls.map((c) => c.ring), null),
    latencyFigure('SIP: baresip answers -> first inbound audio energy in the page', calls.map((c) => c.audio), null),
  ];
}

// The page scripts go as text: tsx wraps functions written here in a helper the page does not have.

/** Clicks the dial field's "Call" and resolves, in the page's clock, when the status says it rings. */
function clickToRinging(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const status = document.querySelector('[role="status"]');
    const observer = new MutationObserver(() => {
      if (!status.textContent.includes('Ringing')) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve(performance.now() - clicked);
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      const alert = document.querySelector('[role="alert"]');
      reject(new Error('no "Ringing" within ${STEP_TIMEOUT_MS} ms; the page says: ' + status.textContent + ' ' + (alert ? alert.textContent : '')));
    }, ${STEP_TIMEOUT_MS});
    observer.observe(status, { childList: true, subtree: true, characterData: true });
    const clicked = performance.now();
    document.querySelector('form[aria-label="Dial a number"] button[type="submit"]').click();
  })`);
}

/** Resolves with Date.now() in the page when inbound audio energy first rises (polled every 5 ms). */
function firstAudio(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      window.__leanphoneProbe.inbound().then((inbound) => {
        if (inbound.audioEnergy <= 0) return;
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(Date.now());
      });
    }, 5);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error('no inbound audio within ${STEP_TIMEOUT_MS} ms of the answer'));
    }, ${STEP_TIMEOUT_MS});
  })`);
}

async function oneCall(page: Page, baresip: Baresip): Promise<SipCallTimes> {
  const ring = await clickToRinging(page);
  await baresip.event('CALL_INCOMING', STEP_TIMEOUT_MS);
  const heard = firstAudio(page);
  const answered = Date.now();
  await baresip.command('accept');
  const audio = (await heard) - answered;
  await page.getByRole('button', { name: 'Hang up', exact: true }).click();
  await baresip.event('CALL_CLOSED', STEP_TIMEOUT_MS);
  await page.getByRole('button', { name: 'Hang up', exact: true }).waitFor({ state: 'hidden', timeout: STEP_TIMEOUT_MS });
  return { ring, audio };
}

/** `calls` SIP calls after `warmUp`, each hung up by the page; `say` hears a line per call. */
export async function sipCalls(browser: Browser, buildDir: string, calls: number, warmUp: number, say: (line: string) => void): Promise<SipCallTimes[]> {
  const rtpengine = await Rtpengine.start();
  const kamailio = await Kamailio.start({ users: USERS, rtpengine }).catch(async (error: unknown) => {
    await rtpengine.stop();
    throw error;
  });
  const baresip = await Baresip.start({ user: '1001', password: USERS['1001'], kamailio, answermode: 'manual' }).catch(async (error: unknown) => {
    await kamailio.stop();
    await rtpengine.stop();
    throw error;
  });
  const log = new EventLog();
  // Every call comes from one page on 127.0.0.1: the anti-bombing call limits (5 at once, then 10 a minute) would refuse the run.
  const server = await startSignalServer({
    port: 0,
    host: '127.0.0.1',
    staticDir: buildDir,
    logger: log,
    ...ROOMY_LIMITS,
    sip: { proxy: kamailio.wsUrl, domain: kamailio.domain, authUser: 'gateway', authPassword: USERS.gateway },
  });
  const context = await browser.newContext({ permissions: ['microphone', 'camera'] });
  try {
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
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

    const times: SipCallTimes[] = [];
    for (let i = 0; i < warmUp + calls; i += 1) {
      const call = await oneCall(page, baresip);
      if (i < warmUp) continue;
      times.push(call);
      say(`SIP call ${i + 1 - warmUp}/${calls}: ringing after ${call.ring.toFixed(1)} ms, audio ${call.audio.toFixed(0)} ms after the answer`);
    }
    return times;
  } finally {
    await context.close();
    await server.close();
    await baresip.stop();
    await kamailio.stop();
    await rtpengine.stop();
  }
}
