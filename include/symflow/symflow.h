/* symflow.h — the umbrella header: every public header of the library.
 * Not here: anything of its own.
 */
#ifndef SYMFLOW_SYMFLOW_H
#define SYMFLOW_SYMFLOW_H

#include "symflow/api.h"
#include "symflow/atomic.h"
#include "symflow/case.h"
#include "symflow/compare.h"
#include "symflow/coord.h"
#include "symflow/drive.h"
#include "symflow/form.h"
#include "symflow/form_particles.h"
#include "symflow/formode.h"
#include "symflow/forml.h"
#include "symflow/formt.h"
#include "symflow/fv.h"
#include "symflow/grid.h"
#include "symflow/ncio.h"
#include "symflow/numerics.h"
#include "symflow/ode.h"
#include "symflow/particles.h"
#include "symflow/plan.h"
#include "symflow/reduced.h"
#include "symflow/reduction.h"
#include "symflow/registry.h"
#include "symflow/status.h"
#include "symflow/version.h"

#endif
