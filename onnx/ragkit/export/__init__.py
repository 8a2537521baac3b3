"""ONNX export into the bundle layout of docs/API.md: DPR encoders, the BART encoder and an Optimum-style merged
decoder (`use_cache_branch`), configs, tokenizer files and manifests."""
from .bundle import export_bundle, export_generator_graphs
from .bundle_files import verify_manifest
from .graphs import OPSET, export_bart_decoders, export_bart_encoder, export_dpr
from .merge import merge_decoders

__all__ = ["export_bundle", "export_generator_graphs", "verify_manifest", "OPSET", "export_bart_decoders",
           "export_bart_encoder", "export_dpr", "merge_decoders"]
