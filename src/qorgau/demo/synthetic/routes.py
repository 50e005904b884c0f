"""The target mix of synthetic cases: nationalities, routes and forms of exploitation, and the
places and narratives that go with them; and the integer draws every table is built on."""

from __future__ import annotations

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
