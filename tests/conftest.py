"""Puts tests/ on the import path so every suite can share `testkit`."""
