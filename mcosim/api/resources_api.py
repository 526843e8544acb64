"""The REST verbs on resources: list, get, create, update, patch, delete and eviction."""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import ApiError, bad_request, invalid, not_found
from ..resources import ResourceType
from ..store import Store
from . import eviction, patch, tables, validation
from .encoding import EncodingCache, dumps
from .routing import Route, not_found_path

Obj = dict[str, Any]


@dataclass
class Call:
    method: str
    route: Route
    query: dict[str, str]
    content_type: str
    accept: str
    body: bytes

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"


@dataclass
class Reply:
    code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def method_not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource")


def name_mismatch(in_body: object, in_url: str | None) -> ApiError:
    return bad_request(f"the name of the object ({in_body}) does not match the name on the URL ({in_url})")


def parse_json(body: bytes, required: bool = True) -> Any:
    if not body.strip():
        if required:
            raise bad_request("the body of the request was empty")
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from None


class ResourceApi:
    def __init__(self, store: Store, cache: EncodingCache) -> None:
        self.store, self.cache = store, cache

    def _obj_reply(self, call: Call, obj: Obj, code: int = 200, warnings: list[str] | None = None) -> Reply:
        if tables.wants_table(call.accept):
            body = dumps(tables.table(call.route.rt.kind, [obj], self.store.clock.now(),
                                      obj["metadata"].get("resourceVersion", ""),
                                      call.query.get("includeObject", "Metadata")))
        else:
            body = self.cache.encode(obj)
        headers = {"Warning": ", ".join(f'299 - "{w}"' for w in warnings)} if warnings else {}
        return Reply(code, body, headers)

    # ---- reads -------------------------------------------------------------------------------
    def get(self, call: Call) -> Reply:
        route = call.route
        assert route.name is not None
        return self._obj_reply(call, self.store.get(route.rt, route.name, route.namespace or ""))

    def list_all(self, call: Call) -> Reply:
        route, q = call.route, call.query
        items, rv = self.store.list(route.rt, route.namespace, q.get("labelSelector"), q.get("fieldSelector"))
        meta: Obj = {"resourceVersion": rv}
        items, more = _page(items, q.get("limit"), q.get("continue"))
        meta.update(more)
        if tables.wants_table(call.accept):
            table = tables.table(route.rt.kind, items, self.store.clock.now(), rv,
                                 q.get("includeObject", "Metadata"), more)
            return Reply(200, dumps(table))
        return Reply(200, self.cache.encode_list(f"{route.rt.kind}List", route.rt.api_version, meta, items))

    # ---- writes ------------------------------------------------------------------------------
    def _incoming(self, call: Call) -> Obj:
        obj = parse_json(call.body)
        if not isinstance(obj, dict):
            raise bad_request("the request body must be a JSON object")
        rt = call.route.rt
        kind, api_version = obj.get("kind"), obj.get("apiVersion")
        if kind not in (None, "", rt.kind) or api_version not in (None, "", rt.api_version):
            raise bad_request(f"the API version in the data ({api_version}) does not match the expected "
                              f"API version ({rt.api_version}) or kind {kind} is not {rt.kind}")
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if rt.namespaced:
            if meta.get("namespace") not in (None, "", call.route.namespace):
                raise bad_request("the namespace of the provided object does not match the namespace sent "
                                  "on the request")
            meta["namespace"] = call.route.namespace
        return obj

    def _checked(self, call: Call, obj: Obj) -> list[str]:
        validation.validate(call.route.rt, obj)
        return validation.check_unknown_fields(call.route.rt, obj, call.query.get("fieldValidation", "Warn"))

    def create(self, call: Call) -> Reply:
        rt = call.route.rt
        if rt.namespaced and call.route.namespace is None:
            raise method_not_allowed()
        obj = self._incoming(call)
        warnings = self._checked(call, obj)
        if rt.custom and rt.status_subresource:
            obj.pop("status", None)
        return self._obj_reply(call, self.store.create(rt, obj, dry_run=call.dry_run), 201, warnings)

    def update(self, call: Call) -> Reply:
        rt, name = call.route.rt, call.route.name
        obj = self._incoming(call)
        meta = obj["metadata"]
        if meta.get("name") != name:
            raise name_mismatch(meta.get("name"), name)
        if rt.custom and not meta.get("resourceVersion"):
            cause = ("metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update")
            raise invalid(rt.kind, rt.group, name or "", [cause])
        warnings = self._checked(call, obj)
        new = self.store.update(rt, obj, subresource=call.route.subresource, dry_run=call.dry_run)
        return self._obj_reply(call, new, 200, warnings)

    def patch(self, call: Call) -> Reply:
        rt, name, namespace = call.route.rt, call.route.name or "", call.route.namespace or ""
        content_type = call.content_type or patch.MERGE
        body = parse_json(call.body)
        with self.store.lock:
            old = self.store.try_get(rt, name, namespace)
            if old is None:
                if content_type == patch.APPLY and call.route.subresource is None:
                    return self._apply_create(call, body)
                raise not_found(rt.plural, rt.group, name)
            patched = patch.apply_patch(content_type, old, body, rt.custom)
            if not isinstance(patched, dict):
                raise bad_request("the patched object is not a JSON object")
            meta = patched.setdefault("metadata", {})
            meta["name"] = name
            if rt.namespaced:
                meta["namespace"] = namespace
            warnings = self._checked(call, patched)
            new = self.store.update(rt, patched, subresource=call.route.subresource, dry_run=call.dry_run)
        return self._obj_reply(call, new, 200, warnings)

    def _apply_create(self, call: Call, body: Any) -> Reply:
        """Server-side apply of a missing object creates it."""
        if not isinstance(body, dict):
            raise bad_request("an apply patch body must be a JSON object")
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if meta.get("name") not in (None, "", call.route.name):
            raise name_mismatch(meta.get("name"), call.route.name)
        meta["name"] = call.route.name
        meta.pop("resourceVersion", None)
        call.body = dumps(obj)
        return self.create(call)

    def delete(self, call: Call) -> Reply:
        rt, name, namespace = call.route.rt, call.route.name or "", call.route.namespace or ""
        options = _delete_options(call.body)
        dry_run = call.dry_run or "All" in (options.get("dryRun") or [])
        with self.store.lock:
            _check_preconditions(rt, self.store.get(rt, name, namespace), options.get("preconditions") or {})
            return self._obj_reply(call, self.store.delete(rt, name, namespace, dry_run=dry_run))

    def delete_collection(self, call: Call) -> Reply:
        route, q = call.route, call.query
        items, _ = self.store.list(route.rt, route.namespace, q.get("labelSelector"), q.get("fieldSelector"))
        dry_run = call.dry_run or _dry_run_in_options(call.body)
        gone = [self.store.delete(route.rt, o["metadata"]["name"], o["metadata"].get("namespace", ""),
                                  dry_run=dry_run) for o in items]
        meta = {"resourceVersion": self.store.resource_version}
        return Reply(200, self.cache.encode_list(f"{route.rt.kind}List", route.rt.api_version, meta, gone))

    def evict(self, call: Call) -> Reply:
        if call.route.namespace is None:
            raise not_found_path()
        body = parse_json(call.body, required=False) or {}
        result = eviction.evict(self.store, call.route.namespace, call.route.name or "", body, call.dry_run)
        return Reply(201, dumps(result))


def _delete_options(body: bytes) -> dict[str, Any]:
    """DeleteOptions (dryRun, preconditions); a body that is not JSON (e.g. protobuf) is ignored."""
    try:
        options = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return options if isinstance(options, dict) else {}


def _dry_run_in_options(body: bytes) -> bool:
    return "All" in (_delete_options(body).get("dryRun") or [])


def _check_preconditions(rt: ResourceType, current: Obj, preconditions: dict[str, Any]) -> None:
    meta = current["metadata"]
    for attr, key in (("resourceVersion", "ResourceVersion"), ("uid", "UID")):
        wanted = preconditions.get(attr)
        if wanted and wanted != meta.get(attr):
            raise ApiError(
                409, "Conflict",
                f'Operation cannot be fulfilled on {rt.qualified} "{meta["name"]}": the {key} in the precondition '
                f"({wanted}) does not match the {key} in record ({meta.get(attr)}). "
                "The object might have been modified",
                {"name": meta["name"], "group": rt.group, "kind": rt.plural},
            )


def _page(items: list[Obj], limit: str | None, token: str | None) -> tuple[list[Obj], Obj]:
    """Apply limit/continue: a token remembers the namespace/name of the last item served."""
    if token:
        try:
            after = tuple(json.loads(base64.urlsafe_b64decode(token.encode())))
        except (ValueError, TypeError):
            raise ApiError(400, "BadRequest", "continue key is not valid") from None
        items = [o for o in items if _sort_key(o) > after]
    if not limit or not limit.isdigit() or int(limit) <= 0 or len(items) <= int(limit):
        return items, {}
    page, rest = items[: int(limit)], len(items) - int(limit)
    token = base64.urlsafe_b64encode(json.dumps(list(_sort_key(page[-1]))).encode()).decode()
    return page, {"continue": token, "remainingItemCount": rest}


def _sort_key(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")
