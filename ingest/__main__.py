"""python -m ingest: the command users type. The program sits above ingest and index,
in kb/cli/ingest.py, because it ties parsing to indexing."""

import sys

from kb.cli.ingest import main

if __name__ == "__main__":
    sys.exit(main())
