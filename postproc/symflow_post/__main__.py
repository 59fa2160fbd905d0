"""`python3 -m symflow_post …`: the command line of symflow_post.cli (`sweep …`: of
symflow_post.sweep, without loading the plotting modules: a sweep's point runs it)."""
import sys

if sys.argv[1:2] == ["sweep"]:
    from .sweep import main as sweep_main
    sys.exit(sweep_main(sys.argv[2:]))

from .cli import main

sys.exit(main())
