/**
 * The top-level folders of src/ depend on one another in one direction only: shared types at the bottom, then the
 * runtimes (onnx, tokenizer), the generator, the models, the retriever, the index, the engine and HTTP. A cycle
 * between two folders means neither can be read, tested or replaced without the other.
 */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cycles, describeCycle, folderEdges } from './folder-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

t.test('no two top-level folders of src/ import each other, directly or through others', async (t) => {
  const edges = folderEdges(SRC);
  t.ok(edges.some((e) => e.from === 'index/' && e.to === 'retriever/'), 'the graph sees the imports between folders');
  const found = cycles(edges);
  t.same(found, [], found.map((group) => describeCycle(group, edges)).join('\n\n'));
});

t.test('the checker finds a cycle through three folders, a re-export and a type-only import', async (t) => {
  const root = t.testdir({
    'a': { 'one.ts': "import type { B } from '../b/two.js';\nexport type A = B;\n" },
    'b': { 'two.ts': "export { C as B } from '../c/three.js';\n" },
    'c': { 'three.ts': "// import '../b/two.js' in a comment is not an import\nexport type C = string;\n" },
    'top.ts': "import '../elsewhere/outside.js';\nimport { A } from './a/one.js';\n",
  });
  t.same(cycles(folderEdges(root)), [], 'a chain is not a cycle');
  mkdirSync(join(root, 'c', 'deep'));
  writeFileSync(join(root, 'c', 'deep', 'four.ts'), "const later = () => import('../../a/one.js');\n");
  const edges = folderEdges(root);
  t.same(cycles(edges), [['a/', 'b/', 'c/']]);
  t.match(describeCycle(['a/', 'b/', 'c/'], edges), 'c/deep/four.ts -> a/one.ts');
});
