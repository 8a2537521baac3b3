"""Float16 storage of a graph's weights: every large float32 initializer is stored as float16 and read through a
Cast back to float32, so the file is half the size while the graph still computes in float32. onnxruntime folds the
Casts of constant inputs when it loads the graph, so serving pays nothing per run. `restore_float32` undoes it
exactly (the float32 values are the float16 ones), for tools that read weights from a bundle (warm_start)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SUFFIX = "__float16"


def store_float16(model, min_elements=1024):
    """Converts `model` (an onnx ModelProto) in place and returns it. Small tensors (LayerNorm scales, biases of
    small layers) stay float32: they weigh little and keep their precision."""
    graph = model.graph
    inputs = {i.name for i in graph.input}
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            continue
        assert init.name not in inputs, f"{init.name} is also a graph input: its Cast would shadow it"
        name, array = init.name, numpy_helper.to_array(init)
        init.CopyFrom(numpy_helper.from_array(array.astype(np.float16), name + SUFFIX))
        casts.append(helper.make_node("Cast", [name + SUFFIX], [name], to=TensorProto.FLOAT, name=name + "_to_float"))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def restore_float32(model):
    """The inverse of store_float16, in place: float32 initializers under their original names, Casts removed."""
    graph = model.graph
    stored = {i.name: i for i in graph.initializer if i.name.endswith(SUFFIX) and i.data_type == TensorProto.FLOAT16}
    kept = []
    for node in graph.node:
        if node.op_type == "Cast" and len(node.input) == 1 and node.input[0] in stored:
            init = stored[node.input[0]]
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float32), node.output[0]))
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    return model


def convert_file(path, min_elements=1024):
    onnx.save(store_float16(onnx.load(path), min_elements), path)
