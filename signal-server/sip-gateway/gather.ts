/**
 * SIP takes complete SDP (no trickle ICE): this holds one offer or answer a phone sent until its
 * trickled candidates have come (its `INFO` with `candidate: null`) or the deadline, then hands it on
 * with them merged in. At most `maxCandidates` are kept; an SDP that already ends its candidates
 * (`a=end-of-candidates`) leaves at once.
 */
import type { IceCandidate } from '../../common/protocol.js';

export interface GatherLimits {
  gatherMs: number;
  maxCandidates: number;
}

export class CandidateGatherer {
  readonly #sdp: string;
  readonly #limits: GatherLimits;
  readonly #onDone: (sdp: string) => void;
  readonly #candidates: IceCandidate[] = [];
  #timer: NodeJS.Timeout | null = null;
  #done = false;

  constructor(sdp: string, limits: GatherLimits, onDone: (sdp: string) => void) {
    this.#sdp = sdp;
    this.#limits = limits;
    this.#onDone = onDone;
    if (/^a=end-of-candidates\r?$/m.test(sdp)) queueMicrotask(() => this.#finish());
    else this.#timer = setTimeout(() => this.#finish(), limits.gatherMs);
  }

  /** One trickled candidate; null is the last. */
  add(candidate: IceCandidate | null): void {
    if (this.#done) return;
    if (candidate === null) this.#finish();
    else if (this.#candidates.length < this.#limits.maxCandidates && candidate.candidate !== '') this.#candidates.push(candidate);
  }

  cancel(): void {
    this.#done = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #finish(): void {
    if (this.#done) return;
    this.cancel();
    this.#onDone(withCandidates(this.#sdp, this.#candidates));
  }
}

/**
 * `sdp` with each candidate added to the media section it names (by `sdpMid`, else by
 * `sdpMLineIndex`, else the first), unless there already, and `a=end-of-candidates` in every one.
 */
export function withCandidates(sdp: string, candidates: readonly IceCandidate[]): string {
  const lines = sdp.split(/\r?\n/).filter((line) => line !== '');
  const sections: string[][] = [[]];
  for (const line of lines) {
    if (line.startsWith('m=')) sections.push([]);
    sections[sections.length - 1]!.push(line);
  }
  const media = sections.slice(1);
  for (const candidate of candidates) {
    const byMid = media.findIndex((section) => candidate.sdpMid != null && section.includes(`a=mid:${candidate.sdpMid}`));
    const section = media[byMid >= 0 ? byMid : (candidate.sdpMLineIndex ?? 0)];
    const line = `a=${candidate.candidate.replace(/^a=/, '')}`;
    if (section && !section.includes(line)) section.push(line);
  }
  for (const section of media) if (!section.includes('a=end-of-candidates')) section.push('a=end-of-candidates');
  return `${sections.flat().join('\r\n')}\r\n`;
}
