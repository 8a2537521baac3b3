/**
 * How RAG joins a retrieved passage and the question into one generator input, exactly as the toolchain's
 * `onnx/ragkit/rag_inputs.py` (and Hugging Face's `RagRetriever.postprocess_docs`) do:
 * `title + titleSep + text + docSep + question`, surrounding quotes of the title dropped, runs of spaces collapsed.
 */
export function joinContext(
  title: string,
  text: string,
  question: string,
  titleSep = ' / ',
  docSep = ' // ',
): string {
  let cleanTitle = title;
  if (cleanTitle.startsWith('"')) cleanTitle = cleanTitle.slice(1);
  if (cleanTitle.endsWith('"')) cleanTitle = cleanTitle.slice(0, -1);
  return (cleanTitle + titleSep + text + docSep + question).replace(/ +/g, ' ').trim();
}
