"""The five real newspaper pages in corpus/: articles, titles, bylines, repaired paragraphs, drops, ids."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from searcher.corpus.reading import load_corpus, load_file
from searcher.models import Article, Dropped, ParsedFile
from searcher.page.ids import is_url_safe

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def page(prefix: str) -> ParsedFile:
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    return load_file(path, CORPUS)


def only(prefix: str) -> Article:
    [article] = page(prefix).articles
    return article


def texts(article: Article) -> list[str]:
    return [p.text for p in article.paragraphs]


def find(article: Article, fragment: str) -> str:
    [text] = [t for t in texts(article) if fragment in t]
    return text


def test_page_002_has_its_six_articles_with_titles_and_bylines() -> None:
    articles = page("002").articles
    assert [(a.title, a.byline, a.continued) for a in articles] == [
        ("国家先进制造业集群,嘉兴实现“零的突破”", "记者 陈曦 通讯员 李建业 朱晓斌", "下转2版"),
        ("初冬的南湖 美不胜收", "摄影 记者 王振宇 陆巍", ""),
        ("体验一程路 认识一座城 桐乡再次因马拉松而全城沸腾", "记者 朱灵洁 通讯员 王飞鹏", "下转2版"),
        ("登记社会组织4980家,有专兼职从业人员近5万人 我市社会组织各聘所长助力高质量发展",
         "记者 王忱 通讯员 钱熠", "下转2版"),
        ("积极应对人口老龄化 嘉兴何以“领跑”全国?", "本报评论员 汪莹", ""),
        ("已获绿色食品认证259个 嘉兴全力守护 农产品质量安全", "记者 张应隆 通讯员 郭建明", ""),
    ]


def test_page_002_marathon_keeps_text_after_its_first_continuation_marker() -> None:
    marathon = page("002").articles[2]
    assert [(p.number, p.heading, p.text[:12]) for p in marathon.paragraphs] == [
        (1, "", "昨天早上7时30分,万众"),
        (2, "", "这是一段感受城市底蕴的体"),
        (3, "一场马拉松,串联一路景", "一直以来,马拉松赛事都被"),
        (4, "一场马拉松,串联一路景", "本次“桐半马”的起点设在"),
        (5, "一场马拉松,串联一路景", "人潮、涌动。向南进入桐乡"),
        (6, "一场马拉松,串联一路景", "“四年前我就来过桐乡,虽"),
        (7, "一场马拉松,串联一路景", "跑一程,爱一城。张洁冰的"),
        (8, "一场马拉松,燃动一群人", "21.0975公里的赛道"),
        (9, "一场马拉松,燃动一群人", "“跑者至上”,对于“桐半"),
    ]
    assert texts(marathon)[1].endswith("引领着全民")  # cut; the rest is on page 2
    assert marathon.dropped == [Dropped("(下转2版)", "continuation"), Dropped("(下转2版)", "continuation")]
    assert find(marathon, "向南进入桐乡") == (
        "人潮、涌动。向南进入桐乡主干道之一的世纪大道,跑者们在奔跑中感受这座城市跳动的脉搏;往东进入逾桥路,"
        "历史韵味与现代繁华一路相映成趣;一路进凤凰湖大道,沿线一侧是加速崛起的新大楼,不断刷新着桐乡的城市封面,"
        "另一侧就是美丽的凤凰湖,沿途湖面浩渺、蓝绿交融,初冬湿地风光尽展眼前;再途经文化馆、博物馆、非遗馆、"
        "漫画馆等“六馆合一”的桐乡市文化中心,集科普资源型、旅游休闲型于一体的综合性植物园……当这些能为城市代言"
        "的多个经典景点、地标被串珠成链,桐乡正以跑步之名,邀请热爱运动的跑者们,用脚步丈量和感受“风雅桐乡”"
        "颜值与内涵的兼具、传统与现代的融合、创新与发展的并进。"
    )


def test_page_002_two_line_headings() -> None:
    cluster, _, _, social, _, _ = page("002").articles
    assert [h for h in dict.fromkeys(p.heading for p in cluster.paragraphs)] == [
        "", "跨地区融合 打破地域发展限制", "产业特色强 硬核实力“嘉”速出圈"
    ]
    assert [h for h in dict.fromkeys(p.heading for p in social.paragraphs)] == [
        "",
        "聚力行业合力 做经济发展的“智囊团”",
        "促协商共治 做社会治理的参与者",
        "创公益品牌 做民生服务的“圆梦人”",
    ]
    assert find(cluster, "重要抓手") == (
        "发展先进制造业集群,是推动产业迈向中高端、提升产业链供应链韧性和安全水平的重要抓手,"
        "有利于形成协同创新、人才集聚、降本增效等规模效应和竞争优势。"
    )


def test_page_002_furniture_is_dropped_with_reasons() -> None:
    assert [(d.reason, d.text) for d in page("002").dropped] == [
        ("column name", "经济嘉观察"),
        ("qr prompt", "扫一扫 更精彩"),
        ("ad", "ICBC 中国工商银行 嘉兴分行"),
        ("column name", "浙江新闻专栏 嘉兴时评"),
        ("column name", "第一时间发布新闻+发表评论"),
        ("teaser", "■导读"),
        ("teaser", "“抗洪老兵” 用爱与坚守书写人生“最美”故事 》》》详见4版"),
        ("ad", "嘉兴大病无忧 提醒您关注天气预报"),
        ("weather", "今天多云转阴,夜里局部有小雨,明天阴到多云局部有小雨,偏北风3~4级,今天白天最高气温12℃,"
                    "明天早晨最低气温6℃。"),
    ]


def test_page_000_title_headings_captions_and_joins() -> None:
    article = only("000")
    assert (article.title, article.byline) == ("创新驱动 活力激荡 城市向新 探寻嘉兴高质量发展密码", "")
    assert [h for h in dict.fromkeys(p.heading for p in article.paragraphs)] == [
        "", "创新“长跑”，实现发展“快跑”", "“后浪”奔涌，激荡发展活力", "发展惠民，助力城市向新"
    ]
    assert article.dropped == [
        Dropped(text, "caption")
        for text in ("参观加西贝拉", "参观嘉源和达", "参观浙江清华长三角研究院", "嘉兴南湖", "南晚",
                     "嘉兴经开区")
    ]
    assert find(article, "特种纸") == (
        "1923年，承载着民族造纸工业的梦想，“民丰”于南湖畔诞生。从首创国产船舶卷烟纸，抵御帝国主义垄断，"
        "到首创国产“王牌”电容器纸和描图纸，超三分之一的产品填补国内市场空白，再到在上海证券交易所上市，"
        "成为国内第一只特种纸生产企业的股票……穿越百年历史，民丰特纸始终秉持敢为人先、精益求精的精神，"
        "铸就了一件又一件卓越产品。截至目前，企业卷烟配套用纸已覆盖全国所有的烟企，透明系列用纸和标签配套用纸"
        "也占据了国内市场的70%以上。"
    )
    assert find(article, "周建生") == (
        "作为老牌压缩机企业，加西贝拉压缩机有限公司被称为“世界冰箱的心脏”，曾以500万台的冰箱压缩机月产量刷新"
        "世界纪录。自1988年注册成立起，加西贝拉的发展始终与时代同频共振，在创新中发展。“靠着30多年来扎实练就的"
        "内功，我们已实现国内国际两个市场全面开花，海外市场销售量占总销量的近50%。”加西贝拉党委副书记、"
        "副总经理周建生介绍。"
    )
    assert "浙江清华长三角研究院仿若" in find(article, "超级大脑")


def test_page_001_markdown_title_byline_and_cut_across_blank_lines() -> None:
    article = only("001")
    assert article.title == "嘉兴高新区打造产城融合新范式"
    assert article.byline == "本报记者 邓淑华 特约通讯员 陈一薇"
    assert [h for h in dict.fromkeys(p.heading for p in article.paragraphs)] == [
        "", "担纲经济发展主阵地", "建设科技创新策源地", "打造产城融合新高地"
    ]
    assert find(article, "以“闯”") == (
        "2024年,嘉兴高新区以“闯”的精神、“创”的劲头、“干”的作风,摘下了众多“首次、首批、第一、唯一”。"
    )
    assert find(article, "三驾马车") == "投资,既是拉动经济增长的“三驾马车”之首,也是高质量发展的有力支撑。"
    assert "全球首个182半片异质结电池片的嘉兴阿特斯" in find(article, "182半片")
    assert "国家级博士后工作站" in find(article, "博士后")


def test_page_003_sections_in_page_order_expert_comment_and_captions() -> None:
    article = only("003")
    assert (article.title, article.byline) == ("桐乡经济开发区：数实融合 智达未来", "高柱强 金长青")
    assert [h for h in dict.fromkeys(p.heading for p in article.paragraphs)] == [
        "",
        "【创新视角1】 正向研发，抢占科技创新的“制高点”",
        "【创新视角3】 点石成金，赋能园区升级的“压舱石”",
        "专家点评",
        "【创新视角2】 数实融合，壮大智造集群的“加速器”",
    ]
    expert = [p.text for p in article.paragraphs if p.heading == "专家点评"]
    assert len(expert) == 5 and expert[-1] == "（浙江数字化发展与治理研究中心 黄颖博士）"
    assert find(article, "抓手") == (
        "同时，桐乡经济开发区纵深推进营商环境优化升级，坚持“开放融合、创新致胜”的发展理念，推动企业上下链协同"
        "创新，以真情携手企业发展。“我们以重点项目推进为抓手，把办公桌搬到项目一线，创新提出“项目经理人”制度，"
        "以“妈妈式”服务开展企业全生命周期服务，构筑高质量发展硬核支撑。”桐乡经济开发区党委书记、高桥街道党委"
        "书记蓝亚民介绍。"
    )
    assert "缩影。当前，桐乡经济开发区正处在" in find(article, "缩影")
    assert [d.text for d in article.dropped] == [
        "桐乡经济开发区俯瞰图",
        "中国巨石股份有限公司智能制造车间",
        "桐乡经济开发区高铁产业新城",
        "中国工艺美术大师高公博先生应邀为桐乡经济开发区创作的“智”字章",
        "（本版图片由桐乡经济开发区提供）",
        "视觉物联创新中心",
        "双环传动（嘉兴）精密制造有限公司车间",
        "桐乡市数字经济双创新中心",
        "华友印尼项目",
    ]
    assert {d.reason for d in article.dropped} == {"caption"}


def test_page_004_byline_credit_and_the_unjoined_enumeration() -> None:
    article = only("004")
    assert article.title == "建强主城区 锚定“四个兴” 嘉兴国家高新区勾勒美好城市模样"
    assert article.byline == "记者 赵晨 通讯员 陈一薇"
    assert article.dropped == [Dropped("图片由嘉兴国家高新区提供", "caption")]
    cut = find(article, "做强空港电子信息产业园")
    assert cut.endswith("持续提升平台能级，做强空港电子信息产业园、")
    following = texts(article)[texts(article).index(cut) + 1]
    assert following.startswith("正月初八，年味还未散尽")


def test_no_paragraph_is_a_caption_heading_or_furniture() -> None:
    for parsed in (page(p) for p in ("000", "001", "002", "003", "004")):
        dropped = {d.text for d in parsed.dropped} | {d.text for a in parsed.articles for d in a.dropped}
        for article in parsed.articles:
            for paragraph in article.paragraphs:
                assert paragraph.text not in dropped
                assert paragraph.text != paragraph.heading
                assert len(paragraph.text) >= 8, paragraph.text


def test_paragraph_numbers_run_from_one() -> None:
    for parsed in (page(p) for p in ("000", "001", "002", "003", "004")):
        for article in parsed.articles:
            assert [p.number for p in article.paragraphs] == list(range(1, len(article.paragraphs) + 1))


def test_ids_are_stable_unique_and_url_safe() -> None:
    first = [a.id for item in load_corpus(CORPUS) if isinstance(item, ParsedFile) for a in item.articles]
    again = [a.id for item in load_corpus(CORPUS) if isinstance(item, ParsedFile) for a in item.articles]
    assert first == again
    assert len(first) == len(set(first)) == 10
    assert all(is_url_safe(i) for i in first)
    assert first[0].startswith("000_fc3523877e7533cf-")


def test_seed_ids_keep_their_published_form() -> None:
    """Ids are in links and citations: a .txt page's ids stay `<stem>-<8 hex of sha1(title)>` (`-2` for a
    repeated title), whatever else changes in how ids are made."""
    for item in load_corpus(CORPUS):
        assert isinstance(item, ParsedFile)
        seen: Counter[str] = Counter()
        for article in item.articles:
            base = f"{Path(item.path).stem}-{hashlib.sha1(article.title.encode()).hexdigest()[:8]}"
            seen[base] += 1
            assert article.id == (base if seen[base] == 1 else f"{base}-{seen[base]}")
    assert only("000").id == "000_fc3523877e7533cf-f72040c7"


def test_seed_pages_say_where_title_and_byline_came_from() -> None:
    article = page("002").articles[0]
    assert article.byline == "记者 陈曦 通讯员 李建业 朱晓斌"
    assert article.provenance == {"title": "text:headline", "byline": "text:byline"}
    assert (article.date, article.source) == ("", "")  # the pages print no dateline: nothing is made up


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_article_has_a_title_and_file(prefix: str) -> None:
    for article in page(prefix).articles:
        assert article.title and article.file.startswith(prefix) and article.source == ""


MARKS = set("■►#—")  # bullets, markdown hashes and the lead-in dash of `专家点评——` are layout, not words


def visible_chars(parts) -> Counter:
    return Counter(ch for part in parts for ch in part if not ch.isspace() and ch not in MARKS)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_nothing_on_the_page_is_lost(prefix: str) -> None:
    """Every character of the page ends up in a title, byline, heading, paragraph or dropped block."""
    parsed = page(prefix)
    parts = [d.text for d in parsed.dropped]
    for a in parsed.articles:
        parts += [a.title, a.byline, *(p.text for p in a.paragraphs), *(d.text for d in a.dropped)]
        parts += list(dict.fromkeys(p.heading for p in a.paragraphs))
    source = next(CORPUS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    missing = visible_chars([source]) - visible_chars(parts)
    # The only deliberate removal: the `记` the PDF duplicated across the 书记 / 记、副总经理 cut.
    assert missing == (Counter("记") if prefix == "000" else Counter())
    assert visible_chars(parts) - visible_chars([source]) == Counter()
