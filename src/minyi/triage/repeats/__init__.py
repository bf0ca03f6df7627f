"""Repeats and crowds: the same citizen's repeat appeal on the same matter (重复信访), many
citizens on the same matter and place within a window (涉众), near-duplicates across channels.

`HistoryIndex` keeps the whole history in memory as compact arrays, so a check costs well under
a millisecond at a million appeals:

- a text fingerprint per appeal: MinHash over character 3-shingles of the normalised text,
  64 permutations, of which only the low byte of each is kept (b-bit MinHash: 64 bytes per
  appeal; the estimate corrects for the 1/256 chance that two low bytes agree);
- LSH banding (8 bands of 4 full 32-bit minima) for near-duplicates: one sorted uint64 array of
  `band_key << 32 | row`, searched with `searchsorted`;
- the same packed layout keyed by phone and by community, for repeats and crowd windows.

New rows go to small dicts and are merged into the sorted arrays in batches, so `add` is cheap
and the index never holds a Python object per appeal or per shingle.
"""
