"""``python -m contactgraph.cli``: the same as the ``contactgraph`` command."""

import sys

from contactgraph.cli.main import main

sys.exit(main())
