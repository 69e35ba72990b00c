# Cuts the small Fashion-MNIST subset shipped in data/fashion-mnist-subset/ out of the full IDX files.
# Usage: python3 data/make_fashion_mnist_subset.py [SOURCE_DIR] (default /usr/share/datasets/fashion-mnist).
# Takes the first N records and rewrites the count in the IDX header; gzip mtime is 0 so reruns are byte-identical.
import gzip
import os
import struct
import sys

SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-subset")
CUTS = [("train-images-idx3-ubyte", 4000), ("train-labels-idx1-ubyte", 4000),
        ("t10k-images-idx3-ubyte", 1000), ("t10k-labels-idx1-ubyte", 1000)]


def first_records(data, count):
    ndims = data[3]
    dims = list(struct.unpack(">%dI" % ndims, data[4:4 + 4 * ndims]))
    record = 1
    for d in dims[1:]:
        record *= d
    header_len = 4 + 4 * ndims
    dims[0] = count
    return data[:4] + struct.pack(">%dI" % ndims, *dims) + data[header_len:header_len + count * record]


for name, count in CUTS:
    with gzip.open(os.path.join(SOURCE, name + ".gz"), "rb") as f:
        cut = first_records(f.read(), count)
    with open(os.path.join(TARGET, name + ".gz"), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as out:
            out.write(cut)
    print(name, count, "records")
