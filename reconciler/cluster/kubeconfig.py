"""Pick the context of a kubeconfig (or a $KUBECONFIG list) as kubectl does, and say whether it is
static: a server, its CA or insecure-skip-tls-verify, a token, a token file or a client certificate,
nothing more. Such a context is served by transport.py; for any other (exec plugins, auth providers,
username/password, proxy-url, a field not listed here) and for any error, `select` answers
None and the kubernetes client's loader takes over, with its behaviour and its error texts.

kubectl's rules kept here: files merge in order and the first file to define a cluster, user or
context name wins; the first non-empty current-context wins; --context beats current-context;
relative paths are relative to the file that holds the entry; *-data beats the file form of the
CA and the client certificate; a token file beats an inline token (and is read again every minute).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import Any

from reconciler.records import record

from .transport import Endpoint

CLUSTER_FIELDS = frozenset({"server", "certificate-authority", "certificate-authority-data",
                            "insecure-skip-tls-verify"})
USER_FIELDS = frozenset({"token", "tokenFile", "client-certificate", "client-certificate-data", "client-key",
                         "client-key-data"})
Obj = dict[str, Any]


class NotStatic(Exception):
    """This context needs the kubernetes client's loader."""


@record
class Entry:
    value: Obj
    directory: str  # of the file that defined it: relative paths start there


@dataclass
class Merged:
    clusters: dict[str, Entry]
    users: dict[str, Entry]
    contexts: dict[str, Entry]
    current_context: str = ""


def parse(text: str) -> Any:
    """JSON as is (the simulator writes JSON kubeconfigs), else YAML 1.1 like kubectl and the client."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            pass
    import yaml  # PyYAML with libyaml: a tenth of ruamel's parse time, the client's own YAML semantics

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        raise NotStatic("not YAML") from None


def merge(paths: list[str]) -> Merged:
    merged = Merged({}, {}, {})
    for path in paths:
        with open(path) as f:
            doc = parse(f.read())
        if not isinstance(doc, dict):
            raise NotStatic(f"{path}: not a kubeconfig")
        directory = os.path.dirname(os.path.abspath(path))
        for key, into in (("clusters", merged.clusters), ("users", merged.users), ("contexts", merged.contexts)):
            for item in doc.get(key) or []:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    raise NotStatic(f"{path}: {key}: an entry without a name")
                into.setdefault(item["name"], Entry(item.get(key[:-1]) or {}, directory))
        if not merged.current_context and isinstance(doc.get("current-context"), str):
            merged.current_context = doc["current-context"]
    return merged


def select(paths: list[str], context: str | None) -> tuple[Endpoint | None, str | None]:
    """(the Endpoint when the chosen context is static else None, the context's name kubectl would use)."""
    try:
        merged = merge(paths)
    except (OSError, ValueError, NotStatic):
        return None, context
    name = context or merged.current_context or None
    try:
        return _endpoint(merged, name), name
    except NotStatic:
        return None, name


def _endpoint(merged: Merged, name: str | None) -> Endpoint:
    ctx = merged.contexts.get(name) if name else None
    if ctx is None or not isinstance(ctx.value, dict):
        raise NotStatic("no such context")
    cluster = merged.clusters.get(str(ctx.value.get("cluster") or ""))
    if cluster is None or not isinstance(cluster.value, dict) or not set(cluster.value) <= CLUSTER_FIELDS:
        raise NotStatic("cluster")
    user_name = str(ctx.value.get("user") or "")
    user = merged.users.get(user_name) if user_name else Entry({}, "")
    if user is None or not isinstance(user.value, dict) or not set(user.value) <= USER_FIELDS:
        raise NotStatic("user")
    server = cluster.value.get("server")
    if not isinstance(server, str) or not server.startswith(("http://", "https://")) or "?" in server:
        raise NotStatic("server")
    insecure = cluster.value.get("insecure-skip-tls-verify", False)
    if not isinstance(insecure, bool):
        raise NotStatic("insecure-skip-tls-verify")
    token, token_file = _token(user)
    if not server.startswith("https://"):  # like the client: no TLS settings and no certificate over http
        return Endpoint(server, token=token, token_file=token_file)
    ca_file, ca_data = _file_or_data(cluster, "certificate-authority")
    if insecure and (ca_file or ca_data):
        raise NotStatic("a CA with insecure-skip-tls-verify")  # kubectl refuses it
    cert_file, cert_data = _file_or_data(user, "client-certificate")
    key_file, key_data = _file_or_data(user, "client-key")
    if bool(cert_file or cert_data) != bool(key_file or key_data):
        raise NotStatic("a client certificate without its key")
    return Endpoint(server, ca_file=ca_file, ca_data=ca_data, insecure=insecure, cert_file=cert_file,
                    key_file=key_file, cert_data=cert_data, key_data=key_data, token=token, token_file=token_file)


def _file_or_data(entry: Entry, field: str) -> tuple[str, bytes]:
    data = entry.value.get(f"{field}-data")
    if data:
        try:
            return "", base64.b64decode(str(data), validate=True)
        except binascii.Error:
            raise NotStatic(f"{field}-data") from None
    path = entry.value.get(field)
    if not path:
        return "", b""
    resolved = os.path.normpath(os.path.join(entry.directory, str(path)))
    if not os.path.isfile(resolved):
        raise NotStatic(f"{field}: no such file")
    return resolved, b""


def _token(user: Entry) -> tuple[str, str]:
    token, token_file = str(user.value.get("token") or ""), str(user.value.get("tokenFile") or "")
    if token_file:
        token_file = os.path.normpath(os.path.join(user.directory, token_file))
        if not token and not _readable_token(token_file):
            raise NotStatic("tokenFile")
    return token, token_file


def _readable_token(path: str) -> bool:
    try:
        with open(path) as f:
            return bool(f.read().strip())
    except OSError:
        return False
