"""``python -m siting`` runs the command line."""

import sys

from siting.cli import main

sys.exit(main())
