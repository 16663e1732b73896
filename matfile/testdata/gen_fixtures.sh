#!/bin/sh
# gen_fixtures.sh regenerates the MAT-file fixtures in this directory with the
# real tools: GNU Octave (save -v7 compressed, save -v6 uncompressed) and
# Python's scipy.io.savemat (uncompressed and do_compression=True). The
# big-endian fixtures are made by byte-swapping the scipy files structurally
# (neither Octave nor scipy can write big-endian MAT-files); scipy.io.loadmat
# is then used to check that each swapped file reads back identically.
#
# Usage (from anywhere): sh matfile/testdata/gen_fixtures.sh
# Needs: octave (Debian package "octave") and /usr/bin/python3 with scipy
# (Debian package "python3-scipy").
set -eu

cd "$(dirname "$0")"
PY=${PYTHON:-/usr/bin/python3}
OCTAVE=${OCTAVE:-octave}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- Octave ----
cat >"$tmp/gen.m" <<'EOF'
dbl = [1.5 -2 3; 4 5.25 -6e10];
special = [NaN Inf -Inf -0];
dint = [1 2 3; 4 5 250];
dneg = [-1 -300 7];
dbig = [100000 -5];
sgl = single([1.5 -2.25; 3e-5 1e20]);
i8 = int8([-128 0 127]);
u8 = uint8([0 255 7]);
i16 = int16([-32768 32767]);
u16 = uint16([65535 1]);
i32 = int32([-2147483648 2147483647]);
u32 = uint32([4294967295 0]);
i64 = [intmin('int64') int64(-9007199254740992) int64(9007199254740991) intmax('int64')];
u64 = [uint64(0) uint64(9007199254740993) intmax('uint64')];
lg = logical([1 0 1; 0 0 1]);
str = 'hello world';
chm = ['abc'; 'def'];
scl = 42.5;
nd = reshape(1:24, 2, 3, 4) + 0.5;
emp = [];
emp2 = zeros(0, 3);
estr = '';
% Octave chars are UTF-8 bytes: a row it can convert is saved as UTF-16
% (1x2 here), a char matrix is saved as its raw bytes (2x3 here).
us = 'µé';
um = ['µa'; 'éb'];
st = struct('a', 1, 'b', 'x');
ce = {1, 'two'};
sp = sparse([1 0; 0 2]);
cplx = [1+2i, 3-4i];
last = 7;
vars = {'dbl','special','dint','dneg','dbig','sgl','i8','u8','i16','u16', ...
        'i32','u32','i64','u64','lg','str','chm','scl','nd','emp','emp2', ...
        'estr','us','um','st','ce','sp','cplx','last'};
save('-v7', 'octave_v7.mat', vars{:});
save('-v6', 'octave_v6.mat', vars{:});
EOF
(cd "$tmp" && "$OCTAVE" --no-gui --quiet --norc gen.m)
cp "$tmp/octave_v7.mat" "$tmp/octave_v6.mat" .

# ----------------------------------------------------------------- scipy ----
"$PY" - <<'EOF'
import numpy as np
import scipy.io as sio

def variables():
    d = {}
    d['dbl'] = np.array([[1.5, -2, 3], [4, 5.25, -6e10]])
    d['special'] = np.array([[np.nan, np.inf, -np.inf, -0.0]])
    d['sgl'] = np.array([[1.5, -2.25], [3e-5, 1e20]], dtype=np.float32)
    d['i8'] = np.array([[-128, 0, 127]], dtype=np.int8)
    d['u8'] = np.array([[0, 255, 7]], dtype=np.uint8)
    d['i16'] = np.array([[-32768, 32767]], dtype=np.int16)
    d['u16'] = np.array([[65535, 1]], dtype=np.uint16)
    d['i32'] = np.array([[-2147483648, 2147483647]], dtype=np.int32)
    d['u32'] = np.array([[4294967295, 0]], dtype=np.uint32)
    d['i64'] = np.array([[-2**63, -2**53, 2**53 - 1, 2**63 - 1]], dtype=np.int64)
    d['u64'] = np.array([[0, 2**53 + 1, 2**64 - 1]], dtype=np.uint64)
    d['lg'] = np.array([[True, False, True], [False, False, True]])
    d['str'] = 'hello world'
    d['chm'] = np.array(['abc', 'def'])
    d['scl'] = 42.5
    d['nd'] = np.arange(1, 25, dtype=float).reshape((2, 3, 4), order='F') + 0.5
    d['emp'] = np.zeros((0, 0))
    d['emp2'] = np.zeros((0, 3))
    d['estr'] = ''
    # Python objects, to document how scipy shapes and types them.
    d['pyint'] = 7
    d['pybool'] = True
    d['pylist'] = [1.0, 2.5, 3.0]
    d['oned'] = np.array([1.0, 2.0, 3.0])
    d['cols'] = [np.array([[1.0], [2.0]]), np.array([[3.0], [4.0]])]
    d['st'] = {'a': 1.0, 'b': 'x'}
    d['ce'] = np.array([1.0, 'two'], dtype=object)
    d['last'] = 7.0
    return d

sio.savemat('scipy_v5.mat', variables())
sio.savemat('scipy_v5z.mat', variables(), do_compression=True)
# Non-ASCII text: savemat only writes ASCII; the writer class it uses can
# write UTF-8 with unicode_strings=True.
from scipy.io.matlab._mio5 import MatFile5Writer
with open('scipy_utf8.mat', 'wb') as fh:
    MatFile5Writer(fh, unicode_strings=True).put_variables(
        {'txt': 'µé→😀', 'abc': 'abc'})
EOF

# --------------------------------------------------------- MATLAB-style ----
# MATLAB (unlike Octave 7 and scipy) stores integer-valued double arrays in the
# smallest integer type that holds them (miUINT8, miINT16, ...) and writes
# char data as miUINT16. Neither tool here writes such files, so this writes
# the elements by hand and checks that scipy.io.loadmat agrees on the values.
"$PY" - <<'EOF'
import struct, zlib
import numpy as np
import scipy.io as sio

def elem(t, data):
    if 0 < len(data) <= 4 and t != 14:
        return struct.pack('<HH', t, len(data)) + data.ljust(4, b'\0')
    return struct.pack('<II', t, len(data)) + data + b'\0' * ((8 - len(data) % 8) % 8)

def matrix(name, mclass, dims, dtype_t, data, logical=False):
    flags = mclass | ((2 if logical else 0) << 8)
    body = elem(6, struct.pack('<II', flags, 0))
    body += elem(5, struct.pack('<%di' % len(dims), *dims))
    body += elem(1, name.encode())
    body += elem(dtype_t, data)
    return elem(14, body)

def compressed(m):
    z = zlib.compress(m)
    return struct.pack('<II', 15, len(z)) + z

hdr = b'MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Thu Jan  1 00:00:00 2026'
hdr = hdr.ljust(116, b' ') + b' ' * 8 + struct.pack('<H', 0x0100) + b'IM'
out = hdr
# double 2x3 [1 2 3; 4 5 250] stored as miUINT8 (column-major)
out += matrix('du8', 6, [2, 3], 2, bytes([1, 4, 2, 5, 3, 250]))
# double 1x3 [-1 -300 7] stored as miINT16
out += matrix('di16', 6, [1, 3], 3, struct.pack('<3h', -1, -300, 7))
# double 1x2 [100000 -5] stored as miINT32, compressed
out += compressed(matrix('di32', 6, [1, 2], 5, struct.pack('<2i', 100000, -5)))
# double 1x2 [65535 0] stored as miUINT16
out += matrix('du16', 6, [1, 2], 4, struct.pack('<2H', 65535, 0))
# single 1x2 [3 -4] stored as miINT8
out += matrix('si8', 7, [1, 2], 1, struct.pack('<2b', 3, -4))
# int32 1x2 [7 -8] stored as miINT8 (MATLAB compresses integer classes too)
out += matrix('i32i8', 12, [1, 2], 1, struct.pack('<2b', 7, -8))
# char 1x5 'hello' stored as miUINT16
out += matrix('c16', 4, [1, 5], 4, 'hello'.encode('utf-16-le'))
# char 2x2 ['ab';'cd'] stored as miUINT16, compressed
out += compressed(matrix('c16m', 4, [2, 2], 4, 'acbd'.encode('utf-16-le')))
# char 1x3 'é€x' stored as miUINT16 (BMP code points)
out += matrix('c16u', 4, [1, 3], 4, 'é€x'.encode('utf-16-le'))
# logical 1x3 stored as miUINT8 with the logical flag
out += matrix('lgc', 9, [1, 3], 2, bytes([1, 0, 1]), logical=True)
open('matlab_style.mat', 'wb').write(out)

# mat_dtype=True: return the MATLAB class, not the storage type; scipy's
# default uint16_codec (the system encoding, utf-8) cannot decode miUINT16.
d = sio.loadmat('matlab_style.mat', mat_dtype=True, uint16_codec='utf-16-le')
assert np.array_equal(d['du8'], [[1, 2, 3], [4, 5, 250]]) and d['du8'].dtype == np.float64
assert np.array_equal(d['di16'], [[-1, -300, 7]]) and d['di16'].dtype == np.float64
assert np.array_equal(d['di32'], [[100000, -5]]) and d['di32'].dtype == np.float64
assert np.array_equal(d['du16'], [[65535, 0]]) and d['du16'].dtype == np.float64
assert np.array_equal(d['si8'], [[3, -4]]) and d['si8'].dtype == np.float32
assert np.array_equal(d['i32i8'], [[7, -8]]) and d['i32i8'].dtype == np.int32
assert list(d['c16']) == ['hello'], d['c16']
assert list(d['c16m']) == ['ab', 'cd'], d['c16m']
assert list(d['c16u']) == ['é€x'], d['c16u']
assert np.array_equal(d['lgc'], [[1, 0, 1]])
EOF

# ------------------------------------------------------------ big-endian ----
"$PY" - <<'EOF'
import struct, zlib
import numpy as np
import scipy.io as sio

SIZES = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8,
         16: 1, 17: 2, 18: 4}
MIMATRIX, MICOMPRESSED = 14, 15

def swap_data(t, data):
    size = SIZES[t]
    if size == 1:
        return data
    fmt = {2: 'H', 4: 'I', 8: 'Q'}[size]
    n = len(data) // size
    vals = struct.unpack('<%d%s' % (n, fmt), data)
    return struct.pack('>%d%s' % (n, fmt), *vals)

def swap_elements(buf):
    """Swap a sequence of little-endian data elements to big-endian."""
    out = b''
    pos = 0
    while pos < len(buf):
        first, = struct.unpack_from('<I', buf, pos)
        if first >> 16:  # small data element
            t, n = first & 0xffff, first >> 16
            data = buf[pos + 4:pos + 4 + n]
            out += struct.pack('>I', first) + swap_data(t, data).ljust(4, b'\0')
            pos += 8
            continue
        t, n = struct.unpack_from('<II', buf, pos)
        data = buf[pos + 8:pos + 8 + n]
        if t == MIMATRIX:
            body = swap_elements(data)
        elif t == MICOMPRESSED:
            body = zlib.compress(swap_elements(zlib.decompress(data)))
        else:
            body = swap_data(t, data)
        out += struct.pack('>II', t, len(body)) + body
        pos += 8 + n
        if t != MICOMPRESSED:
            pad = (8 - n % 8) % 8
            out += b'\0' * pad
            pos += pad
    return out

def swap_file(src, dst):
    raw = open(src, 'rb').read()
    assert raw[126:128] == b'IM'
    hdr = raw[:124] + struct.pack('>H', 0x0100) + b'MI'
    open(dst, 'wb').write(hdr + swap_elements(raw[128:]))

def same(a, b):
    if isinstance(a, np.ndarray) and a.dtype.fields is None and a.dtype != object:
        return a.dtype.str[1:] == b.dtype.str[1:] and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == 'f')
    return True

for src, dst in (('scipy_v5.mat', 'scipy_v5_be.mat'), ('scipy_v5z.mat', 'scipy_v5z_be.mat')):
    swap_file(src, dst)
    a, b = sio.loadmat(src), sio.loadmat(dst)
    for k in a:
        if not k.startswith('__'):
            assert same(a[k], b[k]), (dst, k)
EOF

ls -l ./*.mat
