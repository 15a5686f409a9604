"""`handover package …`: seal, open, verify and inspect encrypted packages.
Parse, call one function in handover.packages, print (text or --json).

The password never travels as a command-line argument: it is prompted for without echo,
or read from a file descriptor (--password-fd N) or standard input (--password-stdin).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cli.lazy import packages
from cli.output import emit_json, json_option, progress_bar, reporting_swept_parts


_NOT_UTF8 = "the password is not valid UTF-8 text"
_NOT_UTF8_HINT = "type the password from the notice again (6 groups of 5 letters and digits)"


def _decode_password(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        raise click.UsageError(f"{_NOT_UTF8}; {_NOT_UTF8_HINT}") from None


def _read_password(password_fd: int | None, password_stdin: bool) -> str:
    if password_fd is not None and password_stdin:
        raise click.UsageError("give --password-fd or --password-stdin, not both")
    if password_fd is not None:
        try:
            with os.fdopen(password_fd, "rb", closefd=False) as f:
                line = _decode_password(f.readline())
        except OSError as e:
            raise click.UsageError(f"cannot read the password from file descriptor "
                                   f"{password_fd}: {e.strerror or e}")
    elif password_stdin:
        line = _decode_password(sys.stdin.buffer.readline())
    else:
        try:
            line = click.prompt("password", hide_input=True, err=True)
        except UnicodeDecodeError:
            raise click.UsageError(f"{_NOT_UTF8}; {_NOT_UTF8_HINT}") from None
    return line.rstrip("\r\n")


def _password_options(f):
    f = click.option("--password-stdin", is_flag=True,
                     help="Read the password from standard input (one line).")(f)
    f = click.option("--password-fd", type=int, metavar="N",
                     help="Read the password from file descriptor N (one line).")(f)
    return f


def _print_manifest(manifest) -> None:
    click.echo(f"package {manifest.package_id}: {len(manifest.files)} file(s), "
               f"{manifest.payload_size:,} bytes, sealed {manifest.as_dict()['created']}")
    for entry in manifest.files:
        click.echo(f"  {entry.name}: {entry.size:,} bytes{_count_text(entry)}, "
                   f"sha256 {entry.sha256}")


def _count_text(entry) -> str:
    """A CSV's count, saying which definition: データ件数 as on the 確認書 (header line not
    counted) when the manifest says whether there is a header, else every record."""
    if entry.rows is None:
        return ""
    if entry.records is None:
        return (f", {entry.rows:,} CSV records (a header line counted, if there is one: the "
                "package does not say)")
    return f", {entry.records:,} data records (データ件数; header line not counted)"


def _manifest_json(manifest) -> dict:
    """The manifest as sealed, and each CSV's data records (null where unknown)."""
    doc = manifest.as_dict()
    for entry, f in zip(manifest.files, doc["files"]):
        f["records"] = entry.records
    return doc


@click.group()
def package() -> None:
    """Encrypted packages: seal files, open, verify and inspect packages."""


@package.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Package file to write; it must not exist.")
@click.option("--notice-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the password notice PDF; never the package's directory.")
@click.option("--medium", type=click.Choice(list(packages.MEDIA)),
              help="Refuse a package that would not fit on this medium.")
@click.option("--media", "old_media", type=click.Choice(list(packages.MEDIA)), hidden=True)
@click.option("--case-name", default="（業務名未登録）", show_default=True,
              help="Business name printed on the notice.")
@click.option("--issued-by", default=None, help="Issuer printed on the notice (default: OS account).")
@click.option("--no-csv-header", is_flag=True,
              help="CSV files have no header line (every record is data).")
@json_option
def seal(files, out, notice_dir, medium, old_media, case_name, issued_by, no_csv_header,
         as_json):
    """Encrypt FILES into one package; its generated password goes only on a notice PDF.

    Nothing is recorded in the ledger: for a case's handovers use `handover seal`.
    """
    # --medium, as `handover seal` names it; --media is the old spelling, kept hidden.
    if medium and old_media and medium != old_media:
        raise click.UsageError("give --medium once")
    media = medium or old_media
    with progress_bar("sealing") as progress:
        result = packages.seal_standalone(files, out, notice_dir, media=media,
                                          case_name=case_name, issued_by=issued_by,
                                          progress=progress, csv_header=not no_csv_header)
    sealed = result.package
    if as_json:
        emit_json({"package_id": sealed.package_id, "path": str(sealed.path),
                    "size": sealed.size, "sha256": sealed.sha256,
                    "manifest": _manifest_json(sealed.manifest), "notice_id": result.notice_id,
                    "notice_path": str(result.notice_path)})
    else:
        click.echo(f"package: {sealed.package_id}")
        click.echo(f"file: {sealed.path}")
        click.echo(f"size: {sealed.size:,} bytes")
        click.echo(f"sha256: {sealed.sha256}")
        click.echo(f"password notice: {result.notice_path} (print it, send it by a different "
                   "route than the package, then delete the PDF)")


@package.command("open")
@click.argument("pkg", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory to extract into; existing files are never overwritten.")
@_password_options
@json_option
def open_(pkg, out_dir, password_fd, password_stdin, as_json):
    """Decrypt PKG into a directory: every file, or nothing at all."""
    password = _read_password(password_fd, password_stdin)
    with progress_bar("opening") as progress, reporting_swept_parts():
        manifest = packages.open_package(pkg, out_dir, password, progress=progress)
    if as_json:
        emit_json({"opened": True, "out": str(out_dir), "manifest": _manifest_json(manifest)})
    else:
        _print_manifest(manifest)
        click.echo(f"opened into {out_dir}")


@package.command()
@click.argument("pkg", type=click.Path(dir_okay=False, path_type=Path))
@_password_options
@json_option
def verify(pkg, password_fd, password_stdin, as_json):
    """Check every byte of PKG without extracting anything."""
    password = _read_password(password_fd, password_stdin)
    with progress_bar("verifying") as progress:
        manifest = packages.verify_package(pkg, password, progress=progress)
    if as_json:
        emit_json({"verified": True, "manifest": _manifest_json(manifest)})
    else:
        _print_manifest(manifest)
        click.echo("verified: every chunk authenticates and every file matches its SHA-256")


@package.command()
@click.argument("pkg", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def inspect(pkg, as_json):
    """Show the public header of PKG (no password needed; not authenticated)."""
    header = packages.inspect_package(pkg)
    if as_json:
        emit_json(header.as_dict())
        return
    click.echo(f"package: {header.package_id}")
    click.echo(f"format version: {header.version}")
    click.echo(f"chunk size: {header.chunk_size:,} bytes")
    click.echo(f"payload size: {header.payload_size:,} bytes")
    if header.kdf:
        k = header.kdf
        click.echo(f"kdf: argon2id, {k.memory_kib:,} KiB, {k.iterations} passes, {k.lanes} lanes")
    click.echo("note: the header checksum is intact; nothing is authenticated without the password")
