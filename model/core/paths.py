"""Removing what a command replaces, without ever following a link out of its folder.

A command deletes only its own files and folders inside ``--out``. A symbolic link there (to a folder
or file anywhere) is removed as a link: what it points to is never opened for deletion. Every
command that removes something goes through ``remove_entry``, so the rule holds in one place.
"""
from __future__ import annotations

import shutil
from pathlib import Path


def remove_entry(path: Path) -> None:
    """Remove ``path``: a link or a file by unlinking it (a link's target is untouched), a folder
    with everything under it (``shutil.rmtree`` unlinks any link it meets inside, never its target).
    Nothing there: nothing to do."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path)
