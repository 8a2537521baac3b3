/**
 * A version's documents, recovered from its passage store: an index embedded by another context encoder than the
 * bundle's is re-embedded from what it stores, with no upload. Passages are 100-word slices joined by single
 * spaces (passages.ts), so joining a document's passages with a space and splitting again gives the same passages,
 * ids and titles. Documents that had no words had no passages and are not recovered.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readLines } from './corpus.js';
import { PASSAGES_FILE } from './passage-store.js';

/** Writes one `{"id", "title", "text"}` line per stored document to `out` (a new file); returns how many. */
export async function writeStoredCorpus(versionDir: string, out: string): Promise<number> {
  let documents = 0;
  async function* corpusLines(): AsyncGenerator<string> {
    let doc: { id: string; title: string; parts: string[] } | undefined;
    for await (const { text } of readLines(join(versionDir, PASSAGES_FILE))) {
      if (!text) continue;
      const p = JSON.parse(text) as { doc_id: string; title: string; text: string };
      if (doc?.id !== p.doc_id) { // the builder stores a document's passages one after another
        if (doc) yield documentLine(doc);
        doc = { id: p.doc_id, title: p.title, parts: [] };
      }
      doc.parts.push(p.text);
    }
    if (doc) yield documentLine(doc);
  }
  const documentLine = (doc: { id: string; title: string; parts: string[] }) => {
    documents++;
    return JSON.stringify({ id: doc.id, title: doc.title, text: doc.parts.join(' ') }) + '\n';
  };
  await pipeline(corpusLines, createWriteStream(out, { flags: 'wx' }));
  return documents;
}
