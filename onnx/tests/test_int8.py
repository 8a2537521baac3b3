"""Int8 bundles (ragkit/export/int8.py): valid graphs with no float product on a constant weight left but the
output projection, run by onnxruntime-node, close to the float graphs; manifests that say int8; the command that
quantizes an existing bundle."""
import json
import os

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto

from ragkit import fixtures
from ragkit.eval.int8_compare import compare
from ragkit.export import export_bundle, verify_manifest
from ragkit.export.float16 import restore_float32
from ragkit.export.int8 import (dequantize_weight, quantize_bundle, quantize_model, quantize_weight,
                                restore_float_products)

# the fixtures' tiny models, wider so that float16 storage applies (weights of 1024 elements or more), with weights
# drawn at std 0.1 (the DPR encoders too): the fixtures' 0.3 and 0.5 make random models so chaotic that rounding
# flips their choices (0.65 max |d log p|, 84% top-1 agreement measured on the fixtures themselves)
MODELS = dict(fixtures.DEFAULTS, d_model=64, ffn=96, init_std=0.1, dpr_init=0.1)
GRAPHS = ("question_encoder/model.onnx", "generator/onnx/encoder_model.onnx",
          "generator/onnx/decoder_model_merged.onnx")
# int8 against float: the largest log-probability difference of any token at any step, and the share of steps
# whose most likely token is the same
MAX_LOGPROB_DIFF = 0.15
TOP1_AGREEMENT = 0.95


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """A float16-stored bundle (weights behind Casts, as the embedded default) and its int8 export."""
    root = tmp_path_factory.mktemp("int8")
    gen_tok, enc_tok = fixtures.build_tokenizers(MODELS, str(root))
    generator, question, ctx = fixtures.build_models(MODELS, gen_tok.vocab_size, enc_tok.vocab_size)
    tok = {"question_encoder": str(root / "encoder"), "ctx_encoder": str(root / "encoder"),
           "generator": str(root / "generator")}
    with torch.no_grad():
        base = export_bundle(str(root / "float"), question, ctx, generator, tok, source="test", float16=True)
        int8 = export_bundle(str(root / "int8"), question, ctx, generator, tok, source="test", float16=True, int8=True)
    return dict(float=base, int8=int8, root=root, vocab=(gen_tok.vocab_size, enc_tok.vocab_size))


def float_products(graph, outer=frozenset()):
    """The MatMul/Gemm nodes (subgraphs included) whose weight is a float constant: an initializer or a Cast of one."""
    consts = set(outer) | {i.name for i in graph.initializer if i.data_type == TensorProto.FLOAT}
    consts |= {n.output[0] for n in graph.node if n.op_type == "Cast" and n.input[0] in
               {i.name for i in graph.initializer}}
    found = [n for n in graph.node if n.op_type in ("MatMul", "Gemm") and n.input[1] in consts]
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                found += float_products(attr.g, consts)
    return found


@pytest.mark.parametrize("rel", GRAPHS)
def test_int8_graphs_are_valid_and_keep_no_float_product_on_a_weight_but_the_output_projection(bundles, rel):
    model = onnx.load(os.path.join(bundles["int8"], rel))
    onnx.checker.check_model(model)
    left = float_products(model.graph)
    if rel.endswith("decoder_model_merged.onnx"):
        # one per branch of the If: the tied embedding's Gemm
        assert [n.op_type for n in left] == ["Gemm", "Gemm"]
        assert {n.input[1] for n in left} == {"model.model.shared.weight"}
        (if_node,) = model.graph.node[-1:]
        assert if_node.op_type == "If" and all(
            any(n.op_type == "MatMulInteger" for n in a.g.node) for a in if_node.attribute), "both branches quantized"
    else:
        assert left == []
    assert any(n.op_type == "MatMulInteger" for n in model.graph.node) or rel.endswith("merged.onnx")


def test_manifests_say_int8_and_the_context_encoder_is_unchanged(bundles):
    d = bundles["int8"]
    for folder in ("", "question_encoder", "ctx_encoder", "generator", "generator/onnx"):
        assert verify_manifest(os.path.join(d, folder)) == [], folder
    top = json.load(open(os.path.join(d, "manifest.json")))
    assert top["config"]["weights"] == "int8" and top["config"]["generator"]["weights"] == "int8"
    gen = json.load(open(os.path.join(d, "generator/manifest.json")))["config"]
    assert gen["weights"] == "int8" and gen["int8"]["quantized"]["MatMul"] > 0
    assert gen["int8"]["kept_float"] == ["Gemm model.model.shared.weight (output projection)"]
    assert json.load(open(os.path.join(d, "question_encoder/manifest.json")))["config"]["weights"] == "int8"
    ctx = json.load(open(os.path.join(d, "ctx_encoder/manifest.json")))
    assert ctx["config"]["weights"] == "float16", "indexes embedded by the float bundle stay valid"
    same = [open(os.path.join(b, "ctx_encoder/model.onnx"), "rb").read() for b in (bundles["float"], d)]
    assert same[0] == same[1]


def test_the_command_quantizes_an_existing_bundle_as_export_does(bundles):
    out = quantize_bundle(bundles["float"], str(bundles["root"] / "copy"))
    for rel in GRAPHS:
        a, b = (onnx.load(os.path.join(d, rel)) for d in (out, bundles["int8"]))
        assert a.SerializeToString() == b.SerializeToString(), rel
    for folder in ("", "generator", "generator/onnx"):
        assert verify_manifest(os.path.join(out, folder)) == []
    assert json.load(open(os.path.join(out, "manifest.json")))["source"] == "test"


def fixture_inputs(vocab, cases=3, docs=2, steps=8, seed=1):
    """Random inputs in the form of fixtures.json (what int8_compare runs): generator rows of several lengths."""
    g = np.random.default_rng(seed)
    rows = lambda n, lo, hi: [g.integers(5, n, int(g.integers(lo, hi))).tolist() for _ in range(docs)]
    return {"questions": [{"query_ids": [101] + g.integers(5, vocab[1], 9).tolist() + [102],
                           "generator_input_ids": [[0] + r + [2] for r in rows(vocab[0], 6, 30)],
                           "outputs": {"token_greedy": {"tokens": g.integers(5, vocab[0], steps).tolist()}}}
                          for _ in range(cases)], "jeopardy": []}


def test_int8_outputs_stay_close_to_float_on_both_decoder_branches(bundles):
    got = compare(bundles["float"], bundles["int8"], fixture_inputs(bundles["vocab"]))
    print(f"int8 against float: {got}")
    assert got["float_top_margin"] > 1.0, f"near-uniform distributions prove little: {got}"
    assert got["max_logprob_diff"] < MAX_LOGPROB_DIFF and got["top1_agreement"] >= TOP1_AGREEMENT, got
    assert got["question_embedding_rel_diff"] < 0.05, got


@pytest.mark.parametrize("options", [dict(op="contrib"), dict(lm_head=True)])
def test_the_contrib_operator_and_an_int8_output_projection_run_too(bundles, options):
    out = quantize_bundle(bundles["float"], str(bundles["root"] / "_".join(options)), **options)
    merged = onnx.load(os.path.join(out, "generator/onnx/decoder_model_merged.onnx"))
    if "lm_head" in options:
        assert float_products(merged.graph) == []
    else:
        assert any(o.domain == "com.microsoft" for o in merged.opset_import)
    got = compare(bundles["float"], out, fixture_inputs(bundles["vocab"]))
    print(f"{options}: {got}")
    assert got["max_logprob_diff"] < 2 * MAX_LOGPROB_DIFF and got["top1_agreement"] >= TOP1_AGREEMENT, got


def test_quantize_model_finds_weights_behind_float16_casts_in_outer_graphs():
    w = np.random.default_rng(0).normal(size=(64, 32)).astype(np.float32)
    x = onnx.helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])
    y = onnx.helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 32])
    branch = onnx.helper.make_graph([onnx.helper.make_node("MatMul", ["x", "w"], ["y"])], "branch", [], [y])
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Cast", ["w__float16"], ["w"], to=TensorProto.FLOAT),
         onnx.helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)], "g",
        [x, onnx.helper.make_tensor_value_info("c", TensorProto.BOOL, [1])], [y],
        initializer=[onnx.numpy_helper.from_array(w.astype(np.float16), "w__float16")])
    model, summary = quantize_model(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 14)]))
    onnx.checker.check_model(model)
    assert summary["quantized"] == {"MatMul": 2}
    assert [i.name for i in model.graph.initializer] == ["w_int8", "w_int8_scale"], "one int8 copy, float ones gone"
    assert [n.op_type for n in model.graph.node] == ["If"]


def product_ops(graph):
    """Op types of a graph's nodes, subgraphs in place (the sequence warm_start maps by)."""
    ops = []
    for node in graph.node:
        ops.append(node.op_type)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                ops += product_ops(attr.g)
    return ops


@pytest.mark.parametrize("op", ["standard", "contrib"])
@pytest.mark.parametrize("rel", GRAPHS)
def test_restoring_float_products_gives_the_float_graphs_nodes_and_weights_within_half_a_step(bundles, rel, op):
    reference = restore_float32(onnx.load(os.path.join(bundles["float"], rel)))
    restored = restore_float_products(restore_float32(quantize_model(
        onnx.load(os.path.join(bundles["float"], rel)), op)[0]))
    assert product_ops(restored.graph) == product_ops(reference.graph)
    floats = {i.name: onnx.numpy_helper.to_array(i) for i in reference.graph.initializer}
    back = {i.name: onnx.numpy_helper.to_array(i) for i in restored.graph.initializer}
    assert back.keys() == floats.keys(), "the float initializers under their names, no int8 copy left"
    for name, w in floats.items():
        # symmetric per-column quantization: each value is off by at most half a step, max |column| / 254
        step = np.abs(w).max(axis=0 if w.ndim == 2 else None) / 127.0 if w.ndim else 0.0
        assert np.all(np.abs(back[name] - w) <= step / 2 + 1e-7), name


def test_an_int8_weight_restored_quantizes_to_the_same_int8_weight():
    w = np.random.default_rng(3).normal(size=(48, 20)).astype(np.float32)
    q, scale = quantize_weight(w)
    for transposed in (False, True):
        restored = dequantize_weight(q, scale, transposed)
        q2, scale2 = quantize_weight(restored.T if transposed else restored)
        assert np.array_equal(q2, q) and np.allclose(scale2, scale, rtol=1e-6, atol=0)
