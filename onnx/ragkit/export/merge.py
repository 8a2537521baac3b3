"""Joins the decoder without past and the decoder with past into one graph, as Hugging Face Optimum's merged
decoders do: an `If` on the input `use_cache_branch` (bool [1]) runs the cached graph when true and the first-step
graph when false. Inputs are the union of both graphs' inputs (the first step is fed empty past tensors, which its
branch ignores); both branches have the same outputs. Weights equal in both graphs are stored once, at the top
level, where both branches read them; scalars and 1-D integer constants stay inside their branch (Optimum found
that onnxruntime's optimizer breaks otherwise)."""
import hashlib

import onnx
from onnx import helper, numpy_helper


def _is_small(init):
    return len(init.dims) == 0 or (len(init.dims) == 1 and init.data_type in (onnx.TensorProto.INT32,
                                                                           onnx.TensorProto.INT64))


def _rename_inputs(graph, renames):
    """Renames the uses of values in graph's nodes, subgraphs included (a subgraph may read outer values)."""
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in renames:
                node.input[i] = renames[name]
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                _rename_inputs(attr.g, renames)
            for sub in attr.graphs:
                _rename_inputs(sub, renames)


def _share_weights(graphs):
    """Moves the large initializers of all graphs to one deduplicated list (by dtype, shape and bytes) under
    names unique to the merged model; returns that list and leaves only small initializers in the graphs."""
    # names a shared weight must not take: values computed or held inside a branch, and the graphs' inputs
    taken = {o for g in graphs for n in g.node for o in n.output} | {i.name for g in graphs for i in g.input} | \
        {i.name for g in graphs for i in g.initializer if _is_small(i)}
    by_content, shared, used = {}, [], set()
    for graph in graphs:
        renames, keep = {}, []
        for init in graph.initializer:
            if _is_small(init):
                kept = onnx.TensorProto()
                kept.CopyFrom(init)  # a copy: the graph's list is cleared below
                keep.append(kept)
                continue
            # NOTE: a digest, not the bytes, as the key: bart-large's decoders hold gigabytes of weights
            raw = init.raw_data or numpy_helper.to_array(init).tobytes()
            key = (init.data_type, tuple(init.dims), hashlib.sha256(raw).digest())
            if key not in by_content:
                name = init.name
                while name in used or name in taken:
                    name = f"{name}_merged"
                used.add(name)
                tensor = onnx.TensorProto()
                tensor.CopyFrom(init)
                tensor.name = name
                shared.append(tensor)
                by_content[key] = name
            renames[init.name] = by_content[key]
        _rename_inputs(graph, renames)
        del graph.initializer[:]
        graph.initializer.extend(keep)
    return shared


def merge_decoders(no_past, with_past):
    """Returns the merged ModelProto of two decoder ModelProtos (modified in place) with equal output names."""
    out_a = [o.name for o in no_past.graph.output]
    out_b = [o.name for o in with_past.graph.output]
    assert out_a == out_b, f"the decoders' outputs differ: {out_a} vs {out_b}"
    opsets = {(o.domain, o.version) for o in list(no_past.opset_import) + list(with_past.opset_import)}
    assert len({d for d, _ in opsets}) == len(opsets), f"the decoders were exported with different opsets: {opsets}"
    inputs, seen = [], set()
    for graph in (no_past.graph, with_past.graph):
        for value in graph.input:
            if value.name not in seen:
                seen.add(value.name)
                inputs.append(value)
    shared = _share_weights([no_past.graph, with_past.graph])
    branches = {}
    for name, graph in (("no_past", no_past.graph), ("with_past", with_past.graph)):
        # NOTE: branch outputs keep their names; the If node's outputs carry the same names, as in Optimum's merge.
        branches[name] = helper.make_graph(list(graph.node), name, [], list(graph.output),
                                           initializer=list(graph.initializer))
    use_cache = helper.make_tensor_value_info("use_cache_branch", onnx.TensorProto.BOOL, [1])
    if_node = helper.make_node("If", ["use_cache_branch"], out_a, name="optimum::if",
                               then_branch=branches["with_past"], else_branch=branches["no_past"])
    graph = helper.make_graph([if_node], "merged", inputs + [use_cache], list(no_past.graph.output),
                              initializer=shared)
    merged = helper.make_model(graph, producer_name="ragkit", opset_imports=list(no_past.opset_import))
    merged.ir_version = no_past.ir_version
    return merged
