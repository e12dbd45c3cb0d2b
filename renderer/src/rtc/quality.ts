/**
 * Call quality from RTCPeerConnection.getStats(): round-trip time of the selected candidate
 * pair, packet loss and received bitrate over the last interval, and video frames decoded.
 * Pure: it takes the report's values and the previous sample.
 */
export interface Quality {
  rttMs: number | null;
  lossPercent: number | null;
  kbps: number | null;
  framesDecoded: number;
}

export interface Sample {
  at: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
}

type Stat = Record<string, unknown> & { type: string; id: string };
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function measure(stats: Iterable<Stat>, now: number, previous: Sample | null): { quality: Quality; sample: Sample } {
  const all = [...stats];
  const byId = new Map(all.map((s) => [s.id, s]));
  let pair: Stat | undefined;
  for (const s of all) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pair = byId.get(s.selectedCandidatePairId);
  }
  pair ??= all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
  const rtt = pair && typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : null;

  const sample: Sample = { at: now, bytesReceived: 0, packetsReceived: 0, packetsLost: 0 };
  let framesDecoded = 0;
  for (const s of all) {
    if (s.type !== 'inbound-rtp') continue;
    sample.bytesReceived += num(s.bytesReceived);
    sample.packetsReceived += num(s.packetsReceived);
    sample.packetsLost += Math.max(0, num(s.packetsLost));
    if (s.kind === 'video') framesDecoded += num(s.framesDecoded);
  }

  let kbps: number | null = null;
  let lossPercent: number | null = null;
  if (previous && now > previous.at) {
    kbps = Math.max(0, Math.round(((sample.bytesReceived - previous.bytesReceived) * 8) / (now - previous.at)));
    const lost = Math.max(0, sample.packetsLost - previous.packetsLost);
    const received = Math.max(0, sample.packetsReceived - previous.packetsReceived);
    lossPercent = lost + received > 0 ? Math.round((1000 * lost) / (lost + received)) / 10 : 0;
  }
  return { quality: { rttMs: rtt, lossPercent, kbps, framesDecoded }, sample };
}

export type QualityGrade = 'good' | 'fair' | 'poor';

/**
 * Quality in plain words, from the worst of round-trip time and packet loss: poor from 400 ms or
 * 5 % loss (speech breaks up), fair from 150 ms or 1 % (noticeable), good below; null until measured.
 */
export function qualityGrade(quality: Pick<Quality, 'rttMs' | 'lossPercent'>): QualityGrade | null {
  const { rttMs, lossPercent } = quality;
  if (rttMs === null && lossPercent === null) return null;
  const rtt = rttMs ?? 0;
  const loss = lossPercent ?? 0;
  if (rtt >= 400 || loss >= 5) return 'poor';
  if (rtt >= 150 || loss >= 1) return 'fair';
  return 'good';
}
