"""Rebuilds a run directory's checkpoints from a committed bundle, for a machine whose `~/.cache` is empty:

    cd onnx && /usr/bin/python3 -m ragkit.bundle.warm_start --bundle=demo --run_dir=~/.cache/ragkit/runs/demo

Reads the ONNX initializers of the bundle's four graphs, maps them back to the PyTorch state-dict names, copies the
tokenizers to `run_dir/tokenizers/{generator,encoder}/` and writes `dpr.pt` plus the generator checkpoint of the
stage the bundle came from (`rag.pt` and `generator_qa.pt`, or `generator_<stage>.pt` of the stage it names), in
the formats the train scripts read, without optimizer state.

How parameters are found: torch.onnx.export renames and folds them (a Linear's weight becomes an anonymous
transposed `onnx::MatMul_N`, equal-valued tensors are merged under one name, the merged decoder renames shared
weights). So names are not trusted. A *probe* model of the same config, with random weights, is exported by the
same code: in its graphs every initializer is identified by value (a parameter or its transpose), and the bundle's
graphs, exported by the same code, have the same nodes in the same order, so the bundle's tensor at the same node
input is that parameter's trained value. The rebuilt models are then exported again and every initializer compared
with the bundle's, which checks the whole mapping. A bundle with float16 storage is read as float32 first
(`restore_float32`): its weights are then exactly the rebuilt models' weights. An int8 bundle's quantized products
are read back as float products over their dequantized weights (`restore_float_products`): training goes on from the
weights the int8 bundle computes with."""
import hashlib
import os
import re
import shutil
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from ..export.bundle_files import TOKENIZER_FILES
from ..export.float16 import restore_float32
from ..export.int8 import restore_float_products
from ..export.graphs import export_bart_decoders, export_bart_encoder, export_dpr, present_names
from ..export.merge import merge_decoders
from ..export.ort_node import run_onnx
from ..models.bart import BartConfig, BartForConditionalGeneration
from ..models.dpr import DprConfig, DprEncoder
from ..models.hf_config import read_config_json
from ..overrides import parse_overrides
from ..train.common import save_checkpoint
from ..train.train_generator import NEWEST_FIRST
from . import provenance
from .storage import cross_attention_of, read_json, stored_as

DEFAULTS = dict(
    bundle="demo",  # bundle folder (relative to onnx/ or absolute)
    run_dir=os.path.expanduser("~/.cache/ragkit/runs/demo"),
    force=False,  # overwrite checkpoints already in run_dir (refused by default: they may be a live run's)
    check_onnx=True,  # also run the bundle's graphs in onnxruntime-node and compare outputs with the rebuilt models
)

DONE_STEP = 10**9  # the step written when the bundle does not record one: the stage counts as finished
GRAPHS = {"question_encoder": ["question_encoder/model.onnx"], "ctx_encoder": ["ctx_encoder/model.onnx"],
          "generator": ["generator/onnx/encoder_model.onnx", "generator/onnx/decoder_model_merged.onnx"]}


def _subgraphs(node):
    for attr in node.attribute:
        for sub in ([attr.g] if attr.type == onnx.AttributeProto.GRAPH else []) + list(attr.graphs):
            yield attr.name, sub


def slot_values(graph, path="", outer=None):
    """{(path, node index, input index): array} for every node input of a graph and its subgraphs (the merged
    decoder's If) that reads an initializer. Identity nodes over initializers are aliases, not nodes: the exporter
    adds them where it merged equal-valued parameters, which depends on the values, so they are not counted."""
    env = dict(outer or {})
    env.update((init.name, numpy_helper.to_array(init)) for init in graph.initializer)
    slots, index = {}, 0
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in env:
            env[node.output[0]] = env[node.input[0]]
            continue
        for j, name in enumerate(node.input):
            if name in env:
                slots[(path, index, j)] = env[name]
        for attr_name, sub in _subgraphs(node):
            slots.update(slot_values(sub, f"{path}/{index}.{attr_name}", env))
        index += 1
    return slots


def _digest(array):
    array = np.ascontiguousarray(array)
    return hashlib.sha256(str((array.dtype, array.shape)).encode() + array.tobytes()).digest()


def export_graphs(kind, model, folder, cross_attention="per_row"):
    """The ModelProtos of one bundle folder's graphs, exported from `model` as ragkit.export.export_bundle does, the
    merged decoder in the given cross-attention layout."""
    if kind != "generator":
        return [onnx.load(export_dpr(model.eval(), os.path.join(folder, "model.onnx")))]
    encoder = onnx.load(export_bart_encoder(model.eval(), os.path.join(folder, "encoder_model.onnx")))
    no_past, with_past = export_bart_decoders(model, folder, cross_attention)
    return [encoder, merge_decoders(onnx.load(no_past), onnx.load(with_past))]


def new_model(kind, config):
    return BartForConditionalGeneration(config) if kind == "generator" else DprEncoder(config, kind.split("_")[0])


def recover_state(kind, config, bundle_graphs, cross_attention="per_row"):
    """The state dict of `kind` whose export (in that cross-attention layout) gives bundle_graphs (ModelProtos, in
    GRAPHS order)."""
    torch.manual_seed(0)
    probe = new_model(kind, config)
    with torch.no_grad():
        for tensor in probe.state_dict().values():  # the final_logits_bias buffer too: it may have been trained
            if tensor.is_floating_point():
                tensor.copy_(torch.randn_like(tensor))
    by_value = {}  # digest of a value as the exporter may write it -> (name, that value -> the parameter)
    for name, tensor in probe.state_dict().items():
        array, shape = tensor.numpy(), tuple(tensor.shape)
        by_value.setdefault(_digest(array), (name, lambda v: v))
        if array.ndim == 2:
            by_value.setdefault(_digest(array.T), (name, lambda v: v.T))
            if shape[0] == 1:  # a [1, n] buffer the graph uses flattened (final_logits_bias as the Gemm's bias)
                by_value.setdefault(_digest(array.reshape(-1)), (name, lambda v, shape=shape: v.reshape(shape)))
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        probe_graphs = export_graphs(kind, probe, tmp, cross_attention)
    for probe_graph, bundle_graph in zip(probe_graphs, bundle_graphs):
        bundle_values = slot_values(bundle_graph.graph)
        for slot, array in slot_values(probe_graph.graph).items():
            match = by_value.get(_digest(array)) if array.dtype == np.float32 else None
            if match is None:
                continue
            name, to_parameter = match
            assert slot in bundle_values, f"{kind}: the bundle's graph differs from this exporter's at {slot} ({name})"
            value = to_parameter(bundle_values[slot])
            assert value.shape == tuple(probe.state_dict()[name].shape), \
                f"{kind}: {name} has shape {value.shape} in the bundle, {tuple(probe.state_dict()[name].shape)} here"
            if name in found:
                assert np.array_equal(found[name], value), f"{kind}: two uses of {name} hold different values"
            found[name] = np.ascontiguousarray(value)
    model = new_model(kind, config)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in found.items()}, strict=False)
    covered = {p.data_ptr() for k, p in model.state_dict().items() if k in found}
    missing = [k for k, p in model.state_dict().items() if p.data_ptr() not in covered]
    assert not missing, f"{kind}: no initializer of the bundle holds {missing[:5]} ({len(missing)} in all)"
    return model


def verify(kind, model, bundle_graphs, cross_attention="per_row"):
    """Exports `model` again and checks every initializer against the bundle's at the same node input."""
    with tempfile.TemporaryDirectory() as tmp:
        graphs = export_graphs(kind, model, tmp, cross_attention)
    for ours, theirs in zip(graphs, bundle_graphs):
        a, b = slot_values(ours.graph), slot_values(theirs.graph)
        assert a.keys() == b.keys(), f"{kind}: the re-exported graph reads initializers at other places"
        bad = [s for s in a if a[s].shape != b[s].shape or not np.array_equal(a[s], b[s])]
        assert not bad, f"{kind}: {len(bad)} initializers differ after the round trip, e.g. at {bad[0]}"


def load_bundle_models(bundle):
    """{"question_encoder", "ctx_encoder", "generator"}: PyTorch models rebuilt from a bundle and verified."""
    models, layout = {}, cross_attention_of(bundle)
    for kind, paths in GRAPHS.items():
        folder = os.path.join(bundle, kind)
        data = read_config_json(folder)
        config = BartConfig.from_dict(data) if kind == "generator" else DprConfig.from_dict(data)
        graphs = [restore_float_products(restore_float32(onnx.load(os.path.join(bundle, p)))) for p in paths]
        models[kind] = recover_state(kind, config, graphs, layout)
        verify(kind, models[kind], graphs, layout)
    return models


def _assert_close(kind, got, expected):
    expected = expected.detach().numpy()
    # NOTE: float32 sums differ between runtimes by about 1e-5 of the largest term, hence the scale
    np.testing.assert_allclose(got, expected, atol=1e-4 * max(1.0, float(np.abs(expected).max()) / 10), rtol=0,
                               err_msg=f"{kind}: onnxruntime and the rebuilt model disagree")


@torch.no_grad()
def check_outputs(bundle, models):
    """Runs every graph of the bundle in onnxruntime-node on random inputs (padding included; the merged decoder's
    first step and one cached step) and compares with the rebuilt PyTorch models."""
    torch.manual_seed(0)
    for kind in ("question_encoder", "ctx_encoder"):
        model = models[kind].eval()
        ids = torch.randint(5, model.config.vocab_size, (2, 9))
        mask, types = torch.ones_like(ids), torch.zeros_like(ids)
        mask[1, 6:] = 0
        _, (out,) = run_onnx(os.path.join(bundle, GRAPHS[kind][0]),
                             [{"inputs": {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}}])
        _assert_close(kind, out["pooler_output"], model(ids, mask, types))
    gen = models["generator"].eval()
    cfg = gen.config
    ids, dec = torch.randint(5, cfg.vocab_size, (2, 9)), torch.randint(5, cfg.vocab_size, (2, 3))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    hidden = gen.encode(ids, mask)
    _, (out,) = run_onnx(os.path.join(bundle, GRAPHS["generator"][0]),
                         [{"inputs": {"input_ids": ids, "attention_mask": mask}}])
    _assert_close("generator encoder", out["last_hidden_state"], hidden)
    heads = cfg.decoder_attention_heads
    empty = np.zeros((2, heads, 0, cfg.d_model // heads), np.float32)
    past = present_names(cfg.decoder_layers, "past_key_values")
    common = {"encoder_attention_mask": mask, "encoder_hidden_states": hidden}
    _, (first, step) = run_onnx(os.path.join(bundle, GRAPHS["generator"][1]), [
        {"inputs": {**common, "input_ids": dec[:, :2], "use_cache_branch": np.array([False]),
                    **{n: empty for n in past}}},
        {"inputs": {**common, "input_ids": dec[:, 2:], "use_cache_branch": np.array([True]),
                    **{n: {"from": n.replace("past_key_values", "present")} for n in past}}}])
    logits = gen.decode(dec, hidden, mask)[0]
    _assert_close("generator decoder (first step)", first["logits"], logits[:, :2])
    _assert_close("generator decoder (cached step)", step["logits"], logits[:, 2:])


def recorded_steps(source):
    """{"dpr": n, "rag": n, "generator <stage>": n} as far as the manifest's source says."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"(dpr|rag|generator \w+) step (\d+)", source)}


def copy_tokenizers(bundle, run_dir):
    for src, dst in (("generator", "generator"), ("question_encoder", "encoder")):
        out = os.path.join(run_dir, "tokenizers", dst)
        os.makedirs(out, exist_ok=True)
        for name in TOKENIZER_FILES:
            if os.path.exists(os.path.join(bundle, src, name)):
                shutil.copyfile(os.path.join(bundle, src, name), os.path.join(out, name))


def main(cfg):
    """Writes the run directory's tokenizers and checkpoints; returns the names of the checkpoints written."""
    bundle = cfg["bundle"]
    if not os.path.isabs(bundle):
        bundle = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), bundle)
    run_dir = os.path.expanduser(cfg["run_dir"])
    names = ("dpr.pt", "rag.pt") + tuple(f"generator_{stage}.pt" for stage in NEWEST_FIRST)
    existing = [n for n in names if os.path.exists(os.path.join(run_dir, n))]
    assert cfg["force"] or not existing, f"{run_dir} already holds {existing}: pass --force=true to overwrite"
    source = read_json(os.path.join(bundle, "manifest.json")).get("source", "")
    steps = recorded_steps(source)
    models = load_bundle_models(bundle)
    if cfg["check_onnx"] and stored_as(bundle)["int8"]:
        print("int8 bundle: its graphs quantize activations, so their outputs are not compared with the float models")
    elif cfg["check_onnx"]:
        check_outputs(bundle, models)
    copy_tokenizers(bundle, run_dir)
    q, ctx, gen = models["question_encoder"], models["ctx_encoder"], models["generator"]
    origin = dict(warm_start=bundle, source=source)
    save_checkpoint(os.path.join(run_dir, "dpr.pt"), question_encoder=q.state_dict(), ctx_encoder=ctx.state_dict(),
                    step=steps.get("dpr", DONE_STEP), config=q.config.to_dict(), stage_config=origin)
    written = ["dpr.pt"]
    gen_config = gen.config.to_dict()
    if "rag" in steps or not any(k.startswith("generator") for k in steps):
        save_checkpoint(os.path.join(run_dir, "rag.pt"), generator=gen.state_dict(), question_encoder=q.state_dict(),
                        step=steps.get("rag", DONE_STEP), config=gen_config, stage_config=origin)
        written.append("rag.pt")
    # The generator stage the bundle was exported from (export_demo names it when no RAG training followed).
    stage = next((k.split()[1] for k in steps if k.startswith("generator ")), "qa")
    save_checkpoint(os.path.join(run_dir, f"generator_{stage}.pt"), model=gen.state_dict(),
                    step=steps.get(f"generator {stage}", DONE_STEP), config=gen_config, stage_config=origin)
    written.append(f"generator_{stage}.pt")
    provenance.record_warm_start(run_dir, bundle, source)
    print(f"warm-started {run_dir} from {bundle} ({source}): {', '.join(written)}")
    data_dir = os.path.join(run_dir, "data")
    if os.path.exists(os.path.join(data_dir, "stats.json")) and provenance.warning(run_dir, data_dir):
        print(f"WARNING: {provenance.warning(run_dir, data_dir)}")
    return written


if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))
