"""Constraints a shopper puts on a search ("for my 5 year old", "không đường", "vegan") read
from the query, and what a product's own text says of them — then the demo shop searched
with them: ruled-out products never shown, nothing emptied that the shop can answer."""

from __future__ import annotations

from typing import Any

import pytest

from config import Settings
from search.facets import constraints, fit, profile, ruled_out
from search.words import analyse
from tests.test_search import names, search


def asked(query: str) -> Any:
    return constraints(query, analyse(query).negative)


@pytest.mark.parametrize(
    ("query", "avoid", "hard"),
    [
        ("a drink for my 5 year old", {"caffeine"}, {"caffeine"}),
        ("my 5yo wants something", {"caffeine"}, {"caffeine"}),
        ("bé nhà mình 6 tuổi uống gì", {"caffeine"}, {"caffeine"}),
        ("anything caffeine free?", {"caffeine"}, {"caffeine"}),
        ("uống gì buổi tối mà ko bị mất ngủ", {"caffeine"}, {"caffeine"}),
        ("coffee without milk", {"dairy"}, {"dairy"}),
        ("ko uống được sữa bò", {"dairy"}, {"dairy"}),
        ("dairy-free please", {"dairy"}, {"dairy"}),
        ("drinks with no sugar", {"sugar"}, set()),
        ("đồ uống không đường", {"sugar"}, set()),
        ("trà sữa ít ngọt", {"sugar"}, set()),
        ("a vegan snack", {"dairy", "meat", "egg"}, {"dairy", "meat", "egg"}),
        ("gluten free snack for my coeliac friend", {"gluten"}, {"gluten"}),
        ("tối nay chạy deadline", set(), set()),  # "chạy" (to run) is not "chay" (vegetarian)
        ("an chay", {"meat"}, {"meat"}),  # typed without accents, it is
        ("matcha latte", set(), set()),
        ("30 year old whisky", set(), set()),  # an age over twelve is not a child
        ("a customer for 3 years", set(), set()),  # years, not an age
        ("a gift for my daughter, she loves coffee", set(), set()),  # not said to be a child
        ("is it sweet?", set(), set()),  # "it" is not "ít" (less)
    ],
)
def test_what_a_query_avoids(query: str, avoid: set[str], hard: set[str]) -> None:
    found = asked(query)
    assert set(found.avoid) == avoid
    assert set(found.hard) == hard


@pytest.mark.parametrize(
    ("query", "kind", "temperature", "want"),
    [
        ("something to wake me up before class", None, None, {"caffeine"}),
        ("hot drink that isnt coffee", "drink", "hot", set()),
        ("cold drink for a hot afternoon", "drink", "cold", set()),  # the afternoon is hot
        ("muốn mua trà về ủ lạnh uống dần", "packaged", None, set()),
        ("smth sweet for my kid to eat", "food", None, set()),
        ("a drink and a snack", None, None, set()),
        ("quà sinh nhật cho bạn thích uống trà", "gift", None, set()),
        ("a reusable cup to keep my drink cold", "goods", None, set()),
        ("caffeine free please", "drink", None, set()),
        ("I want an iced coffee", None, None, set()),  # "an" is not "ăn" (to eat)
        ("tra sua ngot qua", None, None, set()),  # "qua" (very) is not "quà" (a gift)
    ],
)
def test_what_a_query_asks_for(
    query: str, kind: str | None, temperature: str | None, want: set[str]
) -> None:
    found = asked(query)
    assert (found.kind, found.temperature, set(found.want)) == (kind, temperature, want)


def card(name: str, category: str, description: str) -> dict[str, Any]:
    return {"product_id": name, "name": name, "category": category, "description": description}


def test_a_products_text_decides_and_free_wins() -> None:
    oat = profile(card("Oat Milk Latte", "Coffee", "Espresso with oat milk: dairy-free."))
    assert "dairy" in oat.free and "dairy" not in oat.has and "caffeine" in oat.has
    cookie = profile(card("Almond Cookie", "Bakery", "Great with a hot tea."))
    assert "caffeine" not in cookie.has  # caffeine is read from the name and category only
    assert cookie.kind == "food" and "nuts" in cookie.has
    leaves = profile(card("Jasmine Tea Leaves 100g", "Tea Leaves", "Brew hot."))
    assert leaves.kind == "packaged"
    smoothie = profile(card("Mango Smoothie", "Smoothie", "Mango and ice, no added sugar."))
    assert "sugar" in smoothie.free and smoothie.served == {"cold"}
    kid = asked("a drink for my 5 year old")
    assert ruled_out(profile(card("Iced Coffee", "Coffee", "")), kid)
    assert not ruled_out(smoothie, kid)
    no_sugar = asked("drinks with no sugar")
    sweet = profile(card("Sweet Tea", "Tea", "Very sweet, with condensed milk."))
    less = profile(card("Milk Tea", "Tea", "Sweet; a less sugar option is available."))
    plain = profile(card("Green Tea", "Tea", "Brewed fresh."))
    # None of it, then less of it, then a text that says nothing, then what says it has it.
    assert fit(smoothie, no_sugar) < fit(less, no_sugar) < fit(plain, no_sugar)
    assert fit(plain, no_sugar) < fit(sweet, no_sugar)
    fifty = profile(card("Milk Tea", "Tea", "Ask for 50% sugar."))
    assert "sugar" in fifty.less
    # Bare Vietnamese that folds into other words: "ca" is not "cá" (fish), "lon" a can.
    assert "meat" not in profile(card("Ca phe den da", "Coffee", "Coca cola lon.")).has
    tin = profile(card("Butter Cookies Tin", "Snacks", "Butter cookies in a gift tin."))
    gift = asked("a gift for my mum")
    assert tin.giftable and fit(tin, gift)[0] == 0 and fit(smoothie, gift)[0] == 1


# ------------------------------------------------------------------ the demo shop


def test_a_child_is_never_offered_caffeine(run: Any, vectors: Settings) -> None:
    # Browsing by meaning: without pgvector, words alone ("year", "old") find nothing.
    found = search(run, vectors, "a drink for my 5 year old")
    assert found, "the shop has drinks without caffeine: the answer must not be empty"
    assert all(item["category"] in {"Smoothie"} for item in found), names(found)


def test_drinks_with_no_sugar_find_the_unsweetened(run: Any, vectors: Settings) -> None:
    for query in ("drinks with no sugar", "đồ uống không đường"):
        found = names(search(run, vectors, query))
        assert found, query
        # Their text says so: no added sugar, or none on request.
        assert found[0] in {"Mango Passion Smoothie", "Black Iced Coffee (Cà Phê Đen Đá)"}, found


def test_dairy_free_leaves_out_milk(run: Any, vectors: Settings) -> None:
    # Nothing shown says milk unless it says dairy-free too (browsing by meaning: without
    # pgvector "dairy-free drink" has no word left to find).
    found = search(run, vectors, "dairy-free drink")
    assert found
    for item in found:
        text = f"{item['name']} {item['description']}".lower()
        assert "dairy-free" in text or "milk" not in text, item["name"]


def test_a_named_product_is_reported_whatever_else_is_asked(run: Any, searching: Settings) -> None:
    found = names(search(run, searching, "egg coffee for my 5 year old"))
    assert found and found[0] == "Egg Coffee (Cà Phê Trứng)"


def test_a_thing_asked_by_its_words_is_not_dropped_for_its_kind(
    run: Any, searching: Settings
) -> None:
    found = names(search(run, searching, "a ceramic mug for my 5 year old"))
    assert found and found[0] == "Lotus Ceramic Mug 350ml"


# ------------------------------------------------------------------ not sold


def test_a_thing_the_shop_does_not_sell_gets_no_stand_in(run: Any, searching: Settings) -> None:
    assert search(run, searching, "a vegan sandwich") == []
    assert search(run, searching, "bánh mì kẹp thịt") == []
    # One thing of two missing ("a durian smoothie"): the smoothies are still shown.
    found = search(run, searching, "durian smoothie")
    assert found and found[0]["category"] == "Smoothie"


def test_the_shopper_hears_honestly_that_it_is_not_sold(
    run: Any, searching: Settings, demo_shop: Any
) -> None:
    from llm_api import ask_assistant

    reply = run(ask_assistant("not-sold-en", "do you have a vegan sandwich?", settings=searching))
    assert "search_products" in [c["name"] for c in reply.tool_calls]
    assert "don't sell" in reply.text, reply.text
    assert "Oat Milk" not in reply.text  # no closest vector standing in for it
    reply = run(ask_assistant("not-sold-vi", "shop có bán vé máy bay không", settings=searching))
    assert "không bán" in reply.text and reply.language == "vi", reply.text


def test_a_filter_that_leaves_nothing_is_not_called_not_sold(run: Any, searching: Settings) -> None:
    from tools.llm_tools import Caller, LLMShopTools

    async def go() -> Any:
        tools = LLMShopTools(searching)
        caller = Caller(psid="filter-shopper", role="shopper")
        return await tools.execute_tool(
            "search_products", {"query": "matcha", "max_price": 1}, caller
        )

    result = run(go())
    assert result.ok and result.data == [] and "not_sold" not in result.content


def test_a_named_product_refused_in_so_many_words_is_left_out(
    run: Any, searching: Settings
) -> None:
    found = names(search(run, searching, "matcha latte but no dairy"))
    assert found and found[0] == "Oat Milk Matcha Latte" and "Matcha Latte" not in found


def test_goods_are_no_answer_to_a_drink_asked_for(run: Any, searching: Settings) -> None:
    # With or without vectors: a tote bag whose text says "drinks" is not a drink.
    found = search(run, searching, "drinks with no sugar")
    assert all(item["category"] != "Merchandise" for item in found), names(found)
