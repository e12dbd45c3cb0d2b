/**
 * Reading the far end's media from SDP directions (hold, mute, camera) and choosing our own,
 * and the quality figures computed from getStats values.
 */
import { describe, expect, it } from 'vitest';
import { measure } from '../../renderer/src/rtc/quality.js';
import { directions, localDirections, remoteFromAnswer, remoteFromOffer } from '../../renderer/src/rtc/sdp.js';

const sdp = (audio: string, video: string, extra = ''): string =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    extra,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=mid:0',
    audio,
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'a=mid:1',
    video,
    '',
  ]
    .filter((line) => line !== '')
    .join('\r\n');

describe('directions', () => {
  it('reads each kind, defaulting to the session level, then to sendrecv', () => {
    expect(directions(sdp('a=sendonly', 'a=recvonly'))).toEqual({ audio: 'sendonly', video: 'recvonly' });
    expect(directions(sdp('', '', 'a=inactive'))).toEqual({ audio: 'inactive', video: 'inactive' });
    expect(directions(sdp('', ''))).toEqual({ audio: 'sendrecv', video: 'sendrecv' });
  });

  it('a rejected m-line (port 0) is inactive', () => {
    expect(directions(sdp('a=sendrecv', 'a=sendrecv').replace('m=video 9', 'm=video 0')).video).toBe('inactive');
  });
});

describe('the far end, from its offer', () => {
  it('sendonly/inactive everywhere is hold', () => {
    expect(remoteFromOffer(sdp('a=sendonly', 'a=sendonly'))).toEqual({ holding: true, audio: false, video: false });
    expect(remoteFromOffer(sdp('a=inactive', 'a=inactive'))).toEqual({ holding: true, audio: false, video: false });
  });

  it('recvonly audio is a muted microphone, recvonly video a camera turned off', () => {
    expect(remoteFromOffer(sdp('a=recvonly', 'a=sendrecv'))).toEqual({ holding: false, audio: false, video: true });
    expect(remoteFromOffer(sdp('a=sendrecv', 'a=recvonly'))).toEqual({ holding: false, audio: true, video: false });
  });
});

describe('the far end, from its answer', () => {
  it('tells what it sends but never changes hold', () => {
    expect(remoteFromAnswer(sdp('a=recvonly', 'a=recvonly'), false)).toEqual({ holding: false, audio: false, video: false });
    expect(remoteFromAnswer(sdp('a=sendrecv', 'a=sendrecv'), true)).toEqual({ holding: true, audio: false, video: false });
    expect(remoteFromAnswer(sdp('a=sendrecv', 'a=sendonly'), false)).toEqual({ holding: false, audio: true, video: true });
  });
});

describe('our directions', () => {
  const base = { hold: false, muted: false, hasMic: true, cameraOn: true };
  it('talking with the camera on, muted, camera off, no microphone', () => {
    expect(localDirections(base)).toEqual({ audio: 'sendrecv', video: 'sendrecv' });
    expect(localDirections({ ...base, muted: true })).toEqual({ audio: 'recvonly', video: 'sendrecv' });
    expect(localDirections({ ...base, cameraOn: false })).toEqual({ audio: 'sendrecv', video: 'recvonly' });
    expect(localDirections({ ...base, hasMic: false })).toEqual({ audio: 'recvonly', video: 'sendrecv' });
  });

  it('on hold nothing is received: sendonly, or inactive for what we do not send', () => {
    expect(localDirections({ ...base, hold: true })).toEqual({ audio: 'sendonly', video: 'sendonly' });
    expect(localDirections({ ...base, hold: true, muted: true, cameraOn: false })).toEqual({ audio: 'inactive', video: 'inactive' });
  });

  it('what we offer on hold reads as hold at the far end, mute as mute', () => {
    const asOffer = (intent: typeof base) => {
      const d = localDirections(intent);
      return remoteFromOffer(sdp(`a=${d.audio}`, `a=${d.video}`));
    };
    expect(asOffer({ ...base, hold: true }).holding).toBe(true);
    expect(asOffer({ ...base, hold: true, muted: true, cameraOn: false }).holding).toBe(true);
    expect(asOffer({ ...base, muted: true })).toEqual({ holding: false, audio: false, video: true });
    expect(asOffer({ ...base, muted: true, cameraOn: false })).toEqual({ holding: false, audio: false, video: false });
  });
});

describe('measure', () => {
  const report = (bytes: number, received: number, lost: number, frames: number) => [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
    { id: 'P', type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.0234 },
    { id: 'A', type: 'inbound-rtp', kind: 'audio', bytesReceived: bytes / 4, packetsReceived: received / 2, packetsLost: lost },
    { id: 'V', type: 'inbound-rtp', kind: 'video', bytesReceived: (3 * bytes) / 4, packetsReceived: received / 2, packetsLost: 0, framesDecoded: frames },
    { id: 'O', type: 'outbound-rtp', kind: 'video', bytesSent: 1e9 },
  ];

  it('the first sample has the round-trip time and frames, but no rate yet', () => {
    const { quality } = measure(report(1000, 100, 0, 30), 1000, null);
    expect(quality).toEqual({ rttMs: 23, lossPercent: null, kbps: null, framesDecoded: 30 });
  });

  it('later samples give received kbit/s and loss over the interval', () => {
    const first = measure(report(0, 0, 0, 0), 0, null);
    const { quality } = measure(report(250_000, 990, 10, 60), 2000, first.sample);
    expect(quality).toEqual({ rttMs: 23, lossPercent: 1, kbps: 1000, framesDecoded: 60 });
  });

  it('without a selected pair or any packets the figures stay empty, not wrong', () => {
    const { quality } = measure([{ id: 'x', type: 'codec' }], 1000, { at: 0, bytesReceived: 0, packetsReceived: 0, packetsLost: 0 });
    expect(quality).toEqual({ rttMs: null, lossPercent: 0, kbps: 0, framesDecoded: 0 });
  });
});
