/**
 * The bytes of an ONNX model made of one float32 operator, written here because onnxruntime-node can build a
 * session from bytes but has no graph builder, and the product ships no Python. Only the protobuf fields such a
 * model needs are written (onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto).
 */

/** One operator of the default ONNX domain, its integer attributes, and its one input and one output. */
export interface OneOperator {
  opType: string;
  opset: number;
  attributes: Record<string, number>;
  input: { name: string; dims: readonly (number | string)[] };
  output: { name: string; dims: readonly (number | string)[] };
}

const IR_VERSION = 7;
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT

/** The serialized ModelProto. */
export function oneOperatorModel(op: OneOperator): Uint8Array {
  const node = concat(
    text(1, op.input.name),
    text(2, op.output.name),
    text(4, op.opType),
    ...Object.entries(op.attributes).map(([name, value]) => message(5, concat(text(1, name), varint(3, value), varint(20, ATTRIBUTE_INT)))),
  );
  const graph = concat(message(1, node), text(2, op.opType), message(11, valueInfo(op.input)), message(12, valueInfo(op.output)));
  return concat(varint(1, IR_VERSION), text(2, 'rag-service'), message(7, graph), message(8, concat(text(1, ''), varint(2, op.opset))));
}

function valueInfo({ name, dims }: OneOperator['input']): Uint8Array {
  const shape = concat(...dims.map((d) => message(1, typeof d === 'number' ? varint(1, d) : text(2, d))));
  const tensorType = concat(varint(1, FLOAT), message(2, shape));
  return concat(text(1, name), message(2, message(1, tensorType)));
}

// Protobuf wire format: a key (field number << 3 | wire type) then a varint (type 0) or a length and bytes (type 2).

function varint(field: number, value: number): Uint8Array {
  return concat(varintBytes(field << 3), varintBytes(value));
}

function message(field: number, body: Uint8Array): Uint8Array {
  return concat(varintBytes((field << 3) | 2), varintBytes(body.length), body);
}

function text(field: number, value: string): Uint8Array {
  return message(field, new TextEncoder().encode(value));
}

function varintBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`cannot write ${value} as a protobuf varint`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
