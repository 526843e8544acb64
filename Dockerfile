# layering-reconciler: runs `reconciler run` as an unprivileged user.
# Build: docker build -t layering-reconciler .
# Run in-cluster with a ServiceAccount allowed to manage MachineConfigs (see README "Deploying").
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY reconciler ./reconciler
COPY mcosim ./mcosim
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# git for fetching the bindings repository, openssh-client for ssh:// and git@ sources.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin reconciler
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
ENV HOME=/home/reconciler PYTHONUNBUFFERED=1 GIT_TERMINAL_PROMPT=0
WORKDIR /home/reconciler
ENTRYPOINT ["reconciler"]
# The deployment passes the arguments, e.g. run --repo https://git.example.com/bindings.git --interval 1m
CMD ["run", "--help"]
