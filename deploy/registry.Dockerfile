# The registry: stateless when REGISTRY_DATABASE_URL (PostgreSQL) and REGISTRY_STORAGE=s3 are set, so any
# number of replicas run behind a load balancer (docs/scale.md). Build from the repository root:
#   docker build -f deploy/registry.Dockerfile -t berth-registry .
FROM node:20-bookworm-slim AS build
RUN corepack enable && corepack prepare pnpm@12.4.2 --activate
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile && pnpm --filter @berth/registry... build

FROM node:20-bookworm-slim
ENV NODE_ENV=production REGISTRY_HOST=0.0.0.0 REGISTRY_PORT=5000 BERTH_DATA_DIR=/data
WORKDIR /app
# The bundle carries the registry's own code; the SQL drivers and the AWS SDK are loaded beside it.
COPY --from=build /src/packages/registry/dist ./packages/registry/dist
COPY --from=build /src/packages/registry/package.json ./packages/registry/package.json
COPY --from=build /src/packages/registry/node_modules ./packages/registry/node_modules
COPY --from=build /src/packages/sql ./packages/sql
COPY --from=build /src/packages/contract ./packages/contract
COPY --from=build /src/node_modules ./node_modules
USER node
EXPOSE 5000
# Executed directly: its first line names the node flags the registry runs with.
CMD ["packages/registry/dist/berth-registry.mjs", "serve"]
