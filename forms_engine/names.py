"""Machine names and choice values made from a Chinese label: its pinyin as an ASCII identifier (走访类型 →
zou_fang_lei_xing), unique among those already taken."""

from __future__ import annotations

from collections.abc import Collection

from registry.pinyin import text_words, words_joined

LIMIT = 40  # characters of a made name before a suffix; a longer label is cut at a syllable


def identifier_from_label(
    label: str, *, taken: Collection[str] = (), fallback: str = "field", letter_first: bool = True
) -> str:
    """Letters, digits and _ (a letter first for a machine name); `fallback` when the label gives none; _2, _3…
    when already taken."""
    words = text_words(label)
    while letter_first and words and not words[0][0].isalpha():
        words.pop(0)  # "1. 姓名" → xing_ming: a name starts with a letter
    base = words_joined(words, separator="_", max_length=LIMIT) or fallback
    taken = set(taken)
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name
