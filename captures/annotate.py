#!/usr/bin/env python3
"""annotate.py IN OUT FRAME:TEXT...: adds a packet comment (pcapng opt_comment,
option code 1) to the packet block of each FRAME (1-based), after the options
the block already has; repeat a frame for several comments. TEXT is UTF-8 in
which Python's byte escapes (\\x1b, \\n, \\xff, \\x00) stand for any byte, so it
makes the comments `editcap -a` cannot write: several on one frame (editcap
4.0 replaces), control bytes, bytes that are not UTF-8, NULs. Each block keeps
its byte order; only enhanced and obsolete packet blocks take comments."""
import codecs
import struct
import sys


def annotate(data, want):
    out = bytearray()
    p, frame, le = 0, 0, '<'
    while p < len(data):
        if data[p:p + 4] == b'\x0a\x0d\x0d\x0a':
            le = '<' if data[p + 8:p + 12] == b'\x4d\x3c\x2b\x1a' else '>'
        kind, size = struct.unpack_from(le + 'II', data, p)
        block = data[p:p + size]
        if kind in (2, 3, 6):
            frame += 1
        if kind in (2, 6) and frame in want:
            cap = struct.unpack_from(le + 'I', block, 20)[0]
            o = 28 + ((cap + 3) & ~3)
            opts = bytearray()
            while o + 4 <= size - 4:
                code, n = struct.unpack_from(le + 'HH', block, o)
                if code == 0:
                    break
                opts += block[o:o + 4 + ((n + 3) & ~3)]
                o += 4 + ((n + 3) & ~3)
            for c in want[frame]:
                opts += struct.pack(le + 'HH', 1, len(c)) + c + b'\0' * (-len(c) % 4)
            opts += struct.pack(le + 'HH', 0, 0)
            body = block[8:28 + ((cap + 3) & ~3)] + opts
            block = struct.pack(le + 'II', kind, len(body) + 12) + body + struct.pack(le + 'I', len(body) + 12)
        out += block
        p += size
    return bytes(out)


def main(args):
    if len(args) < 2:
        sys.exit(__doc__)
    want = {}
    for spec in args[2:]:
        n, _, text = spec.partition(':')
        want.setdefault(int(n), []).append(codecs.escape_decode(text.encode('utf-8'))[0])
    with open(args[0], 'rb') as f:
        data = f.read()
    with open(args[1], 'wb') as f:
        f.write(annotate(data, want))


if __name__ == '__main__':
    main(sys.argv[1:])
