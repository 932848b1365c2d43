// Draws media/icon.png (128x128): the activity-bar motif (task bars joined by a tree branch) with a lens, on a
// blue-to-teal rounded square. Pure Node (zlib for the PNG), so the icon is reproducible: `node media/make-icon.mjs`.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4; // per axis, for anti-aliasing

function roundedBox(x, y, x0, y0, x1, y1, r) {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

function segment(x, y, ax, ay, bx, by, width) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy) - width / 2;
}

const WHITE = [255, 255, 255];
const AMBER = [251, 191, 36];
// Later layers paint over earlier ones: [signed distance (negative inside), colour].
const layers = [
  [(x, y) => roundedBox(x, y, 22, 24, 82, 42, 6), WHITE],
  [(x, y) => roundedBox(x, y, 48, 55, 106, 73, 6), WHITE],
  [(x, y) => roundedBox(x, y, 48, 86, 78, 104, 6), WHITE],
  [(x, y) => Math.min(segment(x, y, 32, 42, 32, 95, 7), segment(x, y, 32, 64, 48, 64, 7), segment(x, y, 32, 95, 48, 95, 7)), WHITE],
  [(x, y) => Math.abs(Math.hypot(x - 92, y - 94) - 13) - 3.5, AMBER],
  [(x, y) => segment(x, y, 101.5, 103.5, 113, 115, 8), AMBER],
];

function background(x, y) {
  const t = (x + y) / (2 * SIZE);
  const from = [30, 58, 138];
  const to = [13, 148, 136];
  return from.map((c, i) => Math.round(c + (to[i] - c) * t));
}

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let py = 0; py < SIZE; py++) {
  for (let px = 0; px < SIZE; px++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const x = px + (sx + 0.5) / SAMPLES;
        const y = py + (sy + 0.5) / SAMPLES;
        if (roundedBox(x, y, 4, 4, 124, 124, 26) > 0) continue;
        let colour = background(x, y);
        for (const [distance, paint] of layers) if (distance(x, y) <= 0) colour = paint;
        sum[0] += colour[0];
        sum[1] += colour[1];
        sum[2] += colour[2];
        sum[3] += 1;
      }
    }
    const o = (py * SIZE + px) * 4;
    if (sum[3] > 0) {
      pixels[o] = Math.round(sum[0] / sum[3]);
      pixels[o + 1] = Math.round(sum[1] / sum[3]);
      pixels[o + 2] = Math.round(sum[2] / sum[3]);
      pixels[o + 3] = Math.round((255 * sum[3]) / (SAMPLES * SAMPLES));
    }
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(rows, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`media/icon.png: ${SIZE}x${SIZE}, ${png.length} bytes`);
