import t from 'tap';
import { joinContext } from '../../src/generator/context-input.js';

t.test('joinContext puts title, passage and question behind the separators', async (t) => {
  t.equal(joinContext('Python', 'A language.', 'who made it?'), 'Python / A language. // who made it?');
});

t.test('joinContext drops the quotes around a title and collapses runs of spaces', async (t) => {
  t.equal(joinContext('"Lisp"', 'An  old   language. ', ' when?'), 'Lisp / An old language. // when?');
});

t.test('joinContext takes the separators of the bundle', async (t) => {
  t.equal(joinContext('T', 'x', 'q', ' | ', ' || '), 'T | x || q');
});
