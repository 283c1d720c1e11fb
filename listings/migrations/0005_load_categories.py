"""The catalogue: OLX-style roots and their leaves, in Russian, Kazakh and English."""

from django.db import migrations

CATEGORIES = [
    {
        "slug": "transport",
        "ru": "Транспорт",
        "kk": "Көлік",
        "en": "Transport",
        "icon": "car",
        "children": [
            {"slug": "cars", "ru": "Легковые автомобили", "kk": "Жеңіл көліктер", "en": "Cars"},
            {"slug": "motorcycles", "ru": "Мотоциклы и мототехника", "kk": "Мотоциклдер мен мототехника", "en": "Motorcycles and scooters"},
            {"slug": "trucks-special", "ru": "Грузовики и спецтехника", "kk": "Жүк көліктері мен арнайы техника", "en": "Trucks and special vehicles"},
            {"slug": "water-transport", "ru": "Водный транспорт", "kk": "Су көлігі", "en": "Water transport"},
            {"slug": "spare-parts", "ru": "Запчасти и аксессуары", "kk": "Қосалқы бөлшектер мен аксессуарлар", "en": "Spare parts and accessories"},
            {"slug": "tyres-wheels", "ru": "Шины и диски", "kk": "Шиналар мен дискілер", "en": "Tyres and wheels"},
        ],
    },
    {
        "slug": "real-estate",
        "ru": "Недвижимость",
        "kk": "Жылжымайтын мүлік",
        "en": "Real estate",
        "icon": "home",
        "children": [
            {"slug": "apartments-sale", "ru": "Продажа квартир", "kk": "Пәтерлерді сату", "en": "Apartments for sale"},
            {"slug": "apartments-rent", "ru": "Аренда квартир", "kk": "Пәтерлерді жалға беру", "en": "Apartments for rent"},
            {"slug": "rooms-rent", "ru": "Аренда комнат", "kk": "Бөлмелерді жалға беру", "en": "Rooms for rent"},
            {"slug": "houses-sale", "ru": "Дома и дачи", "kk": "Үйлер мен саяжайлар", "en": "Houses and dachas"},
            {"slug": "land", "ru": "Земельные участки", "kk": "Жер учаскелері", "en": "Land plots"},
            {"slug": "commercial", "ru": "Коммерческая недвижимость", "kk": "Коммерциялық жылжымайтын мүлік", "en": "Commercial property"},
            {"slug": "garages", "ru": "Гаражи и парковки", "kk": "Гараждар мен тұрақтар", "en": "Garages and parking"},
        ],
    },
    {
        "slug": "electronics",
        "ru": "Электроника",
        "kk": "Электроника",
        "en": "Electronics",
        "icon": "phone",
        "children": [
            {"slug": "phones", "ru": "Мобильные телефоны и смартфоны", "kk": "Ұялы телефондар мен смартфондар", "en": "Mobile phones and smartphones"},
            {"slug": "computers", "ru": "Компьютеры и ноутбуки", "kk": "Компьютерлер мен ноутбуктер", "en": "Computers and laptops"},
            {"slug": "tablets", "ru": "Планшеты и электронные книги", "kk": "Планшеттер мен электрондық кітаптар", "en": "Tablets and e-readers"},
            {"slug": "tv-audio-video", "ru": "ТВ, аудио и видео", "kk": "ТВ, аудио және бейне", "en": "TV, audio and video"},
            {"slug": "photo-video", "ru": "Фото- и видеокамеры", "kk": "Фото- және бейнекамералар", "en": "Photo and video cameras"},
            {"slug": "games-consoles", "ru": "Игры и игровые приставки", "kk": "Ойындар мен ойын приставкалары", "en": "Games and consoles"},
            {"slug": "electronics-accessories", "ru": "Аксессуары и комплектующие", "kk": "Аксессуарлар мен құрамдас бөліктер", "en": "Accessories and components"},
        ],
    },
    {
        "slug": "home-garden",
        "ru": "Дом и сад",
        "kk": "Үй және бақ",
        "en": "Home and garden",
        "icon": "sofa",
        "children": [
            {"slug": "furniture", "ru": "Мебель", "kk": "Жиһаз", "en": "Furniture"},
            {"slug": "appliances", "ru": "Бытовая техника", "kk": "Тұрмыстық техника", "en": "Household appliances"},
            {"slug": "interior", "ru": "Предметы интерьера", "kk": "Интерьер заттары", "en": "Interior decor"},
            {"slug": "kitchenware", "ru": "Посуда и товары для кухни", "kk": "Ыдыс-аяқ және ас үй тауарлары", "en": "Kitchenware"},
            {"slug": "repair-construction", "ru": "Ремонт и строительство", "kk": "Жөндеу және құрылыс", "en": "Repair and construction"},
            {"slug": "tools", "ru": "Инструменты", "kk": "Құрал-саймандар", "en": "Tools"},
            {"slug": "garden", "ru": "Сад и огород", "kk": "Бақ және бақша", "en": "Garden"},
        ],
    },
    {
        "slug": "fashion",
        "ru": "Мода и стиль",
        "kk": "Сән және стиль",
        "en": "Fashion and style",
        "icon": "shirt",
        "children": [
            {"slug": "womens-clothing", "ru": "Женская одежда", "kk": "Әйелдер киімі", "en": "Women's clothing"},
            {"slug": "mens-clothing", "ru": "Мужская одежда", "kk": "Ерлер киімі", "en": "Men's clothing"},
            {"slug": "shoes", "ru": "Обувь", "kk": "Аяқ киім", "en": "Shoes"},
            {"slug": "watches-jewelry", "ru": "Часы и украшения", "kk": "Сағаттар мен әшекейлер", "en": "Watches and jewellery"},
            {"slug": "bags-accessories", "ru": "Сумки и аксессуары", "kk": "Сөмкелер мен аксессуарлар", "en": "Bags and accessories"},
            {"slug": "beauty-health", "ru": "Красота и здоровье", "kk": "Сұлулық және денсаулық", "en": "Beauty and health"},
        ],
    },
    {
        "slug": "kids",
        "ru": "Детский мир",
        "kk": "Балалар әлемі",
        "en": "Kids",
        "icon": "baby",
        "children": [
            {"slug": "kids-clothing", "ru": "Детская одежда", "kk": "Балалар киімі", "en": "Children's clothing"},
            {"slug": "kids-shoes", "ru": "Детская обувь", "kk": "Балалар аяқ киімі", "en": "Children's shoes"},
            {"slug": "strollers", "ru": "Детские коляски", "kk": "Балалар арбалары", "en": "Strollers"},
            {"slug": "car-seats", "ru": "Автокресла", "kk": "Балалар автокреслолары", "en": "Car seats"},
            {"slug": "kids-furniture", "ru": "Детская мебель", "kk": "Балалар жиһазы", "en": "Children's furniture"},
            {"slug": "toys", "ru": "Игрушки", "kk": "Ойыншықтар", "en": "Toys"},
            {"slug": "school-supplies", "ru": "Товары для школьников", "kk": "Оқушыларға арналған тауарлар", "en": "School supplies"},
        ],
    },
    {
        "slug": "jobs",
        "ru": "Работа",
        "kk": "Жұмыс",
        "en": "Jobs",
        "icon": "briefcase",
        "children": [
            {"slug": "vacancies", "ru": "Вакансии", "kk": "Бос жұмыс орындары", "en": "Vacancies"},
            {"slug": "part-time", "ru": "Подработка", "kk": "Қосымша жұмыс", "en": "Part-time work"},
            {"slug": "remote-work", "ru": "Удалённая работа", "kk": "Қашықтан жұмыс", "en": "Remote work"},
            {"slug": "resumes", "ru": "Резюме", "kk": "Түйіндеме", "en": "Resumes"},
        ],
    },
    {
        "slug": "services",
        "ru": "Услуги",
        "kk": "Қызметтер",
        "en": "Services",
        "icon": "wrench",
        "children": [
            {"slug": "construction-services", "ru": "Строительство и ремонт", "kk": "Құрылыс және жөндеу", "en": "Construction and renovation"},
            {"slug": "appliance-repair", "ru": "Ремонт техники", "kk": "Техника жөндеу", "en": "Appliance and electronics repair"},
            {"slug": "cleaning", "ru": "Уборка", "kk": "Тазалау қызметтері", "en": "Cleaning"},
            {"slug": "moving-services", "ru": "Грузоперевозки и грузчики", "kk": "Жүк тасымалы және жүкшілер", "en": "Moving and freight"},
            {"slug": "beauty-services", "ru": "Услуги красоты", "kk": "Сұлулық қызметтері", "en": "Beauty services"},
            {"slug": "tutoring", "ru": "Обучение и репетиторство", "kk": "Оқыту және репетиторлық", "en": "Tutoring and courses"},
            {"slug": "auto-services", "ru": "Автоуслуги", "kk": "Автоқызметтер", "en": "Car services"},
            {"slug": "events", "ru": "Организация праздников", "kk": "Мерекелерді ұйымдастыру", "en": "Event planning"},
        ],
    },
    {
        "slug": "animals",
        "ru": "Животные",
        "kk": "Жануарлар",
        "en": "Animals",
        "icon": "paw",
        "children": [
            {"slug": "dogs", "ru": "Собаки", "kk": "Иттер", "en": "Dogs"},
            {"slug": "cats", "ru": "Кошки", "kk": "Мысықтар", "en": "Cats"},
            {"slug": "birds", "ru": "Птицы", "kk": "Құстар", "en": "Birds"},
            {"slug": "aquarium", "ru": "Аквариумистика", "kk": "Аквариум және балықтар", "en": "Aquarium"},
            {"slug": "farm-animals", "ru": "Сельскохозяйственные животные", "kk": "Ауыл шаруашылығы жануарлары", "en": "Farm animals"},
            {"slug": "pet-supplies", "ru": "Зоотовары", "kk": "Зоотауарлар", "en": "Pet supplies"},
            {"slug": "other-animals", "ru": "Другие животные", "kk": "Басқа жануарлар", "en": "Other animals"},
        ],
    },
    {
        "slug": "hobbies",
        "ru": "Хобби, отдых и спорт",
        "kk": "Хобби, демалыс және спорт",
        "en": "Hobbies, leisure and sport",
        "icon": "ball",
        "children": [
            {"slug": "bicycles", "ru": "Велосипеды", "kk": "Велосипедтер", "en": "Bicycles"},
            {"slug": "sport-equipment", "ru": "Спортивный инвентарь", "kk": "Спорт құралдары", "en": "Sports equipment"},
            {"slug": "tourism", "ru": "Туристическое снаряжение", "kk": "Туристік жабдықтар", "en": "Camping and tourism gear"},
            {"slug": "fishing-hunting", "ru": "Рыбалка и охота", "kk": "Балық аулау және аңшылық", "en": "Fishing and hunting"},
            {"slug": "musical-instruments", "ru": "Музыкальные инструменты", "kk": "Музыкалық аспаптар", "en": "Musical instruments"},
            {"slug": "books", "ru": "Книги и журналы", "kk": "Кітаптар мен журналдар", "en": "Books and magazines"},
            {"slug": "collectibles", "ru": "Коллекционирование", "kk": "Коллекция жинау", "en": "Collectibles"},
        ],
    },
    {
        "slug": "business-equipment",
        "ru": "Оборудование для бизнеса",
        "kk": "Бизнеске арналған жабдықтар",
        "en": "Business equipment",
        "icon": "factory",
        "children": [
            {"slug": "retail-equipment", "ru": "Торговое оборудование", "kk": "Сауда жабдықтары", "en": "Retail equipment"},
            {"slug": "restaurant-equipment", "ru": "Оборудование для кафе и ресторанов", "kk": "Кафе мен мейрамханаларға арналған жабдықтар", "en": "Restaurant and cafe equipment"},
            {"slug": "industrial-equipment", "ru": "Промышленное оборудование", "kk": "Өнеркәсіптік жабдықтар", "en": "Industrial equipment"},
            {"slug": "beauty-salon-equipment", "ru": "Оборудование для салонов красоты", "kk": "Сұлулық салондарына арналған жабдықтар", "en": "Beauty salon equipment"},
            {"slug": "office-equipment", "ru": "Офисная мебель и техника", "kk": "Кеңсе жиһазы мен техникасы", "en": "Office furniture and equipment"},
            {"slug": "agri-equipment", "ru": "Сельхозоборудование", "kk": "Ауыл шаруашылығы жабдықтары", "en": "Agricultural equipment"},
            {"slug": "ready-business", "ru": "Готовый бизнес", "kk": "Дайын бизнес", "en": "Ready-made business"},
        ],
    },
]


def load_categories(apps, schema_editor):
    Category = apps.get_model("listings", "Category")
    for root_position, root in enumerate(CATEGORIES):
        parent, _ = Category.objects.update_or_create(
            slug=root["slug"],
            defaults=dict(
                parent=None,
                position=root_position,
                name_ru=root["ru"],
                name_kk=root["kk"],
                name_en=root["en"],
                icon=root.get("icon", ""),
            ),
        )
        for position, leaf in enumerate(root["children"]):
            Category.objects.update_or_create(
                slug=leaf["slug"],
                defaults=dict(
                    parent=parent,
                    position=position,
                    name_ru=leaf["ru"],
                    name_kk=leaf["kk"],
                    name_en=leaf["en"],
                ),
            )


def unload_categories(apps, schema_editor):
    Category = apps.get_model("listings", "Category")
    Category.objects.exclude(parent=None).delete()
    Category.objects.filter(parent=None).delete()


class Migration(migrations.Migration):
    dependencies = [("listings", "0004_search")]
    operations = [migrations.RunPython(load_categories, unload_categories)]
