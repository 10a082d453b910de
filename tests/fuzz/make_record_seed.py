#!/usr/bin/env python3
"""Packs one image folder of a raw recording (what libhr_record.so writes,
traces/record_format.h) into a fuzz_record input (record_input.h): flag byte,
the process header's 512 bytes, then each thread file cut after its last
record and after at most MAX_WORDS words.

    tests/fuzz/make_record_seed.py IMAGE_DIR OUT [--flags N] [--max-words N] [--exe NAME]

Get an image folder by running a program with the library preloaded:
    mkdir /tmp/rec && HEAPREPLAY_RECORD_DIR=/tmp/rec HEAPREPLAY_RECORD_FORK=child \\
        LD_PRELOAD=build/lib/libhr_record.so build/bin/mt_alloc --threads 2 --items 20
"""
import argparse
import os
import struct
import sys

PROCESS_HEADER = 512
THREAD_HEADER = 64
EXE_OFFSET, EXE_BYTES = 56, 256  # hr_process_header.exe
# Words per record by op (hr_record_words); PAD (11) is left out: a seed
# stops before the first chunk ends.
RECORD_WORDS = {1: 3, 2: 4, 3: 4, 4: 2, 5: 4, 6: 4, 7: 4, 8: 3, 9: 3, 10: 2, 12: 2}


def thread_words(path, max_words):
    data = open(path, "rb").read()
    words = [struct.unpack_from("<Q", data, i)[0] for i in range(0, len(data) - len(data) % 8, 8)]
    head = THREAD_HEADER // 8
    end = head
    while end < len(words) and words[end] != 0:  # whole records, as the reader walks them
        n = RECORD_WORDS.get(words[end] & 0xFF, 0)
        if n == 0 or end + n > head + max_words:
            break
        end += n
    return words[:end]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image_dir")
    ap.add_argument("out")
    ap.add_argument("--flags", type=int, default=1)
    ap.add_argument("--max-words", type=int, default=400)
    ap.add_argument("--exe", help="put this in the header's exe field instead of the recorded path")
    a = ap.parse_args()
    process = bytearray(open(os.path.join(a.image_dir, "process"), "rb").read()[:PROCESS_HEADER])
    if a.exe is not None:
        process[EXE_OFFSET : EXE_OFFSET + EXE_BYTES] = a.exe.encode()[: EXE_BYTES - 1].ljust(EXE_BYTES, b"\0")
    out = bytearray([a.flags]) + process
    names = sorted((n for n in os.listdir(a.image_dir) if n.startswith("thread-")), key=lambda n: int(n[7:]))
    for n in names:
        for w in thread_words(os.path.join(a.image_dir, n), a.max_words):
            out += struct.pack("<Q", w)
    open(a.out, "wb").write(out)
    print(f"{a.out}: {len(names)} thread file(s), {len(out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
