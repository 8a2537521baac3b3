/**
 * The two cross-attention layouts a merged decoder may have (onnx/ragkit/export/graphs.py):
 * - per row (Optimum's): the encoder states, mask and cross-attention cache have one row per decoder row, so B beams
 *   over K documents hold each document's keys and values B times and every cached step reads all of them;
 * - per document: those inputs have one row per *document* (their batch axis is named "documents"), and the R * D
 *   decoder rows read document r % D (RAG-Token's beam-major rows): each document's keys and values exist, and are
 *   read, once per step.
 * Rows that hold every document equally often but not in that order (RAG-Sequence's document-major beams, rows of
 * several requests) are run in an order that repeats (`periodicOrder`). Other rows still decode exactly: the
 * documents are then the rows' own contexts (D = rows), which is the per-row layout's cost.
 */
import type { ort } from './session.js';

/** Which layout a merged decoder's cross-attention inputs have. */
export type CrossAttentionLayout = 'per-row' | 'per-document';

/** The name the toolchain gives the encoder-side batch axis of a per-document decoder. */
const DOCUMENTS_AXIS = 'documents';

/** Reads the layout from the decoder's input metadata (encoder_hidden_states and encoder_attention_mask agree). */
export function crossAttentionLayout(session: ort.InferenceSession): CrossAttentionLayout {
  const batchAxis = (name: string) => {
    const meta = session.inputMetadata.find((m) => m.name === name);
    return meta?.isTensor ? meta.shape[0] : undefined;
  };
  const hidden = batchAxis('encoder_hidden_states');
  const mask = batchAxis('encoder_attention_mask');
  if ((hidden === DOCUMENTS_AXIS) !== (mask === DOCUMENTS_AXIS)) {
    throw new Error(`the merged decoder's encoder_hidden_states (axis 0 "${hidden}") and encoder_attention_mask `
      + `(axis 0 "${mask}") disagree on the cross-attention layout`);
  }
  return hidden === DOCUMENTS_AXIS ? 'per-document' : 'per-row';
}

/**
 * The contexts of the cross-attention rows for decoder rows attending to `contexts`: per row, the contexts
 * themselves; per document, the shortest prefix D whose repetition gives every row (rows = R * D, row r reads
 * entry r % D), e.g. [0, 1, 2] for beam-major RAG-Token rows [0, 1, 2, 0, 1, 2, ...].
 */
export function documentRows(layout: CrossAttentionLayout, contexts: Int32Array): Int32Array {
  if (layout === 'per-row') return contexts;
  const rows = contexts.length;
  for (let period = 1; period < rows; period++) {
    if (rows % period !== 0) continue;
    let repeats = true;
    for (let r = period; r < rows && repeats; r++) repeats = contexts[r] === contexts[r - period];
    if (repeats) return contexts.slice(0, period);
  }
  return contexts;
}

/**
 * A row order under which `contexts` repeat with the period of their distinct documents (run row j is row
 * order[j]), when every document has the same number of rows, more than one: document-major [0, 0, 1, 1] runs as
 * rows [0, 2, 1, 3], reading documents [0, 1, 0, 1]. Null when the counts differ or no row shares a document.
 */
export function periodicOrder(contexts: Int32Array): Int32Array | null {
  const rowsOf = new Map<number, number[]>();
  contexts.forEach((context, row) => {
    const rows = rowsOf.get(context);
    if (rows) rows.push(row);
    else rowsOf.set(context, [row]);
  });
  const documents = [...rowsOf.values()];
  const each = documents[0]?.length ?? 0;
  if (each < 2 || documents.some((rows) => rows.length !== each)) return null;
  return Int32Array.from({ length: contexts.length }, (_, j) => documents[j % documents.length][Math.floor(j / documents.length)]);
}

/**
 * For each wanted document, a cross-attention row of `held` that holds it (keys and values depend on the document
 * only); throws when one is not held, since a row's context is always its parent's.
 */
export function heldDocumentRows(held: Int32Array, wanted: Int32Array): Int32Array {
  const at = new Map<number, number>();
  held.forEach((context, row) => { if (!at.has(context)) at.set(context, row); });
  return wanted.map((context) => {
    const row = at.get(context);
    if (row === undefined) throw new Error(`no cross-attention cache holds context ${context}`);
    return row;
  });
}
