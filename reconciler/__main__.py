"""`python -m reconciler`, and the `reconciler` command (pyproject.toml's entry point).

The cyclic garbage collector is off while the modules load (they allocate only what lives until
exit); `main` turns it on for the commands that run for long.
"""

import gc

gc.disable()

from reconciler.cli import main  # noqa: E402  (after the collector is off)

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
