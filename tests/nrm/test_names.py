"""Name folding for blind-index search: spellings of one name in Cyrillic and Latin script fold to
one key, different names keep different keys, and the keys are stable (hypothesis)."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qorgau.nrm.names import fold_token, name_tokens, query_tokens


def assert_fold_together(spellings: str) -> None:
    keys = {word: fold_token(word) for word in spellings.split()}
    assert len(set(keys.values())) == 1, keys


@pytest.mark.parametrize(
    "spellings",
    [
        "Ержан Erzhan Yerzhan Erjan ERZHAN",
        "Нурсултан Nursultan",
        "Гульнара Gulnara Gul'nara Gülnara Gul’nara",
        "Қайрат Kairat Qayrat Kayrat Кайрат",
        "Айгерим Aigerim Aygerim Aýgerim",
        "Әлия Aliya Aliia Äliya Алия",
        "Ұлан Ulan Улан",
        "Үміт Umit Умит",
        "Іңкәр Inkar Инкар",
        "Жеңіс Zhenis Zheñis Jeñis",
        "Шыңғыс Shyngys Shyngğys",
    ],
)
def test_cyrillic_and_latin_spellings_of_a_kazakh_name_fold_together(spellings: str):
    assert_fold_together(spellings)


@pytest.mark.parametrize(
    "spellings",
    [
        "Шахзод Shahzod Shakhzod Şahzod Shaxzod",
        "Ўткир O'tkir Otkir Oʻtkir O‘tkir",
        "Жамшид Jamshid Djamshid Dzhamshid Джамшид",
        "Хуршед Khurshed Hurshed Xurshed Хуршед",
        "Юлдуз Yulduz Iulduz",
        "Ёдгор Yodgor Edgor Едгор",
        "Ғайрат G'ayrat Gayrat Ghairat Гайрат Gʻayrat",
        "Бахтиёр Baxtiyor Bakhtiyor Бахтиер",
        "Исҳоқ Is'hoq Исхок",
        "Йўлдош Yo'ldosh Yoʻldosh",
        "Ботир Botir",
    ],
)
def test_cyrillic_and_latin_spellings_of_an_uzbek_name_fold_together(spellings: str):
    assert_fold_together(spellings)


@pytest.mark.parametrize(
    "spellings",
    [
        "Чынгыз Chyngyz Chingiz Çıñğız Чыңгыз Чингиз",
        "Өмүр Omur Ömür Омур",
        "Батыр Batyr Batir",
        "Нурбек Nurbek",
    ],
)
def test_cyrillic_and_latin_spellings_of_a_kyrgyz_name_fold_together(spellings: str):
    assert_fold_together(spellings)


@pytest.mark.parametrize(
    "spellings",
    [
        "Ҷамшед Jamshed Джамшед Dzhamshed",
        "Ӯмед Umed Умед",
        "Қодир Qodir Kodir Кодир",
        "Ҳусейн Husein Khuseyn Хусейн Huseyn",
        "Ҳасан Hasan Khasan Xasan Хасан",
    ],
)
def test_cyrillic_and_latin_spellings_of_a_tajik_name_fold_together(spellings: str):
    assert_fold_together(spellings)


@pytest.mark.parametrize(
    "spellings",
    [
        "Иванов Ivanov Ivanow",
        "Алексей Aleksei Alexey Aleksey Alexej Aleksej",
        "Татьяна Tatyana Tatiana Tat'yana Tat’iana",
        "Евгений Evgeny Yevgeniy Evgenii Evgeniy",
        "Юрий Yuriy Yury Iurii Yuri",
        "Фёдор Федор Fyodor Fedor",
        "Алиев Aliyev Aliev",
        "Мария Mariya Maria Mariia",
        "Оксана Oxana Oksana",
        "Максим Maxim Maksim",
        "Ксения Kseniya Xenia Ksenia",
        "Виктор Victor Viktor",
        "Сергей Sergey Sergei Sergej",
        "Щукин Shchukin",
        "Цветкович Tsvetkovich Cvetković",
    ],
)
def test_cyrillic_and_latin_spellings_of_a_russian_name_fold_together(spellings: str):
    assert_fold_together(spellings)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Марат", "Мурат"),
        ("Marat", "Murat"),
        ("Aliya", "Alina"),
        ("Әлия", "Алина"),
        ("Дина", "Дана"),
        ("Саида", "Саид"),
        ("Asel", "Aisel"),
        ("Азамат", "Асемат"),
        ("Ботир", "Батыр"),  # Uzbek o for Kyrgyz/Kazakh a: a vowel rule that would merge far too much
        ("Husein", "Husayn"),
        ("Ishoq", "Is'hoq"),  # Uzbek Latin sh is ш; the apostrophe says s + h
        ("Yana", "Ana"),
        ("Алина", "Ангелина"),
        ("Жанна", "Яна"),
    ],
)
def test_different_names_keep_different_keys(one: str, other: str):
    assert fold_token(one) != fold_token(other)


def test_feminine_family_name_is_not_the_same_key_as_the_masculine_one():
    # Ivanova is usually the wife, mother or daughter of an Ivanov, not a misspelling of him.
    assert fold_token("Ivanova") != fold_token("Ivanov")
    assert fold_token("Иванова") == fold_token("Ivanova")
    assert fold_token("Нурсултанова") != fold_token("Нурсултанов")


def test_a_word_with_no_letters_has_an_empty_key():
    assert fold_token("") == ""
    assert fold_token("1990") == ""
    assert fold_token("-'.") == ""


def test_name_parts_are_split_on_spaces_hyphens_and_punctuation_in_first_seen_order():
    assert name_tokens("Иванова-Петрова", "Анна  Сергеевна", None, "", "(Ivanova)") == [
        "ivanova",
        "petrova",
        "ana",
        "sergevna",
    ]


def test_patronymic_suffix_stays_part_of_the_word_but_a_separate_son_or_daughter_of_word_is_dropped():
    assert name_tokens("Nursultan Abishuly") == ["nursultan", "abishuli"]
    assert name_tokens("Айгүл Бакыт кызы") == ["aigul", "bakit"]
    assert name_tokens("Aigul Bakyt kyzy") == ["aigul", "bakit"]
    assert name_tokens("Ulan Nurlan uulu") == ["ulan", "nurlan"]
    assert name_tokens("Ахмедов", "Бахтиёр", "Рустам ўғли") == ["akhmedov", "bakhtier", "rustam"]
    assert name_tokens("Akhmedov Bakhtiyor Rustam o'g'li") == ["akhmedov", "bakhtier", "rustam"]
    assert name_tokens("Dilnoza Rustam qizi", "Аскер Мамед оглы", "Erlan Serik uly") == [
        "dilnoza",
        "rustam",
        "asker",
        "mamed",
        "erlan",
        "serik",
    ]
    assert name_tokens("Сергеевич", "Ivanovna") == ["sergevich", "ivanovna"]


def test_a_person_entered_in_cyrillic_is_found_by_a_latin_search():
    stored = set(name_tokens("Ахмедова", "Гульнара", "Бахтиёровна"))
    assert set(query_tokens("gul'nara AKHMEDOVA")) <= stored
    assert set(query_tokens("Gülnara, Ahmedova Baxtiyorovna")) <= stored


# Properties. The alphabet mixes the letters folding cares about with any other Unicode letter.
RELEVANT = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіўҳҷӣӯäöüışçğñňəžščćýé'ʻʼ‘’`´"
letters = st.one_of(st.sampled_from(RELEVANT), st.characters(categories=["L"]))
words = st.text(letters, max_size=12)


@given(words)
def test_folding_a_key_again_changes_nothing(word: str):
    key = fold_token(word)
    assert fold_token(key) == key


@given(words)
def test_keys_contain_only_lower_case_latin_letters(word: str):
    assert re.fullmatch("[a-z]*", fold_token(word))


@given(words)
def test_keys_ignore_letter_case(word: str):
    assert fold_token(word.upper()) == fold_token(word)
    assert fold_token(word.title()) == fold_token(word)


@given(st.lists(st.one_of(st.none(), st.text(st.one_of(letters, st.sampled_from(" -,.()1")))), max_size=4))
def test_name_tokens_are_unique_non_empty_keys(parts: list[str | None]):
    tokens = name_tokens(*parts)
    assert len(tokens) == len(set(tokens))
    assert all(tokens)
    assert all(fold_token(token) == token for token in tokens)


# Without ъ: ICAO spells it ie, but Uzbek uses it as a glottal stop, so folding drops it.
RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщыьэюя"
# ICAO Doc 9303, the table of machine-readable passports.
ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
# BGN/PCGN, older passports and most informal spellings: ye at the start and after a vowel.
BGN = ICAO | {"ё": "yo", "й": "y", "ю": "yu", "я": "ya"}
VOWELS = set("аеёиоуыэюя")


def icao(word: str) -> str:
    return "".join(ICAO[ch] for ch in word)


def bgn(word: str) -> str:
    out = []
    for i, ch in enumerate(word):
        after_vowel_or_sign = i == 0 or word[i - 1] in VOWELS | {"ь"}
        out.append("ye" if ch == "е" and after_vowel_or_sign else BGN[ch])
    return "".join(out)


def test_the_romanisation_tables_below_spell_names_as_their_schemes_do():
    assert bgn("ерёменко") == "yeryomenko"
    assert icao("татьяна") == "tatiana"
    assert bgn("татьяна") == "tatyana"


@given(st.text(st.sampled_from(RUSSIAN), min_size=1, max_size=14))
def test_a_russian_name_in_icao_passport_spelling_folds_like_the_cyrillic(word: str):
    assert fold_token(icao(word)) == fold_token(word)


@given(st.text(st.sampled_from(RUSSIAN), min_size=1, max_size=14))
def test_a_russian_name_in_bgn_spelling_folds_like_the_cyrillic(word: str):
    # Known limit: Latin "ye"/"yo" is read as е/ё, so й before е, ё, о or э (also with ы or ь
    # between them, which BGN spells y or not at all) is not told apart from е/ё alone.
    assume(not re.search("й[ыь]*[еёоэ]", word))
    assert fold_token(bgn(word)) == fold_token(word)
