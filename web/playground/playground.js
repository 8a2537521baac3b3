// The playground: a page over the service's own routes (POST /answer, POST /jeopardy, GET /index, PUT /index and
// GET /index/jobs/:id), with no build step and nothing fetched from elsewhere.

// Light backgrounds that keep dark text readable; document i of the answer gets colour i (cycling past ten).
const PALETTE = ['#ffd8a8', '#b2f2bb', '#a5d8ff', '#fcc2d7', '#d0bfff', '#ffec99', '#99e9f2', '#ffc9c9', '#c0eb75', '#e9ecef'];
const colourOf = (doc) => PALETTE[doc % PALETTE.length];

const $ = (id) => document.getElementById(id);

/** A new element with its properties (`style` as an object of CSS properties, which the page's CSP allows). */
function element(tag, { style = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.style, style);
  node.append(...children);
  return node;
}

function percent(x) {
  return `${(100 * x).toFixed(x >= 0.995 || x < 0.005 ? 0 : 1)}%`;
}

/** The index of the largest weight. */
function argmax(weights) {
  return weights.reduce((best, w, i) => (w > weights[best] ? i : best), 0);
}

/** A response's error as one readable line: the API's {"error": {"code", "message"}}, else the status. */
async function errorLine(response) {
  try {
    const body = await response.json();
    if (body?.error?.message) return `${response.status}: ${body.error.message}`;
  } catch { /* not JSON */ }
  return `${response.status} ${response.statusText}`;
}

function readOptions(form) {
  const data = new FormData(form);
  const number = (name) => Number(data.get(name));
  return {
    task: data.get('task'),
    query: String(data.get('query')).trim(),
    options: { mode: data.get('mode'), n_docs: number('n_docs'), num_beams: number('num_beams'), max_new_tokens: number('max_new_tokens') },
    // Unset leaves the choice to the model bundle (the embedded default copies its answers).
    extractive: data.get('extractive') ? { extractive: data.get('extractive') === 'true' } : {},
  };
}

/** One span per generated token, coloured by the document its posterior favours, the numbers in its tooltip. */
function tokenSpans(tokens) {
  return tokens.map((token) => {
    const doc = argmax(token.doc_weights);
    const detail = token.doc_weights.map((w, i) => `doc ${i + 1}: ${percent(w)}`).join(', ');
    return element('span', {
      className: 'token', tabIndex: 0, title: detail, textContent: token.text,
      style: { background: colourOf(doc) },
      ariaLabel: `${token.text.trim()}: mostly from document ${doc + 1} (${detail})`,
    });
  });
}

/** The passage text with the answer's spans in it marked. */
function markedText(text, spans) {
  const parts = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    parts.push(text.slice(at, span.start), element('mark', { textContent: text.slice(span.start, span.end) }));
    at = span.end;
  }
  parts.push(text.slice(at));
  return parts;
}

function documentItem(doc, i, spans) {
  const bar = element('span', { className: 'bar', style: { width: percent(doc.weight), background: colourOf(i) } });
  return element('li', { className: 'document' },
    element('div', { className: 'doc-head' },
      element('span', { className: 'swatch', style: { background: colourOf(i) }, ariaHidden: 'true' }),
      element('strong', { textContent: doc.title || doc.doc_id }),
      element('span', { className: 'weight', textContent: ` ${percent(doc.weight)}` })),
    element('div', { className: 'weight-bar', role: 'img', ariaLabel: `weight ${percent(doc.weight)}` }, bar),
    element('p', { className: 'doc-text' }, ...markedText(doc.text, spans.filter((s) => s.document === i && s.field === 'text'))));
}

function showResult(task, body) {
  const text = task === 'answer' ? body.answer : body.question;
  const shown = body.abstained ? ['No answer: the model is not sure enough.'] : body.tokens?.length ? tokenSpans(body.tokens) : [text || '(empty)'];
  $('answer').replaceChildren(...shown);
  $('answer').dataset.text = text ?? '';
  const confidence = $('confidence');
  confidence.hidden = typeof body.confidence !== 'number';
  if (!confidence.hidden) confidence.textContent = `Confidence ${percent(body.confidence)}${body.abstained ? ' (abstained)' : ''}`;
  const t = body.timings_ms;
  $('timings').textContent = `${body.mode === 'sequence' ? 'RAG-Sequence' : 'RAG-Token'} · retrieval ${t.retrieve.toFixed(0)} ms · `
    + `generation ${t.generate.toFixed(0)} ms · index ${body.index_version}`;
  $('documents').replaceChildren(...body.documents.map((doc, i) => documentItem(doc, i, body.answer_spans ?? [])));
  $('result').hidden = false;
}

async function ask(event) {
  event.preventDefault();
  const form = event.target;
  const { task, query, options, extractive } = readOptions(form);
  if (!query) return;
  const body = task === 'answer' ? { question: query, ...options, ...extractive, explain: true } : { answer: query, ...options };
  $('status').textContent = 'Thinking…';
  $('ask-button').disabled = true;
  try {
    const response = await fetch(`/${task}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    if (!response.ok) {
      $('status').textContent = await errorLine(response);
      return;
    }
    showResult(task, await response.json());
    $('status').textContent = '';
  } catch (err) {
    $('status').textContent = `The service did not answer: ${err.message}`;
  } finally {
    $('ask-button').disabled = false;
  }
}

async function refreshIndex() {
  const response = await fetch('/index').catch(() => null);
  if (!response?.ok) {
    $('index-info').replaceChildren(element('dt', { textContent: 'State' }),
      element('dd', { textContent: response ? await errorLine(response) : 'unreachable' }));
    return;
  }
  const d = await response.json();
  const rows = [['Version', d.version], ['Documents', d.documents], ['Passages', d.passages], ['Index', d.index_type],
    ['Built', new Date(d.built_at).toLocaleString()], ['Device', d.device ?? '']];
  $('index-info').replaceChildren(...rows.flatMap(([k, v]) => [element('dt', { textContent: k }), element('dd', { textContent: String(v) })]));
  $('index-degraded').hidden = !d.degraded;
  $('index-degraded').textContent = d.degraded ? `Degraded: ${d.degraded}` : '';
}

/** Polls a build job until it ends, showing its progress. */
async function followJob(statusUrl) {
  const progress = $('build-progress');
  progress.hidden = false;
  for (;;) {
    const job = await (await fetch(statusUrl)).json();
    const { done, total } = job.progress;
    progress.max = Math.max(total, 1);
    progress.value = done;
    $('build').textContent = `Build ${job.state}: ${done} of ${total} passages embedded`;
    if (job.state === 'succeeded' || job.state === 'failed') {
      if (job.error) $('build').textContent += ` (${job.error})`;
      await refreshIndex();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function replaceCorpus(event) {
  event.preventDefault();
  const data = new FormData(event.target);
  $('build').textContent = 'Uploading…';
  const response = await fetch('/index', {
    method: 'PUT',
    headers: { authorization: `Bearer ${data.get('token')}`, 'content-type': 'application/x-ndjson' },
    body: String(data.get('corpus')).trim() + '\n',
  });
  if (response.status !== 202) {
    $('build').textContent = await errorLine(response);
    return;
  }
  await followJob((await response.json()).status_url);
}

/** Enter asks, Shift+Enter adds a line, as in a chat box. */
function submitOnEnter(event) {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    event.target.form.requestSubmit();
  }
}

function labelTask() {
  const jeopardy = document.querySelector('input[name=task]:checked').value === 'jeopardy';
  $('query-label').textContent = jeopardy ? 'Answer' : 'Question';
  $('query').placeholder = jeopardy ? 'File Transfer Protocol' : 'What does FTP stand for?';
}

$('ask').addEventListener('submit', ask);
$('query').addEventListener('keydown', submitOnEnter);
document.querySelectorAll('input[name=task]').forEach((radio) => radio.addEventListener('change', labelTask));
$('replace-form').addEventListener('submit', replaceCorpus);
void refreshIndex();
