"""The template catalog: template sources (relative path → text) parsed into templates, per locale and channel.

The core never touches the file system: an adapter (``parley/template_files.py``) reads a folder into
a mapping like ``{"payment_reminder/meta.yaml": "...", "payment_reminder/en/sms.txt": "..."}``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import yaml

from orchestrator.templating.errors import CatalogError, ChannelNotAvailable, TemplateNotFound
from orchestrator.templating.model import (
    CHANNEL_FILES,
    CHANNELS,
    DEFAULT_LOCALE,
    PURPOSES,
    REQUIRED_PARTS,
    VARIABLES,
    Purpose,
    TemplateChannel,
)
from orchestrator.templating.required_content import REQUIRED_CONTENT_VERSION

_LOCALE = re.compile(r"^[a-z]{2}([-_][A-Za-z]{2})?$")
RequiredContentMode = Literal["footer", "inline"]


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """A problem found while reading sources: where, and what."""

    path: str
    message: str
    line: int | None = None
    code: str = "meta_invalid"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One template file: its path relative to the templates root, and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class TemplateMeta:
    """What ``meta.yaml`` declares."""

    description: str
    purpose: Purpose
    channels: tuple[TemplateChannel, ...]
    variables: frozenset[str]
    required_content: RequiredContentMode = "footer"


@dataclass(frozen=True, slots=True)
class ChannelVariant:
    """The files one render uses: a template's parts for a channel in the locale the fallback chose."""

    template_id: str
    channel: TemplateChannel
    locale: str
    parts: Mapping[str, SourceFile]
    version: str


@dataclass(frozen=True, eq=False)
class TemplateDefinition:
    """One template: its metadata, its files by locale, its sample data."""

    id: str
    meta: TemplateMeta
    meta_file: SourceFile
    files: Mapping[str, Mapping[str, SourceFile]]  # locale -> file name -> file
    sample: Mapping[str, Any] | None = None
    _variants: dict[tuple[TemplateChannel, str], ChannelVariant] = field(default_factory=dict, repr=False)

    def locales_with(self, channel: TemplateChannel) -> list[str]:
        """Locales that have every required file of ``channel`` themselves (no fallback)."""
        required = [CHANNEL_FILES[channel][part] for part in REQUIRED_PARTS[channel]]
        return sorted(locale for locale, names in self.files.items() if all(name in names for name in required))

    def variant(self, channel: TemplateChannel, locale: str) -> ChannelVariant:
        """The files for ``channel`` in ``locale``, falling back es-MX → es → en."""
        key = (channel, locale)
        cached = self._variants.get(key)
        if cached is not None:
            return cached
        if channel not in self.meta.channels:
            raise ChannelNotAvailable(f"template {self.id!r} does not allow channel {channel!r}", template_id=self.id)
        available = set(self.locales_with(channel))
        chosen = next((candidate for candidate in fallback_chain(locale) if candidate in available), None)
        if chosen is None:
            raise ChannelNotAvailable(
                f"template {self.id!r} has no {channel} files for {locale!r} or its fallbacks", template_id=self.id
            )
        names = self.files[chosen]
        parts = {part: names[name] for part, name in CHANNEL_FILES[channel].items() if name in names}
        digest = hashlib.sha256(f"required-content:{REQUIRED_CONTENT_VERSION}\0".encode())
        for source in (self.meta_file, *parts.values()):
            digest.update(f"{source.path}\0{source.text}\0".encode())
        variant = ChannelVariant(self.id, channel, chosen, parts, digest.hexdigest()[:16])
        self._variants[key] = variant
        return variant


def normalise_locale(locale: str) -> str:
    """``es_mx`` / ``es-MX`` → ``es-MX``."""
    language, _, region = locale.replace("_", "-").partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


def fallback_chain(locale: str) -> list[str]:
    """Locales tried in order: ``es-MX`` → ``[es-MX, es, en]``."""
    chain = [normalise_locale(locale)]
    language = chain[0].split("-")[0]
    for candidate in (language, DEFAULT_LOCALE):
        if candidate not in chain:
            chain.append(candidate)
    return chain


class TemplateCatalog:
    """Every template, by id. Immutable once built."""

    def __init__(self, templates: Mapping[str, TemplateDefinition]) -> None:
        self._templates = dict(templates)

    @classmethod
    def from_sources(cls, sources: Mapping[str, str]) -> TemplateCatalog:
        """The catalog of ``sources``; raises :class:`CatalogError` listing every problem."""
        catalog, problems = parse_sources(sources)
        if problems:
            raise CatalogError([f"{problem.path}: {problem.message}" for problem in problems])
        return catalog

    def get(self, template_id: str) -> TemplateDefinition:
        """The template ``template_id``; :class:`TemplateNotFound` otherwise."""
        try:
            return self._templates[template_id]
        except KeyError:
            raise TemplateNotFound(f"no template {template_id!r}", template_id=template_id) from None

    def ids(self) -> list[str]:
        """Every template id, sorted."""
        return sorted(self._templates)

    def __iter__(self) -> Any:
        return iter(self._templates[name] for name in self.ids())

    def __len__(self) -> int:
        return len(self._templates)


def parse_sources(sources: Mapping[str, str]) -> tuple[TemplateCatalog, list[SourceProblem]]:
    """The catalog of every template that could be read, and the problems with the rest (for lint)."""
    problems: list[SourceProblem] = []
    by_template: dict[str, dict[str, str]] = {}
    for path, text in sources.items():
        template_id, _, rest = path.replace("\\", "/").partition("/")
        if rest:
            by_template.setdefault(template_id, {})[rest] = text
    templates: dict[str, TemplateDefinition] = {}
    for template_id, files in sorted(by_template.items()):
        definition = _parse_template(template_id, files, problems)
        if definition is not None:
            templates[template_id] = definition
    return TemplateCatalog(templates), problems


def _parse_template(
    template_id: str, files: dict[str, str], problems: list[SourceProblem]
) -> TemplateDefinition | None:
    meta_path = f"{template_id}/meta.yaml"
    if "meta.yaml" not in files:
        problems.append(SourceProblem(meta_path, "meta.yaml is missing"))
        return None
    meta = _parse_meta(meta_path, files["meta.yaml"], problems)
    if meta is None:
        return None
    by_locale: dict[str, dict[str, SourceFile]] = {}
    sample: Mapping[str, Any] | None = None
    for relative, text in sorted(files.items()):
        path = f"{template_id}/{relative}"
        if relative == "meta.yaml":
            continue
        if relative == "sample.yaml":
            sample = _load_yaml_mapping(path, text, problems, code="sample_invalid")
            continue
        locale, _, name = relative.partition("/")
        if not name or "/" in name or not _LOCALE.match(locale):
            problems.append(
                SourceProblem(path, "unexpected file (expected <locale>/<channel file>)", code="unknown_file")
            )
            continue
        by_locale.setdefault(normalise_locale(locale), {})[name] = SourceFile(path, text)
    return TemplateDefinition(template_id, meta, SourceFile(meta_path, files["meta.yaml"]), by_locale, sample)


def _load_yaml_mapping(path: str, text: str, problems: list[SourceProblem], code: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(SourceProblem(path, f"not valid YAML: {error}", line, code))
        return None
    if not isinstance(data, dict):
        problems.append(SourceProblem(path, "must be a mapping of keys to values", None, code))
        return None
    return data


def _parse_meta(path: str, text: str, problems: list[SourceProblem]) -> TemplateMeta | None:
    data = _load_yaml_mapping(path, text, problems, code="meta_invalid")
    if data is None:
        return None
    before = len(problems)
    purpose = data.get("purpose")
    if purpose not in PURPOSES:
        problems.append(SourceProblem(path, f"purpose must be one of {', '.join(PURPOSES)}; got {purpose!r}"))
    channels = data.get("channels")
    if not isinstance(channels, list) or not channels or any(channel not in CHANNELS for channel in channels):
        problems.append(SourceProblem(path, f"channels must be a list of {', '.join(CHANNELS)}; got {channels!r}"))
    variables = data.get("variables", [])
    if not isinstance(variables, list) or not all(isinstance(name, str) for name in variables):
        problems.append(SourceProblem(path, "variables must be a list of names"))
        variables = []
    for name in variables:
        if name not in VARIABLES:
            problems.append(
                SourceProblem(
                    path, f"unknown variable {name!r} (known: {', '.join(VARIABLES)})", code="unknown_variable"
                )
            )
    mode = data.get("required_content", "footer")
    if mode not in ("footer", "inline"):
        problems.append(SourceProblem(path, f"required_content must be footer or inline; got {mode!r}"))
    if not isinstance(data.get("description", ""), str):
        problems.append(SourceProblem(path, "description must be text"))
    if len(problems) > before:
        return None
    return TemplateMeta(
        description=str(data.get("description", "")),
        purpose=cast(Purpose, purpose),
        channels=tuple(cast(list[TemplateChannel], channels)),
        variables=frozenset(variables),
        required_content=cast(RequiredContentMode, mode),
    )
