# inboxd: a static binary on an empty image, running as an unprivileged user,
# with its data (SQLite database, attachment files, server key) in /data.
#
#   docker build --build-arg VERSION=v1.2.0 --build-arg COMMIT=$(git rev-parse HEAD) \
#     --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t inboxd .
#   docker run -p 8080:8080 -v inboxd-data:/data inboxd
#
# See docs/deploy.md.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=unknown
ARG DATE=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/inboxd/inbox/internal/version.Version=${VERSION} -X github.com/inboxd/inbox/internal/version.Commit=${COMMIT} -X github.com/inboxd/inbox/internal/version.Date=${DATE}" \
      -o /out/inboxd ./cmd/inboxd \
 && mkdir -p /out/data /out/tmp

FROM scratch
# CA certificates for https S3 endpoints and remote attachments.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/inboxd /inboxd
COPY --from=build --chown=65532:65532 --chmod=0700 /out/data /data
COPY --from=build --chown=65532:65532 --chmod=1777 /out/tmp /tmp
USER 65532:65532
ENV INBOXD_ADDR=:8080 \
    INBOXD_DATA_DIR=/data \
    INBOXD_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/inboxd", "healthcheck"]
ENTRYPOINT ["/inboxd"]
CMD ["serve"]
