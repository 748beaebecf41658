# syntax=docker/dockerfile:1
# Frontend image: delta-strangle-frontend:prod
#
# Stage 1 builds the Vite/React SPA with Node; stage 2 serves it with nginx and
# reverse-proxies /api to the backend over the app-net network.
# Build context: the repository root (see docker-compose.prod.yml).

FROM node:22-bookworm-slim AS build

WORKDIR /src
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY frontend/ ./

# Vite inlines VITE_* values at build time, so they are build arguments, not runtime settings.
ARG VITE_API_BASE_URL=/api
ARG VITE_ENABLE_API_DEBUG=false
ENV VITE_API_BASE_URL=${VITE_API_BASE_URL} \
    VITE_ENABLE_API_DEBUG=${VITE_ENABLE_API_DEBUG}
RUN npm run build


FROM nginx:1.27-alpine AS runtime

LABEL org.opencontainers.image.title="delta-strangle-frontend" \
      org.opencontainers.image.description="Delta Strangle Control Plane dashboard (nginx + SPA)" \
      com.delta-strangle.project="delta-strangle"

# The image's entrypoint renders /etc/nginx/templates/*.template into /etc/nginx/conf.d/
# with envsubst. The filter limits substitution to our DELTA_* variables, so nginx's own
# $variables in the template are left alone.
ENV NGINX_ENVSUBST_FILTER="^DELTA_" \
    DELTA_BACKEND_UPSTREAM=backend:8001 \
    DELTA_LISTEN_PORT=80 \
    DELTA_STATIC_ROOT=/usr/share/nginx/html

RUN rm -f /etc/nginx/conf.d/default.conf
COPY docker/nginx.conf /etc/nginx/templates/default.conf.template
COPY --from=build /src/dist /usr/share/nginx/html

EXPOSE 80

# /healthz is answered by nginx itself; the backend has its own healthcheck.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/healthz"]
