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

const phone = new PhoneStore(getBridge(), localStorage);
void phone.init(location);
window.addEventListener('pagehide', () => phone.disconnect());

export default mount(App, { target, props: { phone } });
