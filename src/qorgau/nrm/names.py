"""Search keys for people's names: the spellings of one name in Cyrillic and Latin script
(Kazakh, Uzbek, Kyrgyz, Tajik, Turkmen and Russian orthographies, passport and informal
romanisations) fold to one key, which the keyed blind indexes of the encrypted names then hash.
Keys are lower-case a-z ("erzhan", "shakhzod", "zhamshid") and only ever compared for equality.
Vowels a/o/u/e/i and a final -a stay distinct (Marat/Murat, Botir/Batyr, Ivanov/Ivanova).
"""

from __future__ import annotations

import re
import unicodedata

# Uzbek Latin writes o‘ and g‘ with the turned comma, Russian BGN romanisation writes ь as ʹ;
# all count as one apostrophe, which separates letters ("s'h" in Is'hoq is not "sh") and then goes.
_APOSTROPHES = dict.fromkeys("ʻʼ‘’‛`´′ʹʺ", "'")

# Internal codes (upper case never survives case-folding, so they cannot clash with input).
_SH, _CH, _ZH, _KH = "S", "C", "J", "H"

_CYRILLIC = {
    # Russian, as in ICAO 9303 passports, except ё (е in everyday writing, so e), й (i, as in
    # ICAO) and ъ (Uzbek uses it as a glottal stop, written ' in Latin; so it disappears).
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": _ZH, "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": _KH, "ц": "ts", "ч": _CH, "ш": _SH, "щ": _SH,
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",  # ы as y: the Latin y rules apply
    # Kazakh, Kyrgyz, Uzbek, Tajik, Tatar, Bashkir, Ukrainian. ң is n as in Kazakh passports
    # (Zhenis for Жеңіс); ў is the Uzbek o‘ (not the Belarusian u), ҷ/җ the Tajik/Tatar j.
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": _KH, "і": "i",
    "ў": "o", "ҳ": _KH, "ҷ": _ZH, "җ": _ZH, "ӣ": "i", "ӯ": "u", "ҡ": "q", "ҙ": "z", "ҫ": "s",
    "є": "ie", "ї": "i", "ґ": "g", "ј": "i",
}  # fmt: skip
_LATIN = {
    # Turkic Latin (Kazakh 2021, Uzbek, Turkmen, Azeri, Turkish, Tatar) and Slavic letters whose
    # diacritic changes the sound, so stripping it would be wrong (ş is sh, not s).
    "ä": "a", "ə": "a", "ö": "o", "ü": "u", "ı": "i", "ş": _SH, "ș": _SH, "ç": _CH, "ğ": "g",
    "ñ": "n", "ň": "n", "ž": _ZH, "š": _SH, "č": _CH, "ć": _CH, "ś": _SH, "ț": "ts",
    "ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe",
}  # fmt: skip
_TO_SKELETON = str.maketrans(_CYRILLIC | _LATIN | _APOSTROPHES)
_TO_APOSTROPHE = str.maketrans(_APOSTROPHES)

_NOT_LETTER = re.compile(r"[^a-z'SCJH]+")
# Lone c. With West/South Slavic or ISO 9 letters around it c is ts, ch is kh and Polish cz is ch
# (Cvetković, Šachov); with Turkish/Azeri/Tatar letters it is j (Cemşid); otherwise it follows
# English (Victor, Alicia).
_SLAVIC_HINT = re.compile("[čšžřěćśźżłąę]")
_TURKIC_HINT = re.compile("[şçğñňəöü]")  # not ı: it turns into i when upper-cased
_SLAVIC_C = re.compile("c[hz]?")
_SLAVIC_C_SOUND = {"c": "ts", "ch": "kh", "cz": "ch"}
_LONE_C = re.compile(r"c(?!h)")
# x is ks only in these European names; elsewhere (Xurshed, Baxtiyor, Shaxzod) it is х.
_X_AS_KS = re.compile(r"(?<=ale)x|(?<=ma)x(?=im|$)|(?<=^o)x(?=an)|(?<=^ro)x(?=an)|^x(?=en)|(?<=feli)x")
# Word-final j after a vowel is й in German, Polish and Czech spellings (Sergej, Nikolaj).
_FINAL_J = re.compile(r"(?<=[aeiouy])j$")
# y (one or more) before e, or before o that is not Uzbek o‘ (Yo‘ldosh is й + ў).
_IOTATION = re.compile(r"y+(?:e|o(?!'))")
_DOUBLE = re.compile(r"(.)\1+")  # replaced through a function: faster than a "\1" template
# d + zh is one sound (дж, dzh, dj); s or sh + ch is щ (sch, shch). These meet as codes when
# they were written apart (Cyrillic дж, сч, шч; Latin s'ch), and must end up as they would read
# in Latin, so that folding a key again changes nothing.
_MERGE = re.compile(rf"d+{_ZH}|[s{_SH}]{_CH}+")

# Separate words that only say "son of"/"daughter of" (Kazakh uly/qyzy, Kyrgyz uulu/kyzy, Uzbek
# o‘g‘li/qizi, Azeri oğlu/qızı); attached to the father's name they stay part of that token.
_CONNECTIVES = ("uly", "ulu", "uulu", "kyzy", "qyzy", "kizi", "qizi", "kyzi", "gyzy", "qızı",
                "o'g'li", "ogli", "ogly", "oglu", "oğlu", "ugli",
                "ұлы", "улы", "уулу", "қызы", "кызы", "кизи", "қизи", "гызы", "ўғли", "угли", "оглы",
                "оглу")  # fmt: skip

_WORD_BREAK = re.compile(r"[^\w'\u0300-\u036f]+|[\d_]+")


def _lone_c(s: str, written: str) -> str:
    """Spell out Latin c in `s`, given the word as `written` (with its diacritics)."""
    if _SLAVIC_HINT.search(written):
        return _SLAVIC_C.sub(lambda m: _SLAVIC_C_SOUND[m.group()], s)
    if _TURKIC_HINT.search(written):
        # Written as zh, not j: a final j would otherwise be read as й below.
        return _LONE_C.sub("zh", s)
    s = s.replace("ck", "k")
    return _LONE_C.sub(lambda m: "s" if s[m.end() : m.end() + 1] in ("e", "i", "y") else "k", s)


def _merged(m: re.Match[str]) -> str:
    return _ZH if m.group()[0] == "d" else _SH


def _one_of_double(m: re.Match[str]) -> str:
    return m.group(1)


def fold_token(token: str) -> str:
    """One name word to its search key: lower-case a-z, "" if the word has no letters."""
    # 1. NFKC and case-folding (´ goes first: NFKC would turn it into a space and an accent).
    written = unicodedata.normalize("NFKC", token.replace("´", "'")).casefold()
    # 2. A Latin skeleton: Cyrillic and letters whose diacritic is a different sound are mapped,
    # other diacritics stripped, whatever is not a letter or an apostrophe dropped.
    if written.isascii():
        s = written.replace("`", "'")
    else:
        s = written.translate(_TO_SKELETON)
        if not s.isascii():
            decomposed = unicodedata.normalize("NFD", s)
            s = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_TO_SKELETON)
    if not (s.isascii() and s.isalpha()):
        s = _NOT_LETTER.sub("", s)
    # 3. Latin letters that are read differently in different orthographies.
    if "c" in s:
        s = _lone_c(s, written)
    if "x" in s:
        s = _X_AS_KS.sub("ks", s)
    if "j" in s:
        s = _FINAL_J.sub("y", s)
    # 4. Sounds written with two letters become one code (S sh, C ch, J zh, H kh), so that they
    # cannot be misread together with a neighbour (Cyrillic сх is s + kh, not sh). Longest first.
    if "h" in s:
        s = (
            s.replace("shch", _SH)
            .replace("sch", _SH)
            .replace("sh", _SH)
            .replace("ch", _CH)
            .replace("zh", _ZH)
            .replace("kh", _KH)
            .replace("gh", "g")
        )
    # 5. y before e/o is the iotation of е/ё (Yerzhan = Erzhan, Yodgor = Edgor = Ёдгор).
    if "y" in s:
        s = _IOTATION.sub("e", s)
    # 6. j (Uzbek, Tajik, Kazakh Latin) is the sound of zh/dzh; h and x are kh; q is k; w is v; any
    # other y is i; apostrophes have done their work. (A chain of replace is faster than translate.)
    s = (
        s.replace("j", _ZH)
        .replace("h", _KH)
        .replace("x", _KH)
        .replace("q", "k")
        .replace("w", "v")
        .replace("y", "i")
        .replace("'", "")
    )
    # 7. Codes that met only now, then doubled letters collapse (Aliia = Aliya, Evgenii = Evgeny).
    if _ZH in s or _CH in s:
        s = _MERGE.sub(_merged, s)
    s = _DOUBLE.sub(_one_of_double, s)
    return s.replace(_SH, "sh").replace(_CH, "ch").replace(_ZH, "zh").replace(_KH, "kh")


_DROPPED = frozenset(fold_token(word) for word in _CONNECTIVES)


def name_tokens(*parts: str | None) -> list[str]:
    """Search keys for all words of the given name parts (family, given, patronymic, other
    spellings), in first-seen order, without duplicates, empty keys or "son/daughter of"."""
    keys: dict[str, None] = {}
    for part in parts:
        if not part:
            continue
        text = unicodedata.normalize("NFKC", part.translate(_TO_APOSTROPHE))
        for word in _WORD_BREAK.split(text):
            key = fold_token(word)
            if key and key not in _DROPPED:
                keys[key] = None
    return list(keys)


def query_tokens(text: str) -> list[str]:
    """Search keys for the words typed into a search box, folded exactly like stored names."""
    return name_tokens(text)
