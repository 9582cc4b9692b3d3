"""The geography file: local areas nested in police force areas, in contract package areas, in England
and Wales, each local area with its share of the offender population and a source for it.

A run names the file (``run.geography``), the level it reports results at (``run.area_level``) and,
optionally, the areas it holds (``run.areas``: names at any level; none = the whole country). Errors
are one line naming the file and the key, like scenario files.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jrsim.core.areas import AreaMap
from jrsim.core.constants import SHARE_SUM_TOLERANCE
from jrsim.core.errors import ScenarioError
from jrsim.parameters.files import read_mapping
from jrsim.parameters.library import library_file
from jrsim.parameters.schema import FileChecker, did_you_mean

# Coarse to fine; results are reported at one of these levels.
LEVELS = ("national", "contract_package_area", "police_force_area", "local_area")
TOP_KEYS = ("national", "contract_package_areas", "police_force_areas", "local_areas")
OPTIONAL_TOP = ("name", "source", "shares_source", "notes")
MAX_RATE = 1.0


@dataclass(frozen=True)
class Geography:
    path: str
    national: str
    labels: dict[str, str]  # every area's label, at every level
    cpa_of_pfa: dict[str, str]
    pfa_of_local: dict[str, str]
    share: dict[str, float]  # local area -> share of England and Wales's offender population
    proven_reoffending_rate: dict[str, float]  # police force area -> published rate, where given

    @property
    def local_areas(self) -> tuple[str, ...]:
        return tuple(self.pfa_of_local)

    def group(self, local: str, level: str) -> str:
        """The area at ``level`` that a local area lies in."""
        if level == "local_area":
            return local
        pfa = self.pfa_of_local[local]
        return {"police_force_area": pfa, "contract_package_area": self.cpa_of_pfa[pfa]}.get(level, self.national)

    def level_of(self, name: str) -> str | None:
        if name == self.national:
            return "national"
        if name in self.pfa_of_local:
            return "local_area"
        if name in self.cpa_of_pfa:
            return "police_force_area"
        return "contract_package_area" if name in self.cpa_of_pfa.values() else None

    def locals_in(self, names, where: str = "run.areas") -> list[str]:
        """The local areas inside the named areas (any level), in the file's order."""
        wanted = set()
        for name in names:
            level = self.level_of(name)
            if level is None:
                raise ScenarioError(f"{where}: unknown area {name!r}{did_you_mean(name, self.labels)} "
                                    f"(areas are listed in {self.path})")
            wanted.update(a for a in self.local_areas if self.group(a, level) == name)
        return [a for a in self.local_areas if a in wanted]

    def area_map(self, level: str, areas=(), where: str = "run.areas") -> AreaMap:
        """The run's places: the selected local areas (all when none are named), their weights, and
        the areas results are reported by at ``level``."""
        local = self.locals_in(areas, where) if areas else list(self.local_areas)
        shares = np.array([self.share[a] for a in local])
        reported = list(dict.fromkeys(self.group(a, level) for a in local))
        of_local = np.array([reported.index(self.group(a, level)) for a in local], np.int64)
        # shares as a fraction of their total, which published rounding leaves a little off 1
        share = float(shares.sum() / sum(self.share.values()))
        return AreaMap(tuple(local), shares / shares.sum(), share, tuple(reported), of_local, level)


def resolve(name: str, scenario_file: str | None = None) -> Path:
    """A geography file named in a scenario: beside the scenario file that names it, else shipped."""
    path = Path(name)
    if path.is_absolute():
        return path
    if scenario_file:
        beside = Path(scenario_file).parent / path
        if beside.is_file():
            return beside
    return library_file(name) if path.parent == Path(".") else path


def run_geography(name: str, origin: str) -> Geography:
    """The geography file a run names (``run.geography``, set in ``origin``), read; a missing one in one line."""
    path = resolve(name, origin)
    if not path.is_file():
        raise ScenarioError(f"{origin}: 'run.geography': no geography file {name!r} "
                            f"(looked beside the scenario and in the shipped library)")
    return load_geography(path)


# Where each level's names are written in the file, for messages.
LEVEL_KEYS = dict(zip(LEVELS, TOP_KEYS))


def _check_names_across_levels(c: FileChecker, geography: Geography, names: dict[str, list[str]]) -> None:
    """A name used at two levels must mean one place (a contract package area that is one police force
    area, a force that is one local authority, as the City of London): the same local areas at both;
    otherwise a run or a contract naming it would take whichever level is looked up first."""
    levels_of: dict[str, list[str]] = {}
    for level in LEVELS:
        for name in names[level]:
            levels_of.setdefault(name, []).append(level)
    for name, levels in levels_of.items():
        covered = [{a for a in geography.local_areas if geography.group(a, level) == name} for level in levels]
        if any(places != covered[0] for places in covered[1:]):
            first, other = levels[0], next(lv for lv, p in zip(levels, covered) if p != covered[0])
            where = LEVEL_KEYS[other] if other == "national" else f"{LEVEL_KEYS[other]}.{name}"
            raise c.error(where, f"{name!r} is also a name at the {first.replace('_', ' ')} level, where it covers "
                                 f"other places: a name used at two levels must mean one place")


def load_geography(path: str | Path) -> Geography:
    path = Path(path)
    doc = read_mapping(path)
    c = FileChecker(str(path))
    c.mapping(doc, "", required=TOP_KEYS, optional=OPTIONAL_TOP)
    for key in OPTIONAL_TOP:
        if key in doc:
            c.text(doc[key], key)
    top = c.mapping(doc["national"], "national", required=("key", "label"))
    national = c.text(top["key"], "national.key")
    labels = {national: c.text(top["label"], "national.label")}
    where_named: dict[str, str] = {national: "national"}

    def add_label(key: str, where: str, label) -> None:
        level = where.split(".")[0]
        if where_named.setdefault(key, where) != where and where_named[key].split(".")[0] == level:
            raise c.error(where, f"the name {key!r} is used twice at this level")
        labels.setdefault(key, c.text(label, f"{where}.label"))

    for key, a in c.mapping(doc["contract_package_areas"], "contract_package_areas").items():
        a = c.mapping(a, f"contract_package_areas.{key}", required=("label",), optional=("source",))
        add_label(key, f"contract_package_areas.{key}", a["label"])
    cpas = set(where_named) - {national}
    cpa_of_pfa, rates, pfa_share = {}, {}, {}
    for key, a in c.mapping(doc["police_force_areas"], "police_force_areas").items():
        where = f"police_force_areas.{key}"
        a = c.mapping(a, where, required=("label", "cpa"),
                      optional=("share", "share_source", "proven_reoffending_rate", "rate_source", "source"))
        add_label(key, where, a["label"])
        cpa_of_pfa[key] = c.choice(a["cpa"], f"{where}.cpa", sorted(cpas))
        if "share" in a:
            pfa_share[key] = c.number(a["share"], f"{where}.share", 0.0, 1.0)
        if "proven_reoffending_rate" in a:
            rates[key] = c.number(a["proven_reoffending_rate"], f"{where}.proven_reoffending_rate", 0.0, MAX_RATE)
            c.text(a.get("rate_source"), f"{where}.rate_source")
    pfa_of_local, share = {}, {}
    for key, a in c.mapping(doc["local_areas"], "local_areas").items():
        where = f"local_areas.{key}"
        a = c.mapping(a, where, required=("label", "pfa", "share"), optional=("source", "assumption"))
        add_label(key, where, a["label"])
        pfa_of_local[key] = c.choice(a["pfa"], f"{where}.pfa", sorted(cpa_of_pfa))
        share[key] = c.number(a["share"], f"{where}.share", 0.0, 1.0)
        if share[key] <= 0:
            raise c.error(f"{where}.share", "must be above 0: an area with no offenders holds no one")
        if not a.get("source") and not a.get("assumption"):
            raise c.error(f"{where}.source", "needs a 'source' (title, year) or an 'assumption' (why)")
    if not pfa_of_local:
        raise c.error("local_areas", "lists no area")
    total = sum(share.values())
    if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
        raise c.error("local_areas", f"shares must sum to 1 (the whole offender population), got {total:.4f}")
    empty = sorted(set(cpa_of_pfa) - set(pfa_of_local.values())) or sorted(cpas - set(cpa_of_pfa.values()))
    if empty:
        level = "police_force_areas" if empty[0] in cpa_of_pfa else "contract_package_areas"
        raise c.error(f"{level}.{empty[0]}", "holds no area below it (each must be covered by the areas it holds)")
    geography = Geography(str(path), national, labels, cpa_of_pfa, pfa_of_local, share, rates)
    _check_names_across_levels(c, geography, {"national": [national], "contract_package_area": sorted(cpas),
                                              "police_force_area": list(cpa_of_pfa), "local_area": list(pfa_of_local)})
    for pfa, stated in pfa_share.items():
        held = sum(v for a, v in share.items() if pfa_of_local[a] == pfa)
        if abs(held - stated) > SHARE_SUM_TOLERANCE:
            raise c.error(f"police_force_areas.{pfa}.share", f"is {stated:g} but its local areas' shares sum to {held:.5f}")
    return geography
