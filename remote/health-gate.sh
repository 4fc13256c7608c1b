# Final gate of an update: the whole cluster must be healthy, seen from this host.
wait_healthy
