# Drift check, run by `pulumi refresh` / `pulumi preview --refresh`: prints how this host differs
# from what redis-ha last applied, nothing when it matches. Reads only; needs no secret.
[ -f "$RH_UNIT_PATH" ] && [ "$(sha256_hex <"$RH_UNIT_PATH")" = "$RH_UNIT_SHA256" ] ||
    echo "$RH_UNIT_PATH differs from redis-ha's unit"
systemctl is-enabled --quiet "$RH_UNIT" 2>/dev/null || echo "$RH_UNIT is not enabled"
systemctl is-active --quiet "$RH_UNIT" || echo "$RH_UNIT is not running"
binary_replaced "$RH_UNIT" && echo "$RH_UNIT runs a $RH_SERVER_PACKAGE binary that was replaced on disk (an upgrade): it must restart"
if [ ! -f "$RH_CONF_PATH" ] || [ ! -f "$RH_CONF_PATH.managed" ]; then
    echo "$RH_CONF_PATH is missing"
else
    # Sentinel drops its own tunables from its file when they equal its defaults.
    absent_ok=no
    [ "$RH_KIND" = sentinel ] && absent_ok=yes
    edited=$(conf_differences "$RH_CONF_PATH.managed" "$RH_CONF_PATH" "$absent_ok" | paste -sd, -)
    [ -z "$edited" ] || echo "$RH_CONF_PATH: $edited changed outside redis-ha"
    # A running Redis can differ from its file (CONFIG SET by hand). Sentinel writes its file on every
    # SENTINEL SET, so the file comparison above sees those.
    if [ "$RH_KIND" = server ] && systemctl is-active --quiet "$RH_UNIT"; then
        # The admin password for CONFIG GET, from a root-only file of ours on this host.
        REDISCLI_AUTH=$(stored_admin_password "$RH_CONF_PATH" "$RH_SENTINEL_CONF_PATH")
        export REDISCLI_AUTH
        if [ -z "$REDISCLI_AUTH" ]; then
            echo "$RH_UNIT: live settings not compared: with ACL users and no sentinel of ours on this host, no admin password is stored here" >&2
        elif redis_answers "$RH_REDIS_PORT"; then
            live=$(live_differences "$RH_CONF_PATH.managed" "$RH_REDIS_PORT" | paste -sd, -)
            [ -z "$live" ] || echo "$RH_UNIT: $live set live (CONFIG SET) to other values than $RH_CONF_PATH says"
        fi
    fi
fi
