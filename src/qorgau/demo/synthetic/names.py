"""Names of synthetic people: common given names and family names of each country, their
romanisation as passport offices do it, patronymics; one script or two per country."""

from __future__ import annotations

from dataclasses import dataclass

from qorgau.demo.synthetic.routes import _at

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
