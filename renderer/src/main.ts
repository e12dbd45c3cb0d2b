import { mount } from 'svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('LeanPhone: #app element is missing');
export default mount(App, { target });
