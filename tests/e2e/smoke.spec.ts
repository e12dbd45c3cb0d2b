import { expect, test } from '@playwright/test';
import { startSignalServer, type RunningSignalServer } from '../../signal-server/server.js';

let server: RunningSignalServer;
test.beforeAll(async () => {
  server = await startSignalServer({ port: 0, host: '127.0.0.1', staticDir: 'dist/renderer' });
});
test.afterAll(async () => server.close());

test('the signalling server serves the browser phone under its CSP without a violation', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') violations.push(message.text());
  });
  const response = await page.goto(server.url.replace('ws:', 'http:').replace('/signal', '/'));
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page).toHaveTitle('LeanPhone');
  await expect(page.getByRole('heading', { name: 'LeanPhone' })).toBeVisible();
  expect(violations).toEqual([]);
});
