/**
 * The joining side of the discovery test, run inside its namespace: browses for LeanPhone hosts,
 * reports the first list {found}, then registers at the found url over wss, checking that the
 * certificate is the one the TXT record advertised, and reports {registered}. Exits when done.
 */
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { browse, type DiscoveredServer } from '../../node-lib/discovery.js';
import { argument, assertIsolated, report } from './guard.js';

const address = argument('address');
assertIsolated(address);

const found = await new Promise<DiscoveredServer[]>((resolve) => {
  const discovery = browse(
    (servers) => {
      if (servers.length === 0) return;
      void discovery.stop().then(() => resolve(servers));
    },
    // Default sockets, as the desktop app uses them; inside the namespace the veth is the only way out.
    {},
  );
});
report({ found });

const server = found[0]!;
const socket = new WebSocket(server.url, ['leanphone.1'], { rejectUnauthorized: false });
// The certificate this connection really got (null over plain ws), to compare with the TXT record.
const presented = await new Promise<string | null>((resolve, reject) => {
  socket.once('upgrade', (response) => {
    const transport = response.socket as Partial<TLSSocket>;
    resolve(transport.getPeerCertificate ? transport.getPeerCertificate().fingerprint256 : null);
  });
  socket.once('error', reject);
});
await new Promise((resolve) => (socket.readyState === WebSocket.OPEN ? resolve(null) : socket.once('open', resolve)));
const reply = new Promise<{ status: number; reason: string }>((resolve) => socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))));
socket.send(JSON.stringify({ method: 'REGISTER', cseq: 1, body: { name: argument('name'), passcode: argument('passcode') } }));
const { status, reason } = await reply;
report({ registered: { status, reason, presented } });
socket.close();
socket.once('close', () => process.exit(0));
