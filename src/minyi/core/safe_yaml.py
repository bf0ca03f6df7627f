"""YAML from uploads (organisation, dictionary, policies, rules, lexicons, import mappings):
yaml.safe_load with a size limit and an alias limit, so a 'billion laughs' document (anchors of
anchors, a few KB expanding to billions of nodes when walked) is refused before anyone walks it.
The expansion is counted on the composed node graph, before anything is constructed.
Errors are yaml.YAMLError, which every caller already turns into an Invalid."""

from __future__ import annotations

from typing import Any

import yaml

MAX_CHARS = 2_000_000
MAX_ALIASES = 200
# Nodes the document would have with every alias written out: what a consumer walks.
MAX_EXPANDED_NODES = 1_000_000


class YamlTooLarge(yaml.YAMLError):
    pass


class _CountingLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlTooLarge(f"more than {MAX_ALIASES} aliases (*name); write the values out")
        return super().compose_node(parent, index)


def load(text: str) -> Any:
    if len(text) > MAX_CHARS:
        raise YamlTooLarge(f"the document is longer than {MAX_CHARS} characters")
    if "\x00" in text:
        raise YamlTooLarge("the document contains a NUL character")
    loader = _CountingLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise YamlTooLarge(
                f"the aliases expand to more than {MAX_EXPANDED_NODES} values; write the values out"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, seen: dict[int, int]) -> int:
    """Node count with aliases expanded, memoised per node so the count itself stays cheap
    (a shared node is walked once however often it is referenced). Recursive anchors count once."""
    key = id(node)
    if key in seen:
        return seen[key]
    seen[key] = 1  # a self-reference while counting adds one, not infinity
    if isinstance(node, yaml.SequenceNode):
        total = 1 + sum(_expanded_size(child, seen) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        total = 1 + sum(_expanded_size(k, seen) + _expanded_size(v, seen) for k, v in node.value)
    else:
        total = 1
    seen[key] = total
    return total
