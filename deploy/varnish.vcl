# Varnish in front of gunicorn: caches pages for anonymous visitors, passes every session through, honours the
# app's Cache-Control, and takes purges only from the app's own address.
#
#   varnishd -a :80 -f /etc/varnish/varnish.vcl -s malloc,256m
#
# The app sends a PURGE for each changed page (Wagtail's frontend_cache, HTTPBackend, LOCATION = this Varnish);
# set `.host`/`.port` below to gunicorn's address and `purgers` to the addresses the app's processes (web workers
# and task clusters) connect from. The cookie names are Django's defaults (SESSION_COOKIE_NAME, CSRF_COOKIE_NAME).
vcl 4.1;

backend app {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 5s;
    .first_byte_timeout = 60s;
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "PURGE is not allowed from here"));
        }
        # A page with every query string it was cached under (?page=2, ?sort=...): a ban on its host and path,
        # compared for equality on headers stored with each object, so it needs no regex escaping.
        ban("obj.http.x-cache-host == " + req.http.host + " && obj.http.x-cache-path == " + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Purged"));
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "BAN is not allowed from here"));
        }
        # Every page of this host whose path starts with the request's path (a section and everything under it).
        ban("obj.http.x-cache-host == " + req.http.host + " && obj.http.x-cache-path ~ ^" + regsub(req.url, "\?.*$", ""));
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Per-visitor areas are never shared, whatever they answer.
    if (req.url ~ "^/(admin|django-admin|accounts|auth|cart|orders|billing|_sandbox)(/|$)") {
        return (pass);
    }
    # A visitor with a session or a CSRF cookie (signed in, a cart, a form seen) gets the app's own answer.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken)=") {
        return (pass);
    }
    # Any other cookie (analytics and the like) does not change the page: drop it so the page can be shared.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # Remembered with the object for the purges above; removed again before delivery.
    set beresp.http.x-cache-host = bereq.http.host;
    set beresp.http.x-cache-path = regsub(bereq.url, "\?.*$", "");
    # A response that sets a cookie belongs to one visitor: never stored (as Varnish's built-in rules also say).
    if (beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Everything else falls through to Varnish's built-in rules, which honour the app's Cache-Control
    # (max-age/s-maxage for the lifetime; private, no-store and no-cache are never stored).
}

sub vcl_deliver {
    unset resp.http.x-cache-host;
    unset resp.http.x-cache-path;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
