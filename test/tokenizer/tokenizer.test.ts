import t from 'tap';
import { join } from 'node:path';
import { TextTokenizer } from '../../src/tokenizer/tokenizer.js';
import { loadTinyFixtures, tinyBundle } from '../helpers/toolchain-bundle.js';

const fx = loadTinyFixtures();
const input = (c: { text: string; pair: string | null }) => (c.pair === null ? c.text : ([c.text, c.pair] as const));

t.test('WordPiece encodes texts and pairs as the Python toolchain does', async (t) => {
  const tok = await TextTokenizer.load(join(tinyBundle, 'ctx_encoder'));
  t.equal(tok.maxLength, fx.config.encoder_max_length, 'model_max_length comes from tokenizer_config.json');
  const cls = tok.tokenToId('[CLS]')!;
  const sep = tok.tokenToId('[SEP]')!;
  for (const c of fx.tokenizer_cases.encoder) {
    const enc = tok.encode(input(c));
    t.same(enc.ids, c.ids, `ids of ${JSON.stringify(c.text.slice(0, 30))}`);
    t.same(enc.tokenTypeIds, c.type_ids, 'token type ids');
    t.same(enc.attentionMask, c.ids.map(() => 1), 'attention mask');
    // fixtures.json holds no decoded strings: decoding must drop every special ([CLS], [SEP], [UNK]) and keep the
    // rest, so encoding the decoded text gives back exactly the toolchain's non-special ids.
    const decoded = tok.decode(enc.ids);
    t.notMatch(decoded, /\[(CLS|SEP|PAD|UNK|MASK)\]/, 'decode drops specials');
    t.same(tok.encode(decoded).ids, [cls, ...c.ids.filter((id) => !tok.isSpecial(id)), sep], 'decode keeps the words');
  }
  // The ctx encoder's (title, text) inputs of every passage, as the toolchain embedded them.
  fx.passages.forEach((p, i) => {
    const enc = tok.encode([p.title, p.text]);
    t.same([enc.ids, enc.tokenTypeIds], [fx.ctx_inputs[i].ids, fx.ctx_inputs[i].type_ids], `ctx input ${p.id}`);
  });
});

t.test('the question encoder tokenizes queries as the toolchain does', async (t) => {
  const tok = await TextTokenizer.load(join(tinyBundle, 'question_encoder'));
  for (const c of [...fx.questions, ...fx.jeopardy]) {
    const enc = tok.encode(c.query);
    t.same([enc.ids, enc.tokenTypeIds], [c.query_ids, c.query_type_ids], `ids of "${c.query}"`);
  }
});

t.test('truncation keeps the final special token and cuts the longest sequence first', async (t) => {
  const tok = await TextTokenizer.load(join(tinyBundle, 'question_encoder', 'tokenizer.json'));
  const sep = tok.tokenToId('[SEP]')!;
  const enc = tok.encode('the '.repeat(50), { maxLength: 7 });
  t.equal(enc.ids.length, 7);
  t.equal(enc.ids[6], sep);
  t.equal(enc.ids[0], tok.tokenToId('[CLS]'));
  const pair = tok.encode(['short', 'the '.repeat(50)], { maxLength: 9 });
  t.equal(pair.ids.length, 9);
  t.equal(pair.ids.filter((id) => id === sep).length, 2, 'both [SEP] kept');
  // Longest first: with room for more than twice its length, the short sequence survives whole, in either position.
  const short = tok.encode('short').ids.slice(1, -1);
  const room = 2 * short.length + 4;
  const first = tok.encode(['short', 'the '.repeat(50)], { maxLength: room });
  t.same(first.ids.slice(1, 1 + short.length), short, 'first sequence whole');
  const swapped = tok.encode(['the '.repeat(50), 'short'], { maxLength: room });
  t.equal(swapped.ids.length, room);
  t.same(swapped.ids.slice(-1 - short.length, -1), short, 'second sequence whole');
  t.same(swapped.tokenTypeIds.slice(-1 - short.length), short.map(() => 1).concat(1), 'its type ids are 1');
  t.throws(() => tok.encode(['a', 'b'], { maxLength: 2 }), /no room/);
});

t.test('batches are right-padded to the longest row with mask 0', async (t) => {
  const tok = await TextTokenizer.load(join(tinyBundle, 'ctx_encoder'));
  const batch = tok.encodeBatch(['memory', ['Paris', 'the city of Paris']]);
  const a = tok.encode('memory');
  const b = tok.encode(['Paris', 'the city of Paris']);
  t.equal(batch.width, b.ids.length);
  t.same(batch.ids[0], [...a.ids, ...new Array(b.ids.length - a.ids.length).fill(tok.padId)]);
  t.same(batch.attentionMask[0].filter((m) => m === 1).length, a.ids.length);
  t.same(batch.ids[1], b.ids);
  t.same(batch.tokenTypeIds[1], b.tokenTypeIds);
  t.equal(tok.padId, tok.tokenToId('[PAD]'));
});

t.test('byte-level BPE encodes and decodes as the Python toolchain does', async (t) => {
  const tok = await TextTokenizer.load(join(tinyBundle, 'generator'));
  for (const c of fx.tokenizer_cases.generator) {
    const enc = tok.encode(c.text, { maxLength: 1024 });
    t.same(enc.ids, c.ids, `ids of ${JSON.stringify(c.text)}`);
    // Byte-level BPE is lossless: with specials kept, decoding gives the text back between <s> and </s>.
    t.equal(tok.decode(enc.ids, false), `<s>${c.text}</s>`, 'round trip');
    const inner = enc.ids.slice(1, -1);
    if (!inner.some((id) => tok.isSpecial(id))) t.equal(tok.decode(enc.ids), c.text, 'decode drops <s> and </s>');
  }
  // The toolchain's decodings of generated tokens (specials skipped).
  for (const q of fx.questions) {
    for (const [name, out] of Object.entries(q.outputs)) t.equal(tok.decode(out.tokens), out.text, `${name} of "${q.query}"`);
  }
  t.equal(tok.decode([]), '');
  t.ok(tok.isSpecial(tok.tokenToId('</s>')!));
});
