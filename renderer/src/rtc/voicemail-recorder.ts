/**
 * Records one voicemail from the microphone with MediaRecorder (Opus, in the first container the
 * host takes that this browser writes), up to a cap after which it stops by itself. Owns the
 * microphone stream only while recording.
 */
import { RECORDING_TYPES } from '../net/voicemail-http.js';

export interface Recording {
  readonly audio: Blob;
  readonly contentType: string;
  readonly durationMs: number;
}

export class VoicemailRecorder {
  readonly #recorder: MediaRecorder;
  readonly #stream: MediaStream;
  readonly #contentType: string;
  readonly #chunks: Blob[] = [];
  readonly #startedAt = performance.now();
  readonly #done: Promise<Recording>;
  readonly #cap: ReturnType<typeof setTimeout>;

  private constructor(stream: MediaStream, mimeType: string, contentType: string, maxMs: number) {
    this.#stream = stream;
    this.#contentType = contentType;
    this.#recorder = new MediaRecorder(stream, { mimeType });
    this.#recorder.ondataavailable = (event) => {
      if (event.data.size > 0) this.#chunks.push(event.data);
    };
    this.#done = new Promise((resolve, reject) => {
      this.#recorder.onstop = () => {
        const durationMs = Math.max(1, Math.round(performance.now() - this.#startedAt));
        resolve({ audio: new Blob(this.#chunks, { type: this.#contentType }), contentType: this.#contentType, durationMs: Math.min(durationMs, maxMs) });
      };
      this.#recorder.onerror = () => reject(new Error('The recording failed'));
    });
    this.#recorder.start(1000);
    this.#cap = setTimeout(() => void this.stop(), maxMs);
  }

  /** Starts recording the microphone (`deviceId` when one is chosen); rejects when it cannot. */
  static async start(maxMs: number, deviceId: string | null): Promise<VoicemailRecorder> {
    const type = RECORDING_TYPES.find((candidate) => MediaRecorder.isTypeSupported(candidate.mimeType));
    if (type === undefined) throw new Error('This browser cannot record Opus audio');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: deviceId === null ? true : { deviceId: { exact: deviceId } } });
    return new VoicemailRecorder(stream, type.mimeType, type.contentType, maxMs);
  }

  get elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  /** Ends the recording (at most once) and answers it. */
  stop(): Promise<Recording> {
    clearTimeout(this.#cap);
    if (this.#recorder.state !== 'inactive') this.#recorder.stop();
    for (const track of this.#stream.getTracks()) track.stop();
    return this.#done;
  }

  /** Ends the recording and throws it away. */
  cancel(): void {
    void this.stop().catch(() => undefined);
  }
}
