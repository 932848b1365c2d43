"""`python -m asyncio_lens run [options] script.py [args]` / `... run [options] -m module [args]`."""

import sys

if sys.version_info < (3, 8):
    sys.stderr.write("asyncio-lens: Python 3.8 or newer is required (this is %d.%d)\n" % sys.version_info[:2])
    sys.exit(2)

from asyncio_lens.cli import main  # noqa: E402 - after the version check

main()
