/**
 * The one way the renderer reaches the desktop side: `window.leanphone` from the preload when
 * it exists, else the browser implementation of the same interface.
 */
import type { LeanPhoneBridge } from '../../../common/bridge.js';
import { createWebBridge } from './web-bridge.js';

declare global {
  interface Window {
    leanphone?: LeanPhoneBridge;
  }
}

export function getBridge(): LeanPhoneBridge {
  return window.leanphone ?? createWebBridge();
}
