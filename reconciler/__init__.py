"""layering-reconciler: GitOps for RHCOS image layering on OpenShift."""

__version__ = "0.1.0"
