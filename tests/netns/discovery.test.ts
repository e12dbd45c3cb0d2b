/**
 * Zero-config discovery across a real (virtual) network: a host in one namespace advertises over
 * mDNS, a joiner in another finds it with name, flags and fingerprint, then registers at the found
 * address. Skipped, with the reason printed, where namespaces cannot be made.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { makeNetwork, type TestNetwork } from './namespaces.js';

let network: TestNetwork | null = null;
let skipReason = '';
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'leanphone-netns-'));
  const made = await makeNetwork();
  network = made.network;
  if (made.network === null) {
    skipReason = made.reason;
    console.log(`discovery between namespaces skipped: ${made.reason}`);
  }
});
afterAll(async () => {
  await network?.destroy();
  await rm(stateDir, { recursive: true, force: true });
});

function networkOrSkip(context: TestContext): TestNetwork {
  if (network === null) return context.skip(skipReason);
  return network;
}

const isReady = (event: Record<string, unknown>) => event.ready === true;
const isFound = (event: Record<string, unknown>) => 'found' in event;
const isRegistered = (event: Record<string, unknown>) => 'registered' in event;

// Each test starts processes that compile TypeScript as they start: slow on a busy machine, so the bounds are wide.
describe('discovery between two network namespaces', { timeout: 60_000 }, () => {
  it('finds a TLS host with a passcode, with its fingerprint, and registers at the address found', async (context) => {
    const net = networkOrSkip(context);
    const advertiser = net.spawn(net.host, 'tests/netns/advertise-host.ts', [
      ...['--address', net.host.address, '--name', 'Front desk', '--state-dir', stateDir, '--passcode', 'open sesame'],
    ]);
    const ready = await advertiser.next('advertiser ready', isReady);
    const joiner = net.spawn(net.join, 'tests/netns/browse-and-join.ts', [
      ...['--address', net.join.address, '--name', 'Bob', '--passcode', 'open sesame'],
    ]);

    const { found } = await joiner.next('a discovered server', isFound);
    expect(found).toEqual([
      {
        name: 'Front desk',
        host: expect.any(String),
        port: ready.port,
        addresses: [net.host.address],
        url: `wss://${net.host.address}:${ready.port}/signal`,
        version: 1,
        tls: true,
        passcode: true,
        fingerprint: ready.fingerprint,
      },
    ]);
    const { registered } = await joiner.next('a REGISTER answer', isRegistered);
    expect(registered, 'registered over wss with the advertised certificate').toEqual({ status: 200, reason: 'OK', presented: ready.fingerprint });
    await advertiser.stop();
  });

  it('finds the standalone server (npm run serve) listening on its LAN address, without TLS', async (context) => {
    const net = networkOrSkip(context);
    const server = net.spawn(net.host, 'signal-server/cli.ts', ['--host', net.host.address, '--port', '0', '--passcode', 'pw', '--log-level', 'error']);
    const listening = await server.next('the CLI listening', (event) => typeof event.line === 'string' && event.line.includes('listening on'));
    const port = Number(/:(\d+)$/.exec(String(listening.line))?.[1]);

    const joiner = net.spawn(net.join, 'tests/netns/browse-and-join.ts', ['--address', net.join.address, '--name', 'Cy', '--passcode', 'pw']);
    const { found } = await joiner.next('a discovered server', isFound);
    expect(found).toEqual([
      expect.objectContaining({
        name: `LeanPhone on ${hostname()}`.replaceAll('.', '-'),
        port,
        url: `ws://${net.host.address}:${port}/signal`,
        tls: false,
        passcode: true,
        fingerprint: null,
      }),
    ]);
    expect((await joiner.next('a REGISTER answer', isRegistered)).registered).toEqual({ status: 200, reason: 'OK', presented: null });
    await server.stop();
  });
});
