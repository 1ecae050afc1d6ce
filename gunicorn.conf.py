"""gunicorn's settings, read from this folder by default (`gunicorn -c` names it
when started elsewhere).

gunicorn believes X-Forwarded-Proto (and its other secure-scheme headers) from
127.0.0.1 out of the box, so anything on the host could claim https. Proxy
trust is decided in one place, the app's TRUSTED_PROXIES setting (werkzeug's
ProxyFix, see reviewapp/security.py), so gunicorn trusts no address itself."""

forwarded_allow_ips = ""
