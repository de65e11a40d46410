"""Sessions bundles sealed for hand-over, in the age format (https://age-encryption.org),
through pyrage (the ``encrypt`` extra): for one or more recipients' public keys (age's own
``age1...`` keys, or SSH keys) or for a passphrase. The file is ASCII-armored, so it can be
mailed or pasted like any text, and any age tool (age, rage) opens it as well as imbalance.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from imbalance_cli.errors import ImbalanceError, UsageError

ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
BINARY = b"age-encryption.org/v1\n"
#: Environment variables for scripts: a bundle's passphrase, and an identity file to open one.
PASSPHRASE_VARIABLE = "IMBALANCE_BUNDLE_PASSPHRASE"
IDENTITY_VARIABLE = "IMBALANCE_AGE_IDENTITY"


def _pyrage() -> ModuleType:
    try:
        import pyrage
    except ImportError:
        raise UsageError(
            "encrypted bundles need pyrage, which is not installed; install it with: "
            "pip install 'imbalance-cli[encrypt]'"
        ) from None
    module: ModuleType = pyrage
    return module


def is_sealed(raw: bytes) -> bool:
    head = raw.lstrip()[: len(ARMOR)]
    return head.startswith(ARMOR) or raw.startswith(BINARY)


def _header(raw: bytes) -> bytes:
    """The start of the age header, de-armored if need be (enough to name its recipients)."""
    if raw.startswith(BINARY):
        return raw[:200]
    lines = raw.strip().splitlines()[1:4]
    try:
        return base64.b64decode(b"".join(lines)[:96] + b"==", validate=False)
    except ValueError:
        return b""


def for_passphrase(raw: bytes) -> bool:
    """Sealed with a passphrase (an scrypt stanza), not for recipients' keys."""
    return b"\n-> scrypt " in _header(raw)


def recipients(given: Sequence[str]) -> list[Any]:
    """Recipients from what was typed: an ``age1...`` key, an SSH public key line, or a file
    holding such lines (``#`` comments and blank lines skipped)."""
    pyrage = _pyrage()
    out: list[Any] = []
    for item in given:
        lines = [item]
        path = Path(item).expanduser()
        if not item.startswith(("age1", "ssh-")) and path.is_file():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read recipients from '{item}': {exc}") from None
        for line in (raw.strip() for raw in lines):
            if not line or line.startswith("#"):
                continue
            try:
                if line.startswith("ssh-"):
                    out.append(pyrage.ssh.Recipient.from_str(line))
                else:
                    out.append(pyrage.x25519.Recipient.from_str(line))
            except pyrage.RecipientError:
                raise UsageError(
                    f"'{line[:40]}' is not an age public key (age1...) or an SSH public key"
                ) from None
    if not out:
        raise UsageError("--encrypt-to names no recipient")
    return out


def seal(text: str, to: Sequence[Any] = (), passphrase: str | None = None) -> str:
    """The bundle's text sealed for these recipients, or with this passphrase, armored."""
    pyrage = _pyrage()
    data = text.encode("utf-8")
    if passphrase is not None:
        sealed = pyrage.passphrase.encrypt(data, passphrase, armored=True)
    else:
        sealed = pyrage.encrypt(data, list(to), armored=True)
    return bytes(sealed).decode("ascii")


def identities(paths: Sequence[Path]) -> list[Any]:
    """Identities to open a sealed bundle with: age identity files (``AGE-SECRET-KEY-1...``
    lines, as age-keygen and ``imbalance sessions keygen`` write them) or SSH private keys;
    ``IMBALANCE_AGE_IDENTITY`` names one when none is given."""
    pyrage = _pyrage()
    files = list(paths)
    if not files and os.environ.get(IDENTITY_VARIABLE):
        files = [Path(os.environ[IDENTITY_VARIABLE]).expanduser()]
    out: list[Any] = []
    for path in files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read the identity '{path}': {exc.strerror or exc}") from None
        if b"OPENSSH PRIVATE KEY" in raw or b"RSA PRIVATE KEY" in raw:
            try:
                out.append(pyrage.ssh.Identity.from_buffer(raw))
            except pyrage.IdentityError as exc:
                raise UsageError(f"'{path}' is not a usable SSH key: {exc}") from None
            continue
        for line in raw.decode("utf-8", "replace").splitlines():
            if line.strip().startswith("AGE-SECRET-KEY-"):
                try:
                    out.append(pyrage.x25519.Identity.from_str(line.strip()))
                except pyrage.IdentityError:
                    raise UsageError(f"'{path}' holds a damaged age identity") from None
        if not out:
            raise UsageError(f"'{path}' holds no age identity (AGE-SECRET-KEY-1...)")
    return out


def unseal(
    raw: bytes,
    path: Path,
    identity_files: Sequence[Path],
    ask: Callable[[str], str] | None,
) -> bytes:
    """The bundle inside a sealed file: with a passphrase (from the environment, or asked), or
    with an identity. What is missing or wrong is one line (exit 2)."""
    pyrage = _pyrage()
    if for_passphrase(raw):
        passphrase = os.environ.get(PASSPHRASE_VARIABLE)
        if not passphrase:
            if ask is None:
                raise UsageError(
                    f"'{path}' is sealed with a passphrase; give it in {PASSPHRASE_VARIABLE} or "
                    "run imbalance on a terminal to be asked"
                )
            passphrase = ask(f"Passphrase of {path}: ")
        try:
            return bytes(pyrage.passphrase.decrypt(raw, passphrase))
        except pyrage.DecryptError:
            raise UsageError(f"wrong passphrase for '{path}' (or the file is damaged)") from None
    keys = identities(identity_files)
    if not keys:
        raise UsageError(
            f"'{path}' is sealed for a recipient's key; open it with --identity FILE (or "
            f"{IDENTITY_VARIABLE}), the identity whose public key it was sealed for"
        )
    try:
        return bytes(pyrage.decrypt(raw, keys))
    except pyrage.DecryptError as exc:
        raise UsageError(
            f"cannot open '{path}' with the identity given: {exc} (it was sealed for another "
            "key, or is damaged)"
        ) from None


def keygen() -> tuple[str, str]:
    """A new age identity, as an identity file's text (age-keygen's layout), and its public key."""
    pyrage = _pyrage()
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    created = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    text = f"# created: {created}\n# public key: {public}\n{identity}\n"
    return text, public


def opened(raw: bytes, path: Path, unsealing: Callable[[bytes], bytes] | None) -> bytes:
    """``raw`` itself, or, when it is sealed, what ``unsealing`` finds inside."""
    if not is_sealed(raw):
        return raw
    if unsealing is None:
        raise ImbalanceError(f"'{path}' is an encrypted bundle; imbalance cannot open it here")
    return unsealing(raw)
