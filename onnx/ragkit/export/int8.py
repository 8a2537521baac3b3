"""Int8 graphs: every MatMul (and Gemm) whose weight is a constant becomes a dynamically quantized product.

Weights are stored int8, symmetric (zero point 0), one float scale per output column; activations are quantized
per run by `DynamicQuantizeLinear` (uint8, one scale and zero point per tensor), multiplied by `MatMulInteger`
(uint8 x int8 -> int32, which onnxruntime runs with VNNI instructions where the CPU has them), and brought back to
float by `Cast` and `Mul` with the combined scale. onnxruntime fuses these nodes into its `DynamicQuantizeMatMul`
when it loads the graph; `op="contrib"` writes that `com.microsoft` operator directly (docs/BENCHMARKS.md compares
the two). The standard operators keep the graph loadable by any ONNX runtime.

Weights are found directly as initializers or behind float16 storage's `Cast` (float16.py), in the graph or an
outer one: the merged decoder's `If` branches are rewritten too and share one int8 copy of each top-level weight.
Products of two activations (attention) stay float. The output projection (the Gemm on the tied embedding) stays
float unless `lm_head=True`: the embedding lookup still reads the float embedding, so its int8 copy would be stored
beside it, and it is the product whose error reaches the log-probabilities undamped (docs/BENCHMARKS.md).

    /usr/bin/python3 -m ragkit.export.int8 --bundle=DIR --out=DIR [--op=standard|contrib] [--lm_head=false]
"""
import json
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ..overrides import parse_overrides
from .bundle import save_onnx
from .bundle_files import MANIFEST, verify_manifest, write_manifest
from .float16 import SUFFIX as FLOAT16_SUFFIX

CONTRIB = "com.microsoft"
# the graphs an int8 bundle quantizes; ctx_encoder/ stays as it was, so that indexes embedded by the float bundle
# stay valid (the service embeds an index again when its context encoder's checksum changes)
GRAPHS = {"question_encoder": ["model.onnx"], "generator/onnx": ["encoder_model.onnx", "decoder_model_merged.onnx"]}
DEFAULTS = dict(
    bundle="",       # the bundle to quantize (float32, or float16-stored)
    out="",          # the int8 bundle to write (replaced if it exists)
    op="standard",   # standard: DynamicQuantizeLinear + MatMulInteger; contrib: com.microsoft.DynamicQuantizeMatMul
    lm_head=False,   # also quantize the output projection (the Gemm on the tied embedding)
)


def quantize_weight(w):
    """(int8 weight, float32 scale per column) of a [K, N] weight: symmetric, each column's largest magnitude
    at 127 (-128 unused, so that the range is symmetric)."""
    assert w.ndim == 2, f"a MatMul weight must be 2-D, got shape {w.shape}"
    scale = np.abs(w).max(axis=0) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(w / scale), -127, 127).astype(np.int8), scale


def _subgraphs(node):
    for attr in node.attribute:
        yield from [attr.g] if attr.type == onnx.AttributeProto.GRAPH else attr.graphs


def _all_nodes(graph):
    for node in graph.node:
        yield node
        for sub in _subgraphs(node):
            yield from _all_nodes(sub)


class _Scope:
    """The constants a graph can read (its own and its outer graphs'): float initializers and float16 storage
    Casts. A weight's int8 copy goes to the graph that holds the weight."""

    def __init__(self, graph, outer=None):
        self.graph, self.outer = graph, outer
        self.inits = {i.name: i for i in graph.initializer}
        self.casts = {n.output[0]: self.inits[n.input[0]] for n in graph.node if n.op_type == "Cast"
                      and len(n.input) == 1 and n.input[0].endswith(FLOAT16_SUFFIX) and n.input[0] in self.inits}

    def find(self, name):
        """(tensor, owning scope) of a float constant, or None when `name` is not one."""
        if name in self.casts:
            return self.casts[name], self
        if name in self.inits and self.inits[name].data_type == TensorProto.FLOAT:
            return self.inits[name], self
        return self.outer.find(name) if self.outer else None


class _Quantizer:
    def __init__(self, model, op, lm_head):
        assert op in ("standard", "contrib"), f"op must be standard or contrib, got {op!r}"
        self.op, self.lm_head = op, lm_head
        self.embeddings = {n.input[0] for n in _all_nodes(model.graph) if n.op_type == "Gather"}
        self.stored = {}  # (weight name, transposed) -> (int8 name, scale name)
        self.counts = {}
        self.kept = set()

    def store(self, scope, name, transposed):
        """Names of the int8 weight and its scales, added once to the graph that holds the float weight."""
        if (name, transposed) not in self.stored:
            tensor, owner = scope.find(name)
            w = numpy_helper.to_array(tensor).astype(np.float32)
            q, scale = quantize_weight(w.T if transposed else w)
            base = name + ("_t" if transposed else "") + "_int8"
            owner.graph.initializer.extend([numpy_helper.from_array(q, base),
                                            numpy_helper.from_array(scale, base + "_scale")])
            self.stored[name, transposed] = (base, base + "_scale")
        return self.stored[name, transposed]

    def product(self, x, weight, scale, out, tag):
        """Nodes computing out = x @ (weight * scale), the activation x quantized on the fly."""
        if self.op == "contrib":
            return [helper.make_node("DynamicQuantizeMatMul", [x, weight, scale], [out], name=tag, domain=CONTRIB)]
        q, s, zero, acc, accf, both = (f"{tag}/{n}" for n in ("x_q", "x_scale", "x_zero", "int32", "float", "scale"))
        return [helper.make_node("DynamicQuantizeLinear", [x], [q, s, zero], name=f"{tag}/quantize"),
                helper.make_node("MatMulInteger", [q, weight, zero], [acc], name=f"{tag}/matmul"),
                helper.make_node("Cast", [acc], [accf], to=TensorProto.FLOAT, name=f"{tag}/cast"),
                helper.make_node("Mul", [s, scale], [both], name=f"{tag}/scales"),
                helper.make_node("Mul", [accf, both], [out], name=f"{tag}/dequantize")]

    def rewrite(self, node, scope):
        """The nodes replacing `node`, or None to keep it."""
        if node.op_type not in ("MatMul", "Gemm") or scope.find(node.input[1]) is None:
            return None
        if len(scope.find(node.input[1])[0].dims) != 2:
            return None
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            return None
        if node.input[1] in self.embeddings and not self.lm_head:
            self.kept.add(f"{node.op_type} {node.input[1]} (output projection)")
            return None
        weight, scale = self.store(scope, node.input[1], bool(attrs.get("transB", 0)))
        self.counts[node.op_type] = self.counts.get(node.op_type, 0) + 1
        tag = node.output[0] + "/int8"
        if len(node.input) < 3 or not node.input[2]:
            return self.product(node.input[0], weight, scale, node.output[0], tag)
        return self.product(node.input[0], weight, scale, tag + "/product", tag) + [
            helper.make_node("Add", [tag + "/product", node.input[2]], [node.output[0]], name=tag + "/bias")]

    def graph(self, graph, outer=None):
        scope = _Scope(graph, outer)
        nodes = []
        for node in graph.node:
            for sub in _subgraphs(node):
                self.graph(sub, scope)
            nodes.extend(self.rewrite(node, scope) or [node])
        del graph.node[:]
        graph.node.extend(nodes)


def _drop_unused(graph):
    """Removes the float16 storage Casts and the initializers that nothing reads any more (the float weights now
    stored int8), in the graph and its subgraphs."""
    reads = {i for n in _all_nodes(graph) for i in n.input} | {o.name for o in graph.output}
    unused = [n for n in graph.node if n.op_type == "Cast" and n.output[0] not in reads]
    for node in unused:
        graph.node.remove(node)
    reads = {i for n in _all_nodes(graph) for i in n.input} | {o.name for o in graph.output}
    for g in [graph] + [sub for n in _all_nodes(graph) for sub in _subgraphs(n)]:
        keep = [i for i in g.initializer if i.name in reads]
        del g.initializer[:]
        g.initializer.extend(keep)


def quantize_model(model, op="standard", lm_head=False):
    """Rewrites `model` (an onnx ModelProto) in place. Returns it and what was quantized:
    {"quantized": {op type: count}, "kept_float": [...]}."""
    quantizer = _Quantizer(model, op, lm_head)
    quantizer.graph(model.graph)
    _drop_unused(model.graph)
    if op == "contrib" and not any(o.domain == CONTRIB for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(CONTRIB, 1))
    return model, dict(quantized=quantizer.counts, kept_float=sorted(quantizer.kept))


def dequantize_weight(q, scale, transposed):
    """The float weight an int8 copy stands for, in the layout of the float initializer it replaced."""
    w = q.astype(np.float32) * scale
    return np.ascontiguousarray(w.T if transposed else w)


def _float_name(int8_name):
    """(float initializer name, transposed) of an int8 weight's name (see _Quantizer.store)."""
    base = int8_name[:-len("_int8")]
    return (base[:-2], True) if base.endswith("_t") else (base, False)


def restore_float_products(model):
    """The inverse of quantize_model up to rounding, in place: every quantized product is one MatMul (or Gemm with
    transB and bias, as the exporter wrote it) again, over a float32 weight dequantized from the int8 copy, under the
    float weight's name and in the graph that holds the copy. The nodes are then the float graph's, in its order,
    so ragkit.bundle.warm_start maps them back to parameters as it does for a float bundle."""
    def rewrite(graph, scopes):
        inits = {i.name: i for i in graph.initializer}
        scopes = scopes + [(graph, inits)]
        nodes, skip = [], set()
        for node in graph.node:
            for sub in _subgraphs(node):
                rewrite(sub, scopes)
            if node.name in skip:
                continue
            tag = _product_tag(node)
            if tag is None:
                nodes.append(node)
                continue
            group = [n for n in graph.node if n.name.startswith(tag + "/")]
            skip.update(n.name for n in group)
            weight, scale = _product_weights(node, group)
            name, transposed = _float_name(weight)
            owner, owner_inits = next((g, i) for g, i in reversed(scopes) if weight in i)
            if name not in owner_inits:
                value = dequantize_weight(numpy_helper.to_array(owner_inits[weight]),
                                          numpy_helper.to_array(owner_inits[scale]), transposed)
                owner_inits[name] = numpy_helper.from_array(value, name)
                owner.initializer.append(owner_inits[name])
            bias = next((n.input[1] for n in group if n.name == tag + "/bias"), None)
            out = tag[:-len("/int8")]
            if bias is None and not transposed:
                nodes.append(helper.make_node("MatMul", [node.input[0], name], [out]))
            else:
                nodes.append(helper.make_node("Gemm", [node.input[0], name] + ([bias] if bias else []), [out],
                                              transB=int(transposed)))
        del graph.node[:]
        graph.node.extend(nodes)

    rewrite(model.graph, [])
    _drop_unused(model.graph)
    return model


def _product_tag(node):
    """The tag of the quantized product whose first node this is, or None."""
    for suffix in ("/quantize", ""):
        if node.name.endswith("/int8" + suffix) and (suffix or node.op_type == "DynamicQuantizeMatMul"):
            return node.name[:len(node.name) - len(suffix)]
    return None


def _product_weights(first, group):
    """(int8 weight name, scale name) of a quantized product's nodes."""
    if first.op_type == "DynamicQuantizeMatMul":
        return first.input[1], first.input[2]
    matmul = next(n for n in group if n.op_type == "MatMulInteger")
    scales = next(n for n in group if n.name.endswith("/scales"))
    return matmul.input[1], scales.input[1]


def manifest_record(summaries, op):
    """What a manifest's config records of a folder's int8 graphs."""
    quantized = {}
    for s in summaries:
        for k, v in s["quantized"].items():
            quantized[k] = quantized.get(k, 0) + v
    return dict(weights="int8", int8=dict(
        scheme="weights int8 symmetric per output column; activations uint8, quantized per run per tensor",
        operators="com.microsoft.DynamicQuantizeMatMul" if op == "contrib" else "DynamicQuantizeLinear+MatMulInteger",
        quantized=quantized, kept_float=sorted({k for s in summaries for k in s["kept_float"]})))


def _rewrite_manifest(folder, config_update, recursive=True):
    """Writes folder's manifest again (new checksums) with its source, opset and training kept."""
    with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
        old = json.load(f)
    write_manifest(folder, old["source"], dict(old["config"], **config_update), old.get("opset"), recursive,
                   old.get("training"))


def quantize_bundle_in_place(bundle, op="standard", lm_head=False):
    """Quantizes the graphs of GRAPHS in a bundle folder and writes its manifests again; returns the records."""
    records = {}
    for rel, names in GRAPHS.items():
        summaries = []
        for name in names:
            path = os.path.join(bundle, rel, name)
            model, summary = quantize_model(onnx.load(path), op, lm_head)
            save_onnx(model, path)
            onnx.checker.check_model(path)
            summaries.append(summary)
        records[rel] = manifest_record(summaries, op)
        _rewrite_manifest(os.path.join(bundle, rel), records[rel])
    _rewrite_manifest(os.path.join(bundle, "generator"), records["generator/onnx"])
    with open(os.path.join(bundle, MANIFEST), encoding="utf-8") as f:
        config = json.load(f)["config"]
    _rewrite_manifest(bundle, dict(weights="int8", question_encoder=dict(config["question_encoder"], weights="int8"),
                                   generator=dict(config["generator"], weights="int8")), recursive=False)
    return records


def quantize_bundle(bundle, out, op="standard", lm_head=False):
    """Writes an int8 copy of the bundle at `bundle` to `out` (replaced if it exists). Only the files the bundle's
    manifests list are copied: a report of the float bundle's figures does not describe the copy."""
    for folder in ("", "question_encoder", "ctx_encoder", "generator", "generator/onnx"):
        bad = verify_manifest(os.path.join(bundle, folder))
        assert not bad, f"{os.path.join(bundle, folder)}: files differ from its manifest: {bad}"
    with open(os.path.join(bundle, MANIFEST), encoding="utf-8") as f:
        listed = set(json.load(f)["files"]) | {MANIFEST}
    tmp = out.rstrip("/") + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(bundle, tmp, ignore=lambda d, names: [n for n in names if os.path.samefile(d, bundle)
                                                           and os.path.isfile(os.path.join(d, n)) and n not in listed])
    quantize_bundle_in_place(tmp, op, lm_head)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out


if __name__ == "__main__":
    cfg = parse_overrides(DEFAULTS)
    assert cfg["bundle"] and cfg["out"], "--bundle=DIR and --out=DIR are required"
    print(f"int8 bundle written to {quantize_bundle(cfg['bundle'], cfg['out'], cfg['op'], cfg['lm_head'])}")
