# castad production image. The build stage installs everything, builds dist/ (Prisma client
# generated and compiled in; the server's entry point bundled with its dependencies) and packs
# the package (package.json "files": dist/src, prisma/migrations, the postinstall script). The
# runtime stage installs only production dependencies from the lockfile into that package: no
# tsx, Azurite, ffmpeg or sandbox (npm adds the Prisma CLI as an optional peer; it never runs).
# tests/prod/install.test.ts runs these same steps without Docker.
#
#   docker build -t castad .
#   docker run castad --role=api      (or --role=worker; see docker-compose.prod.yml)

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm pack --pack-destination /tmp --silent \
 && mkdir /out && tar -xzf /tmp/castad-*.tgz -C /out \
 && cp package-lock.json /out/package/

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    WORKER_HTTP_PORT=4001
WORKDIR /app
COPY --from=build /out/package ./
# Optional dependencies stay: sharp's prebuilt libvips for this platform is one of them. (npm
# also installs the Prisma CLI, an optional peer of @prisma/client, that only the build needs.)
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Code stays root-owned and read-only to the process.
USER node
EXPOSE 4000 4001
# API: PORT; worker: WORKER_HTTP_PORT (docker-compose.prod.yml sets HEALTH_PORT for workers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||process.env.PORT)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM reaches node directly (exec form; env execs node in its place): it drains within
# SHUTDOWN_TIMEOUT_MS.
STOPSIGNAL SIGTERM
# --max-semi-space-size=64: a live event fanned out to thousands of subscriptions makes many
# short-lived objects; a larger young generation halves the GC work per delivery. It costs
# memory after start and under load (up to ~100 MB more young generation), none once idle.
# --liftoff-only: Prisma's query compiler is WebAssembly; V8's optimising tier for it kept about
# 55 MB (API) / 65 MB (worker) resident for no measurable gain (its plans are cached).
# MALLOC_ARENA_MAX=2: glibc's malloc keeps fewer per-thread arenas; idle RSS about 5 MB lower
# (API 151-153 -> 146-147 MB), no CPU difference measured.
# Numbers: README, "Performance". The production-install test and the benchmark start
# processes with this same line (`env` execs node, which stays the process SIGTERM reaches).
ENTRYPOINT ["env", "MALLOC_ARENA_MAX=2", "node", "--max-semi-space-size=64", "--liftoff-only", "--enable-source-maps", "dist/src/main.js"]
CMD ["--role=api"]
