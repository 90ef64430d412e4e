"""Citations: GB/T 7714-2015 newspaper entries and a plain sentence per hit."""

from __future__ import annotations

from searcher.discovery.citation import authors, edition, gbt7714, plain

ARTICLE = {"title": "隆基绿能嘉兴基地二期投产", "byline": "记者 张云 通讯员 韩立峰", "source": "嘉兴日报",
           "date": "2024-12-05", "page": "第02版", "source_url": "https://example.org/a"}


def test_gbt7714_newspaper_entry() -> None:
    assert gbt7714(ARTICLE, 1) == ("[1] 张云, 韩立峰. 隆基绿能嘉兴基地二期投产[N]. 嘉兴日报, 2024-12-05(2). "
                                   "https://example.org/a.")
    assert gbt7714(ARTICLE | {"source_url": ""}, 3, accessed="2025-01-02") == (
        "[3] 张云, 韩立峰. 隆基绿能嘉兴基地二期投产[N]. 嘉兴日报, 2024-12-05(2).")


def test_gbt7714_leaves_out_what_is_unknown_and_abbreviates_many_authors() -> None:
    assert gbt7714({"title": "标题", "source": "浙江日报", "date": "2024-01-02"}) == "标题[N]. 浙江日报, 2024-01-02."
    many = gbt7714({"title": "T", "byline": "甲 乙 丙 丁", "source": "S", "date": ""})
    assert many == "甲, 乙, 丙, 等. T[N]. S."
    assert "javascript" not in gbt7714(ARTICLE | {"source_url": "javascript:alert(1)"})


def test_plain_citation() -> None:
    hit = {"paragraph": 3, "article": ARTICLE}
    assert plain(hit) == "《隆基绿能嘉兴基地二期投产》，嘉兴日报，2024年12月5日，第3段（记者 张云、韩立峰）。"
    assert plain({"article": {"title": "", "source": "", "date": "", "byline": ""}}) == "《无题》。"


def test_authors_and_edition() -> None:
    assert authors("本报记者 陈一薇、王忱") == ["陈一薇", "王忱"]
    assert authors("") == []
    assert [edition(p) for p in ("第02版", "A3版", "", "12")] == ["2", "A3", "", "12"]
