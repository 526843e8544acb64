"""What the cluster says about registries (both opt-in): its pull secret and its image mirror sets.

- `openshift-config/pull-secret` (a `.dockerconfigjson`): needs `get` on that one Secret.
- ImageDigestMirrorSets (config.openshift.io/v1) and the older ImageContentSourcePolicies
  (operator.openshift.io/v1alpha1): needs `list` on them. A kind the cluster does not serve adds nothing.
The secret's content is returned to the caller only, never logged or put in a message.
"""

from __future__ import annotations

import base64
import binascii

from reconciler.errors import ClusterError, NotFound

from .api import KubeApi, core, path

PULL_SECRET_NAMESPACE, PULL_SECRET_NAME = "openshift-config", "pull-secret"
PULL_SECRET_SUBJECT = f"Secret/{PULL_SECRET_NAMESPACE}/{PULL_SECRET_NAME}"
DOCKER_CONFIG_KEY = ".dockerconfigjson"
MIRROR_KINDS = (  # (group, version, plural, the spec field listing {source, mirrors})
    ("config.openshift.io", "v1", "imagedigestmirrorsets", "imageDigestMirrors"),
    ("operator.openshift.io", "v1alpha1", "imagecontentsourcepolicies", "repositoryDigestMirrors"),
)

Mirrors = tuple[tuple[str, tuple[str, ...]], ...]  # (source repository prefix, its mirrors in order)


def read_pull_secret(api: KubeApi) -> bytes | None:
    """The pull secret's `.dockerconfigjson` bytes; None when the Secret does not exist."""
    try:
        secret = api.read(PULL_SECRET_SUBJECT, core("secrets", PULL_SECRET_NAME, PULL_SECRET_NAMESPACE))
    except NotFound:
        return None
    encoded = (secret.get("data") or {}).get(DOCKER_CONFIG_KEY)
    if not encoded:
        raise ClusterError(f"{PULL_SECRET_SUBJECT}: has no {DOCKER_CONFIG_KEY} key")
    try:
        return base64.b64decode(str(encoded), validate=True)
    except binascii.Error:
        raise ClusterError(f"{PULL_SECRET_SUBJECT}: {DOCKER_CONFIG_KEY} is not base64") from None


def read_image_mirrors(api: KubeApi) -> Mirrors:
    """Every (source, mirrors) pair of the cluster's ImageDigestMirrorSets and ImageContentSourcePolicies."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for group, version, plural, field in MIRROR_KINDS:
        try:
            listed = api.read(plural, path(group, version, plural))
        except NotFound:  # the cluster does not serve this kind
            continue
        for item in sorted(listed.get("items") or [], key=lambda o: str((o.get("metadata") or {}).get("name"))):
            for entry in (item.get("spec") or {}).get(field) or []:
                source, mirrors = str(entry.get("source") or ""), entry.get("mirrors") or []
                if source and mirrors:
                    found.append((source, tuple(str(m) for m in mirrors)))
    return tuple(found)
