"""Outputs written as one set: never lost, never mixed, never looking complete when they are not.

A command's files (a NetCDF, a workbook, a report) form a set named after the input files' stems,
inside ``--out`` and nowhere else. The set is checked before any run starts (``--out`` is a folder we
can write to, no other command is writing there, no set from other settings would be replaced), each
file is written under a temporary name, and the files are moved into place only when all are
finished; a manifest (inputs and their hashes, settings, versions, the files and their hashes) is
written last. A set without its manifest is incomplete, and the next command replaces it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import signal
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from jrsim.core.errors import ScenarioError
from jrsim.core.paths import remove_entry

LOCK_NAME = ".jrsim.lock"
TEMP_PREFIX = ".jrsim-partial-"
MANIFEST_SUFFIX = ".manifest.json"
VERSIONED = ("jrsim", "numpy", "scipy", "xarray", "mesa", "netCDF4", "openpyxl")
HASH_CHUNK = 1 << 20  # bytes read at a time when hashing a file


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def manifest_path(out_dir: Path, stem: str) -> Path:
    return out_dir / f"{stem}{MANIFEST_SUFFIX}"


def read_manifest(out_dir: Path, stem: str) -> dict | None:
    """The manifest of a complete set, or None if there is no complete set of that name."""
    path = manifest_path(out_dir, stem)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


class OutputSet:
    """Use as a context manager around the whole command: the checks run on entry, before any work;
    ``path(name)`` gives where to write each file; ``commit()`` puts the set in place."""

    def __init__(self, out_dir: Path, stem: str, command: str, settings: dict[str, Any], inputs: list[Path],
                 suffixes: tuple[str, ...], overwrite: bool = False, option: str = "--out"):
        self.out_dir, self.stem, self.command = Path(out_dir), stem, command
        # the inputs' content is part of the settings: an edited scenario is another set
        self.settings = {**settings, "inputs": {str(p): file_hash(p) for p in inputs}}
        self.inputs, self.suffixes, self.overwrite, self.option = inputs, suffixes, overwrite, option
        self.files: list[str] = []
        self.previous_files: list[str] = []
        self.replaced_incomplete = False
        self.committed = False
        self._lock = None
        self._temp: Path | None = None

    # ------------------------------------------------------------ checks before the work
    def open(self) -> OutputSet:
        """Check and lock ``--out`` before any work (a ScenarioError says what is wrong)."""
        self._make_folder()
        self._take_lock()
        try:
            self._remove_stale_temps()
            self._check_existing()
            for suffix in (*self.suffixes, MANIFEST_SUFFIX):
                target = self.out_dir / f"{self.stem}{suffix}"
                if target.exists() and not target.is_file():
                    raise ScenarioError(f"{self.option} {self.out_dir}: {target.name} is there and is not a file")
            self._temp = Path(self.out_dir / f"{TEMP_PREFIX}{self.stem}-{os.getpid()}")
            self._temp.mkdir()
        except OSError as exc:
            self._release()
            raise ScenarioError(f"{self.option} {self.out_dir}: cannot prepare the folder ({exc.strerror or exc})") from None
        except BaseException:
            self._release()
            raise
        return self

    def __enter__(self) -> OutputSet:
        return self if self._lock is not None else self.open()

    def _make_folder(self) -> None:
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise ScenarioError(f"{self.option} {self.out_dir}: is a file, not a folder")
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError(f"{self.option} {self.out_dir}: cannot create the folder ({exc.strerror})") from None
        if not os.access(self.out_dir, os.W_OK | os.X_OK):
            raise ScenarioError(f"{self.option} {self.out_dir}: the folder is not writable")

    def _take_lock(self) -> None:
        try:
            lock = open(self.out_dir / LOCK_NAME, "a")
        except OSError as exc:
            raise ScenarioError(f"{self.option} {self.out_dir}: cannot take the folder's lock {LOCK_NAME} "
                                f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise ScenarioError(f"{self.option} {self.out_dir}: another jrsim command is writing there; "
                                f"wait for it to finish or choose another folder") from None
        self._lock = lock

    def _remove_stale_temps(self) -> None:
        """Partial files of a command that was killed (we hold the lock, so none is still writing);
        one that is a link is removed as a link, what it points to is never touched."""
        for stale in self.out_dir.glob(f"{TEMP_PREFIX}*"):
            _remove_quietly(stale)

    def _check_existing(self) -> None:
        previous = read_manifest(self.out_dir, self.stem)
        if not isinstance(previous, dict) or not isinstance(previous.get("settings"), dict) \
                or not isinstance(previous.get("files"), dict):
            # no complete set of this name: what is there (of this set's own names) is an interrupted one
            self.replaced_incomplete = any((self.out_dir / f"{self.stem}{s}").is_file() for s in self.suffixes)
            return
        self.previous_files = [str(name) for name in previous["files"]]
        if previous["settings"] != self.settings and not self.overwrite:
            differ = sorted(k for k in set(previous["settings"]) | set(self.settings)
                            if previous["settings"].get(k) != self.settings.get(k))
            raise ScenarioError(f"{self.option} {self.out_dir}: a set '{self.stem}' from other settings is there "
                                f"(differing: {', '.join(differ)}); use --overwrite to replace it, or another folder")

    # ------------------------------------------------------------ writing
    def path(self, suffix: str) -> Path:
        """Where to write the set's file ``<stem><suffix>`` (a temporary place until commit)."""
        name = f"{self.stem}{suffix}"
        # the folder resolved, the name not: a link of that name is replaced as a link at commit, never followed
        target = Path(os.path.normpath(self.out_dir.resolve() / name))
        if target.parent != self.out_dir.resolve():
            raise ScenarioError(f"{self.option}: refusing to write {name} outside {self.out_dir}")
        self.files.append(name)
        return self._temp / name

    def final(self, suffix: str) -> Path:
        return self.out_dir / f"{self.stem}{suffix}"

    def commit(self) -> Path:
        """Move the finished files into place and write the manifest last; returns the manifest.
        Ctrl-C and TERM wait until it is done: a set is replaced whole, not half."""
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            return self._commit()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def _commit(self) -> Path:
        manifest = manifest_path(self.out_dir, self.stem)
        record = {"set": self.stem, "command": self.command, "complete": True,
                  "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "settings": self.settings,
                  "versions": versions(), "files": {name: file_hash(self._temp / name) for name in self.files}}
        manifest.unlink(missing_ok=True)  # from here until the new manifest, the set reads as incomplete
        for name in self.previous_files:  # only the earlier set's own files, by the names its manifest gives
            old = self.out_dir / Path(name).name
            if old.name not in self.files and old.is_file():
                old.unlink()
        for name in self.files:
            os.replace(self._temp / name, self.out_dir / name)
        partial = self._temp / (manifest.name + ".partial")
        partial.write_text(json.dumps(record, indent=1, default=str) + "\n")
        os.replace(partial, manifest)
        self.committed = True
        return manifest

    def __exit__(self, *exc) -> None:
        if self._temp is not None:
            _remove_quietly(self._temp)
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None


def _remove_quietly(path: Path) -> None:
    """A partial folder removed as far as it can be (what is left is removed by the next command)."""
    try:
        remove_entry(path)
    except OSError:
        pass
