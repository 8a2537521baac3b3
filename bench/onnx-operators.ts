/**
 * Counts the operators of a serialized ONNX model, by `domain::op_type` (the default domain unprefixed), nodes of
 * subgraphs (If and Loop branches) included. Reads only the protobuf fields on the way (onnx.proto: ModelProto.graph
 * 7, GraphProto.node 1, NodeProto.op_type 4, attribute 5, domain 7, AttributeProto.g 6, graphs 11).
 */

/** Each field of a protobuf message: its number, and its bytes (length-delimited) or null (other wire types). */
function* fields(buf: Uint8Array): Generator<[number, Uint8Array | null]> {
  let at = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = buf[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const type = key & 7;
    if (type === 0) varint();
    else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else if (type === 2) {
      const length = varint();
      yield [Math.floor(key / 8), buf.subarray(at, at + length)];
      at += length;
      continue;
    } else throw new Error(`protobuf wire type ${type} at byte ${at}`);
    yield [Math.floor(key / 8), null];
  }
}

const decoder = new TextDecoder();

function countGraph(graph: Uint8Array, counts: Map<string, number>): void {
  for (const [field, node] of fields(graph)) {
    if (field !== 1 || !node) continue;
    let opType = '';
    let domain = '';
    for (const [f, value] of fields(node)) {
      if (!value) continue;
      if (f === 4) opType = decoder.decode(value);
      else if (f === 7) domain = decoder.decode(value);
      else if (f === 5) for (const [a, sub] of fields(value)) if (sub && (a === 6 || a === 11)) countGraph(sub, counts);
    }
    const name = domain && domain !== 'ai.onnx' ? `${domain}::${opType}` : opType;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
}

/** Operator counts of the model's main graph and its subgraphs. */
export function operatorCounts(model: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [field, graph] of fields(model)) if (field === 7 && graph) countGraph(graph, counts);
  return counts;
}
