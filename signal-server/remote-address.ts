/**
 * How the server names a client's address for its per-address limits. An IPv4 client reached
 * over a dual-stack socket (`::ffff:a.b.c.d`) is its IPv4 address; for passcode hold-off an IPv6
 * client is its /64, since one host can take any number of addresses in it.
 */
import { isIPv4, isIPv6 } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The address as the limits count it: IPv4-mapped IPv6 as plain IPv4, IPv6 in lower case. */
export function clientAddress(remote: string): string {
  const mapped = MAPPED_IPV4.exec(remote)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  return remote.toLowerCase();
}

/** One IPv4 address, or the /64 of an IPv6 address written as `a:b:c:d::/64`. */
export function addressGroup(remote: string): string {
  const address = clientAddress(remote);
  if (!isIPv6(address)) return address;
  return `${hextets(address).slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, `::` and an IPv4 tail expanded). */
function hextets(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const ipv4Tail = /\d+\.\d+\.\d+\.\d+$/.exec(text)?.[0];
  if (ipv4Tail !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Tail.split('.').map(Number);
    text = `${text.slice(0, -ipv4Tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const split = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const zeros = tail === undefined ? [] : Array<string>(8 - split(head).length - split(tail).length).fill('0');
  return [...split(head), ...zeros, ...split(tail ?? '')].map((group) => Number.parseInt(group, 16));
}
