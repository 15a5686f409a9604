"""`handover ledger …`: the auditor's commands. Parse, call handover.actions or handover.reports, print."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.edge import acting, actor_option, journal, resolve_actor
from cli.output import emit_json, json_option
from cli.lazy import actions, reports


trusted_key_option = click.option(
    "--trusted-key", "trusted_keys", multiple=True, type=click.Path(path_type=Path),
    help="Public key file to trust (repeatable). Never taken from the database being checked.")


@click.group()
def ledger() -> None:
    """Tamper-evident log: keys, checkpoints, verification and proofs."""


@ledger.command()
@click.option("--name", help="Key name (default: handover-<log>).")
@click.pass_obj
def keygen(settings, name):
    """Create the log's signing key (mode 0600) and export its public key."""
    pub = actions.create_signing_key(settings, name)
    click.echo(f"signing key: {settings.key_path} (keep it off shared drives)")
    click.echo(f"public key for auditors: {pub}")


@ledger.command("rotate-key")
@click.argument("new_key", type=click.Path(path_type=Path))
@click.option("--reason", required=True, help="Why: lost, compromised, retired… (recorded in the log).")
@click.option("--old-key-lost", is_flag=True,
              help="The current key (--key) is lost for good: record the loss instead of its signature.")
@click.option("--name", help="Key name (default: handover-<log>).")
@actor_option()
@click.pass_context
def rotate_key(ctx, new_key, reason, old_key_lost, name, actor):
    """Replace the log's signing key by a new one written to NEW_KEY, recorded in the log.

    The current key (--key) signs the change unless --old-key-lost; then auditors must be
    given NEW_KEY's .pub through a channel they trust."""
    pub, entry, cp = actions.rotate_signing_key(*acting(ctx, actor), new_key, reason,
                                                old_key_lost, name)
    click.echo(f"recorded entry {entry.index} SigningKeyRotated; checkpoint {cp.size} signed with the new key")
    click.echo(f"new signing key: {new_key} (back it up; from now on use --key {new_key} or HANDOVER_KEY)")
    click.echo(f"public key for auditors: {pub}")
    if old_key_lost:
        click.echo("the old key did not sign this change: give auditors the new public key in person")


@ledger.command()
@click.argument("text")
@actor_option()
@click.pass_context
def remark(ctx, text, actor):
    """Record a free-text remark (e.g. an inspection) in the log."""
    entry = actions.record_remark(*acting(ctx, actor), text)
    click.echo(f"recorded entry {entry.index} {entry.hash.hex()}")


@ledger.command()
@json_option
@click.pass_obj
def checkpoint(settings, as_json):
    """Sign the log's current size and root, and print the signed checkpoint."""
    cp = actions.sign_checkpoint(settings)
    if as_json:
        emit_json(cp.as_json())
    else:
        click.echo(cp.note, nl=False)


@ledger.command()
@trusted_key_option
@click.option("--state", type=click.Path(path_type=Path),
              help="Auditor state file: the last accepted checkpoint (created or updated on success).")
@click.option("--all-signatures", is_flag=True,
              help="Check the signature of every stored checkpoint, not only the newest "
                   "(each older one's root is always checked).")
@click.option("--witness-key", "witness_keys", multiple=True, type=click.Path(path_type=Path),
              help="Require a cosignature by this witness (its .pub; repeatable: any one suffices) "
                   "covering every entry.")
@click.option("--no-rules", is_flag=True,
              help="Skip replaying the custody rules over every entry (see `replay-rules`).")
@json_option
@click.pass_obj
def verify(settings, trusted_keys, state, all_signatures, witness_keys, no_rules, as_json):
    """Replay the whole log: hashes, chain, Merkle roots, signatures, your saved state, and
    the custody rules over every entry."""
    report = reports.verify(settings, list(trusted_keys), state, all_signatures, list(witness_keys))
    rules = None if no_rules else reports.replay_rules(settings)
    if as_json:
        emit_json({**report.as_json(), **({"rules": rules.as_json()} if rules else {})})
    else:
        click.echo(f"log {report.log}: {report.size} entries, "
                   f"{report.checkpoints_checked} checkpoint(s) checked, "
                   f"{report.signatures_checked} signature(s)"
                   + (f", {report.entry_signatures_checked} person signature(s)"
                      if report.entry_signatures_checked is not None else ""))
        if report.latest:
            click.echo(f"newest trusted checkpoint: size {report.latest.size}, "
                       f"root {report.latest.root_hash.hex()}")
        if report.witnessed_size is not None:
            click.echo(f"newest witnessed size: {report.witnessed_size}"
                       + (f" (entries {report.witnessed_size}..{report.size - 1} unwitnessed)"
                          if report.witnessed_size < report.size else ""))
        for p in report.problems:
            where = f" at index {p.index}" if p.index is not None else ""
            click.echo(f"FAILED {p.failure}{where}: {p.message}")
        for w in report.warnings:
            click.echo(f"warning: {w}")
        if report.state_updated:
            click.echo(f"state saved to {state}")
        if rules is not None:
            _print_rules(rules)
        if report.ok and not (rules and rules.findings):
            click.echo("ok")
    reports.require_ok(report)
    if rules is not None:
        reports.require_rules_kept(rules)


@ledger.command("replay-rules")
@json_option
@click.pass_obj
def replay_rules(settings, as_json):
    """Fold the whole log afresh through the custody rules the writer enforces, and list every
    entry they would have refused (index, rule, item). Uses only the entries."""
    rules = reports.replay_rules(settings)
    if as_json:
        emit_json(rules.as_json())
    else:
        _print_rules(rules)
        if not rules.findings:
            click.echo("ok")
    reports.require_rules_kept(rules)


def _print_rules(rules) -> None:
    click.echo(f"custody rules replayed over {rules.entries} entries: "
               f"{len(rules.findings)} refused")
    for f in rules.findings:
        click.echo(f"RULE BROKEN {f.text()}")


@ledger.command()
@click.argument("index", type=int, required=False)
@click.option("--consistency-from", "old_size", type=int,
              help="Prove the newest checkpoint extends the stored one of this size.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Proof file to write.")
@click.pass_obj
def proof(settings, index, old_size, out):
    """Export a self-contained inclusion proof for INDEX (or a consistency proof)."""
    doc = reports.export_proof(settings, out, index, old_size)
    click.echo(f"wrote {doc['format']} to {out}")


@ledger.command("verify-proof")
@click.argument("proof_file", type=click.Path(path_type=Path))
@trusted_key_option
@json_option
def verify_proof(proof_file, trusted_keys, as_json):
    """Check a proof file offline with nothing but the public key."""
    result = reports.check_proof(proof_file, list(trusted_keys))
    if as_json:
        emit_json(result.as_json())
    elif result.entries:
        click.echo(f"ok: {len(result.entries)} entries are in log {result.log} at checkpoint "
                   f"size {result.checkpoint.size}")
        for e in result.entries:
            click.echo(f"  entry {e.index} ({e.kind} by {e.actor} at {e.time})")
    elif result.entry:
        e = result.entry
        click.echo(f"ok: entry {e.index} ({e.kind} by {e.actor} at {e.time}) is in log "
                   f"{result.log} at checkpoint size {result.checkpoint.size}")
    else:
        click.echo(f"ok: checkpoint {result.checkpoint.size} extends checkpoint "
                   f"{result.old_checkpoint.size} of log {result.log}")


@ledger.command("check-paper")
@click.argument("source", metavar="IMAGE|TEXT")
@trusted_key_option
@json_option
@click.pass_obj
def check_paper(settings, source, trusted_keys, as_json):
    """Check the checkpoint printed on a filed 確認書 against today's ledger.

    IMAGE|TEXT is a photo or scan of its QR code, a file holding the checkpoint text, or the
    text itself. Passes if the signature is the log's, the ledger has the printed root at the
    printed size, and today's newest checkpoint extends it (exit 3 otherwise)."""
    check = reports.check_paper(settings, source, list(trusted_keys))
    if as_json:
        emit_json(check.as_json())
        return
    click.echo(f"paper checkpoint: log {check.paper.log}, size {check.paper.size}, "
               f"root {check.paper.root_hash.hex()}")
    click.echo(f"ok: the ledger has this root at size {check.paper.size}, and its newest checkpoint "
               f"(size {check.head.size}) extends it ({len(check.proof)}-hash consistency proof)")


@ledger.command()
@click.argument("index", type=int, required=False)
@click.option("--from", "start", type=int, default=0, help="First index.")
@click.option("--to", "stop", type=int, help="Stop before this index.")
@json_option
@click.pass_obj
def show(settings, index, start, stop, as_json):
    """Show one entry, or a range of entries."""
    if index is not None:
        start, stop = index, index + 1
    entries = reports.show_entries(settings, start, stop)
    if as_json:
        emit_json([e.as_json() for e in entries])
        return
    for e in entries:
        click.echo(f"{e.index:>6}  {e.time}  {e.kind:<22} {e.actor}  "
                   f"{json.dumps(e.payload, ensure_ascii=False)}")
