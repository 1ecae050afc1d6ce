"""A WSGI app that answers with the scheme and client address gunicorn handed
it, to test the server's own settings (gunicorn.conf.py) apart from the app."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ['wsgi.url_scheme']} {environ.get('REMOTE_ADDR')}".encode()]
