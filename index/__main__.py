"""python -m index search|eval|migrate|bench: the command users type. The program is
kb/cli/index.py, above the stages, since evaluation and benchmarks drive ingest too."""

import sys

from kb.cli.index import main

if __name__ == "__main__":
    sys.exit(main())
