"""Password KDF: Argon2id (RFC 9106) with parameters stored in the package header
(docs/package-format.md, "KDF").

Writers use DEFAULT_KDF, tuned to about one second on an office PC. Readers refuse
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

# Reader caps. Each bound protects the machine that opens a package from its header.
MAX_MEMORY_KIB = 256 * 1024        # 256 MiB: allocatable on any office PC
MAX_LANES = 16                     # lanes become threads
MAX_ITERATIONS = 10_000
MAX_WORK_KIB = 32 * 1024 * 1024    # memory × passes: ~9× the default, ~10 s here
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
