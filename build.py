#!/usr/bin/env python3
"""Build, check and preview the fact-check site: python build.py --help."""
import sys

from site_builder.cli import main

if __name__ == "__main__":
    sys.exit(main())
