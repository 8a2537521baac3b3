/**
 * A segment's ids: which rows of its passage store belong to which document, read from the store itself
 * (passages.jsonl carries each passage's `doc_id`), so there is one format and one reader. The builder stores a
 * document's passages one after another, so a document is a run of rows. Read once when a segment opens. A line
 * that is not a passage counts with the run it interrupts (in a version without checksums it is met, and reported
 * as damage, when a request reads it, as before segments); a document whose rows are not one run is damage.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IndexDamageError } from './damage.js';
import { DocumentTable, type DocumentRows } from './document-table.js';
import { PASSAGES_FILE } from './passage-store.js';

/** Document id -> its run of rows, for the passage store in `dir`. */
export async function readDocumentRows(dir: string): Promise<DocumentTable> {
  const path = join(dir, PASSAGES_FILE);
  const docs = new DocumentTable();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let row = 0;
  let run: DocumentRows & { id: string } | undefined;
  const addRun = () => {
    if (run && !docs.add(run.id, run.first, run.count)) {
      throw new IndexDamageError(path, `document "${run.id}" is stored twice (row ${run.first})`);
    }
  };
  for await (const line of lines) {
    if (!line) continue;
    const docId = docIdOf(line) ?? run?.id;
    row++;
    if (docId === undefined) continue;
    if (run?.id === docId) {
      run.count++;
    } else {
      addRun();
      run = { id: docId, first: row - 1, count: 1 };
    }
  }
  addRun();
  return docs;
}

function docIdOf(line: string): string | undefined {
  try {
    const docId = (JSON.parse(line) as Record<string, unknown> | null)?.doc_id;
    return typeof docId === 'string' ? docId : undefined;
  } catch {
    return undefined;
  }
}
