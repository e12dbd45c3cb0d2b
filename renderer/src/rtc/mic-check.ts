/**
 * Checking the microphone from device settings: its live level (an AnalyserNode on the chosen
 * microphone, 0 to 100 on a 60 dB scale) and an echo test that records a few seconds and plays
 * them back on the chosen speaker. Each holds the microphone only while it runs.
 */
import { getMicrophone } from './media.js';

export type MicCheck = { stop(): void; problem: null } | { stop(): void; problem: string };

const LEVEL_EVERY_MS = 100;
const FLOOR_DB = -60;

/** Reads the microphone's level every 100 ms into `onLevel` until stopped. */
export async function watchLevel(deviceId: string | null, onLevel: (level: number) => void): Promise<MicCheck> {
  const { track, problem } = await getMicrophone(deviceId);
  if (!track) return { stop: () => undefined, problem: problem ?? 'No microphone' };
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    const db = 10 * Math.log10(sum / samples.length || 1e-12);
    onLevel(Math.round(Math.min(100, Math.max(0, ((db - FLOOR_DB) / -FLOOR_DB) * 100))));
  }, LEVEL_EVERY_MS);
  return {
    problem: null,
    stop: () => {
      clearInterval(timer);
      track.stop();
      void context.close();
    },
  };
}

export type EchoPhase = 'recording' | 'playing' | 'done';

/** Records `seconds` of the microphone, then plays them back through `player`; reports each phase. */
export async function echoTest(deviceId: string | null, player: HTMLAudioElement, seconds: number, onPhase: (phase: EchoPhase) => void): Promise<string | null> {
  const { track, problem } = await getMicrophone(deviceId);
  if (!track) return problem ?? 'No microphone';
  const recorder = new MediaRecorder(new MediaStream([track]));
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const recorded = new Promise<void>((done) => (recorder.onstop = () => done()));
  onPhase('recording');
  recorder.start();
  setTimeout(() => recorder.stop(), seconds * 1000);
  await recorded;
  track.stop();
  const url = URL.createObjectURL(new Blob(chunks, { type: recorder.mimeType }));
  try {
    onPhase('playing');
    player.src = url;
    const ended = new Promise<void>((done) => {
      player.onended = () => done();
      player.onerror = () => done();
    });
    await player.play();
    await ended;
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    player.removeAttribute('src');
    URL.revokeObjectURL(url);
    onPhase('done');
  }
}
