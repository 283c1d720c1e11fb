"""Fraud warnings on chat messages: what each kind catches and leaves alone, and how the warning
reaches the recipient through the API, the socket and the page."""

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from chat import services
from chat.models import Message
from chat.tests.test_consumers import next_of, open_socket
from chat.warnings import has_card_number, imitated_brand, warning_for
from zattar.testing import api_for

PHISHING = [
    "https://kaspi-kz.delivery/pay?id=5",
    "kaspi-kz.delivery/pay",  # no scheme
    "Оплатите доставку: zattar-dostavka.com/order/17",
    "zattar-dostavka.kz",
    "0lx-kz.com",  # a digit for a letter
    "olx-dostavka.site/kz",
    "www.kaspi-pay.online",
    "http://kapsi.kz/gold",  # two letters swapped
    "kasp1.kz",
    "https://zatar.kz",  # a letter missing
    "kaspi.kz.secure-pay.com/login",  # the real name, as a subdomain of another site
    "https://kаspi.kz",  # a Cyrillic а
    "https://xn--kspi-53d.kz",  # the same, as browsers write it (punycode)
    "cdek-kz.info/track",
    "kazpost-kz.com",
    "post-kz.delivery",
    "halyk-bank.online",
    "zattar-dostavka\u3002kz/pay",  # an ideographic full stop for the dot
    "zattar-dost\u200bavka.kz",  # a zero-width space inside the name
]
NOT_PHISHING = [
    "kaspi.kz",
    "https://kaspi.kz/shop/p/1",
    "olx.kz",
    "https://www.olx.kz/d/obyavlenie/1",
    "post.kz/services",
    "cdek.kz",
    "https://halykbank.kz",
    "google.com",
    "https://2gis.kz/almaty",
    "krisha.kz",
    "kolesa.kz",
]


@pytest.mark.parametrize("text", PHISHING)
def test_look_alikes_are_phishing(text):
    assert warning_for(text) == "phishing"


@pytest.mark.parametrize("text", NOT_PHISHING)
def test_real_and_unrelated_sites_are_only_external_links(text):
    assert warning_for(text) == "external_link"


@pytest.mark.parametrize(
    "host,brand",
    [("kaspi-kz.delivery", "kaspi"), ("0lx-kz.com", "olx"), ("zattar-dostavka.com", "zattar")],
)
def test_the_imitated_brand_is_named(host, brand):
    assert imitated_brand(host) == brand


@pytest.mark.parametrize(
    "text",
    [
        "Смотрите google.com",
        "www.x.com",
        "http://1.2.3.4/pay",
        "Фото тут: https://drive.google.com/file/d/abc",
        "https://t.me/seller",
    ],
)
def test_links_to_other_sites(text):
    assert warning_for(text) == "external_link"


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте! Ещё продаёте?",
        "Цена 1.5 млн, торг",
        "Пишите на seller@mail.ru",  # an e-mail address is not a link
        "т.е. завтра в 10.30",
        "г.Алматы, мкр.Самал",
        "",
    ],
)
def test_ordinary_messages_get_nothing(text):
    assert warning_for(text) == ""


def test_our_own_site_is_not_external(settings):
    settings.ALLOWED_HOSTS = ["zattar.example", ".zattar-test.kz"]
    settings.SITE_URL = "https://zattar.example"
    assert warning_for("https://zattar.example/listings/5/") == ""
    assert warning_for("Смотрите m.zattar-test.kz/listings/5") == ""
    assert warning_for("zattar.kz/listings/5") == ""
    assert warning_for("https://evil.com/zattar.example") == "external_link"
    assert warning_for("zattar.example.evil.com") == "phishing"  # our name before another site


@pytest.mark.parametrize(
    "text",
    [
        "4400 4301 2345 6789",  # groups of four
        "4400430123456789",  # written together
        "Карта 4400-4301-2345-6789, Асель",
        "4400 4301 2345 6789 5000 тг",  # an amount after the card
        "378282246310005",  # 15 digits (Amex)
    ],
)
def test_luhn_valid_card_numbers(text):
    assert has_card_number(text)
    assert warning_for(text) == "card_number"


@pytest.mark.parametrize(
    "text",
    [
        "4400 4301 2345 6788",  # 16 digits, Luhn fails
        "+7 701 123 45 67",
        "8 701 123 4567, звоните после 18:00",
        "Номер заказа 123456789012",  # 12 digits
        "12345678901234567890",  # 20 digits
        "Цена 25 000 тг, пробег 120 000 км",
    ],
)
def test_numbers_that_are_not_cards(text):
    assert not has_card_number(text)
    assert warning_for(text) != "card_number"


@pytest.mark.parametrize(
    "text",
    [
        "Переведите на карту, так быстрее",
        "СКИНЬТЕ НА КАРТУ 5000",
        "Оплата на Каспи",
        "kaspi перевод",
        "Нужна предоплата 50%",
        "Внесите предоплату",
        "Давайте без безопасной сделки",
        "Картаға аударыңыз",
        "Ақшаны каспиға салыңыз",
        "Алдын ала төлем керек",
        "Please transfer to my card",
        "Prepayment first",
    ],
)
def test_requests_to_pay_outside_safe_deal(text):
    assert warning_for(text) == "off_platform_payment"


@pytest.mark.parametrize(
    "text",
    [
        "Оплачу через безопасную сделку",
        "Карта памяти в комплекте",  # "карта" alone is not a request
        "Каспийское море рядом",
        "Переведу вас на другой номер",
        "непредоплата",  # inside a longer word
    ],
)
def test_innocent_phrases_are_not_payment_requests(text):
    assert warning_for(text) == ""


def test_the_strongest_warning_wins():
    assert warning_for("Переведите на карту 4400 4301 2345 6789 kaspi-kz.delivery") == "phishing"
    assert warning_for("Переведите на карту 4400 4301 2345 6789 google.com") == "card_number"
    assert warning_for("Предоплата на google.com") == "off_platform_payment"


# --- Through the paths users take ----------------------------------------------------------


@pytest.mark.django_db
def test_the_api_stores_the_warning_and_lists_it(people):
    chat = people["conversation"]
    url = f"/api/v1/chat/conversations/{chat.pk}/messages"
    sent = api_for(people["buyer"]).post(url, {"body": "Оплата тут: kaspi-kz.delivery/pay"})
    assert sent.status_code == 201 and sent.json()["warning"] == "phishing"
    api_for(people["buyer"]).post(url, {"body": "Добрый день"})
    listed = api_for(people["seller"]).get(url).json()["results"]
    assert [m["warning"] for m in listed] == ["phishing", None]
    assert Message.objects.get(pk=sent.json()["id"]).warning == "phishing"


@pytest.mark.django_db
def test_deal_notes_from_zattar_never_get_a_warning(people):
    note = services.system_message_post(
        listing=people["listing"],
        buyer=people["buyer"],
        body="Продавец отправил товар: трек на cdek-kz.info",
        unread_for=people["buyer"],
    )
    assert note.warning == ""


@pytest.mark.django_db(transaction=True)
async def test_socket_events_carry_the_warning(people):
    chat = people["conversation"]
    buyer = await open_socket(chat.pk, people["buyer"])
    seller = await open_socket(chat.pk, people["seller"])
    await buyer.send_json_to({"type": "message", "body": "Карта 4400 4301 2345 6789"})
    assert (await next_of(seller, "message"))["message"]["warning"] == "card_number"
    # the HTTP path reaches the socket with its warning too
    await database_sync_to_async(services.message_send)(
        conversation_id=chat.pk, sender=people["buyer"], body="zattar-dostavka.com/track"
    )
    assert (await next_of(seller, "message"))["message"]["warning"] == "phishing"
    saved = await database_sync_to_async(list)(
        Message.objects.filter(conversation=chat).values_list("warning", flat=True)
    )
    assert saved == ["card_number", "phishing"]
    await buyer.disconnect()
    await seller.disconnect()


@pytest.mark.django_db
def test_the_page_shows_the_recipient_a_banner_and_never_a_link(client, people):
    chat = people["conversation"]
    client.force_login(people["buyer"])
    page_url = reverse("chat:conversation", args=[chat.pk])
    client.post(reverse("chat:send", args=[chat.pk]), {"body": "https://kaspi-kz.delivery/pay"})
    client.post(reverse("chat:send", args=[chat.pk]), {"body": "Предоплата 100%"})
    mine = client.get(page_url).text
    assert 'data-warning="phishing"' not in mine.split("<template", 1)[0]  # the sender: no banner

    client.force_login(people["seller"])
    page = client.get(page_url).text
    log = page.split('id="chat-log"', 1)[1].split("<template", 1)[0]
    assert 'class="bubble__warning bubble__warning--phishing"' in log
    assert 'class="bubble__warning bubble__warning--off_platform_payment"' in log
    assert "kaspi-kz.delivery/pay" in log and '<a href="https://kaspi-kz' not in page
    assert 'href="https://kaspi' not in page
    # the script builds live banners from these templates, one per kind
    for kind in ("phishing", "card_number", "off_platform_payment", "external_link"):
        assert f'<template data-warning-banner="{kind}">' in page
