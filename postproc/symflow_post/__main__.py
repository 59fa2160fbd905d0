"""`python3 -m symflow_post …`: the command line of symflow_post.cli."""
import sys

from .cli import main

sys.exit(main())
