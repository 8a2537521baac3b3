// Summarizes a main-thread .cpuprofile within a time window (the one bench/profile-main.ts prints): self time per
// function, self time per file and inclusive time per file.   node bench/profile-summary.mjs CPU...cpuprofile [from_us] [to_us]
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
const ROOT = pathToFileURL(new URL('..', import.meta.url).pathname).href;
// A file's name relative to the repository (node_modules shortened to nm/), or the frame's name for native frames.
const fileOf = (f) => f.url.replace(ROOT, '').replace(/.*node_modules\//, 'nm/') || f.functionName;
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map(); // node id -> total sampled µs
const [lo, hi] = [Number(process.argv[3] ?? 0), Number(process.argv[4] ?? Infinity)];
let ts = p.startTime;
for (let i = 0; i < p.samples.length; i++) { ts += p.timeDeltas[i] ?? 0; if (ts < lo || ts > hi) continue; dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0)); }
const self = new Map();
const selfByFile = new Map();
let total = 0;
for (const [id, us] of dt) {
  const n = byId.get(id); const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${fileOf(f)}:${f.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + us); total += us;
  selfByFile.set(fileOf(f), (selfByFile.get(fileOf(f)) ?? 0) + us);
}
// inclusive by file
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, us] of dt) { const seen = new Set(); let cur = id; while (cur !== undefined) { const f = byId.get(cur).callFrame; const k = fileOf(f); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + us); } cur = parent.get(cur); } }
console.log('total sampled ms', (total / 1000).toFixed(0));
console.log('--- self, top 25');
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((us / 1000).toFixed(0).padStart(7), k);
console.log('--- self by file, top 25');
for (const [k, us] of [...selfByFile].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((us / 1000).toFixed(0).padStart(7), k);
console.log('--- inclusive by file, top 25');
for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((us / 1000).toFixed(0).padStart(7), k);
