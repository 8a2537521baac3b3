// Encodes strings with @huggingface/tokenizers (pure JS, as the service uses) so that the Python encoders can be
// compared with it. Reads {"dir": folder with tokenizer.json + tokenizer_config.json, "cases": [{text, pair?}],
// "decode": [[ids...]]} as JSON on stdin; writes {"encodings": [{ids, token_type_ids}], "decoded": [text]}.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const request = JSON.parse(readFileSync(0, "utf8"));
const readJson = (name) => JSON.parse(readFileSync(join(request.dir, name), "utf8"));
const tokenizer = new Tokenizer(readJson("tokenizer.json"), readJson("tokenizer_config.json"));
const encodings = request.cases.map(({ text, pair }) => {
  const e = tokenizer.encode(text, { text_pair: pair ?? null, return_token_type_ids: true });
  return { ids: e.ids, token_type_ids: e.token_type_ids ?? null };
});
const decoded = (request.decode ?? []).map((ids) => tokenizer.decode(ids, { skip_special_tokens: true }));
process.stdout.write(JSON.stringify({ encodings, decoded }));
