"""Batched greedy decoding for evaluation during training (the reference decoding with beams and documents is
`ragkit.rag_reference`; this one is only fast). It applies the exported bundle's processors, so that dev exact match
during training is what the service would answer: decoder start token, forced `<s>`, no `<s>` after `<s>`
(`bad_words_ids` [[0, 0]]), argmax until `</s>`, which is forced at the last position."""
import torch

from ..train.common import pad_batch


def _process(scores, previous, step, max_new_tokens, bos_id, eos_id):
    scores = scores.clone()
    scores[previous.eq(bos_id), bos_id] = float("-inf")
    if step == max_new_tokens:
        forced = torch.full_like(scores, float("-inf"))
        forced[:, eos_id] = 0
        scores = forced
    return scores


def greedy_generate(model, input_ids, attention_mask, max_new_tokens=32, start_id=2, bos_id=0, eos_id=2):
    """One passage per row: RAG-Token greedy over a single document of weight 1 is plain greedy decoding.
    Returns one list of generated ids per row, without the start, `<s>` and `</s>` tokens."""
    one_doc = torch.zeros((input_ids.shape[0], 1))
    return rag_token_greedy(model, input_ids, attention_mask, one_doc, max_new_tokens, start_id, bos_id, eos_id)


def greedy_answers(tokenizer, model, sources, batch_size=32):
    """Greedy answer texts for tokenized sources (one passage each), in batches."""
    answers = []
    for i in range(0, len(sources), batch_size):
        ids, mask = pad_batch(sources[i : i + batch_size], tokenizer.token_to_id("<pad>"))
        answers += [tokenizer.decode(out).strip() for out in greedy_generate(model, ids, mask)]
    return answers


@torch.no_grad()
def rag_token_greedy(model, input_ids, attention_mask, doc_logprobs, max_new_tokens=32, start_id=2, bos_id=0,
                     eos_id=2):
    """RAG-Token greedy decoding for B questions x K documents (rows question-major, `b*K + k`): at each step the
    per-document token distributions are mixed by the document weights, and one token is chosen per question."""
    model.eval()
    batch, k = doc_logprobs.shape
    hidden = model.encode(input_ids, attention_mask)
    device = input_ids.device
    tokens = torch.full((batch * k, 1), start_id, dtype=torch.long, device=device)
    past, out = None, [[] for _ in range(batch)]
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    for step in range(max_new_tokens + 1):
        logits, past = model.decode(tokens[:, -1:], hidden, attention_mask, past_key_values=past, use_cache=True)
        if step == 0:
            nxt = torch.full((batch,), bos_id, dtype=torch.long, device=device)
        else:
            logp = torch.log_softmax(logits[:, -1].float(), -1).view(batch, k, -1)
            mixed = torch.logsumexp(logp + doc_logprobs[:, :, None], dim=1)
            nxt = _process(mixed, tokens[::k, -1], step, max_new_tokens, bos_id, eos_id).argmax(-1)
            for i in range(batch):
                if not done[i] and nxt[i].item() != eos_id:
                    out[i].append(nxt[i].item())
            done |= nxt.eq(eos_id)
            if done.all():
                break
        tokens = torch.cat([tokens, nxt.repeat_interleave(k)[:, None]], dim=1)
    return out
