"""Run as ``python -m imbalance_cli``."""

import sys

from imbalance_cli.cli import main

sys.exit(main())
