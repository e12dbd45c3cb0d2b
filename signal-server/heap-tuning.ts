/**
 * One V8 setting for a process that runs the signalling server. V8 moves the objects of an
 * allocation site straight into the old generation once most of them outlive a young collection,
 * and the registration storm at start makes it so for sites that later make one object per message.
 * Those objects then die old, keep young ones alive with them, and lengthen every young collection
 * (BENCHMARKS.md, "A message decided when it arrives, and allocation sites off again"). Set once
 * per process, before the server's traffic.
 */
import { setFlagsFromString } from 'node:v8';

let tuned = false;

export function tuneHeapForServer(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
}
