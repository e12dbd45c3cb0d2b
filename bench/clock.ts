/**
 * A wall clock in milliseconds that every process on this machine agrees on, with sub-millisecond
 * resolution: performance.timeOrigin + performance.now() (process.hrtime is per process).
 */
import { performance } from 'node:perf_hooks';

export const sharedNow = (): number => performance.timeOrigin + performance.now();
