"""Risk flags (风险提示): words in an appeal that call for attention (self-harm, collective
action, wage arrears, threats, watch-listed persons), each with its evidence span.

The lexicon is data an administrator edits: `risk_lexicon.yaml` in the package is version 0,
every save through the API a new version in `risk_lexicons`. Matching is one regex compiled
from a trie of every term, so a text is scanned once whatever the lexicon's size; a flag
survives only if no negation stands right before it ("没有欠薪") and, for weak words, a
companion word is near ("聚集" with "上访").

Modules: `lexicon` (its shape and parsing), `flags` (matching a text) and `versions` (the
shipped file and the saved versions).
"""
