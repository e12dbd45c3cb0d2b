/**
 * Ring groups in the desktop app: kept in the settings (checked like every setting), handed to the
 * hosted server, which restarts with them when they change; and the hosting panel's text form.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_SETTINGS } from '../../common/bridge.js';
import { formatRingGroups, parseRingGroupLines } from '../../common/ring-groups.js';
import { DesktopController } from '../../main/desktop-controller.js';
import { HostingService } from '../../main/hosting.js';
import { SettingsStore } from '../../main/settings-store.js';
import { FakeShell } from './fake-shell.js';
import { discoveryAndTrust, hostingOptions, testIdentity } from './hosting-fixture.js';

const SALES = { name: 'sales', members: ['Bob', 'Carol'] };

let dir: string;
let hosting: HostingService;
let controller: DesktopController;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leanphone-groups-'));
  hosting = new HostingService(hostingOptions({ addresses: () => ['192.168.1.5'] }));
  controller = new DesktopController({ shell: new FakeShell(), settings: await SettingsStore.open(dir), hosting, ...(await discoveryAndTrust(dir)) });
  await controller.start();
});
afterEach(async () => {
  await controller.shutdown();
  await rm(dir, { recursive: true, force: true });
});

/** The groups a fresh registration on the hosted server is told of. */
async function groupsOnServer(): Promise<unknown> {
  const state = hosting.state;
  if (!state.running) throw new Error('not hosting');
  const socket = new WebSocket(state.url, 'leanphone.1', { ca: (await testIdentity()).cert });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const reply = new Promise<{ body: { groups: unknown } }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString()))));
    socket.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name: `Probe ${Math.floor(Math.random() * 1e6)}` } }));
    return (await reply).body.groups;
  } finally {
    socket.close();
  }
}

describe('ring groups in the desktop app', () => {
  it('hosts with the saved groups, and restarts the server with new ones when they change', async () => {
    await controller.updateSettings({ ringGroups: [SALES], hosting: { enabled: false, port: await freePort() } });
    await controller.setHosting(true);
    expect(await groupsOnServer()).toEqual([SALES]);
    const support = { name: 'support', members: ['Dan'] };
    await controller.updateSettings({ ringGroups: [SALES, support] });
    expect(await groupsOnServer()).toEqual([SALES, support]);
    // Positive control: a setting that has nothing to do with hosting does not restart it.
    const port = hosting.state.running ? hosting.state.port : -1;
    await controller.updateSettings({ startAtLogin: true });
    expect(hosting.state).toMatchObject({ running: true, port });
  });

  it('refuses bad groups in the settings and keeps the ones it had', async () => {
    await controller.updateSettings({ ringGroups: [SALES] });
    await expect(controller.updateSettings({ ringGroups: [{ name: 'sales', members: [] }] })).rejects.toThrow(
      'Invalid settings: ringGroups.0: sales: list at least one member after =',
    );
    await expect(controller.updateSettings({ ringGroups: [{ name: 'b@d', members: ['Bob'] }] })).rejects.toThrow('name may hold only letters');
    expect((await SettingsStore.open(dir)).get().ringGroups).toEqual([SALES]);
  });

  it('shows a clash the server finds (two groups alike) as the hosting error, and hosts once it is fixed', async () => {
    await controller.updateSettings({ ringGroups: [SALES, { name: 'Sales', members: ['Dan'] }], hosting: { enabled: false, port: await freePort() } });
    const state = await controller.setHosting(true);
    expect(state).toEqual({ running: false, error: 'Could not start the LAN phone system: ring group "Sales": its name is taken by the ring group "sales"' });
    await controller.updateSettings({ ringGroups: [SALES] });
    expect(await controller.setHosting(true)).toMatchObject({ running: true });
  });

  it('reads a settings file from before ring groups with none', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ringGroups: undefined, name: 'Ada' }));
    expect((await SettingsStore.open(dir)).get()).toMatchObject({ name: 'Ada', ringGroups: [] });
  });
});

describe("the hosting panel's text form of ring groups", () => {
  it('reads one group a line, skipping blank lines, and writes them back the same way', () => {
    const text = 'sales = Bob, Carol\n\n  support=Dan  \n';
    const parsed = parseRingGroupLines(text);
    expect(parsed).toEqual({ ok: true, groups: [SALES, { name: 'support', members: ['Dan'] }] });
    expect(formatRingGroups(parsed.ok ? parsed.groups : [])).toBe('sales=Bob,Carol\nsupport=Dan');
    expect(parseRingGroupLines('')).toEqual({ ok: true, groups: [] });
  });

  it('says which line is wrong', () => {
    expect(parseRingGroupLines('sales=Bob\nsupport')).toEqual({ ok: false, problem: 'Line 2: must look like NAME=MEMBER,MEMBER, not "support"' });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
