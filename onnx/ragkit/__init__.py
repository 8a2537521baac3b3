"""ragkit: the Python model toolchain behind the service's ONNX bundles.

Hugging Face-compatible DPR and BART in PyTorch, tokenizer training, ONNX export, checkpoint conversion,
reference RAG decoding and fixtures, and the training of the embedded default model.
"""
