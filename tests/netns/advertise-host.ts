/**
 * The hosting side of the discovery test, run inside its namespace: a real signalling server with
 * TLS and a passcode on the namespace address, advertised over mDNS. Reports {ready, port,
 * fingerprint} on stdout, then serves until SIGTERM.
 */
import { loadOrCreateIdentity } from '../../node-lib/certificate.js';
import { advertise } from '../../node-lib/discovery.js';
import { startSignalServer } from '../../signal-server/server.js';
import { argument, assertIsolated, report } from './guard.js';

const address = argument('address');
assertIsolated(address);
const identity = await loadOrCreateIdentity(argument('state-dir'), [address]);
const server = await startSignalServer({ host: address, port: 0, tls: identity, passcode: argument('passcode') });
const discovery = advertise({ name: argument('name'), port: server.port, tls: true, passcode: true, fingerprint: identity.fingerprint });
report({ ready: true, port: server.port, fingerprint: identity.fingerprint });

process.once('SIGTERM', () => {
  void Promise.all([discovery.stop(), server.close()]).then(() => process.exit(0));
});
