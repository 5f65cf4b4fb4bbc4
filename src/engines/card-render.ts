import { deflateSync } from 'node:zlib';

/** Deterministic renderings of a KPI card's data: a PNG bar chart and a one-page PDF. No DB, no HTTP. */

export interface ChartSeries {
  title: string;
  labelColumn: string;
  valueColumn: string;
  rows: Array<{ label: string; value: number }>;
}

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A bar chart of the series as an RGB PNG (white background, one blue bar per row, tallest = full height). */
export function renderPng(series: ChartSeries, width = 320, height = 160): Buffer {
  const pixels = Buffer.alloc(height * (width * 3 + 1), 0xff);
  for (let y = 0; y < height; y++) pixels[y * (width * 3 + 1)] = 0; // filter byte: none
  const set = (x: number, y: number, rgb: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = y * (width * 3 + 1) + 1 + x * 3;
    pixels[o] = rgb[0];
    pixels[o + 1] = rgb[1];
    pixels[o + 2] = rgb[2];
  };
  const margin = 8;
  const base = height - margin;
  for (let x = margin; x < width - margin; x++) set(x, base, [0x55, 0x55, 0x55]); // axis
  const n = series.rows.length;
  const max = Math.max(0, ...series.rows.map((r) => r.value));
  if (n && max > 0) {
    const slot = (width - 2 * margin) / n;
    const barWidth = Math.max(1, Math.floor(slot * 0.7));
    series.rows.forEach((r, i) => {
      const h = Math.round((Math.max(0, r.value) / max) * (base - margin));
      const x0 = Math.round(margin + i * slot + (slot - barWidth) / 2);
      for (let x = x0; x < x0 + barWidth; x++) for (let y = base - h; y < base; y++) set(x, y, [0x3f, 0x8f, 0xd0]);
    });
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const pdfText = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');

/** A one-page PDF (Helvetica): the title, then one "label: value" line per row. */
export function renderPdf(series: ChartSeries): Buffer {
  const lines = [series.title, `${series.labelColumn} / ${series.valueColumn}`, ...series.rows.map((r) => `${r.label}: ${r.value}`)];
  const content = ['BT', '/F1 14 Tf', '50 800 Td', '16 TL', ...lines.map((l, i) => (i === 0 ? `(${pdfText(l)}) Tj` : `T* (${pdfText(l)}) Tj`)), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
