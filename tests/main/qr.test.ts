import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { qrSvg, QrError } from '../../main/qr.js';

const ADDRESS = 'https://192.168.1.20:8443/';

/** Checks that every tag is closed in order and every attribute is quoted; returns the element names seen. */
function wellFormedElements(xml: string): string[] {
  const seen: string[] = [];
  const open: string[] = [];
  const rest = xml.trim().replace(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, (_tag, closing: string, name: string, _attributes, selfClosing: string) => {
    if (closing) {
      if (open.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
    } else {
      seen.push(name);
      if (!selfClosing) open.push(name);
    }
    return '';
  });
  if (open.length > 0) throw new Error(`unclosed: ${open.join(', ')}`);
  if (rest.trim() !== '') throw new Error(`not markup: ${rest.slice(0, 80)}`);
  return seen;
}

/** Reads the dark modules back out of the SVG's path (M x y, h run, m dx dy; rows drawn at y + 0.5). */
function darkModules(svg: string, margin: number): Set<string> {
  const path = /<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1];
  if (path === undefined) throw new Error('no dark path in the SVG');
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of path.matchAll(/([Mmh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?/g)) {
    if (op === 'M') [x, y] = [Number(a), Number(b)];
    else if (op === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let i = 0; i < Number(a); i += 1) dark.add(`${x + i - margin},${Math.floor(y) - margin}`);
      x += Number(a);
    }
  }
  return dark;
}

describe('the join QR code', () => {
  it('is a well-formed SVG, labelled, that draws exactly the modules of the QR code for the address', async () => {
    const svg = await qrSvg(ADDRESS);
    expect(wellFormedElements(svg)).toEqual(['svg', 'path', 'path']);
    expect(svg).toMatch(/^<svg role="img" aria-label="QR code: https:\/\/192\.168\.1\.20:8443\/" xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);

    const code = QRCode.create(ADDRESS, { errorCorrectionLevel: 'M' });
    const expected = new Set<string>();
    for (let row = 0; row < code.modules.size; row += 1) {
      for (let column = 0; column < code.modules.size; column += 1) if (code.modules.get(row, column)) expected.add(`${column},${row}`);
    }
    expect(darkModules(svg, 4)).toEqual(expected);
    expect(svg).toContain(`viewBox="0 0 ${code.modules.size + 8} ${code.modules.size + 8}"`);

    const decoded = code.segments
      .map((segment) => (typeof segment.data === 'string' ? segment.data : Buffer.from(segment.data as Uint8Array).toString('utf8')))
      .join('');
    expect(decoded, "the code's segments carry the address").toBe(ADDRESS);
  });

  it('escapes the address in its label', async () => {
    const svg = await qrSvg('https://host.local:8443/?a=1&b="2"');
    expect(svg).toContain('aria-label="QR code: https://host.local:8443/?a=1&amp;b=&quot;2&quot;"');
    expect(wellFormedElements(svg)[0]).toBe('svg');
  });

  it('refuses what is not an https address, with a clear error', async () => {
    await expect(qrSvg('http://192.168.1.20:8080/')).rejects.toThrow(/Only an https address/);
    await expect(qrSvg('not a url')).rejects.toThrow(QrError);
    await expect(qrSvg(`https://host.local/${'a'.repeat(300)}`)).rejects.toThrow(/too long/);
  });
});
