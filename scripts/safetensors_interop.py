#!/usr/bin/python3
"""Python half of xgrad's safetensors interop test (tests/test_nn_safetensors.cpp).

  safetensors_interop.py read  FILE EXPECTED.json   read FILE (written by xgrad) with numpy, parsing the
                                                    format directly, and with torch when importable; compare
                                                    with EXPECTED.json; exit 0 when everything is equal
  safetensors_interop.py write FILE EXPECTED.json   write FILE the way Python's safetensors does (header
                                                    padded to 8 bytes) plus the values xgrad must load

EXPECTED.json: {"tensors": {name: {"dtype": "F32"|"F64"|"I64"|"BOOL", "shape": [...], "values": [...],
"hex": raw little-endian bytes}}, "metadata": {...}}. Non-finite values are the strings "nan", "inf", "-inf".
"""
import json
import struct
import sys

import numpy as np

NUMPY_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8"), "BOOL": np.dtype("bool")}


def decode_value(v):
    return float(v) if isinstance(v, str) else v


def encode_value(v):
    if isinstance(v, float) and not np.isfinite(v):
        return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    arrays = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        arrays[name] = (info["dtype"], np.frombuffer(data[begin:end], dtype=NUMPY_DTYPES[info["dtype"]])
                        .reshape(info["shape"]), data[begin:end])
    return arrays, metadata, n


def same_values(array, expected):
    want = np.array([decode_value(v) for v in expected["values"]], dtype=array.dtype).reshape(expected["shape"])
    if array.dtype.kind == "f":
        return array.shape == want.shape and np.array_equal(array, want, equal_nan=True) and \
            np.array_equal(np.signbit(array), np.signbit(want))
    return array.shape == want.shape and np.array_equal(array, want)


def check_with_torch(path, expected):
    try:
        import torch
    except ImportError:
        print("torch not importable: numpy check only")
        return True
    torch_dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "BOOL": torch.bool}
    with open(path, "rb") as f:
        blob = bytearray(f.read())
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(bytes(blob[8:8 + n]))
    header.pop("__metadata__", None)
    ok = True
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = torch_dtypes[info["dtype"]]
        count = (end - begin) // torch.tensor([], dtype=dtype).element_size()
        t = (torch.frombuffer(blob, dtype=dtype, count=count, offset=8 + n + begin) if count else
             torch.empty(0, dtype=dtype)).reshape(info["shape"])
        want = torch.tensor([decode_value(v) for v in expected[name]["values"]], dtype=dtype).reshape(info["shape"])
        equal = torch.equal(t.isnan(), want.isnan()) and torch.equal(t.nan_to_num(), want.nan_to_num()) \
            if dtype.is_floating_point else torch.equal(t, want)
        if not equal:
            print(f"torch: tensor {name} differs: {t} vs {want}")
            ok = False
    print(f"torch {torch.__version__}: {len(header)} tensors {'equal' if ok else 'DIFFER'}")
    return ok


def read_mode(path, expected_path):
    with open(expected_path) as f:
        expected = json.load(f)
    arrays, metadata, header_len = read_safetensors(path)
    ok = True
    if set(arrays) != set(expected["tensors"]):
        print(f"names differ: {sorted(arrays)} vs {sorted(expected['tensors'])}")
        return 1
    for name, (dtype, array, raw) in arrays.items():
        want = expected["tensors"][name]
        if dtype != want["dtype"] or list(array.shape) != want["shape"] or raw.hex() != want["hex"] \
                or not same_values(array, want):
            print(f"numpy: tensor {name} differs: {dtype} {array.shape} {array.ravel()[:8]} vs {want}")
            ok = False
    if metadata != expected["metadata"]:
        print(f"metadata differs: {metadata} vs {expected['metadata']}")
        ok = False
    if header_len % 8 != 0:
        print(f"note: header length {header_len} is not a multiple of 8")
    print(f"numpy {np.__version__}: {len(arrays)} tensors {'equal' if ok else 'DIFFER'}")
    ok = check_with_torch(path, expected["tensors"]) and ok
    return 0 if ok else 1


def write_mode(path, expected_path):
    tensors = {
        "linear.weight": ("F32", (np.arange(12, dtype=np.float32).reshape(3, 4) / np.float32(7) - np.float32(0.5))),
        "linear.bias": ("F64", np.array([-0.0, 1e-300, 1.5], dtype=np.float64)),
        "special": ("F64", np.array([np.inf, -np.inf, np.nan, 5e-324], dtype=np.float64)),
        "counts": ("I64", np.array([[-2**63, 0], [1, 2**63 - 1]], dtype=np.int64)),
        "mask": ("BOOL", np.array([True, False, True])),
        "scalar": ("F32", np.array(3.25, dtype=np.float32)),
        "empty": ("F32", np.zeros((0, 3), dtype=np.float32)),
    }
    metadata = {"format": "pt", "source": "python"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, (code, array) in tensors.items():
        raw = array.astype(NUMPY_DTYPES[code]).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)  # as the safetensors library pads its header
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    expected = {"metadata": metadata, "tensors": {
        name: {"dtype": code, "shape": list(array.shape),
               "values": [encode_value(v) for v in array.ravel().tolist()],
               "hex": array.astype(NUMPY_DTYPES[code]).tobytes().hex()}
        for name, (code, array) in tensors.items()}}
    with open(expected_path, "w") as f:
        json.dump(expected, f)
    print(f"wrote {path} ({len(tensors)} tensors)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("read", "write"):
        print(__doc__)
        sys.exit(2)
    sys.exit((read_mode if sys.argv[1] == "read" else write_mode)(sys.argv[2], sys.argv[3]))
