# The stack's nginx on the host, in front of one edge-host (sourced by edge-host/bench/run).
#
# start_proxy NAME PORT APP_PORT MODE runs the host's nginx with the repository's own configuration
# (proxy-config/: nginx.conf, conf.d/ with the JSON access log and the limits, the snippets, the
# plain-HTTP site of local and dev) on 127.0.0.1:PORT, proxying to edge-host on 127.0.0.1:APP_PORT.
# Only what Docker provides is moved: /etc/nginx and /tmp into $work/proxy-NAME, the access log from
# stdout into a file there (written per request, as to the container's stdout), the site's port.
# MODE is the way to the app bin/start-nginx picks by nginx version:
#   keepalive    an upstream block with kept-alive connections (nginx >= 1.27.3 in the stack,
#                where the server is `app:3000 resolve`; 127.0.0.1 needs no resolving here)
#   per-request  a variable in proxy_pass, one new connection per request (older nginx: the
#                stand-in's 1.22)
# The per-client rate limit is lifted: every wrk connection comes from 127.0.0.1.
# Sets proxy_pid (the master; its workers are its children).

start_proxy() {
    local name=$1 port=$2 app_port=$3 mode=$4
    local dir=$work/proxy-$name
    mkdir -p "$dir/runtime" "$dir/tmp"
    cp -r proxy-config "$dir/etc"
    cp proxy-config/sites/http/*.conf "$dir/etc/sites-enabled/"
    # The runtime path first: the second rule must not see the directory it was moved to.
    find "$dir/etc" -name '*.conf' -exec sed -i \
        -e "s| /tmp/nginx-runtime/| $dir/runtime/|g" \
        -e "s| /tmp/\([a-z_]*_temp\);| $dir/tmp/\1;|g" \
        -e "s| /tmp/nginx.pid;| $dir/nginx.pid;|" \
        -e "s|/etc/nginx/|$dir/etc/|g" \
        -e "s|access_log /dev/stdout |access_log $dir/access.log |" \
        -e "s|listen 8080 default_server;|listen 127.0.0.1:$port default_server;|" {} +
    printf 'worker_processes %s;\n' "$(nproc)" >"$dir/runtime/workers.conf"
    printf 'limit_req_zone $binary_remote_addr zone=per_client:10m rate=1000000r/s;\n' \
        >"$dir/runtime/rate-limit.conf"
    case $mode in
    keepalive)
        cat >"$dir/runtime/app-upstream.conf" <<EOF
upstream app_servers {
    zone app_servers 64k;
    server 127.0.0.1:$app_port;
    keepalive 32;
    keepalive_timeout 5s;
}
EOF
        printf 'proxy_pass http://app_servers;\n' >"$dir/runtime/app-pass.conf"
        ;;
    per-request)
        : >"$dir/runtime/app-upstream.conf"
        printf 'set $app_upstream http://127.0.0.1:%s;\nproxy_pass $app_upstream;\n' "$app_port" \
            >"$dir/runtime/app-pass.conf"
        ;;
    *)
        echo "bench: unknown proxy mode $mode" >&2
        return 1
        ;;
    esac
    nginx -p "$dir" -c "$dir/etc/nginx.conf" -g 'daemon off;' 2>"$dir/error.log" &
    proxy_pid=$!
    pids+=("$proxy_pid")
    wait_for 10 http_ok "$port" /health
}
