"""The reliability harness (bench/reliability.py) imported for the tests: one module, so the short run in
`make test` and the full run behind `make reliability` cannot drift apart."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parent.parent / "bench" / "reliability.py"
_spec = importlib.util.spec_from_file_location("reliability", _PATH)
assert _spec is not None and _spec.loader is not None
harness = importlib.util.module_from_spec(_spec)
sys.modules["reliability"] = harness  # dataclasses look their module up by name
_spec.loader.exec_module(harness)
