/**
 * Documents and passages, the vocabulary every layer shares: the upload and the builder read documents, the index
 * stores passages, the retriever returns them with their scores and the engine hands them to the generator.
 */

/** A document as uploaded (PUT /index, POST /index/documents) or read from a corpus file. */
export interface DocumentInput {
  id?: string;
  title: string;
  text: string;
}

/** One passage as stored in an index. */
export interface Passage {
  /** Passage id, unique within an index version (for example `doc42-3`). */
  id: string;
  /** Id of the uploaded document the passage was cut from. */
  docId: string;
  title: string;
  text: string;
}

/** A retrieved passage with its raw inner-product score and its weight p(z|x) among the returned ones. */
export interface RetrievedPassage extends Passage {
  score: number;
  weight: number;
}

/** A document as stored: its passages' texts joined back (passages are whole-word slices), and their count. */
export interface StoredDocument {
  id: string;
  title: string;
  text: string;
  passages: number;
}
