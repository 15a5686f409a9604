"""The password KDF this PC seals with: calibrated once (`handover init --calibrate-kdf`) to
take about one second here, and kept in a small JSON file of this PC's: $HANDOVER_KDF_FILE,
else ./handover-kdf.json (where the signing key is by default too).

Per PC, not per ward: the ward's PCs differ, and the point is the time a person waits on
this one. The file records what was measured; every `handover seal` also records the
parameters it used in its PackageSealed entry. Without the file, seals use crypto.DEFAULT_KDF.
Calibrated parameters lie between crypto.FLOOR_KDF and crypto.DEFAULT_KDF, so every reader
opens the packages (`package open` refuses only parameters above the default).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import crypto
from handover.errors import HandoverError
from handover.files import write_bytes_atomically

ENV_KDF_FILE = "HANDOVER_KDF_FILE"
DEFAULT_KDF_FILE = "handover-kdf.json"


@dataclass(frozen=True)
class Calibration:
    params: crypto.KdfParams
    seconds: float
    host: str
    measured_at: str
    path: Path

    def as_json(self) -> dict:
        return {"kdf": self.params.as_dict(), "seconds": round(self.seconds, 3),
                "host": self.host, "measured_at": self.measured_at, "path": str(self.path)}


def kdf_file(path: Path | str | None = None) -> Path:
    return Path(path or os.environ.get(ENV_KDF_FILE) or DEFAULT_KDF_FILE)


def calibrate(path: Path | str | None = None, *, timer=None) -> Calibration:
    """Measure this PC, choose the parameters (crypto.calibrate) and write them to the file."""
    params, seconds = crypto.calibrate(timer=timer)
    cal = Calibration(params, seconds, socket.gethostname(),
                      datetime.now().astimezone().isoformat(timespec="seconds"), kdf_file(path))
    body = {k: v for k, v in cal.as_json().items() if k != "path"}
    try:
        write_bytes_atomically(cal.path, (json.dumps(body, indent=2) + "\n").encode())
    except OSError as e:
        raise HandoverError(f"cannot write the KDF calibration {cal.path}: {e.strerror or e}",
                            f"give a writable path with ${ENV_KDF_FILE}") from None
    return cal


def sealing_kdf(path: Path | str | None = None) -> crypto.KdfParams:
    """The parameters to seal with on this PC: the calibrated ones, else the default."""
    file = kdf_file(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return crypto.DEFAULT_KDF
    except (OSError, UnicodeDecodeError) as e:
        raise _unreadable(file, str(getattr(e, "strerror", None) or e)) from None
    try:
        kdf = json.loads(text)["kdf"]
        if kdf.get("name") != "argon2id":
            raise ValueError("not argon2id")
        params = crypto.KdfParams(*(kdf[k] for k in ("memory_kib", "iterations", "lanes")))
        if not all(type(v) is int for v in (params.memory_kib, params.iterations, params.lanes)):
            raise ValueError("parameters must be integers")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise _unreadable(file, f"not a KDF calibration ({e})") from None
    try:
        crypto.check_calibrated(params)
    except crypto.FormatError as e:
        raise HandoverError(f"{file}: {e.message}", e.hint) from None
    return params


def _unreadable(file: Path, why: str) -> HandoverError:
    return HandoverError(f"cannot read the KDF calibration {file}: {why}",
                         "calibrate again with `handover init --calibrate-kdf`, or delete the "
                         "file to seal with the default")
