"""Writes a model bundle in the layout of docs/API.md from PyTorch models:

    rag_config.json, manifest.json
    question_encoder/  model.onnx, config.json, tokenizer files, manifest.json
    ctx_encoder/       model.onnx, config.json, tokenizer files, manifest.json
    generator/         onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx, config.json,
                       generation_config.json, tokenizer files, manifest.json

The generator folder is what Hugging Face Optimum exports and transformers.js loads."""
import os
import shutil
import tempfile

import onnx

from ..models.hf_config import write_config_json
from . import bundle_files as files
from .graphs import OPSET, export_bart_decoders, export_bart_encoder, export_dpr
from .float16 import store_float16
from .merge import merge_decoders

MAX_INLINE_BYTES = 1_900_000_000  # protobuf's 2 GB limit, with room: bigger graphs keep weights in a side file


def save_onnx(model, path):
    """Saves a ModelProto, with its weights in `<name>_data` beside it when it is too big for one protobuf."""
    if model.ByteSize() < MAX_INLINE_BYTES:
        onnx.save(model, path)
    else:
        onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                  location=os.path.basename(path) + "_data")
    return path


def to_float16_storage(path):
    save_onnx(store_float16(onnx.load(path)), path)
    onnx.checker.check_model(path)


def export_generator_graphs(generator, onnx_dir, float16=False, cross_attention="per_row"):
    """Writes encoder_model.onnx and decoder_model_merged.onnx (in the cross_attention layout of graphs.py) into
    onnx_dir."""
    os.makedirs(onnx_dir, exist_ok=True)
    encoder = export_bart_encoder(generator, os.path.join(onnx_dir, "encoder_model.onnx"))
    with tempfile.TemporaryDirectory() as tmp:
        no_past, with_past = export_bart_decoders(generator, tmp, cross_attention)
        merged = merge_decoders(onnx.load(no_past), onnx.load(with_past))
    decoder = save_onnx(store_float16(merged) if float16 else merged,
                        os.path.join(onnx_dir, "decoder_model_merged.onnx"))
    onnx.checker.check_model(decoder)
    if float16:
        to_float16_storage(encoder)


def dpr_summary(encoder):
    """The manifest's config summary of a DPR encoder."""
    c = encoder.config
    return dict(model_type="dpr", kind=encoder.kind, dim=c.output_dim, hidden_size=c.hidden_size,
                layers=c.num_hidden_layers, heads=c.num_attention_heads, vocab_size=c.vocab_size)


def bart_summary(generator, cross_attention="per_row"):
    """The manifest's config summary of a BART generator; `cross_attention` only when not Optimum's per-row layout,
    so that bundles in that layout keep the summary they always had."""
    c = generator.config
    layout = {} if cross_attention == "per_row" else {"cross_attention": cross_attention}
    return dict(model_type="bart", d_model=c.d_model, encoder_layers=c.encoder_layers,
                decoder_layers=c.decoder_layers, heads=c.decoder_attention_heads, vocab_size=c.vocab_size, **layout)


def export_bundle(out_dir, question_encoder, ctx_encoder, generator, tokenizer_files, rag_config=None, source="",
                  generation=None, float16=False, training=None, int8=False, cross_attention="per_row"):
    """Exports the three models into a bundle at out_dir (replaced if it exists).

    tokenizer_files: {"question_encoder": ..., "ctx_encoder": ..., "generator": ...}, each a tokenizer folder (as
    written by ragkit.tokenizers) or a list of file paths; rag_config: overrides of n_docs, title_sep, doc_sep,
    max_combined_length, tasks ({"answer": {"prefix": ""}, "jeopardy": {"prefix": ...}}); generation: overrides
    of num_beams, min_length, max_length, bad_words_ids, length_penalty, early_stopping, forced_* ids;
    source: where the weights came from (a checkpoint name, a training run), recorded in every manifest;
    float16: store large weights as float16 (half the size; see float16.py), recorded in every manifest;
    training: what the weights were trained on ({"split_sha256": ...}), recorded in the bundle's manifest;
    int8: quantize the question encoder's and the generator's products (see int8.py), recorded in the manifests;
    cross_attention: the merged decoder's layout, "per_row" (Optimum's) or "per_document" (graphs.py), recorded in
    the generator's manifests when not per_row."""
    assert question_encoder.kind == "question" and ctx_encoder.kind == "ctx", "encoders of kinds question and ctx"
    dims = (question_encoder.config.output_dim, ctx_encoder.config.output_dim)
    assert dims[0] == dims[1], f"question and ctx embeddings differ in size: {dims}"
    missing = {"question_encoder", "ctx_encoder", "generator"} - set(tokenizer_files)
    assert not missing, f"tokenizer_files lacks {sorted(missing)}"
    weights = {"weights": "float16"} if float16 else {}
    tmp_dir = out_dir.rstrip("/") + ".partial"
    shutil.rmtree(tmp_dir, ignore_errors=True)
    os.makedirs(tmp_dir)
    for name, encoder in (("question_encoder", question_encoder), ("ctx_encoder", ctx_encoder)):
        folder = os.path.join(tmp_dir, name)
        os.makedirs(folder)
        model = export_dpr(encoder.eval(), os.path.join(folder, "model.onnx"))
        if float16:
            to_float16_storage(model)
        write_config_json(os.path.join(folder, "config.json"), encoder.config.to_dict(encoder.kind))
        files.copy_tokenizer(tokenizer_files[name], folder)
        files.write_manifest(folder, source, dict(dpr_summary(encoder), **weights), OPSET)
    folder = os.path.join(tmp_dir, "generator")
    export_generator_graphs(generator.eval(), os.path.join(folder, "onnx"), float16, cross_attention)
    write_config_json(os.path.join(folder, "config.json"), generator.config.to_dict())
    gen = files.generation_config(generator.config, generation)
    files.write_json(os.path.join(folder, "generation_config.json"), gen)
    files.copy_tokenizer(tokenizer_files["generator"], folder)
    summary = dict(bart_summary(generator, cross_attention), **weights)
    files.write_manifest(os.path.join(folder, "onnx"), source, summary, OPSET)
    files.write_manifest(folder, source, summary, OPSET)
    files.write_json(os.path.join(tmp_dir, "rag_config.json"), files.rag_config(rag_config, gen, dims[0]))
    summary = dict(retrieval_vector_size=dims[0], question_encoder=dpr_summary(question_encoder),
                   generator=bart_summary(generator, cross_attention))
    files.write_manifest(tmp_dir, source, summary, OPSET, recursive=False, training=training)
    if int8:
        from .int8 import quantize_bundle_in_place  # here: int8.py reads save_onnx from this module
        quantize_bundle_in_place(tmp_dir)
    # NOTE: written beside the target and renamed at the end, so a failed export never leaves half a bundle
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp_dir, out_dir)
    return out_dir
