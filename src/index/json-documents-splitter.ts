/**
 * Incremental splitter for a `{"documents": [ {...}, {...} ]}` body: it scans bytes as they arrive and hands
 * over each array element's raw JSON text with its 1-based position and the line it starts on, so a corpus sent as
 * one JSON document is never held in memory whole. Only the element being read is buffered.
 */
import { ValidationError } from '../errors.js';

/** Receives one element's raw JSON text, its 1-based index in `documents`, and the body line it starts on. */
export type ElementSink = (raw: string, index: number, line: number) => void;

type State = 'start' | 'key' | 'keyString' | 'colon' | 'arrayOpen' | 'value' | 'firstValue' | 'element'
  | 'afterElement' | 'afterArray' | 'end';

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]);
const CLOSE = new Set([0x7d, 0x5d]);

/** Feed chunks with `push`, then call `end`; both throw ValidationError naming the line at fault. */
export class JsonDocumentsSplitter {
  private state: State = 'start';
  private line = 1;
  private key: number[] = [];
  private escaped = false;
  private inString = false;
  private depth = 0;
  private parts: Buffer[] = [];
  private elementLine = 0;
  private count = 0;
  private sawDocuments = false;

  constructor(private readonly sink: ElementSink) {}

  /** Scans one chunk of the body. */
  push(chunk: Buffer): void {
    let elementStart = this.state === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x0a) this.line++;
      if (this.state === 'element') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (b === BACKSLASH) this.escaped = true;
          else if (b === QUOTE) this.inString = false;
        } else if (b === QUOTE) {
          this.inString = true;
        } else if (OPEN.has(b)) {
          this.depth++;
        } else if (CLOSE.has(b) && --this.depth === 0) {
          this.parts.push(chunk.subarray(elementStart, i + 1));
          elementStart = -1;
          this.emit();
        }
      } else if (this.state === 'keyString') {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.state = 'colon';
        if (this.state === 'keyString') this.key.push(b);
      } else if (!WS.has(b)) {
        if (this.structural(String.fromCharCode(b))) elementStart = i;
      }
    }
    if (this.state === 'element' && elementStart >= 0) this.parts.push(chunk.subarray(elementStart));
  }

  /** Checks that the body ended after a complete `{"documents": [...]}`. */
  end(): void {
    if (this.state === 'start') this.fail('the body is empty; send {"documents": [...]}');
    if (this.state !== 'end') this.fail('the body ended before the JSON object was complete');
  }

  /** Handles one non-blank byte outside strings and elements; true when it starts an element. */
  private structural(ch: string): boolean {
    switch (this.state) {
      case 'start':
        if (ch !== '{') this.fail('the body must be a JSON object {"documents": [...]}');
        this.state = 'key';
        return false;
      case 'key':
        if (ch === '}' && !this.sawDocuments) this.fail('the body must have a "documents" array');
        if (ch !== '"') this.fail('expected a field name');
        this.key = [];
        this.state = 'keyString';
        return false;
      case 'colon': {
        if (ch !== ':') this.fail('expected ":" after a field name');
        const name = Buffer.from(this.key).toString('utf8');
        if (name !== 'documents') this.fail(`unknown field "${name}" (the body is {"documents": [...]})`);
        if (this.sawDocuments) this.fail('"documents" appears twice');
        this.sawDocuments = true;
        this.state = 'arrayOpen';
        return false;
      }
      case 'arrayOpen':
        if (ch !== '[') this.fail('"documents" must be an array');
        this.state = 'firstValue';
        return false;
      case 'firstValue':
      case 'value':
        if (ch === ']' && this.state === 'firstValue') {
          this.state = 'afterArray';
          return false;
        }
        if (ch !== '{') this.fail(`document ${this.count + 1} must be a JSON object`);
        this.state = 'element';
        this.depth = 1;
        this.elementLine = this.line;
        return true;
      case 'afterElement':
        if (ch === ']') this.state = 'afterArray';
        else if (ch === ',') this.state = 'value';
        else this.fail(`expected "," or "]" after document ${this.count}`);
        return false;
      case 'afterArray':
        if (ch === '}') this.state = 'end';
        else if (ch === ',') this.state = 'key';
        else this.fail('expected "}" after the documents array');
        return false;
      default:
        return this.fail('unexpected content after the JSON object');
    }
  }

  private emit(): void {
    const raw = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.count++;
    this.state = 'afterElement';
    this.sink(raw, this.count, this.elementLine);
  }

  private fail(why: string): never {
    throw new ValidationError(`line ${this.line}: ${why}`);
  }
}
