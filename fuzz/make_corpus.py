#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (small valid files of each format) into fuzz/corpus/.

The IDX target reads its first byte as the dtype mode and the CSV target its first two bytes as
options, so those seeds carry the prefix."""
import gzip
import json
import pathlib
import struct

root = pathlib.Path(__file__).resolve().parent / "corpus"


def write(kind, name, data):
    folder = root / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    for name, (code, shape, raw) in tensors.items():
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + blob


write("safetensors", "linear", safetensors({
    "weight": ("F32", [2, 3], struct.pack("<6f", 1, 2, 3, 4, 5, 6)),
    "bias": ("F32", [2], struct.pack("<2f", 0.5, -0.5)),
}))
write("safetensors", "mixed", safetensors({
    "step": ("I64", [], struct.pack("<q", 7)),
    "mask": ("BOOL", [3], bytes([1, 0, 1])),
    "moments": ("F64", [2, 1], struct.pack("<2d", 0.25, 1e-300)),
    "empty": ("F32", [0, 4], b""),
}, {"epoch": "3", "format": "pt"}))
write("safetensors", "nothing", safetensors({}))


def idx(code, fmt, shape, values):
    head = bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)
    return head + struct.pack(">" + fmt * len(values), *values)


labels = idx(0x08, "B", [5], [0, 1, 2, 9, 3])
images = idx(0x08, "B", [2, 2, 3], list(range(0, 240, 20)))
write("idx", "labels", b"\0" + labels)
write("idx", "images", b"\0" + images)
write("idx", "images_gz", b"\0" + gzip.compress(images, mtime=0))
write("idx", "float32_as_int64", b"\3" + idx(0x0D, "f", [2, 2], [1.0, -2.0, 3.5, 0.0]))
write("idx", "float64", b"\2" + idx(0x0E, "d", [3], [1e10, -1e-10, 2.0]))
write("idx", "int16", b"\1" + idx(0x0B, "h", [2, 1], [-300, 300]))
write("idx", "int32_bool", b"\4" + idx(0x0C, "i", [3], [0, 1, -7]))
write("idx", "int8", b"\0" + idx(0x09, "b", [4], [-128, 0, 1, 127]))

# Option bytes: bit 0 header, bits 1-3 delimiter, bit 4 categorical, bit 5 float64; second byte
# label choice (mod 6) and, bit 3, float32 labels.
write("csv", "iris_like", bytes([0b000001, 1]) + b"a,b,c,label\n1.5,2,3e-1,0\n4,5,6,1\n\n7,8,9,2\r\n")
write("csv", "categorical_named", bytes([0b010001, 4]) + b"x;label;y\n1;cat;2\n3;dog;4\n5;\"c;at\";6\n")
write("csv", "no_header_regression", bytes([0b100110, 0b1001]) + b" 1\t2\t3.25 \n4\t5\t-6\n")
write("csv", "quoted", bytes([0b000001, 2]) + b'"id","v"\n"1","2.5"\n"2"," 3 "\n')
write("csv", "columns_pick", bytes([0b000000, 5]) + b"1|2|3|4\n5|6|7|8\n")

# Hostile-input seeds: a spreadsheet's byte-order mark, a NUL byte and a long field in CSV; an IDX
# gzip with more data than its header declares; a safetensors header with an empty tensor name.
write("csv", "utf8_bom", bytes([0b000001, 4]) + b"\xef\xbb\xbflabel,a\n1,2.5\n0,3.5\n")
write("csv", "nul_byte", bytes([0b000001, 1]) + b"a,label\n1\x00x,0\n")
write("csv", "long_field", bytes([0b000001, 1]) + b"a,label\n" + b"7" * 4096 + b"x,0\n")
write("idx", "gz_trailing", b"\0" + gzip.compress(labels + b"\x05\x06", mtime=0))
write("safetensors", "empty_name", safetensors({"": ("F32", [1], struct.pack("<f", 1.0))}))
