/**
 * The renderer as the desktop window runs it: `window.leanphone` is the preload's bridge, stood in
 * for here (the Electron boundary) by a recording object, since Electron cannot run on every
 * machine. The page, the server and the connection are real.
 */
import type { Page } from '@playwright/test';
import { DEFAULT_SETTINGS, type DiscoveredServer, type HostingState, type Settings } from '../../common/bridge.js';
import { qrSvg } from '../../main/qr.js';
import { expect, test } from './fixtures.js';

interface StandIn {
  /** What the settings file holds when the window opens. */
  settings: Settings;
  servers: DiscoveredServer[];
  hosting: HostingState;
  /** trustServer refuses with this warning when set. */
  refusal: string | null;
}

/** Runs in the page before the app: a LeanPhoneBridge that records what the renderer asks of it. */
function installBridge(standIn: StandIn): void {
  const calls: unknown[][] = [];
  let settings = standIn.settings;
  const none = () => () => undefined;
  Object.assign(window, {
    __bridgeCalls: calls,
    leanphone: {
      kind: 'desktop',
      getSettings: async () => settings,
      updateSettings: async (patch: Partial<Settings>) => {
        calls.push(['updateSettings', patch]);
        settings = { ...settings, ...patch };
        return settings;
      },
      reportStatus: () => undefined,
      alertIncomingCall: () => undefined,
      clearIncomingCall: () => undefined,
      onAlertAction: none,
      onDndChange: none,
      getHosting: async () => standIn.hosting,
      setHosting: async () => standIn.hosting,
      onHostingChange: none,
      trustServer: async (url: string) => {
        calls.push(['trustServer', url]);
        return standIn.refusal === null ? { ok: true } : { ok: false, warning: standIn.refusal };
      },
      getDiscoveredServers: async () => standIn.servers,
      onDiscoveredServers: none,
    },
  });
}

async function openWindow(page: Page, standIn: Omit<StandIn, 'settings'>, pageUrl: string): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const settings: Settings = { ...structuredClone(DEFAULT_SETTINGS), hosting: { enabled: standIn.hosting.running, port: 8080 } };
  await page.addInitScript(installBridge, { ...standIn, settings });
  await page.goto(pageUrl);
  await expect(page.getByRole('textbox', { name: 'Name', exact: true })).toBeVisible();
  expect(errors).toEqual([]);
}

const bridgeCalls = (page: Page) => page.evaluate(() => (window as unknown as { __bridgeCalls: unknown[][] }).__bridgeCalls);

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const stopped: HostingState = { running: false, error: null };

test('hosts found on the LAN are listed, and one click checks the server and joins it', async ({ page, server }) => {
  const url = `ws://127.0.0.1:${server.port}/signal`;
  const office: DiscoveredServer = { name: 'LeanPhone on office-mac', host: 'office-mac.local', port: server.port, addresses: ['127.0.0.1'], url, version: 1, tls: false, passcode: false, fingerprint: null };
  await openWindow(page, { servers: [office], hosting: stopped, refusal: null }, server.pageUrl);

  const found = page.getByRole('list', { name: 'Servers on your network' });
  await expect(found.getByRole('listitem')).toHaveCount(1);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ada');
  await found.getByRole('button', { name: 'Join LeanPhone on office-mac' }).click();

  await expect(page.getByRole('list', { name: 'Phone book', exact: true })).toBeAttached();
  await expect.poll(async () => (await server.health()).users).toBe(1);
  const calls = await bridgeCalls(page);
  expect(calls.slice(0, 2), 'the server is saved and checked before the socket opens').toEqual([
    ['updateSettings', { serverUrl: url }],
    ['trustServer', url],
  ]);
});

test('a server whose certificate changed is refused with the warning, and no connection is made', async ({ page, server }) => {
  const warning = 'The server at 127.0.0.1:8443 presented a different certificate, so LeanPhone did not connect.';
  await openWindow(page, { servers: [], hosting: stopped, refusal: warning }, server.pageUrl);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ada');
  await page.getByRole('textbox', { name: 'Server', exact: true }).fill(`ws://127.0.0.1:${server.port}`);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();

  await expect(page.getByRole('alert')).toHaveText(warning);
  expect((await server.health()).users).toBe(0);
});

test('hosting shows the https addresses, a QR code of the first and the certificate fingerprint', async ({ page, server }) => {
  const joinUrl = 'https://192.168.1.20:8080/';
  const hosting: HostingState = {
    running: true,
    port: 8080,
    addresses: ['192.168.1.20', '10.0.0.4'],
    url: 'wss://127.0.0.1:8080/signal',
    joinUrls: [joinUrl, 'https://10.0.0.4:8080/'],
    fingerprint: FINGERPRINT,
    qrSvg: await qrSvg(joinUrl),
  };
  await openWindow(page, { servers: [], hosting, refusal: null }, server.pageUrl);

  const panel = page.getByRole('region', { name: 'LAN phone system' });
  await expect(panel.getByRole('switch', { name: 'Host a LAN phone system' })).toBeChecked();
  await expect(panel.getByText(joinUrl, { exact: true })).toBeVisible();
  await expect(panel.getByText('https://10.0.0.4:8080/', { exact: true })).toBeVisible();
  await expect(panel.getByText(FINGERPRINT)).toBeVisible();
  const qr = panel.getByRole('img', { name: `QR code for ${joinUrl}` });
  await expect(qr).toBeVisible();
  expect(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0), 'the QR image decodes').toBe(true);
});

test('the hosting panel saves ring groups written one a line, and says which line is wrong', async ({ page, server }) => {
  await openWindow(page, { servers: [], hosting: stopped, refusal: null }, server.pageUrl);
  const panel = page.getByRole('region', { name: 'LAN phone system' });
  const groups = panel.getByRole('textbox', { name: 'Ring groups', exact: true });
  await groups.fill('sales=Bob,Carol\nsupport');
  await panel.getByRole('button', { name: 'Save ring groups', exact: true }).click();
  await expect(panel.getByText('Line 2: must look like NAME=MEMBER,MEMBER, not "support"')).toBeVisible();
  expect(await bridgeCalls(page), 'nothing is saved while a line is wrong').toEqual([]);

  await groups.fill('sales = Bob, Carol\nsupport=Dan');
  await panel.getByRole('button', { name: 'Save ring groups', exact: true }).click();
  await expect(groups).toHaveValue('sales=Bob,Carol\nsupport=Dan');
  await expect(panel.getByText(/Line \d/)).toBeHidden();
  expect(await bridgeCalls(page)).toEqual([
    ['updateSettings', { ringGroups: [{ name: 'sales', members: ['Bob', 'Carol'] }, { name: 'support', members: ['Dan'] }] }],
  ]);
});
