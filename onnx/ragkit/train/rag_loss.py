"""Joint RAG training's pieces (the paper's sections 2.1-2.4), shared by the embedded default's tool
(`train_rag.py`) and the users' command (`ragkit.finetune`): retrieval of the top-K passages from fixed passage
vectors, the differentiable document scores, and the RAG-Token and RAG-Sequence losses marginalized over them.

The gradient reaches the question encoder only through the document scores: the search itself (top-K) is not
differentiable and the passage vectors are fixed, as in the paper."""
import torch

MODES = ("token", "sequence")


@torch.no_grad()
def top_k(question_vectors, passage_vectors, k):
    """Indices [B, k] of the k passages of highest inner product per question, best first."""
    return torch.topk(question_vectors.detach() @ passage_vectors.T, k, dim=1).indices


def doc_scores(question_vectors, doc_vectors):
    """Inner products [B, K] of each question with its retrieved passages' vectors [B, K, D] (differentiable in
    the questions' vectors)."""
    assert doc_vectors.dim() == 3 and doc_vectors.shape[0] == question_vectors.shape[0], \
        f"doc_vectors {tuple(doc_vectors.shape)} for {tuple(question_vectors.shape)} questions"
    return (question_vectors[:, None, :] * doc_vectors).sum(-1)


def teacher_forced_logits(generator, sources, source_mask, labels, n_docs):
    """Generator logits [B*K, T, V] for labels [B, T] (`<s> answer </s>`) behind the decoder start token, each
    question's target repeated for its K passages (rows question-major, `b*K + k`, as `sources`)."""
    start = torch.full((labels.shape[0], 1), generator.config.decoder_start_token_id, dtype=torch.long,
                       device=labels.device)
    decoder_in = torch.cat([start, labels[:, :-1]], dim=1)
    return generator(sources, source_mask, decoder_in.repeat_interleave(n_docs, 0))


def rag_nll_sum(logits, labels, label_mask, doc_logprobs, mode="token"):
    """(summed negative log-likelihood, number of target tokens) of a batch: divide the first by the second for the
    mean per token, or, in data-parallel training, by the token count of the whole batch over all processes.

    token:    -sum_i log sum_k p(z_k|x) p(y_i|x,z_k,y_<i)
    sequence: -log sum_k p(z_k|x) prod_i p(y_i|x,z_k,y_<i)
    NOTE: logits are [B*K, T, V] with rows question-major; labels and label_mask [B, T]; doc_logprobs [B, K]."""
    assert mode in MODES, f"mode must be one of {MODES}, got {mode!r}"
    batch, k = doc_logprobs.shape
    assert logits.shape[0] == batch * k, f"logits rows {logits.shape[0]} for {batch} questions x {k} passages"
    mask = label_mask.float()
    token_logp = torch.log_softmax(logits, -1).gather(-1, labels.repeat_interleave(k, 0)[..., None]).squeeze(-1)
    token_logp = token_logp.view(batch, k, -1)
    if mode == "token":
        mixed = torch.logsumexp(token_logp + doc_logprobs[:, :, None], dim=1)
        total = -(mixed * mask).sum()
    else:
        per_doc = (token_logp * mask[:, None, :]).sum(-1) + doc_logprobs
        total = -torch.logsumexp(per_doc, dim=1).sum()
    return total, mask.sum()


def rag_nll(logits, labels, label_mask, doc_logprobs, mode="token"):
    """The mean negative log-likelihood per target token (see rag_nll_sum)."""
    total, tokens = rag_nll_sum(logits, labels, label_mask, doc_logprobs, mode)
    return total / tokens
