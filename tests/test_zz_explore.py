from llm_api import ask_assistant
from tests.conftest import make_settings

CONVS = [
    ["doanh thu hôm nay", "còn hôm qua?", "theo giờ", "chỉ tiền mặt"],
    ["best sellers this week", "by cups instead", "only milk tea", "and last week?"],
    ["how many orders got cancelled last month", "and the value?", "vs the same month last year?"],
    ["ai bán nhiều nhất tháng này", "còn anh Bảo?"],
    ["revenue by category last month", "so với tháng 10"],
    ["tuần này bán được bao nhiêu ly size L"],
    ["monthly revenue this year"],
    ["how many new customers this week vs last week"],
]


def test_explore(run, demo_shop, database_url) -> None:  # noqa: ANN001
    settings = make_settings(database_url, OWNER_PSIDS=["owner-x"])
    for conv in CONVS:
        run(ask_assistant("owner-x", "reset", settings=settings), 60)
        for q in conv:
            reply = run(ask_assistant("owner-x", q, settings=settings), 60)
            print("\n>>>", q, [(c["name"], c["arguments"]) for c in reply.tool_calls])
            print(reply.text)
