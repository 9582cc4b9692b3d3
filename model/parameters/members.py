"""One member of a family of parameters (a contract, a provider: ``<family>.<name>.<field>``), read once.

A family member's fields are read together from the parameters in force, each with where it was written
(the file, or the option), so that every check on it can say in one line which key of which file is
wrong. Contracts (``jrsim.commissioning.contracts.Contract``) and providers
(``jrsim.commissioning.providers.ProviderTerms``) are members; each says what it needs and checks itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jrsim.core.errors import ScenarioError
from jrsim.parameters.declaration import family_members

UNKNOWN_ORIGIN = "scenario"  # where a member's fields came from when no origin is recorded


def written_fields(names, family: str, member: str) -> set[str]:
    """The fields of one member that these dotted parameter names write."""
    prefix = f"{family}.{member}."
    return {n[len(prefix):] for n in names if n.startswith(prefix)}


def member_declarations(names, family: str, fields, always: str) -> list:
    """The declarations of each member of ``family`` named in ``names``: the fields it has written, and
    always ``always`` (its kind: a missing field is then reported by the member's reader, with its name)."""
    names = list(names)
    out = []
    for member in family_members(names, family):
        written = written_fields(names, family, member)
        out.extend(f.member(family, member) for f in fields if f.name in written | {always})
    return out


@dataclass(frozen=True)
class Member:
    """A family member's fields (``f``), where it was declared (``where``: its kind's file, else the first
    field's) and where each field was written (``origin``)."""

    name: str
    f: dict
    where: str
    origin: dict
    FAMILY: ClassVar[str] = ""

    @classmethod
    def fields_of(cls, name: str, params, origin: dict) -> tuple[dict, str]:
        """Its fields in force and where it was declared."""
        prefix = f"{cls.FAMILY}.{name}."
        f = {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}
        where = origin.get(prefix + "kind", next((origin[prefix + k] for k in f if prefix + k in origin),
                                                 UNKNOWN_ORIGIN))
        return f, where

    @classmethod
    def checked(cls, name: str, f: dict, where: str, origin: dict):
        """The member made from its fields, and checked."""
        prefix = f"{cls.FAMILY}.{name}."
        member = cls(name, f, where, {k: origin.get(prefix + k, where) for k in f})
        member.check()
        return member

    def check(self) -> None:
        """Its own checks, together (a member with none has none)."""

    def key(self, field: str | None = None) -> str:
        return f"{self.FAMILY}.{self.name}" + (f".{field}" if field else "")

    def error(self, field: str, message: str) -> ScenarioError:
        return ScenarioError(f"{self.origin.get(field, self.where)}: '{self.key(field)}': {message}")

    @classmethod
    def needs(cls, name: str, where: str, what: str, missing: list[str]) -> None:
        """One line naming every field a member lacks (``what``: what it is, as 'a provider')."""
        if missing:
            raise ScenarioError(f"{where}: '{cls.FAMILY}.{name}': {what} needs {', '.join(repr(k) for k in missing)}")
