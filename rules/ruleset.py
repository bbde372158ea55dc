"""A loaded, validated set of rule files and the merge of its layers.

Layers, from general to specific: the national defaults, the region's defaults, the care unit's
defaults, then the national entry of the time type, the region's entry, the care unit's entry.
Each leaf rule comes from the most specific layer that sets it, and remembers that layer (file
and line) for `explain`. Defaults never override a rule written for the time type itself, so a
region's `defaults` cannot open a referral-only time type by accident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from rules.errors import RuleFileError, RuleFileProblem
from rules.schema import (
    LAYER_MODEL,
    CodedValue,
    ContactCodes,
    NationalFile,
    RegionFile,
    TimeTypeRules,
    leaf_paths,
)
from rules.yamlsource import YamlDocument, YamlPath, YamlSyntaxError, parse_yaml

__all__ = [
    "EffectiveRules",
    "Layer",
    "RuleSet",
    "Scope",
    "Sourced",
    "directory_fingerprint",
    "normalise_care_unit",
    "normalise_region",
]

T = TypeVar("T")

NATIONAL_FILE = "national.yaml"
REGIONS_DIR = "regions"
_LEAVES: tuple[tuple[str, ...], ...] = tuple(leaf_paths())


class Scope(StrEnum):
    NATIONAL = "national"
    REGION = "region"
    CARE_UNIT = "care unit"


@dataclass(frozen=True, slots=True)
class Layer:
    """Where a rule was written: the scope, the block (defaults or one time type), file and line."""

    scope: Scope
    key: str | None  # the county code or the care unit's HSA-id; None for national
    time_type: str | None  # None: the block's `defaults`
    file: str  # relative to the rules directory
    line: int

    def describe(self) -> str:
        where = "national" if self.scope is Scope.NATIONAL else f"{self.scope.value} {self.key}"
        block = "defaults" if self.time_type is None else f"time type {self.time_type}"
        return f"{where}, {block}"

    def __str__(self) -> str:
        return f"{self.file}:{self.line} ({self.describe()})"


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    value: T
    layer: Layer


@dataclass(frozen=True, slots=True)
class EffectiveRules:
    """The merged rules of one time type at one care unit, each leaf with the layer it came from."""

    time_type_id: str
    region_code: str | None  # None when the region has no rule file
    care_unit: str | None  # None when the care unit has no layer of its own
    values: TimeTypeRules
    provenance: Mapping[str, Layer]  # dotted leaf path ("booking.min_lead") -> layer
    contact_code: CodedValue  # careContactCode for `values.channel`
    layers: tuple[Layer, ...]  # the blocks merged, general to specific (line of the block)

    def value_of(self, path: str) -> Any:
        value: Any = self.values
        for part in path.split("."):
            value = getattr(value, part)
        return value

    def layer_of(self, path: str) -> Layer:
        return self.provenance[path]

    def sourced(self, path: str) -> Sourced[Any]:
        return Sourced(self.value_of(path), self.provenance[path])

    def items(self) -> Iterator[tuple[str, Any, Layer]]:
        """Every leaf rule: (dotted path, value, layer), in the schema's order."""
        for leaf in _LEAVES:
            path = ".".join(leaf)
            yield path, self.value_of(path), self.provenance[path]


def normalise_region(code: str) -> str:
    text = code.strip()
    return text.zfill(2) if text.isdigit() else text


def normalise_care_unit(hsa_id: str) -> str:
    return hsa_id.strip().upper()


@dataclass(frozen=True, slots=True)
class _Block:
    """One rules block of one file: its leaves as written, each with its layer."""

    layer: Layer
    leaves: Mapping[tuple[str, ...], tuple[Any, Layer]]


@dataclass(frozen=True, slots=True)
class _ScopeLayers:
    defaults: _Block | None
    time_types: Mapping[str, _Block]


def _ordered_blocks(scopes: list[_ScopeLayers], time_type_id: str | None) -> list[_Block]:
    """The blocks to merge, general to specific: every scope's defaults (national, region, care
    unit), then every scope's entry for the time type in the same order. A time type's own rules
    therefore beat any defaults, and among equals the more local scope wins."""
    blocks = [scope.defaults for scope in scopes if scope.defaults is not None]
    if time_type_id is not None:
        blocks += [scope.time_types[time_type_id] for scope in scopes if time_type_id in scope.time_types]
    return blocks


_EMPTY = _Block(layer=Layer(Scope.NATIONAL, None, None, "", 0), leaves={})


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    name: str | None
    layers: _ScopeLayers
    care_units: Mapping[str, _ScopeLayers]
    care_unit_names: Mapping[str, str | None]


class RuleSet:
    """An immutable, fully validated set of rule files. Build it with `RuleSet.load`."""

    def __init__(
        self,
        *,
        directory: Path,
        national: _ScopeLayers,
        regions: Mapping[str, _Region],
        contact_codes: ContactCodes,
        fingerprint: str,
        files: tuple[str, ...],
        warnings: tuple[str, ...],
        notes: tuple[str, ...] = (),
    ) -> None:
        self.directory = directory
        self.fingerprint = fingerprint
        self.files = files
        self.warnings = warnings  # likely mistakes that do not stop the set from loading
        self.notes = notes  # how the layers interact, for `rules check`
        self.contact_codes = contact_codes
        self._national = national
        self._regions = regions
        self._cache: dict[tuple[str | None, str | None, str], EffectiveRules] = {}

    @classmethod
    def load(cls, directory: Path | str) -> RuleSet:
        """Read and validate every rule file under `directory`; raise `RuleFileError` listing every
        problem (file:line) if any file is unusable."""
        return _Loader(Path(directory)).load()

    @property
    def region_codes(self) -> tuple[str, ...]:
        return tuple(sorted(self._regions))

    def care_units(self, region_code: str) -> tuple[str, ...]:
        region = self._regions.get(normalise_region(region_code))
        return () if region is None else tuple(sorted(region.care_units))

    @property
    def time_type_ids(self) -> tuple[str, ...]:
        """Every time type id named in any layer."""
        ids = set(self._national.time_types)
        for region in self._regions.values():
            ids.update(region.layers.time_types)
            for unit in region.care_units.values():
                ids.update(unit.time_types)
        return tuple(sorted(ids))

    def for_time_type(self, region_code: str, care_unit_hsa_id: str, time_type_id: str) -> EffectiveRules:
        """The merged rules of `time_type_id` at the care unit in the region."""
        region = self._regions.get(normalise_region(region_code))
        unit_key = normalise_care_unit(care_unit_hsa_id)
        if region is None or unit_key not in region.care_units:
            unit_key_or_none: str | None = None
        else:
            unit_key_or_none = unit_key
        key = (None if region is None else region.code, unit_key_or_none, time_type_id)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._merge(*key)
            self._cache[key] = cached
        return cached

    def _blocks(self, region_code: str | None, care_unit: str | None, time_type_id: str | None) -> list[_Block]:
        scopes = [self._national]
        if region_code is not None:
            region = self._regions[region_code]
            scopes.append(region.layers)
            if care_unit is not None:
                scopes.append(region.care_units[care_unit])
        return _ordered_blocks(scopes, time_type_id)

    def _merge(self, region_code: str | None, care_unit: str | None, time_type_id: str) -> EffectiveRules:
        blocks = self._blocks(region_code, care_unit, time_type_id)
        raw, provenance = _merge_blocks(blocks)
        values = TimeTypeRules.model_validate(raw)  # validated for every shape at load time
        return EffectiveRules(
            time_type_id=time_type_id,
            region_code=region_code,
            care_unit=care_unit,
            values=values,
            provenance=provenance,
            contact_code=getattr(self.contact_codes, values.channel.value),
            layers=tuple(block.layer for block in blocks),
        )


def _merge_blocks(blocks: list[_Block]) -> tuple[dict[str, Any], dict[str, Layer]]:
    """Nested raw values for the complete model, and the layer of each leaf."""
    raw: dict[str, Any] = {}
    provenance: dict[str, Layer] = {}
    for leaf in _LEAVES:
        for block in reversed(blocks):
            found = block.leaves.get(leaf)
            if found is not None:
                value, layer = found
                target = raw
                for part in leaf[:-1]:
                    target = target.setdefault(part, {})
                target[leaf[-1]] = value
                provenance[".".join(leaf)] = layer
                break
    return raw, provenance


def _discover(directory: Path) -> tuple[list[tuple[str, Path]], list[RuleFileProblem]]:
    """The rule files under `directory` (relative name, path), and files that should not be there."""
    files: list[tuple[str, Path]] = []
    problems: list[RuleFileProblem] = []
    if not directory.is_dir():
        return files, [RuleFileProblem(str(directory), 0, "not a directory")]
    national = directory / NATIONAL_FILE
    if national.is_file():
        files.append((NATIONAL_FILE, national))
    else:
        problems.append(RuleFileProblem(str(national), 0, "the national rule file is missing"))
    for path in sorted(directory.iterdir()):
        if path.suffix in {".yaml", ".yml"} and path.name != NATIONAL_FILE:
            problems.append(
                RuleFileProblem(
                    str(path), 0, f"unexpected rule file: expected {NATIONAL_FILE} and {REGIONS_DIR}/NN.yaml"
                )
            )
    regions = directory / REGIONS_DIR
    if regions.is_dir():
        for path in sorted(regions.iterdir()):
            if path.suffix == ".yaml":
                files.append((f"{REGIONS_DIR}/{path.name}", path))
            elif path.suffix == ".yml":
                problems.append(RuleFileProblem(str(path), 0, "rule files end in .yaml"))
    return files, problems


def _fingerprint(contents: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, content in sorted(contents):
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def directory_fingerprint(directory: Path | str) -> str:
    """A fingerprint of the rule files' contents, without parsing them: equal fingerprints mean
    `RuleSet.load` would read the same bytes."""
    files, _ = _discover(Path(directory))
    contents: list[tuple[str, bytes]] = []
    for name, path in files:
        try:
            contents.append((name, path.read_bytes()))
        except OSError:
            contents.append((name, b"\0unreadable"))
    return _fingerprint(contents)


def _dotted(path: YamlPath) -> str:
    return ".".join(str(part) for part in path)


class _Loader:
    """Reads the files, checks each one, then checks every merged combination."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[RuleFileProblem] = []
        self.warnings: list[str] = []
        self.notes: list[str] = []

    def problem(self, rel: str, line: int, message: str) -> None:
        self.problems.append(RuleFileProblem(str(self.directory / rel), line, message))

    def load(self) -> RuleSet:
        files, problems = _discover(self.directory)
        self.problems.extend(problems)
        contents: list[tuple[str, bytes]] = []
        documents: dict[str, YamlDocument] = {}
        for rel, path in files:
            try:
                content = path.read_bytes()
            except OSError as exc:
                self.problem(rel, 0, f"cannot read: {exc.strerror}")
                continue
            contents.append((rel, content))
            document = self._parse(rel, content)
            if document is not None:
                documents[rel] = document

        national: _ScopeLayers | None = None
        contact_codes: ContactCodes | None = None
        if NATIONAL_FILE in documents:
            parsed = self._national(documents[NATIONAL_FILE])
            if parsed is not None:
                national, contact_codes = parsed
        regions: dict[str, _Region] = {}
        unit_homes: dict[str, str] = {}
        for rel, document in documents.items():
            if rel == NATIONAL_FILE:
                continue
            region = self._region(rel, document)
            if region is None:
                continue
            if region.code in regions:
                self.problem(rel, document.line_of(("region",)), f"region {region.code} has two rule files")
                continue
            for unit in region.care_units:
                if unit in unit_homes:
                    self.problem(
                        rel,
                        document.line_of(("care_units",)),
                        f"care unit {unit} is also in {unit_homes[unit]}; a care unit belongs to one region",
                    )
                unit_homes[unit] = rel
            regions[region.code] = region

        if self.problems or national is None or contact_codes is None:
            raise RuleFileError(self.problems)
        self._check_complete(national)
        if not self.problems:
            self._check_merges(national, regions)
        if self.problems:
            raise RuleFileError(self.problems)
        self._warn_unknown_time_types(national, regions)
        self._note_shadowed_defaults(national, regions)
        return RuleSet(
            directory=self.directory,
            national=national,
            regions=regions,
            contact_codes=contact_codes,
            fingerprint=_fingerprint(contents),
            files=tuple(rel for rel, _ in contents),
            warnings=tuple(self.warnings),
            notes=tuple(self.notes),
        )

    def _parse(self, rel: str, content: bytes) -> YamlDocument | None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problem(rel, content[: exc.start].count(b"\n") + 1, "not UTF-8 text")
            return None
        try:
            document = parse_yaml(text)
        except YamlSyntaxError as exc:
            self.problem(rel, exc.line, exc.message)
            return None
        for found in document.problems:
            self.problem(rel, found.line, found.message)
        if not isinstance(document.data, dict):
            self.problem(rel, 1, "a rule file is a mapping (format, defaults, time_types, ...)")
            return None
        return None if document.problems else document

    def _validate(self, rel: str, document: YamlDocument, model: type[BaseModel], data: Any, at: YamlPath) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                path = (*at, *(part for part in error["loc"] if isinstance(part, str | int)))
                self.problem(rel, document.line_of(path), _message(path, error))
            return None

    def _national(self, document: YamlDocument) -> tuple[_ScopeLayers, ContactCodes] | None:
        file = self._validate(NATIONAL_FILE, document, NationalFile, document.data, ())
        if file is None:
            return None
        assert isinstance(file, NationalFile)
        layers = self._scope(NATIONAL_FILE, document, Scope.NATIONAL, None, file.defaults, file.time_types, ())
        return layers, file.contact_codes

    def _region(self, rel: str, document: YamlDocument) -> _Region | None:
        file = self._validate(rel, document, RegionFile, document.data, ())
        if file is None:
            return None
        assert isinstance(file, RegionFile)
        if Path(rel).stem != file.region:
            self.problem(
                rel, document.line_of(("region",)), f"region {file.region} must be in regions/{file.region}.yaml"
            )
            return None
        units: dict[str, _ScopeLayers] = {}
        names: dict[str, str | None] = {}
        for written, unit in file.care_units.items():
            key = normalise_care_unit(written)
            if key in units:
                self.problem(rel, document.line_of(("care_units", written)), f"care unit {key} is listed twice")
                continue
            at = ("care_units", written)
            units[key] = self._scope(rel, document, Scope.CARE_UNIT, key, unit.defaults, unit.time_types, at)
            names[key] = unit.name
        layers = self._scope(rel, document, Scope.REGION, file.region, file.defaults, file.time_types, ())
        return _Region(code=file.region, name=file.name, layers=layers, care_units=units, care_unit_names=names)

    def _scope(
        self,
        rel: str,
        document: YamlDocument,
        scope: Scope,
        key: str | None,
        defaults: dict[str, Any],
        time_types: dict[str, dict[str, Any]],
        at: YamlPath,
    ) -> _ScopeLayers:
        default_block = self._block(rel, document, scope, key, None, defaults, (*at, "defaults"))
        blocks = {
            time_type: self._block(rel, document, scope, key, time_type, raw, (*at, "time_types", time_type))
            for time_type, raw in time_types.items()
        }
        return _ScopeLayers(defaults=default_block, time_types=blocks)

    def _block(
        self,
        rel: str,
        document: YamlDocument,
        scope: Scope,
        key: str | None,
        time_type: str | None,
        raw: dict[str, Any],
        at: YamlPath,
    ) -> _Block:
        self._validate(rel, document, LAYER_MODEL, raw, at)
        layer = Layer(scope=scope, key=key, time_type=time_type, file=rel, line=document.line_of(at))
        leaves: dict[tuple[str, ...], tuple[Any, Layer]] = {}
        for leaf in _LEAVES:
            value: Any = raw
            for part in leaf:
                if not isinstance(value, dict) or part not in value:
                    break
                value = value[part]
            else:
                line = document.line_of((*at, *leaf))
                leaves[leaf] = (value, Layer(scope=scope, key=key, time_type=time_type, file=rel, line=line))
        return _Block(layer=layer, leaves=leaves)

    def _check_complete(self, national: _ScopeLayers) -> None:
        defaults = national.defaults
        assert defaults is not None
        for leaf in _LEAVES:
            if leaf not in defaults.leaves:
                self.problem(
                    NATIONAL_FILE,
                    defaults.layer.line,
                    f"defaults: {'.'.join(leaf)} is not set; the national defaults must set every rule",
                )

    def _check_merges(self, national: _ScopeLayers, regions: Mapping[str, _Region]) -> None:
        """Merge every combination a lookup can meet and validate the result."""
        shapes: list[tuple[list[_ScopeLayers], str | None]] = [([national], None)]
        for region in regions.values():
            shapes.append(([national, region.layers], region.code))
            for unit in region.care_units.values():
                shapes.append(([national, region.layers, unit], region.code))
        for scopes, _ in shapes:
            named: set[str] = set()
            for scope in scopes:
                named.update(scope.time_types)
            for time_type in [None, *sorted(named)]:
                blocks = _ordered_blocks(scopes, time_type)
                raw, provenance = _merge_blocks(blocks)
                try:
                    TimeTypeRules.model_validate(raw)
                except ValidationError as exc:
                    for error in exc.errors():
                        self._merge_problem(error, provenance, time_type)

    def _merge_problem(self, error: Any, provenance: Mapping[str, Layer], time_type: str | None) -> None:
        loc = ".".join(str(part) for part in error["loc"])
        involved = [layer for path, layer in provenance.items() if not loc or path == loc or path.startswith(loc + ".")]
        involved = involved or list(provenance.values())
        rank = {Scope.NATIONAL: 0, Scope.REGION: 1, Scope.CARE_UNIT: 2}
        where = max(involved, key=lambda layer: (layer.time_type is not None, rank[layer.scope], layer.line))
        subject = "all time types" if time_type is None else f"time type {time_type}"
        message = str(error["msg"]).removeprefix("Value error, ")
        self.problem(where.file, where.line, f"{subject}: {loc or 'rules'}: {message} (after merging the layers)")

    def _warn_unknown_time_types(self, national: _ScopeLayers, regions: Mapping[str, _Region]) -> None:
        known = set(national.time_types)
        for region in regions.values():
            scopes = [region.layers, *region.care_units.values()]
            for scope in scopes:
                for time_type, block in scope.time_types.items():
                    if time_type not in known:
                        where = f"{block.layer.file}:{block.layer.line}"
                        self.warnings.append(
                            f"{where}: time type {time_type!r} is not in {NATIONAL_FILE}; "
                            "its rules start from the national defaults"
                        )

    def _note_shadowed_defaults(self, national: _ScopeLayers, regions: Mapping[str, _Region]) -> None:
        """A rule in a region's or care unit's `defaults` does not reach time types that a more
        general file sets the same rule for; say which, so nobody is surprised."""
        for region in regions.values():
            chains = [([national], region.layers)] + [
                ([national, region.layers], unit) for unit in region.care_units.values()
            ]
            for general, scope in chains:
                if scope.defaults is None:
                    continue
                for leaf, (_, layer) in scope.defaults.leaves.items():
                    keeping = sorted(
                        time_type
                        for outer in general
                        for time_type, block in outer.time_types.items()
                        if leaf in block.leaves and leaf not in scope.time_types.get(time_type, _EMPTY).leaves
                    )
                    if keeping:
                        self.notes.append(
                            f"{layer.file}:{layer.line}: defaults {'.'.join(leaf)} does not apply to "
                            f"{', '.join(keeping)}: their time type entries set it"
                        )


def _message(path: YamlPath, error: Any) -> str:
    kind = error["type"]
    where = _dotted(path[:-1]) if kind in {"extra_forbidden", "missing"} else _dotted(path)
    prefix = f"{where}: " if where else ""
    if kind == "extra_forbidden":
        return f"{prefix}unknown key {path[-1]!r}"
    if kind == "missing":
        return f"{prefix}missing key {path[-1]!r}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in {"literal_error", "enum"} or kind.endswith("_type") or kind.startswith("string_"):
        message = f"{message} (got {error.get('input')!r})"
    return f"{prefix}{message}"
