import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TextTokenizer } from '../../src/tokenizer/tokenizer.js';

const bundle = fileURLToPath(new URL('../onnx/fixtures/tiny-bundle/', import.meta.url));
type Case = { text: string; pair: string | null; ids: number[]; type_ids?: number[]; decoded: string };
const expected = JSON.parse(readFileSync(`${bundle}/expected.json`, 'utf8')) as {
  config: { max_length: number };
  encoders: Record<string, { cases: Case[] }>;
  tokenizers: { generator: Case[] };
};
const input = (c: Case) => (c.pair === null ? c.text : ([c.text, c.pair] as const));

t.test('WordPiece encodes texts and pairs as the Python toolchain does, truncating longest first', async (t) => {
  const tok = await TextTokenizer.load(`${bundle}/ctx_encoder`);
  t.equal(tok.maxLength, expected.config.max_length, 'model_max_length comes from tokenizer_config.json');
  for (const c of expected.encoders.ctx_encoder.cases) {
    const enc = tok.encode(input(c));
    t.same(enc.ids, c.ids, `ids of ${JSON.stringify(c.text.slice(0, 30))}`);
    t.same(enc.tokenTypeIds, c.type_ids, 'token type ids');
    t.same(enc.attentionMask, c.ids.map(() => 1), 'attention mask');
    t.equal(tok.decode(enc.ids), c.decoded, 'decode drops specials');
  }
});

t.test('truncation keeps the final special token', async (t) => {
  const tok = await TextTokenizer.load(`${bundle}/question_encoder/tokenizer.json`);
  const sep = tok.tokenToId('[SEP]')!;
  const enc = tok.encode('the '.repeat(50), { maxLength: 7 });
  t.equal(enc.ids.length, 7);
  t.equal(enc.ids[6], sep);
  t.equal(enc.ids[0], tok.tokenToId('[CLS]'));
  const pair = tok.encode(['short', 'the '.repeat(50)], { maxLength: 9 });
  t.equal(pair.ids.length, 9);
  t.equal(pair.ids.filter((id) => id === sep).length, 2, 'both [SEP] kept');
  t.throws(() => tok.encode(['a', 'b'], { maxLength: 2 }), /no room/);
});

t.test('batches are right-padded to the longest row with mask 0', async (t) => {
  const tok = await TextTokenizer.load(`${bundle}/ctx_encoder`);
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
  const tok = await TextTokenizer.load(`${bundle}/generator`);
  for (const c of expected.tokenizers.generator) {
    const enc = tok.encode(input(c), { maxLength: 1024 });
    t.same(enc.ids, c.ids, `ids of ${JSON.stringify(c.text)}`);
    t.equal(tok.decode(enc.ids), c.decoded, 'round trip');
  }
  t.equal(tok.decode([]), '');
  t.ok(tok.isSpecial(tok.tokenToId('</s>')!));
});
