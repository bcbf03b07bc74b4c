"""``python -m jaxnn``: the command line."""

import sys

from jaxnn._cli import main

sys.exit(main())
