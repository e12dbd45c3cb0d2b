/** A child process run to its end: its exit code and everything it printed. */
import type { ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';

export interface Exited {
  code: number;
  stdout: string;
  stderr: string;
}

export async function exited(child: ChildProcessByStdio<null, Readable, Readable>): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}
