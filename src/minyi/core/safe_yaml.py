"""YAML from uploads (organisation, dictionary, policies, rules, lexicons, import mappings):
yaml.safe_load with a size limit and an alias limit, so a 'billion laughs' document (anchors of
anchors, a few KB expanding to billions of nodes when walked) is refused before anyone walks it.
Errors are yaml.YAMLError, which every caller already turns into an Invalid."""

from __future__ import annotations

from typing import Any

import yaml

MAX_CHARS = 2_000_000
MAX_ALIASES = 200


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
        return loader.get_single_data()
    finally:
        loader.dispose()
