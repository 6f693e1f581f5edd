// node compare.mjs got.f32 want.f32 [tolerance]: max abs difference of two raw float32 files; exit 1 above tolerance.
import { readFileSync } from 'node:fs';
const [a, b, tol = '1e-4'] = process.argv.slice(2);
const f32 = (p) => { const x = readFileSync(p); return new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)); };
const x = f32(a), y = f32(b);
if (x.length !== y.length) { console.log(`length ${x.length} vs ${y.length}`); process.exit(1); }
let d = 0, bad = 0;
for (let i = 0; i < x.length; i++) { const e = Math.abs(x[i] - y[i]); if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e; if (!Number.isFinite(x[i])) bad++; }
console.log(`max abs diff ${d.toExponential(3)} over ${x.length} logits (tolerance ${tol})${bad ? `, ${bad} non-finite` : ''}`);
process.exit(d <= Number(tol) && bad === 0 ? 0 : 1);
