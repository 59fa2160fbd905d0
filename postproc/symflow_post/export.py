"""export — symflow field files as VTK XML rectilinear grids and a ParaView collection (MATH.md §8).

What it does: turns a field file into one VTK XML RectilinearGrid file (.vtr) per output
time and a collection file (.pvd) listing them with their times, so that ParaView shows the
density as a volume (form T) or a bar (form L) over time:
    form T ("transport", MATH.md §4.4): the grid's coordinates are the cell faces of a, u, r
        (from a_bnds, u_bnds, r_bnds), cell data "density" = n(t, a, u, r);
    form L ("lifted", MATH.md §4.3): x = the faces of θ (or φ), y and z one cell each of
        width SLAB_WIDTH_REL × the x span, cell data "tau_plus" and "tau_minus" per radian.
    form L on the d_H = 2 hemisphere (MATH.md §4.8, tau_plus(time, theta, phi)): x = the
        faces of θ ∈ [0, π/2], y = the faces of the azimuth φ ∈ [0, 2π] (the periodic seam at
        φ = 0 = 2π is not closed: a rectangle, not a sphere), z one slab cell; cell data
        "tau_plus", "tau_minus" per dθ dφ.
Each .vtr also holds the output time as field data "TimeValue" (ParaView reads it).
The .vtr files are written by VTK's own vtkXMLRectilinearGridWriter (python3-vtk9: inline
binary, zlib-compressed, UInt64 headers; float64 kept, so a reader gets the netCDF numbers
bit for bit); the .pvd collection is a few lines of XML written here (VTK has no .pvd
writer outside ParaView).
Form T view window: the solver's box is sized for the whole run and is mostly empty at the
end (±36 in a while the density lives in |a| ≲ 7), so by default the grid is cropped, in
whole cells, to the window where the density lives at the LAST output: per coordinate, the
cells between the tails that hold at most VIEW_TAIL/2 of the mass each (all but VIEW_TAIL of
the mass kept), found from the marginals of |n|·cell volume: the file's view_a, view_u,
view_r attributes (core/ncio.c, same rule) when present, else computed here. The same window
at every time (so that ParaView's view is fixed); whole_box=True (--whole-box) keeps the
solver's box.
Every file is written through atomic.py: a temporary beside it, renamed into place when
all of them are complete, the .pvd last (a link planted at a target is replaced, never
followed; a directory, FIFO, device or socket there is refused): a failure leaves nothing
half-written.
What it does not do: export particle, compare or form-ode files (no grid to show), resample,
or write the marginals (they are in the netCDF file).

VTK's cell order is x fastest: cell (i, j, k) is at i + n_x (j + n_y k); the netCDF density
is (time, a, u, r) with r fastest, so each time slice is transposed to (r, u, a) first.
"""

import os

from xml.sax.saxutils import quoteattr

import numpy as np
import vtk
from vtk.util.numpy_support import numpy_to_vtk

from . import atomic
from . import io as sfio

#: Width of the y and z cells of a form-L grid, relative to the span of θ (or φ): a 1-D
#: field has no y, z extent; a thin slab (1/20 of its length) is visible in ParaView
#: without hiding the x variation.
SLAB_WIDTH_REL = 0.05
#: Byte order written in the .pvd (the .vtr files carry the writer's own).
BYTE_ORDER = "LittleEndian"
#: Mass left outside the form-T view window at the last output, relative to the total
#: (half on each side of each coordinate).
VIEW_TAIL = 1e-6


class ExportError(sfio.SymflowInputError):
    """A file that cannot be exported, or an output folder that cannot be written."""


def _vtk_array(name, values):
    """A vtkDoubleArray named `name` holding a copy of `values` (float64, flattened)."""
    arr = numpy_to_vtk(np.ascontiguousarray(values, dtype=np.float64).ravel(), deep=1)
    arr.SetName(name)
    return arr


def vtr_text(x, y, z, cells, time, names=("x", "y", "z")):
    """Text of a .vtr file written by vtkXMLRectilinearGridWriter: faces x, y, z (each ≥ 2
    values, coordinate arrays named `names`), `cells` a list of (name, array of shape
    (n_x, n_y, n_z)), the output time as field data TimeValue."""
    nx, ny, nz = x.size - 1, y.size - 1, z.size - 1
    grid = vtk.vtkRectilinearGrid()
    grid.SetDimensions(x.size, y.size, z.size)
    grid.SetXCoordinates(_vtk_array(names[0], x))
    grid.SetYCoordinates(_vtk_array(names[1], y))
    grid.SetZCoordinates(_vtk_array(names[2], z))
    grid.GetFieldData().AddArray(_vtk_array("TimeValue", np.array([time])))
    for name, values in cells:
        if values.shape != (nx, ny, nz):
            raise ValueError("cell array %s: shape %s: expected %s"
                             % (name, values.shape, (nx, ny, nz)))
        # VTK's cell order is x fastest: (n_x, n_y, n_z) → (n_z, n_y, n_x) flattened
        grid.GetCellData().AddArray(_vtk_array(name, values.transpose(2, 1, 0)))
    grid.GetCellData().SetActiveScalars(cells[0][0])
    writer = vtk.vtkXMLRectilinearGridWriter()
    writer.SetInputData(grid)
    writer.WriteToOutputStringOn()
    writer.SetDataModeToBinary()       # inline base64: the output is ASCII text
    writer.SetHeaderTypeToUInt64()
    if writer.Write() != 1 or writer.GetErrorCode() != 0:
        raise ExportError("VTK writer failed (error code %d)" % writer.GetErrorCode())
    return writer.GetOutputString()


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


def view_window(density, edges, tail=VIEW_TAIL):
    """Cell index ranges [(lo, hi)] (hi exclusive), one per axis of `density` (n_0, n_1, n_2
    at one time), holding all but `tail` of the mass Σ|n|·volume: each side of each axis
    drops the outer cells whose cumulative mass is ≤ tail/2 of the total. The whole range
    where the mass is zero or not finite."""
    vol = np.ones(density.shape)
    for k, e in enumerate(edges):
        shape = [1] * density.ndim
        shape[k] = -1
        vol = vol * np.diff(e).reshape(shape)
    mass = np.abs(density) * vol
    total = mass.sum()
    out = []
    for k in range(density.ndim):
        n = density.shape[k]
        if not np.isfinite(total) or total <= 0:
            out.append((0, n))
            continue
        marg = mass.sum(axis=tuple(j for j in range(density.ndim) if j != k))
        cut = 0.5 * tail * total
        below = np.cumsum(marg)               # mass of cells 0 … i
        above = np.cumsum(marg[::-1])[::-1]   # mass of cells i … n-1
        lo = int(np.count_nonzero(below <= cut))   # cells 0 … lo-1 dropped
        hi = n - int(np.count_nonzero(above <= cut))
        out.append((lo, hi) if lo < hi else (0, n))
    return out


def _stored_window(attrs, faces):
    """The window of the file's view_a, view_u, view_r attributes (core/ncio.c writes them
    by the rule of view_window) as cell ranges, or None when one is absent or is not a pair
    of faces lo < hi of its coordinate."""
    win = []
    for name, e in zip(sfio.TRANSPORT_COORDS, faces):
        v = np.asarray(attrs.get("view_" + name, []), dtype=float).ravel()
        if v.size != 2:
            return None
        lo, hi = (int(np.searchsorted(e, x)) for x in v)
        if not (lo < hi < e.size and e[lo] == v[0] and e[hi] == v[1]):
            return None
        win.append((lo, hi))
    return win


def grids_of(path, whole_box=False):
    """(time, (x, y, z) faces, [(name, (nt, n_x, n_y, n_z) array)], coordinate names) of a
    field file; form T cropped to view_window at the last output unless whole_box."""
    ds = sfio.open_dataset(path)
    kind = sfio.kind_of(ds, path)
    if kind != "field":
        raise ExportError("%s: a %s file: expected a field file (symflow_kind = \"field\")"
                          % (path, kind))
    form = sfio._text(ds.attrs.get("form", ""))
    if form == "transport":
        f = sfio.read_transport(path, ds)
        faces = [f.edges[c] for c in sfio.TRANSPORT_COORDS]
        density = f.density
        if not whole_box and f.time.size > 0:
            win = _stored_window(f.attrs, faces) or view_window(density[-1], faces)
            faces = [e[lo:hi + 1] for e, (lo, hi) in zip(faces, win)]
            density = density[:, win[0][0]:win[0][1], win[1][0]:win[1][1],
                              win[2][0]:win[2][1]]
        return f.time, tuple(faces), [("density", density)], sfio.TRANSPORT_COORDS
    if form == "lifted" and "tau_plus" in ds.variables and \
            tuple(ds["tau_plus"].dims) == ("time", "theta", "phi"):
        # the d_H = 2 hemisphere (MATH.md §4.8): the (θ, φ) rectangle, z a slab
        f = sfio.read_hemi(path, ds)
        z = np.array([0.0, SLAB_WIDTH_REL * (f.theta_edges[-1] - f.theta_edges[0])])
        return (f.time, (f.theta_edges, f.phi_edges, z),
                [(name, getattr(f, name)[:, :, :, None]) for name in ("tau_plus", "tau_minus")],
                ("theta", "phi", "z"))
    if form in sfio.LIFTED_FORMS:
        f = sfio.read_field(path, ds)
        x = f.edges
        yz = np.array([0.0, SLAB_WIDTH_REL * (x[-1] - x[0])])
        return (f.time, (x, yz, yz), [(name, getattr(f, name)[:, :, None, None])
                                      for name in ("tau_plus", "tau_minus")],
                (f.coord, "y", "z"))
    raise ExportError("%s: attribute form = %r: nothing to export as a grid: expected "
                      "\"transport\" (form T) or \"lifted\" (form L)" % (path, form))


def _prepare_outdir(outdir):
    try:
        os.makedirs(outdir, exist_ok=True)
    except OSError as exc:
        raise ExportError("output folder %s: %s" % (outdir, exc.strerror or exc))
    if not os.path.isdir(outdir):
        raise ExportError("output folder %s: not a directory" % outdir)


def export_vtk(path, outdir, stem=None, whole_box=False):
    """Write <stem>_<i>.vtr (one per output time) and <stem>.pvd into `outdir`; returns
    the paths written, the .pvd last. stem defaults to the file's name without .nc; form T
    is cropped to its view window unless whole_box."""
    time, (x, y, z), cells, axes = grids_of(path, whole_box)
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
                                              time[i], axes), "ascii")
            atomic.write_text(pvd, pvd_text(zip(time, names)), "ascii")
    except atomic.OutputError as exc:
        raise ExportError(str(exc))
    except OSError as exc:
        raise ExportError("output folder %s: %s" % (outdir, exc.strerror or exc))
    return paths + [pvd]
