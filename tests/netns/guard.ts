/**
 * Refuses to run a multicast script outside the network namespace its test made: the only
 * interfaces there are loopback and one veth holding `address`. Nothing here touches a real LAN.
 */
import { networkInterfaces } from 'node:os';

export function assertIsolated(address: string): string {
  const interfaces = Object.entries(networkInterfaces());
  const others = interfaces.filter(([, infos]) => !(infos ?? []).every((info) => info.internal));
  const match = others.find(([, infos]) => (infos ?? []).some((info) => info.address === address));
  if (others.length !== 1 || match === undefined) {
    const names = interfaces.map(([name]) => name).join(', ');
    throw new Error(`refusing to send multicast: expected only lo and one interface holding ${address}, found ${names} (run inside the test's namespace)`);
  }
  return match[0];
}

/** --key value pairs from argv; throws for a missing key. */
export function argument(name: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

/** One JSON line on stdout: the test reads these. */
export const report = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};
