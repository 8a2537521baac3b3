"""A key/value-cached stand-in for `rag_reference.ModelScorer`, for evaluating whole test splits in minutes: the
reference scorer re-runs the decoder over every prefix, and beam search and RAG-Sequence's rescoring ask for the
same prefixes many times. Its logits equal ModelScorer's to float noise (tests/test_evaluate.py)."""
import torch

from .rag_reference import ModelScorer


class CachedScorer(ModelScorer):
    """rag_reference's scorer with a key/value cache: a prefix whose parent prefix was scored before decodes one
    token against the parent's cached self-attention keys/values; repeated prefixes are looked up. Beam search
    and RAG-Sequence's teacher-forced rescoring ask for the same prefixes many times."""

    def __init__(self, model, input_ids, pad_token_id):
        super().__init__(model, input_ids, pad_token_id)
        self.cache, self.cross = {}, {}  # (ctx, prefix) -> (logits [V], [(k, v)] per layer); ctx -> [(k, v)]

    def _store(self, contexts, prefixes, logits, present):
        for r, (c, p) in enumerate(zip(contexts, prefixes)):
            self.cross.setdefault(c, [(layer[2][r], layer[3][r]) for layer in present])
            self.cache[(c, tuple(p))] = (logits[r, -1], [(layer[0][r], layer[1][r]) for layer in present])

    @torch.no_grad()
    def __call__(self, contexts, prefixes):
        keys = [(c, tuple(p)) for c, p in zip(contexts, prefixes)]
        todo = [r for r, key in enumerate(keys) if key not in self.cache]
        step = [r for r in todo if (keys[r][0], keys[r][1][:-1]) in self.cache and keys[r][0] in self.cross]
        full = [r for r in todo if r not in step]
        if full:
            ctx = torch.tensor([contexts[r] for r in full])
            logits, present = self.model.decode(torch.tensor([prefixes[r] for r in full]), self.hidden[ctx],
                                                self.mask[ctx], use_cache=True)
            self._store([contexts[r] for r in full], [prefixes[r] for r in full], logits, present)
        if step:
            parents = [self.cache[(keys[r][0], keys[r][1][:-1])][1] for r in step]
            past = tuple((torch.stack([p[i][0] for p in parents]), torch.stack([p[i][1] for p in parents]),
                          torch.stack([self.cross[contexts[r]][i][0] for r in step]),
                          torch.stack([self.cross[contexts[r]][i][1] for r in step]))
                         for i in range(len(parents[0])))
            ctx = torch.tensor([contexts[r] for r in step])
            logits, present = self.model.decode(torch.tensor([[prefixes[r][-1]] for r in step]), self.hidden[ctx],
                                                self.mask[ctx], past_key_values=past, use_cache=True)
            self._store([contexts[r] for r in step], [prefixes[r] for r in step], logits, present)
        return torch.stack([self.cache[key][0] for key in keys])
