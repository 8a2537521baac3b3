"""Split documents into retrieval passages; the TypeScript index builder mirrors this rule exactly:

    words = text.split()            # split on any run of whitespace (Python str.split() with no argument;
                                    # in TypeScript: text.split(/\\s+/).filter(w => w.length > 0))
    chunk n = words[100*n : 100*(n+1)] for n = 0, 1, ... while the chunk is non-empty
    passage = {"id": f"{doc_id}-p{n}", "doc_id": doc_id, "title": doc title, "text": " ".join(chunk)}

A document with no words yields no passage. Passage text is the words joined by single spaces, so any answer
that is a run of whole words of the passage appears in it verbatim.
"""

PASSAGE_WORDS = 100  # at most this many whitespace-separated words per passage


def split_document(doc, max_words=PASSAGE_WORDS):
    """Returns the passages of one document {"id", "title", "text"} under the rule above."""
    assert max_words > 0, f"max_words must be positive, got {max_words}"
    words = doc["text"].split()
    return [
        {"id": f"{doc['id']}-p{n}", "doc_id": doc["id"], "title": doc["title"],
         "text": " ".join(words[start:start + max_words])}
        for n, start in enumerate(range(0, len(words), max_words))
    ]


def split_corpus(docs, max_words=PASSAGE_WORDS):
    """Returns the passages of all documents, in document order."""
    return [p for doc in docs for p in split_document(doc, max_words)]
