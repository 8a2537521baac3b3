/**
 * A one-node ONNX graph multiplying a square input matrix by a constant square matrix (a weight, as in the
 * models: onnxruntime packs it once at load), serialized here (ONNX is protobuf) so that the machine's
 * matrix-multiply limit is measured by the runtime the service uses, with no toolchain step: float32 `MatMul`, or
 * int8 `MatMulInteger` (uint8 activations x int8 weights -> int32, the product that int8 bundles'
 * `DynamicQuantizeMatMul` runs after quantizing its input).
 */

/** ONNX TensorProto element types used here. */
const ELEM = { float32: 1, uint8: 2, int8: 3, int32: 6 } as const;

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
  return Buffer.from(out);
}
/** A protobuf field: varint (wire type 0) for numbers, length-delimited (2) for strings and messages. */
function field(no: number, value: number | string | Buffer): Buffer {
  if (typeof value === 'number') return Buffer.concat([varint(no * 8), varint(value)]);
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
}

/** ValueInfoProto of a tensor: name, element type, fixed shape. */
function tensorInfo(name: string, elem: number, dims: readonly number[]): Buffer {
  const shape = Buffer.concat(dims.map((d) => field(1, field(1, d))));
  return Buffer.concat([field(1, name), field(2, field(1, Buffer.concat([field(1, elem), field(2, shape)])))]);
}

/** TensorProto of a constant: dims, element type, name, raw little-endian data. */
function initializer(name: string, elem: number, dims: readonly number[], data: ArrayBufferView): Buffer {
  return Buffer.concat([...dims.map((d) => field(1, d)), field(2, elem), field(8, name),
    field(9, Buffer.from(data.buffer, data.byteOffset, data.byteLength))]);
}

/** The constant `[n, n]` matrix of the model, row-major: small values (int8 sums of products fit int32). */
export function squareMatMulWeights(n: number, kind: 'float32' | 'int8'): Float32Array | Int8Array {
  return kind === 'float32'
    ? Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5)
    : Int8Array.from({ length: n * n }, (_, i) => ((i * 5) % 255) - 127);
}

/**
 * The serialized model `y = a x b`: `a` an `[n, n]` input (float32, or uint8 for int8), `b` the constant
 * `squareMatMulWeights(n, kind)`; see the module comment.
 */
export function squareMatMulModel(n: number, kind: 'float32' | 'int8'): Uint8Array {
  const float = kind === 'float32';
  const weights = squareMatMulWeights(n, kind);
  const node = Buffer.concat([field(1, 'a'), field(1, 'b'), field(2, 'y'), field(3, 'product'), field(4, float ? 'MatMul' : 'MatMulInteger')]);
  const graph = Buffer.concat([
    field(1, node), field(2, 'square-matmul'), field(5, initializer('b', float ? ELEM.float32 : ELEM.int8, [n, n], weights)),
    field(11, tensorInfo('a', float ? ELEM.float32 : ELEM.uint8, [n, n])), field(12, tensorInfo('y', float ? ELEM.float32 : ELEM.int32, [n, n])),
  ]);
  const opset = Buffer.concat([field(1, ''), field(2, 13)]);
  return new Uint8Array(Buffer.concat([field(1, 7), field(8, opset), field(7, graph)]));
}
