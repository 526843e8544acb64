"""Registry metadata for images: does a digest exist, and what was the image built FROM."""

from reconciler.images.registry import RegistryInspector, manifest_url

__all__ = ["RegistryInspector", "manifest_url"]
