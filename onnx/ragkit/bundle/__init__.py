"""The exported bundle: export of a run to onnx/demo, warm start of a run from a bundle, provenance of both."""
