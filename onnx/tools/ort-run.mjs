// Runs ONNX graphs with onnxruntime-node for the Python tests (Python onnxruntime is not installable here).
//
// Usage: node onnx/tools/ort-run.mjs request.json response.json
// request:  {"model": "path.onnx", "runs": [{"inputs": {name: tensor | {"from": outputName}}, "outputs": [names]?}]}
//           a tensor is {"dtype": "float32"|"int64"|"bool"|..., "dims": [...], "b64": base64 of little-endian bytes}
//           or {"dtype", "dims", "data": [numbers]}; {"from": name} feeds the previous run's output `name`,
//           so a cached decoding loop runs in one process.
// response: {"inputs": [{name, type, shape}], "outputs": [...metadata], "runs": [{name: tensor (b64)}]}
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, int8: Int8Array,
  uint8: Uint8Array, bool: Uint8Array,
};

/** Builds an ort.Tensor from the JSON form. */
function toTensor(spec) {
  const Arr = ARRAYS[spec.dtype];
  if (!Arr) throw new Error(`unsupported dtype ${spec.dtype}`);
  let data;
  if (spec.b64 !== undefined) {
    const buf = Buffer.from(spec.b64, 'base64');
    // copy: the Buffer's offset may not be aligned for the typed array
    data = new Arr(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } else {
    data = spec.dtype === 'int64' ? BigInt64Array.from(spec.data.map(BigInt)) : Arr.from(spec.data);
  }
  return new ort.Tensor(spec.dtype, data, spec.dims);
}

/** The JSON form (base64) of an ort.Tensor. */
function fromTensor(t) {
  const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { dtype: t.type, dims: Array.from(t.dims), b64: bytes.toString('base64') };
}

const [requestPath, responsePath] = process.argv.slice(2);
if (!requestPath || !responsePath) {
  console.error('usage: node ort-run.mjs request.json response.json');
  process.exit(2);
}
const request = JSON.parse(readFileSync(requestPath, 'utf8'));
const session = await ort.InferenceSession.create(request.model, { executionProviders: ['cpu'] });
const meta = (list) => list.map((m) => ({ name: m.name, type: m.type, shape: m.shape }));
const response = { inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata), runs: [] };
let previous = null;
for (const run of request.runs ?? []) {
  const feeds = {};
  for (const [name, spec] of Object.entries(run.inputs)) {
    if (spec.from !== undefined) {
      if (!previous || !previous[spec.from]) throw new Error(`input ${name}: no previous output ${spec.from}`);
      feeds[name] = previous[spec.from];
    } else {
      feeds[name] = toTensor(spec);
    }
  }
  const results = await session.run(feeds);
  const out = {};
  for (const name of run.outputs ?? Object.keys(results)) out[name] = fromTensor(results[name]);
  response.runs.push(out);
  previous = results;
}
writeFileSync(responsePath, JSON.stringify(response));
await session.release();
