// RFC 6238 codes computed in the test, independently of the app's liboath.
import { createHmac } from 'node:crypto';

function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase())
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8)
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

export function totp(secret, time = Date.now() / 1000) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

// Starts enrolment as a signed-in client: /account/totp asks for the
// current password first, then shows the secret. { html, secret }.
export async function enrolStart(c, password) {
  await c.page('/account/totp');
  const res = await c.post('/account/totp', { password });
  const html = await res.text();
  const m = html.match(/<code class="secret">([A-Z2-7 ]+)<\/code>/);
  return { res, html, secret: m ? m[1].replace(/ /g, '') : null };
}
