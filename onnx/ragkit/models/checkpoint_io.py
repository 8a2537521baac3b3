"""Weights of Hugging Face checkpoint folders: `model.safetensors` (read and written here, no safetensors package on
this machine) or `pytorch_model.bin` (torch.load on the CPU).

safetensors layout: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data after the header; an optional
"__metadata__" maps strings to strings), then the raw little-endian tensor bytes."""
import json
import os
import struct

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def read_safetensors(path):
    """Returns ({name: tensor}, metadata dict) from a .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    assert len(blob) >= 8, f"{path}: too short for a safetensors header"
    (header_len,) = struct.unpack("<Q", blob[:8])
    assert 8 + header_len <= len(blob), f"{path}: header length {header_len} exceeds the file"
    header = json.loads(blob[8:8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] in DTYPES, f"{path}: tensor {name} has unsupported dtype {info['dtype']}"
        dtype, shape = DTYPES[info["dtype"]], info["shape"]
        begin, end = info["data_offsets"]
        assert 0 <= begin <= end <= len(data), f"{path}: tensor {name} offsets {begin}..{end} outside the data"
        count = 1
        for dim in shape:
            count *= dim
        expected = count * torch.empty((), dtype=dtype).element_size()
        assert end - begin == expected, f"{path}: tensor {name} has {end - begin} bytes, shape {shape} needs {expected}"
        if count == 0:
            tensors[name] = torch.empty(shape, dtype=dtype)
            continue
        # bytearray: a writable copy, so the tensor owns its memory (frombuffer warns on read-only buffers)
        tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape)
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as safetensors (HF's writer aligns the header to 8 bytes with spaces; so do we)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        assert t.dtype in DTYPE_NAMES, f"tensor {name}: dtype {t.dtype} cannot be written to safetensors"
        raw = tensor_bytes(t)
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def tensor_bytes(t):
    """The raw bytes of a contiguous CPU tensor (bfloat16 through an int16 view: numpy has no bfloat16)."""
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().tobytes()


def write_pytorch_bin(path, tensors):
    """Writes {name: tensor} as `pytorch_model.bin` (a pickled state dict, as HF's save_pretrained did)."""
    torch.save({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, path)


def load_weights(folder):
    """{name: tensor} from a checkpoint folder's model.safetensors or pytorch_model.bin (in that order)."""
    for name in WEIGHT_FILES:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            if name.endswith(".safetensors"):
                return read_safetensors(path)[0]
            return torch.load(path, map_location="cpu")
    sharded = [n for n in os.listdir(folder) if n.endswith(".index.json")] if os.path.isdir(folder) else []
    assert not sharded, f"{folder}: sharded checkpoints ({sharded[0]}) are not supported"
    raise FileNotFoundError(f"{folder}: no {' or '.join(WEIGHT_FILES)}")


def save_weights(folder, tensors, fmt="safetensors"):
    """Writes a checkpoint folder's weights as `fmt` ("safetensors" or "bin"); returns the file path."""
    os.makedirs(folder, exist_ok=True)
    assert fmt in ("safetensors", "bin"), f"fmt must be safetensors or bin, got {fmt!r}"
    path = os.path.join(folder, WEIGHT_FILES[0] if fmt == "safetensors" else WEIGHT_FILES[1])
    (write_safetensors if fmt == "safetensors" else write_pytorch_bin)(path, tensors)
    return path
