"""Password KDF: Argon2id (RFC 9106) with parameters stored in the package header
(docs/package-format.md, "KDF").

Writers use DEFAULT_KDF (1–2 s on a 2-core PC, docs/package-format.md), or the passes
`calibrate` chose for about one second on this PC, between FLOOR_KDF and DEFAULT_KDF. Readers refuse
parameters above the caps below *before* running anything, so a hostile header cannot
make the contractor's machine allocate gigabytes or spin for hours.

Why 24 MiB and many passes rather than the RFC's 64 MiB / 3 passes: the password is
generated with 120 bits of entropy, so the KDF is a second line of defence, not the first;
and sealing must stay under 64 MB of resident memory (the interpreter and libraries take
~28 MB before Argon2 allocates anything). Time cost is raised with passes instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from crypto.errors import FormatError

SALT_LEN = 16
KEY_LEN = 32

# Reader caps, each about 10x the writer default at most (DEFAULT_KDF below), and checked
# before anything runs. Each bound protects the machine that opens a package from its header:
# within the old caps (256 MiB, 16 lanes) a hostile header cost 92 s and 324 MB per attempt.
MAX_MEMORY_KIB = 64 * 1024         # 64 MiB: 2.7x the default, what sealing may use at most
MAX_LANES = 8                      # lanes become threads; 2x the default
MAX_ITERATIONS = 1440              # 10x the default
MAX_WORK_KIB = 10 * 24 * 1024 * 144  # memory x passes: 10x the default, ~10 s here
MIN_LANES = 1


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters. memory_kib is in KiB (Argon2's m), iterations is t,
    lanes is p (degree of parallelism)."""

    memory_kib: int
    iterations: int
    lanes: int

    def as_dict(self) -> dict:
        return {"name": "argon2id", "memory_kib": self.memory_kib,
                "iterations": self.iterations, "lanes": self.lanes}


# About 1 s on this project's 2-core reference machine (bench/bench_package.py prints the
# measured time); an office PC with 4 cores runs the 4 lanes in parallel.
DEFAULT_KDF = KdfParams(memory_kib=24 * 1024, iterations=144, lanes=4)


# The least a calibration may choose (`calibrate`): the default's memory and lanes with a third
# of its passes. Still far above OWASP's Argon2id minimum (19 MiB, 2 passes); the generated
# password's 120 bits are the first line of defence, the KDF the second (docs/package-format.md).
FLOOR_KDF = KdfParams(memory_kib=DEFAULT_KDF.memory_kib, iterations=48, lanes=DEFAULT_KDF.lanes)
CALIBRATION_TARGET_S = 1.0


def calibrate(target_s: float = CALIBRATION_TARGET_S, *,
              timer=None) -> tuple[KdfParams, float]:
    """Parameters that take about `target_s` on this machine, and the seconds they took.

    Keeps the default's memory and lanes and chooses the passes, between FLOOR_KDF's and
    DEFAULT_KDF's: never fewer than the floor on a slow PC, and never more than the default,
    which every reader accepts (`check_not_above_default`), so a package sealed with them
    opens on any other PC. `timer(params)` returns the seconds one derivation takes (tests
    pass their own)."""
    timer = timer or measure
    probe = KdfParams(DEFAULT_KDF.memory_kib, FLOOR_KDF.iterations, DEFAULT_KDF.lanes)
    per_pass = max(timer(probe), 1e-6) / probe.iterations
    passes = min(DEFAULT_KDF.iterations,
                 max(FLOOR_KDF.iterations, round(target_s / per_pass)))
    chosen = KdfParams(DEFAULT_KDF.memory_kib, passes, DEFAULT_KDF.lanes)
    return chosen, timer(chosen)


def check_calibrated(p: KdfParams) -> None:
    """Refuse calibrated parameters outside [FLOOR_KDF, DEFAULT_KDF] (a hand-edited file)."""
    if (p.memory_kib, p.lanes) != (DEFAULT_KDF.memory_kib, DEFAULT_KDF.lanes) or not (
            FLOOR_KDF.iterations <= p.iterations <= DEFAULT_KDF.iterations):
        raise FormatError(
            f"calibrated KDF parameters {p.memory_kib} KiB, {p.iterations} passes, {p.lanes} lanes "
            f"are outside what handover seals with ({DEFAULT_KDF.memory_kib} KiB and "
            f"{DEFAULT_KDF.lanes} lanes, {FLOOR_KDF.iterations} to {DEFAULT_KDF.iterations} passes)",
            "calibrate again with `handover init --calibrate-kdf`, or delete the file to seal "
            "with the default")


def check_params(p: KdfParams) -> None:
    """Refuse parameters a reader must not run. Raises FormatError naming the limit."""
    hint = "the package header asks for more work than any handover writer would; do not trust it"
    if not MIN_LANES <= p.lanes <= MAX_LANES:
        raise FormatError(f"the package asks for {p.lanes} Argon2 lanes; this tool accepts "
                          f"{MIN_LANES} to {MAX_LANES}", hint)
    if p.memory_kib < 8 * p.lanes:
        # RFC 9106 §3.1: m must be at least 8p KiB.
        raise FormatError(f"the package's Argon2 memory ({p.memory_kib} KiB) is below 8 KiB "
                          f"per lane", hint)
    if p.memory_kib > MAX_MEMORY_KIB:
        raise FormatError(f"the package asks for {p.memory_kib // 1024} MiB of memory for its "
                          f"password KDF; this tool accepts at most {MAX_MEMORY_KIB // 1024} MiB",
                          hint)
    if not 1 <= p.iterations <= MAX_ITERATIONS:
        raise FormatError(f"the package asks for {p.iterations} Argon2 passes; this tool "
                          f"accepts 1 to {MAX_ITERATIONS}", hint)
    if p.memory_kib * p.iterations > MAX_WORK_KIB:
        raise FormatError(f"the package asks for {p.memory_kib // 1024} MiB × {p.iterations} "
                          f"passes of KDF work; this tool accepts at most "
                          f"{MAX_WORK_KIB // 1024} MiB-passes", hint)


class SuspiciousKdf(FormatError):
    """The header asks for more KDF work than any handover writer uses (but within the
    caps). Raised before running it: a hostile header would otherwise cost seconds per
    attempt and then read as "wrong password"."""


def check_not_above_default(p: KdfParams) -> None:
    """Refuse, as suspicious, parameters above the writer default (DEFAULT_KDF)."""
    above = [f"{name} {got:,} > {default:,}" for name, got, default in (
        ("memory_kib", p.memory_kib, DEFAULT_KDF.memory_kib),
        ("iterations", p.iterations, DEFAULT_KDF.iterations),
        ("lanes", p.lanes, DEFAULT_KDF.lanes),
        ("memory x passes", p.memory_kib * p.iterations,
         DEFAULT_KDF.memory_kib * DEFAULT_KDF.iterations)) if got > default]
    if above:
        raise SuspiciousKdf(
            "the package asks for more password-KDF work than handover writes "
            f"({'; '.join(above)}): it may be hostile, so it was not run",
            "ask the sender to seal the package again with handover; a package sealed by "
            "handover never asks for more than the default")


def derive(secret: bytes, salt: bytes, p: KdfParams) -> bytes:
    """The 32-byte wrapping key. Checks the parameters first."""
    check_params(p)
    if len(salt) != SALT_LEN:
        raise ValueError("salt must be 16 bytes")
    kdf = Argon2id(salt=salt, length=KEY_LEN, iterations=p.iterations, lanes=p.lanes,
                   memory_cost=p.memory_kib)
    return kdf.derive(secret)


def measure(p: KdfParams = DEFAULT_KDF) -> float:
    """Seconds one derivation takes on this machine (for the benchmark and tuning)."""
    start = time.perf_counter()
    derive(b"calibration", b"\0" * SALT_LEN, p)
    return time.perf_counter() - start
