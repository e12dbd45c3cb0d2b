/**
 * `npm run bench:call`: two browser phones (Chromium, fake devices, the e2e flags) on the real
 * signalling server (in a child process) serving the real build, on loopback. Times click "Call" ->
 * callee rings and click "Answer" -> first remote video frame on each side over many calls, then,
 * with a third phone, click "Transfer" -> first frames on the new pair of a blind transfer, a
 * fourth person joining a conference (conference-join.ts), calls to a SIP softphone when kamailio,
 * rtpengine and baresip are installed (sip-calls.ts), and sizes the JS. BENCH_CALLS=N (default 25)
 * calls after 2 warm-up, BENCH_TRANSFERS=N (default 10) transfers after 1, BENCH_JOINS=N (default 10)
 * joins after 1, BENCH_SIP_CALLS=N (default 10) SIP calls after 1; exits 1 if a target is missed.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { chromium } from 'playwright-core';
import type { CallProbe } from './call-probe.js';
import { arm, armToAnswer, button, clickedAt, entry, marksOf, openUser, since, STEP_TIMEOUT_MS, type User } from './call-pages.js';
import { startServerChild } from './call-server.js';
import { conferenceJoins } from './conference-join.js';
import { formatTable, gzippedScriptBytes, latencyFigure, sizeFigure, type Figure } from './call-report.js';
import { sipCalls, sipFigures, sipUnavailable } from './sip-calls.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/chromium.js';

/** The browser build to serve; BENCH_BUILD_DIR points at another (it is then never rebuilt). */
const BUILD_DIR = process.env.BENCH_BUILD_DIR ?? 'dist/renderer';
/** A positive whole number from the environment variable `name`, else `fallback`. */
function countFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got "${process.env[name]}"`);
  return value;
}

const CALLS = countFromEnv('BENCH_CALLS', 25);
const WARMUP_CALLS = 2;
const TRANSFERS = countFromEnv('BENCH_TRANSFERS', 10);
const WARMUP_TRANSFERS = 1;
const JOINS = countFromEnv('BENCH_JOINS', 10);
const SIP_CALLS = countFromEnv('BENCH_SIP_CALLS', 10);

const firstFrameSeen = (user: User): Promise<unknown> =>
  user.page.waitForFunction(
    () => (window as unknown as { __leanphoneCallProbe: CallProbe }).__leanphoneCallProbe.marks().firstFrameAt !== null,
    undefined,
    { timeout: STEP_TIMEOUT_MS },
  );

/** Waits until neither phone is in a call and each lists the other as online again. */
async function settle(caller: User, callee: User): Promise<void> {
  for (const user of [caller, callee]) {
    await button(user.page, 'Hang up').waitFor({ state: 'hidden' });
    await button(user.page, 'Cancel').waitFor({ state: 'hidden' });
    await button(user.page, 'Answer').waitFor({ state: 'hidden' });
  }
  await entry(caller.page, callee.name).and(caller.page.getByRole('listitem', { name: /online/i })).waitFor();
  await entry(callee.page, caller.name).and(callee.page.getByRole('listitem', { name: /online/i })).waitFor();
}

interface VideoCallTimes {
  ring: number;
  callerFrame: number;
  calleeFrame: number;
  /** The ring split in three: the caller making its offer, the server hop, the callee showing it. */
  callerPrep: number;
  serverHop: number;
  calleeShow: number;
}


/** One video call, answered with video and hung up by the caller. */
async function videoCall(caller: User, callee: User): Promise<VideoCallTimes> {
  await Promise.all([arm(caller), arm(callee)]);
  await entry(caller.page, callee.name).getByRole('button', { name: 'Video call', exact: true }).click();
  await button(callee.page, 'Answer with video').click();
  await Promise.all([firstFrameSeen(caller), firstFrameSeen(callee)]);
  const [callerMarks, calleeMarks] = await Promise.all([marksOf(caller), marksOf(callee)]);
  const clicked = clickedAt(callerMarks, 'Video call');
  const answered = clickedAt(calleeMarks, 'Answer with video');
  await button(caller.page, 'Hang up').click();
  await settle(caller, callee);
  return {
    ring: since(calleeMarks.ringingAt, clicked),
    callerFrame: since(callerMarks.firstFrameAt, answered),
    calleeFrame: since(calleeMarks.firstFrameAt, answered),
    callerPrep: since(callerMarks.inviteSentAt, clicked),
    serverHop: since(calleeMarks.inviteReceivedAt, callerMarks.inviteSentAt),
    calleeShow: since(calleeMarks.ringingAt, calleeMarks.inviteReceivedAt),
  };
}

/** One voice call that the callee declines. Returns the ring latency in ms. */
async function voiceRing(caller: User, callee: User): Promise<number> {
  await Promise.all([arm(caller), arm(callee)]);
  await entry(caller.page, callee.name).getByRole('button', { name: 'Call', exact: true }).click();
  await button(callee.page, 'Decline').click();
  const [callerMarks, calleeMarks] = await Promise.all([marksOf(caller), marksOf(callee)]);
  await settle(caller, callee);
  return since(calleeMarks.ringingAt, clickedAt(callerMarks, 'Call'));
}

interface TransferTimes {
  /** Click "Transfer" in the dialog -> the first frame on both sides of the new pair. */
  total: number;
  /** Click -> the target rings. */
  ring: number;
  /** The target clicks "Answer with video" -> the first frame on both sides. */
  answer: number;
}

/** Ada, in a video call with Bob, transfers him blind to Cy, who answers with video; Bob hangs up after. */
async function blindTransfer(ada: User, bob: User, cy: User): Promise<TransferTimes> {
  await Promise.all([arm(ada), arm(bob)]);
  await entry(ada.page, bob.name).getByRole('button', { name: 'Video call', exact: true }).click();
  await button(bob.page, 'Answer with video').click();
  await Promise.all([firstFrameSeen(ada), firstFrameSeen(bob)]);

  await Promise.all([arm(ada), arm(bob), armToAnswer(cy, 'Answer with video')]);
  await button(ada.page, 'Transfer').click();
  const dialog = ada.page.getByRole('dialog', { name: 'Transfer', exact: true });
  await dialog.getByRole('listitem', { name: new RegExp(`^${cy.name}\\b`) }).getByRole('button', { name: 'Transfer', exact: true }).click();
  await Promise.all([firstFrameSeen(bob), firstFrameSeen(cy)]);
  const [adaMarks, bobMarks, cyMarks] = await Promise.all([marksOf(ada), marksOf(bob), marksOf(cy)]);
  // The last click on a "Transfer" button is the one in the dialog.
  const clicked = clickedAt(adaMarks, 'Transfer');
  const framed = Math.max(bobMarks.firstFrameAt ?? Number.NaN, cyMarks.firstFrameAt ?? Number.NaN);
  await button(bob.page, 'Hang up').click();
  await settle(ada, bob);
  await settle(bob, cy);
  await settle(ada, cy);
  return { total: framed - clicked, ring: since(cyMarks.ringingAt, clicked), answer: framed - clickedAt(cyMarks, 'Answer with video') };
}

function ensureBuild(): void {
  if (existsSync(`${BUILD_DIR}/index.html`)) return;
  console.log(`${BUILD_DIR} is missing: building the renderer first (vite build)`);
  const built = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit', env: { ...process.env, LEANPHONE_BROWSER_ONLY: '1' } });
  if (built.status !== 0) throw new Error('vite build failed');
}

async function main(): Promise<void> {
  ensureBuild();
  const server = await startServerChild(BUILD_DIR);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const url = `http://127.0.0.1:${server.port}/`;
    const ada = await openUser(browser, url, 'Ada');
    const bob = await openUser(browser, url, 'Bob');
    await entry(ada.page, 'Bob').waitFor();
    await entry(bob.page, 'Ada').waitFor();

    const video: VideoCallTimes[] = [];
    const voice: number[] = [];
    for (let i = 0; i < WARMUP_CALLS + CALLS; i++) {
      // Alternate who calls, so neither page's warm caches favour one direction.
      const [caller, callee] = i % 2 === 0 ? [ada, bob] : [bob, ada];
      const times = await videoCall(caller, callee);
      const ring = await voiceRing(callee, caller);
      if (i < WARMUP_CALLS) continue;
      video.push(times);
      voice.push(ring);
      console.log(`call ${i + 1 - WARMUP_CALLS}/${CALLS}: ring ${times.ring.toFixed(1)} ms (voice ${ring.toFixed(1)} ms), first frame ${times.callerFrame.toFixed(0)}/${times.calleeFrame.toFixed(0)} ms`);
    }
    const cy = await openUser(browser, url, 'Cy');
    for (const [user, other] of [[ada, cy], [bob, cy], [cy, ada], [cy, bob]] as const) await entry(user.page, other.name).waitFor();
    const transfers: TransferTimes[] = [];
    for (let i = 0; i < WARMUP_TRANSFERS + TRANSFERS; i++) {
      const times = await blindTransfer(ada, bob, cy);
      if (i < WARMUP_TRANSFERS) continue;
      transfers.push(times);
      console.log(`transfer ${i + 1 - WARMUP_TRANSFERS}/${TRANSFERS}: first frames on the new pair ${times.total.toFixed(0)} ms (Cy rang after ${times.ring.toFixed(0)} ms)`);
    }
    await Promise.all([ada, bob, cy].map((user) => user.page.context().close()));
    const sipSkipped = sipUnavailable();
    if (sipSkipped !== null) console.log(sipSkipped);
    const sip = sipSkipped === null ? await sipCalls(browser, BUILD_DIR, SIP_CALLS, 1, (line) => console.log(line)) : null;
    const joins = await conferenceJoins(browser, url, JOINS, 1, (line) => console.log(line));
    const ofJoins = (key: keyof (typeof joins)[number]): number[] => joins.map((times) => times[key]);

    const of = (key: keyof VideoCallTimes): number[] => video.map((times) => times[key]);
    const ofTransfers = (key: keyof TransferTimes): number[] => transfers.map((times) => times[key]);
    const figures: Figure[] = [
      latencyFigure('click "Video call" -> callee rings', of('ring'), 50),
      latencyFigure('  of which: caller makes its offer (click -> INVITE sent)', of('callerPrep'), null),
      latencyFigure('  of which: server hop (INVITE sent -> received)', of('serverHop'), null),
      latencyFigure('  of which: callee shows it (INVITE received -> Answer visible)', of('calleeShow'), null),
      latencyFigure('click "Call" (voice) -> callee rings', voice, 50),
      latencyFigure('click "Answer" -> first remote frame, caller', of('callerFrame'), 500),
      latencyFigure('click "Answer" -> first remote frame, callee', of('calleeFrame'), 500),
      latencyFigure('blind transfer: click "Transfer" -> first frames on the new pair', ofTransfers('total'), 1000),
      latencyFigure('  of which: click -> the target rings', ofTransfers('ring'), null),
      latencyFigure('  of which: the target clicks "Answer with video" -> first frames', ofTransfers('answer'), null),
      latencyFigure('4-person conference join: click "Add" -> frames from the new member on all pages', ofJoins('othersSeeNewcomer'), 1000),
      latencyFigure('  of which: until the new member rings', ofJoins('ring'), null),
      latencyFigure('  the new member clicks "Answer" -> frames from it on all pages', ofJoins('answerToFrames'), null),
      latencyFigure('    the others INVITE it, from its answer (negative: while it rang)', ofJoins('answerToIntroductions'), null),
      latencyFigure('  click "Add" -> the new member has frames from every other', ofJoins('newcomerSeesAll'), null),
      ...(sip === null ? [] : sipFigures(sip)),
      sizeFigure(gzippedScriptBytes(BUILD_DIR), 150_000),
    ];
    const cpu = cpus();
    console.log(
      `machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
        `Node ${process.version}, Chromium ${browser.version()} headless; ${CALLS} calls after ${WARMUP_CALLS} warm-up, ` +
        `${TRANSFERS} transfers after ${WARMUP_TRANSFERS}, ${JOINS} joins after 1` +
        (sip === null ? '' : `, ${SIP_CALLS} SIP calls after 1`),
    );
    console.log(formatTable(figures));
    process.exitCode = figures.some((f) => f.verdict === 'FAIL') ? 1 : 0;
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
