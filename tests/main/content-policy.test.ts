import { describe, expect, it } from 'vitest';
import { resolveAppPath, contentType } from '../../main/app-protocol.js';
import { connectOrigins, contentSecurityPolicy, isRequestAllowed } from '../../main/content-policy.js';
import { HOSTING_ON_EXAMPLE } from './hosting-fixture.js';

const hosting = HOSTING_ON_EXAMPLE;

describe('content security policy', () => {
  it('allows scripts only from the app itself and no plugins, frames or base changes', () => {
    const csp = contentSecurityPolicy();
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives.get('default-src')).toBe("'none'");
    expect(directives.get('script-src')).toBe("'self'");
    expect(directives.get('connect-src')).toBe("'self' ws: wss:");
    expect(directives.get('object-src')).toBe("'none'");
    expect(directives.get('base-uri')).toBe("'none'");
    expect(directives.get('frame-ancestors')).toBe("'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(directives.get('script-src')).not.toContain('unsafe-inline');
  });

  it('adds the dev server only in development', () => {
    expect(contentSecurityPolicy('http://localhost:5173')).toContain("script-src 'self' http://localhost:5173");
  });

  it("lets the page reach its signalling servers' own http(s) origins (voicemail), and no other", () => {
    const connect = (origins: string[]) => {
      const directive = contentSecurityPolicy(null, origins).split('; ').find((d) => d.startsWith('connect-src '));
      return directive?.split(' ').slice(1);
    };
    expect(connect(['wss://phones.lan:8443', 'ws://127.0.0.1:9000'])).toEqual([
      "'self'",
      'ws:',
      'wss:',
      'https://phones.lan:8443',
      'http://127.0.0.1:9000',
    ]);
    // No scheme-wide http: or https:, and nothing for a server not configured.
    expect(connect(['wss://phones.lan:8443'])).not.toContain('https:');
    expect(connect(['wss://phones.lan:8443'])).not.toContain('https://evil.example');
    expect(connect([])).toEqual(["'self'", 'ws:', 'wss:']);
  });
});

describe('network guard', () => {
  const allowance = {
    appOrigins: ['app://leanphone'],
    connectOrigins: connectOrigins({ serverUrl: 'wss://phones.lan:8443/signal' }, hosting),
  };

  it('knows the configured and the hosted server', () => {
    expect(allowance.connectOrigins).toEqual(['wss://phones.lan:8443', 'wss://127.0.0.1:9000']);
    expect(connectOrigins({ serverUrl: '' }, { running: false, error: null })).toEqual([]);
  });

  it.each([
    'app://leanphone/assets/index.js',
    'wss://phones.lan:8443/signal',
    'wss://127.0.0.1:9000/signal',
    'https://phones.lan:8443/healthz',
    'data:image/png;base64,AAAA',
    'blob:app://leanphone/1234',
  ])('allows %s', (url) => {
    expect(isRequestAllowed(url, allowance)).toBe(true);
  });

  it.each([
    'ws://phones.lan:8443/signal',
    'wss://phones.lan:9999/signal',
    'wss://evil.example/signal',
    'https://evil.example/track.gif',
    'http://127.0.0.1:9001/',
    'file:///etc/passwd',
    'app://other/index.html',
    'not a url',
  ])('blocks %s', (url) => {
    expect(isRequestAllowed(url, allowance)).toBe(false);
  });

  it('lets the dev server and its hot-reload socket through in development', () => {
    const dev = { appOrigins: ['app://leanphone', 'http://localhost:5173'], connectOrigins: [] };
    expect(isRequestAllowed('http://localhost:5173/src/main.ts', dev)).toBe(true);
    expect(isRequestAllowed('ws://localhost:5173/', dev)).toBe(true);
    expect(isRequestAllowed('ws://localhost:5174/', dev)).toBe(false);
  });
});

describe('app:// files', () => {
  const root = '/opt/leanphone/dist/renderer';
  it.each([
    ['app://leanphone/', '/opt/leanphone/dist/renderer/index.html'],
    ['app://leanphone/index.html', '/opt/leanphone/dist/renderer/index.html'],
    ['app://leanphone/assets/index-abc.js?x=1', '/opt/leanphone/dist/renderer/assets/index-abc.js'],
  ])('maps %s into the build', (url, file) => {
    expect(resolveAppPath(url, root)).toBe(file);
  });

  it.each(['app://leanphone/../../../etc/passwd', 'app://leanphone/%2e%2e/%2e%2e/etc/passwd'])(
    'keeps %s inside the build (the URL parser folds the dots away)',
    (url) => {
      expect(resolveAppPath(url, root)).toBe('/opt/leanphone/dist/renderer/etc/passwd');
    },
  );

  it.each([
    'app://leanphone/assets/%2e%2e%2f%2e%2e%2f..%2fsecret',
    'app://leanphone/a%00b',
    'app://other/index.html',
    'file:///opt/leanphone/dist/renderer/index.html',
  ])('refuses %s', (url) => {
    expect(resolveAppPath(url, root)).toBeNull();
  });

  it('names content types', () => {
    expect(contentType('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('/x/a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/x/blob.bin')).toBe('application/octet-stream');
  });
});
