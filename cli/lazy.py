"""The parts of handover/ the commands call, imported when a command first uses them: `--help`
and the `package` commands then start without SQLAlchemy, reportlab or zxing."""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for a module until an attribute of it is first read."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        module: ModuleType = importlib.import_module(self._name)
        return getattr(module, attr)


actions = LazyModule("handover.actions")
reports = LazyModule("handover.reports")
packages = LazyModule("handover.packages")
demo = LazyModule("handover.demo")
demo_screening = LazyModule("handover.demo_screening")
visit_lists = LazyModule("handover.visit_lists")
kdf_settings = LazyModule("handover.kdf_settings")
scanners = LazyModule("handover.scanners")
