"""`handover serve`: the web application (web/, issue 14) with uvicorn.

Loopback only by default. Serving other computers needs TLS (--cert and --key, from the
ward's internal CA: docs/web.md): browsers give cameras and passkeys only to secure
contexts, and a passphrase must never cross the network in clear. The web package, Starlette
and uvicorn are imported only when the command runs (tests/cli/test_cold_start.py).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from handover.errors import HandoverError

DEFAULT_LISTEN = "127.0.0.1:8700"


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise HandoverError(f"--listen {text!r} is not HOST:PORT",
                            "write it like 127.0.0.1:8700 or 10.1.2.3:8443")
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_tls_off_loopback(host: str, cert: Path | None, key: Path | None) -> None:
    if (cert is None) != (key is None):
        raise HandoverError("--cert and --key go together",
                            "pass the certificate and its private key (docs/web.md)")
    if cert is None and not is_loopback(host):
        raise HandoverError(
            f"refusing to serve on {host} without TLS: other computers would send passphrases "
            "in clear, and browsers give cameras and passkeys only to secure contexts",
            "pass --cert and --key (a certificate from the ward's internal CA, docs/web.md), "
            "or listen on 127.0.0.1")
    for path, what in ((cert, "certificate"), (key, "private key")):
        if path is not None and not path.is_file():
            raise HandoverError(f"the TLS {what} {path} does not exist",
                                "see docs/web.md for issuing one from the ward's internal CA")


@click.command()
@click.option("--listen", default=DEFAULT_LISTEN, show_default=True, metavar="HOST:PORT",
              help="Where to listen. Anything but loopback needs --cert and --key.")
@click.option("--cert", type=click.Path(dir_okay=False, path_type=Path),
              help="TLS certificate (PEM), from the ward's internal CA.")
@click.option("--key", "tls_key", type=click.Path(dir_okay=False, path_type=Path),
              help="The TLS certificate's private key (PEM); not the log's signing key, "
                   "which is `handover --key`.")
@click.option("--host-name", "host_names", multiple=True, metavar="NAME",
              help="A name browsers use for this server (the certificate's), repeatable; "
                   "localhost and 127.0.0.1 are always accepted.")
@click.option("--idle-minutes", type=click.FloatRange(min=1), default=15, show_default=True,
              envvar="HANDOVER_WEB_IDLE_MINUTES",
              help="Sign a person out after this long without a request.")
@click.option("--label-key", type=click.Path(dir_okay=False, path_type=Path),
              help="Label MAC key for the scanning station (default: $HANDOVER_LABEL_KEY, "
                   "else ./handover-label.key).")
@click.pass_context
def serve(ctx, listen, cert, tls_key, host_names, idle_minutes, label_key):
    """Serve the web application (Japanese pages for staff, contractors and auditors)."""
    host, port = parse_listen(listen)
    require_tls_off_loopback(host, cert, tls_key)
    import uvicorn                    # heavy: only when serving
    from web.app import create_app
    from web.logs import LOG_CONFIG
    app = create_app(ctx.obj, allowed_hosts=(host, *host_names), tls=cert is not None,
                     idle_minutes=idle_minutes, label_key=label_key)
    scheme = "https" if cert else "http"
    shown = "localhost" if is_loopback(host) else host
    click.echo(f"serving {ctx.obj.db_url} on {scheme}://{shown}:{port}/ (Ctrl+C to stop)",
               err=True)
    uvicorn.run(app, host=host, port=port, ssl_certfile=str(cert) if cert else None,
                ssl_keyfile=str(tls_key) if tls_key else None, access_log=False,
                log_config=LOG_CONFIG, server_header=False)
