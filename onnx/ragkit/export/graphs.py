"""torch.onnx.export of each graph of a bundle with the input/output names and dynamic axes of Hugging Face Optimum,
so that transformers.js (and our engine) read them: DPR encoders, the BART encoder, and the two BART decoders
(without and with past) that `merge.py` joins into `decoder_model_merged.onnx`.

NOTE: transformers.js 4.x builds the first step's empty cache from the merged decoder's input metadata: the axis
named "batch_size" gets the batch, every other symbolic axis 0, numeric axes stay. Heads and head_dim must therefore
stay numeric and the batch axis must be named exactly "batch_size".

Cross-attention layouts (`cross_attention`): "per_row" (Optimum's) gives every decoder row its own copy of its
document's encoder states, mask and cross-attention cache; "per_document" gives them one row per document, the axis
named "documents", and the decoder rows are R * documents, row r reading document r % documents (RAG-Token's
beam-major rows), so B beams over K documents read each document's keys and values once per step, not B times.
With R = 1 the per-document graph computes what the per-row one does."""
import os
import warnings

import onnx
import torch
from torch import nn

OPSET = 14
CROSS_ATTENTION = ("per_row", "per_document")
DOCUMENTS_AXIS = "documents"  # the per-document layout's encoder-side batch axis: the engine detects the layout by it


class DprGraph(nn.Module):
    """(input_ids, attention_mask, token_type_ids) -> pooler_output."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.encoder(input_ids, attention_mask, token_type_ids)


class BartEncoderGraph(nn.Module):
    """(input_ids, attention_mask) -> last_hidden_state."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model.encode(input_ids, attention_mask)


class BartDecoderGraph(nn.Module):
    """The first step (with_past False): (input_ids, encoder_attention_mask, encoder_hidden_states) -> logits and
    every layer's presents. The cached steps (with_past True): (input_ids, encoder_attention_mask, past...) ->
    logits and presents, where the encoder presents are the past encoder keys/values passed through (Optimum's
    merged decoders do the same; transformers.js keeps its own copy of them anyway)."""

    def __init__(self, model, with_past, per_document=False):
        super().__init__()
        self.model, self.with_past, self.per_document = model, with_past, per_document

    def forward(self, input_ids, encoder_attention_mask, *rest):
        if self.with_past:
            flat = rest
            past = tuple(tuple(flat[4 * i:4 * i + 4]) for i in range(len(flat) // 4))
            # NOTE: the encoder states are not needed with a cache, but their batch and length shape the masks
            hidden = torch.zeros(encoder_attention_mask.shape[0], encoder_attention_mask.shape[1], 1)
        else:
            hidden, past = rest[0], None
        model = self.model
        x, present = model.model.decoder(input_ids, hidden, encoder_attention_mask, past, self.per_document)
        out = [tied_lm_head(x, model.lm_head.weight, model.final_logits_bias)]
        for layer in present:
            out.extend(layer)
        return tuple(out)


def tied_lm_head(x, weight, bias):
    """logits = x @ weight.T + bias as one 2-D Gemm (transB) that reads the tied embedding as stored: the exporter
    writes a linear without bias, or on 3-D input, as MatMul over a folded transposed copy of the embedding (8 MB
    at d_model 256 and an 8k vocabulary)."""
    batch, length, d_model = x.shape
    return torch.nn.functional.linear(x.reshape(-1, d_model), weight, bias.reshape(-1)).reshape(batch, length, -1)


def present_names(layers, prefix="present"):
    """Optimum's cache names in HF's per-layer order: decoder key, decoder value, encoder key, encoder value."""
    return [f"{prefix}.{i}.{side}.{kv}" for i in range(layers) for side in ("decoder", "encoder")
            for kv in ("key", "value")]


def _export(module, args, path, input_names, output_names, dynamic_axes):
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python ints from shapes: the axes are declared
        torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(path)
    return path


def export_dpr(encoder, path):
    """Writes a DPR encoder as ONNX: input_ids, attention_mask, token_type_ids -> pooler_output [batch, dim]."""
    ids = torch.randint(5, encoder.config.vocab_size, (2, 7))
    mask = torch.ones_like(ids)
    types = torch.zeros_like(ids)
    seq = {0: "batch_size", 1: "sequence_length"}
    return _export(DprGraph(encoder), (ids, mask, types), path, ["input_ids", "attention_mask", "token_type_ids"],
                   ["pooler_output"], {"input_ids": seq, "attention_mask": seq, "token_type_ids": seq,
                                       "pooler_output": {0: "batch_size"}})


def export_bart_encoder(model, path):
    """Writes `encoder_model.onnx`: input_ids, attention_mask -> last_hidden_state [batch, seq, d_model]."""
    ids = torch.randint(5, model.config.vocab_size, (2, 7))
    seq = {0: "batch_size", 1: "encoder_sequence_length"}
    return _export(BartEncoderGraph(model), (ids, torch.ones_like(ids)), path, ["input_ids", "attention_mask"],
                   ["last_hidden_state"], {"input_ids": seq, "attention_mask": seq, "last_hidden_state": seq})


def export_bart_decoders(model, folder, cross_attention="per_row"):
    """Writes `decoder_model.onnx` and `decoder_with_past_model.onnx` into folder; returns both paths.
    cross_attention: "per_row" or "per_document" (see the module's docstring)."""
    assert cross_attention in CROSS_ATTENTION, f"cross_attention must be one of {CROSS_ATTENTION}: {cross_attention!r}"
    per_document = cross_attention == "per_document"
    cfg = model.config
    # NOTE: traced with 2 rows per document in the per-document layout, so that no reshape folds to a constant
    layers, batch, enc_len, past_len = cfg.decoder_layers, 4 if per_document else 2, 7, 3
    docs = 2
    heads, head_dim = cfg.decoder_attention_heads, cfg.d_model // cfg.decoder_attention_heads
    mask = torch.ones(docs, enc_len, dtype=torch.long)
    hidden = torch.randn(docs, enc_len, cfg.d_model)
    enc_axes = {0: DOCUMENTS_AXIS if per_document else "batch_size", 1: "encoder_sequence_length"}
    outputs = ["logits"] + present_names(layers)
    axes = {"input_ids": {0: "batch_size", 1: "decoder_sequence_length"}, "encoder_attention_mask": enc_axes,
            "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    no_past_axes = dict(axes, encoder_hidden_states=enc_axes)
    for name in present_names(layers):
        side_len = "decoder_sequence_length" if ".decoder." in name else "encoder_sequence_length_out"
        no_past_axes[name] = {0: "batch_size" if ".decoder." in name else enc_axes[0], 2: side_len}
    no_past = _export(BartDecoderGraph(model, False, per_document),
                      (torch.randint(5, cfg.vocab_size, (batch, 2)), mask, hidden),
                      os.path.join(folder, "decoder_model.onnx"),
                      ["input_ids", "encoder_attention_mask", "encoder_hidden_states"], outputs, no_past_axes)
    past = []
    for _ in range(layers):
        past += [torch.randn(batch, heads, past_len, head_dim), torch.randn(batch, heads, past_len, head_dim),
                 torch.randn(docs, heads, enc_len, head_dim), torch.randn(docs, heads, enc_len, head_dim)]
    past_axes = dict(axes)
    for name in present_names(layers, "past_key_values"):
        past_axes[name] = {0: "batch_size", 2: "past_decoder_sequence_length"} if ".decoder." in name \
            else {0: enc_axes[0], 2: "encoder_sequence_length_out"}
    for name in present_names(layers):
        past_axes[name] = {0: "batch_size", 2: "past_decoder_sequence_length + 1"} if ".decoder." in name \
            else {0: enc_axes[0], 2: "encoder_sequence_length_out"}
    with_past = _export(BartDecoderGraph(model, True, per_document),
                        (torch.randint(5, cfg.vocab_size, (batch, 1)), mask, *past),
                        os.path.join(folder, "decoder_with_past_model.onnx"),
                        ["input_ids", "encoder_attention_mask"] + present_names(layers, "past_key_values"), outputs,
                        past_axes)
    return no_past, with_past
