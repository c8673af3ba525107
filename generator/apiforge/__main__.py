"""`python -m apiforge` is the same as the `apiforge` command."""

import sys

from apiforge.cli import main

sys.exit(main())
