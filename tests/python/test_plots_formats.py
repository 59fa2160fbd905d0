"""test_plots_formats — every figure in PNG, PDF and SVG, clean labels, t = 0 drawn, and the
paper figures with PDE and particles on the same axes (issue 15 items 1–2).

On the synthetic files of test_plots (Fixture): plot_all and paper_all in pdf and svg (file
names, magic bytes and end markers, the title in the SVG metadata, the arrays drawn unchanged
by the format); no label of any figure shows a raw '^' or '_' outside mathtext; symlog time
axes start at t = 0 with the first PDE point (0, R(0)) read back from the artist; the paper
figures hold one axes each (histograms: one per time) where the particle curves and markers
are the particle data.
Run: PYTHONPATH=postproc:python /usr/bin/python3 tests/python/test_plots_formats.py
"""

import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_plots import (MASS_RTOL, N_CELLS, SUM_RTOL, TIMES, SynthCase,  # noqa: E402
                        assert_format, raw_markup)

from symflow_post import analysis as an  # noqa: E402
from symflow_post import paper, plots  # noqa: E402


class TestFormatsAndLabels(SynthCase):
    def test_every_format(self):
        """plot_all and paper_all in pdf and svg (png: the other tests): names, magic bytes,
        the title in the SVG metadata, and the same arrays drawn whatever the format."""
        ref = self.fx.series["risk"]
        self.assertEqual(plots.FORMATS, ("png", "pdf", "svg"))
        for fmt in ("pdf", "svg"):
            out = os.path.join(self.tmp, "fmt-" + fmt)
            os.makedirs(out, exist_ok=True)
            res = plots.plot_all(self.field, out, self.parts, [self.cmp], fmt=fmt)
            names = plots.figure_names(self.field, fmt)
            self.assertEqual(list(res), list(names))
            self.assertEqual([os.path.splitext(n)[0] for n in names],
                             [os.path.splitext(n)[0] for n in plots.FIGURE_NAMES])
            for name in names:
                self.assertTrue(name.endswith("." + fmt))
                assert_format(self, os.path.join(out, name), fmt)
            if fmt == "svg":
                with open(os.path.join(out, names[0]), encoding="utf-8") as f:
                    svg = f.read()
                self.assertIn("<dc:title>symflow: risk R(t)</dc:title>", svg)
            np.testing.assert_array_equal(res[names[0]]["risk"], ref)
            pres = paper.paper_all(self.field, self.parts[:2], out, fmt=fmt)
            self.assertEqual(list(pres), list(paper.paper_names(fmt)))
            for name in pres:
                assert_format(self, os.path.join(out, name), fmt)
        with self.assertRaises(ValueError) as cm:
            plots.plot_risk(self.field, os.path.join(self.tmp, "risk.jpg"))
        self.assertIn("risk.jpg", str(cm.exception))
        self.assertIn(".png, .pdf, .svg", str(cm.exception))

    def test_labels_are_clean(self):
        """No figure shows a raw '^' or '_' (every label is plain text or mathtext)."""
        out = os.path.join(self.tmp, "labels")
        os.makedirs(out, exist_ok=True)
        res = dict(plots.plot_all(self.field, out, self.parts, [self.cmp]))
        res.update(paper.paper_all(self.field, self.parts[:2], out))
        for name, r in res.items():
            self.assertTrue(r["texts"], name)
            for text in r["texts"]:
                self.assertEqual(raw_markup(text), [], (name, text))
        self.assertEqual(raw_markup("a_b $x_1^2$ c^d"), ["_", "^"])   # the check can fail

    def test_time_zero_drawn(self):
        """Symlog time axes: linear up to the first positive output, t = 0 at the left end,
        and the PDE curve's first point is (0, R(0)) (read back from the artist)."""
        res = plots.plot_risk(self.field, os.path.join(self.out, "risk-t0.png"))
        ax = res["figure"].axes[0]
        self.assertEqual(ax.get_xscale(), "symlog")
        self.assertEqual(ax.xaxis.get_transform().linthresh, TIMES[1])
        self.assertEqual(ax.get_xlim()[0], 0.0)
        x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
        self.assertEqual((x[0], y[0]), (0.0, self.fx.series["risk"][0]))
        res = plots.plot_heatmap(self.field, os.path.join(self.out, "heat-t0.png"))
        mesh = res["figure"].axes[0].collections[0]
        np.testing.assert_array_equal(mesh.get_array().reshape(N_CELLS, TIMES.size)[:, 0],
                                      np.maximum(self.fx.tp[0], res["floor"]))

    def test_paper_same_axes(self):
        """Paper figures: PDE and particles on one axes; the particle curves and markers
        drawn are the particle data (artists read back)."""
        res = paper.paper_all(self.field, self.parts[:2], self.out)
        loss = res["paper_fig_loss.png"]
        self.assertEqual(len(loss["figure"].axes), 1)
        lines = loss["figure"].axes[0].lines
        np.testing.assert_array_equal(lines[0].get_ydata(), self.fx.series["risk"])
        np.testing.assert_array_equal(lines[0].get_xdata(), TIMES)
        np.testing.assert_array_equal(lines[1].get_ydata(), self.fx.runs[0]["risk"])
        np.testing.assert_array_equal(lines[2].get_ydata(), self.fx.runs[1]["risk"])
        self.assertEqual(lines[1].get_linestyle(), "--")
        masses = res["paper_fig_masses.png"]
        self.assertEqual(len(masses["figure"].axes), 1)
        ml = masses["figure"].axes[0].lines
        np.testing.assert_array_equal(ml[0].get_ydata(), self.fx.series["mass_plus"])
        np.testing.assert_allclose(ml[2].get_ydata(), self.fx.expected_masses(0)[0],
                                   rtol=MASS_RTOL)
        hist = res["paper_fig_histograms.png"]
        axes = hist["figure"].axes
        self.assertEqual(len(axes), TIMES.size)
        g = hist["particles"][0]
        centres = 0.5 * (g["edges"][1:] + g["edges"][:-1])
        for j, ax in enumerate(axes):
            marks = [ln for ln in ax.lines if ln.get_marker() not in (None, "None", "")]
            self.assertEqual(len(marks), 2)          # τ⁺ and τ⁻ of the one particle group
            np.testing.assert_array_equal(marks[0].get_xdata(), centres)
            np.testing.assert_array_equal(marks[0].get_ydata(), g["density_plus"][j])
            np.testing.assert_array_equal(marks[1].get_ydata(), g["density_minus"][j])
            # the PDE bars of the same axes: τ⁺ binned, filled
            bars = [p for p in ax.patches]
            self.assertTrue(bars)
        np.testing.assert_allclose(an.field_masses(hist["tau_minus_binned"], hist["bins"]),
                                   self.fx.series["mass_minus"], rtol=SUM_RTOL)


if __name__ == "__main__":
    unittest.main(verbosity=1)
