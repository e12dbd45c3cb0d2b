import { describe, expect, it } from 'vitest';
import { decidePermission, decidePermissionCheck } from '../../main/permission-policy.js';

const app = ['app://leanphone'];
const own = { requestingUrl: 'app://leanphone/index.html', isMainFrame: true };

describe('permission policy', () => {
  it('grants camera and microphone to the app page', () => {
    expect(decidePermission({ ...own, permission: 'media', mediaTypes: ['audio', 'video'] }, app)).toBe(true);
    expect(decidePermission({ ...own, permission: 'media', mediaTypes: ['audio'] }, app)).toBe(true);
  });

  it('grants notifications to the app page', () => {
    expect(decidePermission({ ...own, permission: 'notifications' }, app)).toBe(true);
  });

  it.each(['geolocation', 'display-capture', 'clipboard-read', 'openExternal', 'midiSysex', 'fileSystem', 'unknown'])(
    'denies %s even to the app page',
    (permission) => {
      expect(decidePermission({ ...own, permission }, app)).toBe(false);
    },
  );

  it('denies media types other than audio and video', () => {
    expect(decidePermission({ ...own, permission: 'media', mediaTypes: ['audio', 'screen'] }, app)).toBe(false);
  });

  it.each([
    ['another origin', { requestingUrl: 'https://evil.example/', isMainFrame: true }],
    ['a look-alike host', { requestingUrl: 'app://leanphone.evil/index.html', isMainFrame: true }],
    ['a sub-frame of the app', { requestingUrl: 'app://leanphone/index.html', isMainFrame: false }],
    ['file://', { requestingUrl: 'file:///etc/passwd', isMainFrame: true }],
    ['garbage', { requestingUrl: 'not a url', isMainFrame: true }],
  ])('denies media and notifications to %s', (_what, frame) => {
    expect(decidePermission({ ...frame, permission: 'media', mediaTypes: ['audio'] }, app)).toBe(false);
    expect(decidePermission({ ...frame, permission: 'notifications' }, app)).toBe(false);
  });

  it('answers permission checks the same way', () => {
    const check = { requestingOrigin: 'app://leanphone', isMainFrame: true };
    expect(decidePermissionCheck({ ...check, permission: 'media', mediaType: 'video' }, app)).toBe(true);
    expect(decidePermissionCheck({ ...check, permission: 'notifications' }, app)).toBe(true);
    expect(decidePermissionCheck({ ...check, permission: 'geolocation' }, app)).toBe(false);
    expect(decidePermissionCheck({ ...check, permission: 'media', requestingOrigin: 'http://localhost:5173' }, app)).toBe(false);
    expect(decidePermissionCheck({ ...check, permission: 'media', isMainFrame: false }, app)).toBe(false);
  });

  it('allows the vite dev server origin only when it is listed as the app', () => {
    const dev = [...app, 'http://localhost:5173'];
    const request = { permission: 'media', requestingUrl: 'http://localhost:5173/', isMainFrame: true, mediaTypes: ['video'] };
    expect(decidePermission(request, dev)).toBe(true);
    expect(decidePermission(request, app)).toBe(false);
  });
});
