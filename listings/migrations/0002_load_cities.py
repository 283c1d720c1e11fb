"""The cities of Kazakhstan: the three cities of republican significance, the centre of every
one of the 17 regions, and the other cities of over 50,000 people (approximate 2024 figures)."""

from django.db import migrations

REGIONS = {
    "republic": ("город республиканского значения", "республикалық маңызы бар қала",
                 "city of republican significance"),
    "abai": ("Абайская область", "Абай облысы", "Abai Region"),
    "akmola": ("Акмолинская область", "Ақмола облысы", "Akmola Region"),
    "aktobe": ("Актюбинская область", "Ақтөбе облысы", "Aktobe Region"),
    "almaty": ("Алматинская область", "Алматы облысы", "Almaty Region"),
    "atyrau": ("Атырауская область", "Атырау облысы", "Atyrau Region"),
    "east": ("Восточно-Казахстанская область", "Шығыс Қазақстан облысы",
             "East Kazakhstan Region"),
    "jambyl": ("Жамбылская область", "Жамбыл облысы", "Jambyl Region"),
    "jetisu": ("область Жетісу", "Жетісу облысы", "Jetisu Region"),
    "karaganda": ("Карагандинская область", "Қарағанды облысы", "Karaganda Region"),
    "kostanay": ("Костанайская область", "Қостанай облысы", "Kostanay Region"),
    "kyzylorda": ("Кызылординская область", "Қызылорда облысы", "Kyzylorda Region"),
    "mangystau": ("Мангистауская область", "Маңғыстау облысы", "Mangystau Region"),
    "north": ("Северо-Казахстанская область", "Солтүстік Қазақстан облысы",
              "North Kazakhstan Region"),
    "pavlodar": ("Павлодарская область", "Павлодар облысы", "Pavlodar Region"),
    "turkistan": ("Туркестанская область", "Түркістан облысы", "Turkistan Region"),
    "ulytau": ("область Ұлытау", "Ұлытау облысы", "Ulytau Region"),
    "west": ("Западно-Казахстанская область", "Батыс Қазақстан облысы",
             "West Kazakhstan Region"),
}

# slug, Russian, Kazakh, English, region, population, regional centre
CITIES = [
    ("almaty", "Алматы", "Алматы", "Almaty", "republic", 2_250_000, True),
    ("astana", "Астана", "Астана", "Astana", "republic", 1_430_000, True),
    ("shymkent", "Шымкент", "Шымкент", "Shymkent", "republic", 1_220_000, True),
    ("aktobe", "Актобе", "Ақтөбе", "Aktobe", "aktobe", 580_000, True),
    ("karaganda", "Караганда", "Қарағанды", "Karaganda", "karaganda", 500_000, True),
    ("taraz", "Тараз", "Тараз", "Taraz", "jambyl", 380_000, True),
    ("oskemen", "Усть-Каменогорск", "Өскемен", "Oskemen", "east", 370_000, True),
    ("pavlodar", "Павлодар", "Павлодар", "Pavlodar", "pavlodar", 370_000, True),
    ("semey", "Семей", "Семей", "Semey", "abai", 350_000, True),
    ("oral", "Уральск", "Орал", "Oral", "west", 330_000, True),
    ("kyzylorda", "Кызылорда", "Қызылорда", "Kyzylorda", "kyzylorda", 320_000, True),
    ("atyrau", "Атырау", "Атырау", "Atyrau", "atyrau", 300_000, True),
    ("aktau", "Актау", "Ақтау", "Aktau", "mangystau", 270_000, True),
    ("kostanay", "Костанай", "Қостанай", "Kostanay", "kostanay", 260_000, True),
    ("petropavl", "Петропавловск", "Петропавл", "Petropavl", "north", 220_000, True),
    ("turkistan", "Туркестан", "Түркістан", "Turkistan", "turkistan", 200_000, True),
    ("taldykorgan", "Талдыкорган", "Талдықорған", "Taldykorgan", "jetisu", 185_000, True),
    ("temirtau", "Темиртау", "Теміртау", "Temirtau", "karaganda", 185_000, False),
    ("kokshetau", "Кокшетау", "Көкшетау", "Kokshetau", "akmola", 160_000, True),
    ("zhanaozen", "Жанаозен", "Жаңаөзен", "Zhanaozen", "mangystau", 160_000, False),
    ("ekibastuz", "Экибастуз", "Екібастұз", "Ekibastuz", "pavlodar", 155_000, False),
    ("rudny", "Рудный", "Рудный", "Rudny", "kostanay", 115_000, False),
    ("konayev", "Конаев", "Қонаев", "Konayev", "almaty", 100_000, True),
    ("zhezkazgan", "Жезказган", "Жезқазған", "Zhezkazgan", "ulytau", 90_000, True),
    ("kaskelen", "Каскелен", "Қаскелең", "Kaskelen", "almaty", 90_000, False),
    ("balkhash", "Балхаш", "Балқаш", "Balkhash", "karaganda", 70_000, False),
    ("kentau", "Кентау", "Кентау", "Kentau", "turkistan", 70_000, False),
    ("aksu", "Аксу", "Ақсу", "Aksu", "pavlodar", 70_000, False),
    ("satpayev", "Сатпаев", "Сәтбаев", "Satpayev", "ulytau", 65_000, False),
    ("stepnogorsk", "Степногорск", "Степногорск", "Stepnogorsk", "akmola", 65_000, False),
    ("kulsary", "Кульсары", "Құлсары", "Kulsary", "atyrau", 60_000, False),
    ("ridder", "Риддер", "Риддер", "Ridder", "east", 55_000, False),
    ("talgar", "Талгар", "Талғар", "Talgar", "almaty", 55_000, False),
    ("kosshy", "Косшы", "Қосшы", "Kosshy", "akmola", 55_000, False),
    ("shakhtinsk", "Шахтинск", "Шахтинск", "Shakhtinsk", "karaganda", 55_000, False),
    ("saryagash", "Сарыагаш", "Сарыағаш", "Saryagash", "turkistan", 50_000, False),
]


def load_cities(apps, schema_editor):
    City = apps.get_model("listings", "City")
    for slug, ru, kk, en, region, population, centre in CITIES:
        region_ru, region_kk, region_en = REGIONS[region]
        City.objects.update_or_create(
            slug=slug,
            defaults=dict(
                name_ru=ru, name_kk=kk, name_en=en,
                region_ru=region_ru, region_kk=region_kk, region_en=region_en,
                population=population, is_regional_centre=centre,
            ),
        )


def unload_cities(apps, schema_editor):
    apps.get_model("listings", "City").objects.filter(slug__in=[c[0] for c in CITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("listings", "0001_initial")]
    operations = [migrations.RunPython(load_cities, unload_cities)]
