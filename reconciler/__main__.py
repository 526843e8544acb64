"""`python -m reconciler`, and the `reconciler` command (pyproject.toml's entry point)."""

import gc

gc.disable()  # the modules load with the cyclic collector off: they allocate only what lives until exit

from reconciler import cli  # noqa: E402  (after the collector is off)


def main() -> int:
    """The command line's command (cli.main turns the collector on for long-running ones). The process
    ends next: its objects are frozen, so the collections of the interpreter's shutdown scan nothing."""
    code = cli.main()
    gc.freeze()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
