/**
 * Document id -> its run of passage rows, kept outside the JavaScript heap: the ids as UTF-8 in one growing Buffer,
 * the runs and an open-addressing hash table in typed arrays. A Map holding the 21M single-passage documents of the
 * paper's Wikipedia index would take about 2 GB of heap, over V8's default limit (docs/SCALE.md); this takes the
 * ids' bytes plus about 40 bytes per document, none of it on the heap.
 */

/** The rows of one document: `count` rows from `first`. */
export interface DocumentRows {
  first: number;
  count: number;
}

const EMPTY = -1;
const MAX_ID_BYTES = 2 ** 32 - 1; // offsets are Uint32

export class DocumentTable {
  private ids = Buffer.alloc(1 << 12);
  private idBytes = 0;
  /** Entry e's id is ids[idStart[e], idStart[e + 1]). */
  private idStart = new Uint32Array(257);
  private first = new Int32Array(256);
  private count = new Int32Array(256);
  private hashes = new Uint32Array(256);
  /** Entry per slot, EMPTY where none; at most half the slots are taken. */
  private slots = new Int32Array(512).fill(EMPTY);
  private entries = 0;
  private key = Buffer.alloc(256);

  get size(): number {
    return this.entries;
  }

  has(id: string): boolean {
    return this.find(id) !== EMPTY;
  }

  get(id: string): DocumentRows | undefined {
    const entry = this.find(id);
    return entry === EMPTY ? undefined : { first: this.first[entry], count: this.count[entry] };
  }

  /** Adds `id` with its run of `count` rows from `first`; false, adding nothing, when the id is already there. */
  add(id: string, first: number, count: number): boolean {
    const length = this.encode(id);
    const hash = fnv1a(this.key, length);
    if (this.slotOf(hash, length) !== EMPTY) return false;
    if (this.idBytes + length > MAX_ID_BYTES) throw new Error('document ids take more than 4 GiB');
    this.reserve(this.entries + 1, this.idBytes + length);
    const entry = this.entries++;
    this.key.copy(this.ids, this.idBytes, 0, length);
    this.idBytes += length;
    this.idStart[entry + 1] = this.idBytes;
    this.first[entry] = first;
    this.count[entry] = count;
    this.hashes[entry] = hash;
    this.place(entry, hash);
    return true;
  }

  /** Every document's run, in the order the documents were added (the store's row order). */
  *runs(): IterableIterator<DocumentRows> {
    for (let entry = 0; entry < this.entries; entry++) yield { first: this.first[entry], count: this.count[entry] };
  }

  private find(id: string): number {
    const length = this.encode(id);
    const slot = this.slotOf(fnv1a(this.key, length), length);
    return slot === EMPTY ? EMPTY : this.slots[slot];
  }

  /** The slot holding the entry whose id is the first `length` bytes of `key`, or EMPTY. */
  private slotOf(hash: number, length: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === EMPTY) return EMPTY;
      if (this.hashes[entry] === hash && this.sameId(entry, length)) return slot;
    }
  }

  private sameId(entry: number, length: number): boolean {
    const start = this.idStart[entry];
    return this.idStart[entry + 1] - start === length && this.ids.compare(this.key, 0, length, start, start + length) === 0;
  }

  private place(entry: number, hash: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.slots[slot] = entry;
  }

  /** `id` as UTF-8 in `key`; its length in bytes. */
  private encode(id: string): number {
    const length = Buffer.byteLength(id);
    if (length > this.key.length) this.key = Buffer.alloc(length * 2);
    return this.key.write(id);
  }

  private reserve(entries: number, idBytes: number): void {
    if (idBytes > this.ids.length) {
      const ids = Buffer.alloc(Math.min(MAX_ID_BYTES, Math.max(idBytes, this.ids.length * 2)));
      this.ids.copy(ids, 0, 0, this.idBytes);
      this.ids = ids;
    }
    if (entries > this.first.length) {
      const capacity = this.first.length * 2;
      this.first = grown(this.first, capacity);
      this.count = grown(this.count, capacity);
      this.hashes = grown(this.hashes, capacity);
      this.idStart = grown(this.idStart, capacity + 1);
    }
    if (entries * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
      for (let entry = 0; entry < this.entries; entry++) this.place(entry, this.hashes[entry]);
    }
  }
}

function grown<T extends Int32Array | Uint32Array>(array: T, length: number): T {
  const out = new (array.constructor as new (n: number) => T)(length);
  out.set(array);
  return out;
}

/** 32-bit FNV-1a of the first `length` bytes. */
function fnv1a(bytes: Buffer, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}
