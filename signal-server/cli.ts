/**
 * `npm run serve`: the standalone signalling server. Prints where it listens (with --qr, a QR code
 * of the browser phone's address too), advertises itself on the LAN, logs one line per event, and
 * shuts down cleanly on SIGINT and SIGTERM. A bad option exits with code 2.
 */
import { hostname } from 'node:os';
import QRCode from 'qrcode';
import { lanAddresses } from '../node-lib/addresses.js';
import { loadOrCreateIdentity, readIdentity, type TlsIdentity } from '../node-lib/certificate.js';
import { USAGE, parseCli, type TlsSource } from './cli-options.js';
import { advertise } from '../node-lib/discovery.js';
import { createLogger } from './log.js';
import { startSignalServer, storeDir } from './server.js';
import { StoreError, userKey } from './store/host-store.js';
import { openSqliteStore } from './store/sqlite-store.js';
import { DEFAULTS } from './options.js';

const command = parseCli(process.argv.slice(2), process.env);
if (command.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (command.kind === 'error') {
  process.stderr.write(`leanphone serve: ${command.message}\n\n${USAGE}`);
  process.exit(2);
}

if (command.kind === 'forget') process.exit(await forget(command.name, command.dataDir, command.redis));

const logger = createLogger(command.logLevel);
try {
  const identity = await loadIdentity(command.tls);
  const server = await startSignalServer({ ...command.options, ...(identity ? { tls: identity } : {}), logger });
  const scheme = identity ? 'https' : 'http';
  console.log(`LeanPhone signalling server listening on ${server.host}:${server.port}`);
  const addresses = server.host === '0.0.0.0' || server.host === '::' ? lanAddresses() : [server.host];
  const hosts = (addresses.length > 0 ? addresses : ['127.0.0.1']).map((address) => (address.includes(':') ? `[${address}]` : address));
  for (const host of hosts) {
    console.log(`  browser phone: ${scheme}://${host}:${server.port}/   signalling: ${server.url.split('://')[0]}://${host}:${server.port}/signal`);
  }
  if (server.fingerprint) console.log(`  certificate SHA-256: ${server.fingerprint}`);
  if (command.qr) {
    const phoneUrl = `${scheme}://${hosts[0]}:${server.port}/`;
    console.log(`  scan to open ${phoneUrl} on a phone:`);
    process.stdout.write(await QRCode.toString(phoneUrl, { type: 'terminal', small: true }));
  }
  if (!command.options.staticDir) console.log('  (no browser phone build found: run `npm run build` to serve it at /)');
  const discovery = command.mdns
    ? advertise({
        name: `LeanPhone on ${hostname()}`,
        port: server.port,
        tls: identity !== null,
        passcode: command.options.passcode !== undefined,
        fingerprint: server.fingerprint,
      })
    : null;
  // Ctrl-C reaches this process both from the terminal and through `npm start`, so a repeat is ignored.
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    Promise.all([discovery?.stop(), server.close()]).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`leanphone serve: cannot start: ${message}\n`);
  process.exit(1);
}

/**
 * `--forget NAME`: removes it from the store in `dataDir`, or a cluster's in `redis` (and tells its
 * nodes), and says what went; 1 when unknown or the folder is in use.
 */
async function forget(name: string, dataDir: string, redis: string | undefined): Promise<number> {
  try {
    // The Redis client is loaded only when asked for, as in the server.
    const store = redis === undefined ? await openSqliteStore({ dir: storeDir(dataDir) }) : await (await import('./store/redis-store.js')).openRedisStore({ url: redis });
    try {
      const key = userKey(name);
      const forgotten = await store.forget(key);
      if (forgotten === null) {
        process.stderr.write(`leanphone serve: ${name} is not in the directory in ${redis ?? dataDir}\n`);
        return 1;
      }
      if (redis !== undefined) await (await import('./cluster/redis-link.js')).RedisLink.broadcastOnce(redis, { t: 'forgot', key }, DEFAULTS.clusterStreamMaxLen);
      console.log(`Forgot ${forgotten.user.name}: ${forgotten.messages} messages and ${forgotten.voicemails} voicemails removed.`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (error) {
    const message = error instanceof StoreError && error.code === 'in-use' ? `${error.message}: stop the server first, or forget the name from the hosting panel` : String(error instanceof Error ? error.message : error);
    process.stderr.write(`leanphone serve: cannot forget ${name}: ${message}\n`);
    return 1;
  }
}

async function loadIdentity(source: TlsSource): Promise<TlsIdentity | null> {
  switch (source.kind) {
    case 'none':
      return null;
    case 'files':
      return readIdentity(source.cert, source.key);
    case 'kept':
      return loadOrCreateIdentity(source.dir, lanAddresses());
  }
}
