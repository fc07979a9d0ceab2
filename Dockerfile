# thrd's image: a Debian 12 stage builds and installs thrd as the README does (without the tests),
# and a debian:12-slim stage runs it with only the libraries the binaries load.
#   docker build -t thrd .                      podman: podman build --format docker -t thrd .
#   docker run -d --name thrd thrd              (podman's default OCI format drops HEALTHCHECK)
#   docker logs -f thrd; docker exec thrd thrctl status; docker stop thrd
# scripts/image-smoke builds it and checks all of this; scripts/lint-dockerfile (CI) runs
# shellcheck on every RUN below.

FROM debian:12 AS build
# scripts/bootstrap's list minus what only the tests use (doctest-dev, python3, socat, procps,
# systemd): the build below has BUILD_TESTING=OFF.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libcli11-dev libspdlog-dev nlohmann-json3-dev libsystemd-dev \
      libhowardhinnant-date-dev prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The README's cmake with prefix /usr (docs/service.md's install), staged in /out so the runtime
# stage copies exactly what `cmake --install` puts in place. Not THRD_WERROR as bootstrap does:
# CI enforces the warnings; a Release (-O3) build here should not fail on one CI never saw.
# The systemd unit is dropped (no systemd in the container), and the host's example config
# (its exec job runs as user nobody, which a non-root thrd cannot switch to) is replaced by
# config/container.json. No man pages (THRD_MAN_PAGES=OFF): help2man is not installed here, and
# the slim runtime image leaves out /usr/share/man anyway.
RUN cmake -S . -B /build -G Ninja -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_INSTALL_PREFIX=/usr -DTHRD_MAN_PAGES=OFF \
 && cmake --build /build \
 && DESTDIR=/out cmake --install /build --strip \
 && rm -r /out/usr/lib/systemd \
 && install -m 0644 config/container.json /out/etc/thrd/thrd.json

FROM debian:12-slim
# What the binaries load beyond libc, libstdc++ and libgcc (in the base already): libspdlog1.10
# with its libfmt9, libsystemd0 for sd_notify (a no-op without NOTIFY_SOCKET), and libdate-tz3
# with tzdata (not in the slim base) for the time zones of calendar schedules,
# libprometheus-cpp-pull1.0 (with its core and libcivetweb1) for the metrics. thrctl needs
# nothing more. scripts/image-smoke runs ldd on both. `apt-get clean`: Docker Hub's Debian images
# have an apt hook (docker-clean) that deletes the .debs and apt's ~75 MB of caches; an image made
# with mmdebstrap (../shared/notes/container-build.md) has none, and there this saves the 75 MB.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libspdlog1.10 libfmt9 libsystemd0 libdate-tz3 tzdata libprometheus-cpp-pull1.0 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid (10001) rather than the next free system id: a host directory mounted as the
# state or socket volume must be owned by it, and Kubernetes' runAsNonRoot can only verify a
# numeric USER. Home is the state dir, the one place thrd (and so every job) may write that
# persists. /run/thrd is 0755: the socket file's own mode (socket_mode, default 0660, group
# thrd) decides who may use thrctl, as under systemd.
RUN groupadd --system --gid 10001 thrd \
 && useradd --system --uid 10001 --gid thrd --home-dir /var/lib/thrd --no-create-home \
      --shell /usr/sbin/nologin thrd \
 && install -d -o thrd -g thrd -m 0755 /run/thrd \
 && install -d -o thrd -g thrd -m 0700 /var/lib/thrd
COPY --from=build /out/usr/bin/ /usr/bin/
COPY --from=build /out/etc/thrd/ /etc/thrd/
COPY --from=build /out/usr/share/doc/thrd/ /usr/share/doc/thrd/
USER 10001:10001
# thrctl's default (/run/thrd/thrd.sock) already, but explicit, so that `docker exec ... thrctl`,
# the HEALTHCHECK and a sidecar sharing the volume do not depend on thrctl's fallback order.
ENV THRD_SOCKET=/run/thrd/thrd.sock
# The socket, for a sidecar (--volumes-from, a shared emptyDir) or the host; the kept decisions
# (decisions.json), so that a `thrctl pause` survives a new container given the same volume.
VOLUME ["/run/thrd", "/var/lib/thrd"]
# thrd stops every job in parallel on SIGTERM, each up to its stop_timeout (default 10s), then
# exits 0. Docker's default grace is also 10 s: give `docker stop -t` more than the largest
# stop_timeout, or a slow job's stop ends in SIGKILL.
STOPSIGNAL SIGTERM
# thrctl's own --timeout below the check's, so a hung thrd is reported by thrctl (exit 3) rather
# than by the check being killed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["thrctl", "--timeout", "3s", "ping"]
# thrd is PID 1, with no init in front (tini, --init): it blocks its signals and takes them with
# sigtimedwait, so SIGTERM and SIGHUP reach it (the kernel drops a signal to a PID namespace's
# init only when it is neither handled nor blocked), and it reaps every child it is handed on
# each SIGCHLD, so whatever is orphaned in the container (a job's setsid'd child, a `docker exec`
# leftover) does not stay a zombie. scripts/image-smoke checks both.
# --socket pins the path as thrd.service does, so a mounted config with another "socket" cannot
# move it away from the volume and the health check; --state-dir names the volume.
CMD ["thrd", "-c", "/etc/thrd/thrd.json", "--socket", "/run/thrd/thrd.sock", "--state-dir", "/var/lib/thrd"]
