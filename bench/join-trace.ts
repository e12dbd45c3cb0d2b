/**
 * `npx tsx bench/join-trace.ts`: where the time of one conference join goes. The four phones of
 * bench:call's join (conference-join.ts), each page logging with the shared wall clock every frame
 * its socket sends and receives, every WebRTC step it awaits (begun and done), each peer
 * connection's state changes, getUserMedia, and the first frame from each participant; after
 * TRACE_JOINS joins (default 2, the first one not printed), one merged timeline per join, from the
 * click on "Add". BENCH_BUILD_DIR serves another build.
 */
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/chromium.js';
import { smallCameraScript } from '../tests/support/small-camera.js';
import { arm, armToAnswer, button, clickedAt, entry, marksOf, openUser, type User } from './call-pages.js';
import { startServerChild } from './call-server.js';
import { addPerson, framesFrom, participant } from './conference-join.js';

type Line = [at: number, what: string];

/** Runs in each page before its own scripts: wraps the socket, the peer connections and getUserMedia. */
function tracer(): void {
  const lines: [number, string][] = [];
  const now = (): number => performance.timeOrigin + performance.now();
  const log = (what: string): void => void lines.push([now(), what]);
  (window as unknown as { __joinTrace: () => [number, string][] }).__joinTrace = () => lines.splice(0);
  const short = (id: unknown): string => (typeof id === 'string' ? id.slice(0, 4) : '-');
  const describe = (text: string): string => {
    try {
      const m = JSON.parse(text) as { method?: string; status?: number; cseq?: number; callId?: string; from?: string; to?: string; body?: { event?: string; join?: string; ringing?: string; conference?: unknown } };
      if (m.method === 'INFO') return `INFO ${short(m.callId)}`;
      const what = m.status !== undefined ? `${m.status} ${m.method ?? ''}` : m.method ?? '?';
      const event = m.body?.event ? ` ${m.body.event}${m.body.join ? ` join ${m.body.join}` : ''}${m.body.ringing ? ` ringing ${m.body.ringing}` : ''}` : '';
      const peer = m.from ?? m.to ?? '';
      return `${what} ${short(m.callId)} ${peer}${event}${m.body?.conference ? ' conf' : ''}`;
    } catch {
      return 'unparsed';
    }
  };
  const Socket = window.WebSocket;
  const send = Socket.prototype.send;
  Socket.prototype.send = function (this: WebSocket, data: string) {
    if (typeof data === 'string' && !data.includes('"INFO"') && !data.includes('"presence"')) log(`ws> ${describe(data)}`);
    return send.call(this, data);
  };
  window.WebSocket = class extends Socket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (event: MessageEvent) => {
        const data = String(event.data);
        if (!data.includes('"INFO"') && !data.includes('"presence"')) log(`ws< ${describe(data)}`);
      });
    }
  } as typeof WebSocket;
  const Pc = window.RTCPeerConnection;
  let count = 0;
  window.RTCPeerConnection = function TracedPeerConnection(config?: RTCConfiguration) {
    const pc = new Pc(config);
    const n = ++count;
    log(`pc${n} new`);
    pc.addEventListener('connectionstatechange', () => log(`pc${n} connection ${pc.connectionState}`));
    pc.addEventListener('iceconnectionstatechange', () => log(`pc${n} ice ${pc.iceConnectionState}`));
    pc.addEventListener('icegatheringstatechange', () => log(`pc${n} gathering ${pc.iceGatheringState}`));
    pc.addEventListener('track', (event) => log(`pc${n} track ${event.track.kind}`));
    return pc;
  } as unknown as typeof RTCPeerConnection;
  window.RTCPeerConnection.prototype = Pc.prototype;
  for (const name of ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription'] as const) {
    const original = Pc.prototype[name] as (...args: unknown[]) => Promise<unknown>;
    (Pc.prototype as unknown as Record<string, unknown>)[name] = async function (this: RTCPeerConnection, ...args: unknown[]) {
      const begun = now();
      const result = await original.apply(this, args);
      lines.push([begun, `${name} (${(now() - begun).toFixed(0)} ms)`]);
      return result;
    };
  }
  const media = navigator.mediaDevices;
  if (!media) return;
  const getUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const begun = now();
    const stream = await getUserMedia(constraints);
    lines.push([begun, `getUserMedia ${constraints?.video ? 'video' : 'audio'} (${(now() - begun).toFixed(0)} ms)`]);
    return stream;
  };
}

async function main(): Promise<void> {
  const joins = Number(process.env.TRACE_JOINS ?? 2);
  const server = await startServerChild(process.env.BENCH_BUILD_DIR ?? 'dist/renderer');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const url = `http://127.0.0.1:${server.port}/`;
    const scripts = [`{ const __name = (target) => target; (${tracer.toString()})(); }`, smallCameraScript({ width: 320, height: 240, frameRate: 15 })];
    const users = await Promise.all(['Ann', 'Ben', 'Cat', 'Dan'].map((name) => openUser(browser, url, name, scripts)));
    const [ann, ben, cat, dan] = users as [User, User, User, User];
    for (const user of users) for (const other of users) if (other !== user) await entry(user.page, other.name).waitFor();
    await entry(ann.page, 'Ben').getByRole('button', { name: 'Video call', exact: true }).click();
    await button(ben.page, 'Answer with video').click();
    await ann.page.getByRole('status').filter({ hasText: 'In call with Ben' }).waitFor();
    await addPerson(ann, cat);
    for (const [host, name] of [[ann, 'Ben'], [ann, 'Cat'], [ben, 'Cat'], [cat, 'Ben']] as const) await participant(host.page, name).waitFor();
    for (let round = 0; round < joins; round++) {
      // As in bench:call, Dan's page answers the moment it rings.
      await Promise.all([...[ann, ben, cat].map(arm), armToAnswer(dan, 'Answer with video')]);
      await Promise.all(users.map((user) => user.page.evaluate(() => (window as unknown as { __joinTrace: () => unknown }).__joinTrace())));
      await addPerson(ann, dan, true);
      await Promise.all([...[ann, ben, cat].map((host) => framesFrom(host, ['Dan'])), framesFrom(dan, ['Ann', 'Ben', 'Cat'])]);
      const marks = await Promise.all(users.map(marksOf));
      const clicked = clickedAt(marks[0]!, 'Add');
      const lines: [number, string, string][] = [];
      for (const [i, user] of users.entries()) {
        const own = await user.page.evaluate(() => (window as unknown as { __joinTrace: () => Line[] }).__joinTrace());
        for (const [at, what] of own) lines.push([at, user.name, what]);
        for (const [name, at] of Object.entries(marks[i]!.participantFrames)) lines.push([at, user.name, `first frame from ${name}`]);
        for (const [label, at] of Object.entries(marks[i]!.clicks)) lines.push([at, user.name, `click ${label}`]);
        const ringingAt = marks[i]!.ringingAt;
        if (ringingAt !== null) lines.push([ringingAt, user.name, 'Answer shown']);
      }
      if (round > 0) {
        console.log(`--- join ${round} (ms from the click on Add)`);
        for (const [at, who, what] of lines.sort((a, b) => a[0] - b[0])) if (at >= clicked - 1) console.log(`${(at - clicked).toFixed(0).padStart(6)}  ${who.padEnd(4)} ${what}`);
      }
      await button(dan.page, 'Leave').click();
      for (const host of [ann, ben, cat]) await participant(host.page, 'Dan').waitFor({ state: 'hidden' });
      await entry(ann.page, 'Dan').and(ann.page.getByRole('listitem', { name: /online/i })).waitFor();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
