"""A bundle's models and inputs as fine-tuning uses them: the question encoder and the generator (trained), the
tokenizers, and the bundle's own rag_config (separators, task prefix, input length), so that questions and
generator inputs are built as the service builds them (src/onnx/dpr-encoder.ts, src/generator/context-input.ts).
Also the dev measurement: exact match of greedy decoding and recall of the top-K retrieved passages."""
import json
import os

import torch

from ..eval.generate import rag_token_greedy
from ..eval.metrics import exact_match, normalize_answer
from ..models.bart import BartConfig, BartForConditionalGeneration
from ..models.dpr import DprConfig, DprEncoder
from ..rag_inputs import windowed
from ..rag_reference import generator_inputs
from ..tokenizers import load_tokenizer
from ..train.common import pad_batch
from ..train.rag_loss import doc_scores, rag_nll_sum, teacher_forced_logits
from ..train.train_dpr import TextEncoder

SERVICE_MAX_TOKENS = 512  # the service's default encoder length when tokenizer_config.json names none


def encoder_max_length(folder, config):
    """The service's DPR input length: tokenizer_config.json's model_max_length (else 512), at most the model's
    positions (src/onnx/dpr-encoder.ts)."""
    path = os.path.join(folder, "tokenizer_config.json")
    limit = SERVICE_MAX_TOKENS
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            value = json.load(f).get("model_max_length")
        if isinstance(value, int) and 0 < value < 1_000_000:
            limit = value
    return min(limit, config.max_position_embeddings)


def build_models(source):
    """(question encoder, ctx encoder, generator) from the state dicts and configs of `source.pt`."""
    dpr_config = DprConfig.from_dict(source["dpr_config"])
    q_enc, ctx = DprEncoder(dpr_config, "question"), DprEncoder(DprConfig.from_dict(source["ctx_config"]), "ctx")
    q_enc.load_state_dict(source["question_encoder"])
    ctx.load_state_dict(source["ctx_encoder"])
    generator = BartForConditionalGeneration(BartConfig.from_dict(source["generator_config"]))
    generator.load_state_dict(source["generator"])
    return q_enc, ctx, generator


class Reader:
    """The trainable models over one bundle's tokenizers and settings, and the corpus's passages."""

    def __init__(self, bundle, q_enc, generator, passages, n_docs, max_target, device="cpu"):
        with open(os.path.join(bundle, "rag_config.json"), encoding="utf-8") as f:
            self.rag_config = json.load(f)
        self.q_enc, self.generator, self.passages = q_enc, generator, passages
        self.n_docs, self.max_target, self.device = n_docs, max_target, torch.device(device)
        folder = os.path.join(bundle, "question_encoder")
        self.q_text = TextEncoder(load_tokenizer(os.path.join(folder, "tokenizer.json")),
                                  encoder_max_length(folder, q_enc.config))
        self.gen_tok = load_tokenizer(os.path.join(bundle, "generator", "tokenizer.json"))
        self.pad_id = generator.config.pad_token_id

    def encode(self, questions):
        return self.q_enc(*self._on_device(self.q_text.batch(questions)))

    def _on_device(self, tensors):
        return tuple(t.to(self.device) for t in tensors)

    def sources(self, questions, ids):
        """Generator inputs [B*K, S] (rows question-major) of each question with its retrieved passages."""
        c = self.rag_config
        window = c["tasks"]["answer"].get("window_words")
        rows = [row for question, top in zip(questions, ids.tolist())
                for row in generator_inputs(self.gen_tok, windowed([self.passages[j] for j in top], question, window),
                                            question, c["max_combined_length"], c["tasks"]["answer"]["prefix"],
                                            c["title_sep"], c["doc_sep"])]
        return self._on_device(pad_batch(rows, self.pad_id))

    def targets(self, answers):
        """`<s> answer </s>` ids [B, T] and their mask."""
        return self._on_device(pad_batch([self.gen_tok.encode(a, max_length=self.max_target) for a in answers],
                                         self.pad_id))

    def nll_sum(self, questions, answers, index, mode):
        """(summed NLL, target tokens) of a batch, retrieving with the current question encoder from `index`."""
        qv = self.encode(questions).float()  # searched and scored in float32 under bf16 autocast too
        ids, vectors = index.search(qv, self.n_docs)
        src, src_mask = self.sources(questions, ids)
        labels, label_mask = self.targets(answers)
        logits = teacher_forced_logits(self.generator, src, src_mask, labels, self.n_docs).float()
        return rag_nll_sum(logits, labels, label_mask, torch.log_softmax(doc_scores(qv, vectors), -1), mode)

    def generate(self, src, src_mask, doc_logprobs, mode, max_new_tokens):
        """Greedy answers: RAG-Token marginalizes each step over the passages; RAG-Sequence decodes each passage
        greedily and keeps the candidate of highest p(y|x) = sum_k p(z_k|x) p(y|x,z_k) over all K passages.
        `max_new_tokens` counts as the service counts it (docs/DECODING.md: the forced <s> and </s> included)."""
        cfg = self.generator.config
        ids = dict(start_id=cfg.decoder_start_token_id, bos_id=cfg.bos_token_id, eos_id=cfg.eos_token_id)
        max_new_tokens -= 1  # NOTE: rag_token_greedy's count starts after the forced <s>
        if mode == "token":
            return rag_token_greedy(self.generator, src, src_mask, doc_logprobs, max_new_tokens, **ids)
        batch, k = doc_logprobs.shape
        per_doc = rag_token_greedy(self.generator, src, src_mask, torch.zeros(batch * k, 1, device=self.device),
                                   max_new_tokens, **ids)
        best = []
        for b in range(batch):
            candidates = list({tuple(c): None for c in per_doc[b * k:(b + 1) * k]})
            rows = slice(b * k, (b + 1) * k)
            nll = []
            for c in candidates:
                labels = torch.tensor([[cfg.bos_token_id, *c, cfg.eos_token_id]], device=self.device)
                logits = teacher_forced_logits(self.generator, src[rows], src_mask[rows], labels, k)
                nll.append(rag_nll_sum(logits, labels, torch.ones_like(labels), doc_logprobs[b:b + 1],
                                       "sequence")[0].item())
            best.append(list(candidates[min(range(len(nll)), key=nll.__getitem__)]))
        return best

    @torch.no_grad()
    def evaluate(self, items, index, mode, max_new_tokens, batch=16):
        """{"exact_match", "recall@K"} on question items. Recall: the item's doc_id among the retrieved passages'
        documents when it names one, else any answer (normalized) inside a retrieved passage."""
        self.q_enc.eval()
        self.generator.eval()
        em = hits = 0.0
        for i in range(0, len(items), batch):
            chunk = items[i:i + batch]
            questions = [q["question"] for q in chunk]
            qv = self.encode(questions)
            ids, vectors = index.search(qv, self.n_docs)
            for q, top in zip(chunk, ids.tolist()):
                found = [self.passages[j] for j in top]
                if "doc_id" in q:
                    hits += any(p["doc_id"] == q["doc_id"] for p in found)
                else:
                    texts = [f' {normalize_answer(p["title"] + " " + p["text"])} ' for p in found]
                    hits += any(f" {normalize_answer(a)} " in t for a in q["answers"] for t in texts)
            src, src_mask = self.sources(questions, ids)
            outs = self.generate(src, src_mask, torch.log_softmax(doc_scores(qv, vectors), -1), mode, max_new_tokens)
            em += sum(exact_match(self.gen_tok.decode(o).strip(), q["answers"]) for q, o in zip(chunk, outs))
        self.q_enc.train()
        self.generator.train()
        return {"exact_match": em / len(items), f"recall@{self.n_docs}": hits / len(items)}
