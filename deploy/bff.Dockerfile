# The BFF (API, token service and the web UI's files): stateless when BFF_DATABASE_URL (PostgreSQL) is
# set — sessions, throttles, leases and the token signing key live in the database (docs/scale.md).
# Build from the repository root:  docker build -f deploy/bff.Dockerfile -t berth-bff .
FROM node:20-bookworm-slim AS build
RUN corepack enable && corepack prepare pnpm@12.4.2 --activate
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build && pnpm --filter @berth/bff deploy --prod /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production BFF_HOST=0.0.0.0 BFF_PORT=8080 BERTH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /out ./apps/bff
# server.ts serves the SPA from ../web/dist relative to its own folder.
COPY --from=build /src/apps/web/dist ./apps/web/dist
USER node
EXPOSE 8080
CMD ["node", "apps/bff/dist/src/server.js"]
