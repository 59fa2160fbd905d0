/* coord.h — the one table of reduced coordinates (docs/ §4, §8): for each coordinate a
 * solver grid can span, its netCDF name, CF long_name and units, its natural interval,
 * the metric factor of its line element and the kind of its end points.
 *
 * Every module that needs "which coordinate" uses an sf_coord_id and reads this table;
 * nothing compares coordinate names as strings. Defined in core/coord.c.
 * Not here: grids on a coordinate (grid.h), what lives on it (reduced.h).
 */
#ifndef SYMFLOW_COORD_H
#define SYMFLOW_COORD_H

typedef enum {
    SF_COORD_THETA,     /* θ ∈ [0, π/2], angle of a direction to H (radial targets, §4.1) */
    SF_COORD_PHI,       /* φ ∈ [0, π], angle to e₁ in the (e₁, H^⊥) half-plane (d_H = 1) */
    SF_COORD_A,         /* a ∈ ℝ, output weight (form T, §4.4) */
    SF_COORD_U,         /* u = b₁ ∈ ℝ (form T) */
    SF_COORD_R,         /* r = |b_⊥| ≥ 0 (form T) */
    SF_COORD_COMPONENT, /* index of a basis vector of H (form ode, §3) */
    SF_COORD_AZIMUTH,   /* φ ∈ [0, 2π), periodic: azimuth of the direction's projection on H
                           (d_H = 2 hemisphere, §4.8); netCDF name "phi" */
    SF_COORD_ETA,       /* η ∈ ℝ, hyperbolic angle of a neuron with a² < |b|² (form H, §4.7) */
    SF_COORD_ETA_POS,   /* η > η₀, hyperbolic angle of a neuron with a² > |b|² (form H) */
    SF_COORD_COUNT
} sf_coord_id;

typedef enum {
    SF_BOUNDARY_REFLECTING, /* symmetry ends: the normal velocity vanishes (§4.5) */
    SF_BOUNDARY_PERIODIC,   /* the two ends are one point (φ of the d_H = 2 hemisphere) */
    SF_BOUNDARY_BOX,        /* an artificial end of an unbounded coordinate: zero flux and
                               the edge-mass monitor of §4.5 */
    SF_BOUNDARY_NONE        /* a discrete index, no flux */
} sf_boundary;

typedef struct {
    const char *name;      /* netCDF dimension and coordinate variable name */
    const char *long_name; /* CF long_name */
    const char *units;     /* CF units */
    double lo, hi;         /* natural interval (±HUGE_VAL where unbounded: a box is planned) */
    const char *metric;    /* line element, e.g. "dtheta" (documentation) */
    sf_boundary boundary;  /* kind of both ends (r: reflecting at 0, box at r_max) */
    int aligned_points;    /* number of points of the aligned set {θ = 0} or {φ = 0, π} (W₂
                              diagnostics, §6); 0 where not an angle */
} sf_coord;

/* The table entry of id (a static const row). */
const sf_coord *sf_coord_get(sf_coord_id id);

#endif
