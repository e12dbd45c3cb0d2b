/**
 * What the far end really receives: frames presented by the <video> element and inbound-rtp
 * figures from getStats, read through a probe that records each RTCPeerConnection the page makes.
 * Silence and stillness can only be seen over a window, so those checks sample one in the page.
 */
import { expect, type Locator } from '@playwright/test';
import type { Phone } from './phone.js';

export interface Inbound {
  /** inbound-rtp audio totalAudioEnergy summed over open connections. */
  audioEnergy: number;
  /** inbound-rtp video framesDecoded summed over open connections. */
  framesDecoded: number;
}

interface Probe {
  inbound(): Promise<Inbound>;
}

/**
 * Runs before the page's own scripts (context.addInitScript): wraps RTCPeerConnection so the test
 * can read getStats of the connections the phone opens. Behaviour is otherwise untouched.
 */
export function PROBE_SCRIPT(): void {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  class Probed extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      made.push(this);
    }
  }
  window.RTCPeerConnection = Probed;
  const probe: Probe = {
    async inbound() {
      const total: Inbound = { audioEnergy: 0, framesDecoded: 0 };
      for (const connection of made) {
        if (connection.connectionState === 'closed') continue;
        const stats = await connection.getStats();
        stats.forEach((report: { type: string; kind?: string; totalAudioEnergy?: number; framesDecoded?: number }) => {
          if (report.type !== 'inbound-rtp') return;
          if (report.kind === 'audio') total.audioEnergy += report.totalAudioEnergy ?? 0;
          if (report.kind === 'video') total.framesDecoded += report.framesDecoded ?? 0;
        });
      }
      return total;
    },
  };
  Object.defineProperty(window, '__leanphoneProbe', { value: probe });
}

export function inbound(phone: Phone): Promise<Inbound> {
  return phone.page.evaluate(() => (window as unknown as { __leanphoneProbe: Probe }).__leanphoneProbe.inbound());
}

/** Frames a <video> element has presented so far. */
export function framesOf(video: Locator): Promise<number> {
  return video.evaluate((element: HTMLVideoElement) => element.getVideoPlaybackQuality().totalVideoFrames);
}

/** The <video> shows a picture and presents new frames. */
export async function expectFramesRising(video: Locator, label: string, timeout = 15_000): Promise<void> {
  const frames = await framesOf(video);
  await expect.poll(() => framesOf(video), { message: `${label}: video frames rise`, timeout }).toBeGreaterThan(frames + 10);
  expect(await video.evaluate((element: HTMLVideoElement) => element.videoWidth), `${label}: a picture`).toBeGreaterThan(0);
}

/** Frames the remote <video> element has presented so far. */
export function remoteFrames(phone: Phone): Promise<number> {
  return phone.remoteVideo.evaluate((video: HTMLVideoElement) => video.getVideoPlaybackQuality().totalVideoFrames);
}

/** The remote video shows a picture and both the element's frames and getStats' decoded frames rise. */
export async function expectRemoteVideoPlaying(phone: Phone): Promise<void> {
  const frames = await remoteFrames(phone);
  const decoded = (await inbound(phone)).framesDecoded;
  await expect.poll(() => remoteFrames(phone), { message: `${phone.name}: remote video frames rise`, timeout: 15_000 }).toBeGreaterThan(frames + 10);
  await expect.poll(async () => (await inbound(phone)).framesDecoded, { message: `${phone.name}: frames decoded rise` }).toBeGreaterThan(decoded + 10);
  expect(await phone.remoteVideo.evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);
}

/** Remote frames presented during a window of `ms` in the page. */
function framesDuring(phone: Phone, ms: number): Promise<number> {
  return phone.remoteVideo.evaluate(async (video: HTMLVideoElement, windowMs) => {
    const before = video.getVideoPlaybackQuality().totalVideoFrames;
    await new Promise((done) => setTimeout(done, windowMs));
    return video.getVideoPlaybackQuality().totalVideoFrames - before;
  }, ms);
}

/** The remote video stops presenting new frames (it may take a re-offer to get there). */
export async function expectRemoteVideoStill(phone: Phone): Promise<void> {
  await expect.poll(() => framesDuring(phone, 1_000), { message: `${phone.name}: remote video stands still`, timeout: 10_000 }).toBeLessThanOrEqual(1);
}

/** Received audio energy during a window of `ms`; the fake microphone beeps about twice a second. */
function audioEnergyDuring(phone: Phone, ms: number): Promise<number> {
  return phone.page.evaluate(async (windowMs) => {
    const before = (await (window as unknown as { __leanphoneProbe: Probe }).__leanphoneProbe.inbound()).audioEnergy;
    await new Promise((done) => setTimeout(done, windowMs));
    return (await (window as unknown as { __leanphoneProbe: Probe }).__leanphoneProbe.inbound()).audioEnergy - before;
  }, ms);
}

/** A 1.2 s window always holds at least two beeps of the fake microphone when audio flows. */
const AUDIO_WINDOW_MS = 1_200;

export async function expectRemoteAudioSounding(phone: Phone): Promise<void> {
  await expect.poll(() => audioEnergyDuring(phone, AUDIO_WINDOW_MS), { message: `${phone.name}: hears the far end`, timeout: 10_000 }).toBeGreaterThan(0.01);
}

export async function expectRemoteAudioSilent(phone: Phone): Promise<void> {
  await expect.poll(() => audioEnergyDuring(phone, AUDIO_WINDOW_MS), { message: `${phone.name}: hears silence`, timeout: 10_000 }).toBeLessThan(0.001);
}
