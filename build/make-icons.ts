/**
 * Draws build/icon.png (1024x1024), the app icon electron-builder turns into .icns, .ico and the
 * Linux icons. Run: npx tsx build/make-icons.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { circle, encodePng, paint, ring, roundedSquare } from '../main/png.js';

const size = 1024;
const c = size / 2;
const png = encodePng(
  size,
  size,
  paint(size, [
    [(x, y) => roundedSquare(size - 96, 200)(x - 48, y - 48), [31, 111, 235, 255]],
    [ring(c, c, 250, 64), [255, 255, 255, 255]],
    [circle(c, c, 110), [255, 255, 255, 255]],
  ]),
);
const out = fileURLToPath(new URL('./icon.png', import.meta.url));
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
