"""Runs ONNX graphs through onnxruntime-node (`onnx/tools/ort-run.mjs`), the runtime the service uses; Python's
onnxruntime is not installable here. Tensors cross as base64 little-endian bytes in a JSON file."""
import base64
import json
import os
import subprocess
import tempfile

import numpy as np

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools")
DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32, "int8": np.int8,
          "uint8": np.uint8, "bool": np.bool_}


def encode(array):
    """The JSON form of a numpy array (or a torch tensor)."""
    array = np.ascontiguousarray(array.detach().cpu().numpy() if hasattr(array, "detach") else array)
    name = {np.dtype(v): k for k, v in DTYPES.items()}[array.dtype]
    return {"dtype": name, "dims": list(array.shape), "b64": base64.b64encode(array.tobytes()).decode("ascii")}


def decode(spec):
    """A numpy array from the JSON form."""
    return np.frombuffer(base64.b64decode(spec["b64"]), dtype=DTYPES[spec["dtype"]]).reshape(spec["dims"]).copy()


def run_onnx(model_path, runs, timeout=120):
    """Runs `model_path` once per entry of `runs` ({"inputs": {name: array | {"from": output}}, "outputs": [...]})
    in one Node process. Returns (metadata, results) with results a list of {output name: numpy array} and metadata
    {"inputs": [...], "outputs": [...]} as onnxruntime-node reports them (name, type, shape)."""
    request = {"model": os.path.abspath(model_path), "runs": []}
    for run in runs:
        inputs = {k: v if isinstance(v, dict) else encode(v) for k, v in run["inputs"].items()}
        request["runs"].append({"inputs": inputs, **({"outputs": run["outputs"]} if "outputs" in run else {})})
    with tempfile.TemporaryDirectory() as tmp:
        req, res = os.path.join(tmp, "request.json"), os.path.join(tmp, "response.json")
        with open(req, "w") as f:
            json.dump(request, f)
        proc = subprocess.run(["node", os.path.join(TOOLS, "ort-run.mjs"), req, res], capture_output=True,
                              text=True, timeout=timeout)
        assert proc.returncode == 0, f"ort-run.mjs failed: {proc.stderr[-2000:]}"
        with open(res) as f:
            response = json.load(f)
    meta = {"inputs": response["inputs"], "outputs": response["outputs"]}
    return meta, [{k: decode(v) for k, v in run.items()} for run in response["runs"]]
