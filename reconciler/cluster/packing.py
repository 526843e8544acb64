"""How the rollout memory is stored in its ConfigMap: plain JSON under `state.json` while it is small
(readable with `oc get cm -o yaml`), gzip under `binaryData` `state.json.gz` once it passes
COMPRESS_ABOVE bytes, so thousands of pools stay far below the 1 MiB object limit."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

PLAIN_KEY = "state.json"
PACKED_KEY = "state.json.gz"
COMPRESS_ABOVE = 64 * 1024


def encode(doc: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(data, binaryData) of the ConfigMap holding `doc`; exactly one key is set."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    if len(text) <= COMPRESS_ABOVE:
        return {PLAIN_KEY: text}, {}
    packed = gzip.compress(text.encode(), compresslevel=6, mtime=0)
    return {}, {PACKED_KEY: base64.b64encode(packed).decode()}


def decode(config_map: dict[str, Any]) -> str | None:
    """The JSON text kept in the ConfigMap (either form); None when it holds none.
    Raises ValueError when the packed form is damaged."""
    packed = (config_map.get("binaryData") or {}).get(PACKED_KEY)
    if packed:
        try:
            return gzip.decompress(base64.b64decode(packed, validate=True)).decode()
        except (OSError, EOFError, ValueError) as exc:
            raise ValueError(f"{PACKED_KEY} is damaged: {exc}") from None
    text = (config_map.get("data") or {}).get(PLAIN_KEY)
    return str(text) if text else None
