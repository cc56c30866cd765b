"""souk-client is its own package: installed with its metadata, typed (py.typed), depending on httpx only, and
importable without the server (nothing in it imports ``souk``)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import souk_client


def test_installed_with_its_own_metadata_and_marker() -> None:
    meta = metadata.metadata("souk-client")
    assert meta["Name"] == "souk-client" and meta["Version"] == souk_client.__version__
    requires = metadata.requires("souk-client") or []
    assert [r.split(">")[0].split("<")[0].split("=")[0].strip() for r in requires] == ["httpx"]
    assert (Path(souk_client.__file__).parent / "py.typed").exists()


def test_imports_without_the_server_package() -> None:
    # ``souk`` made unimportable: every module of the SDK still loads (the tests' conftest is not involved)
    code = ("import json, sys; sys.modules['souk'] = None\n"
            "import souk_client, souk_client.types, souk_client.webhooks, souk_client._sync.client\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('souk') and sys.modules[m])))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = json.loads(out.stdout)
    assert loaded and all(name.startswith("souk_client") for name in loaded), loaded
