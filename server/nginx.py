"""The nginx configuration that puts a pull cache in front of the city server: full pull pages are
kept per view (the caller's role, department and scope, which the server names at /sync/view) and
served to every device of that view without reaching the app; the token is still checked on every
request by an `auth_request` to /sync/view (cheap: server.auth_cache). The head page, pushes,
snapshots and everything else pass straight through. docs/SERVER.md shows it filled in; the tests
run it in a real nginx."""

from __future__ import annotations

TEMPLATE = """\
# Township Desk city server behind nginx, with the pull page cache (docs/SERVER.md).
worker_processes {workers};
events {{ worker_connections 4096; }}
http {{
    access_log off;
    proxy_cache_path {cache_dir} levels=1:2 keys_zone=td_pages:64m max_size=4g inactive=7d use_temp_path=off;
    upstream td_app {{
        server {upstream};
        keepalive 64;
    }}
    server {{
        listen {listen};
        client_max_body_size 64m;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

        location = /_td_view {{
            internal;
            proxy_pass http://td_app/api/v1/sync/view;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
        }}
        location = /api/v1/sync/pull {{
            auth_request /_td_view;
            auth_request_set $td_view $upstream_http_x_td_view;
            error_page 401 403 = @td_refused;
            proxy_cache td_pages;
            proxy_cache_key "$td_view|$http_x_schema_version|$arg_cursor|$arg_limit";
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status always;
            proxy_pass http://td_app;
        }}
        location @td_refused {{
            proxy_pass http://td_app;  # the app answers the refusal with its own error body
        }}
        location /api/v1/sync/snapshot {{
            proxy_buffering off;
            proxy_pass http://td_app;
        }}
        location / {{
            proxy_pass http://td_app;
        }}
    }}
}}
"""


def nginx_config(upstream: str, listen: str, cache_dir: str, workers: int | str = "auto") -> str:
    """The configuration text: `upstream` is the app's host:port, `listen` nginx's address."""
    return TEMPLATE.format(upstream=upstream, listen=listen, cache_dir=cache_dir, workers=workers)
