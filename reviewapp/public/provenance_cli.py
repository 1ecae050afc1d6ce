"""`provenance verify FILE_OR_URL`: check a page's signed provenance as a reader
would, with the site's published keys (or a key set kept earlier)."""

import sys
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from reviewapp.audit.published_heads_source import is_url, read_json
from reviewapp.errors import DomainError
from reviewapp.provenance_check import check_provenance

provenance_cli = AppGroup("provenance", help="Check the signed provenance of a page.")


@provenance_cli.command("verify")
@click.argument("source")
@click.option("--keys", "keys_source", help="File or URL of the key set (default: the "
              "site's /.well-known/reviewapp-keys.json for a URL, this site's keys for a "
              "file).")
@click.option("--api", "api_source", help="File or URL of the page's read-API item to "
              "compare (default for a URL: the api_url the manifest names).")
def verify_command(source, keys_source, api_source):
    """Check SOURCE (a provenance.json file or URL): the site key's signature, the
    content against its hash, each signer's hash, and the text the API serves.
    Exit 1 naming each problem."""
    try:
        document = read_json(source)
        if keys_source:
            jwks = read_json(keys_source)
        elif is_url(source):
            parts = urlsplit(source)
            jwks = read_json(f"{parts.scheme}://{parts.netloc}/.well-known/reviewapp-keys.json")
        else:
            jwks = current_app.extensions["site_keys"].jwks()
        api_url = (((document.get("payload") or {}).get("article") or {}).get("api_url")
                   if isinstance(document, dict) else None)
        api_item = (read_json(api_source) if api_source
                    else read_json(api_url) if is_url(source) and isinstance(api_url, str)
                    else None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    problems = check_provenance(document, jwks, api_item)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        sys.exit(1)
    payload = document["payload"]
    names = ", ".join(signer["name"] for signer in payload["signers"])
    click.echo(f"Signed by the site key {document['kid']}: revision "
               f"{payload['revision']['number']} of {payload['article']['slug']}, content "
               f"hash {payload['revision']['content_hash']}, approved by {names}.")
    click.echo("The text the API serves is the signed text." if api_item is not None
               else "The API's text was not compared (give --api).")
