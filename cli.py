#!/usr/bin/env python3
"""Run the ``bto`` command line from a checkout: ``python cli.py lint catalogs/``."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from configurator.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
