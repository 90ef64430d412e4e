"""Fixture articles for the discovery features (corrections, autocomplete, duplicates, related, citations, feeds).

Written for these tests: names that jieba splits (加西贝拉, 嘉源和达, 双溪湖), homophone pairs where both are real
words of the archive (景点 / 经典, 张云 / 张广伍), one story sent to three papers with small edits, and two
articles that share a quoted sentence but are otherwise different.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WIRE = ("新华社嘉兴12月5日电 隆基绿能嘉兴基地二期项目5日正式投产，新增高效光伏组件产能10吉瓦，"
        "预计年产值超过80亿元，带动上下游配套企业30余家落户嘉兴高新区。")
WIRE_EDITED = ("新华社嘉兴12月5日电 隆基绿能嘉兴基地二期项目当天正式投产，新增高效光伏组件产能10吉瓦，"
               "预计年产值超过80亿元，带动上下游配套企业30多家落户嘉兴高新区。")
WIRE_TRIMMED = ("隆基绿能嘉兴基地二期项目5日正式投产，新增高效光伏组件产能10吉瓦，"
                "预计年产值超过80亿元，带动上下游配套企业30余家落户嘉兴高新区。")
SHARED = "市委书记强调，要坚持生态优先、绿色发展，让老百姓有更多获得感。"
SHARED_A = SHARED + "南湖区今年新建口袋公园12个，改造老旧小区背街小巷46条，居民出门见绿的愿望正在实现。"
SHARED_B = "秀洲区召开乡村振兴推进会。" + SHARED + "会议部署了农村人居环境整治和高标准农田建设等八项重点任务。"


def _article(id_: str, title: str, paragraphs: list[str], date: str, source: str = "嘉兴日报",
             author: str = "", url: str = "") -> dict[str, Any]:
    row = {"id": id_, "title": title, "text": "\n".join(paragraphs), "source": source, "date": date, "url": url}
    if author:
        row["author"] = author
    return row


def articles() -> list[dict[str, Any]]:
    return [
        _article("longi-1", "隆基绿能嘉兴基地二期投产", [
            WIRE,
            "隆基绿能是全球领先的光伏企业，嘉兴基地主要生产高效光伏组件和逆变器配套产品。",
            "嘉兴高新区管委会负责人表示，隆基绿能项目投产后，嘉兴光伏产业链将更加完整。",
        ], "2024-12-05", author="张云", url="https://example.org/longi-1"),
        _article("longi-2", "光伏龙头项目落户嘉兴高新区", [
            WIRE_EDITED,
            "嘉兴市光伏行业协会认为，隆基绿能的投产将吸引更多光伏玻璃和逆变器企业集聚嘉兴。",
        ], "2024-12-06", source="浙江日报", author="高政"),
        _article("longi-3", "嘉兴高新区又添光伏新项目", [
            WIRE_TRIMMED,
            "记者在嘉兴高新区看到，光伏组件生产线已经满负荷运转，工人们正在加紧赶制订单。",
            "本报记者张云、高政、张广伍在投产现场采访了企业负责人和一线工人。",
        ], "2024-12-07", source="南湖晚报", author="张广伍"),
        _article("jxbl", "加西贝拉压缩机销量创新高", [
            "加西贝拉压缩机有限公司位于嘉兴市南湖区，是全球重要的冰箱压缩机生产企业。",
            "今年加西贝拉压缩机销量突破七千万台，出口到全球五十多个国家和地区。",
            "加西贝拉与嘉源和达合作建设的智能工厂，将压缩机生产效率提高了三成。",
        ], "2024-11-20", author="张云"),
        _article("tour", "乌镇南湖景点迎来客流高峰", [
            "国庆假期，乌镇景点和南湖景点游客如织，嘉兴全市接待游客超过五百万人次。",
            "桐乡乌镇、海宁盐官、平湖九龙山等景点都推出了夜游项目。",
            "年轻人喜欢到双溪湖打卡，新景点吸引了不少游客，嘉善西塘景点也人气旺盛。",
        ], "2024-10-08", source="南湖晚报", author="王忱"),
        _article("classic", "经典越剧唱段在秀洲上演", [
            "秀洲区文化馆举办经典越剧展演，经典唱段赢得阵阵掌声。",
            "经典剧目《梁祝》和经典折子戏轮番上演，不少观众跟着哼唱经典旋律。",
            "主办方表示，将让更多经典走进乡村，让经典焕发新的光彩。",
        ], "2024-09-15", author="汪莹"),
        _article("park", "南湖区口袋公园扮靓城市",
                 [SHARED_A, "口袋公园由闲置地块改造而来，配有健身步道和儿童游乐设施。"], "2024-08-01", author="陈一薇"),
        _article("village", "秀洲区部署乡村振兴重点任务", [SHARED_B, "秀洲区将投入专项资金五亿元支持乡村产业发展。"],
                 "2024-08-02", source="浙江日报", author="邓淑华"),
        _article("haining", "海宁平湖桐乡嘉善经济运行平稳", [
            "海宁皮革城销售额增长一成，平湖服装出口保持稳定，桐乡毛衫产业加快转型。",
            "嘉善县引进重大项目十二个，海宁、平湖、桐乡、嘉善四地工业增加值均实现增长。",
            "嘉兴经济技术开发区与双溪湖片区联动发展，嘉源和达智能装备项目开工建设。",
        ], "2025-02-10", author="张云"),
    ]


def write_corpus(corpus_dir: Path) -> Path:
    corpus_dir.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(a, ensure_ascii=False) for a in articles())
    (corpus_dir / "discovery.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus_dir


def build_discovery_index(root: Path) -> Path:
    from searcher.index.build import build_index

    corpus = write_corpus(root / "corpus")
    index = root / "index"
    build_index(corpus, index)
    return index
