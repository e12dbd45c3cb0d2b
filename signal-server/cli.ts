/**
 * `npm run serve`: the standalone signalling server. Prints where it listens, logs one line per
 * event, and shuts down cleanly on SIGINT and SIGTERM. A bad option exits with code 2.
 */
import { networkInterfaces } from 'node:os';
import { USAGE, parseCli } from './cli-options.js';
import { createLogger } from './log.js';
import { startSignalServer } from './server.js';

const command = parseCli(process.argv.slice(2), process.env);
if (command.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (command.kind === 'error') {
  process.stderr.write(`leanphone serve: ${command.message}\n\n${USAGE}`);
  process.exit(2);
}

const logger = createLogger(command.logLevel);
try {
  const server = await startSignalServer({ ...command.options, logger });
  console.log(`LeanPhone signalling server listening on ${server.host}:${server.port}`);
  for (const address of reachableAddresses(server.host)) {
    console.log(`  browser phone: http://${address}:${server.port}/   signalling: ws://${address}:${server.port}/signal`);
  }
  if (!command.options.staticDir) console.log('  (no browser phone build found: run `npm run build` to serve it at /)');
  const shutdown = (signal: string): void => {
    console.log(`${signal}: shutting down`);
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`leanphone serve: cannot listen: ${message}\n`);
  process.exit(1);
}

function reachableAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host.includes(':') ? `[${host}]` : host];
  const found = Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && info.family === 'IPv4')
    .map((info) => info!.address);
  return found.length > 0 ? found : ['127.0.0.1'];
}
