"""Found and shared: readable ad URLs, languages in the URL, the ad's head for search engines
and link previews, landing pages, the sitemap and robots.txt. All through the HTTP client."""

import json
import re
import shutil
import subprocess
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.tests.factories import PASSWORD, UserFactory
from listings import services
from listings.landing import city_locative_ru
from listings.models import Listing
from listings.slugs import slug_of
from listings.tests.factories import ListingFactory
from listings.tests.test_views import with_photos

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
HOST = "http://testserver"


def head(html: str) -> str:
    return html.split("</head>", 1)[0]


def meta(html: str, attr: str, name: str) -> str | None:
    found = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)"', head(html))
    return found and found.group(1)


def link(html: str, rel: str, **extra) -> list[str]:
    more = "".join(rf'\s+{k}="{re.escape(v)}"' for k, v in extra.items())
    return re.findall(rf'<link rel="{rel}"{more}\s+href="([^"]*)"', head(html))


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


# --- Readable URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Велосипед Stels 26", "velosiped-stels-26"),
        ("Щука, ёж и юла", "shchuka-ezh-i-yula"),
        ("Әдемі қызыл көйлек", "ademi-qyzyl-koylek"),
        ("iPhone 13 Pro — 128 ГБ", "iphone-13-pro-128-gb"),
        ("🚲🚲🚲", ""),
    ],
)
def test_slug_transliterates_russian_and_kazakh(title, slug):
    assert slug_of(title) == slug


def test_a_long_title_is_cut_at_a_word():
    slug = slug_of("Велосипед " * 12)
    assert len(slug) <= 60 and slug.endswith("velosiped")


def test_ad_page_lives_at_id_and_slug_and_old_or_wrong_urls_answer_301(client):
    ad = ListingFactory(title="Велосипед горный Stels")
    canonical = f"/ads/{ad.pk}-velosiped-gornyy-stels/"
    assert ad.get_absolute_url() == canonical
    assert client.get(canonical).status_code == 200
    for old in (f"/ads/{ad.pk}/", f"/ads/{ad.pk}-velosiped/", f"/ads/{ad.pk}-wrong-slug/"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == canonical
    moved = client.get(f"/ads/{ad.pk}/?utm_source=tg")
    assert moved.status_code == 301 and moved["Location"] == f"{canonical}?utm_source=tg"
    # In Kazakh and English too, to the same language's page.
    assert client.get(f"/kk/ads/{ad.pk}/")["Location"] == f"/kk{canonical}"
    assert client.get(f"/en/ads/{ad.pk}-x/")["Location"] == f"/en{canonical}"


def test_a_hidden_ad_is_404_under_any_slug_so_its_title_does_not_leak(client):
    ad = ListingFactory(title="Секретный диван")
    services.listing_set_status(listing_id=ad.pk, seller=ad.seller, status="archived")
    assert client.get(f"/ads/{ad.pk}/").status_code == 404
    assert client.get(f"/ads/{ad.pk}-sekretnyy-divan/").status_code == 404


def test_a_title_change_moves_the_page_and_the_old_link_follows(client):
    ad = ListingFactory(title="Диван")
    old = ad.get_absolute_url()
    Listing.objects.filter(pk=ad.pk).update(title="Диван угловой")
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == f"/ads/{ad.pk}-divan-uglovoy/"


def test_a_title_with_nothing_latin_writable_keeps_the_bare_id(client):
    ad = ListingFactory(title="🚲🚲🚲")
    assert ad.get_absolute_url() == f"/ads/{ad.pk}/"
    assert client.get(f"/ads/{ad.pk}/").status_code == 200
    assert client.get(f"/ads/{ad.pk}-x/")["Location"] == f"/ads/{ad.pk}/"


def test_sub_urls_keep_working_and_pages_link_the_readable_url(client):
    ad = ListingFactory(title="Велосипед горный Stels")
    client.force_login(ad.seller)
    assert client.get(f"/ads/{ad.pk}/edit/").status_code == 200
    my_ads = client.get(reverse("listings:my_ads")).text
    assert f'href="/ads/{ad.pk}-velosiped-gornyy-stels/"' in my_ads
    home = client.get("/").text
    assert f'href="/ads/{ad.pk}-velosiped-gornyy-stels/"' in home
    assert f'href="/ads/{ad.pk}/"' not in home


# --- The ad's head -----------------------------------------------------------------------------


def test_ad_head_has_description_canonical_open_graph_and_twitter_card(client):
    ad = ListingFactory(title="Велосипед горный Stels", description="Рама 18.\n\nКолёса 26. " * 20)
    services.listing_images_add(listing_id=ad.pk, seller=ad.seller, photos=with_photos(2))
    html = client.get(ad.get_absolute_url()).text
    url = f"{HOST}/ads/{ad.pk}-velosiped-gornyy-stels/"
    assert link(html, "canonical") == [url]
    description = meta(html, "name", "description")
    assert description.startswith("Рама 18. Колёса 26.") and len(description) <= 160
    assert head(html).count('name="description"') == 1
    assert meta(html, "property", "og:url") == url
    assert meta(html, "property", "og:title") == "Велосипед горный Stels"
    image = meta(html, "property", "og:image")
    cover = ad.images.get(position=0)
    assert image == f"{HOST}{cover.large.url}", "the cover, as an absolute URL"
    assert meta(html, "property", "og:image:width") == str(cover.width)
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert meta(html, "name", "twitter:image") == image
    assert meta(html, "property", "product:price:currency") == "KZT"


def test_ad_json_ld_is_a_product_with_an_offer(client):
    ad = ListingFactory(title="Велосипед горный", price=125_000, condition="new")
    services.listing_images_add(listing_id=ad.pk, seller=ad.seller, photos=with_photos(1))
    data = json_ld(client.get(ad.get_absolute_url()).text)
    url = f"{HOST}{ad.get_absolute_url()}"
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Велосипед горный" and data["url"] == url
    assert data["image"] == [f"{HOST}{ad.images.get().large.url}"]
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["url"] == url
    assert offer["price"] == "125000" and offer["priceCurrency"] == "KZT"
    assert offer["availability"] == "https://schema.org/InStock"
    assert offer["itemCondition"] == "https://schema.org/NewCondition"


def test_json_ld_availability_follows_the_ads_life(client):
    ad = ListingFactory(condition="used")
    services.listing_set_status(listing_id=ad.pk, seller=ad.seller, status="sold")
    data = json_ld(client.get(ad.get_absolute_url()).text)
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"
    assert data["offers"]["itemCondition"] == "https://schema.org/UsedCondition"
    other = ListingFactory(expires_at=timezone.now() - timedelta(minutes=1))
    services.listings_expire()
    client.force_login(other.seller)  # an expired ad is its seller's only
    data = json_ld(client.get(other.get_absolute_url()).text)
    assert data["offers"]["availability"] == "https://schema.org/Discontinued"


def test_a_hostile_title_cannot_break_out_of_the_json_ld(client):
    hostile = '</script><script>alert("x")</script><!-- & "quotes"'
    ad = ListingFactory(title=hostile, description=hostile)
    html = client.get(ad.get_absolute_url()).text
    script = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert "<" not in script.group(1) and ">" not in script.group(1)
    assert json_ld(html)["name"] == hostile, "the title survives, escaped, not mangled"
    assert "<script>alert" not in html
    assert meta(html, "property", "og:title") == escape(hostile)


# --- Languages in the URL ------------------------------------------------------------------


def test_unprefixed_pages_are_russian_whatever_the_browser_says(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").text
    assert '<html lang="ru">' in html
    client.cookies.load({"django_language": "kk"})
    response = client.get("/search/")
    assert '<html lang="ru">' in response.text and response["Content-Language"] == "ru"
    assert "Accept-Language" not in response.get("Vary", ""), "the URL alone decides"
    assert client.get("/kk/search/")["Content-Language"] == "kk"


@pytest.mark.parametrize(
    ("prefix", "lang", "word"), [("/kk", "kk", "Іздеу"), ("/en", "en", "Search")]
)
def test_prefixed_pages_show_their_language(client, prefix, lang, word):
    ad = ListingFactory(title="Велосипед горный")
    for path in ("/", "/search/", ad.get_absolute_url(), "/accounts/login/"):
        html = client.get(prefix + path).text
        assert f'<html lang="{lang}">' in html, path
    assert word in client.get(prefix + "/search/").text


def test_every_page_has_hreflang_alternates(client):
    ad = ListingFactory(title="Велосипед горный")
    slugged = f"/ads/{ad.pk}-velosiped-gornyy/"
    for path in ("/", "/kk/search/?q=velo", slugged, f"/en{slugged}", "/accounts/login/"):
        html = client.get(path).text
        bare = re.sub(r"^/(kk|en)/", "/", path)
        assert link(html, "alternate", hreflang="ru") == [f"{HOST}{bare}"], path
        assert link(html, "alternate", hreflang="kk") == [f"{HOST}/kk{bare}"], path
        assert link(html, "alternate", hreflang="en") == [f"{HOST}/en{bare}"], path
        assert link(html, "alternate", hreflang="x-default") == [f"{HOST}{bare}"], path


def test_every_page_has_a_meta_description(client):
    ListingFactory(title="Велосипед горный")
    for path in ("/", "/search/", "/search/?q=велосипед", "/accounts/login/", "/almaty/bicycles/"):
        assert meta(client.get(path).text, "name", "description"), path


def test_machines_addresses_stay_unprefixed_and_negotiate_the_language(client):
    assert client.get("/kk/api/v1/categories").status_code == 404
    assert client.get("/kk/healthz").status_code == 404
    assert client.get("/healthz").status_code == 200
    assert client.get("/sw.js").status_code == 200
    assert client.get("/manifest.webmanifest").status_code == 200
    # The API keeps answering in the language of Accept-Language (its error messages).
    en = client.get("/api/v1/listings/999999999", HTTP_ACCEPT_LANGUAGE="en")
    ru = client.get("/api/v1/listings/999999999", HTTP_ACCEPT_LANGUAGE="ru")
    assert en.status_code == ru.status_code == 404
    assert en.json()["detail"] != ru.json()["detail"]


def test_switcher_keeps_the_page_and_saves_a_signed_in_persons_language(client):
    ad = ListingFactory(title="Велосипед горный")
    page = ad.get_absolute_url()
    html = client.get(page).text
    assert f'name="next" type="hidden" value="{page}"' in html
    to_kk = client.post("/i18n/setlang/", {"language": "kk", "next": page})
    assert to_kk.status_code == 302 and to_kk["Location"] == f"/kk{page}"
    back = client.post("/i18n/setlang/", {"language": "ru", "next": f"/kk{page}"})
    assert back["Location"] == page
    to_en = client.post("/i18n/setlang/", {"language": "en", "next": "/kk/search/?q=velo"})
    assert to_en["Location"] == "/en/search/?q=velo"
    user = UserFactory(language="ru")
    client.force_login(user)
    assert (
        client.post("/i18n/setlang/", {"language": "kk", "next": page})["Location"] == f"/kk{page}"
    )
    user.refresh_from_db()
    assert user.language == "kk"


def test_login_redirects_keep_the_language_prefix(client):
    response = client.get("/kk/my/ads/")
    assert response.status_code == 302
    assert response["Location"] == "/kk/accounts/login/?next=/kk/my/ads/"
    assert client.get("/my/ads/")["Location"] == "/accounts/login/?next=/my/ads/"
    UserFactory(email="aru@example.kz")
    signed_in = client.post(
        "/kk/accounts/login/",
        {"username": "aru@example.kz", "password": PASSWORD, "next": "/kk/my/ads/"},
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/kk/my/ads/"
    assert '<html lang="kk">' in client.get("/kk/my/ads/").text
    # Without `next`, LOGIN_REDIRECT_URL ("home") is reversed in the page's language.
    client.logout()
    home = client.post("/en/accounts/login/", {"username": "aru@example.kz", "password": PASSWORD})
    assert home["Location"] == "/en/"


# --- Landing pages -------------------------------------------------------------------------


def test_city_locative():
    got = [city_locative_ru(n) for n in ("Алматы", "Астана", "Шымкент", "Семей", "Рудный")]
    assert got == ["Алматы", "Астане", "Шымкенте", "Семее", "Рудном"]


def test_landing_page_has_a_heading_title_and_canonical(client):
    ListingFactory(title="Велосипед горный Stels")
    html = client.get("/almaty/bicycles/").text
    assert "<h1" in html and "Велосипеды в Алматы</h1>" in html
    assert "<title>Велосипеды в Алматы · Zattar</title>" in html
    assert "Велосипед горный Stels" in html
    assert link(html, "canonical") == [f"{HOST}/almaty/bicycles/"]
    assert "Велосипеды в Алматы" in meta(html, "name", "description")
    en = client.get("/en/almaty/bicycles/").text
    assert "Bicycles in Almaty</h1>" in en
    assert "Велосипедтер — Алматы</h1>" in client.get("/kk/almaty/bicycles/").text
    assert link(en, "canonical") == [f"{HOST}/en/almaty/bicycles/"]
    # The search with these two filters and nothing else names the landing page.
    search = client.get("/search/", {"city": "almaty", "category": "bicycles"}).text
    assert link(search, "canonical") == [f"{HOST}/almaty/bicycles/"]
    assert link(client.get("/search/", {"city": "almaty", "q": "x"}).text, "canonical") == []
    assert client.get("/almaty/no-such-category/").status_code == 404
    assert client.get("/nowhere/bicycles/").status_code == 404


# --- Sitemap and robots ----------------------------------------------------------------------


def sitemap(client, url: str) -> ElementTree.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ElementTree.fromstring(response.content)


def locs(root) -> list[str]:
    return [loc.text for loc in root.iterfind(".//s:loc", NS)]


@pytest.fixture
def one_ads_page(monkeypatch):
    """Every id on the first page of ads, wherever the id sequence of a reused test database
    stands (the paging itself: test_ads_sitemap_pages_by_id_ranges)."""
    from zattar.sitemaps import AdSitemap

    monkeypatch.setattr(AdSitemap, "limit", 10**9)


def test_sitemap_index_lists_the_sections(client, one_ads_page):
    ListingFactory()
    index = sitemap(client, "/sitemap.xml")
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    assert locs(index) == [
        f"{HOST}/sitemap-pages.xml",
        f"{HOST}/sitemap-landings.xml",
        f"{HOST}/sitemap-ads.xml",
    ]


def test_ads_sitemap_has_active_ads_only_with_lastmod_and_alternates(client, one_ads_page):
    shown = ListingFactory(title="Велосипед горный")
    sold = ListingFactory(title="Проданный велосипед")
    expired = ListingFactory(title="Старый велосипед", expires_at=timezone.now() - timedelta(1))
    before = locs(sitemap(client, "/sitemap-ads.xml"))
    assert f"{HOST}{sold.get_absolute_url()}" in before
    services.listing_set_status(listing_id=sold.pk, seller=sold.seller, status="sold")
    services.listings_expire()
    root = sitemap(client, "/sitemap-ads.xml")
    assert locs(root) == [f"{HOST}{shown.get_absolute_url()}"]
    url = root.find("s:url", NS)
    updated = Listing.objects.get(pk=shown.pk).updated_at
    assert url.find("s:lastmod", NS).text == timezone.localtime(updated).date().isoformat()
    alternates = {x.get("hreflang"): x.get("href") for x in url.iterfind("x:link", NS)}
    assert alternates == {
        "ru": f"{HOST}/ads/{shown.pk}-velosiped-gornyy/",
        "kk": f"{HOST}/kk/ads/{shown.pk}-velosiped-gornyy/",
        "en": f"{HOST}/en/ads/{shown.pk}-velosiped-gornyy/",
        "x-default": f"{HOST}/ads/{shown.pk}-velosiped-gornyy/",
    }
    assert f"{HOST}{expired.get_absolute_url()}" not in locs(root)


def test_ads_sitemap_pages_by_id_ranges(client, monkeypatch):
    from zattar.sitemaps import AdSitemap

    monkeypatch.setattr(AdSitemap, "limit", 2)
    ads = [ListingFactory() for _ in range(5)]
    first = ads[0].pk
    # Ids start wherever the sequence is: page p holds ids ((p-1)*2, p*2].
    pages = {(ad.pk - 1) // 2 + 1 for ad in ads}
    index = locs(sitemap(client, "/sitemap.xml"))
    for page in pages - {1}:
        assert f"{HOST}/sitemap-ads.xml?p={page}" in index
    page = (first - 1) // 2 + 1
    got = locs(sitemap(client, f"/sitemap-ads.xml?p={page}"))
    assert got and all(re.search(rf"/ads/({first}|{first + 1}|{first - 1})-", x) for x in got)
    assert client.get("/sitemap-ads.xml?p=x").status_code == 404
    assert client.get("/sitemap-ads.xml?p=0").status_code == 404
    assert client.get("/sitemap-nope.xml").status_code == 404


def test_landing_sitemap_lists_combinations_with_active_ads_in_every_language(client):
    ad = ListingFactory()  # bicycles (under "sport"? its root) in Almaty
    root_slug = ad.root_category.slug
    root = sitemap(client, "/sitemap-landings.xml")
    got = locs(root)
    assert f"{HOST}/almaty/bicycles/" in got
    hrefs = [x.get("href") for x in root.iterfind(".//x:link", NS)]
    assert f"{HOST}/kk/almaty/bicycles/" in hrefs and f"{HOST}/en/almaty/bicycles/" in hrefs
    if root_slug != "bicycles":
        assert f"{HOST}/almaty/{root_slug}/" in got
    assert not any("/astana/" in x for x in got)
    services.listing_set_status(listing_id=ad.pk, seller=ad.seller, status="sold")
    assert locs(sitemap(client, "/sitemap-landings.xml")) == []


def test_pages_sitemap(client):
    root = sitemap(client, "/sitemap-pages.xml")
    assert locs(root) == [f"{HOST}/", f"{HOST}/search/"]
    hrefs = [x.get("href") for x in root.iterfind(".//x:link", NS)]
    assert f"{HOST}/kk/search/" in hrefs and f"{HOST}/en/" in hrefs


def test_robots_txt_keeps_crawlers_off_filters_and_private_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    for rule in [
        "Disallow: /*?",
        "Allow: /sitemap-",
        "Disallow: /accounts/",
        "Disallow: /kk/accounts/",
        "Disallow: /en/my/",
        "Disallow: /my/",
        "Disallow: /chat/",
        "Disallow: /deals/",
        "Disallow: /api/",
        "Disallow: /admin/",
    ]:
        assert rule in lines
    assert "Disallow: /ads/" not in lines and "Disallow: /search/" not in lines
    assert {"Allow: /search/?q=", "Disallow: /search/?q=*&", "Allow: /kk/search/?q="} <= set(lines)
    assert f"Sitemap: {HOST}/sitemap.xml" in lines


ROBOTS_PARSER = settings.BASE_DIR / "node_modules" / "robots-parser"


@pytest.mark.skipif(
    shutil.which("node") is None or not ROBOTS_PARSER.exists(),
    reason="needs node and robots-parser (npm ci)",
)
def test_robots_txt_read_by_the_parser_lighthouse_uses(client):
    """Longest rule wins, as Google reads it: a search by words alone may be indexed, any
    combination with a filter, order or page may not."""
    cases = {
        "/search/?q=%D0%B2%D0%B5%D0%BB%D0%BE%D1%81%D0%B8%D0%BF%D0%B5%D0%B4": True,
        "/kk/search/?q=iphone": True,
        "/search/?q=iphone&city=almaty": False,
        "/en/search/?q=iphone&order=cheap": False,
        "/search/?city=almaty&condition=new": False,
        "/search/": True,
        "/almaty/transport/": True,
        "/ads/12-velosiped/": True,
        "/sitemap-ads.xml?p=2": True,
        "/?utm_source=x": False,
        "/accounts/login/": False,
        "/kk/chat/": False,
    }
    script = (
        "const robots = require(process.argv[1])('http://testserver/robots.txt', process.argv[2]);"
        "for (const path of process.argv.slice(3))"
        " console.log(robots.isAllowed('http://testserver' + path, 'Googlebot') ? 1 : 0);"
    )
    robots = client.get("/robots.txt").text
    result = subprocess.run(
        ["node", "-e", script, str(ROBOTS_PARSER), robots, *cases],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    allowed = [line == "1" for line in result.stdout.split()]
    assert dict(zip(cases, allowed, strict=True)) == cases
