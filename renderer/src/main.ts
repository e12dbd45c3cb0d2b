/**
 * The renderer's entry: picks the bridge (desktop preload or the browser stand-in), builds the
 * phone store and mounts the app. Hangs up cleanly when the page goes away.
 */
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { getBridge } from './bridge/index.js';
import { PhoneStore } from './stores/phone.svelte.js';

const target = document.getElementById('app');
if (!target) throw new Error('LeanPhone: #app element is missing');

const phone = new PhoneStore(getBridge(), localStorage, sessionStorage);
void phone.init(location);
// Leaving is not signing out: a reload or a reopened tab signs back in by itself.
window.addEventListener('pagehide', () => phone.leave());

export default mount(App, { target, props: { phone } });
