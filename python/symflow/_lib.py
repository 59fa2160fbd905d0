"""Loading libsymflow and declaring the stable C API (include/symflow/api.h)."""
import ctypes
import ctypes.util
import glob
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_lib = None


class SymflowError(RuntimeError):
    """A failed symflow call: `message` (one line) and `status` (the sf_status code, which
    is also the exit code of the `symflow` command: 2 argument, 3 parse, 4 range, …)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return "%s (status %d)" % (self.message, self.status)


def _candidates():
    env = os.environ.get("SYMFLOW_LIB")
    if env:
        yield env
        return
    # installed: PREFIX/lib/python3/dist-packages/symflow → PREFIX/lib
    prefix_lib = os.path.normpath(os.path.join(_HERE, "..", "..", ".."))
    for name in ("libsymflow.so", "libsymflow.dylib"):
        yield os.path.join(prefix_lib, name)
    for path in sorted(glob.glob(os.path.join(prefix_lib, "libsymflow.so.*"))):
        yield path
    # source tree: python/symflow → ROOT/build/<preset>
    root = os.path.normpath(os.path.join(_HERE, "..", ".."))
    for preset in ("dev", "release"):
        yield os.path.join(root, "build", preset, "libsymflow.so")
    found = ctypes.util.find_library("symflow")
    if found:
        yield found


def library():
    """The loaded libsymflow (ctypes.CDLL), loaded on first use; SymflowError if none."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as exc:
            tried.append("%s (%s)" % (path, exc))
            continue
        lib.sf_api_solve.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                                     ctypes.c_size_t, ctypes.c_char_p, ctypes.c_char_p,
                                     ctypes.c_size_t]
        lib.sf_api_solve.restype = ctypes.c_int
        lib.sf_api_check_particles.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                               ctypes.c_size_t]
        lib.sf_api_check_particles.restype = ctypes.c_int
        lib.sf_api_version.argtypes = []
        lib.sf_api_version.restype = ctypes.c_char_p
        _lib = lib
        return lib
    raise SymflowError("libsymflow not found; set SYMFLOW_LIB to its path (tried: %s)"
                       % "; ".join(tried), 6)


def version():
    """The version of the loaded libsymflow, e.g. "1.4.0"."""
    return library().sf_api_version().decode()


def api_solve(case_path, overrides, out_path):
    """sf_api_solve; SymflowError on a non-zero status."""
    lib = library()
    enc = [s.encode() for s in overrides]
    arr = (ctypes.c_char_p * max(len(enc), 1))(*enc)
    msg = ctypes.create_string_buffer(4096)
    status = lib.sf_api_solve(os.fsencode(case_path), arr, len(enc), os.fsencode(out_path),
                              msg, len(msg))
    if status != 0:
        raise SymflowError(msg.value.decode("utf-8", "replace"), status)


def check_particles(path):
    """sf_api_check_particles: SymflowError (the one-line message naming the file and the
    variable or attribute, and the status) when `path` is not a valid particles-1 file."""
    lib = library()
    msg = ctypes.create_string_buffer(4096)
    status = lib.sf_api_check_particles(os.fsencode(path), msg, len(msg))
    if status != 0:
        raise SymflowError(msg.value.decode("utf-8", "replace"), status)
