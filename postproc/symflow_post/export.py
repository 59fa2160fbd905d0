"""export — symflow field files as VTK XML rectilinear grids and a ParaView collection (MATH.md §8).

What it does: turns a field file into one VTK XML RectilinearGrid file (.vtr) per output
time and a collection file (.pvd) listing them with their times, so that ParaView shows the
density as a volume (form T) or a bar (form L) over time:
    form T ("transport", MATH.md §4.4): the grid's coordinates are the cell faces of a, u, r
        (from a_bnds, u_bnds, r_bnds), cell data "density" = n(t, a, u, r);
    form L ("lifted", MATH.md §4.3): x = the faces of θ (or φ), y and z one cell each of
        width SLAB_WIDTH_REL × the x span, cell data "tau_plus" and "tau_minus" per radian.
Each .vtr also holds the output time as field data "TimeValue" (ParaView reads it).
Values are written as raw little-endian float64 in base64 (format="binary", UInt64 header),
so a reader gets the netCDF numbers bit for bit. Written with numpy and plain XML text: no
VTK library is needed to write (only to read, in the tests).
Every file is written through atomic.py: a temporary beside it, renamed into place when
all of them are complete, the .pvd last (a link planted at a target is replaced, never
followed; a directory, FIFO, device or socket there is refused): a failure leaves nothing
half-written.
What it does not do: export particle, compare or form-ode files (no grid to show), resample,
or write the marginals (they are in the netCDF file).

VTK's cell order is x fastest: cell (i, j, k) is at i + n_x (j + n_y k); the netCDF density
is (time, a, u, r) with r fastest, so each time slice is transposed to (r, u, a) first.
"""

import base64
import os

from xml.sax.saxutils import quoteattr

import numpy as np

from . import atomic
from . import io as sfio

#: Width of the y and z cells of a form-L grid, relative to the span of θ (or φ): a 1-D
#: field has no y, z extent; a thin slab (1/20 of its length) is visible in ParaView
#: without hiding the x variation.
SLAB_WIDTH_REL = 0.05
#: XML VTK file version that allows header_type="UInt64" (VTK ≥ 6).
VTK_FILE_VERSION = "1.0"
#: Byte order of every binary array (numpy dtype "<f8", "<u8").
BYTE_ORDER = "LittleEndian"


class ExportError(sfio.SymflowInputError):
    """A file that cannot be exported, or an output folder that cannot be written."""


def _b64(values):
    """Inline binary DataArray text: base64 of the UInt64 byte count followed by the raw
    little-endian float64 values, encoded in one piece."""
    raw = np.ascontiguousarray(values, dtype="<f8").tobytes()
    return base64.b64encode(np.array([len(raw)], dtype="<u8").tobytes() + raw).decode("ascii")


def _data_array(name, values, indent, tuples=False):
    """A Float64 DataArray element; `tuples` adds NumberOfTuples (field data has no extent
    to size it by)."""
    extra = ' NumberOfTuples="%d"' % np.size(values) if tuples else ""
    return ('%s<DataArray type="Float64" Name="%s" NumberOfComponents="1"%s format="binary">\n'
            '%s  %s\n%s</DataArray>\n' % (indent, name, extra, indent, _b64(values), indent))


def vtr_text(x, y, z, cells, time):
    """Text of a .vtr file: faces x, y, z (each ≥ 2 values), `cells` a list of
    (name, array of shape (n_x, n_y, n_z)), the output time as field data TimeValue."""
    nx, ny, nz = x.size - 1, y.size - 1, z.size - 1
    extent = "0 %d 0 %d 0 %d" % (nx, ny, nz)
    out = ['<?xml version="1.0"?>\n',
           '<VTKFile type="RectilinearGrid" version="%s" byte_order="%s" '
           'header_type="UInt64">\n' % (VTK_FILE_VERSION, BYTE_ORDER),
           '  <RectilinearGrid WholeExtent="%s">\n' % extent,
           '    <FieldData>\n',
           _data_array("TimeValue", np.array([time]), "      ", tuples=True),
           '    </FieldData>\n',
           '    <Piece Extent="%s">\n' % extent,
           '      <CellData Scalars="%s">\n' % cells[0][0]]
    for name, values in cells:
        if values.shape != (nx, ny, nz):
            raise ValueError("cell array %s: shape %s: expected %s"
                             % (name, values.shape, (nx, ny, nz)))
        out.append(_data_array(name, values.transpose(2, 1, 0).ravel(), "        "))
    out += ['      </CellData>\n', '      <Coordinates>\n']
    for name, faces in (("x", x), ("y", y), ("z", z)):
        out.append(_data_array(name, faces, "        "))
    out += ['      </Coordinates>\n', '    </Piece>\n', '  </RectilinearGrid>\n',
            '</VTKFile>\n']
    return "".join(out)


def pvd_text(entries):
    """Text of a .pvd collection: entries (time, file name relative to the .pvd)."""
    out = ['<?xml version="1.0"?>\n',
           '<VTKFile type="Collection" version="0.1" byte_order="%s">\n' % BYTE_ORDER,
           '  <Collection>\n']
    for t, name in entries:
        out.append('    <DataSet timestep="%r" group="" part="0" file=%s/>\n'
                   % (float(t), quoteattr(name)))
    out += ['  </Collection>\n', '</VTKFile>\n']
    return "".join(out)


def grids_of(path):
    """(time, (x, y, z) faces, [(name, (nt, n_x, n_y, n_z) array)]) of a field file."""
    ds = sfio.open_dataset(path)
    kind = sfio.kind_of(ds, path)
    if kind != "field":
        raise ExportError("%s: a %s file: expected a field file (symflow_kind = \"field\")"
                          % (path, kind))
    form = sfio._text(ds.attrs.get("form", ""))
    if form == "transport":
        f = sfio.read_transport(path, ds)
        x, y, z = (f.edges[c] for c in sfio.TRANSPORT_COORDS)
        return f.time, (x, y, z), [("density", f.density)]
    if form == "lifted":
        f = sfio.read_field(path, ds)
        x = f.edges
        yz = np.array([0.0, SLAB_WIDTH_REL * (x[-1] - x[0])])
        return f.time, (x, yz, yz), [(name, getattr(f, name)[:, :, None, None])
                                     for name in ("tau_plus", "tau_minus")]
    raise ExportError("%s: attribute form = %r: nothing to export as a grid: expected "
                      "\"transport\" (form T) or \"lifted\" (form L)" % (path, form))


def _prepare_outdir(outdir):
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise ExportError("output folder %s: %s" % (outdir, exc.strerror or exc))
    if not os.path.isdir(outdir):
        raise ExportError("output folder %s: not a directory" % outdir)


def export_vtk(path, outdir, stem=None):
    """Write <stem>_<i>.vtr (one per output time) and <stem>.pvd into `outdir`; returns
    the paths written, the .pvd last. stem defaults to the file's name without .nc."""
    time, (x, y, z), cells = grids_of(path)
    if stem is None:
        stem = os.path.basename(path)
        stem = stem[:-3] if stem.endswith(".nc") and len(stem) > 3 else stem
    width = max(4, len(str(time.size - 1)))
    names = ["%s_%0*d.vtr" % (stem, width, i) for i in range(time.size)]
    _prepare_outdir(outdir)
    paths = [os.path.join(outdir, name) for name in names]
    pvd = os.path.join(outdir, stem + ".pvd")
    try:
        with atomic.batch():   # every file or none; renamed in order, the collection last
            for i, p in enumerate(paths):
                atomic.write_text(p, vtr_text(x, y, z, [(n, a[i]) for n, a in cells],
                                              time[i]), "ascii")
            atomic.write_text(pvd, pvd_text(zip(time, names)), "ascii")
    except atomic.OutputError as exc:
        raise ExportError(str(exc))
    except OSError as exc:
        raise ExportError("output folder %s: %s" % (outdir, exc.strerror or exc))
    return paths + [pvd]
