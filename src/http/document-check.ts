/**
 * Checks one uploaded document (`{"id"?: string, "title": string, "text": string}`) and says why it is bad in
 * words a user can act on. Used by both upload formats of PUT /index.
 */
import type { DocumentInput } from '../types/corpus.js';

const FIELDS = new Set(['id', 'title', 'text']);

/** The normalized document, or the reason it is invalid (without the line number, which the caller knows). */
export type DocumentCheck = { ok: true; doc: DocumentInput } | { ok: false; reason: string };

/** Validates a parsed JSON value as a document. */
export function checkDocument(value: unknown): DocumentCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'a document must be a JSON object with "title" and "text"' };
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) return { ok: false, reason: `unknown field "${key}" (allowed: id, title, text)` };
  }
  const { id, title, text } = record;
  if (id !== undefined && (typeof id !== 'string' || id.trim() === '')) {
    return { ok: false, reason: '"id" must be a non-empty string when given' };
  }
  if (typeof title !== 'string') return { ok: false, reason: '"title" is required and must be a string' };
  if (typeof text !== 'string') return { ok: false, reason: '"text" is required and must be a string' };
  if (text.trim() === '') return { ok: false, reason: '"text" must not be empty' };
  const doc: DocumentInput = id === undefined ? { title, text } : { id: id as string, title, text };
  return { ok: true, doc };
}
