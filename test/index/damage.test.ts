import t from 'tap';
import { asDamage, IndexDamageError } from '../../src/index/damage.js';

t.test('a content error becomes damage naming the file, on one line for logs and health', async (t) => {
  let parseError: unknown;
  try {
    JSON.parse('{\n  "segments": [\n    {"id": "a"\n  ],\n}');
  } catch (err) {
    parseError = err;
  }
  const damage = asDamage(parseError, 'versions/v1/manifest.json');
  t.ok(damage instanceof IndexDamageError);
  t.match((damage as Error).message, 'versions/v1/manifest.json');
  t.notMatch((damage as Error).message, /\n/, 'no line break');
});

t.test('a transient error is returned unchanged, to be retried', async (t) => {
  const busy = Object.assign(new Error('too many open files'), { code: 'EMFILE' });
  t.equal(asDamage(busy, 'x'), busy);
});
