"""Search keys for Chinese names: full pinyin and initials (王德胜 → wangdesheng, wds)."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

# Surnames read differently from the common reading of the character.
SURNAMES = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "乐": "yue",
    "翟": "zhai",
    "覃": "qin",
    "盖": "ge",
    "缪": "miao",
    "秘": "bi",
    "种": "chong",
    "华": "hua",
    "任": "ren",
    "沈": "shen",
    "石": "shi",
    "朝": "chao",
    "折": "she",
    "召": "shao",
    "句": "gou",
    "繁": "po",
    "宿": "su",
    "尉": "yu",
    "长": "zhang",
    "万": "wan",
    "柏": "bai",
    "薄": "bo",
    "员": "yun",
    "那": "na",
    "过": "guo",
    "祭": "zhai",
    "冯": "feng",
    "葛": "ge",
    "令": "ling",
    "都": "du",
    "纪": "ji",
    "莘": "shen",
    "车": "che",
}
COMPOUND_SURNAMES = {"尉迟": ["yu", "chi"], "万俟": ["mo", "qi"], "长孙": ["zhang", "sun"], "单于": ["chan", "yu"]}


def name_syllables(name: str) -> list[str]:
    name = name.strip()
    for compound, syllables in COMPOUND_SURNAMES.items():
        if name.startswith(compound):
            return syllables + lazy_pinyin(name[len(compound) :], style=Style.NORMAL, errors="ignore")
    if not name:
        return []
    head = SURNAMES.get(name[0])
    rest = lazy_pinyin(name[1:], style=Style.NORMAL, errors="ignore")
    first = [head] if head else lazy_pinyin(name[0], style=Style.NORMAL, errors="ignore")
    return [s.lower() for s in first + rest]


def name_search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials), lower-case ASCII without spaces."""
    syllables = name_syllables(name)
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def text_syllables(text: str) -> list[str]:
    """Pinyin of any text, read as words (长期 → chang qi, not a surname's zhang); other characters kept as they are."""
    return [part.lower() for part in lazy_pinyin(text or "", style=Style.NORMAL, errors="default")]


def text_words(text: str) -> list[str]:
    """The runs of ASCII letters and digits in the text's pinyin (关于2026年 → guan, yu, 2026, nian)."""
    words: list[str] = []
    for syllable in text_syllables(text):
        words += re.findall(r"[a-z0-9]+", syllable)
    return words


def words_joined(words: list[str], *, separator: str, max_length: int) -> str:
    """The words joined by separator, cut at a word to stay within max_length (a first word alone too long is cut
    itself); "" for no words."""
    joined = ""
    for word in words:
        candidate = f"{joined}{separator}{word}" if joined else word
        if len(candidate) > max_length:
            break
        joined = candidate
    return joined or (words[0][:max_length] if words else "")
