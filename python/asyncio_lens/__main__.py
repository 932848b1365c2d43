"""`python -m asyncio_lens run [options] script.py [args]` / `... run [options] -m module [args]`."""

from asyncio_lens.cli import main

main()
