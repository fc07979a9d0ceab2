# First cut of the image (the deploy issue finishes it): build on Debian 12, run on 12-slim.
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config libcli11-dev libspdlog-dev nlohmann-json3-dev libsystemd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build \
 && cmake --install /build --prefix /usr/local

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libspdlog1.10 libsystemd0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin thrd \
 && install -d -o thrd -g thrd /run/thrd
COPY --from=build /usr/local/bin/thrd /usr/local/bin/thrctl /usr/local/bin/
USER thrd
ENV THRD_SOCKET=/run/thrd/thrd.sock
VOLUME /run/thrd
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s CMD ["thrctl", "ping"]
CMD ["thrd"]
