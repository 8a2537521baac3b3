"""Hard negatives mined with the model being trained (Xiong et al. 2020, ANCE): the passages the current encoders
rank highest for a query, other than its own document's. The lexical negatives of dpr_examples stop teaching once
the model separates them; mined ones are the confusions it still makes (measured before this: dev recall@5 flat at
~65% from step 400 to 1000, acronym questions answered by look-alike entries). The passage vectors are refreshed
every `refresh_every` steps rather than every step (ANCE's asynchronous index, at the scale of one CPU core)."""
import numpy as np
import torch


class NegativeMiner:
    def __init__(self, passages, embed, refresh_every, depth=30, pick_from=8):
        self.passages, self.embed = passages, embed
        self.refresh_every, self.depth, self.pick_from = refresh_every, depth, pick_from
        self.vectors, self.refreshed_at = None, None

    def maybe_refresh(self, step):
        if self.vectors is None or step - self.refreshed_at >= self.refresh_every:
            self.vectors, self.refreshed_at = self.embed(self.passages), step

    def candidates(self, example, ranked):
        """Top-ranked passages that are neither the query's document nor contain what answers it."""
        reveals = (example.reveals or "").lower()
        out = []
        for j in ranked:
            p = self.passages[j]
            if p["doc_id"] == example.positive["doc_id"]:
                continue
            if reveals and (reveals in p["text"].lower() or reveals == p["title"].lower()):
                continue
            out.append(p)
            if len(out) == self.pick_from:
                break
        return out

    def replace(self, examples, query_vectors, rng, share):
        """The examples with `share` of their negatives swapped for mined ones (the rest keep lexical negatives)."""
        scores = query_vectors @ self.vectors.T
        ranked = np.argsort(-scores, axis=1)[:, : self.depth]
        out = []
        for example, row in zip(examples, ranked):
            pool = self.candidates(example, row) if rng.random() < share else []
            out.append(example._replace(negative=rng.choice(pool)) if pool else example)
        return out


def encode_queries(q_enc, q_text, queries):
    """Query vectors [n, d] without gradients and with dropout off; the encoder is left in the mode it was in."""
    training = q_enc.training
    q_enc.eval()
    with torch.no_grad():
        out = q_enc(*q_text.batch(queries)).numpy()
    q_enc.train(training)
    return out
