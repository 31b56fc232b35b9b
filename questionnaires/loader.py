"""Read and validate a questionnaire definition (YAML) into a :class:`Questionnaire`.

Every problem found is reported at once, each naming the file, the line and
the item (or scale, page, dimension) so that whoever edits a definition can
fix it without reading code. The format is described in
``questionnaires/definitions/README.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast, overload

import yaml

from contracts.errors import UserError
from questionnaires.model import (
    BACKGROUND_ROLES,
    Dimension,
    Item,
    Option,
    Page,
    Questionnaire,
    Routing,
    Scale,
)

__all__ = ["RESERVED_COLUMNS", "QuestionnaireError", "bundled_questionnaires", "load_questionnaire", "read_definition"]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_QUESTIONNAIRE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VERSION = re.compile(r"^\d+(\.\d+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_PATHWAY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MESSAGES = ("invalid_choice", "too_long")
_SCORE_TOLERANCE = 0.01
RESERVED_COLUMNS = frozenset(
    {
        "respondent_id", "pathway", "region", "sex", "age", "age_group", "stratum_population",
        "stratum_sample", "design_weight", "status", "questionnaire_id", "questionnaire_version",
        "submitted_at",
    }
)  # fmt: skip
"""Columns of the responses export (ARCHITECTURE.md) that item ids must not take."""

_KEYS = {
    "questionnaire": {
        "id", "version", "languages", "title", "introduction", "thank_you",
        "messages", "dimensions", "scales", "pages", "pathway_intros",
    },
    "dimension": {"id", "label"},
    "scale": {"id", "options"},
    "option": {"code", "label", "score", "positive", "value", "declined"},
    "page": {"id", "title", "items"},
    "item": {
        "id", "kind", "text", "hint", "scale", "dimension", "core", "required",
        "show_if", "role", "max_length", "pathways",
    },
    "show_if": {"item", "in"},
}  # fmt: skip


class QuestionnaireError(UserError, ValueError):
    """A questionnaire definition that cannot be used, with every problem found.

    ``source`` is the file (or bundled id) and ``problems`` the list of
    messages, each naming the line and the item concerned.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(f"{source}: {problem}" for problem in self.problems))


class _Mapping(dict[Any, Any]):
    """A YAML mapping that remembers its line and the line of each key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[Any, int] = {}


_NO_TEXT: MappingProxyType[str, str] = MappingProxyType({})


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loading that keeps line numbers and rejects duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[_Mapping]:
    mapping = _Mapping()
    yield mapping
    loader.flatten_mapping(node)
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping.key_lines:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r} (first on line {mapping.key_lines[key]})",
                problem_mark=key_node.start_mark,
            )
        mapping.key_lines[key] = key_node.start_mark.line + 1
        mapping[key] = loader.construct_object(value_node, deep=True)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Reader:
    """Turns the parsed YAML into model objects, collecting problems as it goes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.languages: tuple[str, ...] = ()

    # -- reporting -----------------------------------------------------
    def problem(self, where: str, line: int | None, message: str) -> None:
        at = f"line {line}, " if line else ""
        self.problems.append(f"{at}{where}: {message}")

    @staticmethod
    def line_of(node: Any, key: str | None = None) -> int | None:
        if isinstance(node, _Mapping):
            return node.key_lines.get(key, node.line) if key is not None else node.line
        return None

    # -- generic readers -------------------------------------------------
    def mapping(self, node: Any, where: str, kind: str, line: int | None = None) -> _Mapping:
        """``node`` as a mapping, its unknown keys reported (after its id, if it has one)."""
        if not isinstance(node, Mapping):
            self.problem(where, line, f"expected a mapping with keys {sorted(_KEYS[kind])}")
            return _Mapping()
        if isinstance(node.get("id"), str):
            where = f"{kind} {node['id']!r}"
        for key in node:
            if key not in _KEYS[kind]:
                known = ", ".join(sorted(_KEYS[kind]))
                self.problem(where, self.line_of(node, key), f"unknown key {key!r} (known: {known})")
        return cast(_Mapping, node)  # every mapping _LineLoader makes is one

    def sequence(self, node: Any, key: str, where: str) -> list[Any]:
        value = node.get(key)
        if not isinstance(value, list) or not value:
            self.problem(where, self.line_of(node, key), f"{key!r} must be a non-empty list")
            return []
        return value

    def identifier(self, node: _Mapping, where: str, pattern: re.Pattern[str] = _ID) -> str:
        value = node.get("id")
        if not isinstance(value, str) or not pattern.match(value):
            form = "snake_case (a-z, 0-9, _)" if pattern is _ID else "lower case with dashes (a-z, 0-9, -)"
            self.problem(where, self.line_of(node, "id"), f"id {value!r} must be {form}")
            return str(value)
        return value

    def flag(self, node: _Mapping, key: str, where: str, default: bool) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.problem(where, self.line_of(node, key), f"{key!r} must be true or false, not {value!r}")
            return default
        return value

    @overload
    def text(
        self, node: Mapping[Any, Any], key: str, where: str, optional: Literal[False] = False
    ) -> MappingProxyType[str, str]: ...

    @overload
    def text(
        self, node: Mapping[Any, Any], key: str, where: str, optional: Literal[True]
    ) -> MappingProxyType[str, str] | None: ...

    def text(
        self, node: Mapping[Any, Any], key: str, where: str, optional: bool = False
    ) -> MappingProxyType[str, str] | None:
        """A text in every declared language, e.g. ``{sv: ..., en: ...}``.

        A required text that is missing or malformed is a problem and comes back
        empty: the questionnaire is then refused with its problems, never built.
        """
        missing = None if optional else _NO_TEXT
        value = node.get(key)
        line = self.line_of(node, key)
        if value is None:
            if not optional:
                self.problem(where, line, f"missing {key!r} (a text per language: {', '.join(self.languages)})")
            return missing
        if isinstance(value, str) or not isinstance(value, Mapping):
            self.problem(where, line, f"{key!r} must give a text per language: {', '.join(self.languages)}")
            return missing
        for lang in self.languages:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.problem(where, line, f"{key!r} is missing the {lang!r} translation")
        for lang in value:
            if lang not in self.languages:
                self.problem(where, self.line_of(value, lang), f"{key!r} has text in undeclared language {lang!r}")
        return MappingProxyType({lang: str(value.get(lang, "")).strip() for lang in self.languages})

    def unique(self, ids: list[tuple[Any, int | None]], what: str, where: str | None = None) -> None:
        """Report every repeated id (or option code) with the line of its first use."""
        seen: dict[Any, int | None] = {}
        for identifier, line in ids:
            if identifier in seen:
                first = f" (first on line {seen[identifier]})" if seen[identifier] else ""
                self.problem(where or f"{what} {identifier!r}", line, f"duplicate {what} {identifier!r}{first}")
            else:
                seen[identifier] = line

    # -- the parts -------------------------------------------------------
    def questionnaire(self, document: Any) -> Questionnaire | None:
        if not isinstance(document, Mapping):
            self.problem(
                "questionnaire", None, "expected a mapping with keys " + ", ".join(sorted(_KEYS["questionnaire"]))
            )
            return None
        root = self.mapping(document, "questionnaire", "questionnaire")
        questionnaire_id = self.identifier(root, "questionnaire", _QUESTIONNAIRE_ID)
        version = root.get("version")
        if not isinstance(version, str) or not _VERSION.match(version):
            self.problem(
                "questionnaire", self.line_of(root, "version"),
                f'version {version!r} must be a quoted string of numbers and dots, e.g. "2026.1"',
            )  # fmt: skip
        languages = root.get("languages")
        if (
            not isinstance(languages, list)
            or not languages
            or not all(isinstance(lang, str) and _LANGUAGE.match(lang) for lang in languages)
        ):
            self.problem("questionnaire", self.line_of(root, "languages"), "languages must be a list like [sv, en]")
            languages = []
        self.languages = tuple(languages)
        title = self.text(root, "title", "questionnaire")
        introduction = self.text(root, "introduction", "questionnaire")
        thank_you = self.text(root, "thank_you", "questionnaire")
        messages = self.messages(root)
        dimensions = [self.dimension(node) for node in self.sequence(root, "dimensions", "questionnaire")]
        self.unique([(d.id, line) for d, line in dimensions], "dimension")
        scales = [self.scale(node) for node in self.sequence(root, "scales", "questionnaire")]
        self.unique([(s.id, line) for s, line in scales], "scale")
        pages = self.pages(root, {d.id for d, _ in dimensions}, {s.id: s for s, _ in scales})
        pathway_intros = self.pathway_intros(root)
        if self.problems:
            return None
        used_dimensions = {item.dimension for page in pages for item in page.items}
        for dimension, line in dimensions:
            if dimension.id not in used_dimensions:
                self.problem(f"dimension {dimension.id!r}", line, "no item belongs to this dimension")
        if self.problems:
            return None
        return Questionnaire(
            id=questionnaire_id,
            version=cast(str, version),  # checked above: a problem otherwise
            languages=self.languages,
            title=title,
            introduction=introduction,
            thank_you=thank_you,
            messages=MappingProxyType(messages),
            dimensions=tuple(d for d, _ in dimensions),
            scales=tuple(s for s, _ in scales),
            pages=tuple(pages),
            pathway_intros=MappingProxyType(pathway_intros),
            source=self.source,
        )

    def messages(self, root: _Mapping) -> dict[str, MappingProxyType[str, str]]:
        node = root.get("messages")
        if not isinstance(node, Mapping):
            self.problem(
                "questionnaire", self.line_of(root, "messages"), f"messages must map {list(_MESSAGES)} to texts"
            )
            return {}
        for key in node:
            if key not in _MESSAGES:
                self.problem(
                    "messages", self.line_of(node, key), f"unknown message {key!r} (known: {', '.join(_MESSAGES)})"
                )
        return {key: self.text(node, key, "messages") for key in _MESSAGES}

    def dimension(self, node: Any) -> tuple[Dimension, int | None]:
        node = self.mapping(node, "dimension", "dimension")
        dimension_id = self.identifier(node, "dimension")
        where = f"dimension {dimension_id!r}"
        return Dimension(dimension_id, self.text(node, "label", where)), node.line

    def scale(self, node: Any) -> tuple[Scale, int | None]:
        node = self.mapping(node, "scale", "scale")
        scale_id = self.identifier(node, "scale")
        where = f"scale {scale_id!r}"
        options = [self.option(option, where) for option in self.sequence(node, "options", where)]
        self.unique([(o.code, line) for o, line in options], "option code", where)
        scores = sorted(o.score for o, _ in options if o.score is not None)
        if scores:
            self.check_scores(scores, where, node.line)
        for option, line in options:
            if option.positive and option.score is None:
                self.problem(where, line, f"option {option.code} is positive but not scored (score: null)")
            if option.declined and (option.score is not None or option.value is not None):
                self.problem(where, line, f"option {option.code} is declined (prefer not to answer): no score or value")
        return Scale(scale_id, tuple(o for o, _ in options)), node.line

    def check_scores(self, scores: list[float], where: str, line: int | None) -> None:
        """Scored options must run from 0 to 100, evenly spread (ANALYSIS.md)."""
        if len(scores) < 2 or scores[0] != 0 or scores[-1] != 100:
            self.problem(where, line, f"option scores must run from 0 to 100, found {scores}")
            return
        step = 100 / (len(scores) - 1)
        expected = [round(step * k, 2) for k in range(len(scores))]
        if any(abs(score - want) > _SCORE_TOLERANCE for score, want in zip(scores, expected, strict=False)):
            self.problem(
                where, line, f"option scores must be evenly spread from 0 to 100: expected {expected}, found {scores}"
            )

    def option(self, node: Any, where: str) -> tuple[Option, int | None]:
        node = self.mapping(node, where, "option")
        code = node.get("code")
        line = node.line
        if isinstance(code, bool) or not isinstance(code, int):
            self.problem(where, line, f"option code {code!r} must be an integer")
            code = -1
        option_where = f"{where}, option {code}"
        score = node.get("score")
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
            or not 0 <= score <= 100
        ):
            score_line = self.line_of(node, "score")
            self.problem(option_where, score_line, f"score {score!r} must be a number from 0 to 100 or null")
            score = None
        value = node.get("value")
        if value is not None and not isinstance(value, str):
            self.problem(option_where, self.line_of(node, "value"), f"value {value!r} must be a quoted string")
        return (
            Option(
                code=code,
                label=self.text(node, "label", option_where),
                score=None if score is None else float(score),
                positive=self.flag(node, "positive", option_where, False),
                value=value,
                declined=self.flag(node, "declined", option_where, False),
            ),
            line,
        )

    def pages(self, root: _Mapping, dimensions: set[str], scales: dict[str, Scale]) -> list[Page]:
        pages: list[Page] = []
        seen_items: dict[str, tuple[Item, int]] = {}  # id -> (item, page position)
        item_lines: list[tuple[str, int | None]] = []
        page_lines: list[tuple[str, int | None]] = []
        roles: dict[str, str] = {}
        for position, page_node in enumerate(self.sequence(root, "pages", "questionnaire")):
            page_node = self.mapping(page_node, "page", "page")
            page_id = self.identifier(page_node, "page")
            page_lines.append((page_id, page_node.line))
            title = self.text(page_node, "title", f"page {page_id!r}")
            items = []
            for item_node in self.sequence(page_node, "items", f"page {page_id!r}"):
                item = self.item(item_node, page_id, dimensions, scales, seen_items, position)
                if item is None:
                    continue
                item_lines.append((item.id, self.line_of(item_node)))
                if item.role is not None:
                    if item.role in roles:
                        self.problem(f"item {item.id!r}", self.line_of(item_node, "role"),
                                     f"role {item.role!r} is already given to item {roles[item.role]!r}")  # fmt: skip
                    roles[item.role] = item.id
                seen_items.setdefault(item.id, (item, position))
                items.append(item)
            pages.append(Page(page_id, title, tuple(items)))
        self.unique(page_lines, "page")
        self.unique(item_lines, "item")
        return pages

    def item(
        self,
        node: Any,
        page_id: str,
        dimensions: set[str],
        scales: dict[str, Scale],
        earlier: dict[str, tuple[Item, int]],
        position: int,
    ) -> Item | None:
        node = self.mapping(node, f"page {page_id!r}, item", "item")
        item_id = self.identifier(node, f"page {page_id!r}, item")
        where = f"item {item_id!r}"
        if item_id in RESERVED_COLUMNS:
            self.problem(
                where, self.line_of(node, "id"),
                f"this id is a column of the responses export; choose another, e.g. 'reported_{item_id}'",
            )  # fmt: skip
        kind = node.get("kind")
        scale = None
        max_length = None
        if kind == "choice":
            scale = scales.get(node.get("scale"))
            if scale is None:
                known = ", ".join(scales)
                self.problem(
                    where, self.line_of(node, "scale"), f"unknown scale {node.get('scale')!r} (scales: {known})"
                )
        elif kind == "text":
            max_length = node.get("max_length")
            if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
                limit_line = self.line_of(node, "max_length")
                self.problem(where, limit_line, "a text item needs max_length, a positive number of characters")
            if "scale" in node:
                self.problem(where, self.line_of(node, "scale"), "a text item has no scale")
        else:
            self.problem(where, self.line_of(node, "kind"), f"kind {kind!r} must be 'choice' or 'text'")
        dimension = node.get("dimension")
        if dimension is not None:
            if dimension not in dimensions:
                known = ", ".join(sorted(dimensions))
                self.problem(
                    where, self.line_of(node, "dimension"), f"unknown dimension {dimension!r} (dimensions: {known})"
                )
            elif scale is not None and not scale.scored:
                message = f"scale {scale.id!r} has no scores, so the item cannot belong to a dimension"
                self.problem(where, self.line_of(node, "dimension"), message)
            elif kind != "choice":
                self.problem(where, self.line_of(node, "dimension"), "only choice items can belong to a dimension")
        pathways = self.pathways(node, where)
        if pathways is not None and (dimension is not None or node.get("core") is True):
            self.problem(
                where, self.line_of(node, "pathways"),
                "a pathway-specific item can be neither core nor in a dimension, so that "
                "completeness and dimension scores stay comparable between pathways",
            )  # fmt: skip
        role = node.get("role")
        if role is not None and role not in BACKGROUND_ROLES:
            self.problem(
                where, self.line_of(node, "role"), f"unknown role {role!r} (roles: {', '.join(BACKGROUND_ROLES)})"
            )
        return Item(
            id=item_id,
            kind=kind,
            text=self.text(node, "text", where),
            hint=self.text(node, "hint", where, optional=True),
            scale=scale,
            dimension=dimension,
            core=self.flag(node, "core", where, dimension is not None),
            required=self.flag(node, "required", where, False),
            show_if=self.routing(node, where, earlier, position),
            role=role,
            max_length=max_length,
            page_id=page_id,
            pathways=pathways,
        )

    def pathways(self, node: _Mapping, where: str) -> frozenset[str] | None:
        """``pathways: [slug, ...]``: the pathways a pathway-specific item is asked on."""
        if "pathways" not in node:
            return None
        slugs = node["pathways"]
        if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) and _PATHWAY.match(s) for s in slugs):
            self.problem(
                where, self.line_of(node, "pathways"), "pathways must be a list of pathway slugs, e.g. [ibd-vuxna]"
            )
            return None
        return frozenset(slugs)

    def routing(
        self, node: _Mapping, where: str, earlier: dict[str, tuple[Item, int]], position: int
    ) -> Routing | None:
        """``show_if: {item: x, in: [codes]}``: x must be a choice item on an earlier page."""
        if "show_if" not in node:
            return None
        line = self.line_of(node, "show_if")
        condition = self.mapping(node["show_if"], where, "show_if", line)
        target = condition.get("item")
        codes = condition.get("in")
        if target not in earlier:
            self.problem(where, line, f"show_if refers to {target!r}, which is not an earlier item")
            return None
        controlling, controlling_page = earlier[target]
        if controlling_page >= position:
            self.problem(where, line, f"show_if item {target!r} must be on an earlier page, so its answer is known")
        if controlling.kind != "choice":
            self.problem(where, line, f"show_if item {target!r} is not a choice item")
            return None
        if controlling.scale is None:  # its unknown scale is reported already
            return None
        if not isinstance(codes, list) or not codes:
            self.problem(where, line, "show_if needs 'in': a non-empty list of option codes")
            return None
        unknown = [code for code in codes if code not in controlling.scale.codes]
        if unknown:
            options = sorted(controlling.scale.codes)
            self.problem(where, line, f"show_if codes {unknown} are not options of {target!r} ({options})")
        return Routing(target, frozenset(codes))

    def pathway_intros(self, root: _Mapping) -> dict[str, MappingProxyType[str, str]]:
        node = root.get("pathway_intros")
        if not isinstance(node, Mapping) or "default" not in node:
            self.problem("questionnaire", self.line_of(root, "pathway_intros"),
                         "pathway_intros must map pathway slugs, and 'default', to texts")  # fmt: skip
            return {}
        return {slug: self.text(node, slug, f"pathway_intros {slug!r}") for slug in node}


def read_definition(path: Path | str) -> Questionnaire:
    """Load and validate the definition in the YAML file ``path``.

    Raises
    ------
    QuestionnaireError
        Naming the file and every problem found, or that it cannot be read.
    """
    path = Path(path)
    source = str(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as error:
        raise QuestionnaireError(source, [f"cannot read the file: {error.strerror}"]) from None
    except UnicodeDecodeError:
        raise QuestionnaireError(source, ["the file is not UTF-8 text"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"line {mark.line + 1}, " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise QuestionnaireError(source, [f"{at}not valid YAML: {problem}"]) from None
    reader = _Reader(source)
    questionnaire = reader.questionnaire(document)
    if questionnaire is None:
        raise QuestionnaireError(source, reader.problems)
    return questionnaire


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _definitions_dir() -> Path:
    return Path(str(files("questionnaires").joinpath("definitions")))


@cache
def _bundled() -> dict[tuple[str, str], Questionnaire]:
    """Every bundled definition, loaded and validated once, by ``(id, version)``."""
    bundled: dict[tuple[str, str], Questionnaire] = {}
    for path in sorted(_definitions_dir().glob("*.yaml")):
        questionnaire = read_definition(path)
        key = (questionnaire.id, questionnaire.version)
        if key in bundled:
            raise QuestionnaireError(str(path), [f"{bundled[key].source} also defines {key[0]} {key[1]}"])
        bundled[key] = questionnaire
    return bundled


def bundled_questionnaires() -> list[tuple[str, str]]:
    """The ``(id, version)`` of every bundled definition, oldest version first."""
    return sorted(_bundled(), key=lambda key: (key[0], _version_key(key[1])))


def load_questionnaire(id_or_path: str | Path, version: str | None = None) -> Questionnaire:
    """Load a questionnaire: a bundled one by id, or a definition file by path.

    Parameters
    ----------
    id_or_path
        A bundled questionnaire id (``"prem-vardforlopp"``), or the path of
        a YAML definition (anything ending in ``.yaml``/``.yml`` or holding
        a path separator).
    version
        The version to load (``"2026.1"``); by default the newest bundled
        version. Responses are stored against ``(id, version)``, so every
        bundled version stays loadable.

    Returns
    -------
    Questionnaire
        Validated and immutable; bundled questionnaires are cached.

    Raises
    ------
    QuestionnaireError
        The definition is invalid, or no such id/version is bundled.
    """
    text = str(id_or_path)
    if isinstance(id_or_path, Path) or text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        questionnaire = read_definition(text)
        if version is not None and questionnaire.version != version:
            raise QuestionnaireError(text, [f"holds version {questionnaire.version}, not the requested {version}"])
        return questionnaire
    versions = sorted((v for i, v in _bundled() if i == text), key=_version_key)
    if not versions:
        known = ", ".join(sorted({i for i, _ in _bundled()})) or "none"
        raise QuestionnaireError(text, [f"no bundled questionnaire with this id (bundled: {known})"])
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise QuestionnaireError(text, [f"no bundled version {version} (bundled versions: {', '.join(versions)})"])
    return _bundled()[(text, version)]
