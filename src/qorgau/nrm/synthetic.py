"""Synthetic (fake) victims and cases for demo data and benchmarks.

Nothing here describes a real person: names are drawn independently from lists of common given
names and family names, numbers are random, and narratives are assembled from generic templates.
The mix of nationalities, routes and forms of exploitation follows the patterns the project's
seed studies describe for Central Asia, so that a demo database looks like the real work.

The generator is pure and deterministic: the same ``seed`` and ``today`` always give the same
cases, and a longer run starts with the cases of a shorter one (it draws only from
``random.Random(seed).getrandbits``, whose sequence Python keeps stable). It is built for bulk
loading (``qorgau demo --cases 1000000``): every table, down to the narrative fragments, is
prepared when the module is imported, and a case costs a few dozen integer draws and look-ups.

Codes are plain strings with the values of the enums in ``qorgau.nrm.rules`` (not imported here,
so this module has no dependency on the case model).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, make_dataclass
from datetime import date
from itertools import accumulate

__all__ = ["SyntheticCase", "SyntheticPerson", "generate_cases"]


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    family_name: str
    given_name: str
    patronymic: str | None
    family_name_latin: str
    given_name_latin: str
    sex: str
    birth_date: date | None
    estimated_age: int | None
    citizenship: str
    document_type: str | None
    document_number: str | None
    languages: tuple[str, ...]
    phone: str | None


@dataclass(frozen=True, slots=True)
class SyntheticCase:
    person: SyntheticPerson
    exploitation_types: tuple[str, ...]  # the main form first
    recruitment_country: str
    transit_countries: tuple[str, ...]
    destination_country: str
    found_in_country: str
    reported_on: date
    recruitment_place: str | None
    narrative: str


FIRST_REPORT = date(2019, 1, 1)
MIN_AGE, MAX_AGE = 14, 55

# --------------------------------------------------------------------------------------------------
# Target mix
# --------------------------------------------------------------------------------------------------

NATIONALITY_WEIGHTS = {"UZ": 30.0, "KZ": 25.0, "KG": 20.0, "TJ": 20.0, "RU": 5.0}

# Of the main (first) form of exploitation, over all cases.
EXPLOITATION_WEIGHTS = {
    "labour": 55.0,
    "sexual": 30.0,
    "domestic_servitude": 6.0,
    "forced_begging": 3.0,
    "forced_criminality": 2.0,
    "forced_marriage": 2.0,
    "organ_removal": 0.5,
    "other": 1.5,
}
_TYPES = tuple(EXPLOITATION_WEIGHTS)

# How likely each form of exploitation is on each kind of route, before the weights are fitted
# so that the totals match EXPLOITATION_WEIGHTS (see _fit below).
_PROFILE: dict[str, dict[str, float]] = {
    # labour migration corridors (Russia, Kazakhstan, Korea)
    "labour": {
        "labour": 10,
        "sexual": 1.5,
        "domestic_servitude": 0.5,
        "forced_begging": 0.4,
        "forced_criminality": 0.4,
        "forced_marriage": 0.05,
        "organ_removal": 0.03,
        "other": 0.15,
    },
    "korea": {"labour": 10, "sexual": 1.5, "domestic_servitude": 0.2, "other": 0.15},
    "turkey": {
        "labour": 3,
        "sexual": 5,
        "domestic_servitude": 2.5,
        "forced_marriage": 0.4,
        "organ_removal": 0.1,
        "other": 0.15,
    },
    "gulf": {"labour": 1.5, "sexual": 8, "domestic_servitude": 2, "other": 0.1},
    "thailand": {"labour": 0.4, "sexual": 9, "forced_criminality": 0.4, "other": 0.1},
    "internal": {
        "labour": 5,
        "sexual": 4,
        "domestic_servitude": 1,
        "forced_begging": 1.5,
        "forced_criminality": 0.8,
        "forced_marriage": 1.2,
        "organ_removal": 0.1,
        "other": 0.2,
    },
}

# (citizenship, destination, weight within the nationality, profile, transits with weights).
# The citizenship is also the recruitment country, except that some migrants already working in
# Russia or Kazakhstan are recruited there (see _RETRAFFICKED).
_ROUTES: list[tuple[str, str, float, str, list[tuple[tuple[str, ...], float]]]] = [
    ("UZ", "RU", 38, "labour", [((), 55), (("KZ",), 45)]),
    ("UZ", "KZ", 32, "labour", [((), 1)]),
    ("UZ", "TR", 14, "turkey", [((), 1)]),
    ("UZ", "AE", 6, "gulf", [((), 1)]),
    ("UZ", "KR", 5, "korea", [((), 1)]),
    ("UZ", "UZ", 5, "internal", [((), 1)]),
    ("KG", "RU", 55, "labour", [((), 40), (("KZ",), 60)]),
    ("KG", "KZ", 28, "labour", [((), 1)]),
    ("KG", "TR", 8, "turkey", [((), 1)]),
    ("KG", "AE", 4, "gulf", [((), 1)]),
    ("KG", "KG", 5, "internal", [((), 1)]),
    ("TJ", "RU", 70, "labour", [((), 60), (("KZ",), 15), (("UZ", "KZ"), 25)]),
    ("TJ", "KZ", 12, "labour", [((), 30), (("UZ",), 70)]),
    ("TJ", "AE", 6, "gulf", [((), 1)]),
    ("TJ", "TR", 5, "turkey", [((), 1)]),
    ("TJ", "TJ", 7, "internal", [((), 1)]),
    ("KZ", "KZ", 38, "internal", [((), 1)]),
    ("KZ", "AE", 16, "gulf", [((), 1)]),
    ("KZ", "KR", 16, "korea", [((), 1)]),
    ("KZ", "TR", 12, "turkey", [((), 1)]),
    ("KZ", "RU", 10, "labour", [((), 1)]),
    ("KZ", "TH", 8, "thailand", [((), 70), (("AE",), 30)]),
    ("RU", "RU", 40, "internal", [((), 1)]),
    ("RU", "TR", 18, "turkey", [((), 1)]),
    ("RU", "AE", 18, "gulf", [((), 1)]),
    ("RU", "KZ", 12, "labour", [((), 1)]),
    ("RU", "TH", 12, "thailand", [((), 1)]),
]
_RETRAFFICKED = 0.05  # share of Central Asian migrants in RU/KZ recruited where they already worked

# Chance that a victim is female, by main form of exploitation; sex is "unknown" in _SEX_UNKNOWN.
_P_FEMALE = {
    "labour": 0.22,
    "sexual": 0.93,
    "domestic_servitude": 0.85,
    "forced_begging": 0.5,
    "forced_criminality": 0.3,
    "forced_marriage": 0.97,
    "organ_removal": 0.35,
    "other": 0.5,
}
_SEX_UNKNOWN = 0.005

# A second form of exploitation in _P_SECOND of cases, from the forms that go with the first.
_P_SECOND = 0.12
_SECOND: dict[str, tuple[str, ...]] = {
    "labour": ("domestic_servitude", "forced_criminality", "sexual"),
    "sexual": ("domestic_servitude", "forced_marriage", "labour", "forced_criminality"),
    "domestic_servitude": ("sexual", "labour"),
    "forced_begging": ("forced_criminality",),
    "forced_criminality": ("labour", "forced_begging"),
    "forced_marriage": ("domestic_servitude", "sexual"),
    "organ_removal": ("labour",),
    "other": (),
}

_P_CHILD = 0.12
_P_AGE_UNKNOWN = 0.10  # birth date unknown, age estimated
_P_NO_DOCUMENT = 0.15
_P_NO_PHONE = 0.20
_P_NO_PLACE = 0.10
_P_FOUND_HOME = 0.25  # identified at home after return
_P_FOUND_TRANSIT = 0.05  # identified on the way (a border check), when the route has a transit
_P_RUSSIAN_NARRATIVE = 0.4

# Draws are 32-bit integers from Random.getrandbits (cheaper than int(random() * n)): an index is
# draw % n, an event of probability p happens when draw < _at(p), and tables of weights are
# cumulative in the same units (bisect_right on them picks an entry).
_ONE = 1 << 32


def _at(p: float) -> int:
    return round(p * _ONE)


def _fit(
    prior: list[list[float]], rows: list[float], cols: list[float], rounds: int = 200
) -> list[list[float]]:
    """Iterative proportional fitting: scale ``prior`` so that its row sums are ``rows`` and its
    column sums (nearly) ``cols``, keeping its zeros and, as far as it can, its proportions."""
    m = [r[:] for r in prior]
    for _ in range(rounds):
        for j, target in enumerate(cols):
            s = sum(r[j] for r in m)
            if s:
                for r in m:
                    r[j] *= target / s
        for r, target in zip(m, rows, strict=True):
            s = sum(r)
            for j in range(len(r)):
                r[j] *= target / s
    return m


# --------------------------------------------------------------------------------------------------
# Romanisation, as passport offices do it (near enough)
# --------------------------------------------------------------------------------------------------

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    " ": " ", "-": "-",
}  # fmt: skip
# Russia: ICAO Doc 9303 (Russian passports since 2010): Наталья -> Natalia, Юлия -> Iuliia.
_RU_LATIN = {**_COMMON, "ъ": "ie", "ю": "iu", "я": "ia"}
# Kazakhstan: Ж -> Zh, Kazakh letters to their plain Latin counterparts (Әлия -> Aliya).
_KZ_LATIN = {
    **_COMMON,
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
}
# Kyrgyzstan: Өмүрбек -> Omurbek, Жылдыз -> Zhyldyz.
_KG_LATIN = {**_COMMON, "ө": "o", "ү": "u", "ң": "n"}
# Tajikistan: Ҷамшед -> Jamshed, Ӯмед -> Umed, Қурбонов -> Qurbonov, Ғафуров -> Ghafurov.
_TJ_LATIN = {**_COMMON, "ғ": "gh", "қ": "q", "ӣ": "i", "ӯ": "u", "ҳ": "h", "ҷ": "j", "ё": "yo", "й": "y"}


def _romanise(name: str, table: dict[str, str]) -> str:
    out = []
    for ch in name:
        latin = table[ch.lower()]
        out.append(latin[:1].upper() + latin[1:] if ch.isupper() else latin)
    return "".join(out)


# Uzbek: names are kept in the Latin alphabet (1995) and written in Cyrillic from it.
_UZ_CYRILLIC = {
    "yo'": "йў", "o'": "ў", "g'": "ғ", "sh": "ш", "ch": "ч", "yo": "ё", "yu": "ю", "ya": "я", "ye": "е",
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "ҳ", "i": "и", "j": "ж", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с", "t": "т", "u": "у",
    "v": "в", "x": "х", "y": "й", "z": "з", " ": " ", "-": "-",
}  # fmt: skip


def _uz_cyrillic(latin: str) -> str:
    s, out, i = latin.lower(), [], 0
    while i < len(s):
        for n in (3, 2, 1):
            if s[i : i + n] in _UZ_CYRILLIC:
                out.append(_UZ_CYRILLIC[s[i : i + n]])
                i += n
                break
        else:
            raise ValueError(f"cannot write {latin!r} in Cyrillic")
    word = "".join(out)
    if s[0] == "e":  # a word-initial E is Э (Ergashev -> Эргашев)
        word = "э" + word[1:]
    return word[:1].upper() + word[1:]


# --------------------------------------------------------------------------------------------------
# Names. Common given names and family names of each country, family names in the male form.
# --------------------------------------------------------------------------------------------------

_NAMES: dict[str, tuple[str, str, str]] = {
    "KZ": (
        "Нұрлан Ғалым Өмірзақ Ерлан Асқар Бауыржан Дәурен Ержан Жандос Жәнібек Қайрат Марат Мұрат "
        "Нұрсұлтан Серік Талғат Арман Айдос Дархан Ермек Қанат Мақсат Нұржан Самат Саят Әділет Әлішер "
        "Бекзат Бағдат Ғабит Дамир Ербол Есен Жасұлан Қуаныш Мейрам Нұрболат Олжас Рахат Санжар "
        "Темірлан Ұлан Шыңғыс Әсет Ілияс Айбек Бақыт Дулат Елдос Ерасыл Жарас Қасым Мирас",
        "Әлия Айгүл Айгерім Айжан Айнұр Ақмарал Ақерке Әсел Балжан Бибігүл Гүлнар Гүлмира Гүлжан Дана "
        "Дариға Динара Жазира Жанар Жансая Жібек Зарина Зәуре Индира Қарлығаш Камила Ләззат Мадина "
        "Меруерт Мөлдір Назерке Нұргүл Салтанат Сәуле Сая Толқын Томирис Ұлжан Ұлпан Шолпан Эльмира "
        "Аружан Аяулым Іңкәр Гауһар Ботагөз",
        "Ахметов Әбдірахманов Әлиев Байжанов Бекмұхамбетов Бейсенов Ғабдуллин Дәулетов Досанов "
        "Жақсыбеков Жұмабаев Жүсіпов Ибраев Иманғалиев Исаев Қабдолов Қалиев Қасымов Құрманов "
        "Қожахметов Мұқанов Мұратов Назарбеков Нұрмағамбетов Оспанов Омаров Өтепов Рахимов Сәрсенбаев "
        "Сейтов Сұлтанов Тоқтаров Төлеубаев Тұрсынов Үсенов Шәріпов Ыбыраев Есенов Бекболатов Сапаров "
        "Әлімжанов Кенжебаев Серікұлы Нұрланұлы Асқарұлы Ерланұлы",
    ),
    "KG": (
        "Өмүрбек Азамат Айбек Алмаз Асан Үсөн Бакыт Бекболот Бектур Нурлан Нурбек Эрлан Эрмек Эркин "
        "Жыргалбек Кубанычбек Мирлан Максат Медер Нурсултан Талант Темирлан Улан Чыңгыз Чубак Жоомарт "
        "Адилет Аскар Бакай Данияр Дастан Жаныбек Замир Мелис Элдияр Эмил Байэл Бекжан Болот Алмазбек "
        "Айдар Курманбек Сүйүнбек Төлөгөн Ысмайыл Нурдин Үсөнбек",
        "Үмүт Айпери Айжамал Айнура Айгерим Айсулуу Асель Бермет Бурул Гүлзат Гүлнара Динара Жылдыз "
        "Жазгүл Жамиля Зарина Канышай Мээрим Назгүл Нургүл Нуриза Салтанат Чолпон Чынара Толгонай "
        "Элнура Элмира Айдана Каныкей Гүлайым Күмүшай Сезим Нурайым Элиза Бактыгүл Ширин Кундуз Мира "
        "Альбина Айзада Бегимай Перизат",
        "Асанов Абдыкадыров Алиев Бакиров Бейшеналиев Жээналиев Жумабеков Жусупов Исаков Кадыров "
        "Калыков Касымов Кыдыралиев Маматов Мамбетов Мамытов Мураталиев Нурбеков Осмонов Өмүрбеков "
        "Садыров Сатыбалдиев Суранчиев Токтогулов Токтосунов Төрөбеков Үсөнов Шаршенов Эргешов Эсенов "
        "Абдраев Акматов Бообеков Дүйшөнбеков Жолдошев Тагаев Эшимов Орозбаев Сыдыков Турдубаев "
        "Кубатбеков Асан_уулу Бакыт_уулу Нурлан_уулу Таалай_уулу Мирбек_уулу",
    ),
    "TJ": (
        "Ҷамшед Ӯмед Фаррух Фирдавс Бахтиёр Далер Дилшод Илҳом Исмоил Комрон Манучеҳр Муҳаммад Носир "
        "Парвиз Рустам Саид Суҳроб Тоҳир Фаридун Хуршед Шаҳзод Шерзод Юсуф Абдуллоҳ Алишер Баҳром "
        "Беҳрӯз Ҷаҳонгир Зафар Икром Карим Меҳроҷ Наврӯз Нозим Рашид Толиб Файзулло Ҳасан Ҳусайн "
        "Қодир Ғайрат Шоҳрух Эраҷ Сомон Аброр Бобоҷон Ҷалол",
        "Мадина Малика Манижа Нигина Парвина Таҳмина Фарзона Фарангис Зарина Гулнора Гулчеҳра Дилноза "
        "Дилором Зебо Лола Мунира Мижгона Нилуфар Нодира Озода Сабоҳат Севара Сурайё Табассум Фотима "
        "Фируза Ҳилола Ширин Шаҳло Шабнам Ситора Сарвиноз Меҳрангез Мавлуда Гулрух Заррина Муҳаббат "
        "Гулҷаҳон Нозия Рухшона Ҳумайро",
        "Раҳматов Комилов Сафаров Назаров Шарипов Раҳимов Саидов Ҳасанов Ҳусайнов Қодиров Мирзоев "
        "Исмоилов Юсуфов Давлатов Бобоев Олимов Ҷураев Азизов Усмонов Ғафуров Ашуров Холов Қурбонов "
        "Маҳмадов Ниёзов Абдуллоев Шоев Зиёев Собиров Файзуллоев Ҳакимов Одинаев Латифов Мӯминов "
        "Ҳамроев Ҷалолов Назарзода Раҳматзода Сафарзода Қурбонзода Шарифзода Ҳасанзода Мирзозода "
        "Давлатзода Саидзода Хуҷандӣ Бадахшонӣ Ҳисорӣ",
    ),
    "RU": (
        "Александр Алексей Андрей Антон Артём Борис Вадим Валерий Василий Виктор Виталий Владимир "
        "Владислав Вячеслав Геннадий Георгий Глеб Григорий Денис Дмитрий Евгений Егор Иван Игорь "
        "Кирилл Константин Леонид Максим Михаил Никита Николай Олег Павел Пётр Роман Руслан Сергей "
        "Станислав Степан Тимофей Фёдор Юрий Ярослав Илья Даниил Матвей",
        "Анна Анастасия Алина Алёна Алла Валентина Валерия Вера Вероника Виктория Галина Дарья Диана "
        "Евгения Екатерина Елена Елизавета Жанна Зоя Ирина Карина Кристина Ксения Лариса Любовь "
        "Людмила Маргарита Марина Мария Надежда Наталья Нина Оксана Ольга Полина Светлана София Тамара "
        "Татьяна Ульяна Юлия Яна",
        "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
        "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров "
        "Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин "
        "Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов "
        "Ковалёв Белов Маслов Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев "
        "Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников "
        "Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Чернов Щербаков Калинин Лазарев "
        "Успенский Покровский",
    ),
    "UZ": (
        "Akmal Alisher Anvar Aziz Bahodir Bekzod Bobur Botir Dilshod Doniyor Eldor Elyor Farhod "
        "Farrux G'ayrat G'olib Ilhom Islom Jahongir Jamshid Javlon Jasur Kamol Laziz Mansur Muhammad "
        "Nodir Nurbek Otabek O'tkir O'ktam Rustam Sanjar Sardor Sherzod Shoxrux Sirojiddin Temur "
        "Ulug'bek Umid Xurshid Zafar Yusuf Sunnat Abdulla Ravshan Shuhrat",
        "Dilnoza Dildora Dilfuza Dilorom Feruza Gulnora Gulchehra Gulnoza Hilola Iroda Kamola Lola "
        "Malika Madina Mohira Munisa Muxlisa Nigora Nilufar Nodira Odina Ozoda Rayhona Sabina Sarvinoz "
        "Sevara Shahlo Shahnoza Shoira Sitora Umida Yulduz Zarina Zilola Zuhra Go'zal O'g'iloy Barno "
        "Durdona Mavluda Mohinur Nasiba Xurshida",
        "Abdullayev Alimov Aliyev Azimov Boboyev Ergashev Fayzullayev G'ulomov Hamidov Hasanov "
        "Ibragimov Ismoilov Jo'rayev Komilov Xolmatov Mahmudov Mirzayev Mo'minov Nazarov Normatov "
        "Nurmatov Olimov Qodirov Qosimov Rahimov Rashidov Rustamov Saidov Salimov Sobirov Sultonov "
        "Tursunov To'xtayev Usmonov Umarov Xudoyberdiyev Yo'ldoshev Yusupov Zokirov Qurbonov Sharipov "
        "Tojiboyev Sodiqov Ahmedov Ortiqov Eshonqulov Turg'unov Yoqubov Musayev Hakimov",
    ),
}


def _words(text: str) -> list[str]:
    return [w.replace("_", " ") for w in text.split()]


def _female_family(name: str) -> str:
    for male, female in (("ский", "ская"), ("ұлы", "қызы"), (" уулу", " кызы")):
        if name.endswith(male):
            return name[: -len(male)] + female
    if name.endswith(("ов", "ев", "ёв", "ин", "ын", "ov", "ev")):
        return name + "а" if "а" <= name[-1] <= "я" or name[-1] == "ё" else name + "a"
    return name  # -зода, -ӣ and the like are the same for women


_VOWELS = set("аеёиоуыэюяәөұүіӣӯў")
_RU_IRREGULAR = {
    "Михаил": ("Михайлович", "Михайловна"),
    "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"),
    "Илья": ("Ильич", "Ильинична"),
    "Никита": ("Никитич", "Никитична"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"),
}


def _russian_patronymic(father: str) -> tuple[str, str] | None:
    """Russian-style patronymic (male, female) of a Cyrillic given name, or None if the name does
    not take one by the usual rules (most names ending in a vowel)."""
    if father in _RU_IRREGULAR:
        return _RU_IRREGULAR[father]
    if father.endswith("ий"):
        stem, m = father[:-2] + "ь", "евич"
    elif father.endswith("й") or father.endswith("ь"):
        stem, m = father[:-1], "евич"
    elif father[-1] in _VOWELS:
        return None
    elif father[-1] in "жшчщц":
        stem, m = father, "евич"
    else:
        stem, m = father, "ович"
    return stem + m, stem + m[:-2] + "на"


@dataclass(frozen=True, slots=True)
class _Script:
    """One country's names in one script, by sex (0 male, 1 female): given names (native, latin);
    family names (native, latin, whether a patronymic goes with it: not with "Асан уулу" or
    "Серікұлы", which already are one); and how patronymics are given: none below p_none,
    Russian-style below p_russian, else traditional (thresholds in draws, see _at)."""

    given: tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
    family: tuple[tuple[tuple[str, str, bool], ...], tuple[tuple[str, str, bool], ...]]
    p_none: int
    p_russian: int
    russian: tuple[tuple[str, ...], tuple[str, ...]]
    traditional: tuple[tuple[str, ...], tuple[str, ...]]


def _takes_patronymic(family_name: str) -> bool:
    return not family_name.endswith(("ұлы", "қызы", " уулу", " кызы"))


def _cyrillic_script(
    country: str, table: dict[str, str], p_none: float, p_russian: float, trad: tuple[str, str, str]
) -> _Script:
    male, female, family = (_words(t) for t in _NAMES[country])
    russian = [p for p in map(_russian_patronymic, male) if p]
    fathers = [f for f in male if f[-1] not in _VOWELS]
    sep, son, daughter = trad
    return _Script(
        given=(
            tuple((n, _romanise(n, table)) for n in male),
            tuple((n, _romanise(n, table)) for n in female),
        ),
        family=(
            tuple((n, _romanise(n, table), _takes_patronymic(n)) for n in family),
            tuple((f, _romanise(f, table), _takes_patronymic(f)) for f in map(_female_family, family)),
        ),
        p_none=_at(p_none),
        p_russian=_at(p_russian),
        russian=(tuple(m for m, _ in russian), tuple(f for _, f in russian)),
        traditional=(tuple(f + sep + son for f in fathers), tuple(f + sep + daughter for f in fathers)),
    )


def _uzbek_scripts() -> tuple[_Script, _Script]:
    male, female, family = (_words(t) for t in _NAMES["UZ"])
    family_f = [_female_family(n) for n in family]
    cyr = _uz_cyrillic

    def pairs(names: list[str], native: bool) -> tuple[tuple[str, str], ...]:
        return tuple(((cyr(n) if native else n), n) for n in names)

    def families(names: list[str], native: bool) -> tuple[tuple[str, str, bool], ...]:
        return tuple(((cyr(n) if native else n), n, True) for n in names)

    russian = [p for p in (_russian_patronymic(cyr(f)) for f in male) if p]
    latin = _Script(
        given=(pairs(male, False), pairs(female, False)),
        family=(families(family, False), families(family_f, False)),
        p_none=_at(0.10),
        p_russian=_at(0.10),
        russian=((), ()),
        traditional=(tuple(f + " o'g'li" for f in male), tuple(f + " qizi" for f in male)),
    )
    cyrillic = _Script(
        given=(pairs(male, True), pairs(female, True)),
        family=(families(family, True), families(family_f, True)),
        p_none=_at(0.10),
        p_russian=_at(0.45),
        russian=(tuple(m for m, _ in russian), tuple(f for _, f in russian)),
        traditional=(tuple(cyr(f) + " ўғли" for f in male), tuple(cyr(f) + " қизи" for f in male)),
    )
    return cyrillic, latin


_UZ_CYR, _UZ_LAT = _uzbek_scripts()
_SCRIPTS: dict[str, tuple[_Script, ...]] = {
    "KZ": (_cyrillic_script("KZ", _KZ_LATIN, 0.15, 0.70, ("", "ұлы", "қызы")),),
    "KG": (_cyrillic_script("KG", _KG_LATIN, 0.20, 0.85, (" ", "уулу", "кызы")),),
    "TJ": (_cyrillic_script("TJ", _TJ_LATIN, 0.60, 1.0, ("", "", "")),),
    "RU": (_cyrillic_script("RU", _RU_LATIN, 0.03, 1.0, ("", "", "")),),
    "UZ": (_UZ_CYR, _UZ_LAT),
}

# --------------------------------------------------------------------------------------------------
# Documents, phones, languages
# --------------------------------------------------------------------------------------------------

# Mobile prefixes after the country code (E.164, no spaces).
_PHONES: dict[str, tuple[str, tuple[str, ...], int]] = {
    "KZ": ("+7", ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"), 7),
    "UZ": ("+998", ("90", "91", "93", "94", "95", "97", "98", "99", "33", "88"), 7),
    "KG": (
        "+996",
        ("500", "502", "505", "507", "550", "555", "557", "700", "702", "705", "707", "770", "777"),
        6,
    ),
    "TJ": ("+992", ("90", "91", "92", "93", "98", "99"), 7),
    "RU": ("+7", tuple(str(p) for p in range(900, 1000)), 7),
}

_LANGUAGES: dict[str, list[tuple[tuple[str, ...], float]]] = {
    "KZ": [(("kk", "ru"), 60), (("ru",), 20), (("kk",), 10), (("kk", "ru", "en"), 10)],
    "UZ": [(("uz", "ru"), 45), (("uz",), 45), (("uz", "ru", "en"), 5), (("uz", "tg", "ru"), 5)],
    "KG": [(("ky", "ru"), 60), (("ky",), 25), (("ru",), 10), (("ky", "ru", "en"), 5)],
    "TJ": [(("tg", "ru"), 50), (("tg",), 40), (("tg", "uz"), 5), (("tg", "ru", "en"), 5)],
    "RU": [(("ru",), 85), (("ru", "en"), 15)],
}

# Chance of an identity card rather than a passport, at home and abroad.
_P_ID_CARD = {"KZ": (0.80, 0.15), "UZ": (0.20, 0.20), "KG": (0.30, 0.30), "TJ": (0.0, 0.0), "RU": (0.0, 0.0)}

_ROMAN = ("I", "II", "III", "IV", "V")
_BIRTH_LETTERS_CYR = ("АГ", "МЮ", "ЖТ", "КЛ", "ОН", "РЕ", "СВ", "ТД")
_BIRTH_LETTERS_LAT = ("TN", "SM", "AN", "BX", "FR", "QD")


def _document_number(country: str, kind: str, abroad: bool, g: Callable[[int], int]) -> str:
    """A made-up number in a plausible shape for the country (``g`` is Random.getrandbits); not
    checked against any real numbering scheme (no check digits, no real series)."""
    if kind == "birth_certificate":  # Soviet-style: series of a Roman numeral and two letters
        letters = _BIRTH_LETTERS_LAT if country == "UZ" else _BIRTH_LETTERS_CYR
        return f"{_ROMAN[g(32) % 5]}-{letters[g(32) % len(letters)]} {g(32) % 1000000:06d}"
    if country == "KZ":  # passport N12345678; identity card 9 digits
        return f"{g(32) % 1000000000:09d}" if kind == "id_card" else f"N{g(32) % 100000000:08d}"
    if country == "UZ":  # passports AA/AB/AC/FA + 7 digits; identity card AD + 7 digits
        series = "AD" if kind == "id_card" else ("AA", "AB", "AC", "FA")[g(2)]
        return f"{series}{g(32) % 10000000:07d}"
    if country == "KG":  # passport AC (older AN) + 7 digits; identity card ID + 7 digits
        series = "ID" if kind == "id_card" else ("AC", "AC", "AC", "AN")[g(2)]
        return f"{series}{g(32) % 10000000:07d}"
    if country == "TJ":  # passport: 9 digits starting with 4 or 5
        return f"{4 + g(1)}{g(32) % 100000000:08d}"
    # Russia: internal passport "45 12 345678" (region, year, number); abroad the passport for
    # travel "75 1234567".
    if abroad:
        return f"{70 + g(32) % 6} {g(32) % 10000000:07d}"
    return f"{1 + g(32) % 98:02d} {g(32) % 25:02d} {g(32) % 1000000:06d}"


# --------------------------------------------------------------------------------------------------
# Places and narratives
# --------------------------------------------------------------------------------------------------

# Towns where people are recruited: (Latin, Russian).
_TOWNS: dict[str, tuple[tuple[str, str], ...]] = {
    "KZ": (
        ("Shymkent", "Шымкент"), ("Almaty", "Алматы"), ("Astana", "Астана"), ("Taraz", "Тараз"),
        ("Turkistan", "Туркестан"), ("Kyzylorda", "Кызылорда"), ("Aktobe", "Актобе"), ("Atyrau", "Атырау"),
        ("Aktau", "Актау"), ("Oral", "Уральск"), ("Oskemen", "Усть-Каменогорск"), ("Semey", "Семей"),
        ("Pavlodar", "Павлодар"), ("Karagandy", "Караганда"), ("Kostanay", "Костанай"),
        ("Petropavl", "Петропавловск"), ("Taldykorgan", "Талдыкорган"), ("Zhanaozen", "Жанаозен"),
        ("Kentau", "Кентау"), ("Saryagash", "Сарыагаш"), ("Zhetysai", "Жетысай"),
    ),
    "UZ": (
        ("Toshkent", "Ташкент"), ("Samarqand", "Самарканд"), ("Buxoro", "Бухара"), ("Andijon", "Андижан"),
        ("Namangan", "Наманган"), ("Farg'ona", "Фергана"), ("Qarshi", "Карши"), ("Termiz", "Термез"),
        ("Nukus", "Нукус"), ("Urganch", "Ургенч"), ("Jizzax", "Джизак"), ("Navoiy", "Навои"),
        ("Guliston", "Гулистан"), ("Xiva", "Хива"), ("Qo'qon", "Коканд"), ("Marg'ilon", "Маргилан"),
        ("Shahrisabz", "Шахрисабз"), ("Chirchiq", "Чирчик"),
    ),
    "KG": (
        ("Bishkek", "Бишкек"), ("Osh", "Ош"), ("Jalal-Abad", "Джалал-Абад"), ("Karakol", "Каракол"),
        ("Tokmok", "Токмок"), ("Naryn", "Нарын"), ("Talas", "Талас"), ("Batken", "Баткен"),
        ("Uzgen", "Узген"), ("Kara-Balta", "Кара-Балта"), ("Kara-Suu", "Кара-Суу"), ("Balykchy", "Балыкчы"),
        ("Kyzyl-Kiya", "Кызыл-Кия"), ("Aravan", "Араван"), ("Nookat", "Ноокат"),
    ),
    "TJ": (
        ("Dushanbe", "Душанбе"), ("Khujand", "Худжанд"), ("Kulob", "Куляб"), ("Bokhtar", "Бохтар"),
        ("Istaravshan", "Истаравшан"), ("Panjakent", "Пенджикент"), ("Vahdat", "Вахдат"),
        ("Tursunzoda", "Турсунзаде"), ("Isfara", "Исфара"), ("Khorog", "Хорог"), ("Hisor", "Гиссар"),
        ("Konibodom", "Канибадам"), ("Danghara", "Дангара"), ("Rasht", "Рашт"), ("Norak", "Нурек"),
    ),
    "RU": (
        ("Moscow", "Москва"), ("Saint Petersburg", "Санкт-Петербург"), ("Yekaterinburg", "Екатеринбург"),
        ("Novosibirsk", "Новосибирск"), ("Kazan", "Казань"), ("Samara", "Самара"), ("Omsk", "Омск"),
        ("Chelyabinsk", "Челябинск"), ("Rostov-on-Don", "Ростов-на-Дону"), ("Krasnodar", "Краснодар"),
        ("Orenburg", "Оренбург"), ("Astrakhan", "Астрахань"), ("Volgograd", "Волгоград"),
        ("Saratov", "Саратов"), ("Barnaul", "Барнаул"), ("Ufa", "Уфа"),
    ),
}  # fmt: skip

# Where the promised work was: "in X" / "в X", by destination; a city for cases inside a country.
_ABROAD: dict[str, tuple[tuple[str, str], ...]] = {
    "RU": (("Russia", "России"), ("Moscow", "Москве"), ("Saint Petersburg", "Санкт-Петербурге")),
    "KZ": (("Kazakhstan", "Казахстане"), ("Almaty", "Алматы"), ("Astana", "Астане")),
    "AE": (("the UAE", "ОАЭ"), ("Dubai", "Дубае")),
    "TR": (("Türkiye", "Турции"), ("Istanbul", "Стамбуле"), ("Antalya", "Анталье")),
    "TH": (("Thailand", "Таиланде"), ("Pattaya", "Паттайе"), ("Bangkok", "Бангкоке")),
    "KR": (("the Republic of Korea", "Республике Корея"),),
}
_INTERNAL: dict[str, tuple[tuple[str, str], ...]] = {
    "KZ": (
        ("Almaty", "Алматы"), ("Astana", "Астане"), ("Shymkent", "Шымкенте"), ("Aktau", "Актау"),
        ("Atyrau", "Атырау"),
    ),
    "UZ": (("Tashkent", "Ташкенте"), ("Samarkand", "Самарканде"), ("Bukhara", "Бухаре")),
    "KG": (("Bishkek", "Бишкеке"), ("Osh", "Оше")),
    "TJ": (("Dushanbe", "Душанбе"), ("Khujand", "Худжанде")),
    "RU": (
        ("Moscow", "Москве"), ("Saint Petersburg", "Санкт-Петербурге"), ("Yekaterinburg", "Екатеринбурге"),
    ),
}  # fmt: skip

# How people were recruited (English, Russian); the promise follows: "... with a promise of ...".
_RECRUIT = {
    "social": ("Recruited via social media", "Вербовка через социальные сети"),
    "acquaintance": (
        "Recruited by an acquaintance from the home village",
        "Вербовка через знакомого из родного села",
    ),
    "relative": ("Recruited by a relative", "Вербовка через родственника"),
    "agency": (
        "Recruited through an unlicensed employment agency",
        "Вербовка через нелицензированное кадровое агентство",
    ),
    "advert": ("Answered an online job advertisement", "Отклик на объявление о работе в интернете"),
    "partner": (
        "Recruited by someone posing as a romantic partner",
        "Вербовка человеком, изображавшим романтические отношения",
    ),
    "station": ("Approached by an intermediary at a bus station", "Вербовка посредником на автовокзале"),
    "messenger": (
        "Recruited through a messenger group for migrant workers",
        "Вербовка через группу мигрантов в мессенджере",
    ),
    "family": ("Introduced by relatives", "Сватовство через родственников"),
}

# By form of exploitation: how recruited, what was promised, and what happened (English, Russian).
_STORIES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "labour": (
        ("social", "acquaintance", "relative", "agency", "advert", "station", "messenger"),
        (
            ("a job on a construction site", "работы на стройке"),
            ("work in agriculture", "работы в сельском хозяйстве"),
            ("work in a warehouse", "работы на складе"),
            ("work at a market", "работы на рынке"),
            ("work in a restaurant kitchen", "работы на кухне ресторана"),
            ("work in a factory", "работы на фабрике"),
            ("work at a car wash", "работы на автомойке"),
            ("work in a greenhouse", "работы в теплице"),
        ),
        (
            ("passport taken on arrival.", "по прибытии отобрали паспорт."),
            ("wages withheld while a 'debt' for housing and travel kept growing.",
             "зарплату не выплачивали, а «долг» за жильё и дорогу рос."),
            ("kept in a locked dormitory under threat of deportation.",
             "содержание в запертом общежитии под угрозой депортации."),
            ("made to work 14-hour days without pay.", "работа по 14 часов в день без оплаты."),
            ("the employer took the documents and threatened the family at home.",
             "работодатель забрал документы и угрожал семье на родине."),
        ),
    ),
    "sexual": (
        ("social", "acquaintance", "agency", "advert", "partner"),
        (
            ("work in a café", "работы в кафе"),
            ("work in a restaurant", "работы в ресторане"),
            ("work in a nightclub", "работы в ночном клубе"),
            ("work as a hotel receptionist", "работы администратором в гостинице"),
            ("work as a nanny", "работы няней"),
            ("a contract with a modelling agency", "контракта с модельным агентством"),
            ("work in a beauty salon", "работы в салоне красоты"),
            ("a job in tourism", "работы в сфере туризма"),
        ),
        (
            ("passport taken on arrival and forced into prostitution.",
             "по прибытии отобрали паспорт и принудили к проституции."),
            ("forced to provide sexual services to pay off a 'debt'.",
             "принуждение к оказанию сексуальных услуг в счёт «долга»."),
            ("held in a guarded apartment and forced into prostitution.",
             "содержание в квартире под охраной, принуждение к проституции."),
            ("threatened with exposure to relatives and forced into prostitution.",
             "угрозы рассказать родственникам, принуждение к проституции."),
        ),
    ),
    "domestic_servitude": (
        ("social", "acquaintance", "relative", "agency", "advert"),
        (
            ("work as a nanny", "работы няней"),
            ("housekeeping work", "работы по дому"),
            ("work caring for an elderly person", "работы по уходу за пожилым человеком"),
            ("cleaning work in a private house", "работы по уборке в частном доме"),
        ),
        (
            ("not allowed to leave the house; passport kept by the employer.",
             "не разрешали выходить из дома, паспорт у работодателя."),
            ("unpaid and isolated; phone taken away.", "без оплаты и в изоляции, телефон отобрали."),
            ("made to work around the clock without days off.", "работа круглосуточно без выходных."),
        ),
    ),
    "forced_begging": (
        ("acquaintance", "relative", "station"),
        (
            ("help with medical treatment", "помощи с лечением"),
            ("seasonal work in the city", "сезонной работы в городе"),
            ("housing and food", "жилья и питания"),
        ),
        (
            ("forced to beg on the streets; all money taken.",
             "принуждение к попрошайничеству, все деньги отбирали."),
            ("moved from city to city and forced to beg every day.",
             "перевозили из города в город и заставляли просить милостыню."),
        ),
    ),
    "forced_criminality": (
        ("social", "acquaintance", "advert", "messenger"),
        (
            ("work as a courier", "работы курьером"),
            ("well-paid delivery work", "хорошо оплачиваемой работы по доставке"),
            ("work in a call centre", "работы в колл-центре"),
        ),
        (
            ("forced under threats to carry drugs.", "под угрозами принуждали перевозить наркотики."),
            ("forced to commit thefts to pay off a 'debt'.", "принуждали совершать кражи в счёт «долга»."),
            ("made to open bank accounts and transfer money for others.",
             "заставили открыть банковские счета и переводить деньги третьим лицам."),
        ),
    ),
    "forced_marriage": (
        ("relative", "partner", "family"),
        (
            ("a good marriage", "выгодного брака"),
            ("marriage into a well-off family", "брака с человеком из обеспеченной семьи"),
        ),
        (
            ("married without consent and kept in the husband's family home.",
             "брак без согласия, содержание в доме семьи мужа."),
            ("married without consent; documents taken away.", "брак без согласия, документы отобрали."),
        ),
    ),
    "organ_removal": (
        ("social", "acquaintance", "advert"),
        (
            ("well-paid work", "хорошо оплачиваемой работы"),
            ("a free medical check-up", "бесплатного медицинского обследования"),
        ),
        (
            ("a kidney was removed in a private clinic; the promised payment never came.",
             "в частной клинике удалили почку, обещанную оплату не получили."),
            ("pressured to 'sell' a kidney to pay off a debt.",
             "давление с целью «продать» почку в счёт долга."),
        ),
    ),
    "other": (
        ("social", "acquaintance", "advert", "agency"),
        (("work", "работы"), ("study", "учёбы")),
        (
            ("held in exploitative conditions; circumstances being established.",
             "эксплуатация, обстоятельства устанавливаются."),
        ),
    ),
}  # fmt: skip


def _story_parts(etype: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(beginnings, endings) for English and Russian: "<recruited> with a promise of <promise> in "
    and the rest after "<place>; "."""
    how, promises, endings = _STORIES[etype]
    en = tuple(f"{_RECRUIT[h][0]} with a promise of {p[0]} in " for h in how for p in promises)
    ru = tuple(f"{_RECRUIT[h][1]} с обещанием {p[1]} в " for h in how for p in promises)
    return (en, tuple(e[0] for e in endings)), (ru, tuple(e[1] for e in endings))


# --------------------------------------------------------------------------------------------------
# The prepared tables
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Nation:
    code: str
    scripts: tuple[_Script, ...]
    phone: tuple[str, tuple[str, ...], int]
    languages: tuple[tuple[str, ...], ...]
    languages_cum: tuple[int, ...]
    id_card: tuple[int, int]  # at home, abroad
    towns: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class _Route:
    nation: _Nation
    destination: str
    internal: bool
    transits: tuple[tuple[str, ...], ...]
    transits_cum: tuple[int, ...]
    places: tuple[tuple[str, str], ...]  # "in ..." for the narrative
    retrafficked_towns: tuple[tuple[str, str], ...]  # towns of the destination, if re-recruitment happens


@dataclass(frozen=True, slots=True)
class _Cell:
    route: _Route
    etype: str
    female: int  # below this a draw makes the person female; below _SEX_UNKNOWN_AT, of unknown sex
    second: tuple[str, ...]
    stories: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # by language: English, Russian


def _cumulative(weights: Sequence[float]) -> tuple[int, ...]:
    total = sum(weights)
    cum = [_at(w / total) for w in accumulate(weights)]
    cum[-1] = _ONE
    return tuple(cum)


def _build() -> tuple[tuple[_Cell, ...], tuple[int, ...]]:
    nations = {}
    for code in NATIONALITY_WEIGHTS:
        langs = _LANGUAGES[code]
        nations[code] = _Nation(
            code=code,
            scripts=_SCRIPTS[code],
            phone=_PHONES[code],
            languages=tuple(lang for lang, _ in langs),
            languages_cum=_cumulative([w for _, w in langs]),
            id_card=(_at(_P_ID_CARD[code][0]), _at(_P_ID_CARD[code][1])),
            towns=_TOWNS[code],
        )
    routes, row_weights, prior = [], [], []
    nationality_total = sum(NATIONALITY_WEIGHTS.values())
    for citizenship, destination, weight, profile, transits in _ROUTES:
        internal = citizenship == destination
        share = sum(w for c, _, w, _, _ in _ROUTES if c == citizenship)
        routes.append(
            _Route(
                nation=nations[citizenship],
                destination=destination,
                internal=internal,
                transits=tuple(t for t, _ in transits),
                transits_cum=_cumulative([w for _, w in transits]),
                places=_INTERNAL[citizenship] if internal else _ABROAD[destination],
                retrafficked_towns=_TOWNS[destination]
                if destination in ("RU", "KZ") and citizenship in ("UZ", "KG", "TJ")
                else (),
            )
        )
        row_weights.append(NATIONALITY_WEIGHTS[citizenship] / nationality_total * weight / share)
        prior.append([float(_PROFILE[profile].get(t, 0.0)) for t in _TYPES])
    type_total = sum(EXPLOITATION_WEIGHTS.values())
    fitted = _fit(prior, row_weights, [EXPLOITATION_WEIGHTS[t] / type_total for t in _TYPES])
    stories = {t: _story_parts(t) for t in _TYPES}
    cells, weights = [], []
    for route, row in zip(routes, fitted, strict=True):
        for etype, w in zip(_TYPES, row, strict=True):
            if w > 0:
                female = _at(_SEX_UNKNOWN + (1 - _SEX_UNKNOWN) * _P_FEMALE[etype])
                cells.append(_Cell(route, etype, female, _SECOND[etype], stories[etype]))
                weights.append(w)
    return tuple(cells), _cumulative(weights)


_CELLS, _CELLS_CUM = _build()


def _age_cumulative() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Ages 14-55: _P_CHILD under 18, adults mostly in their twenties and early thirties."""
    ages = tuple(range(MIN_AGE, MAX_AGE + 1))
    adult = {a: 1.0 if a <= 32 else 1.0 - 0.75 * (a - 32) / (MAX_AGE - 32) for a in range(18, MAX_AGE + 1)}
    adult_total = sum(adult.values())
    weights = [_P_CHILD / 4 if a < 18 else (1 - _P_CHILD) * adult[a] / adult_total for a in ages]
    return ages, _cumulative(weights)


_AGES, _AGES_CUM = _age_cumulative()
# Days back from the report date to a birthday that makes the person exactly `age` years old
# that day, plus 0..360 more days: int(age * 365.2425) + 2 is past the age-th birthday and
# + 362 still before the next one, whatever the leap years.
_AGE_DAYS = {a: int(a * 365.2425) + 2 for a in _AGES}
_MAX_AGE_DAYS = _AGE_DAYS[MAX_AGE] + 361


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


def _draft(cls: type) -> type:
    """A mutable twin of a frozen slotted dataclass: same slots in the same order, so that an
    instance can be filled in with plain attribute stores and then given the frozen class
    (``obj.__class__ = cls``, which CPython allows between classes of the same layout). The
    frozen __init__ sets each field through object.__setattr__, which made up a quarter of
    the time per case; the result is the same object, equal to and as immutable as one built
    the usual way."""
    return make_dataclass(f"_{cls.__name__}Draft", [f.name for f in fields(cls)], slots=True)


_PersonDraft, _CaseDraft = _draft(SyntheticPerson), _draft(SyntheticCase)


def generate_cases(count: int, *, seed: int = 0, today: date | None = None) -> Iterator[SyntheticCase]:
    """``count`` synthetic cases, reported between 2019-01-01 and ``today`` (default: the current
    date). The same arguments always give the same cases."""
    if count < 0:
        raise ValueError("count must not be negative")
    today = today or date.today()
    if today < FIRST_REPORT:
        raise ValueError(f"today must not be before {FIRST_REPORT.isoformat()}")
    return _generate(count, random.Random(seed), today)


def _generate(count: int, rng: random.Random, today: date) -> Iterator[SyntheticCase]:
    g = rng.getrandbits
    first, last = FIRST_REPORT.toordinal(), today.toordinal()
    span = last - first + 1
    base = first - _MAX_AGE_DAYS
    dates = [date.fromordinal(o) for o in range(base, last + 1)] if count else []
    cells, cells_cum = _CELLS, _CELLS_CUM
    ages, ages_cum, age_days = _AGES, _AGES_CUM, _AGE_DAYS
    number = _document_number
    second_at, unknown_at, age_unknown_at = _at(_P_SECOND), _at(_SEX_UNKNOWN), _at(_P_AGE_UNKNOWN)
    retrafficked_at, found_home_at = _at(_RETRAFFICKED), _at(_P_FOUND_HOME)
    found_away_at = _at(_P_FOUND_HOME + _P_FOUND_TRANSIT)
    no_document_at, birth_certificate_at = _at(_P_NO_DOCUMENT), _at(0.6)
    no_phone_at, no_place_at, russian_at = _at(_P_NO_PHONE), _at(_P_NO_PLACE), _at(_P_RUSSIAN_NARRATIVE)
    for _ in range(count):
        cell = cells[bisect_right(cells_cum, g(32))]
        route = cell.route
        nation = route.nation
        citizenship = nation.code
        etype = cell.etype

        # forms of exploitation, the main one first
        second = cell.second
        if second and g(32) < second_at:
            types: tuple[str, ...] = (etype, second[g(32) % len(second)])
        else:
            types = (etype,)

        # sex and name
        u = g(32)
        if u < unknown_at:
            sex, si = "unknown", g(1)
        elif u < cell.female:
            sex, si = "female", 1
        else:
            sex, si = "male", 0
        scripts = nation.scripts
        script = scripts[g(32) % len(scripts)] if len(scripts) > 1 else scripts[0]
        given_names = script.given[si]
        given, given_latin = given_names[g(32) % len(given_names)]
        family_names = script.family[si]
        family, family_latin, takes_patronymic = family_names[g(32) % len(family_names)]
        u = g(32)
        if u < script.p_none or not takes_patronymic:
            patronymic = None
        else:
            options = script.russian[si] if u < script.p_russian else script.traditional[si]
            patronymic = options[g(32) % len(options)]

        # dates: reported on a day up to today, aged `age` that day
        reported_ord = first + g(32) % span
        age = ages[bisect_right(ages_cum, g(32))]
        if g(32) < age_unknown_at:
            birth_date, estimated_age = None, age
        else:
            birth_date = dates[reported_ord - age_days[age] - g(32) % 361 - base]
            estimated_age = None

        # route
        transits = route.transits
        transit = transits[bisect_right(route.transits_cum, g(32))] if len(transits) > 1 else transits[0]
        destination = route.destination
        towns = nation.towns
        recruitment_country = citizenship
        if route.retrafficked_towns and g(32) < retrafficked_at:
            recruitment_country, transit, towns = destination, (), route.retrafficked_towns
        internal = route.internal
        u = g(32)
        if internal or u >= found_away_at:
            found_in = destination
        elif u < found_home_at:
            found_in = citizenship
        else:
            found_in = transit[-1] if transit else destination

        # documents and contacts
        if g(32) < no_document_at:
            document_type = document_number = None
        else:
            if age < 16 and g(32) < birth_certificate_at:
                document_type = "birth_certificate"
            elif g(32) < nation.id_card[not internal]:
                document_type = "id_card"
            else:
                document_type = "passport"
            document_number = number(citizenship, document_type, not internal, g)
        languages = nation.languages[bisect_right(nation.languages_cum, g(32))]
        if g(32) < no_phone_at:
            phone = None
        else:
            code, prefixes, digits = nation.phone
            phone = f"{code}{prefixes[g(32) % len(prefixes)]}{g(32) % 10**digits:0{digits}d}"

        # narrative, and the place of recruitment in the same language
        lang = 1 if g(32) < russian_at else 0
        beginnings, endings = cell.stories[lang]
        places = route.places
        narrative = (
            beginnings[g(32) % len(beginnings)]
            + places[g(32) % len(places)][lang]
            + "; "
            + endings[g(32) % len(endings)]
        )
        recruitment_place = None if g(32) < no_place_at else towns[g(32) % len(towns)][lang]

        person = _PersonDraft(
            family_name=family,
            given_name=given,
            patronymic=patronymic,
            family_name_latin=family_latin,
            given_name_latin=given_latin,
            sex=sex,
            birth_date=birth_date,
            estimated_age=estimated_age,
            citizenship=citizenship,
            document_type=document_type,
            document_number=document_number,
            languages=languages,
            phone=phone,
        )
        person.__class__ = SyntheticPerson
        case = _CaseDraft(
            person=person,
            exploitation_types=types,
            recruitment_country=recruitment_country,
            transit_countries=transit,
            destination_country=destination,
            found_in_country=found_in,
            reported_on=dates[reported_ord - base],
            recruitment_place=recruitment_place,
            narrative=narrative,
        )
        case.__class__ = SyntheticCase
        yield case
