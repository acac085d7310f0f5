# syntax=docker/dockerfile:1
# glossa in a container: a cgo build (mattn/go-sqlite3), then a small
# glibc runtime image running as a non-root user, the database on a volume.
#
#   docker build -t glossa .
#   docker run -p 8080:8080 -v glossa-data:/data glossa

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags="-s -w" -o /out/glossa ./cmd/glossa

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 glossa \
 && useradd --system --uid 10001 --gid glossa --home-dir /data --no-create-home glossa \
 && mkdir -p /data && chown glossa:glossa /data
COPY --from=build /out/glossa /usr/local/bin/glossa
USER glossa:glossa
WORKDIR /data
VOLUME ["/data"]
ENV GLOSSA_ADDR=0.0.0.0:8080 \
    GLOSSA_DB=/data/glossa.db
EXPOSE 8080
ENTRYPOINT ["glossa"]
CMD ["serve"]
