# layering-reconciler for OpenShift: `reconciler run` on UBI 9 with Python 3.11.
#
#   podman build -t layering-reconciler .
#
# Runs under the restricted-v2 SCC: any UID, group 0, read-only root filesystem. The only paths it
# writes are $HOME (/tmp, world-writable as in every image) and the clone cache
# (/var/cache/layering-reconciler, group 0 and group-writable); the Deployment mounts emptyDirs over
# both. The installed code stays root-owned and read-only to the process.
# Configuration comes from LAYERING_* variables (see docs/environment.md): no arguments needed.
#
# The base is pinned by digest. This digest was taken from a public Dockerfile that a bot keeps
# current (Konflux); it could not be checked against the registry from where this file was
# written. Before the first build, verify it and refresh it deliberately:
#   skopeo inspect --format '{{.Digest}}' docker://registry.access.redhat.com/ubi9/python-311:latest
ARG BASE=registry.access.redhat.com/ubi9/python-311@sha256:82857f478e89490f75c7f39b4731bec04d6f8cf2bb5fd402784015dcc742aedd

FROM ${BASE} AS build
# Wheels of the project and of every dependency at the versions CI tests (constraints.txt).
COPY --chown=1001:0 constraints.txt pyproject.toml README.md LICENSE ./
COPY --chown=1001:0 reconciler ./reconciler
COPY --chown=1001:0 mcosim ./mcosim
RUN pip wheel --no-cache-dir --constraint constraints.txt --wheel-dir /tmp/wheels .

FROM ${BASE}
USER 0
# git fetches the bindings repository; ssh for ssh:// and git@host: URLs.
RUN dnf install -y --setopt=tsflags=nodocs --setopt=install_weak_deps=0 git-core openssh-clients \
    && dnf clean all \
    && rm -rf /var/cache/dnf \
    && install -d -m 2775 -o 1001 -g 0 /var/cache/layering-reconciler
COPY --from=build /tmp/wheels /tmp/wheels
COPY constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir --no-index --find-links /tmp/wheels --constraint /tmp/constraints.txt \
        layering-reconciler \
    && rm -rf /tmp/wheels /tmp/constraints.txt
# /etc/passwd stays as the base has it (not group-writable): CRI-O then adds an entry for the
# arbitrary UID, which ssh needs (it refuses to run as a UID without one).
USER 1001
ENV HOME=/tmp \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GIT_TERMINAL_PROMPT=0 \
    LAYERING_CACHE_DIR=/var/cache/layering-reconciler \
    LAYERING_METRICS_PORT=8080
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["reconciler", "run"]
