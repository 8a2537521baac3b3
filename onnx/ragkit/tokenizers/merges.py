"""Learning BPE merges from word counts, shared by the byte-level BPE and the WordPiece trainers (Hugging Face's
WordPiece trainer is this same BPE learner with a `##` continuation prefix).

An incremental pair index keeps it fast: each pair's count and the set of words that hold it; a merge rewrites only
those words and updates the counts of the pairs it destroyed or created; a heap with lazy deletion finds the next
most frequent pair. Ties break on the pair's strings so the result does not depend on dictionary order."""
import heapq
from collections import defaultdict


def learn_merges(word_counts, n_new_tokens, join, min_frequency=2):
    """Learns merges from {tuple of symbols: count} until n_new_tokens distinct new tokens exist (or no pair occurs
    min_frequency times). `join(a, b)` builds the merged token's string. Returns (merges as (a, b) string pairs,
    new token strings in creation order)."""
    names, ids = [], {}

    def symbol_id(s):
        if s not in ids:
            ids[s] = len(names)
            names.append(s)
        return ids[s]

    words = [[symbol_id(s) for s in word] for word in word_counts]
    counts = list(word_counts.values())
    pair_counts, where = defaultdict(int), defaultdict(set)
    for i, word in enumerate(words):
        for pair in zip(word, word[1:]):
            pair_counts[pair] += counts[i]
            where[pair].add(i)
    heap = [(-c, names[a], names[b], a, b) for (a, b), c in pair_counts.items()]
    heapq.heapify(heap)
    known = set(names)
    merges, new_tokens = [], []
    while len(new_tokens) < n_new_tokens and heap:
        neg, sa, sb, a, b = heapq.heappop(heap)
        count = pair_counts.get((a, b), 0)
        if count != -neg:
            continue  # stale heap entry: the pair's count changed since it was pushed
        if count < min_frequency:
            break
        merged = join(sa, sb)
        m = symbol_id(merged)
        merges.append((sa, sb))
        if merged not in known:
            known.add(merged)
            new_tokens.append(merged)
        changed = set()
        for i in where.pop((a, b)):
            word = words[i]
            rewritten, j = [], 0
            while j < len(word):
                if j + 1 < len(word) and word[j] == a and word[j + 1] == b:
                    rewritten.append(m)
                    j += 2
                else:
                    rewritten.append(word[j])
                    j += 1
            if len(rewritten) == len(word):
                continue  # the word lost this pair to an earlier merge
            for pair in zip(word, word[1:]):
                pair_counts[pair] -= counts[i]
                changed.add(pair)
            for pair in zip(rewritten, rewritten[1:]):
                pair_counts[pair] += counts[i]
                where[pair].add(i)
                changed.add(pair)
            words[i] = rewritten
        pair_counts.pop((a, b), None)
        changed.discard((a, b))
        for pair in changed:
            c = pair_counts[pair]
            if c > 0:
                heapq.heappush(heap, (-c, names[pair[0]], names[pair[1]], pair[0], pair[1]))
            else:
                del pair_counts[pair]
    return merges, new_tokens
