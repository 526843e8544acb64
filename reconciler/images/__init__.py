"""Registry metadata for images: does a digest exist, what it was built FROM, its labels and platforms."""

from reconciler.images.auth import AuthFile, Credential
from reconciler.images.registry import RegistryInspector, manifest_url

__all__ = ["AuthFile", "Credential", "RegistryInspector", "manifest_url"]
