/* coord.c — the const table of reduced coordinates declared in coord.h (docs/ §4, §8).
 * Not here: grids (solver/grid.c), kernels on the coordinates (reduction/).
 */
#include <math.h>

#include "symflow/coord.h"

static const sf_coord sf_coord_table[SF_COORD_COUNT] = {
    [SF_COORD_THETA] = {"theta", "angle theta between the neuron direction and H", "rad", 0.0,
                        M_PI / 2, "dtheta", SF_BOUNDARY_REFLECTING, 1},
    [SF_COORD_PHI] = {"phi", "angle phi of the neuron direction to e_1 on the half circle", "rad",
                      0.0, M_PI, "dphi", SF_BOUNDARY_REFLECTING, 2},
    [SF_COORD_A] = {"a", "output weight a of a neuron", "1", -HUGE_VAL, HUGE_VAL, "da",
                    SF_BOUNDARY_BOX, 0},
    [SF_COORD_U] = {"u", "component u = b_1 of the input weight along H", "1", -HUGE_VAL, HUGE_VAL,
                    "du", SF_BOUNDARY_BOX, 0},
    [SF_COORD_R] = {"r", "norm r = |b_perp| of the input weight orthogonal to H", "1", 0.0,
                    HUGE_VAL, "dr", SF_BOUNDARY_BOX, 0},
    [SF_COORD_COMPONENT] = {"component", "index of the basis vector of H", "1", 1.0, HUGE_VAL, "",
                            SF_BOUNDARY_NONE, 0},
    [SF_COORD_AZIMUTH] = {"phi", "azimuth phi of the projection of the neuron direction on H, "
                          "from e_1 toward e_2", "rad", 0.0, 2.0 * M_PI, "cos(theta) dphi",
                          SF_BOUNDARY_PERIODIC, 0},
    [SF_COORD_ETA] = {"eta", "hyperbolic angle eta of a neuron with a^2 < |b|^2: tanh eta = a/|b|",
                      "1", -HUGE_VAL, HUGE_VAL, "deta", SF_BOUNDARY_BOX, 0},
    [SF_COORD_ETA_POS] = {"eta_pos", "hyperbolic angle eta of a neuron with a^2 > |b|^2: "
                          "tanh eta = |b|/|a|", "1", 0.0, HUGE_VAL, "deta", SF_BOUNDARY_BOX, 0},
};

const sf_coord *sf_coord_get(sf_coord_id id)
{
    return &sf_coord_table[id < SF_COORD_COUNT ? id : SF_COORD_THETA];
}
