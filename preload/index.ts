/**
 * The sandboxed preload (built as CommonJS): exposes exactly the LeanPhoneBridge as
 * `window.leanphone` through contextBridge, and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld('leanphone', createBridge(ipcRenderer));
