/** The gateway's pure translations: SIP final statuses as the phone shows them, and trickled candidates merged into complete SDP. */
import { describe, expect, it } from 'vitest';
import { withCandidates } from '../../signal-server/sip-gateway/gather.js';
import { phoneStatus } from '../../signal-server/sip-gateway/status-map.js';
import { dialledUri, peerName } from '../../signal-server/sip-gateway/dial-target.js';

describe('SIP gateway translation', () => {
  it('maps every SIP final answer to a status the phone shows', () => {
    const table: [number, number][] = [
      [404, 404], [484, 404], [604, 404],
      [486, 486], [600, 486],
      [603, 603], [487, 487], [408, 408],
      [488, 488], [606, 488], [491, 491],
      [480, 480], [403, 480], [503, 480], [500, 480], [410, 480],
    ];
    expect(table.map(([sip]) => [sip, phoneStatus(sip)])).toEqual(table);
  });

  it('puts each trickled candidate in the media section it names, once, and ends the candidates in every section', () => {
    const sdp = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', ''].join('\r\n');
    const host = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host';
    const video = 'candidate:2 1 udp 2122260223 127.0.0.1 50002 typ host';
    const merged = withCandidates(sdp, [
      { candidate: host, sdpMid: '0', sdpMLineIndex: 0 },
      { candidate: host, sdpMid: '0', sdpMLineIndex: 0 },
      { candidate: video, sdpMid: null, sdpMLineIndex: 1 },
    ]);
    expect(merged).toBe(
      ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', `a=${host}`, 'a=end-of-candidates',
        'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', `a=${video}`, 'a=end-of-candidates', ''].join('\r\n'),
    );
  });

  it('reads a dialled extension in the domain and a SIP address as written; names no one else', () => {
    expect(dialledUri('1001', 'pbx.example')?.toString()).toBe('sip:1001@pbx.example');
    expect(dialledUri('sip:desk@other.example', 'pbx.example')?.toString()).toBe('sip:desk@other.example');
    expect(dialledUri('Ada', 'pbx.example')).toBeNull();
  });

  it('shows a SIP caller as "Display" <address>, without quotes, controls or anything past 48 characters', () => {
    const uri = dialledUri('sip:1001@pbx.example', 'pbx.example')!;
    expect(peerName('Front "desk"\u0007', uri)).toBe('"Front desk" <sip:1001@pbx.example>');
    expect(peerName(undefined, uri)).toBe('sip:1001@pbx.example');
    expect(peerName('x'.repeat(80), uri)).toBe(`"${'x'.repeat(48)}" <sip:1001@pbx.example>`);
  });
});
