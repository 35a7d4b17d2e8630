// GraceAPI: the HTTP API (Hummingbird), Prometheus metrics and the live dashboard that `grace run` serves.
