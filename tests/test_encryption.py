"""Encryption at rest and in hand-over: `store encrypt` turns a laptop's store into an
SQLCipher file in place (nothing readable left behind, safe if stopped part way), its
passphrase from the environment, the keyring or a terminal; and bundles sealed in the age
format for a recipient's key or a passphrase, which `sessions import` opens."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from conftest import EXAMPLES
from imbalance_cli.cli import main
from imbalance_cli.store import open_store

SECRET = "Soleus tightness after the marathon"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(code: int, err: str, expected: int) -> str:
    lines = err.strip().splitlines()
    assert code == expected and len(lines) == 1, err
    assert lines[0].startswith("imbalance: error: ") and "internal error" not in err
    return lines[0]


@pytest.fixture
def laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A plain store with two sessions, one holding a free-text answer worth hiding."""
    data = tmp_path / "data"
    for persona, client in (("runner-knee.yaml", "Sam"), ("no-pain.yaml", "Kim")):
        code, _, err = _run(capsys, "run", "--answers", str(EXAMPLES / persona), "--no-input",
                            "--client", client)  # fmt: skip
        assert code == 0, err
    with open_store(data) as store:
        store.save_answers(1, {**store.answers(1), "notes": SECRET}, {})  # type: ignore[dict-item]
    return data


def _encrypt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *extra: str
) -> tuple[int, str, str]:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse\n"))
    return _run(capsys, "store", "encrypt", "--passphrase-stdin", *extra)


def test_store_encrypt_leaves_nothing_readable_and_every_command_works_with_the_passphrase(
    laptop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _run(capsys, "sessions", "export", "1", "--format", "json")[1]
    code, _, err = _encrypt(capsys, monkeypatch)
    assert code == 0 and "Encrypted the store (2 clients, 2 sessions" in err, err
    assert sorted(p.name for p in laptop.iterdir()) == ["imbalance.encrypted.db"]
    encrypted = laptop / "imbalance.encrypted.db"
    assert stat.S_IMODE(encrypted.stat().st_mode) == 0o600
    raw = encrypted.read_bytes()
    assert SECRET.encode() not in raw and b"Sam" not in raw and b"SQLite format 3" not in raw

    # No passphrase and no terminal: one line, exit 2. A wrong one: the same.
    line = _one_line(*_run(capsys, "sessions", "list")[::2], 2)
    assert "is encrypted and no passphrase was given" in line and "IMBALANCE_PASSPHRASE" in line
    monkeypatch.setenv("IMBALANCE_PASSPHRASE", "wrong horse")
    assert "wrong passphrase" in _one_line(*_run(capsys, "sessions", "list")[::2], 2)
    monkeypatch.setenv("IMBALANCE_PASSPHRASE", "correct horse")
    assert _run(capsys, "sessions", "export", "1", "--format", "json")[1] == before
    code, _, err = _run(capsys, "run", "--answers", str(EXAMPLES / "no-pain.yaml"), "--no-input",
                        "--client", "Sam")  # fmt: skip
    assert code == 0, err
    code, out, _ = _run(capsys, "sessions", "list", "--json")
    assert [s["id"] for s in json.loads(out)] == [3, 2, 1]
    with open_store(laptop) as store:
        assert store.answers(1)["notes"] == SECRET and store.integrity() == "ok"
    # Encrypting again says so and changes nothing.
    code, _, err = _encrypt(capsys, monkeypatch)
    assert code == 2 and "is encrypted already" in err


def test_a_stopped_encrypt_leaves_one_whole_store_and_a_second_run_finishes(
    laptop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from imbalance_cli.store import encrypted

    def power_cut(*args: object) -> None:
        raise KeyboardInterrupt

    # Stopped before the encrypted file is in place: the plain store is whole and in use.
    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", power_cut)
        with pytest.raises(KeyboardInterrupt):
            encrypted.encrypt(laptop, "imbalance.db", "correct horse")
    code, out, _ = _run(capsys, "sessions", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    # Stopped after it is in place, before the plain file is wiped: the store says what to do.
    with monkeypatch.context() as patched:
        patched.setattr(encrypted, "_wipe", power_cut)
        with pytest.raises(KeyboardInterrupt):
            encrypted.encrypt(laptop, "imbalance.db", "correct horse")
    monkeypatch.setenv("IMBALANCE_PASSPHRASE", "correct horse")
    line = _one_line(*_run(capsys, "sessions", "list")[::2], 1)
    assert "a store encrypt was stopped part way; run imbalance store encrypt again" in line
    code, _, err = _run(capsys, "store", "encrypt")
    assert code == 0 and "Finished an encryption that was stopped part way" in err, err
    assert sorted(p.name for p in laptop.iterdir()) == ["imbalance.encrypted.db"]
    with open_store(laptop) as store:
        assert store.answers(1)["notes"] == SECRET and len(store.sessions()) == 2


def test_the_passphrase_can_live_in_the_system_keyring(
    laptop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        kept: ClassVar[dict[tuple[str, str], str]] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.kept.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.kept[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.kept.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    try:
        code, _, err = _encrypt(capsys, monkeypatch, "--keyring")
        assert code == 0 and "It is in the system keyring" in err, err
        monkeypatch.delenv("IMBALANCE_PASSPHRASE", raising=False)
        code, out, err = _run(capsys, "sessions", "list", "--json")
        assert code == 0 and len(json.loads(out)) == 2, err
    finally:
        keyring.set_keyring(previous)


def test_without_the_extra_encryption_says_what_to_install(
    laptop: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    monkeypatch.setitem(sys.modules, "sqlcipher3.dbapi2", None)
    line = _one_line(*_run(capsys, "store", "encrypt")[::2], 2)
    assert "pip install 'imbalance-cli[encrypt]'" in line
    assert (laptop / "imbalance.db").exists()
    line = _one_line(
        *_run(capsys, "--store", "postgresql://x@localhost/y", "store", "encrypt")[::2], 2
    )
    assert "is for a store on this computer" in line


def test_a_bundle_sealed_for_a_key_opens_only_with_its_identity(
    laptop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "trainer-b.key"
    code, public, _ = _run(capsys, "sessions", "keygen", "--out", str(key))
    assert code == 0 and public.startswith("age1") and stat.S_IMODE(key.stat().st_mode) == 0o600
    sealed = tmp_path / "sam.age"
    code, _, err = _run(capsys, "sessions", "export", "--format", "bundle", "--client", "Sam",
                        "--encrypt-to", public.strip(), "--out", str(sealed))  # fmt: skip
    assert code == 0, err
    text = sealed.read_text()
    assert text.startswith("-----BEGIN AGE ENCRYPTED FILE-----") and SECRET not in text
    other = ["--data-dir", str(tmp_path / "other")]
    line = _one_line(*_run(capsys, *other, "sessions", "import", str(sealed))[::2], 2)
    assert "--identity" in line
    stranger = tmp_path / "stranger.key"
    _run(capsys, "sessions", "keygen", "--out", str(stranger))
    line = _one_line(
        *_run(capsys, *other, "sessions", "import", str(sealed), "--identity", str(stranger))[::2],
        2,
    )
    assert "sealed for another key" in line
    code, _, err = _run(capsys, *other, "sessions", "import", str(sealed), "--identity", str(key))
    assert code == 0 and "Imported 1 session(s)" in err, err
    with open_store(tmp_path / "other") as store:
        assert store.answers(1)["notes"] == SECRET


def test_a_bundle_sealed_with_a_passphrase(
    laptop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    sealed = tmp_path / "all.age"
    line = _one_line(
        *_run(
            capsys,
            "sessions",
            "export",
            "--format",
            "bundle",
            "--encrypt-passphrase",
            "--out",
            str(sealed),
        )[::2],
        2,
    )
    assert "IMBALANCE_BUNDLE_PASSPHRASE" in line and not sealed.exists()
    monkeypatch.setenv("IMBALANCE_BUNDLE_PASSPHRASE", "hand it over")
    assert (
        _run(
            capsys,
            "sessions",
            "export",
            "--format",
            "bundle",
            "--encrypt-passphrase",
            "--out",
            str(sealed),
        )[0]
        == 0
    )
    other = ["--data-dir", str(tmp_path / "other")]
    monkeypatch.setenv("IMBALANCE_BUNDLE_PASSPHRASE", "not it")
    assert "wrong passphrase" in _one_line(
        *_run(capsys, *other, "sessions", "import", str(sealed))[::2], 2
    )
    monkeypatch.setenv("IMBALANCE_BUNDLE_PASSPHRASE", "hand it over")
    code, _, err = _run(capsys, *other, "sessions", "import", str(sealed))
    assert code == 0 and "Imported 2 session(s)" in err, err
    # Sealing goes with bundles only, and a key must be a key.
    assert _run(capsys, "sessions", "export", "1", "--format", "md", "--encrypt-passphrase")[0] == 2
    line = _one_line(
        *_run(
            capsys,
            "sessions",
            "export",
            "--format",
            "bundle",
            "--encrypt-to",
            "age1nope",
            "--out",
            str(tmp_path / "x.age"),
        )[::2],
        2,
    )
    assert "is not an age public key" in line
