"""YAML that remembers where each value was written.

The document is composed into nodes (which carry their marks) and built into plain dicts, lists
and scalars by hand, recording the line of every mapping key and list item, so a problem found
later by the schema can be reported as `file:line`. Stricter than plain YAML where YAML surprises:
keys must be strings (`01:` would be the integer 1), a key may not repeat, and null is refused
(leave a key out to inherit it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["YamlDocument", "YamlPath", "YamlProblem", "YamlSyntaxError", "parse_yaml"]

YamlPath = tuple[str | int, ...]
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True, slots=True)
class YamlProblem:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: Any
    lines: Mapping[YamlPath, int]
    problems: tuple[YamlProblem, ...] = field(default=())

    def line_of(self, path: YamlPath) -> int:
        """The line of `path`, or of its nearest ancestor that was written."""
        probe = tuple(path)
        while probe:
            line = self.lines.get(probe)
            if line is not None:
                return line
            probe = probe[:-1]
        return self.lines.get((), 1)


class _Builder:
    def __init__(self) -> None:
        self.lines: dict[YamlPath, int] = {}
        self.problems: list[YamlProblem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: Node, path: YamlPath) -> Any:
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            items: list[Any] = []
            for index, child in enumerate(node.value):
                self.lines[(*path, index)] = child.start_mark.line + 1
                items.append(self.build(child, (*path, index)))
            return items
        assert isinstance(node, ScalarNode)
        if node.tag == _NULL_TAG:
            self.problems.append(
                YamlProblem(
                    node.start_mark.line + 1, f"{_dotted(path)}: empty value (null); leave the key out to inherit"
                )
            )
            return None
        return self._constructor.construct_object(node, deep=True)

    def _mapping(self, node: MappingNode, path: YamlPath) -> dict[str, Any]:
        self._constructor.flatten_mapping(node)  # resolves `<<: *anchor` merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                shown = key_node.value if isinstance(key_node, ScalarNode) else "?"
                self.problems.append(YamlProblem(line, f"key {shown!r} must be a string; put it in quotes"))
                continue
            key = str(key_node.value)
            if key in result:
                self.problems.append(YamlProblem(line, f"{_dotted((*path, key))}: key written twice"))
                continue
            self.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key))
        return result


def _dotted(path: YamlPath) -> str:
    return ".".join(str(part) for part in path) or "(document)"


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document. Syntax errors raise `YamlSyntaxError`; other problems are listed
    in `problems` so every one of them can be reported at once."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        last_line = max(1, len(text.splitlines()))
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, last_line) if mark is not None else 1
        message = f"YAML syntax: {exc.problem or exc.context}"
        if exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise YamlSyntaxError(line, message) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML: {exc}") from None
    if node is None:
        raise YamlSyntaxError(1, "the file is empty")
    builder = _Builder()
    builder.lines[()] = node.start_mark.line + 1
    data = builder.build(node, ())
    return YamlDocument(data=data, lines=builder.lines, problems=tuple(builder.problems))


class YamlSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
