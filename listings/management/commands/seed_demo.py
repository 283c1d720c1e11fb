"""Demo data: `seed_demo` gives a newcomer's first `make run` a lively site (idempotent);
`seed_demo --listings 1000000` bulk-loads ads for benchmarks through COPY, in minutes.

No demo account has a known password and none is a moderator. In development (DEBUG on) the
first demo seller gets a new random password on every run, printed on the console; elsewhere
(a staging box that asked for demo data) every demo account has an unusable password."""

import io
import random
import secrets
import sys
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from accounts.services import user_register
from listings import services
from listings.demo_data import DEMO_ADS
from listings.models import Category, City, Listing

DEMO_USERS = [
    ("aigerim@demo.zattar.kz", "+77011234501", "Айгерим", "almaty"),
    ("daniyar@demo.zattar.kz", "+77021234502", "Данияр", "astana"),
    ("olga@demo.zattar.kz", "+77051234503", "Ольга", "karaganda"),
    ("nurlan@demo.zattar.kz", "+77071234504", "Нұрлан", "shymkent"),
    ("asel@demo.zattar.kz", "+77471234505", "Асель", "almaty"),
    ("timur@demo.zattar.kz", "+77761234506", "Тимур", "pavlodar"),
    ("madina@demo.zattar.kz", "+77011234507", "Мадина", "aktobe"),
    ("sergey@demo.zattar.kz", "+77021234508", "Сергей", "oskemen"),
    ("zhanna@demo.zattar.kz", "+77051234509", "Жанна", "atyrau"),
    ("erlan@demo.zattar.kz", "+77071234510", "Ерлан", "taraz"),
    ("aliya@demo.zattar.kz", "+77471234511", "Әлия", "kostanay"),
    ("viktor@demo.zattar.kz", "+77761234512", "Виктор", "semey"),
    ("dana@demo.zattar.kz", "+77011234513", "Дана", "astana"),
    ("bauyrzhan@demo.zattar.kz", "+77021234514", "Бауыржан", "kyzylorda"),
    ("irina@demo.zattar.kz", "+77051234515", "Ирина", "petropavl"),
    ("arman@demo.zattar.kz", "+77071234516", "Арман", "aktau"),
    ("gulnara@demo.zattar.kz", "+77471234517", "Гүлнара", "turkistan"),
    ("maksim@demo.zattar.kz", "+77761234518", "Максим", "oral"),
    ("saule@demo.zattar.kz", "+77011234519", "Сәуле", "taldykorgan"),
    ("ruslan@demo.zattar.kz", "+77021234520", "Руслан", "kokshetau"),
    ("aruzhan@demo.zattar.kz", "+77051234521", "Аружан", "almaty"),
    ("dmitry@demo.zattar.kz", "+77071234522", "Дмитрий", "karaganda"),
    ("ainur@demo.zattar.kz", "+77471234523", "Айнұр", "shymkent"),
    ("kanat@demo.zattar.kz", "+77761234524", "Қанат", "astana"),
]
PALETTE = [
    (139, 94, 60),
    (110, 74, 47),
    (162, 117, 82),
    (78, 55, 39),
    (201, 139, 79),
    (95, 125, 90),
]


def demo_photo(seed: int) -> SimpleUploadedFile:
    """A calm abstract picture, different for every seed, as a PNG upload."""
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), rng.choice(PALETTE))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = rng.randint(0, 800), rng.randint(0, 600), rng.randint(60, 260)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(PALETTE))
    draw.rounded_rectangle((250, 170, 550, 430), radius=28, fill=(250, 246, 241))
    draw.ellipse((340, 230, 460, 350), outline=rng.choice(PALETTE), width=14)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"demo{seed}.png", buffer.getvalue(), content_type="image/png")


class Command(BaseCommand):
    help = "Load demo users and ads (safe to run again), or bulk-load N ads for benchmarks."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--listings", type=int, default=0, help="Bulk-load this many ads.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo users and ads although DEBUG is off (a staging box).",
        )

    def handle(self, *args, listings: int, seed: int, allow_production: bool, **options) -> None:
        if listings:
            self.bulk_load(listings, random.Random(seed))
            return
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Demo data is for development (DEBUG on); on a staging box pass "
                "--allow-production (or set DEMO_DATA=true for the start)."
            )
        self.demo(random.Random(seed))
        if settings.DEBUG:
            self.demo_sign_in()

    # --- The demo a newcomer sees ----------------------------------------------------------------

    @transaction.atomic
    def demo(self, rng: random.Random) -> None:
        cities = {city.slug: city for city in City.objects.all()}
        users = []
        for email, phone, name, city in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_register(email=email, phone=phone, password=None, name=name)
                user.city = cities.get(city)
                user.save(update_fields=["city"])
            if not user.phone_verified:  # demo users are verified (as if by SMS)
                user.phone_verified_at = timezone.now()
                user.save(update_fields=["phone_verified_at"])
            users.append(user)
        if Listing.objects.filter(seller__in=users).exists():
            self.stdout.write("Demo data is already loaded.")
            return
        leaves = {c.slug: c for c in Category.objects.exclude(parent=None)}
        now, created, photo_seed = timezone.now(), 0, 0
        for slug, ads in DEMO_ADS.items():
            for ad in ads:
                seller = rng.choice(users)
                photos = []
                for _ in range(rng.choice([1, 1, 2, 3]) if rng.random() < 0.85 else 0):
                    photo_seed += 1
                    photos.append(services.photo_process(demo_photo(photo_seed)))
                listing = services.listing_create(
                    seller=seller,
                    title=ad["title"],
                    description=ad["description"],
                    price=ad["price"],
                    negotiable=ad.get("negotiable", False),
                    condition=ad["condition"],
                    city=seller.city or cities["almaty"],
                    category=leaves[slug],
                    photos=photos,
                )
                Listing.objects.filter(pk=listing.pk).update(
                    published_at=now - timedelta(minutes=rng.randint(5, 60 * 24 * 20)),
                    view_count=rng.randint(0, 400),
                )
                created += 1
        self.stdout.write(f"Demo data: {len(users)} users and {created} ads.")

    def demo_sign_in(self) -> None:
        """A fresh random password for the first demo seller, shown once (development only)."""
        password = secrets.token_urlsafe(12)
        user = User.objects.get(email=DEMO_USERS[0][0])
        user.set_password(password)
        user.save(update_fields=["password"])
        self.stdout.write(
            f"Demo sign-in for this run: {user.email} / {password} (a new password every run). "
            "A moderator: register on the site, then python manage.py moderator add EMAIL"
        )

    # --- Bulk loading for benchmarks -------------------------------------------------------------

    def bulk_load(self, total: int, rng: random.Random) -> None:
        from importlib import import_module

        search_sql = import_module("listings.migrations.0004_search")
        terms_sql = import_module("listings.migrations.0006_search_terms")
        started = time.monotonic()
        sellers = self.bulk_sellers(max(total // 1000, 10), rng)
        cities = list(City.objects.values_list("pk", "population"))
        city_ids, city_weights = zip(*cities, strict=True)
        leaves = {c.slug: c for c in Category.objects.exclude(parent=None)}
        templates = [(leaves[slug], ad) for slug, ads in DEMO_ADS.items() for ad in ads]
        now = timezone.now()
        columns = (
            "seller_id, title, description, price, negotiable, condition, city_id, category_id, "
            "root_category_id, status, created_at, updated_at, published_at, view_count, "
            "image_count, expires_at"
        )
        lifetime = timedelta(days=settings.LISTING_LIFETIME_DAYS)
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("DROP INDEX IF EXISTS listing_search")
            # One vocabulary pass after the load beats a trigger call per row.
            cursor.execute(
                "ALTER TABLE listings_listing DISABLE TRIGGER listings_listing_search_terms"
            )
            with cursor.connection.cursor().copy(
                f"COPY listings_listing ({columns}) FROM STDIN"
            ) as copy:
                for number in range(1, total + 1):
                    category, ad = rng.choice(templates)
                    title, description = variant(ad, rng, number)
                    published = now - timedelta(seconds=rng.randint(0, 90 * 24 * 3600))
                    copy.write_row(
                        (
                            rng.choice(sellers),
                            title,
                            description,
                            max(0, int(ad["price"] * rng.uniform(0.6, 1.5)) // 100 * 100),
                            ad.get("negotiable", False) or rng.random() < 0.1,
                            ad["condition"],
                            rng.choices(city_ids, weights=city_weights)[0],
                            category.pk,
                            category.parent_id,
                            "active" if rng.random() < 0.9 else rng.choice(["sold", "archived"]),
                            published,
                            published,
                            published,
                            rng.randint(0, 2000),
                            0,
                            # older than a lifetime: as if renewed, expiring some time ahead
                            max(published + lifetime, now + lifetime * rng.random()),
                        )
                    )
                    if number % 10_000 == 0 or number == total:
                        progress(number, total, started)
            cursor.execute(
                "ALTER TABLE listings_listing ENABLE TRIGGER listings_listing_search_terms"
            )
            sys.stderr.write("\nBuilding the search index and the title vocabulary...\n")
            for statement in search_sql.FORWARD:
                if "CREATE INDEX" in statement:
                    cursor.execute(statement)
            cursor.execute(terms_sql.FORWARD[-1])
            # VACUUM sets the visibility map, so page ids come from index-only scans.
            cursor.execute("VACUUM ANALYZE listings_listing")
        self.stdout.write(f"Loaded {total} ads in {time.monotonic() - started:.0f} s.")

    def bulk_sellers(self, count: int, rng: random.Random) -> list[int]:
        existing = list(
            User.objects.filter(email__endswith="@bulk.zattar.kz").values_list("pk", flat=True)
        )
        if len(existing) >= count:
            return existing
        password = make_password(None)  # unusable: nobody signs in as a bulk seller
        start = len(existing)
        User.objects.bulk_create(
            User(
                email=f"seller{n}@bulk.zattar.kz",
                phone=f"+7700{n:07d}",
                phone_verified_at=timezone.now(),
                name=f"Продавец {n}",
                password=password,
            )
            for n in range(start, count)
        )
        return list(
            User.objects.filter(email__endswith="@bulk.zattar.kz").values_list("pk", flat=True)
        )


ADJECTIVES = ["", "", "", "Срочно! ", "Отличный ", "Новый ", "Б/у ", "Жаңа ", "Почти новый "]
SUFFIXES = ["", "", "", " (торг)", " в идеале", " недорого", " срочно", " с доставкой", " оригинал"]


def variant(ad: dict, rng: random.Random, number: int) -> tuple[str, str]:
    """A believable variation of a template ad, with a rare marker word in some of them."""
    title = (rng.choice(ADJECTIVES) + ad["title"] + rng.choice(SUFFIXES)).strip()
    if len(title) > 75:
        title = ad["title"]
    description = ad["description"]
    if number % 997 == 0:
        description += f" Артикул zx{number}."
    if rng.random() < 0.3:
        description += " Возможен обмен."
    return title, description


def progress(done: int, total: int, started: float) -> None:
    width = 30
    filled = width * done // total
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} ads, {rate:,.0f}/s"
    )
    sys.stderr.flush()
