// Loads an exported generator folder with @huggingface/transformers (remote loading off) and greedy-decodes, to
// prove that the bundle's generator/ is the layout the Hugging Face ecosystem reads.
//
// Usage: node onnx/tools/transformers-generate.mjs request.json
// request: {"model_dir": "/abs/bundle/generator", "texts": ["..."], "max_new_tokens": 8}
// prints:  {"results": [{"input_ids": [...], "output_ids": [...]}]}  (output_ids start with the decoder start token)
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AutoModelForSeq2SeqLM, AutoTokenizer, env } from '@huggingface/transformers';

const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = dirname(request.model_dir) + '/';
const id = basename(request.model_dir);
const tokenizer = await AutoTokenizer.from_pretrained(id);
const model = await AutoModelForSeq2SeqLM.from_pretrained(id, { dtype: 'fp32', device: 'cpu' });
const results = [];
for (const text of request.texts) {
  // one text at a time: no padding, so the comparison does not depend on the padding side
  const inputs = tokenizer(text);
  const out = await model.generate({
    ...inputs, max_new_tokens: request.max_new_tokens, num_beams: 1, do_sample: false,
  });
  results.push({
    input_ids: Array.from(inputs.input_ids.data, Number),
    output_ids: Array.from(out.data, Number),
  });
}
await model.dispose();
console.log(JSON.stringify({ results }));
