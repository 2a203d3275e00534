"""YAML parsed into plain values plus the place of every key and value.

The places let a schema error point at the exact line and column of the offending key or
value, including inside Markdown front matter (via `line_offset`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[Any, ...]
Place = tuple[int, int]
_STR_TAG = "tag:yaml.org,2002:str"
# Aliases can make a small file expand enormously ("billion laughs"); no real content comes close.
MAX_NODES = 200_000


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class SourceMap:
    """Where each part of a YAML document sits: 1-based (line, column) by key path."""

    values: dict[Path, Place] = field(default_factory=dict)
    keys: dict[Path, Place] = field(default_factory=dict)
    duplicates: list[tuple[Path, Place]] = field(default_factory=list)

    def value(self, path: Path) -> Place:
        """The value's place, or the nearest enclosing one that exists (for a missing key)."""
        path = tuple(path)
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def key(self, path: Path) -> Place:
        """The key's place when `path` ends in a mapping key, else the value's place."""
        return self.keys.get(tuple(path)) or self.value(path)


@dataclass
class LocatedYaml:
    data: Any
    places: SourceMap


def parse_yaml(text: str, line_offset: int = 0) -> LocatedYaml:
    """Parse one YAML document; raise YamlSyntaxError with a 1-based place on bad syntax."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        column = mark.column + 1 if mark else 1
        message = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise YamlSyntaxError(f"invalid YAML: {message}", line, column) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", 1 + line_offset, 1) from None
    finally:
        loader.dispose()
    places = SourceMap()
    if node is None:
        return LocatedYaml(None, places)
    builder = _Builder(loader, places, line_offset)
    try:
        data = builder.build(node, ())
    except _TooDeep as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", exc.line, exc.column) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        raise YamlSyntaxError(f"invalid YAML: {exc.problem}", line, mark.column + 1 if mark else 1) from None
    return LocatedYaml(data, places)


class _TooDeep(Exception):
    def __init__(self, message: str, place: Place):
        super().__init__(message)
        self.line, self.column = place


class _Builder:
    def __init__(self, loader, places: SourceMap, line_offset: int):
        self.loader, self.places, self.offset = loader, places, line_offset
        self.open_nodes: set[int] = set()
        self.count = 0

    def place(self, node) -> Place:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def build(self, node, path: Path) -> Any:
        self.places.values[path] = self.place(node)
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooDeep(f"document has more than {MAX_NODES} values (alias expansion?)", self.place(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:
                return node.value
            return self.loader.construct_object(node)
        if id(node) in self.open_nodes:
            raise _TooDeep("an alias refers to the collection that contains it", self.place(node))
        self.open_nodes.add(id(node))
        try:
            return self.build_collection(node, path)
        finally:
            self.open_nodes.discard(id(node))

    def build_collection(self, node, path: Path) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.build_key(key_node)
            child = path + (key,)
            if key in mapping:
                self.places.duplicates.append((child, self.place(key_node)))
            self.places.keys[child] = self.place(key_node)
            mapping[key] = self.build(value_node, child)
        return mapping

    def build_key(self, node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            key = node.value if node.tag == _STR_TAG else self.loader.construct_object(node)
            try:
                hash(key)
            except TypeError:
                return str(key)
            return key
        return f"<{node.id} key>"
