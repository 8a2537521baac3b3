"""How RAG joins a retrieved passage and the question into one generator input (the paper's and Hugging Face's
`RagRetriever.postprocess_docs`): `title + title_sep + text + doc_sep + question`, runs of spaces collapsed.
The TypeScript engine builds the same string (src/generator/context-input.ts)."""
import re

TITLE_SEP = " / "
DOC_SEP = " // "


def join_context(title, text, question, title_sep=TITLE_SEP, doc_sep=DOC_SEP):
    """The generator's input text for one passage; the caller tokenizes and truncates it."""
    if title.startswith('"'):
        title = title[1:]
    if title.endswith('"'):
        title = title[:-1]
    joined = title + title_sep + text + doc_sep + question
    return re.sub(r" +", " ", joined).strip()
