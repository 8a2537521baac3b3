import { readFileSync } from 'node:fs';
import t from 'tap';
import { readerWindow } from '../../src/generator/reader-window.js';

const words = (n: number, prefix = 'w') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

t.test('a passage no longer than the window is read whole', async (t) => {
  const text = 'Crew:  142 and   more';
  t.equal(readerWindow(text, 'How many crew?', 4), text);
});

t.test('the window holds the question\'s words, however far into the passage they stand', async (t) => {
  const text = [...words(60), 'Crew:', '142', ...words(30, 'x')].join(' ');
  const window = readerWindow(text, 'How many crew members did the ship carry?', 20);
  t.equal(window.split(' ').length, 20);
  t.match(window, /Crew: 142/);
});

t.test('of equal windows the earliest is read, and words that begin alike count as one', async (t) => {
  const text = words(100).join(' ');
  t.equal(readerWindow(text, 'What is it?', 10), words(10).join(' '));
  const launched = [...words(50), 'Launched', '1909', ...words(48, 'y')].join(' ');
  t.match(readerWindow(launched, 'When was the launch?', 12), /Launched 1909/);
});

t.test('the last window ends with the passage', async (t) => {
  const text = [...words(97), 'Fate:', 'scrapped', 'Bellhaven'].join(' ');
  t.equal(readerWindow(text, 'What was the fate of it?', 8), [...words(97).slice(-5), 'Fate:', 'scrapped', 'Bellhaven'].join(' '));
});

t.test('the toolchain\'s reader_window (onnx/ragkit/rag_inputs.py) chooses what these cases record', async (t) => {
  const cases = JSON.parse(readFileSync(new URL('./reader-windows.json', import.meta.url), 'utf8')) as
    { text: string; question: string; size: number; window: string }[];
  t.ok(cases.length >= 20);
  for (const c of cases) t.equal(readerWindow(c.text, c.question, c.size), c.window, c.question);
});
